"""An extract's table in long form: the shape is found from the header (or given), and every
figure becomes one row of (indicator text, month text, cell text) with its position.

Shapes (:data:`SHAPES`):

* ``long``: columns ``indicator``, ``month``, ``value`` (optional ``authority``);
* ``wide``: one row per indicator, one column per month (``Oct-24``, ``2024-10``, real Excel
  dates, and the spellings of :func:`~csc_perf.ingest.headers.header_month`); known report
  columns such as Target, RAG or benchmarks are skipped by name, and any other column with
  figures is an error naming it unless it is skipped on purpose (``ignore_columns``);
* ``month`` (one month): columns ``indicator`` and ``value``, the month given separately.

Nothing is parsed here: :mod:`csc_perf.ingest.validation` parses and checks the cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from csc_perf.errors import ExtractReadError
from csc_perf.ingest.grid import Grid, formula_problems, show_header
from csc_perf.ingest.headers import (
    INDICATOR_HEADERS,
    MONTH_HEADERS,
    VALUE_HEADERS,
    header_key,
    header_month,
)
from csc_perf.ingest.raw import RawTable
from csc_perf.model.calendar import MonthError, parse_month

SHAPES = ("long", "wide", "month")


@dataclass
class TableCells:
    """The cells of one table in long form, and problems found in its header."""

    shape: str
    cells: pl.DataFrame
    problems: list[dict] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    authority_column: str | None = None  # the header of the authority codes, if any
    # A second column naming the indicator (Indicator and ID): columns ``row, indicator_text,
    # column, other_text``, one row per data row and further column; validation refuses a row
    # whose two columns name different indicators.
    other_indicators: pl.DataFrame | None = None
    #: No cell has spaces around it (see :attr:`csc_perf.ingest.grid.Grid.stripped`).
    stripped: bool = False


def table_cells(
    table: RawTable,
    *,
    shape: str | None = None,
    month: date | None = None,
    ignore_columns: Sequence[str] = (),
) -> TableCells:
    """The table's cells in long form: columns ``file, sheet, row, column, indicator_text,
    month_text, month_column, authority_text, cell``.

    ``month_text`` is the month label (in the wide shape the header, or the month it denotes
    as ``2024-10`` when it carries a mark or is an Excel serial); the validator parses it.
    ``ignore_columns``: headers to skip on purpose (compared ignoring case and spaces).
    Raises :class:`ExtractReadError` when the table has no data or no usable header.
    """
    grid = Grid(table, ignore_columns)
    grid.check_duplicate_headers()
    indicator_col = grid.find(INDICATOR_HEADERS)
    month_col = grid.find(MONTH_HEADERS)
    value_col = grid.find(VALUE_HEADERS)
    authority_col = grid.check_authority_columns()
    month_columns: dict[int, date] = {}
    for index, text in enumerate(grid.header):
        if index in (indicator_col, authority_col) or not text or grid.keys[index] in grid.skip:
            continue
        parsed_month = header_month(text)
        if parsed_month is not None:
            month_columns[index] = parsed_month

    if shape is None:
        if indicator_col is not None and month_col is not None and value_col is not None:
            shape = "long"
        elif indicator_col is not None and value_col is not None:
            shape = "month"
        elif month_columns:
            shape = "wide"
        else:
            raise grid.no_header()
    elif shape not in SHAPES:
        raise ExtractReadError(f"unknown shape {shape!r} (use long, wide or month)")

    if shape in ("long", "month"):
        cells = _long_cells(grid, shape, month, indicator_col, value_col, month_col, authority_col)
        main: int | None = indicator_col
        read = {indicator_col, value_col, month_col, authority_col}
    else:
        cells, main = _wide_cells(grid, indicator_col, authority_col, month_columns)
        read = {main, authority_col, *month_columns}
    if table.formulas:
        grid.problems.extend(formula_problems(table, grid.header, grid.header_row, read - {None}))
    others = [
        i
        for i, k in enumerate(grid.keys)
        if k in INDICATOR_HEADERS and k not in grid.skip and i != main and i not in month_columns
    ]
    return TableCells(
        shape,
        cells,
        grid.problems,
        grid.ignored,
        grid.header[authority_col] if authority_col is not None else None,
        other_indicators=_other_indicators(grid, main, others) if main is not None else None,
        stripped=grid.stripped,
    )


def _long_cells(
    grid: Grid,
    shape: str,
    month: date | None,
    indicator_col: int | None,
    value_col: int | None,
    month_col: int | None,
    authority_col: int | None,
) -> pl.DataFrame:
    """The cells of a long or one-month table (one figure a row)."""
    header = grid.header
    missing = [
        label
        for label, index in (
            ("indicator", indicator_col),
            ("value", value_col),
            *([("month", month_col)] if shape == "long" else []),
        )
        if index is None
    ]
    if missing:
        raise ExtractReadError(
            f"{grid.where}: row {grid.header_row}: no {' / '.join(missing)} column in the "
            f"header {show_header(header)}",
            code="header-missing",
            file=grid.table.file,
        )
    assert indicator_col is not None and value_col is not None
    if shape == "month":
        if month is None:
            raise ExtractReadError(
                f"{grid.where}: a one-month extract (indicator, value) needs the month",
                code="month-required",
                file=grid.table.file,
                hint="add --month YYYY-MM, the month these figures are for (csc-perf "
                "does not guess it)",
            )
        month_text = pl.lit(month.isoformat()).alias("month_text")
        month_column = pl.lit(None, dtype=pl.String).alias("month_column")
    else:
        assert month_col is not None
        month_text = grid.col(month_col).alias("month_text")
        month_column = pl.lit(header[month_col]).alias("month_column")
    used = {indicator_col, value_col, month_col, authority_col}
    for index, text in enumerate(header):
        if index not in used:
            grid.check_other_column(index, text, shape)
    *position, authority = grid.base(authority_col)
    return grid.body.select(
        *position,
        pl.lit(header[value_col]).alias("column"),
        grid.col(indicator_col).alias("indicator_text"),
        month_text,
        month_column,
        authority,
        grid.col(value_col).alias("cell"),
    )


def _wide_cells(
    grid: Grid, indicator_col: int | None, authority_col: int | None, months: dict[int, date]
) -> tuple[pl.DataFrame, int]:
    """The cells of a wide table (one column a month) and its indicator column."""
    header = grid.header
    if not months:
        raise ExtractReadError(
            f"{grid.where}: row {grid.header_row}: no month columns in the header "
            f"{show_header(header)}",
            code="header-missing",
            file=grid.table.file,
            row=grid.header_row,
            hint="a wide extract has one column per month, headed Oct-24 or 2024-10",
        )
    ind = _indicator_column(grid.body, grid.columns, header, indicator_col, list(months))
    for index, text in enumerate(header):
        if index in (ind, authority_col) or index in months:
            continue
        grid.check_other_column(index, text, "wide")
    # The same month under two labels (Oct-24 and 2024-10) is a duplicated header too.
    by_month: dict[date, int] = {}
    for index, parsed in months.items():
        if parsed in by_month and header_key(header[index]) != grid.keys[by_month[parsed]]:
            grid.problem(
                "header-duplicate",
                f"column {header[index]!r} is the same month as column "
                f"{header[by_month[parsed]]!r}",
                header[index],
                header[index],
            )
        by_month.setdefault(parsed, index)
    *position, authority = grid.base(authority_col)
    frames = [
        grid.body.select(
            *position,
            pl.lit(header[index]).alias("column"),
            grid.col(ind).alias("indicator_text"),
            pl.lit(_month_text(header[index], parsed)).alias("month_text"),
            pl.lit(header[index]).alias("month_column"),
            authority,
            grid.col(index).alias("cell"),
        )
        for index, parsed in months.items()
    ]
    return pl.concat(frames), ind


def _other_indicators(grid: Grid, main: int, others: list[int]) -> pl.DataFrame | None:
    """Each row's indicator text beside that of each further indicator column."""
    if not others:
        return None
    return pl.concat(
        [
            grid.body.select(
                pl.col("row").cast(pl.Int64),
                grid.col(main).alias("indicator_text"),
                pl.lit(grid.header[i]).alias("column"),
                grid.col(i).alias("other_text"),
            )
            for i in others
        ]
    )


def _month_text(header: str, month: date) -> str:
    """The header itself when the month parser reads it, else the month it denotes."""
    try:
        parse_month(header)
    except MonthError:
        return f"{month.year:04d}-{month.month:02d}"
    return header


def _indicator_column(
    body: pl.DataFrame,
    columns: list[str],
    header: list[str],
    named: int | None,
    month_columns: list[int],
) -> int:
    """The indicator column of a wide table: the one headed like it, else the first column
    (not a month) that holds mostly text rather than figures."""
    if named is not None:
        return named
    for index, _ in enumerate(header):
        if index in month_columns:
            continue
        values = body.get_column(columns[index]).drop_nulls()
        if values.len() == 0:
            continue
        numeric = values.str.strip_chars().str.contains(r"^[\d.,%\-]*$").mean()
        if numeric is not None and numeric < 0.5:
            return index
    return 0
