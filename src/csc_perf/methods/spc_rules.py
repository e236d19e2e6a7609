"""The special-cause rules of the XmR chart (see :mod:`csc_perf.methods.spc` and
docs/spc.md), evaluated for every point of many series at once, and the comparison at the
data's precision they all use."""

from __future__ import annotations

import polars as pl

RULES = ("beyond_limit", "shift", "trend", "two_of_three")
#: Two figures that agree to this relative difference (9 significant figures) are equal: far
#: finer than any published figure, far coarser than binary rounding (about 1e-16).
REL_TOLERANCE = 1e-9


def compare_at_precision(a: pl.Expr, b: pl.Expr, scale: pl.Expr | None = None) -> pl.Expr:
    """-1, 0 or 1: ``a`` below, on or above ``b`` at the data's precision: figures that
    differ by less than :data:`REL_TOLERANCE` (9 significant figures) of the chart's scale
    are equal, so a decimal value that is the mean is on it although ``sum / n`` is a binary
    fraction a hair away. ``scale`` is the chart's size (the larger of its limits, by
    magnitude): without it the tolerance would shrink to nothing near zero, where a point
    on a line that is 0 in exact arithmetic (1.8e-15 in binary) would read as beyond it."""
    sizes = [a.abs(), b.abs()] + ([] if scale is None else [scale.abs()])
    close = (a - b).abs() <= REL_TOLERANCE * pl.max_horizontal(sizes)
    return (
        pl.when(a.is_null() | b.is_null())
        .then(None)
        .when(close)
        .then(0)
        .when(a > b)
        .then(1)
        .otherwise(-1)
    )


def _signed(difference: pl.Expr, tolerance: pl.Expr) -> pl.Expr:
    """-1, 0 or 1 for a difference, 0 within ``tolerance`` (null for a null difference)."""
    return (
        pl.when(difference.is_null())
        .then(None)
        .when(difference.abs() <= tolerance)
        .then(0)
        .when(difference > 0)
        .then(1)
        .otherwise(-1)
    )


def chart_scale(lower: pl.Expr, upper: pl.Expr) -> pl.Expr:
    """The size of a chart for :func:`compare_at_precision`: the larger of its process
    limits by magnitude (at least 2.66 moving ranges, and at least the mean's size)."""
    return pl.max_horizontal(lower.abs(), upper.abs())


def with_rules(used: pl.DataFrame) -> pl.DataFrame:
    """Each point of :func:`_with_limits` with a flag per rule and side (``_h_shift``,
    ``_l_trend``, ...), whether or not its phase has enough points for limits: the runs of
    every point (:func:`with_runs`), then the flags (:func:`with_flags`)."""
    return with_flags(with_runs(used))


def _before(expr: pl.Expr, k: int, group: pl.Expr) -> pl.Expr:
    """``expr`` of the point ``k`` rows back, when it is in the same ``group``."""
    return pl.when(group.shift(k) == group).then(expr.shift(k))


def _after(expr: pl.Expr, k: int, group: pl.Expr) -> pl.Expr:
    """``expr`` of the point ``k`` rows on, when it is in the same ``group``."""
    return pl.when(group.shift(-k) == group).then(expr.shift(-k))


def with_runs(used: pl.DataFrame) -> pl.DataFrame:
    """Each point of :func:`_with_limits` (every used point, in order) with what reaches
    back or on any distance: its ``_piece`` (the points of one phase between two gaps), its
    tolerance ``_tol``, its side of the mean ``_side`` and step from the point before
    ``_step`` (-1, 0, 1), and the length of the run of points on its side (``_run_len``)
    and of steps in its direction (``_step_len``)."""
    sid, seg = pl.col("_sid"), pl.col("_seg")
    used = used.with_columns(
        ((sid != sid.shift(1)) | (seg != seg.shift(1)))
        .fill_null(True)
        .cum_sum()
        .set_sorted()  # a running count only grows: windows over it group by slices
        .alias("_piece")
    )
    piece = pl.col("_piece")
    value, mean = pl.col("value"), pl.col("_mean")
    previous = _before(value, 1, seg)
    # The tolerance once per point (every line of the chart lies within its limits, so the
    # chart's scale covers them): see compare_at_precision.
    used = used.with_columns(
        (
            REL_TOLERANCE
            * pl.max_horizontal(value.abs(), chart_scale(pl.col("_lower"), pl.col("_upper")))
        ).alias("_tol")
    )
    tol = pl.col("_tol")
    used = used.with_columns(
        _signed(value - mean, tol).alias("_side"),
        # A trend runs across recalculations (steps between neighbours, whatever the phase).
        _signed(value - previous, pl.max_horizontal(tol, REL_TOLERANCE * previous.abs())).alias(
            "_step"
        ),
    )
    side, step = pl.col("_side"), pl.col("_step")
    used = used.with_columns(
        ((piece != piece.shift(1)).fill_null(True) | (side != side.shift(1)).fill_null(True))
        .cast(pl.Int64)
        .cum_sum()
        .set_sorted()
        .alias("_run"),
        (
            (seg != seg.shift(1)).fill_null(True)
            | (step != step.shift(1)).fill_null(True)
            | step.is_null()
        )
        .cast(pl.Int64)
        .cum_sum()
        .set_sorted()
        .alias("_steps"),
    )
    return used.with_columns(
        pl.len().over("_run").alias("_run_len"),
        pl.when(step.is_not_null() & (step != 0))
        .then(pl.len().over("_steps"))
        .otherwise(0)
        .alias("_step_len"),
    )


def with_flags(used: pl.DataFrame) -> pl.DataFrame:
    """Each point of :func:`with_runs` with a flag per rule and side.

    A point's flags read nothing further than two points either side of it (the runs
    came with :func:`with_runs`): ``used`` may be only some points, each with the two
    points either side of it that :func:`with_runs` had (a point at the edge of such a
    window gets flags that mean nothing)."""
    seg, piece = pl.col("_seg"), pl.col("_piece")
    value, mean, sigma, tol = pl.col("value"), pl.col("_mean"), pl.col("_sigma"), pl.col("_tol")
    above = _signed(value - pl.col("_upper"), tol) > 0
    below = _signed(value - pl.col("_lower"), tol) < 0
    used = used.with_columns(
        above.alias("_above"),
        below.alias("_below"),
        # Between the 2-sigma line and the limit (a point beyond the limit is rule 1's).
        pl.when(above | below)
        .then(0)
        .when(_signed(value - (mean + 2 * sigma), tol) > 0)
        .then(1)
        .when(_signed(value - (mean - 2 * sigma), tol) < 0)
        .then(-1)
        .otherwise(0)
        .alias("_band"),
    )
    side, step = pl.col("_side"), pl.col("_step")
    long_steps = pl.col("_step_len") >= pl.col("trend_run") - 1
    next_step = _after(step, 1, seg)
    next_long = _after(long_steps, 1, seg).fill_null(False)

    def two_of_three(direction: int) -> pl.Expr:
        """Points in the band on ``direction``'s side that belong to a window of three
        consecutive points all on that side of the mean, two or more of them in the band."""
        near = (pl.col("_band") == direction).cast(pl.Int32)
        on_side = (side == direction).cast(pl.Int32)
        count = near + _before(near, 1, piece).fill_null(0) + _before(near, 2, piece).fill_null(0)
        sides = (
            on_side
            + _before(on_side, 1, piece).fill_null(0)
            + _before(on_side, 2, piece).fill_null(0)
        )
        ending = (count >= 2) & (sides == 3)  # the window ending at this point qualifies
        windows = (
            ending
            | _after(ending, 1, piece).fill_null(False)
            | _after(ending, 2, piece).fill_null(False)
        )
        return (near == 1) & windows

    shift_on = pl.col("_run_len") >= pl.col("shift_run")
    high = {
        "beyond_limit": pl.col("_above"),
        "shift": (side == 1) & shift_on,
        "trend": (long_steps & (step == 1)) | (next_long & (next_step == 1)),
        "two_of_three": two_of_three(1),
    }
    low = {
        "beyond_limit": pl.col("_below"),
        "shift": (side == -1) & shift_on,
        "trend": (long_steps & (step == -1)) | (next_long & (next_step == -1)),
        "two_of_three": two_of_three(-1),
    }
    return used.with_columns(
        *[(high[r].fill_null(False)).alias(f"_h_{r}") for r in RULES],
        *[(low[r].fill_null(False)).alias(f"_l_{r}") for r in RULES],
    )
