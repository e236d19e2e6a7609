"""Statistical process control: XmR charts as NHS England's "Making Data Count" draws them,
for many series at once (one Polars pass, so SPC over a national store takes seconds).

For each series of monthly values (a month without a figure is a gap; excluded months are
"ghosted": shown, never used). docs/spc.md is the full statement, with the parity table.

* a phase starts at the first point and at each recalculation month; each phase has its own
  limits, from its first ``baseline_points`` points (default: all of them). A phase with
  fewer than ``min_points`` (13) points gets no limits, and says so.
* mean of the baseline points; moving ranges ``|x_i - x_(i-1)|`` between neighbours
  (consecutive months, or months either side of an excluded one: a gap drops both ranges
  next to it) and their mean ``MR``; process limits ``mean +/- 2.66 x MR``; sigma lines at
  ``mean +/- k/3 x 2.66 x MR`` for k = 1, 2. With screening, moving ranges above
  ``3.267 x MR`` are dropped and ``MR`` is recomputed once.
* every comparison (with the mean, a limit, a neighbour) is made at the data's precision
  (:func:`csc_perf.methods.spc_rules.compare_at_precision`).
* special-cause rules, evaluated on every used point with limits:

  - ``beyond_limit``: above the upper or below the lower process limit (a point exactly on
    a limit is not beyond it);
  - ``shift``: ``shift_run`` (7) or more consecutive points all above, or all below, the mean
    (a point on the mean, a gap or a new phase breaks the run); every point is flagged;
  - ``trend``: ``trend_run`` (7) or more consecutive points each higher (or each lower) than
    the one before (an equal neighbour or a gap breaks the run, a new phase does not);
    every point of the run is flagged;
  - ``two_of_three``: three consecutive points on one side of the mean, two or more of them
    between that side's 2-sigma line and its limit (on the limit counts, beyond it is rule
    1's); the points in the band are flagged.

* each flagged point is ``high`` or ``low``; by polarity that is an improvement or a concern
  (``neither`` for polarity none). A point flagged both ways is resolved by ``conflict``
  (improvement by default).
* variation (per point): ``common_cause``, ``improvement_high|low``, ``concern_high|low``,
  ``neither_high|low``; assurance (with a target, polarity higher/lower): ``pass`` when the
  target is on the passing side of both limits or on the nearer one (higher is better:
  target <= lower limit), ``fail`` when on the failing side of both or on the farther one,
  else ``hit_or_miss`` (read against the month's target in
  :mod:`csc_perf.methods.spc_results`).

tests/spc_oracle.py states the same rules one series at a time; tests/test_spc_engine.py
holds this engine to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import polars as pl

from csc_perf.methods.spc_limits import LIMIT_FACTOR, SCREEN_FACTOR, with_limits

# The chart's factors are read here too (tests, docs): they live with the limits.
__all__ = ["LIMIT_FACTOR", "OUTPUT", "SCREEN_FACTOR", "month_index", "spc_params", "xmr_frame"]
from csc_perf.methods.spc_rules import RULES, with_flags, with_runs
from csc_perf.model.options import SpcOptions
from csc_perf.model.progress import advance

SERIES = ("authority", "indicator")
#: Columns of :func:`xmr_frame`'s answer.
OUTPUT = (
    *SERIES,
    "mi",
    "spc_mean",
    "spc_lower",
    "spc_upper",
    "spc_rule",
    "spc_variation",
    "spc_note",
)
#: Per-indicator parameters of :func:`xmr_frame` (what :func:`spc_params` builds).
PARAMS_SCHEMA = {
    "indicator": pl.String,
    "polarity": pl.String,
    "enabled": pl.Boolean,
    "min_points": pl.Int64,
    "shift_run": pl.Int64,
    "trend_run": pl.Int64,
    "baseline_points": pl.Int64,  # null: every point of the phase
    "screen": pl.Boolean,
    "conflict": pl.String,
    "recalculate_from": pl.List(pl.Int32),  # month indices at which a new phase starts
    "exclude": pl.List(pl.Int32),  # month indices shown but never used
}
#: True on a row of another series than the row before (null on the first row).
_NEW_SERIES = pl.any_horizontal(pl.col(c) != pl.col(c).shift(1) for c in SERIES)
#: What a params frame without the column means.
_DEFAULTS = {
    "enabled": pl.lit(True),
    "baseline_points": pl.lit(None, dtype=pl.Int64),
    "recalculate_from": pl.lit(None, dtype=pl.List(pl.Int32)),
    "exclude": pl.lit(None, dtype=pl.List(pl.Int32)),
}


def month_index(month: date) -> int:
    """The month as a count of months (``year x 12 + month - 1``): the ``mi`` of the frames."""
    return month.year * 12 + month.month - 1


def spc_params(options: Mapping[str, SpcOptions], polarity: Mapping[str, str]) -> pl.DataFrame:
    """The parameters frame of :func:`xmr_frame` (:data:`PARAMS_SCHEMA`): one row per
    indicator id of ``options``, with its polarity from ``polarity`` (KeyError if missing).

    Months become month indices: a recalculation date starts its phase at the first month
    on or after it; an excluded date matches the month it is the first day of, or none.
    """
    rows = [
        (
            indicator,
            polarity[indicator],
            o.enabled,
            o.min_points,
            o.shift_run,
            o.trend_run,
            o.baseline_points or None,  # 0 means no fixed baseline
            o.screen,
            o.conflict,
            sorted({month_index(d) + (d.day > 1) for d in o.recalculate_from}),
            sorted({month_index(d) for d in o.exclude if d.day == 1}),
        )
        for indicator, o in options.items()
    ]
    return pl.DataFrame(rows, schema=PARAMS_SCHEMA, orient="row")


def xmr_frame(
    observations: pl.DataFrame, params: pl.DataFrame, wanted: pl.DataFrame | None = None
) -> pl.DataFrame:
    """SPC for every row of ``observations`` (``authority, indicator, mi, value``; a null
    value is a gap) whose indicator has a row in ``params`` (:data:`PARAMS_SCHEMA`; a missing
    column takes :class:`SpcOptions`' default). With ``wanted`` (authority, indicator, mi),
    only those rows are returned (the charts still use the whole series).

    Returns :data:`OUTPUT`: the phase's mean and process limits, the rules met
    (``;``-joined, empty for common cause) and the variation on every point with limits;
    ``spc_note`` on every other row says why it has none. Raises nothing of its own.
    """
    params = params.with_columns(
        expr.alias(name) for name, expr in _DEFAULTS.items() if name not in params.columns
    )
    rows = _marked(observations, params)
    # Rows already one series after another in month order (as a store holds an extract)
    # need no sort of millions of rows; the answer is sorted instead (the same order).
    new_series = _series_in_order(rows)
    grouped = new_series is not None
    advance("series computed", 0, new_series.sum() if grouped else None)
    rows = _segmented(rows if grouped else rows.sort(*SERIES, "mi"), new_series)
    # Parameters looked up once per series (not joined onto millions of rows); a series
    # of an indicator without parameters has no chart.
    per_series = (
        rows.filter(pl.col("_series") != pl.col("_series").shift(1).fill_null(0))
        .select("_series", "indicator")
        .join(params.drop("recalculate_from", "exclude"), on="indicator", how="left")
        .sort("_series")
    )
    rows = _with_params(rows, per_series, ("enabled",))
    if per_series.get_column("enabled").has_nulls():
        rows = rows.filter(pl.col("enabled").is_not_null())
    used = (
        rows.lazy()
        .filter(pl.col("value").is_not_null() & ~pl.col("_excluded") & pl.col("enabled"))
        .select("_row", "_series", "value", "_phase", "_seg")  # no texts copied
        .collect()
        .pipe(_with_params, per_series, ("min_points", "baseline_points", "screen"))
    )
    used = with_runs(with_limits(used))
    phase_notes = (
        used.group_by("_sid")
        .agg(
            pl.col("_series").first(),
            pl.when(~pl.col("_limited").first())
            .then(_too_few(pl.col("_len").first(), pl.col("min_points").first()))
            .alias("_note"),
        )
        .sort("_sid")  # phases in order
        .group_by("_series", maintain_order=True)
        .agg(pl.col("_note").drop_nulls(), pl.lit(True).alias("_has_points"))
        .with_columns(pl.when(pl.col("_note").list.len() > 0).then(pl.col("_note").list.join("; ")))
    )
    advance("series computed", phase_notes.height, phase_notes.height)
    if wanted is not None:
        # Only the months asked for can match: a cheap filter first, the joins on few rows.
        months = pl.col("mi").is_in(wanted.get_column("mi").unique().to_list())
        rows = rows.filter(months).join(wanted, on=[*SERIES, "mi"], how="semi")
        # A point's flags read two points either side of it at most (its runs are read):
        # the flags of millions of points are worked out only for those asked for.
        asked = pl.col("_row").is_in(rows.get_column("_row").implode())
        near = pl.any_horizontal(asked.shift(k).fill_null(False) for k in (-2, -1, 0, 1, 2))
        used = used.filter(near)
    used = with_flags(_with_params(used, per_series, ("shift_run", "trend_run")))
    if wanted is not None:
        used = used.filter(pl.col("_row").is_in(rows.get_column("_row").implode()))
    # The words (rules, variation) only for the rows asked for.
    points = _with_params(used, per_series, ("polarity", "conflict")).select(
        "_row",
        "_limited",
        *[pl.when(pl.col("_limited")).then(expr).alias(c) for c, expr in _point_columns().items()],
    )
    return (
        _with_params(rows, per_series, ("min_points",))
        .join(points, on="_row", how="left")
        .join(phase_notes, on="_series", how="left")
        .with_columns(
            pl.when(pl.col("_limited"))
            .then(None)
            .when(pl.col("_excluded"))
            .then(pl.lit("excluded from SPC"))
            .when(~pl.col("enabled"))
            .then(pl.lit("SPC is turned off for this indicator"))
            .when(~pl.col("_has_points").fill_null(False))  # a series with no figure at all
            .then(_too_few(pl.lit(0), pl.col("min_points")))
            .otherwise(pl.col("_note"))
            .alias("spc_note")
        )
        .select(OUTPUT)
        .pipe(lambda out: out.sort(*SERIES, "mi") if grouped else out)
    )


def _with_params(frame: pl.DataFrame, per_series: pl.DataFrame, names: tuple) -> pl.DataFrame:
    """``frame`` with the ``names`` of each row's series (its row in ``per_series``); a
    parameter with one value for every series is that value, not gathered row by row."""
    index = frame.get_column("_series") - 1
    return frame.with_columns(
        pl.lit(values[0], dtype=values.dtype).alias(name)
        if values.n_unique() == 1
        else values.gather(index)
        for name in names
        for values in [per_series.get_column(name)]
    )


def _too_few(points: pl.Expr, min_points: pl.Expr) -> pl.Expr:
    return pl.format("{} point(s): SPC needs at least {} for limits", points, min_points)


def _marked(rows: pl.DataFrame, params: pl.DataFrame) -> pl.DataFrame:
    """``rows`` with ``_row`` (an id), ``_excluded`` and ``_phase`` (0 before the first
    recalculation month, then how many recalculation months the month is on or after)."""
    mi = rows.schema["mi"]
    excluded = (
        params.select("indicator", pl.col("exclude").alias("mi"))
        .explode("mi")
        .drop_nulls()
        .unique()
        .select("indicator", pl.col("mi").cast(mi), pl.lit(True).alias("_excluded"))
    )
    starts = (
        params.select("indicator", pl.col("recalculate_from").alias("_start"))
        .explode("_start")
        .drop_nulls()
        .select(
            "indicator",
            pl.col("_start").cast(mi),
            pl.col("_start").rank("dense").over("indicator").cast(pl.Int64).alias("_phase"),
        )
        .sort("_start")
    )
    rows = rows.with_row_index("_row")
    if excluded.height:  # (a join of every row only when some month is excluded)
        rows = rows.join(excluded, on=["indicator", "mi"], how="left")
    else:
        rows = rows.with_columns(pl.lit(None, dtype=pl.Boolean).alias("_excluded"))
    if starts.height:  # (sorting every row for the as-of join only when there are phases)
        rows = rows.sort("mi").join_asof(
            starts, left_on="mi", right_on="_start", by="indicator", check_sortedness=False
        )
    else:
        rows = rows.with_columns(pl.lit(None, dtype=pl.Int64).alias("_phase"))
    return rows.with_columns(pl.col("_excluded").fill_null(False), pl.col("_phase").fill_null(0))


def _series_in_order(rows: pl.DataFrame) -> pl.Series | None:
    """Where each series starts (True on its first row) when each series' rows are together
    and in month order (series in any order), else None: checked in one pass over the rows,
    and once over the first row of each series."""
    checked = rows.select(
        _NEW_SERIES.fill_null(True).alias("_new"),
        (pl.col("mi") > pl.col("mi").shift(1)).alias("_later"),
    )
    if not checked.select((pl.col("_new") | pl.col("_later")).all()).item():
        return None  # a month out of order (or twice) within a run of one series
    firsts = rows.select(*SERIES).filter(checked.get_column("_new"))
    return checked.get_column("_new") if firsts.n_unique() == firsts.height else None


def _segmented(rows: pl.DataFrame, new_series: pl.Series | None) -> pl.DataFrame:
    """``rows`` (each series' rows together, in month order) with ``_series`` (the series'
    number, from 1) and ``_seg``: a number that changes after a gap (a month with no row,
    or a null value), so two used points are neighbours when they share it. An excluded
    month is not a gap: its neighbours' moving range spans it (MDC ghosting). ``new_series``:
    where each series starts, if known."""
    starts = _NEW_SERIES.fill_null(True) if new_series is None else pl.lit(new_series)
    jump = pl.col("mi") - pl.col("mi").shift(1) > 1
    hole = pl.col("value").is_null() & ~pl.col("_excluded")
    return rows.with_columns(
        # A running count only grows: marked sorted, windows over it group by slices.
        (starts | jump.fill_null(False) | hole).cum_sum().set_sorted().alias("_seg"),
        # Counted as row numbers are (the series' parameters are gathered by it).
        starts.cum_sum().cast(pl.get_index_type()).set_sorted().alias("_series"),
    )


def _point_columns() -> dict[str, pl.Expr]:
    """The output columns of a point flagged by :func:`with_flags`, by name."""
    any_high = pl.any_horizontal([pl.col(f"_h_{r}") for r in RULES])
    any_low = pl.any_horizontal([pl.col(f"_l_{r}") for r in RULES])
    rule = pl.concat_str(
        [pl.when(pl.col(f"_h_{r}") | pl.col(f"_l_{r}")).then(pl.lit(r)) for r in RULES],
        separator=";",
        ignore_nulls=True,
    )
    return {
        "spc_mean": pl.col("_mean"),
        "spc_lower": pl.col("_lower"),
        "spc_upper": pl.col("_upper"),
        "spc_rule": rule,
        "spc_variation": _variation(any_high, any_low),
    }


def _variation(any_high: pl.Expr, any_low: pl.Expr) -> pl.Expr:
    """common_cause, or improvement / concern / neither and the side, by polarity (a point
    flagged both ways: by ``conflict``; without a good side: by the mean)."""
    value, mean = pl.col("value"), pl.col("_mean")
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
    return (
        pl.when(~any_high & ~any_low)
        .then(pl.lit("common_cause"))
        .when(~directional)
        .then(pl.lit("neither_") + side_word)
        .when(side_word == good)
        .then(pl.lit("improvement_") + side_word)
        .otherwise(pl.lit("concern_") + side_word)
    )
