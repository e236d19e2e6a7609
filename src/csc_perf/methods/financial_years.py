"""Financial years (April-March): each indicator aggregated by its measure.

* flow: the sum of the months;
* snapshot: March (or, for a year without March, its last month, marked partial);
* percentage and ratio: recomputed by the indicator's formula from its inputs' yearly
  figures where it has one (``cla_ifa / children_in_care * 100`` uses March's counts),
  otherwise the mean of the months;
* derived indicators are recomputed from their inputs' yearly figures, the window
  functions meaning the year's total (a rolling 12-month sum at March is the year's sum),
  with the population estimate of the year's rule.

A year is ``partial`` when a flow or mean has fewer than 12 months, a snapshot has no March,
or a derived figure uses a partial input. Pure: observations in, a frame out.
"""

from __future__ import annotations

import polars as pl

from csc_perf.definitions.formulas import POPULATION, references, to_expr
from csc_perf.definitions.model import Definitions
from csc_perf.methods.derived import derivation_order, population_frame
from csc_perf.model.calendar import financial_year_label

FY_COLUMNS = ("authority", "indicator", "financial_year", "label", "value", "months", "partial")


def financial_year_values(
    observations: pl.DataFrame,
    definitions: Definitions,
    population: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """``authority, indicator, financial_year`` (starting year: 2023 is 2023/24), ``label``,
    ``value``, ``months`` (months with a figure), ``partial``."""
    measures = {i.id: i.measure for i in definitions.indicators if i.formula is None}
    present = observations.filter(
        (pl.col("status") == "present") & pl.col("indicator").is_in(list(measures))
    ).with_columns(
        pl.when(pl.col("month").dt.month() >= 4)
        .then(pl.col("month").dt.year())
        .otherwise(pl.col("month").dt.year() - 1)
        .cast(pl.Int32)
        .alias("financial_year"),
        pl.col("indicator").replace_strict(measures, return_dtype=pl.String).alias("_measure"),
    )
    is_march = pl.col("month").dt.month() == 3
    base = (
        present.sort("month")
        .group_by("authority", "indicator", "financial_year")
        .agg(
            pl.col("_measure").first(),
            pl.col("value").sum().alias("_sum"),
            pl.col("value").mean().alias("_mean"),
            pl.col("value").last().alias("_last"),
            is_march.any().alias("_has_march"),
            pl.len().alias("months"),
        )
        .with_columns(
            pl.when(pl.col("_measure") == "flow")
            .then(pl.col("_sum"))
            .when(pl.col("_measure") == "snapshot")
            .then(pl.col("_last"))
            .otherwise(pl.col("_mean"))
            .alias("value"),
            pl.when(pl.col("_measure") == "snapshot")
            .then(~pl.col("_has_march"))
            .otherwise(pl.col("months") < 12)
            .alias("partial"),
        )
        .select("authority", "indicator", "financial_year", "value", "months", "partial")
    )
    derived = _derived_years(base, definitions, population)
    out = pl.concat([base, derived]) if derived is not None else base
    return out.with_columns(
        pl.col("financial_year")
        .map_elements(lambda y: financial_year_label(y + 1), return_dtype=pl.String)
        .alias("label")
    ).select(FY_COLUMNS)


def _derived_years(
    base: pl.DataFrame, definitions: Definitions, population: pl.DataFrame | None
) -> pl.DataFrame | None:
    order = derivation_order(definitions)
    if not order or base.height == 0:
        return None
    wide = base.pivot(on="indicator", index=["authority", "financial_year"], values="value")
    rule = definitions.population
    year = (
        pl.lit(rule.year, dtype=pl.Int32)
        if rule.year is not None
        else (pl.col("financial_year") - rule.year_lag).cast(pl.Int32)
    )
    frame = wide.with_columns(year.alias("year")).join(
        population_frame(definitions, population), on=["authority", "year"], how="left"
    )
    parts = []
    for indicator_id in order:
        node = definitions[indicator_id].formula_node
        inputs = sorted(references(node) - {POPULATION})
        missing = [n for n in inputs if n not in frame.columns]
        frame = frame.with_columns(pl.lit(None, dtype=pl.Float64).alias(n) for n in missing)
        computed = to_expr(node, annual=True)
        frame = frame.with_columns(
            pl.when(computed.is_finite()).then(computed).otherwise(None).alias(indicator_id)
        )
        flags = (
            base.filter(pl.col("indicator").is_in(inputs))
            .group_by("authority", "financial_year")
            .agg(
                (pl.col("partial").any() | (pl.len() < len(inputs))).alias("partial"),
                pl.col("months").min().alias("months"),
            )
        )
        parts.append(
            frame.select("authority", "financial_year", pl.col(indicator_id).alias("value"))
            .with_columns(pl.lit(indicator_id).alias("indicator"))
            .join(flags, on=["authority", "financial_year"], how="left")
            .filter(pl.col("value").is_not_null())
            .select(
                "authority",
                "indicator",
                "financial_year",
                "value",
                pl.col("months").cast(pl.UInt32),
                pl.col("partial").fill_null(True),
            )
        )
    return pl.concat(parts) if parts else None
