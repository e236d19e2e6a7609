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
    has_repeats,
    out_of_range_rows,
    percent_as_fraction,
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
            issues.extend(indicator_disagreements(cells, table.file, table.sheet, definitions))
            issues.extend(_header_issues(cells, table))
            rows += cells.cells.select(pl.col("row").n_unique()).item()
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
) -> tuple[pl.DataFrame, list[Found]]:
    """Parse and check long-form cells (see :func:`csc_perf.ingest.shapes.table_cells`).

    ``authority`` (in stored form) is given to rows without one. ``history`` (the store's
    observations, optional) holds figures that count as present for ``required-missing``.
    Returns the observations (one per authority, indicator and month; only rows whose
    authority, indicator, month and cell could be read) and the issues found (an
    :class:`Issue`, or a block of them as a frame: see :class:`ValidationReport`).
    """
    issues: list[Found] = []
    if "authority_column" not in cells.columns:
        cells = cells.with_columns(pl.lit(None, dtype=pl.String).alias("authority_column"))
    cells = _stripped(cells, ("indicator_text", "cell", "authority_text"))
    # Rows with neither an indicator nor a value are blank lines, not data.
    data = cells.select(
        pl.col("indicator_text").fill_null("").str.len_chars().gt(0)
        | pl.col("cell").fill_null("").str.len_chars().gt(0)
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
    cells = parse_cells(cells, "cell")
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

    Each check is given only the rows it could find something in, with the indicators'
    bounds joined to those rows alone: on millions of figures a copy of every figure and
    the join are most of the cost, and nearly every figure is a plain number in range."""
    present = pl.col("status") == PRESENT
    found: list[Found] = []
    with_sign = good.filter(present & pl.col("cell").str.contains("%", literal=True))
    found.append(percent_sign_rows(with_bounds(with_sign, definitions), definitions))
    too_large = too_large_rows(
        good.filter(present & (pl.col("value").abs() > LARGEST_FIGURE)), definitions
    )
    found.append(too_large)
    if too_large.height:
        present = present & (pl.col("value").abs() <= LARGEST_FIGURE)
    negative = good.filter(present & (pl.col("value") < 0))
    found.append(count_negative_rows(with_bounds(negative, definitions), definitions))
    found.append(out_of_range_rows(_maybe_outside(good, present, definitions), definitions))
    percents = [i.id for i in definitions.indicators if i.unit == "percent"]
    needed = ("file", "sheet", "row", "column", "indicator", "value", "status")
    in_percent = good.select(needed).filter(present & pl.col("indicator").is_in(percents))
    found.extend(percent_as_fraction(with_bounds(in_percent, definitions), definitions))
    return found


def _maybe_outside(good: pl.DataFrame, present: pl.Expr, definitions: Definitions) -> pl.DataFrame:
    """The figures of ``good`` (where ``present``, with bounds) that may be outside their
    indicator's valid range: those of an indicator with a range, below the highest lower
    bound or above the lowest upper one (a figure inside both is inside every range)."""
    bounded = [i for i in definitions.indicators if (i.valid_min, i.valid_max) != (None, None)]
    if not bounded:
        return with_bounds(good.clear(), definitions)
    lows = [i.valid_min for i in bounded if i.valid_min is not None]
    highs = [i.valid_max for i in bounded if i.valid_max is not None]
    below = pl.col("value") < max(lows) if lows else pl.lit(False)
    above = pl.col("value") > min(highs) if highs else pl.lit(False)
    candidates = good.filter(
        present & (below | above) & pl.col("indicator").is_in([i.id for i in bounded])
    )
    return with_bounds(candidates, definitions)
