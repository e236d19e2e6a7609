"""The HTML report's charts: a small SVG line chart per indicator (values, target, SPC mean
and limits) over the last 13 months, with a text description for screen readers."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from csc_perf.model.calendar import add_months, report_label
from csc_perf.render.results import RAG_COLOURS, format_target, format_value
from csc_perf.render.safety import html_escape as _e

# The table's run of 13 months. (Not back to the month two years before: a store often
# lacks the year between, and a chart that is mostly gap says less.)
CHART_MONTHS = 13


SERIES_COLUMNS = (
    "month",
    "value",
    "target",
    "target_low",
    "target_high",
    "spc_mean",
    "spc_lower",
    "spc_upper",
)


def series_by_indicator(results: pl.DataFrame, month: date) -> dict[str, list[dict[str, Any]]]:
    """Per indicator, one point per month of the chart's span (missing months as None)."""
    span = [add_months(month, k) for k in range(-(CHART_MONTHS - 1), 1)]
    found = results.filter(pl.col("month").is_in(span)).select("indicator", *SERIES_COLUMNS)
    by_month: dict[str, dict[date, dict[str, Any]]] = {}
    for row in found.iter_rows(named=True):
        by_month.setdefault(row["indicator"], {})[row["month"]] = row
    return {
        indicator: [points.get(m, {"month": m}) for m in span]
        for indicator, points in by_month.items()
    }


# Chart geometry (SVG user units; the SVG scales to its box).
WIDTH, HEIGHT = 320, 130
LEFT, RIGHT, TOP, BOTTOM = 46, 8, 8, 18


def chart_svg(points: list[dict[str, Any]], row: dict[str, Any], chart_id: str) -> str:
    """A small line chart of ``points`` (one per month, oldest first): the values, the target
    (dashed; two lines for a range), the SPC mean (thin) and process limits (dotted).

    ``row`` gives the indicator's name, unit, decimals and RAG (the last point's colour).
    """
    unit, decimals = row["unit"], row["decimals"]
    title_id, desc_id = f"{chart_id}-t", f"{chart_id}-d"
    values = [p.get("value") for p in points]
    present = [v for v in values if v is not None]
    lines = {key: [p.get(key) for p in points] for key in SERIES_COLUMNS[2:]}
    everything = present + [v for line in lines.values() for v in line if v is not None]
    description = _chart_description(points, row)
    head = (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{_e(title_id)} {_e(desc_id)}">'
        f'<title id="{_e(title_id)}">{_e(row["name"])}</title>'
        f'<desc id="{_e(desc_id)}">{_e(description)}</desc>'
    )
    if not present:
        return (
            head + f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" '
            'font-size="12" fill="#505a5f">no data</text></svg>'
        )
    low, high = min(everything), max(everything)
    # Breathing room above and below; a flat series gets a band around its level.
    pad = (high - low) * 0.06 if high != low else (abs(high) * 0.1 or 1.0)
    low, high = low - pad, high + pad
    n = len(points)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: float) -> float:
        return LEFT + (i * plot_w / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + (high - v) / (high - low) * plot_h

    out = [head]
    # Axes: the data's lowest and highest values as faint gridlines with labels.
    for v in sorted({min(present), max(present)}):
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            'stroke="#e5e6e7" stroke-width="1"/>'
            f'<text x="{LEFT - 4}" y="{y(v) + 3.5:.1f}" text-anchor="end" font-size="10" '
            f'fill="#505a5f">{_e(format_value(v, unit, decimals))}</text>'
        )
    out.append(
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" stroke="#b1b4b6"/>'
    )
    first, last = points[0]["month"], points[-1]["month"]
    out.append(
        f'<text x="{x(0):.1f}" y="{HEIGHT - 4}" font-size="10" fill="#505a5f">'
        f"{_e(report_label(first))}</text>"
        f'<text x="{x(n - 1):.1f}" y="{HEIGHT - 4}" text-anchor="end" font-size="10" '
        f'fill="#505a5f">{_e(report_label(last))}</text>'
    )
    styles = {
        "spc_lower": 'stroke="#505a5f" stroke-width="1.2" stroke-dasharray="1.5 2.5"',
        "spc_upper": 'stroke="#505a5f" stroke-width="1.2" stroke-dasharray="1.5 2.5"',
        "spc_mean": 'stroke="#505a5f" stroke-width="0.8"',
        "target": 'stroke="#b10e1e" stroke-width="1.5" stroke-dasharray="5 3"',
        "target_low": 'stroke="#b10e1e" stroke-width="1.5" stroke-dasharray="5 3"',
        "target_high": 'stroke="#b10e1e" stroke-width="1.5" stroke-dasharray="5 3"',
    }
    for key, style in styles.items():
        path = _step_path(lines[key], x, y)
        if path:
            out.append(f'<path class="{key.replace("_", "-")}" d="{path}" fill="none" {style}/>')
    path = _line_path(values, x, y)
    if path:
        out.append(
            f'<path class="series" d="{path}" fill="none" stroke="#1d70b8" stroke-width="2" '
            'stroke-linejoin="round"/>'
        )
    for i, v in enumerate(values):
        if v is not None:
            out.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="1.8" fill="#1d70b8"/>')
    if values[-1] is not None:
        fill = RAG_COLOURS.get(row.get("rag") or "", ("#1d70b8", ""))[0]
        out.append(
            f'<circle class="latest" cx="{x(n - 1):.1f}" cy="{y(values[-1]):.1f}" r="4" '
            f'fill="{fill}" stroke="#0b0c0c" stroke-width="1"/>'
        )
    out.append("</svg>")
    return "".join(out)


def _line_path(values: list[float | None], x, y) -> str:
    """Connected runs of values; a missing month breaks the line (never drawn as zero)."""
    parts, pen_down = [], False
    for i, v in enumerate(values):
        if v is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{x(i):.1f} {y(v):.1f}")
        pen_down = True
    return " ".join(parts)


def _step_path(values: list[float | None], x, y) -> str:
    """A level per month (a target or SPC line changes between months, not gradually)."""
    n = len(values)
    parts, start = [], 0
    while start < n:
        v = values[start]
        end = start
        while end + 1 < n and values[end + 1] == v:
            end += 1
        if v is not None:
            x0, x1 = x(max(start - 0.5, 0)), x(min(end + 0.5, n - 1))
            parts.append(f"M{x0:.1f} {y(v):.1f}H{x1:.1f}")
        start = end + 1
    return "".join(parts)


def _chart_description(points: list[dict[str, Any]], row: dict[str, Any]) -> str:
    unit, decimals = row["unit"], row["decimals"]
    if not points:
        return "No figures."
    span = f"{report_label(points[0]['month'])} to {report_label(points[-1]['month'])}"
    known = [p for p in points if p.get("value") is not None]
    if not known:
        return f"Monthly values {span}: no figures."
    latest = known[-1]
    text = (
        f"Monthly values {span}; latest {format_value(latest['value'], unit, decimals)} "
        f"({report_label(latest['month'])})"
    )
    target = format_target(row)
    if target:
        text += f"; target {target}"
    last = points[-1]
    if last.get("spc_lower") is not None and last.get("spc_upper") is not None:
        text += (
            f"; process limits {format_value(last['spc_lower'], unit, decimals)} to "
            f"{format_value(last['spc_upper'], unit, decimals)}"
        )
    return text + "."
