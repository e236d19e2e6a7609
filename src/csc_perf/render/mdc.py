"""Making Data Count's colours and words for SPC variation and assurance, shared by the
icons, the summary matrix and the chart files (so a concern is the same orange everywhere).

The colours are the ones NHS England's MDC tools use for the XmR chart and its icons:
grey for common cause, blue for improvement, orange for concern, purple for special cause
that is neither (polarity none), red for the target line.
"""

from __future__ import annotations

from csc_perf.model.vocabulary import ASSURANCE_WORDS, VARIATION_WORDS

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

# The marks are what an icon shows, as text for the terminal and Excel: a variation's point
# pattern (● common cause, ▲ special cause high, ▼ low) and an assurance's letter.

#: The text mark of a variation icon: its point pattern.
VARIATION_MARKS = {
    "common_cause": "●",
    "improvement_high": "▲",
    "improvement_low": "▼",
    "concern_high": "▲",
    "concern_low": "▼",
    "neither_high": "▲",
    "neither_low": "▼",
}
#: The text mark of an assurance icon: its letter.
ASSURANCE_MARKS = {"pass": "P", "fail": "F", "hit_or_miss": "~"}

#: The summary matrix's words for an indicator without limits, or without assurance.
NO_VARIATION = "no SPC limits (too few points, a rolling figure, or no figures)"
NO_ASSURANCE = "no assurance (no target, no limits, or no better direction)"


def variation_colour(variation: str | None) -> str | None:
    """The MDC colour of ``spc_variation`` (None without one)."""
    return VARIATION_COLOURS.get(variation or "")


def assurance_colour(assurance: str | None) -> str | None:
    """The MDC colour of ``spc_assurance`` (None without one)."""
    return ASSURANCE_COLOURS.get(assurance or "")


def variation_title(variation: str | None) -> str:
    """What a variation icon says, as a sentence start: ``Special cause improvement
    (high)``; ``none`` (or None) is the matrix's row for indicators without limits."""
    words = VARIATION_WORDS.get(variation or "", NO_VARIATION)
    return words[0].upper() + words[1:]


def assurance_title(assurance: str | None) -> str:
    """What an assurance icon says: ``Consistently passing the target``; ``none`` (or None)
    is the matrix's column for indicators without assurance."""
    words = ASSURANCE_WORDS.get(assurance or "", NO_ASSURANCE)
    return words[0].upper() + words[1:]
