"""Checks on extracts: a report of issues (stable codes, severities, positions) and the
observations that passed.

Every check has a stable code; scripts may rely on them. See :data:`CHECKS` (the table is
:data:`csc_perf.ingest.checks.registry.REGISTRY`). :func:`validate_files` reads the files
(:mod:`csc_perf.ingest.tables`, :mod:`csc_perf.ingest.shapes`) and :func:`check_cells` runs
the checks of :mod:`csc_perf.ingest.checks` on their cells, in a fixed order: the order of
the issues is part of what csc-perf shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import polars as pl

from csc_perf.definitions.model import Definitions
from csc_perf.errors import ExtractReadError, UsageError
from csc_perf.ingest.cells import INVALID, LARGEST_FIGURE, PRESENT, parse_cells
from csc_perf.ingest.checks.derived import derived_mismatch
from csc_perf.ingest.checks.months import bad_months, blank_months, read_months
from csc_perf.ingest.checks.names import (
    authority_invalid,
    indicator_disagreements,
    indicator_unknown,
    read_authorities,
    read_indicators,
)
from csc_perf.ingest.checks.registry import CHECKS
from csc_perf.ingest.checks.required import required_missing
from csc_perf.ingest.checks.values import (
    count_negative_rows,
    duplicate_conflict,
    first_figures,
    fraction_issues,
    has_repeats,
    out_of_range_rows,
    percent_sign_rows,
    too_large_rows,
    value_unparseable,
    with_bounds,
)
from csc_perf.ingest.ees_extract import ees_cells
from csc_perf.ingest.raw import RawTable
from csc_perf.ingest.report import ERROR, Found, Issue, ValidationReport
from csc_perf.ingest.shapes import TableCells, table_cells
from csc_perf.ingest.tables import read_tables
from csc_perf.model.authorities import HINT as AUTHORITY_HINT
from csc_perf.model.authorities import normalise_authority
from csc_perf.model.progress import advance
from csc_perf.model.schemas import FileSummary, empty_observations

# What callers import from here (Issue and ValidationReport live in ingest/report.py).
__all__ = ["ValidationReport", "check_cells", "validate_files"]


def validate_files(
    paths: Sequence[str | Path],
    definitions: Definitions,
    *,
    authority: str | None = None,
    sheet: str | Sequence[str] | None = None,
    encoding: str | None = None,
    shape: str | None = None,
    month: date | None = None,
    today: date | None = None,
    history: pl.DataFrame | None = None,
    population: pl.DataFrame | None = None,
    ignore_columns: Sequence[str] = (),
) -> ValidationReport:
    """Read and check ``paths`` together against ``definitions``.

    Returns a :class:`ValidationReport`; never raises for bad data (an unreadable file is a
    ``file-unreadable`` issue). ``authority`` defaults to the workspace's authority code.
    ``today`` fixes "now" for the future-month check. ``history`` (the store's observations)
    and ``population`` let derived indicators be computed to check the extract's own figures
    for them (a 12-month rolling rate needs the months before the extract).
    ``ignore_columns`` names wide-sheet columns to skip on purpose (``--ignore-column``).
    """
    default_authority = authority or definitions.workspace.authority or ""
    if authority:
        default_authority = normalise_authority(authority) or ""
        if not default_authority:
            raise UsageError(
                f"authority {authority!r} is not an authority code", hint=AUTHORITY_HINT
            )
    issues: list[Found] = []
    summaries: list[FileSummary] = []
    parts: list[pl.DataFrame] = []
    stripped = True  # every table read so far has no spaces around its cells
    for path in paths:
        try:
            source = read_tables(path, sheet=sheet, encoding=encoding)
        except ExtractReadError as exc:
            issues.append(_read_issue(exc, str(path)))
            continue
        for note in source.notes:
            issues.append(
                Issue(
                    note["code"],
                    CHECKS[note["code"]][0],
                    note["message"],
                    file=source.path,
                    sheet=note.get("sheet"),
                )
            )
        rows = 0
        shapes: list[str] = []
        for table in source.tables:
            try:
                cells = ees_cells(table, definitions) if shape in (None, "ees") else None
                cells = cells or table_cells(
                    table, shape=shape, month=month, ignore_columns=ignore_columns
                )
            except ExtractReadError as exc:
                issues.append(_read_issue(exc, table.file, table.sheet))
                continue
            shapes.append(cells.shape)
            stripped = stripped and cells.stripped
            issues.extend(indicator_disagreements(cells, table.file, table.sheet, definitions))
            issues.extend(_header_issues(cells, table))
            # A long or one-month table has one cell a row: its rows need not be counted.
            one_a_row = cells.shape in ("long", "month")
            rows += cells.cells.height if one_a_row else cells.cells.get_column("row").n_unique()
            parts.append(
                cells.cells.with_columns(
                    pl.lit(cells.authority_column, dtype=pl.String).alias("authority_column")
                )
            )
        read_any = bool(source.tables)
        source.tables = []  # the raw text is in the cells now: not held twice
        if not read_any:
            issues.append(
                Issue.at(
                    "file-empty",
                    ERROR,
                    "the workbook has no data" + (" in its visible sheets" if source.notes else ""),
                    file=source.path,
                )
            )
        summaries.append(
            FileSummary(source.path, source.sha256, rows, ",".join(sorted(set(shapes))) or "-")
        )
    if not parts:
        return ValidationReport(issues, empty_observations(), summaries)
    # Handed over, not kept: check_cells drops each column once it is read.
    combined = [pl.concat(parts)]
    parts.clear()
    total = combined[0].height
    advance("rows validated", 0, total)
    observations, found = check_cells(
        combined.pop(),
        definitions,
        authority=default_authority,
        today=today or date.today(),
        history=history,
        stripped=stripped,
    )
    advance("rows validated", total, total)
    if all(summary.shape == "ees" for summary in summaries):
        # Annual DfE figures are not monthly extracts: no month lacks a required indicator.
        found = [i for i in found if not (isinstance(i, Issue) and i.code == "required-missing")]
    issues.extend(found)
    issues.extend(derived_mismatch(observations, definitions, history, population))
    return ValidationReport(issues, observations, summaries)


def _header_issues(cells: TableCells, table: RawTable) -> list[Issue]:
    """The issues for the problems reading a table found in its header and cells (the
    column is named in the message for a problem about one cell)."""
    return [
        Issue.at(
            p["code"],
            CHECKS[p["code"]][0],
            p["message"],
            file=table.file,
            sheet=table.sheet,
            row=p["row"],
            column=p["column"],
            cell=p["cell"],
            column_shown=bool(p.get("in_column") and p["column"]),
        )
        for p in cells.problems
    ]


def _read_issue(exc: ExtractReadError, file: str, sheet: str | None = None) -> Issue:
    """The issue for a file or table that cannot be read (its error's code and message)."""
    severity = CHECKS.get(exc.code, (ERROR, ""))[0]
    return Issue(exc.code, severity, str(exc), file=file, sheet=sheet, row=exc.row)


def check_cells(
    cells: pl.DataFrame,
    definitions: Definitions,
    *,
    authority: str,
    today: date,
    history: pl.DataFrame | None = None,
    stripped: bool = False,
) -> tuple[pl.DataFrame, list[Found]]:
    """Parse and check long-form cells (see :func:`csc_perf.ingest.shapes.table_cells`).

    ``authority`` (in stored form) is given to rows without one. ``history`` (the store's
    observations, optional) holds figures that count as present for ``required-missing``.
    Returns the observations (one per authority, indicator and month; only rows whose
    authority, indicator, month and cell could be read) and the issues found (an
    :class:`Issue`, or a block of them as a frame: see :class:`ValidationReport`).
    ``stripped``: no text has spaces around it (saves stripping millions of texts).
    """
    issues: list[Found] = []
    if "authority_column" not in cells.columns:
        cells = cells.with_columns(pl.lit(None, dtype=pl.String).alias("authority_column"))
    if not stripped:
        cells = _stripped(cells, ("indicator_text", "cell", "authority_text"))
    # Rows with neither an indicator nor a value are blank lines, not data.
    data = cells.select(
        pl.col("indicator_text").str.len_bytes().gt(0).fill_null(False)
        | pl.col("cell").str.len_bytes().gt(0).fill_null(False)
    ).to_series()
    cells = cells if data.all() else cells.filter(data)
    del data
    cells = read_authorities(cells, authority)
    issues.extend(authority_invalid(cells))
    cells = cells.drop("_authority_given", "authority_column", strict=False)
    cells = read_indicators(cells, definitions)
    issues.extend(indicator_unknown(cells, definitions))
    cells, month_problems = read_months(cells, today)
    issues.extend(bad_months(cells, month_problems))
    issues.extend(blank_months(cells))
    cells = parse_cells(cells, "cell", stripped=stripped)
    issues.extend(value_unparseable(cells))

    readable = (
        pl.col("indicator").is_not_null()
        & pl.col("authority_text").is_not_null()
        & pl.col("month").is_not_null()
        & (pl.col("status") != INVALID)
        & ~pl.col("month_text").is_in(list(month_problems))
    )
    keep = cells.select(readable).to_series()
    # The texts already read are not needed further: millions of rows are copied without them.
    cells = cells.drop("indicator_text", "month_text", "month_column")
    # Nearly always every row is readable: then no copy at all.
    good = cells if keep.all() else cells.filter(keep)
    del cells, keep
    if has_repeats(good):
        issues.extend(duplicate_conflict(good, definitions))
        good = first_figures(good)

    issues.extend(_figure_issues(good, definitions))
    issues.extend(required_missing(good, definitions, authority, history))

    observations = good.select(
        pl.col("authority_text").alias("authority"),
        "indicator",
        "month",
        "value",
        "status",
        pl.col("file").alias("source_file"),
        pl.col("sheet").alias("source_sheet"),
        pl.col("row").alias("source_row"),
    )
    return observations, issues


def _stripped(cells: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """``cells`` with spaces around the texts of ``columns`` removed; a column with none
    (nearly always: the stripped texts are as long) keeps its own texts rather than a
    second copy of millions of them."""
    changed = []
    for name in columns:
        text = cells.get_column(name)
        stripped = text.str.strip_chars()
        if stripped.str.len_bytes().sum() != text.str.len_bytes().sum():
            changed.append(stripped)
    return cells.with_columns(changed) if changed else cells


def _figure_issues(good: pl.DataFrame, definitions: Definitions) -> list[Found]:
    """The checks on the figures of ``good`` (the ``present`` ones; see
    :mod:`csc_perf.ingest.checks.values`), in their order, each a block of issues (a
    frame: no Python object per figure).

    One pass over the figures marks the rows each check could find something in (the marks
    computed together); each check is then given those rows alone, with the indicators'
    bounds joined to them: on millions of figures a copy of every figure and the join are
    most of the cost, and nearly every figure is a plain number in range."""
    present = pl.col("status") == PRESENT
    # A figure beyond the largest is value-too-large and nothing else.
    sized = present & (pl.col("value").abs() <= LARGEST_FIGURE)
    marks = good.select(
        (present & pl.col("cell").str.contains("%", literal=True)).alias("sign"),
        (present & (pl.col("value").abs() > LARGEST_FIGURE)).alias("too_large"),
        (sized & (pl.col("value") < 0)).alias("negative"),
        (sized & _outside_ranges(definitions)).alias("outside"),
    )
    found: list[Found] = [
        percent_sign_rows(with_bounds(good.filter(marks["sign"]), definitions), definitions),
        too_large_rows(good.filter(marks["too_large"]), definitions),
        count_negative_rows(with_bounds(good.filter(marks["negative"]), definitions), definitions),
        out_of_range_rows(with_bounds(good.filter(marks["outside"]), definitions), definitions),
    ]
    percents = [i.id for i in definitions.indicators if i.unit == "percent"]
    in_percent = good.lazy().filter(sized & pl.col("indicator").is_in(percents))
    found.extend(fraction_issues(in_percent, definitions))
    return found


#: Above this many distinct valid ranges, each figure's range is looked up rather than
#: tested range by range (a test per range is one cheap pass; a lookup costs a few).
_RANGES_TESTED_ONE_BY_ONE = 6


def _outside_ranges(definitions: Definitions) -> pl.Expr:
    """True for a figure outside its indicator's valid range (a superset of what
    :func:`out_of_range_rows` reports: it also leaves out negative counts)."""
    ranges: dict[tuple[float | None, float | None], list[str]] = {}
    for indicator in definitions.indicators:
        if (indicator.valid_min, indicator.valid_max) != (None, None):
            ranges.setdefault((indicator.valid_min, indicator.valid_max), []).append(indicator.id)
    value = pl.col("value")
    if len(ranges) > _RANGES_TESTED_ONE_BY_ONE:
        by_id = {i: bounds for bounds, ids in ranges.items() for i in ids}
        low, high = (
            pl.col("indicator").replace_strict(
                {i: b[side] for i, b in by_id.items()}, default=None, return_dtype=pl.Float64
            )
            for side in (0, 1)
        )
        return (value < low).fill_null(False) | (value > high).fill_null(False)
    outside = pl.lit(False)
    for (low, high), ids in ranges.items():
        beyond = (value < low if low is not None else pl.lit(False)) | (
            value > high if high is not None else pl.lit(False)
        )
        outside = outside | (pl.col("indicator").is_in(ids) & beyond)
    return outside
