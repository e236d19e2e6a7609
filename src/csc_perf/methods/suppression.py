"""Small-number suppression for publication (the DfE rule), on observations or results.

* primary: a count from 1 to ``threshold`` (5) is suppressed: shown as ``c``, its value
  removed;
* a rate or percentage whose numerator is suppressed is suppressed too: a derived indicator
  is suppressed in a month when any count its formula uses is;
* secondary: where an indicator is a total of others (``formula = "a + b + c"``) and just one
  of its parts is suppressed, the next smallest part is suppressed as well, so the hidden
  one cannot be found by subtraction;
* a note (not a change) when a rolling 12-month figure is shown for two consecutive months
  across a suppressed month of the count it sums: their difference reveals that count.

Pure: frames and definitions in, frames and notes out. Zero is not suppressed (DfE shows 0).
"""

from __future__ import annotations

import polars as pl

from csc_perf.definitions.formulas import POPULATION, Binary, Call, Name
from csc_perf.definitions.model import Definitions
from csc_perf.model.calendar import add_months, month_label

DEFAULT_THRESHOLD = 5


def _sum_parts(node) -> list[str] | None:
    """The indicator ids of a formula that is a plain sum (``a + b + c``), else None."""
    if isinstance(node, Name):
        return [node.name]
    if isinstance(node, Binary) and node.op == "+":
        left, right = _sum_parts(node.left), _sum_parts(node.right)
        if left is not None and right is not None:
            return left + right
    return None


def _rolling_pairs(node) -> list[tuple[str, int]]:
    """(count id, window) of every ``rolling_sum(count, window)`` in a formula."""
    if isinstance(node, Call):
        if node.function == "rolling_sum" and isinstance(node.args[0], Name):
            return [(node.args[0].name, int(node.args[1].value))]
        return [p for a in node.args for p in _rolling_pairs(a)]
    if isinstance(node, Binary):
        return _rolling_pairs(node.left) + _rolling_pairs(node.right)
    return []


def _direct_references(node) -> set[str]:
    """Names used outside window functions (a rate's numerator for the month itself)."""
    if isinstance(node, Name):
        return {node.name}
    if isinstance(node, Call):
        if node.function in ("rolling_sum", "rolling_mean", "fytd_sum"):
            return set()
        return set().union(*(_direct_references(a) for a in node.args))
    if isinstance(node, Binary):
        return _direct_references(node.left) | _direct_references(node.right)
    return set()


def suppressed_keys(
    observations: pl.DataFrame, definitions: Definitions, threshold: int = DEFAULT_THRESHOLD
) -> tuple[pl.DataFrame, list[str]]:
    """Which (authority, indicator, month) to suppress, and notes for the reader."""
    counts = [i.id for i in definitions.indicators if i.unit == "count"]
    key = ["authority", "indicator", "month"]
    primary = observations.filter(
        pl.col("indicator").is_in(counts)
        & (pl.col("status") == "present")
        & (pl.col("value") >= 1)
        & (pl.col("value") <= threshold)
    ).select(*key)
    hidden = {tuple(r) for r in primary.iter_rows()}
    by_count = set(counts)
    present = {
        (a, i, m): v
        for a, i, m, v in observations.filter(pl.col("status") == "present")
        .select(*key, "value")
        .iter_rows()
    }
    months = {(a, m) for a, _, m in present}
    notes: list[str] = []
    derived = [i for i in definitions.indicators if i.formula]
    for _ in range(3):  # suppression can cascade through totals and their rates
        before = len(hidden)
        for indicator in derived:
            node = indicator.formula_node
            parts = _sum_parts(node)
            direct = (_direct_references(node) - {POPULATION}) & by_count
            rolling = [(x, n) for x, n in _rolling_pairs(node) if x in by_count]
            for authority, month in months:
                here = (authority, indicator.id, month)
                if parts:
                    # A total that is shown: hide a second part when exactly one is hidden.
                    if here in hidden or here not in present:
                        continue
                    gone = [p for p in parts if (authority, p, month) in hidden]
                    if len(gone) == 1:
                        candidates = sorted(
                            (present[(authority, p, month)], p)
                            for p in parts
                            if (authority, p, month) in present
                            and (authority, p, month) not in hidden
                        )
                        if candidates:
                            hidden.add((authority, candidates[0][1], month))
                    continue
                # A rate or percentage: hidden when its numerator is a small number.
                if any((authority, u, month) in hidden for u in direct):
                    hidden.add(here)
                for base, window in rolling:
                    values = [
                        present.get((authority, base, add_months(month, -k))) for k in range(window)
                    ]
                    if None not in values and 1 <= sum(values) <= threshold:  # type: ignore[arg-type]
                        hidden.add(here)
        if len(hidden) == before:
            break
    for indicator in derived:
        for base, _ in _rolling_pairs(indicator.formula_node):
            for authority, month in sorted(months):
                if (authority, base, month) in hidden and all(
                    (authority, indicator.id, m) in present
                    and (authority, indicator.id, m) not in hidden
                    for m in (month, add_months(month, -1))
                ):
                    before_month = month_label(add_months(month, -1))
                    notes.append(
                        f"{indicator.name}: the rolling figures for {before_month} "
                        f"and {month_label(month)} differ by the suppressed "
                        f"{definitions[base].name.lower()} of {month_label(month)} (less the "
                        "month that left the window): consider suppressing one of them"
                    )
    frame = pl.DataFrame(
        sorted(hidden),
        schema={"authority": pl.String, "indicator": pl.String, "month": pl.Date},
        orient="row",
    )
    return frame, notes


def suppress_observations(
    observations: pl.DataFrame, definitions: Definitions, threshold: int = DEFAULT_THRESHOLD
) -> tuple[pl.DataFrame, list[str]]:
    """Observations with suppressed figures as status ``suppressed`` and no value."""
    keys, notes = suppressed_keys(observations, definitions, threshold)
    marked = observations.join(
        keys.with_columns(pl.lit(True).alias("_hide")),
        on=["authority", "indicator", "month"],
        how="left",
    )
    hide = pl.col("_hide").fill_null(False)
    return (
        marked.with_columns(
            pl.when(hide).then(None).otherwise(pl.col("value")).alias("value"),
            pl.when(hide).then(pl.lit("suppressed")).otherwise(pl.col("status")).alias("status"),
        ).drop("_hide"),
        notes,
    )


def suppress_results(
    results: pl.DataFrame,
    observations: pl.DataFrame,
    definitions: Definitions,
    threshold: int = DEFAULT_THRESHOLD,
) -> tuple[pl.DataFrame, list[str]]:
    """Results with suppressed figures hidden: the value and everything computed from it
    (changes, RAG, directions), and comparators that are themselves suppressed."""
    keys, notes = suppressed_keys(observations, definitions, threshold)
    flagged = keys.with_columns(pl.lit(True).alias("_hide"))
    on = ["authority", "indicator", "month"]

    def hidden_at(shift: int, name: str) -> pl.DataFrame:
        return keys.with_columns(
            pl.col("month").dt.offset_by(f"{shift}mo"), pl.lit(True).alias(name)
        )

    frame = (
        results.join(flagged, on=on, how="left")
        .join(hidden_at(1, "_hide_previous"), on=on, how="left")
        .join(hidden_at(12, "_hide_year_ago"), on=on, how="left")
    )
    hide = pl.col("_hide").fill_null(False)
    hide_previous = pl.col("_hide_previous").fill_null(False) | hide
    hide_year = pl.col("_hide_year_ago").fill_null(False) | hide
    columns = set(frame.columns)

    def null_if(condition: pl.Expr, names: list[str]) -> list[pl.Expr]:
        return [
            pl.when(condition).then(None).otherwise(pl.col(n)).alias(n)
            for n in names
            if n in columns
        ]

    return (
        frame.with_columns(
            *null_if(hide, ["value", "mean_previous_3"]),
            *null_if(hide_previous, ["previous_value", "change_previous", "change_previous_pct"]),
            *null_if(hide_year, ["value_year_ago", "change_year_ago", "change_year_ago_pct"]),
            pl.when(hide).then(pl.lit("suppressed")).otherwise(pl.col("status")).alias("status"),
            pl.when(hide).then(pl.lit("no data")).otherwise(pl.col("rag")).alias("rag"),
            *[
                pl.when(cond).then(pl.lit("not comparable")).otherwise(pl.col(n)).alias(n)
                for n, cond in (
                    ("direction_previous", hide_previous),
                    ("direction_year_ago", hide_year),
                    ("direction_previous_3", hide),
                )
                if n in columns
            ],
        ).drop("_hide", "_hide_previous", "_hide_year_ago"),
        notes,
    )
