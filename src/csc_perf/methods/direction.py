"""Direction of travel: how a value moved against a comparator, by polarity.

The change is measured in percentage points for percentages and in % of the comparator for
counts, rates and averages. A change whose size is at most the indicator's ``no_change``
threshold (default 0: only an equal value) is ``no change``. Otherwise it is ``improving``
or ``declining`` by polarity (for polarity ``range``: nearer to the range is improving; a
move within the range is ``no change``), and ``increased`` / ``decreased`` for polarity
``none``. A missing value or comparator gives ``not comparable``; so does a % change from a
comparator of 0.
"""

from __future__ import annotations

import polars as pl

DIRECTIONS = ("improving", "declining", "no change", "increased", "decreased", "not comparable")


def change_pct_expr(comparator: str) -> pl.Expr:
    """(value - comparator) / |comparator| x 100; null when the comparator is 0 or missing."""
    base = pl.col(comparator)
    return (
        pl.when(base.is_null() | (base == 0) | pl.col("value").is_null())
        .then(None)
        .otherwise((pl.col("value") - base) / base.abs() * 100.0)
    )


def direction_expr(comparator: str) -> pl.Expr:
    """The direction of ``value`` against the column ``comparator``."""
    value, base = pl.col("value"), pl.col(comparator)
    # Size of the move in the indicator's own terms: pp for percentages, % otherwise.
    size = (
        pl.when(pl.col("unit") == "percent")
        .then(value - base)
        .otherwise(change_pct_expr(comparator))
    )
    moved = size.abs() > pl.col("no_change") + 1e-9
    low, high = pl.col("target_low"), pl.col("target_high")

    def distance(column: pl.Expr) -> pl.Expr:
        return pl.max_horizontal(low - column, column - high, pl.lit(0.0))

    range_better = distance(value) < distance(base)
    range_worse = distance(value) > distance(base)
    up = size > 0
    signed = (
        pl.when(pl.col("polarity") == "none")
        .then(pl.when(up).then(pl.lit("increased")).otherwise(pl.lit("decreased")))
        .when(pl.col("polarity") == "range")
        .then(
            pl.when(low.is_null() | high.is_null())
            .then(pl.when(up).then(pl.lit("increased")).otherwise(pl.lit("decreased")))
            .when(range_better)
            .then(pl.lit("improving"))
            .when(range_worse)
            .then(pl.lit("declining"))
            .otherwise(pl.lit("no change"))
        )
        .when((pl.col("polarity") == "higher") == up)
        .then(pl.lit("improving"))
        .otherwise(pl.lit("declining"))
    )
    return (
        pl.when(value.is_null() | base.is_null() | size.is_null())
        .then(pl.lit("not comparable"))
        .when(~moved)
        .then(pl.lit("no change"))
        .otherwise(signed)
    )
