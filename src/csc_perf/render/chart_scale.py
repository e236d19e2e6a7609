"""The chart files' canvas and scales: the geometry of the 960 x 540 SVG, the y axis's round
ticks, the x axis's month labels, and text from data made inert for SVG.
"""

from __future__ import annotations

import math
import re
from datetime import date

from csc_perf.render.safety import html_escape, visible_controls

# The canvas (SVG user units = CSS pixels): 16:9, the shape of a slide.
WIDTH, HEIGHT = 960, 540
LEFT, RIGHT, BOTTOM = 84, WIDTH - 28, 425

# XML 1.0 has no place for these even as references: C0 controls (shown as escapes first),
# lone surrogates and the two non-characters.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def svg_text(text: object) -> str:
    """Text from data as inert SVG character data or attribute value: controls shown as
    escapes, what XML cannot hold replaced, markup characters escaped."""
    shown = visible_controls("" if text is None else str(text))
    return html_escape(_NOT_XML.sub("\ufffd", shown))


def month_tick(month: date) -> str:
    """A month on the x axis: ``Oct 24``."""
    return month.strftime("%b %y")


def nice_ticks(
    low: float, high: float, count: int = 6, *, whole: bool = False
) -> tuple[list[float], int]:
    """About ``count`` round values (steps of 1, 2, 2.5 or 5 x 10^k; whole numbers when
    ``whole``, for counts) reaching a little beyond low..high, so no point sits on the
    frame, and the decimals their labels need."""
    if high <= low:
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    margin = (high - low) * 0.03
    low, high = low - margin, high + margin
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * 0.999)
    if whole:
        step = max(1, math.ceil(step))
    first = math.floor(low / step + 1e-9) * step
    ticks, k = [], 0
    while True:
        value = first + k * step
        ticks.append(round(value, 10))
        if value >= high - step * 1e-9:
            break
        k += 1
    # The fewest decimals that write the step exactly (2.5 needs one, 0.25 two).
    decimals = next(d for d in range(10) if abs(round(step, d) - step) < step * 1e-6)
    return ticks, decimals


class Plot:
    """The plot area's scales: month index -> x, value -> y."""

    def __init__(self, months: int, low: float, high: float, top: float):
        self.months, self.low, self.high, self.top = months, low, high, top
        self.step = (RIGHT - LEFT) / max(months, 1)

    def x(self, i: float) -> float:
        return LEFT + (i + 0.5) * self.step

    def y(self, value: float) -> float:
        return BOTTOM - (value - self.low) / (self.high - self.low) * (BOTTOM - self.top)
