"""The meaning checks of an indicator's RAG settings: ``target``, ``amber`` and ``stretch``.

A target is a number (polarity higher or lower), ``{ low, high }`` (polarity range), or a
list of steps ``{ from = "2025-04", value = 95 }`` in increasing month order. The amber
band and the stretch target must make sense against every target step and the polarity.
"""

from __future__ import annotations

from typing import Any

from csc_perf.definitions.model import AMBER_KINDS, AmberRule, Target
from csc_perf.definitions.problems import Entry, fmt, is_number, number_rule, unknown_key
from csc_perf.model.calendar import MonthError, parse_month

TARGET_KEYS = {"from", "value", "low", "high"}


def check_targets(entry: Entry, polarity: str | None) -> list[Target]:
    """The indicator's target steps, in month order (empty when it has no target)."""
    label = entry.path
    if "target" not in entry.raw:
        if polarity == "range":
            entry.found.add(
                f"{label}.target",
                "polarity 'range' needs a target {low, high}",
                entry.line("polarity"),
            )
        return []
    raw = entry.raw["target"]
    if polarity == "none":
        entry.problem(
            "target",
            "polarity 'none' (monitored only) cannot have a target: set polarity to "
            "higher, lower or range",
        )
        return []
    steps = raw if isinstance(raw, list) else [raw]
    targets: list[Target] = []
    for step_index, step in enumerate(steps):
        where = f"{label}.target" + (f"[{step_index}]" if isinstance(raw, list) else "")
        target = _target_step(entry, step, where, polarity, isinstance(raw, list), step_index)
        if target is not None:
            targets.append(target)
    months = [t.from_month for t in targets if t.from_month is not None]
    if months != sorted(set(months)):
        entry.problem("target", "steps must be in increasing 'from' order")
    return targets


def _target_step(
    entry: Entry, step: Any, where: str, polarity: str | None, in_list: bool, step_index: int
) -> Target | None:
    """One target: the whole ``target`` value, or step ``step_index`` of a list of them
    (``in_list``), reported at key path ``where``."""
    found = entry.found
    line = entry.line("target")
    if is_number(step) and polarity != "range" and not in_list:
        return Target(None, value=float(step))
    if not isinstance(step, dict):
        if in_list:
            found.add(
                where, 'each step must be a table such as { from = "2025-04", value = 95 }', line
            )
        else:
            expected = "{low = N, high = N}" if polarity == "range" else "a number"
            found.add(where, f"must be {expected} or a list of {{from, ...}} steps", line)
        return None
    found.unknown_keys(step, TARGET_KEYS, where, lambda key: line)
    from_month = None
    if "from" in step:
        try:
            from_month = parse_month(step["from"])
        except MonthError:
            found.add(f"{where}.from", f"{step['from']!r} is not a month (use 2024-04)", line)
    elif in_list and step_index > 0:
        found.add(f"{where}.from", "every target after the first needs 'from'", line)
    if polarity == "range":
        low, high = step.get("low"), step.get("high")
        if not (is_number(low) and is_number(high)):
            found.add(where, "polarity 'range' needs numbers low and high", line)
            return None
        if low > high:
            found.add(where, f"low {fmt(low)} is above high {fmt(high)}", line)
            return None
        return Target(from_month, low=float(low), high=float(high))
    value = step.get("value")
    if not is_number(value):
        found.add(f"{where}.value", number_rule(value), line)
        return None
    return Target(from_month, value=float(value))


def check_amber(entry: Entry, polarity: str | None, targets: list[Target]) -> AmberRule | None:
    """The ``amber`` rule: one of ``{absolute = N}``, ``{relative = F}`` (a fraction of the
    target) or ``{threshold = N}`` (on the worse side of every target step)."""
    if "amber" not in entry.raw:
        return None
    raw = entry.raw["amber"]
    line = entry.line("amber")
    path = f"{entry.path}.amber"
    found = entry.found
    if not isinstance(raw, dict) or len(raw) != 1:
        found.add(path, "must be one of {absolute = N}, {relative = F}, {threshold = N}", line)
        return None
    ((kind, value),) = raw.items()
    if kind not in AMBER_KINDS:
        found.add(f"{path}.{kind}", unknown_key(kind, set(AMBER_KINDS)), line)
        return None
    if not is_number(value):
        found.add(f"{path}.{kind}", number_rule(value), line)
        return None
    value = float(value)
    if not targets:
        found.add(path, "an amber rule needs a target", line)
        return None
    if kind in ("absolute", "relative") and value < 0:
        found.add(f"{path}.{kind}", f"{fmt(value)} is negative: the amber band is empty", line)
    if kind == "relative" and value >= 1:
        found.add(
            f"{path}.relative",
            f"{fmt(value)} is a fraction of the target; {fmt(value)} would make every "
            "value amber (did you mean a percentage? use 0.05 for 5%)",
            line,
        )
    if kind == "threshold":
        if polarity == "range":
            found.add(path, "a range target takes {absolute = N} or {relative = F}", line)
        for message in _threshold_problems(value, polarity, targets):
            found.add(f"{path}.threshold", message, line)
    return AmberRule(kind, value)


def _threshold_problems(value: float, polarity: str | None, targets: list[Target]) -> list[str]:
    """What is wrong with an amber ``threshold`` against each target step: with higher is
    better it is a floor at or below the target, with lower is better a ceiling above."""
    messages = []
    for target in targets:
        if target.value is None:
            continue
        if polarity == "higher" and value > target.value:
            messages.append(
                f"{fmt(value)} is above the target {fmt(target.value)}; with higher "
                "is better the amber floor must be at or below the target"
            )
        if polarity == "lower" and value < target.value:
            messages.append(
                f"{fmt(value)} is below the target {fmt(target.value)}; with lower "
                "is better the amber ceiling must be at or above the target"
            )
    return messages


def check_stretch(entry: Entry, polarity: str | None, targets: list[Target]) -> float | None:
    """The ``stretch`` target: beyond every target step in the better direction."""
    if "stretch" not in entry.raw:
        return None
    raw = entry.raw["stretch"]
    if not is_number(raw):
        entry.problem("stretch", number_rule(raw))
        return None
    if polarity not in ("higher", "lower") or not targets:
        entry.problem("stretch", "a stretch target needs polarity higher or lower and a target")
        return None
    for target in targets:
        assert target.value is not None
        worse = raw < target.value if polarity == "higher" else raw > target.value
        if worse:
            entry.problem(
                "stretch",
                f"{fmt(raw)} is not beyond the target {fmt(target.value)} in the better "
                f"direction ({polarity} is better)",
            )
    return float(raw)
