"""The words csc-perf uses for SPC rules, variation and assurance: in highlights, the
terminal, Markdown, HTML and Excel alike."""

RULE_WORDS = {
    "beyond_limit": "a point beyond the process limits",
    "shift": "a run of points on one side of the mean",
    "trend": "a run of points rising or falling",
    "two_of_three": "two of three points near a limit",
}

VARIATION_WORDS = {
    "common_cause": "common cause variation",
    "improvement_high": "special cause improvement (high)",
    "improvement_low": "special cause improvement (low)",
    "concern_high": "special cause concern (high)",
    "concern_low": "special cause concern (low)",
    "neither_high": "special cause, neither improvement nor concern (high)",
    "neither_low": "special cause, neither improvement nor concern (low)",
}
ASSURANCE_WORDS = {
    "pass": "consistently passing the target",
    "fail": "consistently failing the target",
    "hit_or_miss": "hitting and missing the target at random",
}
