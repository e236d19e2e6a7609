"""The meaning checks of an indicator's ``spc`` table (statistical process control options).

Each key is checked on its own, in the order written, so problems read top to bottom.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from csc_perf.definitions.problems import (
    Entry,
    Findings,
    boolean_rule,
    is_whole_number,
    unknown_key,
    whole_number_rule,
)
from csc_perf.model.calendar import MonthError, parse_month
from csc_perf.model.options import MIN_BASELINE_POINTS, SpcOptions

_Rule = tuple[Callable[[Any], bool], Callable[[Any], str]]  # (does it fit, what it must be)
_BOOLEAN: _Rule = (lambda value: isinstance(value, bool), boolean_rule)
_RUN_LENGTH: _Rule = (lambda value: is_whole_number(value, 6, 8), lambda _: whole_number_rule(6, 8))
_POINTS: _Rule = (lambda value: is_whole_number(value, 2), lambda _: whole_number_rule(2, None))
_BASELINE: _Rule = (
    lambda value: is_whole_number(value, MIN_BASELINE_POINTS),
    lambda _: (
        whole_number_rule(MIN_BASELINE_POINTS, None)
        + " (limits need at least 12 points to estimate, as in Making Data Count)"
    ),
)
_CONFLICT: _Rule = (
    lambda value: value in ("improvement", "concern"),
    lambda _: "must be 'improvement' or 'concern'",
)
_SINGLE_VALUES: dict[str, _Rule] = {
    "enabled": _BOOLEAN,
    "screen": _BOOLEAN,
    "shift_run": _RUN_LENGTH,
    "trend_run": _RUN_LENGTH,
    "min_points": _POINTS,
    "baseline_points": _BASELINE,
    "conflict": _CONFLICT,
}
_MONTH_LISTS = ("recalculate_from", "exclude")
SPC_KEYS = {*_SINGLE_VALUES, *_MONTH_LISTS}


def check_spc(entry: Entry) -> SpcOptions:
    """The indicator's ``spc`` table as options (the defaults for keys not given)."""
    raw = entry.raw.get("spc", {})
    line = entry.line("spc")
    path = f"{entry.path}.spc"
    if not isinstance(raw, dict):
        entry.found.add(path, "must be a table such as { screen = true }", line)
        return SpcOptions()
    values: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"{path}.{key}"
        if key in _MONTH_LISTS:
            values[key] = _months(entry.found, value, where, line)
        elif key not in _SINGLE_VALUES:
            entry.found.add(where, unknown_key(key, SPC_KEYS), line)
        else:
            fits, rule = _SINGLE_VALUES[key]
            if fits(value):
                values[key] = value
            else:
                entry.found.add(where, rule(value), line)
    return SpcOptions(**values)


def _months(found: Findings, value: Any, where: str, line: int | None) -> tuple[date, ...]:
    """The months of a list like ``['2024-04']``; a problem for each item that is not one
    (and one for a value that is not a list)."""
    months = []
    for item in value if isinstance(value, list) else [None]:
        try:
            months.append(parse_month(item))
        except MonthError:
            found.add(where, f"{item!r} is not a month (use a list like ['2024-04'])", line)
    return tuple(months)
