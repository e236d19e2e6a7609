"""The results frame: per indicator and month, value, target, RAG and direction of travel.

Pure: observations and definitions in, a frame out. Column contract (later versions add
columns at the end; none is renamed or removed):

=====================  =================================================================
column                 meaning
=====================  =================================================================
authority              authority code (``852``)
indicator              indicator id
name                   the name the report prints
theme                  the indicator's first theme id (``themes`` lists all, ``;``-joined)
month                  first day of the month
value                  the figure (null unless status is ``present``)
status                 ``present``, ``missing`` or ``suppressed`` (no row stored: missing)
unit                   count, percent, rate, average
target                 target in force that month (null for none / polarity range)
polarity               higher, lower, range, none
rag                    blue, green, amber, red, grey (no target / no polarity), no data
previous_value         value the month before
change_previous        value - previous_value
change_previous_pct    change_previous / abs(previous_value) x 100 (null when it is 0)
direction_previous     improving, declining, no change, increased, decreased, not comparable
value_year_ago         value in the same month a year before
change_year_ago        value - value_year_ago
change_year_ago_pct    change_year_ago / abs(value_year_ago) x 100
direction_year_ago     as direction_previous, against the same month last year
mean_previous_3        mean of the 3 previous months (null unless all 3 have a value)
direction_previous_3   as direction_previous, against mean_previous_3
themes                 every theme the indicator is shown under, ``;``-joined
decimals               decimals the report prints
target_low             low end of a range target (polarity range)
target_high            high end of a range target (polarity range)
spc_mean               SPC (XmR) centre line of the month's phase (null: no limits)
spc_lower              lower process limit (mean - 2.66 x mean moving range)
spc_upper              upper process limit
spc_rule               special-cause rules the point meets, ``;``-joined (beyond_limit,
                       shift, trend, two_of_three); empty for common cause
spc_variation          common_cause, improvement_high|low, concern_high|low,
                       neither_high|low (polarity none); null without limits
spc_assurance          pass, fail, hit_or_miss against the target; null without a target,
                       without limits, or for polarity none/range
spc_note               why there are no limits (too few points, a rolling figure, ...)
derived                true when the value was computed by the indicator's formula (an
                       extract's own figure, where given, is kept and wins)
benchmark_year         the financial year compared with (``2023/24`` for Oct-24: the latest
                       ended before the month); ``benchmark_year_previous`` the one before
la_value               the authority's published figure that year (``_previous``: year before)
sn_value               mean (``sn_method``: or median) of the statistical neighbours' figures;
                       ``sn_count`` how many had one
region_value           the authority's region; ``england_value`` England
vs_sn, vs_region,      better, worse or same: the month's value against each, by polarity
vs_england
quartile               A (best quarter of authorities, by polarity) to D (worst)
authority_rank         with several authorities in the run: rank among them that month,
                       1 = best by polarity; ``authorities_ranked`` how many had a value;
                       ``authority_band`` A (best quarter) to D. Null with one authority
=====================  =================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from csc_perf.definitions.loading import Definitions
from csc_perf.methods.benchmarks import BENCHMARK_COLUMNS, add_benchmarks
from csc_perf.methods.direction import change_pct_expr, direction_expr
from csc_perf.methods.rag import rag_expr
from csc_perf.methods.spc import xmr
from csc_perf.model.calendar import add_months
from csc_perf.model.options import SpcOptions

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

RESULT_COLUMNS = (
    "authority",
    "indicator",
    "name",
    "theme",
    "month",
    "value",
    "status",
    "unit",
    "target",
    "polarity",
    "rag",
    "previous_value",
    "change_previous",
    "change_previous_pct",
    "direction_previous",
    "value_year_ago",
    "change_year_ago",
    "change_year_ago_pct",
    "direction_year_ago",
    "mean_previous_3",
    "direction_previous_3",
    "themes",
    "decimals",
    "target_low",
    "target_high",
    "spc_mean",
    "spc_lower",
    "spc_upper",
    "spc_rule",
    "spc_variation",
    "spc_assurance",
    "spc_note",
    "derived",
    *BENCHMARK_COLUMNS,
    "authority_rank",
    "authorities_ranked",
    "authority_band",
)


def _month_index(column: str = "month") -> pl.Expr:
    import polars as pl

    return (pl.col(column).dt.year().cast(pl.Int32) * 12 + pl.col(column).dt.month() - 1).alias(
        "mi"
    )


def indicator_frame(definitions: Definitions) -> pl.DataFrame:
    """Per indicator, what the methods need from its definition, in definition order."""
    import polars as pl

    rows = [
        {
            "indicator": i.id,
            "order": n,
            "name": i.name,
            "theme": i.themes[0],
            "themes": ";".join(i.themes),
            "unit": i.unit,
            "polarity": i.polarity,
            "decimals": i.decimals,
            "amber_kind": i.amber.kind if i.amber else None,
            "amber_value": i.amber.value if i.amber else None,
            "stretch": i.stretch,
            "no_change": i.no_change,
        }
        for n, i in enumerate(definitions.indicators)
    ]
    schema = {
        "indicator": pl.String,
        "order": pl.Int64,
        "name": pl.String,
        "theme": pl.String,
        "themes": pl.String,
        "unit": pl.String,
        "polarity": pl.String,
        "decimals": pl.Int64,
        "amber_kind": pl.String,
        "amber_value": pl.Float64,
        "stretch": pl.Float64,
        "no_change": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def target_frame(definitions: Definitions) -> pl.DataFrame:
    """Target steps: indicator, from month index (0 = from the start), target, low, high."""
    import polars as pl

    rows = []
    for indicator in definitions.indicators:
        for t in indicator.targets:
            start = 0 if t.from_month is None else t.from_month.year * 12 + t.from_month.month - 1
            rows.append((indicator.id, start, t.value, t.low, t.high))
    schema = {
        "indicator": pl.String,
        "from_mi": pl.Int32,
        "target": pl.Float64,
        "target_low": pl.Float64,
        "target_high": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row").sort("from_mi")


def latest_month(observations: pl.DataFrame, authority: str | None = None) -> date | None:
    """The last month with any figure (present) for the authority."""
    import polars as pl

    frame = observations.filter(pl.col("status") == "present")
    if authority is not None:
        frame = frame.filter(pl.col("authority") == authority)
    return frame.get_column("month").max() if frame.height else None  # type: ignore[return-value]


def compute_results(
    observations: pl.DataFrame,
    definitions: Definitions,
    *,
    months: Sequence[date] | None = None,
    authority: str | None = None,
    spc_overrides: dict | None = None,
    population: pl.DataFrame | None = None,
    benchmarks: pl.DataFrame | None = None,
    neighbours: dict[str, list[str]] | None = None,
) -> pl.DataFrame:
    """Results for every defined indicator in each of ``months`` (default: every month the
    observations cover), for ``authority`` (default: every authority present).

    An indicator with nothing stored for a month gets a row with status ``missing`` and RAG
    ``no data``. Rows are in definition order, then month. SPC runs on each series up to
    the last month asked for (never on later data); ``spc_overrides`` (e.g.
    ``{"screen": True}``) apply to every indicator's SPC options for this run.
    """
    import polars as pl

    full = observations.select("authority", "indicator", "month", "value", "status")
    if authority is not None:
        full = full.filter(pl.col("authority") == authority)
    wanted = (
        pl.DataFrame({"month": list(months)}, schema={"month": pl.Date})
        if months is not None
        else full.select("month").unique()
    )
    until = wanted.get_column("month").max()
    spc_on = (spc_overrides or {}).get("enabled") is not False
    if months is not None and until is not None:
        # Only the months the figures, comparisons and formulas reach back to; SPC (below)
        # reads the whole series.
        earliest = wanted.get_column("month").min()
        window = max([w for i in definitions.indicators for w in _windows(i)] or [1])
        start = add_months(earliest, -(12 + window + 1))  # type: ignore[arg-type]
        in_window = full.filter(pl.col("month").is_between(start, until))
    else:
        in_window = full
    obs = with_derived(in_window, definitions, population).with_columns(_month_index())
    authorities = (
        pl.DataFrame({"authority": [authority]}, schema={"authority": pl.String})
        if authority is not None
        else obs.select("authority").unique()
    )
    indicators = indicator_frame(definitions)
    grid = (
        authorities.join(wanted, how="cross")
        .join(indicators.select("indicator"), how="cross")
        .with_columns(_month_index())
    )

    def shifted(by: int, name: str) -> pl.DataFrame:
        return obs.select(
            "authority", "indicator", (pl.col("mi") + by).alias("mi"), pl.col("value").alias(name)
        )

    key = ["authority", "indicator", "mi"]
    frame = (
        grid.join(obs.drop("month"), on=key, how="left")
        .join(shifted(1, "previous_value"), on=key, how="left")
        .join(shifted(12, "value_year_ago"), on=key, how="left")
        .join(shifted(2, "_v2"), on=key, how="left")
        .join(shifted(3, "_v3"), on=key, how="left")
        .with_columns(  # all three months needed
            ((pl.col("previous_value") + pl.col("_v2") + pl.col("_v3")) / 3).alias(
                "mean_previous_3"
            )
        )
        .drop("_v2", "_v3")
        .join(indicators, on="indicator", how="left")
        .with_columns(pl.col("status").fill_null("missing"), pl.col("derived").fill_null(False))
        .sort("mi")
        .join_asof(
            target_frame(definitions),
            left_on="mi",
            right_on="from_mi",
            by="indicator",
            check_sortedness=False,
        )
    )
    if spc_on and in_window is not full:
        series = with_derived(full, definitions, population).with_columns(_month_index())
    else:
        series = obs
    spc = spc_frame(series, definitions, until, spc_overrides or {}, wanted=grid)
    frame = frame.join(spc, on=key, how="left")
    frame = frame.with_columns(
        rag_expr(),
        assurance_expr().alias("spc_assurance"),
        (pl.col("value") - pl.col("previous_value")).alias("change_previous"),
        change_pct_expr("previous_value").alias("change_previous_pct"),
        direction_expr("previous_value").alias("direction_previous"),
        (pl.col("value") - pl.col("value_year_ago")).alias("change_year_ago"),
        change_pct_expr("value_year_ago").alias("change_year_ago_pct"),
        direction_expr("value_year_ago").alias("direction_year_ago"),
        direction_expr("mean_previous_3").alias("direction_previous_3"),
    )
    frame = add_benchmarks(
        frame,
        benchmarks,
        neighbours or {},
        method=definitions.benchmarks.get("average", "mean"),
    )
    frame = frame.with_columns(*ranking_exprs())
    return frame.sort("authority", "order", "mi").select(RESULT_COLUMNS)


def ranking_exprs() -> list[pl.Expr]:
    """Rank and quartile band among the authorities in the frame, per indicator and month
    (null when only one authority has a value, or for polarity none/range)."""
    import polars as pl

    group = ["indicator", "month"]
    ranked = pl.col("value").is_not_null() & pl.col("polarity").is_in(["higher", "lower"])
    score = pl.when(ranked).then(
        pl.when(pl.col("polarity") == "higher").then(-pl.col("value")).otherwise(pl.col("value"))
    )
    count = ranked.sum().over(group)
    rank = score.rank("min").over(group)
    usable = ranked & (count > 1)
    band = ((rank - 1) * 4 // count).clip(0, 3)
    return [
        pl.when(usable).then(rank).otherwise(None).cast(pl.Int64).alias("authority_rank"),
        pl.when(usable).then(count).otherwise(None).cast(pl.Int64).alias("authorities_ranked"),
        pl.when(usable)
        .then(band.cast(pl.Int64).replace_strict({0: "A", 1: "B", 2: "C", 3: "D"}))
        .otherwise(None)
        .alias("authority_band"),
    ]


def spc_frame(
    observations: pl.DataFrame,
    definitions: Definitions,
    until: date | None,
    overrides: dict,
    wanted: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """SPC per (authority, indicator, month index) for every month up to ``until`` (only the
    rows of ``wanted``, a frame with authority, indicator and mi, when given)."""
    import polars as pl

    schema = {
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
    rows: list[tuple] = []
    if until is None:
        return pl.DataFrame(schema=schema)
    if overrides.get("enabled") is False:  # SPC turned off for this run: empty columns
        return (
            observations.filter(pl.col("month") <= until)
            .select("authority", "indicator", pl.col("mi").cast(pl.Int32))
            .with_columns(
                *[pl.lit(None, dtype=schema[c]).alias(c) for c in list(schema)[3:-1]],
                pl.lit("SPC turned off for this run").alias("spc_note"),
            )
        )
    from csc_perf.methods.spc_frame import xmr_frame

    by_id = {i.id: i for i in definitions.indicators}
    options = {i.id: i.spc.merged(**overrides) for i in definitions.indicators}
    rolling = {i.id for i in definitions.indicators if i.unit == "rate" and i.measure == "flow"}
    disabled = {k for k, o in options.items() if not o.enabled}
    simple = [
        k
        for k, o in options.items()
        if k not in rolling | disabled
        and o.baseline_points is None
        and not o.recalculate_from
        and not o.exclude
    ]
    upto = observations.filter(pl.col("month") <= until)
    params = pl.DataFrame(
        {
            "indicator": simple,
            "polarity": [by_id[k].polarity for k in simple],
            "min_points": [options[k].min_points for k in simple],
            "shift_run": [options[k].shift_run for k in simple],
            "trend_run": [options[k].trend_run for k in simple],
            "screen": [options[k].screen for k in simple],
            "conflict": [options[k].conflict for k in simple],
        },
        schema={
            "indicator": pl.String,
            "polarity": pl.String,
            "min_points": pl.Int64,
            "shift_run": pl.Int64,
            "trend_run": pl.Int64,
            "screen": pl.Boolean,
            "conflict": pl.String,
        },
    )
    fast = xmr_frame(
        upto.filter(pl.col("indicator").is_in(simple)).select(
            "authority", "indicator", pl.col("mi").cast(pl.Int32), "value"
        ),
        params,
        wanted=None
        if wanted is None
        else wanted.select("authority", "indicator", pl.col("mi").cast(pl.Int32)),
    )
    series = (
        upto.filter(pl.col("indicator").is_in(list(set(by_id) - set(simple))))
        .sort("month")
        .group_by("authority", "indicator", maintain_order=True)
        .agg("month", "value", "mi")
    )
    keep: dict[tuple[str, str], set[int]] | None = None
    if wanted is not None:
        keep = {}
        for authority, indicator_id, mi in wanted.select(
            "authority", "indicator", "mi"
        ).iter_rows():
            keep.setdefault((authority, indicator_id), set()).add(mi)
    for authority, indicator_id, months, values, indexes in series.iter_rows():
        indicator = by_id[indicator_id]
        options: SpcOptions = indicator.spc.merged(**overrides)
        emit = None if keep is None else keep.get((authority, indicator_id), set())
        if indicator.unit == "rate" and indicator.measure == "flow":
            # A rolling 12-month rate is autocorrelated: SPC belongs on the monthly counts.
            note = "rolling 12-month figure: SPC runs on monthly values only"
            rows += [
                (authority, indicator_id, mi, *([None] * 5), note)
                for mi in indexes
                if emit is None or mi in emit
            ]
            continue
        result = xmr(months, values, polarity=indicator.polarity, options=options)
        for mi, point in zip(indexes, result.points, strict=True):
            if emit is not None and mi not in emit:
                continue
            rows.append(
                (
                    authority,
                    indicator_id,
                    mi,
                    point.mean,
                    point.lower,
                    point.upper,
                    ";".join(point.rules) if point.mean is not None else None,
                    point.variation,
                    None
                    if point.mean is not None
                    else ("excluded from SPC" if point.excluded else result.note or None),
                )
            )
    slow = pl.DataFrame(rows, schema=schema, orient="row")
    return pl.concat([fast.select(pl.col(c).cast(t) for c, t in schema.items()), slow])


def assurance_expr() -> pl.Expr:
    """pass / fail / hit_or_miss: where the target sits against the process limits."""
    import polars as pl

    target, lower, upper = pl.col("target"), pl.col("spc_lower"), pl.col("spc_upper")
    higher = pl.col("polarity") == "higher"
    lower_better = pl.col("polarity") == "lower"
    return (
        pl.when(target.is_null() | lower.is_null() | ~(higher | lower_better))
        .then(None)
        .when(higher & (target <= lower))
        .then(pl.lit("pass"))
        .when(higher & (target >= upper))
        .then(pl.lit("fail"))
        .when(lower_better & (target >= upper))
        .then(pl.lit("pass"))
        .when(lower_better & (target <= lower))
        .then(pl.lit("fail"))
        .otherwise(pl.lit("hit_or_miss"))
    )


def _windows(indicator) -> list[int]:
    """Window lengths (months) of an indicator's formula functions."""
    from csc_perf.definitions.formulas import Binary, Call, Number, Unary

    out: list[int] = []

    def walk(node) -> None:
        if isinstance(node, Call):
            for arg in node.args:
                if isinstance(arg, Number):
                    out.append(int(arg.value))
                walk(arg)
        elif isinstance(node, Binary):
            walk(node.left)
            walk(node.right)
        elif isinstance(node, Unary):
            walk(node.operand)

    if indicator.formula:
        walk(indicator.formula_node)
    return out


def with_derived(
    observations: pl.DataFrame, definitions: Definitions, population: pl.DataFrame | None
) -> pl.DataFrame:
    """Observations plus derived values where the extracts gave none (column ``derived``)."""
    import polars as pl

    from csc_perf.methods.derived import derive, population_frame

    obs = observations.with_columns(pl.lit(False).alias("derived"))
    if not any(i.formula for i in definitions.indicators):
        return obs
    computed = derive(obs, definitions, population_frame(definitions, population))
    given = obs.filter(pl.col("status") != "missing")
    fills = computed.join(given, on=["authority", "indicator", "month"], how="anti").select(
        "authority",
        "indicator",
        "month",
        "value",
        pl.lit("present").alias("status"),
        pl.lit(True).alias("derived"),
    )
    kept = obs.join(fills, on=["authority", "indicator", "month"], how="anti")
    return pl.concat([kept, fills])
