"""The results frame: per indicator and month, value, target, RAG and direction of travel.

Pure: observations and definitions in, a frame out. The columns and what they mean are
the contract in :mod:`csc_perf.model.results`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from csc_perf.definitions.formulas import Binary, Call, Number, Unary
from csc_perf.definitions.model import Definitions, Indicator
from csc_perf.methods.benchmarks import add_benchmarks
from csc_perf.methods.derived import derive, population_frame
from csc_perf.methods.direction import change_pct_expr, direction_expr
from csc_perf.methods.rag import rag_expr
from csc_perf.methods.spc import month_index
from csc_perf.methods.spc_results import assurance_expr, rolling_ids, spc_columns
from csc_perf.model.calendar import add_months

# the column contract lives in the model; also imported from here (tests, reports)
from csc_perf.model.results import RESULT_COLUMNS


def _month_index(column: str = "month") -> pl.Expr:
    return (pl.col(column).dt.year().cast(pl.Int32) * 12 + pl.col(column).dt.month() - 1).alias(
        "mi"
    )


def _with_month_index(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with ``mi`` (:func:`_month_index`), worked out once for each day from the
    first month to the last and looked up by the day's number: reading the year and the
    month of millions of dates costs several times more."""
    first, last = frame.select(pl.col("month").min(), pl.col("month").max().alias("last")).row(0)
    if first is None:
        return frame.with_columns(_month_index())
    days = pl.DataFrame({"month": pl.date_range(first, last, eager=True)})
    by_day = days.select(_month_index()).to_series()
    day = pl.col("month").to_physical()
    return frame.with_columns(pl.lit(by_day).gather(day - day.min()).alias("mi"))


def _spc_series(
    full: pl.DataFrame,
    window: pl.DataFrame,
    definitions: Definitions,
    population: pl.DataFrame | None,
) -> pl.DataFrame:
    """What SPC reads (``authority, indicator, month, mi, value``): every month of every
    series. A derived indicator with charts needs its whole history derived; one without
    (a rolling rate) only needs the months asked for, whose rows ``window`` (the derived
    observations of the months the results read, with ``mi``) has: then millions of rows
    are not derived again."""
    columns = ["authority", "indicator", "month", "mi", "value"]
    derived = [i.id for i in definitions.indicators if i.formula]
    if set(derived) - set(rolling_ids(definitions)):
        return _with_month_index(with_derived(full, definitions, population)).select(columns)
    of_derived = pl.col("indicator").is_in(derived)
    stored = full.filter(~of_derived) if full.select(of_derived.any()).item() else full
    return pl.concat(
        [_with_month_index(stored).select(columns), window.filter(of_derived).select(columns)]
    )


def indicator_frame(definitions: Definitions) -> pl.DataFrame:
    """Per indicator, what the methods need from its definition, in definition order."""
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
    rows = []
    for indicator in definitions.indicators:
        for t in indicator.targets:
            start = 0 if t.from_month is None else month_index(t.from_month)
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
    obs = _with_month_index(with_derived(in_window, definitions, population))
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

    # Each join reads only the months it can match (a month asked for, or the one a
    # comparison looks back to), not the whole window of every series.
    asked = grid.get_column("mi").unique().to_list()

    def shifted(by: int, name: str) -> pl.DataFrame:
        return obs.filter((pl.col("mi") + by).is_in(asked)).select(
            "authority", "indicator", (pl.col("mi") + by).alias("mi"), pl.col("value").alias(name)
        )

    key = ["authority", "indicator", "mi"]
    frame = (
        grid.join(obs.filter(pl.col("mi").is_in(asked)).drop("month"), on=key, how="left")
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
        series = _spc_series(full, obs, definitions, population)
    else:
        series = obs
    spc = spc_columns(series, definitions, until, spc_overrides or {}, wanted=grid)
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


def _windows(indicator: Indicator) -> list[int]:
    """Window lengths (months) of an indicator's formula functions."""
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
    obs = observations.with_columns(pl.lit(False).alias("derived"))
    if not any(i.formula for i in definitions.indicators):
        return obs
    computed = derive(obs, definitions, population_frame(definitions, population))
    key = ["authority", "indicator", "month"]
    # Only the rows of derived indicators can meet a computed figure: the anti-joins look
    # at those (few) rather than hashing millions of stored rows.
    derived_ids = [i.id for i in definitions.indicators if i.formula]
    of_derived = obs.select(*key, "status").with_row_index("_row")
    of_derived = of_derived.filter(pl.col("indicator").is_in(derived_ids))
    given = of_derived.filter(pl.col("status") != "missing")
    fills = computed.join(given, on=key, how="anti").select(
        "authority",
        "indicator",
        "month",
        "value",
        pl.lit("present").alias("status"),
        pl.lit(True).alias("derived"),
    )
    replaced = of_derived.join(fills, on=key, how="semi").get_column("_row")
    if replaced.len() == 0:
        return pl.concat([obs, fills])
    dropped = pl.repeat(False, obs.height, eager=True).scatter(replaced, True)
    return pl.concat([obs.filter(~dropped), fills])
