"""Terminal view of a month's figures: one Rich table per theme, in report order."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl
    from rich.console import Group

    from ..definitions import Definitions


def format_value(value: float | None, unit: str, decimals: int, status: str | None = None) -> str:
    """A figure as the report prints it: ``87%``, ``4,266``, ``14.24``; ``c`` if suppressed."""
    if status == "suppressed":
        return "c"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = f"{value:,.{decimals}f}"
    return f"{text}%" if unit == "percent" else text


def figures_tables(frame: pl.DataFrame, definitions: Definitions) -> Group:
    from rich.console import Group
    from rich.table import Table

    from ..months import add_months, report_label

    tables = []
    month = frame.get_column("month")[0] if frame.height else None
    for theme in definitions.themes:
        rows = frame.filter(frame.get_column("theme") == theme.id)
        if rows.height == 0 or month is None:
            continue
        table = Table(title=theme.name, title_justify="left", header_style="bold")
        table.add_column("Indicator", overflow="fold", ratio=4)
        for label in (
            report_label(add_months(month, -12)),
            report_label(add_months(month, -1)),
            report_label(month),
            "Target",
        ):
            table.add_column(label, justify="right", no_wrap=True)
        for row in rows.iter_rows(named=True):
            unit, decimals = row["unit"], row["decimals"]
            table.add_row(
                row["name"],
                format_value(row["value_year_ago"], unit, decimals),
                format_value(row["previous_value"], unit, decimals),
                format_value(row["value"], unit, decimals, row["status"]),
                format_value(row["target"], unit, 1 if (row["target"] or 0) % 1 else 0),
            )
        tables.append(table)
    return Group(*tables)
