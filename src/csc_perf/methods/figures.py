"""A month's figures per theme, with the previous month and the same month a year ago.

Pure: an observations frame and definitions in, a frame out. This is the simplest view of a
month; RAG and direction of travel build on the same shape.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ..definitions import Definitions, Indicator
from ..months import add_months

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl


def definitions_frame(definitions: Definitions) -> pl.DataFrame:
    """One row per (theme, indicator) in report order: the rows of the report's tables."""
    import polars as pl

    rows = []
    for order, indicator in enumerate(definitions.indicators):
        for theme in indicator.themes:
            rows.append(
                {
                    "theme": theme,
                    "theme_name": definitions.theme(theme).name,
                    "indicator": indicator.id,
                    "name": indicator.name,
                    "unit": indicator.unit,
                    "polarity": indicator.polarity,
                    "decimals": indicator.decimals,
                    "order": order,
                }
            )
    theme_order = {t.id: i for i, t in enumerate(definitions.themes)}
    frame = pl.DataFrame(
        rows,
        schema={
            "theme": pl.String,
            "theme_name": pl.String,
            "indicator": pl.String,
            "name": pl.String,
            "unit": pl.String,
            "polarity": pl.String,
            "decimals": pl.Int64,
            "order": pl.Int64,
        },
    )
    return (
        frame.with_columns(
            pl.col("theme").replace_strict(theme_order, return_dtype=pl.Int64).alias("theme_order")
        )
        .sort("theme_order", "order")
        .drop("theme_order", "order")
    )


def month_figures(
    observations: pl.DataFrame, definitions: Definitions, month: date, authority: str
) -> pl.DataFrame:
    """Per theme and indicator: the value in ``month``, the previous month, a year before,
    and the target in force. Columns: ``theme, theme_name, indicator, name, unit, polarity,
    decimals, month, value, status, previous_value, value_year_ago, target``."""
    import polars as pl

    obs = observations.filter(pl.col("authority") == authority)

    def value_at(when: date, name: str) -> pl.DataFrame:
        return obs.filter(pl.col("month") == when).select(
            "indicator", pl.col("value").alias(name), pl.col("status").alias(f"{name}_status")
        )

    base = definitions_frame(definitions)
    targets = pl.DataFrame(
        {
            "indicator": [i.id for i in definitions.indicators],
            "target": [_target(i, month) for i in definitions.indicators],
        },
        schema={"indicator": pl.String, "target": pl.Float64},
    )
    return (
        base.join(value_at(month, "value"), on="indicator", how="left")
        .join(value_at(add_months(month, -1), "previous_value"), on="indicator", how="left")
        .join(value_at(add_months(month, -12), "value_year_ago"), on="indicator", how="left")
        .join(targets, on="indicator", how="left")
        .select(
            "theme",
            "theme_name",
            "indicator",
            "name",
            "unit",
            "polarity",
            "decimals",
            pl.lit(month).alias("month"),
            "value",
            pl.col("value_status").fill_null("no data").alias("status"),
            "previous_value",
            "value_year_ago",
            "target",
        )
    )


def _target(indicator: Indicator, month: date) -> float | None:
    target = indicator.target_for(month)
    return None if target is None else target.value
