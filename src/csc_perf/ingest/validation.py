"""Checks on extracts: a report of issues (stable codes, severities, positions) and the
observations that passed.

Every check has a stable code; scripts may rely on them. See :data:`CHECKS`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csc_perf.definitions.loading import Definitions, normalise_name
from csc_perf.errors import ExtractReadError, UsageError
from csc_perf.ingest.cells import (
    INVALID,
    LARGEST_FIGURE,
    MISSING,
    NOT_FINITE,
    PRESENT,
    SUPPRESSED,
    parse_cells,
)
from csc_perf.ingest.dfe import ees_cells
from csc_perf.ingest.extracts import read_tables, table_cells
from csc_perf.model.authorities import HINT as AUTHORITY_HINT
from csc_perf.model.authorities import normalise_authority
from csc_perf.model.calendar import MonthError, month_label, parse_month
from csc_perf.model.schemas import FileSummary, empty_observations

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

ERROR = "error"
WARNING = "warning"

#: code -> (severity, what it means). The severity of ``value-out-of-range`` is set per
#: indicator (``out_of_range`` in indicators.toml); the one here is the default.
CHECKS: dict[str, tuple[str, str]] = {
    "file-unreadable": (ERROR, "the file cannot be opened or is not a CSV/Excel/Parquet file"),
    "encoding-error": (ERROR, "the file is not in the expected text encoding"),
    "file-empty": (ERROR, "the file, or a sheet, has no data rows"),
    "header-missing": (ERROR, "no usable header: no month columns and no indicator/month/value"),
    "header-duplicate": (
        ERROR,
        "two columns with the same header, or the same month twice; or two identifying "
        "columns (authority, indicator) that disagree on a row",
    ),
    "month-required": (ERROR, "a one-month extract was given without --month"),
    "indicator-unknown": (ERROR, "an indicator that indicators.toml does not define"),
    "value-unparseable": (ERROR, "a cell that is not a number, a missing or a suppressed mark"),
    "month-unparseable": (ERROR, "a month label that cannot be read"),
    "month-future": (ERROR, "a month after the current month"),
    "month-too-early": (ERROR, "a month before January 2000"),
    "duplicate-conflict": (ERROR, "the same indicator and month twice with different values"),
    "value-out-of-range": (WARNING, "a value outside the indicator's valid range"),
    "count-negative": (ERROR, "a negative value for a count"),
    "required-missing": (WARNING, "a required indicator has no value for a month in the file"),
    "derived-mismatch": (
        WARNING,
        "an extract's figure for a derived indicator differs from the one its formula gives",
    ),
    "percent-as-fraction": (
        WARNING,
        "every value of a percentage in a file is between 0 and 1 (0.87 for 87%?)",
    ),
    "authority-invalid": (
        ERROR,
        "an authority cell that is neither a DfE LA number (852) nor an ONS code (E06000045)",
    ),
    "percent-sign-unexpected": (
        ERROR,
        "a figure written with % for an indicator that is not a percentage",
    ),
    "value-too-large": (
        ERROR,
        "a figure beyond 1,000,000,000 (LARGEST_FIGURE): a typo, a pasted number or an overflow",
    ),
    "header-unknown": (
        ERROR,
        "a wide sheet's column that is neither a month nor a known report column",
    ),
    "formula-uncached": (
        ERROR,
        "a formula cell without a usable saved result (a workbook written by a program)",
    ),
    "sheet-hidden": (WARNING, "a hidden sheet of a workbook was skipped (read it with --sheet)"),
    "level-not-stored": (
        WARNING,
        "rows of a DfE file at a geographic level csc-perf does not store (Ward, say)",
    ),
}

#: Codes meaning a file could not be read at all (exit 2 rather than 1).
READ_FAILURES = {"file-unreadable", "encoding-error", "month-required"}

EARLIEST_MONTH = date(2000, 1, 1)


@dataclass(frozen=True)
class Issue:
    """One finding, with everything needed to find the cell."""

    code: str
    severity: str
    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    cell: str | None = None
    indicator: str | None = None
    month: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def where(self) -> str:
        parts = [self.file or ""]
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(p for p in parts if p)


@dataclass
class ValidationReport:
    """The outcome of validating one or more files together."""

    issues: list[Issue]
    observations: pl.DataFrame
    files: list[FileSummary] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == WARNING]

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def unreadable(self) -> bool:
        return any(i.code in READ_FAILURES for i in self.issues)

    def issues_frame(self) -> pl.DataFrame:
        import polars as pl

        schema = {
            "code": pl.String,
            "severity": pl.String,
            "message": pl.String,
            "file": pl.String,
            "sheet": pl.String,
            "row": pl.Int64,
            "column": pl.String,
            "cell": pl.String,
            "indicator": pl.String,
            "month": pl.String,
        }
        return pl.DataFrame([i.as_dict() for i in self.issues], schema=schema, orient="row")


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
    import polars as pl

    default_authority = authority or definitions.workspace.authority or ""
    if authority:
        default_authority = normalise_authority(authority) or ""
        if not default_authority:
            raise UsageError(
                f"authority {authority!r} is not an authority code", hint=AUTHORITY_HINT
            )
    issues: list[Issue] = []
    summaries: list[FileSummary] = []
    parts: list[pl.DataFrame] = []
    for path in paths:
        try:
            source = read_tables(path, sheet=sheet, encoding=encoding)
        except ExtractReadError as exc:
            issues.append(_read_issue(exc, str(path)))
            continue
        rows = 0
        shapes: list[str] = []
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
            issues.extend(_indicator_disagreements(cells, table, definitions))
            for p in cells.problems:
                where = _where({"file": table.file, "sheet": table.sheet, "row": p["row"]})
                if p.get("in_column") and p["column"]:
                    where += f", column {p['column']!r}"
                issues.append(
                    Issue(
                        p["code"],
                        CHECKS[p["code"]][0],
                        f"{where}: {p['message']}",
                        file=table.file,
                        sheet=table.sheet,
                        row=p["row"],
                        column=p["column"],
                        cell=p["cell"],
                    )
                )
            rows += cells.cells.select(pl.col("row").n_unique()).item()
            parts.append(
                cells.cells.with_columns(
                    pl.lit(cells.authority_column, dtype=pl.String).alias("authority_column")
                )
            )
        if not source.tables:
            issues.append(
                Issue(
                    "file-empty",
                    ERROR,
                    f"{source.path}: the workbook has no data"
                    + (" in its visible sheets" if source.notes else ""),
                    source.path,
                )
            )
        summaries.append(
            FileSummary(source.path, source.sha256, rows, ",".join(sorted(set(shapes))) or "-")
        )
    if not parts:
        return ValidationReport(issues, empty_observations(), summaries)
    all_ees = all(summary.shape == "ees" for summary in summaries)
    cells = pl.concat(parts)
    observations, found = check_cells(
        cells,
        definitions,
        authority=default_authority,
        today=today or date.today(),
        history=history,
    )
    if parts and all_ees:
        # Annual DfE figures are not monthly extracts: no month lacks a required indicator.
        found = [i for i in found if i.code != "required-missing"]
    issues.extend(found)
    issues.extend(check_derived(observations, definitions, history, population))
    return ValidationReport(issues, observations, summaries)


def check_derived(
    observations: pl.DataFrame,
    definitions: Definitions,
    history: pl.DataFrame | None,
    population: pl.DataFrame | None,
) -> list[Issue]:
    """Warn where an extract gives a derived indicator a figure its formula does not give:
    further from it than the indicator's ``tolerance`` (relative, default 3%) and than the
    rounding of the printed figure (half a unit of its last decimal)."""
    import polars as pl

    from csc_perf.methods.derived import derive, population_frame

    derived_ids = [i.id for i in definitions.indicators if i.formula]
    supplied = observations.filter(
        pl.col("indicator").is_in(derived_ids) & (pl.col("status") == PRESENT)
    )
    if supplied.height == 0:
        return []
    key = ["authority", "indicator", "month"]
    base = observations.select(*key, "value", "status")
    if history is not None and history.height:
        older = history.select(*key, "value", "status").join(base, on=key, how="anti")
        base = pl.concat([older, base])
    computed = derive(base, definitions, population_frame(definitions, population))
    tolerance = pl.DataFrame(
        {
            "indicator": derived_ids,
            "_tol": [definitions[i].tolerance for i in derived_ids],
            # a figure printed to N decimals may be off by half a unit of its last digit
            "_rounding": [0.5 * 10 ** -definitions[i].decimals for i in derived_ids],
        }
    )
    compared = (
        supplied.join(computed.rename({"value": "_computed"}), on=key, how="inner")
        .join(tolerance, on="indicator")
        .filter(
            (pl.col("value") - pl.col("_computed")).abs()
            > pl.max_horizontal(pl.col("_tol") * pl.col("_computed").abs(), "_rounding") + 1e-9
        )
    )
    issues = []
    for row in compared.iter_rows(named=True):
        indicator = definitions[row["indicator"]]
        difference = (
            None
            if row["_computed"] == 0
            else (row["value"] - row["_computed"]) / abs(row["_computed"]) * 100
        )
        place = {"file": row["source_file"], "sheet": row["source_sheet"], "row": row["source_row"]}
        issues.append(
            Issue(
                "derived-mismatch",
                WARNING,
                f"{_where(place)}: "
                f"{indicator.name!r} for {month_label(row['month'])} is {row['value']:g} in "
                f"the extract but {row['_computed']:.{max(indicator.decimals, 1)}f} from its "
                f"formula ({indicator.formula})"
                + (
                    f": {difference:+.1f}%, more than {indicator.tolerance:.0%}"
                    if difference is not None
                    else ""
                ),
                file=row["source_file"],
                sheet=row["source_sheet"],
                row=row["source_row"],
                indicator=row["indicator"],
                month=month_label(row["month"]),
            )
        )
    return issues


def _read_issue(exc: ExtractReadError, file: str, sheet: str | None = None) -> Issue:
    message = str(exc)
    severity = CHECKS.get(exc.code, (ERROR, ""))[0]
    return Issue(exc.code, severity, message, file=file, sheet=sheet, row=exc.row)


def check_cells(
    cells: pl.DataFrame,
    definitions: Definitions,
    *,
    authority: str,
    today: date,
    history: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, list[Issue]]:
    """Parse and check long-form cells (see :func:`csc_perf.ingest.extracts.table_cells`).

    ``authority`` (in stored form) is given to rows without one. ``history`` (the store's
    observations, optional) holds figures that count as present for ``required-missing``.
    Returns the observations (one per authority, indicator and month; only rows whose
    authority, indicator, month and cell could be read) and the issues found.
    """
    import polars as pl

    issues: list[Issue] = []
    if "authority_column" not in cells.columns:
        cells = cells.with_columns(pl.lit(None, dtype=pl.String).alias("authority_column"))
    # Rows with neither an indicator nor a value are blank lines, not data.
    cells = cells.with_columns(
        pl.col("indicator_text").str.strip_chars(),
        pl.col("cell").str.strip_chars(),
        pl.col("authority_text").str.strip_chars(),
    ).filter(
        pl.col("indicator_text").fill_null("").str.len_chars().gt(0)
        | pl.col("cell").fill_null("").str.len_chars().gt(0)
    )

    # -- authorities: one code per council (852, not 852.0 or 0852); a blank is the default
    # Each distinct text is read once; a file whose codes are all in stored form (a national
    # file of 153 authorities, millions of rows) costs one `unique` and no rewrite.
    texts = cells.get_column("authority_text").unique().to_list()
    codes = {t: normalise_authority(t) for t in texts if t}
    if any(not t or codes[t] != t for t in texts):
        given = pl.when(pl.col("authority_text").str.len_chars() > 0).then(pl.col("authority_text"))
        cells = cells.with_columns(given.alias("_authority_given")).with_columns(
            pl.when(pl.col("_authority_given").is_null())
            .then(pl.lit(authority))
            .otherwise(
                pl.col("_authority_given").replace_strict(
                    codes, default=None, return_dtype=pl.String
                )
            )
            .alias("authority_text")
        )
        bad_authority = cells.filter(
            pl.col("_authority_given").is_not_null() & pl.col("authority_text").is_null()
        )
        for group in _first_of_each(bad_authority, ["file", "sheet", "_authority_given"]):
            text = group["_authority_given"]
            column = group["authority_column"] or "authority"
            issues.append(
                Issue(
                    "authority-invalid",
                    ERROR,
                    f"{group['_where']}, column {column!r}: {clip(text)!r} is not an authority "
                    f"code{group['_more']}; {AUTHORITY_HINT}",
                    file=group["file"],
                    sheet=group["sheet"],
                    row=group["row"],
                    column=column,
                    cell=clip(text),
                )
            )
        cells = cells.drop("_authority_given")
    cells = cells.drop("authority_column")

    # -- indicators: matched by id, name or alias, ignoring case and runs of spaces ------
    lookup = definitions.lookup_table()
    texts = cells.get_column("indicator_text").drop_nulls().unique().to_list()
    matched = {t: lookup.get(normalise_name(t)) for t in texts}
    cells = cells.with_columns(
        pl.col("indicator_text")
        .replace_strict(matched, default=None, return_dtype=pl.String)
        .alias("indicator")
    )
    unknown = cells.filter(pl.col("indicator").is_null())
    for group in _first_of_each(unknown, ["file", "sheet", "indicator_text"]):
        text = group["indicator_text"]
        if not text:
            message = f"{group['_where']}: the row has figures but no indicator name"
        else:
            suggestions = definitions.suggest(text)
            hint = (
                "; did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
                if suggestions
                else "; add it to indicators.toml (as a new indicator or an alias)"
            )
            message = f"{group['_where']}: unknown indicator {text!r}{group['_more']}{hint}"
        issues.append(
            Issue(
                "indicator-unknown",
                ERROR,
                message,
                file=group["file"],
                sheet=group["sheet"],
                row=group["row"],
                column=None,
                cell=text,
            )
        )

    # -- months: few distinct labels, parsed once each -------------------------------
    current = date(today.year, today.month, 1)
    labels = cells.get_column("month_text").drop_nulls().unique().to_list()
    months: dict[str, date | None] = {}
    month_problem: dict[str, tuple[str, str]] = {}
    for label in labels:
        try:
            parsed = parse_month(label)
        except MonthError:
            months[label] = None
            month_problem[label] = ("month-unparseable", f"{label!r} is not a month")
            continue
        months[label] = parsed
        if parsed > current:
            month_problem[label] = (
                "month-future",
                f"{month_label(parsed)} is in the future (today is {today.isoformat()})",
            )
        elif parsed < EARLIEST_MONTH:
            month_problem[label] = ("month-too-early", f"{month_label(parsed)} is before 2000")
    cells = cells.with_columns(
        pl.col("month_text")
        .replace_strict(months, default=None, return_dtype=pl.Date)
        .alias("month")
    )
    if month_problem:
        bad = cells.filter(pl.col("month_text").is_in(list(month_problem)))
        # In a wide table a bad month is a header: report it once per column.
        for group in _first_of_each(bad, ["file", "sheet", "month_column", "month_text"]):
            code, text = month_problem[group["month_text"]]
            # A wide sheet's month is its column's header (the cell's column is the month's).
            is_header = (
                group["month_column"] is not None and group["month_column"] == group["column"]
            )
            issues.append(
                Issue(
                    code,
                    CHECKS[code][0],
                    f"{group['_where_col'] if is_header else group['_where']}: month {text}"
                    f"{'' if is_header else group['_more']}",
                    file=group["file"],
                    sheet=group["sheet"],
                    row=None if is_header else group["row"],
                    column=group["month_column"],
                    cell=group["month_text"],
                    month=group["month_text"],
                )
            )
    missing_month = cells.filter(pl.col("month_text").is_null() & pl.col("indicator").is_not_null())
    for group in _first_of_each(missing_month, ["file", "sheet"]):
        issues.append(
            Issue(
                "month-unparseable",
                ERROR,
                f"{group['_where']}: the month cell is blank{group['_more']}",
                file=group["file"],
                sheet=group["sheet"],
                row=group["row"],
                column=group["month_column"],
            )
        )

    # -- values ----------------------------------------------------------------------
    cells = parse_cells(cells, "cell")
    invalid = cells.filter(pl.col("status") == INVALID)
    for row in invalid.iter_rows(named=True):
        where = _where(row) + f", column {row['column']!r}"
        text = (row["cell"] or "").strip().lower()
        what = (
            "is not a finite number: csc-perf stores no infinities or NaNs (a Parquet NaN "
            "or an Excel overflow); write the figure, blank or - for missing, c for suppressed"
            if text in NOT_FINITE or _overflows(text)
            else "is not a number (expected e.g. 87, 87%, 4,266, blank or - for missing, c or "
            "x for suppressed)"
        )
        issues.append(
            Issue(
                "value-unparseable",
                ERROR,
                f"{where}: {clip(row['cell'])!r} {what}",
                file=row["file"],
                sheet=row["sheet"],
                row=row["row"],
                column=row["column"],
                cell=clip(row["cell"]),
                indicator=row["indicator"],
                month=_month_text(row["month"]),
            )
        )

    good = cells.filter(
        pl.col("indicator").is_not_null()
        & pl.col("authority_text").is_not_null()
        & pl.col("month").is_not_null()
        & (pl.col("status") != INVALID)
        & ~pl.col("month_text").is_in(list(month_problem))
    )

    # -- the same indicator and month twice ------------------------------------------
    key = ["authority_text", "indicator", "month"]
    # A blank cell says nothing: it never conflicts with a figure, and the figure wins.
    repeated = good.select(pl.struct(key).is_duplicated().any()).item()
    informative = good.filter(pl.col("status") != MISSING) if repeated else good.clear()
    dupes = informative.filter(pl.len().over(key) > 1) if repeated else informative
    if dupes.height:
        conflicting = dupes.filter(pl.struct("value", "status").n_unique().over(key) > 1).sort(
            [*key, "file", "sheet", "row"], nulls_last=True
        )
        for _, group in conflicting.group_by(key, maintain_order=True):
            first, *others = group.iter_rows(named=True)
            for other in others:
                if (other["value"], other["status"]) == (first["value"], first["status"]):
                    continue
                issues.append(
                    Issue(
                        "duplicate-conflict",
                        ERROR,
                        f"{_where(other)}, column {other['column']!r}: "
                        f"{definitions[other['indicator']].name!r} for "
                        f"{month_label(other['month'])} is {_show_cell(other)} here but "
                        f"{_show_cell(first)} at {_other_place(first, other)}",
                        file=other["file"],
                        sheet=other["sheet"],
                        row=other["row"],
                        column=other["column"],
                        cell=other["cell"],
                        indicator=other["indicator"],
                        month=month_label(other["month"]),
                    )
                )
    if repeated:
        good = (
            good.with_row_index("_order")
            .sort(pl.col("status") == MISSING, "_order")
            .unique(subset=key, keep="first", maintain_order=True)
            .sort("_order")
            .drop("_order")
        )

    # -- ranges ----------------------------------------------------------------------
    bounds = pl.DataFrame(
        {
            "indicator": [i.id for i in definitions.indicators],
            "_min": [i.valid_min for i in definitions.indicators],
            "_max": [i.valid_max for i in definitions.indicators],
            "_unit": [i.unit for i in definitions.indicators],
            "_severity": [i.out_of_range for i in definitions.indicators],
        },
        schema={
            "indicator": pl.String,
            "_min": pl.Float64,
            "_max": pl.Float64,
            "_unit": pl.String,
            "_severity": pl.String,
        },
    )
    checked = good.filter(pl.col("status") == PRESENT).join(bounds, on="indicator", how="left")
    # A % sign says the source meant a percentage: for a count, a rate or an average the
    # figure would be stored as some other number than the source shows.
    percent_signs = checked.filter(
        (pl.col("_unit") != "percent") & pl.col("cell").str.contains("%", literal=True)
    )
    for row in percent_signs.iter_rows(named=True):
        issues.append(
            _value_issue(
                "percent-sign-unexpected",
                ERROR,
                row,
                definitions,
                f"has a % sign but the indicator is a {row['_unit']}, not a percentage: "
                "write the figure without % (or make the indicator's unit percent in "
                "indicators.toml)",
            )
        )
    too_large = checked.filter(pl.col("value").abs() > LARGEST_FIGURE)
    for row in too_large.iter_rows(named=True):
        issues.append(
            _value_issue(
                "value-too-large",
                ERROR,
                row,
                definitions,
                f"is beyond {LARGEST_FIGURE:,.0f}, larger than any children's social care "
                "figure: correct the cell (a typo, a pasted number or an overflow?)",
            )
        )
    if too_large.height:
        checked = checked.filter(pl.col("value").abs() <= LARGEST_FIGURE)
    negative = checked.filter((pl.col("_unit") == "count") & (pl.col("value") < 0))
    for row in negative.iter_rows(named=True):
        issues.append(
            _value_issue(
                "count-negative", ERROR, row, definitions, "is negative, and a count cannot be"
            )
        )
    outside = checked.filter(
        ~((pl.col("_unit") == "count") & (pl.col("value") < 0))
        & (
            (pl.col("value") < pl.col("_min")).fill_null(False)
            | (pl.col("value") > pl.col("_max")).fill_null(False)
        )
    )
    for row in outside.iter_rows(named=True):
        low = "-inf" if row["_min"] is None else f"{row['_min']:g}"
        high = "inf" if row["_max"] is None else f"{row['_max']:g}"
        issues.append(
            _value_issue(
                "value-out-of-range",
                row["_severity"],
                row,
                definitions,
                f"is outside the valid range [{low}, {high}]",
            )
        )

    # -- percentages written as fractions (an Excel cell formatted as % holds 0.87) ----
    percents = checked.filter(pl.col("_unit") == "percent")
    if percents.height:
        fractions = (
            percents.group_by("file", "sheet", "indicator", maintain_order=True)
            .agg(
                pl.col("value").max().alias("_max"),
                pl.col("row").first(),
                pl.col("column").first(),
            )
            .filter((pl.col("_max") <= 1) & (pl.col("_max") > 0))
        )
        for row in fractions.iter_rows(named=True):
            name = definitions[row["indicator"]].name
            issues.append(
                Issue(
                    "percent-as-fraction",
                    WARNING,
                    f"{_where(row)}: every value of {name!r} is between 0 and 1; percentages "
                    "are stored as 0-100 (87% is 87). If the cells are formatted as % in "
                    "Excel they hold fractions: enter 87 or '87%' instead",
                    file=row["file"],
                    sheet=row["sheet"],
                    row=row["row"],
                    column=row["column"],
                    indicator=row["indicator"],
                )
            )

    # -- required indicators ---------------------------------------------------------
    # Missing from the extract and from the store (a figure already stored is not missing).
    # One issue per indicator and month, with the first file that covers the month: `import`
    # shows one line per file and month, `validate` lists them.
    required = [i.id for i in definitions.indicators if i.required]
    if required:
        key = ["authority_text", "indicator", "month"]
        held = [PRESENT, SUPPRESSED]
        have = good.filter(pl.col("status").is_in(held)).select(key)
        covered = good.group_by("authority_text", "month", maintain_order=True).agg(
            pl.col("file").first()
        )
        wanted = covered.join(pl.DataFrame({"indicator": required}), how="cross")
        absent = wanted.join(have, on=key, how="anti")
        if history is not None and history.height and absent.height:
            stored = history.filter(pl.col("status").is_in(held)).select(
                pl.col("authority").alias("authority_text"), "indicator", "month"
            )
            absent = absent.join(stored, on=key, how="anti")
        order = {ind: n for n, ind in enumerate(required)}
        for auth, indicator_id, month, file in sorted(
            absent.select(*key, "file").iter_rows(),
            key=lambda r: (r[0], r[2], order[r[1]]),
        ):
            issues.append(
                Issue(
                    "required-missing",
                    WARNING,
                    f"{file}: required indicator {definitions[indicator_id].name!r} has no "
                    f"value for {month_label(month)}"
                    + (f" (authority {auth})" if auth != authority else ""),
                    file=file,
                    indicator=indicator_id,
                    month=month_label(month),
                )
            )

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


def _overflows(text: str) -> bool:
    """A number too large for a 64-bit float (``1e999``): parsed, it would be infinite."""
    try:
        return not math.isfinite(float(text.replace(",", "")))
    except ValueError:
        return False


def _value_issue(code: str, severity: str, row: dict, definitions: Definitions, what: str) -> Issue:
    name = definitions[row["indicator"]].name
    return Issue(
        code,
        severity,
        f"{_where(row)}, column {row['column']!r}: {name!r} for {month_label(row['month'])}: "
        f"{row['cell']!r} {what}",
        file=row["file"],
        sheet=row["sheet"],
        row=row["row"],
        column=row["column"],
        cell=row["cell"],
        indicator=row["indicator"],
        month=month_label(row["month"]),
    )


def _where(row: dict) -> str:
    parts = [row["file"]]
    if row.get("sheet"):
        parts.append(f"sheet {row['sheet']!r}")
    if row.get("row") is not None:
        parts.append(f"row {row['row']}")
    return ", ".join(parts)


def clip(text: str | None, limit: int = 200) -> str | None:
    """A cell short enough for a message: long ones cut, with their length."""
    if text is None or len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


def _other_place(first: dict, other: dict) -> str:
    """Where ``first`` is, said briefly when it is in the same file and sheet as ``other``."""
    if (first["file"], first["sheet"]) == (other["file"], other["sheet"]):
        return f"row {first['row']}, column {first['column']!r}"
    return f"{_where(first)}, column {first['column']!r}"


def _month_text(month: date | None) -> str | None:
    return month_label(month) if month else None


def _show_cell(row: dict) -> str:
    return repr(row["cell"]) if row["cell"] else "blank"


def _first_of_each(frame: pl.DataFrame, keys: Iterable[str]) -> list[dict]:
    """One row per group (the first, in file order), with the count of further rows."""
    import polars as pl

    keys = list(keys)
    if frame.height == 0:
        return []
    firsts = (
        frame.sort(["file", "sheet", "row"], nulls_last=True)
        .group_by(keys, maintain_order=True)
        .agg(pl.all().first(), pl.col("row").n_unique().alias("_count"))
    )
    out = []
    for row in firsts.iter_rows(named=True):
        more = row["_count"] - 1
        row["_more"] = f" (and {more} more row{'s' if more != 1 else ''})" if more else ""
        row["_where"] = _where(row)
        where_col = [row["file"]]
        if row.get("sheet"):
            where_col.append(f"sheet {row['sheet']!r}")
        if row.get("month_column"):
            where_col.append(f"column {row['month_column']!r}")
        row["_where_col"] = ", ".join(where_col)
        out.append(row)
    return out


def _indicator_disagreements(cells, table, definitions) -> list[Issue]:
    """A row whose indicator column and a second one (Indicator and ID) name two different
    indicators: only the first is read, so the figure could be filed under the wrong one.
    Texts that name no indicator (a local reference, a description) are not compared."""
    import polars as pl

    others = cells.other_indicators
    if others is None or others.height == 0:
        return []
    lookup = definitions.lookup_table()
    texts = pl.concat([others.get_column("indicator_text"), others.get_column("other_text")])
    matched = {t: lookup.get(normalise_name(t)) for t in texts.drop_nulls().unique().to_list()}

    def resolve(name: str) -> pl.Expr:
        return pl.col(name).replace_strict(matched, default=None, return_dtype=pl.String)

    differ = (
        others.with_columns(
            resolve("indicator_text").alias("_a"), resolve("other_text").alias("_b")
        )
        .filter(
            pl.col("_a").is_not_null() & pl.col("_b").is_not_null() & (pl.col("_a") != pl.col("_b"))
        )
        .sort("row")
    )
    issues = []
    for row in differ.iter_rows(named=True):
        where = _where({"file": table.file, "sheet": table.sheet, "row": row["row"]})
        issues.append(
            Issue(
                "header-duplicate",
                ERROR,
                f"{where}: the indicator column says {clip(row['indicator_text'])!r} "
                f"({row['_a']}) but column {row['column']!r} says {clip(row['other_text'])!r} "
                f"({row['_b']}); only one is read: correct the row, or skip column "
                f"{row['column']!r} on purpose with --ignore-column {row['column']!r}",
                file=table.file,
                sheet=table.sheet,
                row=row["row"],
                column=row["column"],
                cell=clip(row["other_text"]),
            )
        )
    return issues
