"""The XmR chart of :mod:`csc_perf.methods.spc`, vectorised over many series at once.

Same rules, same results (a test compares the two on random series); used for every series
whose options need no phases (no ``baseline_points``, ``recalculate_from`` or ``exclude``),
which is what makes SPC over a national store take seconds rather than minutes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from csc_perf.methods.spc import LIMIT_FACTOR, RULES, SCREEN_FACTOR

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

OUTPUT = (
    "authority",
    "indicator",
    "mi",
    "spc_mean",
    "spc_lower",
    "spc_upper",
    "spc_rule",
    "spc_variation",
    "spc_note",
)


def xmr_frame(
    observations: pl.DataFrame, params: pl.DataFrame, wanted: pl.DataFrame | None = None
) -> pl.DataFrame:
    """SPC for every row of ``observations`` (``authority, indicator, mi, value``; a null
    value is a gap), with per-indicator ``params`` (``indicator, polarity, min_points,
    shift_run, trend_run, screen, conflict``). With ``wanted`` (authority, indicator, mi),
    only those rows are returned (the charts still use the whole series)."""
    import polars as pl

    series = ["authority", "indicator"]
    used = (
        observations.filter(pl.col("value").is_not_null())
        .join(params, on="indicator", how="inner")
        .sort(*series, "mi")
    )
    # One integer per series; rows sorted by it, so "the row before in the same series" is
    # the row before, unless the series starts here.
    used = used.with_columns(pl.struct(series).rank("dense").cast(pl.Int64).alias("_sid")).sort(
        "_sid", "mi"
    )
    sid = pl.col("_sid")

    def before(expr: pl.Expr, k: int = 1) -> pl.Expr:
        return pl.when(sid.shift(k) == sid).then(expr.shift(k))

    def after(expr: pl.Expr, k: int = 1) -> pl.Expr:
        return pl.when(sid.shift(-k) == sid).then(expr.shift(-k))

    value = pl.col("value")
    ranges = used.select("_sid", (value - before(value)).abs().alias("_mr"))
    stats = ranges.group_by("_sid").agg(
        pl.col("_mr").mean().alias("_mr_mean"),
    )
    # Screening: moving ranges above 3.267 x their mean are left out, once.
    screened = (
        ranges.join(stats, on="_sid")
        .filter(pl.col("_mr") <= SCREEN_FACTOR * pl.col("_mr_mean"))
        .group_by("_sid")
        .agg(pl.col("_mr").mean().alias("_mr_screened"))
    )
    stats = (
        used.group_by("_sid")
        .agg(pl.len().alias("_n"), value.mean().alias("_mean"))
        .join(stats, on="_sid", how="left")
        .join(screened, on="_sid", how="left")
    )
    used = used.join(stats, on="_sid", how="left").with_columns(
        pl.when(pl.col("screen"))
        .then(pl.coalesce("_mr_screened", "_mr_mean"))
        .otherwise(pl.col("_mr_mean"))
        .alias("_mr_used")
    )
    mean, mr = pl.col("_mean"), pl.col("_mr_used")
    previous = before(value)
    used = used.with_columns(
        (mean + LIMIT_FACTOR * mr).alias("_upper"),
        (mean - LIMIT_FACTOR * mr).alias("_lower"),
        (LIMIT_FACTOR * mr / 3).alias("_sigma"),
        pl.when(value > mean).then(1).when(value < mean).then(-1).otherwise(0).alias("_side"),
        pl.when(previous.is_null())
        .then(None)
        .when(value > previous)
        .then(1)
        .when(value < previous)
        .then(-1)
        .otherwise(0)
        .alias("_step"),
    )
    side, step = pl.col("_side"), pl.col("_step")
    starts = sid != sid.shift(1)
    used = used.with_columns(
        (starts.fill_null(True) | (side != side.shift(1)).fill_null(True))
        .cast(pl.Int64)
        .cum_sum()
        .alias("_run"),
        (starts.fill_null(True) | (step != step.shift(1)).fill_null(True) | step.is_null())
        .cast(pl.Int64)
        .cum_sum()
        .alias("_steps"),
        (value > mean + 2 * pl.col("_sigma")).cast(pl.Int32).alias("_hi2"),
        (value < mean - 2 * pl.col("_sigma")).cast(pl.Int32).alias("_lo2"),
    )
    used = used.with_columns(
        pl.len().over("_run").alias("_run_len"),
        pl.when(step.is_not_null() & (step != 0))
        .then(pl.len().over("_steps"))
        .otherwise(0)
        .alias("_step_len"),
    )
    long_steps = pl.col("_step_len") >= pl.col("trend_run") - 1
    next_step = after(step)
    next_long = after(long_steps).fill_null(False)

    def two_of_three(column: str) -> pl.Expr:
        flag = pl.col(column)
        ending = flag + before(flag).fill_null(0) + before(flag, 2).fill_null(0)
        windows = (
            (ending >= 2) | (after(ending).fill_null(0) >= 2) | (after(ending, 2).fill_null(0) >= 2)
        )
        return (flag == 1) & windows & (pl.col("_n") >= 3)

    shift_on = pl.col("_run_len") >= pl.col("shift_run")
    high = {
        "beyond_limit": value > pl.col("_upper"),
        "shift": (side == 1) & shift_on,
        "trend": (long_steps & (step == 1)) | (next_long & (next_step == 1)),
        "two_of_three": two_of_three("_hi2"),
    }
    low = {
        "beyond_limit": value < pl.col("_lower"),
        "shift": (side == -1) & shift_on,
        "trend": (long_steps & (step == -1)) | (next_long & (next_step == -1)),
        "two_of_three": two_of_three("_lo2"),
    }
    used = used.with_columns(
        *[(high[r].fill_null(False)).alias(f"_h_{r}") for r in RULES],
        *[(low[r].fill_null(False)).alias(f"_l_{r}") for r in RULES],
    )
    any_high = pl.any_horizontal([pl.col(f"_h_{r}") for r in RULES])
    any_low = pl.any_horizontal([pl.col(f"_l_{r}") for r in RULES])
    rule = pl.concat_str(
        [pl.when(pl.col(f"_h_{r}") | pl.col(f"_l_{r}")).then(pl.lit(r)) for r in RULES],
        separator=";",
        ignore_nulls=True,
    )
    directional = pl.col("polarity").is_in(["higher", "lower"])
    good = pl.when(pl.col("polarity") == "higher").then(pl.lit("high")).otherwise(pl.lit("low"))
    bad = pl.when(pl.col("polarity") == "higher").then(pl.lit("low")).otherwise(pl.lit("high"))
    side_word = (
        pl.when(any_high & any_low)
        .then(
            pl.when(~directional)
            .then(pl.when(value >= mean).then(pl.lit("high")).otherwise(pl.lit("low")))
            .when(pl.col("conflict") == "improvement")
            .then(good)
            .otherwise(bad)
        )
        .when(any_high)
        .then(pl.lit("high"))
        .when(any_low)
        .then(pl.lit("low"))
    )
    variation = (
        pl.when(~any_high & ~any_low)
        .then(pl.lit("common_cause"))
        .when(~directional)
        .then(pl.lit("neither_") + side_word)
        .when(side_word == good)
        .then(pl.lit("improvement_") + side_word)
        .otherwise(pl.lit("concern_") + side_word)
    )
    limited = pl.col("_n") >= pl.col("min_points")
    used_out = used.join(wanted, on=[*series, "mi"], how="semi") if wanted is not None else used
    points = used_out.select(
        *series,
        "mi",
        pl.when(limited).then(mean).alias("spc_mean"),
        pl.when(limited).then(pl.col("_lower")).alias("spc_lower"),
        pl.when(limited).then(pl.col("_upper")).alias("spc_upper"),
        pl.when(limited).then(rule).alias("spc_rule"),
        pl.when(limited).then(variation).alias("spc_variation"),
    )
    counts = used.group_by(series).agg(pl.col("_n").first(), pl.col("min_points").first())
    notes = counts.select(
        *series,
        pl.lit(True).alias("_has_points"),
        pl.when(pl.col("_n") < pl.col("min_points"))
        .then(
            pl.col("_n").cast(pl.String)
            + pl.lit(" point(s): SPC needs at least ")
            + pl.col("min_points").cast(pl.String)
            + pl.lit(" for limits")
        )
        .alias("spc_note"),
    )
    every = observations.join(params.select("indicator", "min_points"), on="indicator")
    if wanted is not None:
        every = every.join(wanted, on=[*series, "mi"], how="semi")
    return (
        every.select(*series, "mi", "min_points")
        .join(points, on=[*series, "mi"], how="left")
        .join(notes, on=series, how="left")
        .with_columns(
            pl.when(pl.col("_has_points").is_null())  # a series with no figure at all
            .then(
                pl.lit("0 point(s): SPC needs at least ")
                + pl.col("min_points").cast(pl.String)
                + pl.lit(" for limits")
            )
            .otherwise(pl.col("spc_note"))
            .alias("spc_note")
        )
        .select(OUTPUT)
    )
