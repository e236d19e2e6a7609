"""Making Data Count's colours and words for SPC variation and assurance, shared by the
icons, the summary matrix and the chart files (so a concern is the same orange everywhere).

The colours are the ones NHS England's MDC tools use for the XmR chart and its icons:
grey for common cause, blue for improvement, orange for concern, purple for special cause
that is neither (polarity none), red for the target line.
"""

from __future__ import annotations

COMMON_CAUSE = "#7b7d7d"
IMPROVEMENT = "#289de0"
CONCERN = "#fab428"
NEITHER = "#361475"
TARGET = "#de1b1b"

#: The colour of a point (or a variation icon) by its ``spc_variation`` value.
VARIATION_COLOURS = {
    "common_cause": COMMON_CAUSE,
    "improvement_high": IMPROVEMENT,
    "improvement_low": IMPROVEMENT,
    "concern_high": CONCERN,
    "concern_low": CONCERN,
    "neither_high": NEITHER,
    "neither_low": NEITHER,
}
#: The colour of an assurance icon by its ``spc_assurance`` value.
ASSURANCE_COLOURS = {"pass": IMPROVEMENT, "fail": CONCERN, "hit_or_miss": COMMON_CAUSE}


def variation_colour(variation: str | None) -> str | None:
    """The MDC colour of ``spc_variation`` (None without one)."""
    return VARIATION_COLOURS.get(variation or "")


def assurance_colour(assurance: str | None) -> str | None:
    """The MDC colour of ``spc_assurance`` (None without one)."""
    return ASSURANCE_COLOURS.get(assurance or "")
