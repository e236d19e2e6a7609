"""Checks on the figures of extract cells: cells that are not figures, one indicator and
month given twice, and figures no indicator can have (a % sign on a count, beyond
:data:`~csc_perf.ingest.cells.LARGEST_FIGURE`, a negative count, outside the valid range, a
percentage written as a fraction)."""

from __future__ import annotations

import math

import polars as pl

from csc_perf.definitions.model import Definitions
from csc_perf.ingest.cells import INVALID, LARGEST_FIGURE, MISSING, NOT_FINITE
from csc_perf.ingest.checks.figure_issues import figure_issue_rows
from csc_perf.ingest.checks.places import cell_issue, where
from csc_perf.ingest.report import ERROR, WARNING, Issue, clip, issue_list
from csc_perf.model.calendar import month_label

#: The key of one figure: a second cell with the same key is the same figure again.
FIGURE_KEY = ["authority_text", "indicator", "month"]


def value_unparseable(cells: pl.DataFrame) -> list[Issue]:
    """``value-unparseable``: each cell parsed as ``invalid`` (not a number, a missing or a
    suppressed mark; or not finite)."""
    issues = []
    for row in cells.filter(pl.col("status") == INVALID).iter_rows(named=True):
        text = (row["cell"] or "").strip().lower()
        what = (
            "is not a finite number: csc-perf stores no infinities or NaNs (a Parquet NaN "
            "or an Excel overflow); write the figure, blank or - for missing, c for suppressed"
            if text in NOT_FINITE or _overflows(text)
            else "is not a number (expected e.g. 87, 87%, 4,266, blank or - for missing, c or "
            "x for suppressed)"
        )
        issues.append(
            cell_issue(
                "value-unparseable",
                ERROR,
                row,
                f"{clip(row['cell'])!r} {what}",
                cell=clip(row["cell"]),
            )
        )
    return issues


def _overflows(text: str) -> bool:
    """A number too large for a 64-bit float (``1e999``): parsed, it would be infinite."""
    try:
        return not math.isfinite(float(text.replace(",", "")))
    except ValueError:
        return False


def has_repeats(good: pl.DataFrame) -> bool:
    """Whether any figure (:data:`FIGURE_KEY`) is given twice (a null in a key counts as a
    value, as it does for ``is_duplicated``)."""
    if good.height < 2:
        return False
    # One integer per key, no two keys alike: the authority's and the indicator's
    # dictionary codes and the month's day number, 21 bits each (hashing one integer is
    # several times faster than hashing two strings and a date). Null is code 0.
    fits = 1 << 21
    day = pl.col("month").to_physical().cast(pl.Int64)
    codes = good.select(
        _code(pl.col("authority_text")).alias("a"),
        _code(pl.col("indicator")).alias("i"),
        (day - day.min()).add(1).fill_null(0).alias("m"),
    )
    if any(value is not None and value >= fits for value in codes.max().row(0)):
        # Two million distinct names or days: the key itself (exact, slower).
        return good.select(pl.struct(FIGURE_KEY).is_duplicated().any()).item()
    packed = (pl.col("a") * fits + pl.col("i")) * fits + pl.col("m")
    return codes.select(packed.n_unique()).item() < good.height


def _code(column: pl.Expr) -> pl.Expr:
    """A text column's dictionary codes, from 1 (0 for null)."""
    return column.cast(pl.Categorical).to_physical().cast(pl.Int64).add(1).fill_null(0)


def duplicate_conflict(good: pl.DataFrame, definitions: Definitions) -> list[Issue]:
    """``duplicate-conflict``: the same authority, indicator and month again with another
    figure (or mark), each later one against the first. A blank cell says nothing: it
    never conflicts with a figure. (Worth running only when :func:`has_repeats`.)"""
    informative = good.filter(pl.col("status") != MISSING)
    dupes = informative.filter(pl.len().over(FIGURE_KEY) > 1)
    if not dupes.height:
        return []
    conflicting = dupes.filter(pl.struct("value", "status").n_unique().over(FIGURE_KEY) > 1)
    conflicting = conflicting.sort([*FIGURE_KEY, "file", "sheet", "row"], nulls_last=True)
    issues = []
    for _, group in conflicting.group_by(FIGURE_KEY, maintain_order=True):
        first, *others = group.iter_rows(named=True)
        for other in others:
            if (other["value"], other["status"]) == (first["value"], first["status"]):
                continue
            issues.append(
                cell_issue(
                    "duplicate-conflict",
                    ERROR,
                    other,
                    f"{definitions[other['indicator']].name!r} for "
                    f"{month_label(other['month'])} is {_show_cell(other)} here but "
                    f"{_show_cell(first)} at {_other_place(first, other)}",
                )
            )
    return issues


def first_figures(good: pl.DataFrame) -> pl.DataFrame:
    """One row per figure (:data:`FIGURE_KEY`): the first that is not blank, else the
    first; in file order. (Worth running only when :func:`has_repeats`.)"""
    return (
        good.with_row_index("_order")
        .sort(pl.col("status") == MISSING, "_order")
        .unique(subset=FIGURE_KEY, keep="first", maintain_order=True)
        .sort("_order")
        .drop("_order")
    )


def _show_cell(row: dict) -> str:
    return repr(row["cell"]) if row["cell"] else "blank"


def _other_place(first: dict, other: dict) -> str:
    """Where ``first`` is, said briefly when it is in the same file and sheet as ``other``."""
    if (first["file"], first["sheet"]) == (other["file"], other["sheet"]):
        return f"row {first['row']}, column {first['column']!r}"
    return f"{where(first)}, column {first['column']!r}"


def with_bounds(present: pl.DataFrame, definitions: Definitions) -> pl.DataFrame:
    """``present`` with each indicator's ``_min``, ``_max``, ``_unit`` and ``_severity``
    (of ``value-out-of-range``) from ``definitions``."""
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
    return present.join(bounds, on="indicator", how="left")


def percent_sign_unexpected(checked: pl.DataFrame, definitions: Definitions) -> list[Issue]:
    """``percent-sign-unexpected``: a figure written with % for an indicator that is not a
    percentage. A % sign says the source meant a percentage: for a count, a rate or an
    average the figure would be stored as some other number than the source shows."""
    return issue_list(percent_sign_rows(checked, definitions))


def percent_sign_rows(checked: pl.DataFrame, definitions: Definitions) -> pl.DataFrame:
    """:func:`percent_sign_unexpected`'s issues as a block (a frame of issues)."""
    rows = checked.filter(
        (pl.col("_unit") != "percent") & pl.col("cell").str.contains("%", literal=True)
    )
    what = pl.concat_str(
        pl.lit("has a % sign but the indicator is a "),
        pl.col("_unit").fill_null(repr(None)),
        pl.lit(
            ", not a percentage: write the figure without % (or make the indicator's unit "
            "percent in indicators.toml)"
        ),
    )
    return figure_issue_rows("percent-sign-unexpected", ERROR, rows, definitions, what)


def value_too_large(checked: pl.DataFrame, definitions: Definitions) -> list[Issue]:
    """``value-too-large``: a figure beyond :data:`~csc_perf.ingest.cells.LARGEST_FIGURE`."""
    return issue_list(too_large_rows(checked, definitions))


def too_large_rows(checked: pl.DataFrame, definitions: Definitions) -> pl.DataFrame:
    """:func:`value_too_large`'s issues as a block (a frame of issues)."""
    return figure_issue_rows(
        "value-too-large",
        ERROR,
        checked.filter(pl.col("value").abs() > LARGEST_FIGURE),
        definitions,
        f"is beyond {LARGEST_FIGURE:,.0f}, larger than any children's social care "
        "figure: correct the cell (a typo, a pasted number or an overflow?)",
    )


_NEGATIVE_COUNT = (pl.col("_unit") == "count") & (pl.col("value") < 0)


def count_negative(checked: pl.DataFrame, definitions: Definitions) -> list[Issue]:
    """``count-negative``: a negative figure for a count."""
    return issue_list(count_negative_rows(checked, definitions))


def count_negative_rows(checked: pl.DataFrame, definitions: Definitions) -> pl.DataFrame:
    """:func:`count_negative`'s issues as a block (a frame of issues)."""
    return figure_issue_rows(
        "count-negative",
        ERROR,
        checked.filter(_NEGATIVE_COUNT),
        definitions,
        "is negative, and a count cannot be",
    )


def value_out_of_range(checked: pl.DataFrame, definitions: Definitions) -> list[Issue]:
    """``value-out-of-range``: a figure outside its indicator's valid range (a negative
    count excepted: that is ``count-negative``), with the indicator's own severity."""
    return issue_list(out_of_range_rows(checked, definitions))


def out_of_range_rows(checked: pl.DataFrame, definitions: Definitions) -> pl.DataFrame:
    """:func:`value_out_of_range`'s issues as a block (a frame of issues)."""
    outside = checked.filter(
        ~_NEGATIVE_COUNT
        & (
            (pl.col("value") < pl.col("_min")).fill_null(False)
            | (pl.col("value") > pl.col("_max")).fill_null(False)
        )
    )
    # Each indicator's range written once, in Python (``:g``, as every message has it).
    ranges = {
        indicator: "is outside the valid range ["
        + ("-inf" if low is None else f"{low:g}")
        + ", "
        + ("inf" if high is None else f"{high:g}")
        + "]"
        for indicator, low, high in outside.select("indicator", "_min", "_max").unique().iter_rows()
    }
    what = pl.col("indicator").replace_strict(ranges, default=None, return_dtype=pl.String)
    return figure_issue_rows("value-out-of-range", pl.col("_severity"), outside, definitions, what)


def percent_as_fraction(checked: pl.DataFrame, definitions: Definitions) -> list[Issue]:
    """``percent-as-fraction``: every figure of a percentage in a sheet is between 0 and 1
    (an Excel cell formatted as % holds 0.87); once per sheet and indicator."""
    return fraction_issues(checked.lazy().filter(pl.col("_unit") == "percent"), definitions)


def fraction_issues(percents: pl.LazyFrame, definitions: Definitions) -> list[Issue]:
    """:func:`percent_as_fraction`'s issues from the figures of percentages alone
    (``file, sheet, row, column, indicator, value``; a lazy query, so that only those
    columns of millions of rows are read)."""
    fractions = (
        percents.group_by("file", "sheet", "indicator", maintain_order=True)
        .agg(pl.col("value").max().alias("_max"), pl.col("row").first(), pl.col("column").first())
        .filter((pl.col("_max") <= 1) & (pl.col("_max") > 0))
        .collect()
    )
    return [
        Issue.at(
            "percent-as-fraction",
            WARNING,
            f"every value of {definitions[row['indicator']].name!r} is between 0 and 1; "
            "percentages are stored as 0-100 (87% is 87). If the cells are formatted as % in "
            "Excel they hold fractions: enter 87 or '87%' instead",
            file=row["file"],
            sheet=row["sheet"],
            row=row["row"],
            column=row["column"],
            indicator=row["indicator"],
        )
        for row in fractions.iter_rows(named=True)
    ]
