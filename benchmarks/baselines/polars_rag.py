"""Baseline: csc-perf's RAG + direction of travel + 12-month rolling sum, by hand in Polars.

For one month, per authority and indicator: value, status, target, RAG, previous month's
value / change / % change / direction, the same month last year likewise, the 12-month
rolling sum of flow counts, derived rolling rates (``rolling_sum(source, 12) / population *
10000``) and the rank among authorities. The rules are the README's (see
``duckdb_rag.sql`` for the same in SQL). Polarity ``range``, stretch targets, target steps
and ``no_change`` thresholds are not handled: the synthetic definitions use none of them.

    python benchmarks/baselines/polars_rag.py OBS.parquet DEFS.csv DERIVED.csv \
        --month 2024-12 [-o OUT.csv]

OBS.parquet: ``csc-perf export --format parquet``; DEFS.csv: ``csc-perf indicators --format
csv``; DERIVED.csv: ``indicator,source,authority,population`` (benchmarks/generate.py).
"""

from __future__ import annotations

import argparse
import sys

import polars as pl

EPS = 1e-9


def month_index(text: str) -> int:
    year, month = text.split("-")[:2]
    return int(year) * 12 + int(month) - 1


def rag_expr() -> pl.Expr:
    value, target = pl.col("value"), pl.col("target")
    sign = pl.when(pl.col("polarity") == "lower").then(-1.0).otherwise(1.0)
    tol = pl.max_horizontal(pl.lit(1.0), target.abs()) * EPS
    gap = sign * (value - target)
    amount = pl.col("amber_value")
    amber = (
        pl.when(pl.col("amber_kind") == "absolute")
        .then(gap >= -amount - tol)
        .when(pl.col("amber_kind") == "relative")
        .then(gap >= -amount * target.abs() - tol)
        .when(pl.col("amber_kind") == "threshold")
        .then(sign * (value - amount) >= -tol)
        .otherwise(False)
    )
    return (
        pl.when(pl.col("status") != "present")
        .then(pl.lit("no data"))
        .when((pl.col("polarity") == "none") | target.is_null())
        .then(pl.lit("grey"))
        .when(gap >= -tol)
        .then(pl.lit("green"))
        .when(amber)
        .then(pl.lit("amber"))
        .otherwise(pl.lit("red"))
    )


def pct_expr(base: str) -> pl.Expr:
    b = pl.col(base)
    return (
        pl.when(b.is_null() | (b == 0)).then(None).otherwise((pl.col("value") - b) / b.abs() * 100)
    )


def direction_expr(base: str) -> pl.Expr:
    value, b = pl.col("value"), pl.col(base)
    size = pl.when(pl.col("unit") == "percent").then(value - b).otherwise(pct_expr(base))
    up = size > 0
    return (
        pl.when(value.is_null() | b.is_null() | size.is_null())
        .then(pl.lit("not comparable"))
        .when(size.abs() <= EPS)
        .then(pl.lit("no change"))
        .when(pl.col("polarity") == "none")
        .then(pl.when(up).then(pl.lit("increased")).otherwise(pl.lit("decreased")))
        .when((pl.col("polarity") == "higher") == up)
        .then(pl.lit("improving"))
        .otherwise(pl.lit("declining"))
    )


def compute(obs_path: str, defs_path: str, derived_path: str, month: str) -> pl.DataFrame:
    m = month_index(month)
    defs = pl.read_csv(defs_path, infer_schema_length=0).select(
        "unit",
        "measure",
        "polarity",
        indicator="id",
        target=pl.col("target").cast(pl.Float64),
        amber_kind=pl.col("amber").str.split(" ").list.get(0, null_on_oob=True),
        amber_value=pl.col("amber").str.split(" ").list.get(1, null_on_oob=True).cast(pl.Float64),
    )
    derived = pl.read_csv(derived_path, schema_overrides={"authority": pl.String})
    mi = (pl.col("month").dt.year().cast(pl.Int32) * 12 + pl.col("month").dt.month() - 1).alias(
        "mi"
    )
    scan = pl.scan_parquet(obs_path).select("authority", "indicator", "month", "value", "status")
    authorities = scan.select("authority").unique().collect()
    # 24 months: the rolling sums at the year-ago month reach back 23 months.
    obs = scan.with_columns(mi).filter(pl.col("mi").is_between(m - 23, m)).drop("month").collect()

    flows = defs.filter((pl.col("unit") == "count") & (pl.col("measure") == "flow"))
    rolled = set(flows.get_column("indicator")) | set(derived.get_column("source"))
    ends = [m, m - 1, m - 12]
    rolling = (
        obs.filter(pl.col("indicator").is_in(list(rolled)))
        .with_columns(pl.int_ranges(0, 12, dtype=pl.Int32).alias("k"))
        .explode("k")
        .with_columns((pl.col("mi") + pl.col("k")).alias("mi"))
        .filter(pl.col("mi").is_in(ends))
        .group_by("authority", "indicator", "mi")
        .agg(pl.col("value").sum().alias("rolling"), pl.col("value").count().alias("n"))
        .filter(pl.col("n") == 12)
        .drop("n")
    )
    rates = (
        rolling.join(derived, left_on=["indicator", "authority"], right_on=["source", "authority"])
        .select(
            "authority",
            pl.col("indicator_right").alias("indicator"),
            "mi",
            (pl.col("rolling") / pl.col("population") * 10000).alias("value"),
            pl.lit("present").alias("status"),
        )
        .filter(pl.col("value").is_finite())
    )
    columns = ["authority", "indicator", "mi", "value", "status"]
    values = pl.concat(
        [obs.filter(pl.col("mi").is_in(ends)).select(columns), rates.select(columns)],
        how="vertical_relaxed",
    )

    def at(offset: int, name: str) -> pl.DataFrame:
        return values.filter(pl.col("mi") == m - offset).select(
            "authority", "indicator", pl.col("value").alias(name)
        )

    key = ["authority", "indicator"]
    frame = (
        authorities.join(defs, how="cross")
        .join(values.filter(pl.col("mi") == m).drop("mi"), on=key, how="left")
        .join(at(1, "previous_value"), on=key, how="left")
        .join(at(12, "value_year_ago"), on=key, how="left")
        .join(
            rolling.filter(pl.col("mi") == m)
            .join(flows.select("indicator"), on="indicator")
            .select(*key, pl.col("rolling").alias("rolling_12")),
            on=key,
            how="left",
        )
        .with_columns(pl.col("status").fill_null("missing"))
    )
    ranked = pl.col("value").is_not_null() & pl.col("polarity").is_in(["higher", "lower"])
    score = pl.when(pl.col("polarity") == "higher").then(-pl.col("value")).otherwise("value")
    count = ranked.sum().over("indicator")
    rank = pl.when(ranked).then(score).rank("min").over("indicator")
    return frame.select(
        "authority",
        "indicator",
        pl.lit(month).alias("month"),
        "value",
        "status",
        "unit",
        "target",
        "polarity",
        rag_expr().alias("rag"),
        "previous_value",
        (pl.col("value") - pl.col("previous_value")).alias("change_previous"),
        pct_expr("previous_value").alias("change_previous_pct"),
        direction_expr("previous_value").alias("direction_previous"),
        "value_year_ago",
        (pl.col("value") - pl.col("value_year_ago")).alias("change_year_ago"),
        pct_expr("value_year_ago").alias("change_year_ago_pct"),
        direction_expr("value_year_ago").alias("direction_year_ago"),
        "rolling_12",
        pl.when(ranked & (count > 1)).then(rank).cast(pl.Int64).alias("authority_rank"),
    ).sort(key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("observations")
    parser.add_argument("definitions")
    parser.add_argument("derived")
    parser.add_argument("--month", required=True, help="YYYY-MM")
    parser.add_argument("-o", "--output", default="-")
    args = parser.parse_args()
    result = compute(args.observations, args.definitions, args.derived, args.month)
    result.write_csv(sys.stdout if args.output == "-" else args.output)


if __name__ == "__main__":
    main()
