"""Benchmark rates the DfE publishes as counts: a ``benchmark = { formula = ... }`` computed
for every authority, region and England of an EES file, from its columns and the ONS
estimate of children aged 0-17.

``referral_count / population * 10000`` over the c1 file gives the rate of referrals per
10,000 for each geography and year. The population is each geography's own estimate, for
the year :func:`~csc_perf.methods.benchmarks.benchmark_estimate_year` picks (the indicator's
population rule, or ``[benchmarks] population_year_lag``). A suppressed input makes the rate
suppressed, a missing input or estimate makes it missing: never a zero. A rate is stored to
10 significant digits (:func:`~csc_perf.methods.benchmarks.computed_figure`).
"""

from __future__ import annotations

import polars as pl

from csc_perf.definitions.formulas import POPULATION, to_expr
from csc_perf.definitions.model import Definitions
from csc_perf.ingest.ees import (
    area_columns,
    benchmark_sources,
    cell_position,
    check_figures,
    check_readable,
    measure_values,
)
from csc_perf.methods.benchmarks import benchmark_estimate_year, computed_figure


def rates_from_counts(
    geo: pl.DataFrame,
    definitions: Definitions,
    population: pl.DataFrame | None,
    name: str,
    warnings: list[str] | None = None,
) -> list[pl.DataFrame]:
    """For each indicator whose ``benchmark`` formula's columns are all in ``geo`` (rows with
    ``_authority``, ``_level``... as :func:`~csc_perf.ingest.ees_geography.resolve_geography`
    gives them), its figures: ``authority, level, name, region_code, year, indicator, value,
    status`` and the cell position columns ``benchmarks_from_ees`` checks. ``population``:
    ``authority, year, population`` (None: no estimates, so every rate is missing, with a
    warning). Raises :class:`~csc_perf.errors.ExtractReadError` for a cell that is neither a
    figure nor a DfE symbol, or a figure beyond what csc-perf stores."""
    if population is None:
        population = pl.DataFrame(
            schema={"authority": pl.String, "year": pl.Int32, "population": pl.Float64}
        )
    estimates = population.select(
        pl.col("authority"), pl.col("year").cast(pl.Int32).alias("_estimate"), "population"
    )
    parts = []
    for indicator, source, rows in benchmark_sources(geo.columns, geo, definitions, "formula"):
        inputs = source.columns
        for column in inputs:
            value, _, unreadable = measure_values(column)
            cells = rows.select(
                value.alias("value"), unreadable.alias("_unreadable"), *cell_position(rows, column)
            )
            check_readable(cells, name, column)
            check_figures(cells, name, column)
        statuses = [measure_values(c)[1] for c in inputs]
        frame = rows.select(
            *area_columns(),
            *[measure_values(c)[0].alias(c) for c in inputs],
            pl.when(pl.any_horizontal([s == "suppressed" for s in statuses]))
            .then(pl.lit("suppressed"))
            .when(pl.any_horizontal([s == "missing" for s in statuses]))
            .then(pl.lit("missing"))
            .otherwise(pl.lit("present"))
            .alias("_inputs"),
            *cell_position(rows, inputs[0]),
        ).filter(pl.col("year").is_not_null())
        frame = frame.with_columns(
            benchmark_estimate_year(definitions, pl.col("year")).alias("_estimate")
        ).join(estimates, on=["authority", "_estimate"], how="left")
        node = source.formula_node
        assert node is not None
        rate = computed_figure(to_expr(node, annual=True))
        frame = frame.with_columns(pl.when(rate.is_finite()).then(rate).alias("_rate"))
        unknown = frame.filter((pl.col("_inputs") == "present") & pl.col(POPULATION).is_null())
        if warnings is not None and unknown.height:
            years = ", ".join(str(y) for y in unknown.get_column("_estimate").unique().sort())
            warnings.append(
                f"{name}: {indicator.id} ({source.formula}): no population estimate (mid-{years}) "
                f"for {unknown.height} of {frame.height} rows, stored as missing (`csc-perf "
                "population import` the ONS estimates before the DfE files)"
            )
        parts.append(
            frame.select(
                "authority",
                "level",
                "name",
                "region_code",
                "year",
                pl.lit(indicator.id).alias("indicator"),
                pl.when(pl.col("_inputs") == "present").then(pl.col("_rate")).alias("value"),
                pl.when(pl.col("_inputs") != "present")
                .then(pl.col("_inputs"))
                .when(pl.col("_rate").is_null())
                .then(pl.lit("missing"))
                .otherwise(pl.lit("present"))
                .alias("status"),
                pl.lit(False).alias("_unreadable"),
                "_row",
                "_cell",
                pl.lit(source.formula).alias("_column"),
            )
        )
    return parts
