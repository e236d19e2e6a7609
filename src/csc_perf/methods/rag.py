"""RAG rating: red / amber / green (and blue for a stretch target) from a definition.

Pure expressions over a frame that has, per row: ``value``, ``status``, ``polarity``,
``target`` (or ``target_low`` / ``target_high`` for polarity range), ``amber_kind``,
``amber_value`` and ``stretch``. Computed on unrounded values.

Rules (``s`` = +1 when higher is better, -1 when lower is better; ``gap = s * (value - target)``):

* missing or suppressed value: ``no data`` (never red);
* polarity ``none``, or no target in force: ``grey``;
* ``blue`` when a stretch target is met: ``s * (value - stretch) >= 0``;
* ``green`` when ``gap >= 0`` (exactly on target is green);
* ``amber`` when the gap is within the amber rule, boundary included:
  ``absolute`` a: ``gap >= -a`` (percentage points for percentages);
  ``relative`` r: ``gap >= -r * |target|``;
  ``threshold`` t: ``s * (value - t) >= 0`` (at or better than the amber floor/ceiling);
* otherwise ``red``. With no amber rule there is no amber.
* polarity ``range``: green inside ``[low, high]``; amber inside the range widened by
  ``a`` (absolute) or by ``r * |bound|`` (relative) on each side; otherwise red.

Comparisons allow 1e-9 x max(1, |target|) for floating-point noise, so a value typed as
exactly the boundary is on the boundary.
"""

from __future__ import annotations

import polars as pl

RAG_LABELS = ("blue", "green", "amber", "red", "grey", "no data")
#: Worst first: ``--fail-on amber`` fails on amber and anything worse.
RAG_SEVERITY = {"red": 3, "amber": 2, "green": 1, "blue": 0, "grey": -1, "no data": -1}
EPSILON = 1e-9


def rag_expr() -> pl.Expr:
    """The RAG label of each row (see the module docstring for the rules)."""
    value = pl.col("value")
    target = pl.col("target")
    sign = pl.when(pl.col("polarity") == "lower").then(-1.0).otherwise(1.0)
    tol = pl.max_horizontal(pl.lit(1.0), target.abs().fill_null(1.0)) * EPSILON
    gap = sign * (value - target)
    kind = pl.col("amber_kind")
    amount = pl.col("amber_value")
    within_amber = (
        pl.when(kind == "absolute")
        .then(gap >= -amount - tol)
        .when(kind == "relative")
        .then(gap >= -amount * target.abs() - tol)
        .when(kind == "threshold")
        .then(sign * (value - amount) >= -tol)
        .otherwise(False)
    )
    directional = (
        pl.when(pl.col("stretch").is_not_null() & (sign * (value - pl.col("stretch")) >= -tol))
        .then(pl.lit("blue"))
        .when(gap >= -tol)
        .then(pl.lit("green"))
        .when(within_amber)
        .then(pl.lit("amber"))
        .otherwise(pl.lit("red"))
    )
    low, high = pl.col("target_low"), pl.col("target_high")
    range_tol = pl.max_horizontal(pl.lit(1.0), low.abs(), high.abs()) * EPSILON

    def widening(bound: pl.Expr) -> pl.Expr:  # how far amber reaches past a bound (null: none)
        return (
            pl.when(kind == "absolute")
            .then(amount)
            .when(kind == "relative")
            .then(amount * bound.abs())
            .otherwise(None)
        )

    widen_low, widen_high = widening(low), widening(high)
    ranged = (
        pl.when((value >= low - range_tol) & (value <= high + range_tol))
        .then(pl.lit("green"))
        .when((value >= low - widen_low - range_tol) & (value <= high + widen_high + range_tol))
        .then(pl.lit("amber"))
        .otherwise(pl.lit("red"))
    )
    return (
        pl.when(pl.col("status") != "present")
        .then(pl.lit("no data"))
        .when(pl.col("polarity") == "none")
        .then(pl.lit("grey"))
        .when(pl.col("polarity") == "range")
        .then(pl.when(low.is_null() | high.is_null()).then(pl.lit("grey")).otherwise(ranged))
        .when(target.is_null())
        .then(pl.lit("grey"))
        .otherwise(directional)
        .alias("rag")
    )
