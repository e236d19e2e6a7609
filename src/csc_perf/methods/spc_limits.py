"""The process limits of the XmR chart (see :mod:`csc_perf.methods.spc` and docs/spc.md),
phase by phase for the points of many series at once: the mean of the baseline points, the
mean moving range between neighbours (screened once if asked) and the limits and sigma
lines from them."""

from __future__ import annotations

import polars as pl

from csc_perf.methods.spc_rules import REL_TOLERANCE

LIMIT_FACTOR = 2.66
SCREEN_FACTOR = 3.267


def with_limits(used: pl.DataFrame) -> pl.DataFrame:
    """Each used point (sorted by series and month: ``_series``, ``_phase``, ``_seg``,
    ``value`` and the parameters ``min_points``, ``baseline_points``, ``screen``) with its
    phase ``_sid``, the phase's length ``_len``, ``_mean``, ``_upper``, ``_lower``,
    ``_sigma`` and ``_limited`` (the phase has ``min_points`` points)."""
    # The rows come sorted by series and month, and a series' phases follow its months,
    # so a phase is a run of rows: numbered without another sort.
    new_phase = pl.any_horizontal(pl.col(c) != pl.col(c).shift(1) for c in ("_series", "_phase"))
    sid = pl.col("_sid")
    used = used.with_columns(
        new_phase.fill_null(True).cum_sum().cast(pl.Int64).set_sorted().alias("_sid")
    ).with_columns(pl.len().over("_sid").cast(pl.Int64).alias("_len"))
    value, mr = pl.col("value"), pl.col("_range")
    # A moving range only between consecutive months: a gap drops both ranges next to it.
    consecutive = (sid.shift(1) == sid) & (pl.col("_seg").shift(1) == pl.col("_seg"))
    # A fixed baseline (its first points only) where any phase has one; else every point.
    fixed = used.get_column("baseline_points").is_not_null().any()
    if fixed:
        baseline_length = pl.min_horizontal(
            "_len", pl.col("baseline_points").fill_null(pl.col("_len"))
        )
        baseline = pl.int_range(pl.len()).over("_sid") < baseline_length
        consecutive = consecutive & baseline
    moving_range = pl.when(consecutive).then((value - value.shift(1)).abs())
    used = used.with_columns(moving_range.alias("_range"))
    # Screening: moving ranges above 3.267 x their mean are left out, once (one equal to it
    # at the data's precision is kept: REL_TOLERANCE of the limit). Worked out only where
    # some phase screens.
    screened = mr.filter(mr <= SCREEN_FACTOR * mr.mean() / (1 - REL_TOLERANCE)).mean()
    screens = used.get_column("screen").any()
    used = used.with_columns(
        # Window expressions keep the rows' order, which the rules read neighbours by.
        (value.filter(baseline) if fixed else value).mean().over(sid).alias("_mean"),
        mr.mean().over(sid).fill_null(0.0).alias("_mr_mean"),
        (screened.over(sid) if screens else pl.lit(None, dtype=pl.Float64)).alias("_mr_screened"),
    )
    mean = pl.col("_mean")
    mr_used = (
        pl.when(pl.col("screen"))
        .then(pl.coalesce("_mr_screened", "_mr_mean"))
        .otherwise(pl.col("_mr_mean"))
    )
    return used.with_columns(
        (mean + LIMIT_FACTOR * mr_used).alias("_upper"),
        (mean - LIMIT_FACTOR * mr_used).alias("_lower"),
        (LIMIT_FACTOR * mr_used / 3).alias("_sigma"),
        (pl.col("_len") >= pl.col("min_points")).alias("_limited"),
    )
