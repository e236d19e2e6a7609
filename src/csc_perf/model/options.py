"""Option records passed down from the definitions and the command line."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

#: The fewest points a fixed baseline may have: Making Data Count estimates limits from at
#: least 12 points (NHSRplotthedots refuses ``fix_after_n_points`` below 12 too).
MIN_BASELINE_POINTS = 12


@dataclass(frozen=True)
class SpcOptions:
    """How to run SPC on a series; set per indicator (``spc = {...}``) or per run."""

    enabled: bool = True
    min_points: int = 13
    shift_run: int = 7
    trend_run: int = 7
    baseline_points: int | None = None
    recalculate_from: tuple[date, ...] = ()
    exclude: tuple[date, ...] = ()
    screen: bool = False
    conflict: str = "improvement"

    def merged(self, **overrides) -> SpcOptions:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})
