"""Making Data Count's variation and assurance icons as small inline SVG, drawn by us.

NHS England's MDC icons are circles with a coloured ring (the colours in
:mod:`csc_perf.render.mdc`). A variation icon shows a run of points: level and grey for
common cause; rising to the right with an ``H`` above for special cause high, falling with
an ``L`` below for low, the last points in the ring's colour (blue improvement, orange
concern, purple neither). An assurance icon shows a letter, ``P`` (blue: consistently
passing) or ``F`` (orange: consistently failing), or a wave across a red target line (grey:
hitting and missing at random). These approximate the MDC look; they are not NHS England's
artwork.

Each icon is ``role="img"`` with a ``<title>`` in the words every other output uses, so it
reads to a screen reader, and the letter and point pattern read without colour. The only
text in an icon is ours (no data reaches it), and it is escaped all the same.
"""

from __future__ import annotations

from csc_perf.render.mdc import (
    ASSURANCE_COLOURS,
    COMMON_CAUSE,
    TARGET,
    VARIATION_COLOURS,
    assurance_title,
    variation_title,
)
from csc_perf.render.safety import html_escape as _e

#: Point positions across the icon (SVG user units of a 40 x 40 box).
_XS = (9.0, 13.5, 18.0, 22.5, 27.0, 31.5)
#: The point pattern of each kind of variation: heights, and how many of the last points
#: take the ring's colour.
_PATTERNS = {
    "common": ((21.0, 18.0, 22.0, 19.0, 22.0, 20.0), 0),
    "high": ((29.0, 27.0, 29.0, 26.0, 23.0, 20.0), 3),
    "low": ((12.0, 14.0, 12.0, 15.0, 18.0, 21.0), 3),
}
_FONT = 'font-family="Arial, Helvetica, sans-serif" font-weight="700" text-anchor="middle"'


def _frame(kind: str, value: str, title: str, colour: str, size: int, body: str) -> str:
    return (
        f'<svg class="mdc-icon mdc-{kind}" data-{kind}="{_e(value)}" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40" width="{size}" '
        f'height="{size}" role="img"><title>{_e(title)}</title>'
        f'<circle cx="20" cy="20" r="17.5" fill="#ffffff" stroke="{colour}" '
        f'stroke-width="3"/>{body}</svg>'
    )


def variation_icon(variation: str | None, size: int = 24) -> str:
    """The MDC variation icon for ``spc_variation`` (``common_cause``,
    ``improvement_high``, …) as an inline ``<svg>``; empty text for None or a value the
    vocabulary does not know."""
    colour = VARIATION_COLOURS.get(variation or "")
    if colour is None or variation is None:
        return ""
    shape = "common" if variation == "common_cause" else variation.rsplit("_", 1)[1]
    heights, coloured = _PATTERNS[shape]
    points = list(zip(_XS, heights, strict=True))
    line = " ".join(f"{x:g},{y:g}" for x, y in points)
    body = [f'<polyline points="{line}" fill="none" stroke="{COMMON_CAUSE}" stroke-width="1.2"/>']
    for k, (x, y) in enumerate(points):
        fill = colour if k >= len(points) - coloured else COMMON_CAUSE
        body.append(f'<circle cx="{x:g}" cy="{y:g}" r="2.2" fill="{fill}"/>')
    if shape == "high":
        body.append(f'<text x="20" y="16" font-size="11" {_FONT} fill="{colour}">H</text>')
    elif shape == "low":
        body.append(f'<text x="20" y="33" font-size="11" {_FONT} fill="{colour}">L</text>')
    return _frame("variation", variation, variation_title(variation), colour, size, "".join(body))


def assurance_icon(assurance: str | None, size: int = 24) -> str:
    """The MDC assurance icon for ``spc_assurance`` (``pass``, ``fail``, ``hit_or_miss``) as
    an inline ``<svg>``; empty text for None or a value the vocabulary does not know."""
    colour = ASSURANCE_COLOURS.get(assurance or "")
    if colour is None or assurance is None:
        return ""
    if assurance == "hit_or_miss":
        body = (
            f'<line x1="8" x2="32" y1="20" y2="20" stroke="{TARGET}" stroke-width="1.5" '
            'stroke-dasharray="3 2"/>'
            '<path d="M8 20 C12 10 16 10 20 20 S28 30 32 20" fill="none" '
            f'stroke="{colour}" stroke-width="2.6" stroke-linecap="round"/>'
        )
    else:
        letter = "P" if assurance == "pass" else "F"
        body = f'<text x="20" y="27.5" font-size="20" {_FONT} fill="{colour}">{letter}</text>'
    return _frame("assurance", assurance, assurance_title(assurance), colour, size, body)


def spc_icons(row: dict, size: int = 24) -> str:
    """A row's variation and assurance icons side by side (empty text without SPC)."""
    return variation_icon(row.get("spc_variation"), size) + assurance_icon(
        row.get("spc_assurance"), size
    )
