"""The Making Data Count XmR chart of one indicator as a hand-written SVG document, for
slides and board packs (``csc-perf chart``; PNG from it through :mod:`.raster`).

It draws what the chart frame holds (:class:`~csc_perf.app.charts.Chart`) and computes
nothing: the monthly values as a line with points (a missing month breaks the line), each
point coloured by its variation in Making Data Count's colours (:mod:`.mdc`: grey common
cause, blue improvement, orange concern, purple neither; an excluded month hollow), the
phase's mean (solid), process limits (dashed) and 2-sigma lines (faint), stepping at a
recalculation, the target (red), the end of a fixed baseline, a legend and the note of an
indicator without limits. Every text from data is escaped (and made valid XML).
"""

from __future__ import annotations

import math
import textwrap
from datetime import date
from typing import Any, Protocol

import polars as pl

from csc_perf.model.vocabulary import VARIATION_WORDS
from csc_perf.render import mdc
from csc_perf.render.chart_scale import (
    BOTTOM,
    HEIGHT,
    LEFT,
    RIGHT,
    WIDTH,
    Plot,
    month_tick,
    nice_ticks,
    svg_text,
)
from csc_perf.render.results import format_target, format_value

FONT = "Arial, 'Liberation Sans', Helvetica, 'DejaVu Sans', sans-serif"
INK, MUTED, GRID, SERIES = "#231f20", "#505a5f", "#e5e6e7", "#a6a6a6"
LINE_STYLES = {
    "sigma": f'stroke="{mdc.COMMON_CAUSE}" stroke-width="1" stroke-dasharray="2 4" '
    'stroke-opacity="0.6"',
    "limit": f'stroke="{mdc.COMMON_CAUSE}" stroke-width="1.6" stroke-dasharray="7 4"',
    "mean": f'stroke="{INK}" stroke-width="1.8"',
    "target": f'stroke="{mdc.TARGET}" stroke-width="2" stroke-dasharray="10 5"',
}
#: The horizontal lines (frame columns) in drawing order, and how each is drawn.
LEVELS = {
    "sigma2_lower": "sigma",
    "sigma2_upper": "sigma",
    "spc_lower": "limit",
    "spc_upper": "limit",
    "spc_mean": "mean",
    "target": "target",
    "target_low": "target",
    "target_high": "target",
}
#: Point kinds by ``spc_variation``, and their legend words.
POINT_KINDS = {
    "common_cause": "common-cause",
    "improvement_high": "improvement",
    "improvement_low": "improvement",
    "concern_high": "concern",
    "concern_low": "concern",
    "neither_high": "neither",
    "neither_low": "neither",
}
POINT_LEGEND = {
    "common-cause": ("Common cause", mdc.COMMON_CAUSE),
    "improvement": ("Improvement", mdc.IMPROVEMENT),
    "concern": ("Concern", mdc.CONCERN),
    "neither": ("Special cause (neither)", mdc.NEITHER),
    "no-limits": ("No limits", mdc.COMMON_CAUSE),
    "excluded": ("Excluded from SPC", "#ffffff"),
}
AXIS_TITLES = {"count": "Number", "percent": "Per cent (%)", "rate": "Rate", "average": "Average"}


class ChartData(Protocol):
    """What the renderer reads of a chart (:class:`~csc_perf.app.charts.Chart`)."""

    indicator: str
    name: str
    unit: str
    decimals: int
    authority: str
    authority_name: str
    month: date
    frame: pl.DataFrame
    note: str | None


def chart_svg(chart: ChartData, *, sigma_lines: bool = True) -> str:
    """The chart as one SVG document (960 x 540 user units). ``sigma_lines`` draws the
    2-sigma lines (faint). Raises nothing of its own."""
    rows = chart.frame.to_dicts()
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONT}" role="img" '
        'aria-labelledby="chart-title chart-desc">',
        f'<title id="chart-title">{svg_text(chart.name)}</title>',
        f'<desc id="chart-desc">{svg_text(_description(chart, rows))}</desc>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    top = _heading(chart, rows, out)
    levels = _levels(rows, sigma_lines)
    values = [r["value"] for r in rows if r["value"] is not None]
    everything = values + [v for line in levels.values() for v in line if v is not None]
    if not values:
        out.append(
            f'<text class="empty" x="{(LEFT + RIGHT) / 2}" y="{(top + BOTTOM) / 2}" '
            f'text-anchor="middle" font-size="16" fill="{MUTED}">No figures up to '
            f"{svg_text(month_tick(chart.month))}</text>"
        )
    else:
        ticks, decimals = nice_ticks(min(everything), max(everything), whole=chart.unit == "count")
        plot = Plot(len(rows), ticks[0], ticks[-1], top)
        _y_axis(out, plot, ticks, decimals, chart.unit)
        _x_axis(out, plot, [r["month"] for r in rows])
        _dividers(out, plot, rows)
        for key, line in levels.items():
            _level_path(out, plot, rows, line, LEVELS[key], key)
        _series(out, plot, rows, chart)
    _legend(out, chart, rows, levels)
    out.append("</svg>")
    return "\n".join(out)


def _heading(chart: ChartData, rows: list[dict[str, Any]], out: list[str]) -> float:
    """Title (the indicator's name, wrapped to two lines) and subtitle; returns the plot's
    top edge."""
    lines = textwrap.wrap(chart.name, width=84) or [""]
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), width=83, placeholder=" …")]
    y = 34.0
    for line in lines:
        out.append(
            f'<text class="title" x="{LEFT - 60}" y="{y}" font-size="20" font-weight="bold" '
            f'fill="{INK}">{svg_text(line)}</text>'
        )
        y += 25
    who = f"{chart.authority_name} ({chart.authority})" if chart.authority_name else chart.authority
    span = (
        f"{month_tick(rows[0]['month'])} to {month_tick(rows[-1]['month'])}"
        if rows
        else f"up to {month_tick(chart.month)}"
    )
    out.append(
        f'<text class="subtitle" x="{LEFT - 60}" y="{y - 4}" font-size="14" fill="{MUTED}">'
        f"{svg_text(who)} · {svg_text(span)} · monthly, XmR chart</text>"
    )
    return y + 26


def _levels(rows: list[dict[str, Any]], sigma_lines: bool) -> dict[str, list[Any]]:
    """The horizontal lines by column, in drawing order, one level per month (None: not
    drawn there)."""
    return {
        key: [r.get(key) for r in rows]
        for key, kind in LEVELS.items()
        if sigma_lines or kind != "sigma"
    }


def _runs(
    rows: list[dict[str, Any]], levels: list[Any], by_phase: bool
) -> list[tuple[int, int, float]]:
    """Runs of months with the same level (and, ``by_phase``, in the same phase: SPC lines
    step at a recalculation even to the same level): (first, last, level)."""
    runs: list[tuple[int, int, float]] = []
    for i, level in enumerate(levels):
        if level is None:
            continue
        joins = runs and runs[-1][1] == i - 1 and runs[-1][2] == level
        if joins and (not by_phase or rows[i]["phase"] == rows[i - 1]["phase"]):
            runs[-1] = (runs[-1][0], i, level)
            continue
        runs.append((i, i, level))
    return runs


def _level_path(out, plot: Plot, rows, levels, kind: str, key: str) -> None:
    """A line at each run's level across its months (half a month either side)."""
    half = plot.step / 2
    parts = [
        f"M{plot.x(a) - half:.2f} {plot.y(v):.2f}H{plot.x(b) + half:.2f}"
        for a, b, v in _runs(rows, levels, by_phase=kind != "target")
    ]
    if parts:
        name = key.replace("_", "-")
        out.append(f'<path class="{name}" d="{"".join(parts)}" fill="none" {LINE_STYLES[kind]}/>')


def _y_axis(out, plot: Plot, ticks: list[float], decimals: int, unit: str) -> None:
    for tick in ticks:
        y = plot.y(tick)
        label = f"{tick:,.{decimals}f}" + ("%" if unit == "percent" else "")
        out.append(
            f'<line class="grid" x1="{LEFT}" x2="{RIGHT}" y1="{y:.2f}" y2="{y:.2f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text class="y-tick" x="{LEFT - 8}" y="{y + 4:.2f}" text-anchor="end" '
            f'font-size="12" fill="{MUTED}">{svg_text(label)}</text>'
        )
    middle = (plot.top + BOTTOM) / 2
    out.append(
        f'<text class="y-title" x="18" y="{middle:.2f}" font-size="12" fill="{MUTED}" '
        f'text-anchor="middle" transform="rotate(-90 18 {middle:.2f})">'
        f"{svg_text(AXIS_TITLES.get(unit, unit))}</text>"
    )


def _x_axis(out, plot: Plot, months: list[date]) -> None:
    """A tick per month; labels as many as fit, counted back from the latest month."""
    every = max(1, math.ceil(len(months) * 50 / (RIGHT - LEFT)))
    out.append(
        f'<line class="x-axis" x1="{LEFT}" x2="{RIGHT}" y1="{BOTTOM}" y2="{BOTTOM}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    last = len(months) - 1
    for i, month in enumerate(months):
        x = plot.x(i)
        labelled = (last - i) % every == 0
        out.append(
            f'<line x1="{x:.2f}" x2="{x:.2f}" y1="{BOTTOM}" y2="{BOTTOM + (6 if labelled else 3)}" '
            f'stroke="{MUTED}" stroke-width="1"/>'
        )
        if labelled:
            out.append(
                f'<text class="x-tick" x="{x:.2f}" y="{BOTTOM + 20}" text-anchor="middle" '
                f'font-size="12" fill="{MUTED}">{svg_text(month_tick(month))}</text>'
            )


def _dividers(out, plot: Plot, rows: list[dict[str, Any]]) -> None:
    """A dotted line where a recalculation starts a phase, and where a fixed baseline ends
    with points of its phase after it."""
    half = plot.step / 2

    def divider(x: float, name: str, label: str, anchor: str) -> None:
        dx = 4 if anchor == "start" else -4
        out.append(
            f'<line class="{name}" x1="{x:.2f}" x2="{x:.2f}" y1="{plot.top - 6:.2f}" '
            f'y2="{BOTTOM}" stroke="{MUTED}" stroke-width="1" stroke-dasharray="3 3"/>'
            f'<text class="{name}-label" x="{x + dx:.2f}" y="{plot.top + 4:.2f}" '
            f'text-anchor="{anchor}" font-size="11" fill="{MUTED}">{label}</text>'
        )

    for i in range(1, len(rows)):
        if rows[i]["phase"] != rows[i - 1]["phase"]:
            divider(plot.x(i) - half, "recalculation", "recalculated", "start")
    for i, row in enumerate(rows):
        if not row["baseline"]:
            continue
        later = [r for r in rows[i + 1 :] if r["phase"] == row["phase"]]
        if later and not any(r["baseline"] for r in later) and any(_used(r) for r in later):
            divider(plot.x(i) + half, "baseline", "baseline", "end")


def _used(row: dict[str, Any]) -> bool:
    return row["value"] is not None and not row["excluded"]


def _kind(row: dict[str, Any]) -> str:
    if row["excluded"]:
        return "excluded"
    return POINT_KINDS.get(row.get("spc_variation") or "", "no-limits")


def _series(out, plot: Plot, rows: list[dict[str, Any]], chart: ChartData) -> None:
    """The values joined month to month (a missing month breaks the line), then a point on
    each, coloured by its variation."""
    parts, pen_down = [], False
    for i, row in enumerate(rows):
        if row["value"] is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{plot.x(i):.2f} {plot.y(row['value']):.2f}")
        pen_down = True
    out.append(
        f'<path class="series" d="{" ".join(parts)}" fill="none" stroke="{SERIES}" '
        'stroke-width="2" stroke-linejoin="round"/>'
    )
    for i, row in enumerate(rows):
        if row["value"] is None:
            continue
        kind = _kind(row)
        fill = POINT_LEGEND[kind][1] if kind in ("excluded", "no-limits") else None
        fill = fill or mdc.variation_colour(row["spc_variation"])
        stroke = f' stroke="{mdc.COMMON_CAUSE}" stroke-width="1.5"' if kind == "excluded" else ""
        value = format_value(row["value"], chart.unit, chart.decimals)
        words = " (excluded from SPC)" if kind == "excluded" else _variation_words(row)
        tip = f"{month_tick(row['month'])}: {value}{words}"
        out.append(
            f'<circle class="point {kind}" data-month="{row["month"]:%Y-%m}" '
            f'cx="{plot.x(i):.2f}" cy="{plot.y(row["value"]):.2f}" r="5" fill="{fill}"{stroke}>'
            f"<title>{svg_text(tip)}</title></circle>"
        )


def _variation_words(row: dict[str, Any]) -> str:
    words = VARIATION_WORDS.get(row.get("spc_variation") or "")
    return f" ({words})" if words else ""


def _legend(out, chart: ChartData, rows: list[dict[str, Any]], levels) -> None:
    """Two rows under the plot: the lines (with the latest phase's figures), then the kinds
    of point shown; then the chart's note."""
    latest = rows[-1] if rows else {}
    spc_decimals = chart.decimals + 1

    def figure(value: float) -> str:
        return format_value(value, chart.unit, spc_decimals)

    lines: list[tuple[str, str]] = []
    if latest.get("spc_mean") is not None:
        lines.append(("mean", f"Mean {figure(latest['spc_mean'])}"))
        lines.append(
            (
                "limit",
                f"Process limits {figure(latest['spc_lower'])} to {figure(latest['spc_upper'])}",
            )
        )
        if levels.get("sigma2_lower") is not None:
            lines.append(("sigma", "2-sigma"))
    if any(r.get(k) is not None for r in rows for k in ("target", "target_low", "target_high")):
        target = format_target({**latest, "unit": chart.unit, "decimals": chart.decimals})
        lines.append(("target", f"Target {target}" if target else "Target"))
    x, y = float(LEFT - 60), BOTTOM + 46
    for kind, text in lines:
        out.append(
            f'<line class="legend-{kind}" x1="{x:.1f}" x2="{x + 26:.1f}" y1="{y - 4}" '
            f'y2="{y - 4}" {LINE_STYLES[kind]}/><text x="{x + 32:.1f}" y="{y}" font-size="12" '
            f'fill="{INK}">{svg_text(text)}</text>'
        )
        x += 32 + _text_width(text, 12) + 22
    shown = {_kind(r) for r in rows if r["value"] is not None}
    x, y = float(LEFT - 60), BOTTOM + 70
    for kind, (text, fill) in POINT_LEGEND.items():
        if kind not in shown:
            continue
        stroke = f' stroke="{mdc.COMMON_CAUSE}" stroke-width="1.5"' if kind == "excluded" else ""
        out.append(
            f'<circle class="legend-point {kind}" cx="{x + 5:.1f}" cy="{y - 4}" r="5" '
            f'fill="{fill}"{stroke}/><text x="{x + 16:.1f}" y="{y}" font-size="12" '
            f'fill="{INK}">{svg_text(text)}</text>'
        )
        x += 16 + _text_width(text, 12) + 20
    if chart.note and rows:  # (a chart without figures says so in the plot)
        out.append(
            f'<text class="note" x="{LEFT - 60}" y="{BOTTOM + 94}" font-size="12" '
            f'font-style="italic" fill="{MUTED}">{svg_text(chart.note)}</text>'
        )


def _text_width(text: str, size: float) -> float:
    """About how wide ``text`` is in a sans-serif font (for laying out the legend)."""
    return len(text) * size * 0.5


def _description(chart: ChartData, rows: list[dict[str, Any]]) -> str:
    """The chart in words, for screen readers."""
    known = [r for r in rows if r["value"] is not None]
    if not known:
        return f"No figures up to {month_tick(chart.month)}."
    latest = known[-1]
    text = (
        f"Monthly values {month_tick(rows[0]['month'])} to {month_tick(rows[-1]['month'])}; "
        f"latest {format_value(latest['value'], chart.unit, chart.decimals)} "
        f"({month_tick(latest['month'])})"
    )
    last = rows[-1]
    if last.get("spc_mean") is not None:
        decimals = chart.decimals + 1
        text += (
            f"; mean {format_value(last['spc_mean'], chart.unit, decimals)}, process limits "
            f"{format_value(last['spc_lower'], chart.unit, decimals)} to "
            f"{format_value(last['spc_upper'], chart.unit, decimals)}"
        )
    special = sum(1 for r in known if _kind(r) in ("improvement", "concern", "neither"))
    text += f"; {special} special-cause point(s)"
    return text + (f"; {chart.note}" if chart.note else "") + "."
