"""Derived indicators: values computed by formula from other indicators and the population.

Pure: observations, definitions and a population frame in; derived observations out.
Months are calendar months (a missing month is a gap, never a zero), so a 12-month rolling
sum exists only where the 12 months before it all have a value.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from csc_perf.definitions.formulas import POPULATION, references, to_expr
from csc_perf.definitions.model import Definitions

POPULATION_SCHEMA = {"authority": "String", "year": "Int32", "population": "Float64"}


def financial_year(month: date) -> int:
    """The starting year of the month's financial year: April 2024 - March 2025 is 2024."""
    return month.year if month.month >= 4 else month.year - 1


def population_frame(definitions: Definitions, stored: pl.DataFrame | None = None) -> pl.DataFrame:
    """Population by authority and estimate year: imported estimates, then those written in
    indicators.toml for the workspace's authority (which win)."""
    schema = {k: getattr(pl, v) for k, v in POPULATION_SCHEMA.items()}
    rows = [
        (definitions.workspace.authority, year, value)
        for year, value in definitions.population.estimates
    ]
    own = pl.DataFrame(rows, schema=schema, orient="row")
    if stored is None or stored.height == 0:
        return own
    stored = stored.select(pl.col(k).cast(v) for k, v in schema.items())
    return pl.concat([stored.join(own, on=["authority", "year"], how="anti"), own])


def derivation_order(definitions: Definitions) -> list[str]:
    """Derived indicator ids, each after the derived indicators it uses."""
    graph = {
        i.id: references(i.formula_node) for i in definitions.indicators if i.formula is not None
    }
    order: list[str] = []
    remaining = dict(graph)
    while remaining:
        ready = [k for k, deps in remaining.items() if not (deps & set(remaining))]
        if not ready:  # cycles are refused when the definitions are loaded
            raise ValueError("cycle in formulas")
        for key in sorted(ready):
            order.append(key)
            del remaining[key]
    return order


def derive(
    observations: pl.DataFrame,
    definitions: Definitions,
    population: pl.DataFrame,
) -> pl.DataFrame:
    """Compute every derived indicator for every authority and month it can be computed.

    Returns ``authority, indicator, month, value`` (present values only). A formula may use
    another derived indicator: its computed value, or its supplied one where it cannot be
    computed.
    """
    out_schema = {
        "authority": pl.String,
        "indicator": pl.String,
        "month": pl.Date,
        "value": pl.Float64,
    }
    order = derivation_order(definitions)
    if not order or observations.height == 0:
        return pl.DataFrame(schema=out_schema)
    needed = set()
    for indicator_id in order:
        needed |= references(definitions[indicator_id].formula_node)
    needed = (needed | set(order)) - {POPULATION}
    present = observations.filter(
        (pl.col("status") == "present") & pl.col("indicator").is_in(list(needed))
    ).select("authority", "indicator", "month", "value")
    if present.height == 0:
        return pl.DataFrame(schema=out_schema)
    span = present.group_by("authority").agg(
        pl.col("month").min().alias("first"), pl.col("month").max().alias("last")
    )
    grid = span.select(
        "authority", pl.date_ranges("first", "last", interval="1mo").alias("month")
    ).explode("month")
    wide = present.pivot(on="indicator", index=["authority", "month"], values="value")
    frame = grid.join(wide, on=["authority", "month"], how="left")
    missing = [c for c in needed if c not in frame.columns]
    frame = frame.with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in missing)
    frame = frame.with_columns(
        pl.when(pl.col("month").dt.month() >= 4)
        .then(pl.col("month").dt.year())
        .otherwise(pl.col("month").dt.year() - 1)
        .cast(pl.Int32)
        .alias("financial_year")
    )
    rule = definitions.population
    estimate_year = (
        pl.lit(rule.year, dtype=pl.Int32)
        if rule.year is not None
        else (pl.col("financial_year") - rule.year_lag).cast(pl.Int32)
    )
    frame = (
        frame.with_columns(estimate_year.alias("year"))
        .join(population, on=["authority", "year"], how="left")
        .sort("authority", "month")
    )
    for indicator_id in order:
        computed = to_expr(definitions[indicator_id].formula_node)
        computed = pl.when(computed.is_finite()).then(computed).otherwise(None)
        frame = frame.with_columns(computed.alias(f"__derived_{indicator_id}")).with_columns(
            pl.coalesce(f"__derived_{indicator_id}", indicator_id).alias(indicator_id)
        )
    long = frame.unpivot(
        on=[f"__derived_{i}" for i in order],
        index=["authority", "month"],
        variable_name="indicator",
        value_name="value",
    ).with_columns(pl.col("indicator").str.strip_prefix("__derived_"))
    return long.filter(pl.col("value").is_not_null()).select(*out_schema)
