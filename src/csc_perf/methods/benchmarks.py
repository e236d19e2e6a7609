"""Benchmarks: the authority's published figures, its statistical neighbours, its region and
England, for the latest financial year that had ended before the month, and the year before.

Pure: a results frame, the benchmarks table and the neighbour groupings in; the results with
benchmark columns out. The neighbour figure is the mean (or median) of the neighbours'
values; neighbours without a value (missing or suppressed) are left out, never counted as
zero, and ``sn_count`` says how many had one. The quartile band places the month's value
among every authority's figure for the benchmark year: A is the best quarter by polarity,
D the worst (as DfE's LAIT does). A count (``unit = "count"``) keeps its benchmark figures
but has no ``vs_region``, ``vs_england`` or ``quartile``: an authority's count is not better
or worse than a region's or England's total.
"""

from __future__ import annotations

import polars as pl

from csc_perf.definitions.model import Definitions
from csc_perf.model.calendar import financial_year_label
from csc_perf.model.results import BENCHMARK_COLUMNS


def benchmark_year_expr() -> pl.Expr:
    """The year ending 31 March of the latest financial year ended before the month:
    a month from April uses that year's March (Oct-24 -> 2024, i.e. 2023/24)."""
    return (
        pl.when(pl.col("month").dt.month() >= 4)
        .then(pl.col("month").dt.year())
        .otherwise(pl.col("month").dt.year() - 1)
        .cast(pl.Int32)
    )


def benchmark_estimate_year(definitions: Definitions, year: pl.Expr) -> pl.Expr:
    """The ONS estimate year (Int32) a benchmark rate computed from DfE counts divides by,
    for the ``year`` ending 31 March: the indicator's own [population] rule applied to that
    financial year (a fixed ``year``, else the year's start minus ``year_lag``), unless
    ``[benchmarks] population_year_lag`` gives the lag for benchmarks (0 is the DfE's own
    rule: the year ending March 2024 uses mid-2023)."""
    lag = definitions.benchmarks.get("population_year_lag")
    rule = definitions.population
    if lag is None and rule.year is not None:
        return pl.lit(rule.year, dtype=pl.Int32)
    return (year - 1 - (rule.year_lag if lag is None else lag)).cast(pl.Int32)


#: Significant digits a computed benchmark (a formula's result) is stored to: beyond any
#: figure's meaning, and short of float noise (14.690000000000001 is stored as 14.69).
COMPUTED_DIGITS = 10


def computed_figure(expr: pl.Expr) -> pl.Expr:
    """A benchmark computed from a formula, rounded to :data:`COMPUTED_DIGITS` significant
    digits for storing (a source's own figures are stored as the source gives them)."""
    return expr.round_sig_figs(COMPUTED_DIGITS)


def add_benchmarks(
    results: pl.DataFrame,
    benchmarks: pl.DataFrame | None,
    neighbours: dict[str, list[str]],
    method: str = "mean",
) -> pl.DataFrame:
    """``results`` with :data:`BENCHMARK_COLUMNS` (null where there is nothing to compare)."""
    year = benchmark_year_expr()
    frame = results.with_columns(year.alias("_year"), (year - 1).alias("_year_prev"))
    if benchmarks is None or benchmarks.height == 0:
        return frame.with_columns(
            pl.col("_year")
            .map_elements(financial_year_label, return_dtype=pl.String)
            .alias("benchmark_year"),
            (pl.col("_year") - 1)
            .map_elements(financial_year_label, return_dtype=pl.String)
            .alias("benchmark_year_previous"),
            *[
                pl.lit(None, dtype=pl.Int64 if c == "sn_count" else pl.Float64).alias(c)
                for c in BENCHMARK_COLUMNS[2:]
                if c not in ("sn_method", "vs_sn", "vs_region", "vs_england", "quartile")
            ],
            pl.lit(method).alias("sn_method"),
            *[
                pl.lit(None, dtype=pl.String).alias(c)
                for c in ("vs_sn", "vs_region", "vs_england", "quartile")
            ],
        ).drop("_year", "_year_prev")

    present = benchmarks.filter(pl.col("status") == "present")
    la = present.filter(pl.col("level") == "la")
    key = ["authority", "indicator", "year"]

    def lookup(table: pl.DataFrame, on: list[str], name: str) -> pl.DataFrame:
        return table.select(*on, pl.col("value").alias(name))

    # The authority's region, from its own benchmark rows.
    regions = la.select("authority", "region_code").drop_nulls().unique(subset=["authority"])
    region_values = present.filter(pl.col("level") == "region").select(
        pl.col("authority").alias("region_code"), "indicator", "year", "value"
    )
    england = present.filter(pl.col("level") == "national").select("indicator", "year", "value")

    pairs = pl.DataFrame(
        [(a, n) for a, ns in neighbours.items() for n in ns],
        schema={"authority": pl.String, "neighbour": pl.String},
        orient="row",
    )
    agg = pl.col("value").median() if method == "median" else pl.col("value").mean()
    sn = (
        pairs.join(
            la.select(pl.col("authority").alias("neighbour"), "indicator", "year", "value"),
            on="neighbour",
        )
        .group_by(key)
        .agg(agg.alias("sn"), pl.len().alias("sn_n"))
    )
    quartiles = la.group_by("indicator", "year").agg(
        pl.col("value").quantile(0.25, interpolation="linear").alias("_q1"),
        pl.col("value").quantile(0.5, interpolation="linear").alias("_q2"),
        pl.col("value").quantile(0.75, interpolation="linear").alias("_q3"),
    )

    def for_year(column: str, suffix: str) -> list[tuple[pl.DataFrame, list[str], list[str]]]:
        return [
            (lookup(la, key, f"la_value{suffix}"), ["authority", "indicator", column], key),
            (
                sn.rename({"sn": f"sn_value{suffix}", "sn_n": f"_sn_count{suffix}"}),
                ["authority", "indicator", column],
                key,
            ),
            (
                region_values.rename({"value": f"region_value{suffix}"}),
                ["region_code", "indicator", column],
                ["region_code", "indicator", "year"],
            ),
            (
                england.rename({"value": f"england_value{suffix}"}),
                ["indicator", column],
                ["indicator", "year"],
            ),
        ]

    frame = frame.join(regions, on="authority", how="left")
    for column, suffix in (("_year", ""), ("_year_prev", "_previous")):
        for table, left_on, right_on in for_year(column, suffix):
            frame = frame.join(table, left_on=left_on, right_on=right_on, how="left")
    frame = frame.join(
        quartiles, left_on=["indicator", "_year"], right_on=["indicator", "year"], how="left"
    )

    # A count is not compared with a region's or England's total, nor placed among
    # authorities of every size: only rates, percentages and averages are.
    count = pl.col("unit") == "count" if "unit" in frame.columns else pl.lit(False)

    def compare(benchmark: str, totals: bool = False) -> pl.Expr:
        diff = pl.col("value") - pl.col(benchmark)
        sign = pl.when(pl.col("polarity") == "lower").then(-1.0).otherwise(1.0)
        return (
            pl.when(
                pl.col("value").is_null()
                | pl.col(benchmark).is_null()
                | ~pl.col("polarity").is_in(["higher", "lower"])
                | (count.fill_null(False) & totals)
            )
            .then(None)
            .when(diff == 0)
            .then(pl.lit("same"))
            .when(sign * diff > 0)
            .then(pl.lit("better"))
            .otherwise(pl.lit("worse"))
        )

    value = pl.col("value")
    higher_band = (
        pl.when(value >= pl.col("_q3"))
        .then(pl.lit("A"))
        .when(value >= pl.col("_q2"))
        .then(pl.lit("B"))
        .when(value >= pl.col("_q1"))
        .then(pl.lit("C"))
        .otherwise(pl.lit("D"))
    )
    lower_band = (
        pl.when(value <= pl.col("_q1"))
        .then(pl.lit("A"))
        .when(value <= pl.col("_q2"))
        .then(pl.lit("B"))
        .when(value <= pl.col("_q3"))
        .then(pl.lit("C"))
        .otherwise(pl.lit("D"))
    )
    return frame.with_columns(
        pl.col("_year")
        .map_elements(financial_year_label, return_dtype=pl.String)
        .alias("benchmark_year"),
        pl.col("_year_prev")
        .map_elements(financial_year_label, return_dtype=pl.String)
        .alias("benchmark_year_previous"),
        pl.col("_sn_count").cast(pl.Int64).alias("sn_count"),
        pl.lit(method).alias("sn_method"),
        compare("sn_value").alias("vs_sn"),
        compare("region_value", totals=True).alias("vs_region"),
        compare("england_value", totals=True).alias("vs_england"),
        pl.when(value.is_null() | pl.col("_q1").is_null() | count.fill_null(False))
        .then(None)
        .when(pl.col("polarity") == "higher")
        .then(higher_band)
        .when(pl.col("polarity") == "lower")
        .then(lower_band)
        .otherwise(None)
        .alias("quartile"),
    ).drop(
        "_year", "_year_prev", "region_code", "_q1", "_q2", "_q3", "_sn_count", "_sn_count_previous"
    )
