"""SPC over the results: each indicator's options (and the run's overrides) applied to its
series, for the ``spc_*`` columns of the results frame (see :mod:`csc_perf.model.results`).

Pure: observations and definitions in, a frame out. Every chart comes from the one engine,
:func:`csc_perf.methods.spc.xmr_frame`; what is decided here is which series get a chart: a
rolling 12-month rate gets none (it is autocorrelated: SPC belongs on the monthly counts),
and a run with SPC turned off gets empty columns. Assurance (:func:`assurance_expr`) reads
the chart's limits against the month's target.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from csc_perf.definitions.model import Definitions
from csc_perf.methods.spc import spc_params, xmr_frame
from csc_perf.methods.spc_rules import chart_scale, compare_at_precision

#: The frame :func:`spc_columns` returns (the engine's columns, typed).
SPC_SCHEMA = {
    "authority": pl.String,
    "indicator": pl.String,
    "mi": pl.Int32,
    "spc_mean": pl.Float64,
    "spc_lower": pl.Float64,
    "spc_upper": pl.Float64,
    "spc_rule": pl.String,
    "spc_variation": pl.String,
    "spc_note": pl.String,
}
ROLLING_NOTE = "rolling 12-month figure: SPC runs on monthly values only"
RUN_OFF_NOTE = "SPC turned off for this run"


def spc_columns(
    observations: pl.DataFrame,
    definitions: Definitions,
    until: date | None,
    overrides: dict,
    wanted: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """SPC per (authority, indicator, month index ``mi``) of ``observations`` (with
    ``authority, indicator, month, mi, value``) for every month up to ``until``: only the
    rows of ``wanted`` (a frame with authority, indicator and mi) when given.

    ``overrides`` (e.g. ``{"screen": True}``; None values are ignored) apply to every
    indicator's options; ``{"enabled": False}`` turns SPC off for the run. Returns
    :data:`SPC_SCHEMA` (empty when ``until`` is None). Raises nothing of its own.
    """
    if until is None:
        return pl.DataFrame(schema=SPC_SCHEMA)
    if wanted is not None:
        wanted = wanted.select("authority", "indicator", pl.col("mi").cast(pl.Int32))
    if overrides.get("enabled") is False:  # SPC turned off for this run: empty columns
        upto = observations.filter(pl.col("month") <= until)
        return _noted(_asked(upto.with_columns(pl.col("mi").cast(pl.Int32)), wanted), RUN_OFF_NOTE)
    rolling = rolling_ids(definitions)
    charted = [i for i in definitions.indicators if i.id not in rolling]
    params = spc_params(
        {i.id: i.spc.merged(**overrides) for i in charted}, {i.id: i.polarity for i in charted}
    )
    # The charted rows and the rolling ones apart, each in one pass over the rows.
    to_chart = observations.filter((pl.col("month") <= until) & ~pl.col("indicator").is_in(rolling))
    charts = xmr_frame(
        to_chart.select("authority", "indicator", pl.col("mi").cast(pl.Int32), "value"),
        params,
        wanted,
    )
    rolled = observations.filter(
        (pl.col("month") <= until) & pl.col("indicator").is_in(rolling)
    ).with_columns(pl.col("mi").cast(pl.Int32))
    return pl.concat(
        [
            charts.select(pl.col(c).cast(t) for c, t in SPC_SCHEMA.items()),
            _noted(_asked(rolled, wanted), ROLLING_NOTE),
        ]
    )


def rolling_ids(definitions: Definitions) -> list[str]:
    """The indicators SPC draws no chart for: rolling 12-month rates (flow rates)."""
    return [i.id for i in definitions.indicators if i.unit == "rate" and i.measure == "flow"]


def series_gaps(series: pl.DataFrame) -> list[tuple[str, date, date, int]]:
    """The gaps of monthly series (``authority``, ``month``, ``value``; one row per month):
    each run of months without a figure between two months with one, as (authority, first
    month, last month, how many months). SPC leaves out the moving ranges next to a gap,
    as Making Data Count does, so a reader should know where they are."""
    found = []
    for (authority,), rows in series.sort("month").group_by("authority", maintain_order=True):
        present = rows.get_column("value").is_not_null().to_list()
        months = rows.get_column("month").to_list()
        if True not in present:
            continue
        first, last = present.index(True), len(present) - 1 - present[::-1].index(True)
        k = first
        while k < last:
            if present[k]:
                k += 1
                continue
            end = k
            while not present[end + 1]:
                end += 1
            found.append((authority, months[k], months[end], end - k + 1))
            k = end + 1
    return found


def _asked(rows: pl.DataFrame, wanted: pl.DataFrame | None) -> pl.DataFrame:
    """The ``rows`` of ``wanted`` (authority, indicator, mi; all when None): a cheap filter
    on the months first, the join on the few rows left."""
    if wanted is None:
        return rows
    months = pl.col("mi").is_in(wanted.get_column("mi").unique().implode())
    return rows.filter(months).join(wanted, on=["authority", "indicator", "mi"], how="semi")


def _noted(rows: pl.DataFrame, note: str) -> pl.DataFrame:
    """The rows' keys with empty SPC columns and ``note``."""
    return rows.select(
        "authority",
        "indicator",
        "mi",
        *[pl.lit(None, dtype=t).alias(c) for c, t in list(SPC_SCHEMA.items())[3:-1]],
        pl.lit(note).alias("spc_note"),
    )


def assurance_expr() -> pl.Expr:
    """pass / fail / hit_or_miss: where ``target`` sits against ``spc_lower`` and
    ``spc_upper``, by ``polarity``; null without a target or limits, or for none/range.

    A target exactly on a limit (at the data's precision) is on the passing side of it, as
    NHS England's Making Data Count tools read it: the process limits are where the
    process is expected to stay, so a target at the lower limit of a higher-is-better
    measure is met by (almost) every month."""
    target, lower, upper = pl.col("target"), pl.col("spc_lower"), pl.col("spc_upper")
    higher = pl.col("polarity") == "higher"
    lower_better = pl.col("polarity") == "lower"
    scale = chart_scale(lower, upper)
    at_or_below = compare_at_precision(target, lower, scale) <= 0
    at_or_above = compare_at_precision(target, upper, scale) >= 0
    return (
        pl.when(target.is_null() | lower.is_null() | ~(higher | lower_better))
        .then(None)
        .when(higher & at_or_below)
        .then(pl.lit("pass"))
        .when(higher & at_or_above)
        .then(pl.lit("fail"))
        .when(lower_better & at_or_above)
        .then(pl.lit("pass"))
        .when(lower_better & at_or_below)
        .then(pl.lit("fail"))
        .otherwise(pl.lit("hit_or_miss"))
    )
