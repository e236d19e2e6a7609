"""The test oracle for SPC: the XmR chart written plainly, one series at a time.

This is the one-series implementation csc-perf used before its vectorised engine
(:func:`csc_perf.methods.spc.xmr_frame`) handled every case; it stays here as the reference
the engine is compared with (tests/test_spc_engine.py, tests/test_spc_frame.py) and as the
readable statement of the rules that tests/test_spc.py checks by hand.

For one series of monthly values (missing and suppressed months are skipped, excluded
months are "ghosted": shown, never used): see :mod:`csc_perf.methods.spc` for the rules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby, pairwise

from csc_perf.methods.spc import LIMIT_FACTOR, SCREEN_FACTOR
from csc_perf.methods.spc_rules import REL_TOLERANCE, RULES
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


def _compare(a: float, b: float, scale: float = 0.0) -> int:
    """-1, 0 or 1: ``a`` below, on or above ``b`` at the data's precision (equal to 9
    significant figures of the chart's ``scale``, the larger limit by magnitude), so a
    decimal value equal to the mean is on it, near zero too."""
    if abs(a - b) <= REL_TOLERANCE * max(abs(a), abs(b), abs(scale)):
        return 0
    return 1 if a > b else -1


def _next_month(a: date, b: date) -> bool:
    return (b.year * 12 + b.month) - (a.year * 12 + a.month) == 1


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
    # Gaps: a month with no figure (no row, or a null value; an excluded month is not a
    # gap: its neighbours' moving range spans it, as MDC's ghosting does).
    piece, segment = 0, {}
    for before, point in zip([None, *points], points, strict=False):
        missing_month = before is not None and not _next_month(before.month, point.month)
        if missing_month or (point.value is None and not point.excluded):
            piece += 1
        segment[id(point)] = piece
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
    flags: dict[int, set[tuple[str, str]]] = {}
    scales: dict[int, float] = {}  # each used point's chart scale (limits or not)
    for phase in phases:
        if not phase:  # a series without a used point
            notes.append(f"0 point(s): SPC needs at least {options.min_points} for limits")
            continue
        baseline = phase[: options.baseline_points] if options.baseline_points else phase
        mean = math.fsum(p.value for p in baseline) / len(baseline)  # type: ignore[misc]
        # A moving range only between neighbours: a gap drops both ranges by it.
        ranges = [
            abs(b.value - a.value)  # type: ignore[operator]
            for a, b in pairwise(baseline)
            if segment[id(a)] == segment[id(b)]
        ]
        mr = math.fsum(ranges) / len(ranges) if ranges else 0.0
        if options.screen and ranges:
            kept = [r for r in ranges if r <= SCREEN_FACTOR * mr / (1 - REL_TOLERANCE)]
            mr = math.fsum(kept) / len(kept) if kept else mr
        upper, lower = mean + LIMIT_FACTOR * mr, mean - LIMIT_FACTOR * mr
        for p in phase:
            scales[id(p)] = max(abs(upper), abs(lower))
        if len(phase) < options.min_points:  # the minimum is the phase's, not the baseline's
            notes.append(
                f"{len(phase)} point(s): SPC needs at least {options.min_points} for limits"
            )
            continue
        sigma = LIMIT_FACTOR * mr / 3
        for p in phase:
            p.mean, p.sigma = mean, sigma
            p.upper, p.lower = upper, lower
        for _, part in groupby(phase, key=lambda p: segment[id(p)]):
            _phase_rules(list(part), options, flags)  # shift and two of three: not over a gap
    for _, part in groupby(used, key=lambda p: segment[id(p)]):
        _trend(list(part), options, flags, scales)  # across recalculations, not gaps
    for point in used:
        if point.mean is None:
            continue
        found = flags.get(id(point), set())
        point.rules = [rule for rule in RULES if any(r == rule for r, _ in found)]
        sides = {side for _, side in found}
        point.side = sides.pop() if len(sides) == 1 else ("both" if sides else None)
        point.variation = _variation(point, polarity, options.conflict)
    return SpcResult(points, "; ".join(notes))


def _flag(point: SpcPoint, rule: str, side: str, flags: dict[int, set[tuple[str, str]]]) -> None:
    flags.setdefault(id(point), set()).add((rule, side))


def _phase_rules(
    phase: list[SpcPoint], options: SpcOptions, flags: dict[int, set[tuple[str, str]]]
) -> None:
    """The rules read against the phase's mean and limits: beyond a limit, shift, two of
    three."""
    band: dict[int, int] = {}  # -1 / 1: between the 2-sigma line and the limit on that side
    sides: dict[int, int] = {}
    for p in phase:
        assert p.value is not None and p.mean is not None and p.sigma is not None
        scale = max(abs(p.upper), abs(p.lower))  # type: ignore[arg-type]
        sides[id(p)] = _compare(p.value, p.mean, scale)
        if _compare(p.value, p.upper, scale) > 0:  # type: ignore[arg-type]
            _flag(p, "beyond_limit", "high", flags)
        elif _compare(p.value, p.lower, scale) < 0:  # type: ignore[arg-type]
            _flag(p, "beyond_limit", "low", flags)
        elif _compare(p.value, p.mean + 2 * p.sigma, scale) > 0:
            band[id(p)] = 1
        elif _compare(p.value, p.mean - 2 * p.sigma, scale) < 0:
            band[id(p)] = -1
    # Shift: runs strictly on one side of the mean (a point on the mean breaks it).
    run: list[SpcPoint] = []
    run_side = 0
    for p in [*phase, None]:
        side = sides[id(p)] if p is not None else 0
        if side != 0 and side == run_side:
            run.append(p)  # type: ignore[arg-type]
            continue
        if len(run) >= options.shift_run:
            for q in run:
                _flag(q, "shift", "high" if run_side > 0 else "low", flags)
        run, run_side = ([p], side) if p is not None and side != 0 else ([], 0)
    # Two of three: three consecutive points on one side of the mean, at least two of them
    # between that side's 2-sigma line and its limit; those are flagged.
    for i in range(len(phase) - 2):
        window = phase[i : i + 3]
        for side in (1, -1):
            if all(sides[id(q)] == side for q in window):
                near = [q for q in window if band.get(id(q)) == side]
                if len(near) >= 2:
                    for q in near:
                        _flag(q, "two_of_three", "high" if side > 0 else "low", flags)


def _trend(
    used: list[SpcPoint],
    options: SpcOptions,
    flags: dict[int, set[tuple[str, str]]],
    scales: dict[int, float],
) -> None:
    """Trend: each point strictly above (or below) the one before, over the used points of
    the whole series (across recalculations; equal neighbours break it). A step is read at
    the later point's chart scale."""
    values = [p.value for p in used]

    def step_at(k: int) -> int:
        return _compare(values[k], values[k - 1], scales[id(used[k])])  # type: ignore[arg-type]

    start = 0
    while start < len(used) - 1:
        step = step_at(start + 1)
        end = start + 1
        while step != 0 and end + 1 < len(used) and step_at(end + 1) == step:
            end += 1
        if step != 0 and end - start + 1 >= options.trend_run:
            for q in used[start : end + 1]:
                _flag(q, "trend", "high" if step > 0 else "low", flags)
        start = end if step != 0 else start + 1


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
    scale = max(abs(lower), abs(upper))
    if polarity == "higher":
        if _compare(target, lower, scale) <= 0:
            return "pass"
        if _compare(target, upper, scale) >= 0:
            return "fail"
    else:
        if _compare(target, upper, scale) >= 0:
            return "pass"
        if _compare(target, lower, scale) <= 0:
            return "fail"
    return "hit_or_miss"
