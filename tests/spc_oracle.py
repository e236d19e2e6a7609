"""The test oracle for SPC: the XmR chart written plainly, one series at a time.

This is the one-series implementation csc-perf used before its vectorised engine
(:func:`csc_perf.methods.spc.xmr_frame`) handled every case; it stays here as the reference
the engine is compared with (tests/test_spc_engine.py, tests/test_spc_frame.py) and as the
readable statement of the rules that tests/test_spc.py checks by hand.

For one series of monthly values (missing and suppressed months are skipped, excluded
months are "ghosted": shown, never used): see :mod:`csc_perf.methods.spc` for the rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

from csc_perf.methods.spc import LIMIT_FACTOR, RULES, SCREEN_FACTOR
from csc_perf.model.options import SpcOptions


@dataclass
class SpcPoint:
    month: date
    value: float | None
    mean: float | None = None
    lower: float | None = None
    upper: float | None = None
    sigma: float | None = None
    rules: list[str] = field(default_factory=list)
    side: str | None = None  # high / low, after resolving conflicts
    variation: str | None = None
    excluded: bool = False


@dataclass
class SpcResult:
    points: list[SpcPoint]
    note: str = ""


def xmr(
    months: Sequence[date],
    values: Sequence[float | None],
    *,
    polarity: str = "none",
    options: SpcOptions | None = None,
) -> SpcResult:
    """Run an XmR chart on a monthly series (months ascending); see the module docstring."""
    options = options or SpcOptions()
    points = [
        SpcPoint(month=m, value=v, excluded=m in options.exclude)
        for m, v in zip(months, values, strict=True)
    ]
    if not options.enabled:
        return SpcResult(points, "SPC is turned off for this indicator")
    used = [p for p in points if p.value is not None and not p.excluded]
    # Split into phases at the recalculation months.
    starts = sorted(options.recalculate_from)
    phases: list[list[SpcPoint]] = [[]]
    next_start = 0
    for point in used:
        while next_start < len(starts) and point.month >= starts[next_start]:
            if phases[-1]:
                phases.append([])
            next_start += 1
        phases[-1].append(point)
    notes = []
    for phase in phases:
        baseline = phase[: options.baseline_points] if options.baseline_points else phase
        if len(baseline) < options.min_points:
            notes.append(
                f"{len(baseline)} point(s): SPC needs at least {options.min_points} for limits"
            )
            continue
        mean = sum(p.value for p in baseline) / len(baseline)  # type: ignore[misc]
        ranges = [abs(b.value - a.value) for a, b in pairwise(baseline)]  # type: ignore[operator]
        mr = sum(ranges) / len(ranges)
        if options.screen and ranges:
            kept = [r for r in ranges if r <= SCREEN_FACTOR * mr]
            mr = sum(kept) / len(kept) if kept else mr
        sigma = LIMIT_FACTOR * mr / 3
        for p in phase:
            p.mean, p.sigma = mean, sigma
            p.upper, p.lower = mean + LIMIT_FACTOR * mr, mean - LIMIT_FACTOR * mr
        _apply_rules(phase, options)
    for point in used:
        if point.mean is None:
            continue
        point.variation = _variation(point, polarity, options.conflict)
    return SpcResult(points, "; ".join(notes))


def _flag(point: SpcPoint, rule: str, side: str, flags: dict[int, set[tuple[str, str]]]) -> None:
    flags.setdefault(id(point), set()).add((rule, side))


def _apply_rules(phase: list[SpcPoint], options: SpcOptions) -> None:
    flags: dict[int, set[tuple[str, str]]] = {}
    values = [p.value for p in phase]
    for p in phase:
        assert p.value is not None and p.upper is not None and p.lower is not None
        if p.value > p.upper:
            _flag(p, "beyond_limit", "high", flags)
        elif p.value < p.lower:
            _flag(p, "beyond_limit", "low", flags)
    # Shift: runs strictly on one side of the mean.
    run: list[SpcPoint] = []
    run_side = None
    for p in [*phase, None]:
        side = None
        if p is not None and p.value != p.mean:
            side = "high" if p.value > p.mean else "low"  # type: ignore[operator]
        if p is not None and side is not None and side == run_side:
            run.append(p)
            continue
        if len(run) >= options.shift_run:
            for q in run:
                _flag(q, "shift", run_side, flags)  # type: ignore[arg-type]
        run, run_side = ([p], side) if p is not None and side is not None else ([], None)
    # Trend: each point strictly above (or below) the one before.
    start = 0
    while start < len(phase) - 1:
        step = _sign(values[start + 1] - values[start])  # type: ignore[operator]
        end = start + 1
        while (
            step != 0 and end + 1 < len(phase) and _sign(values[end + 1] - values[end]) == step  # type: ignore[operator]
        ):
            end += 1
        if step != 0 and end - start + 1 >= options.trend_run:
            for q in phase[start : end + 1]:
                _flag(q, "trend", "high" if step > 0 else "low", flags)
        start = end if step != 0 else start + 1
    # Two of three beyond the same 2-sigma line.
    for i in range(len(phase) - 2):
        window = phase[i : i + 3]
        for side in ("high", "low"):
            beyond = [
                q
                for q in window
                if (
                    q.value > q.mean + 2 * q.sigma  # type: ignore[operator]
                    if side == "high"
                    else q.value < q.mean - 2 * q.sigma  # type: ignore[operator]
                )
            ]
            if len(beyond) >= 2:
                for q in beyond:
                    _flag(q, "two_of_three", side, flags)
    for p in phase:
        found = flags.get(id(p), set())
        p.rules = [rule for rule in RULES if any(r == rule for r, _ in found)]
        sides = {side for _, side in found}
        p.side = sides.pop() if len(sides) == 1 else ("both" if sides else None)


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _variation(point: SpcPoint, polarity: str, conflict: str) -> str:
    if point.side is None:
        return "common_cause"
    if polarity not in ("higher", "lower"):
        if point.side == "both":
            return "neither_high" if point.value >= point.mean else "neither_low"  # type: ignore[operator]
        return f"neither_{point.side}"
    good = "high" if polarity == "higher" else "low"
    if point.side == "both":
        side = good if conflict == "improvement" else ("low" if good == "high" else "high")
    else:
        side = point.side
    return f"{'improvement' if side == good else 'concern'}_{side}"


def assurance(
    target: float | None, lower: float | None, upper: float | None, polarity: str
) -> str | None:
    """``pass``, ``fail`` or ``hit_or_miss`` against the target; None without one."""
    if target is None or lower is None or upper is None or polarity not in ("higher", "lower"):
        return None
    if polarity == "higher":
        if target <= lower:
            return "pass"
        if target >= upper:
            return "fail"
    else:
        if target >= upper:
            return "pass"
        if target <= lower:
            return "fail"
    return "hit_or_miss"
