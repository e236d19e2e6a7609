"""Highlights: deterministic sentences for the report's commentary (no language model).

One highlight per indicator with a value in the month, built from facts computed on the
results frame (all months up to the month in question):

* change on the previous month: % of the previous value, or percentage points for
  percentages (``(v - v0) / |v0| x 100``, not when ``v0 = 0``);
* change on the same month one and two years before;
* "the highest / lowest in the last N months" when the N - 1 consecutive months before were
  all lower (higher); "joint" when one of them was equal; "the highest since <month>" when
  the run ends at a month that was higher. Stated from 6 months (``MIN_EXTREME_MONTHS``);
* target met or missed, and for how many months in a row;
* SPC: the special cause and its rule, or "within normal variation";
* verbs follow polarity: "improved" / "worsened" for indicators with a better direction,
  "increased" / "decreased" for monitored-only ones. Nothing is said about a suppressed or
  missing value, and a suppressed comparator is left out.

Ranking, as an analyst reads a month (:func:`rank_key`): a tuple of the highlight's tier,
its strength within the tier, the size of its change on the previous month and its place in
indicators.toml. The tiers, most significant first (a highlight takes the first that
applies):

1. ``special_cause``: SPC flags a special cause this month that it did not flag the month
   before (new, or a different one); strength: how far the point lies from the mean, in
   sigmas.
2. ``record``: the highest / lowest in N months, N of 12 or more (the sentence's "highest
   in the last N months" or "highest since"), set this month (the value differs from the
   previous month's, else the previous month set it); strength: N, half a month less when
   "joint". A shorter record (6 to 11 months) is told in the sentence but ranks as a
   change: newly meeting or missing a target matters more to a manager than a half-year
   high.
3. ``target_crossing``: met the target the previous month and missed it this month, or
   the other way round (RAG green/blue against amber/red).
4. ``special_cause_continuing``: the same special cause as the month before. A sustained
   shift is known by its second month (MDC would recalculate the limits after it): it still
   outranks a change within normal variation, not this month's news.
5. ``change``: everything else.

Within tiers 3 to 5 the strength is the size of the change: the % change on the previous
month, or for percentages the change in percentage points (one point counts as one per
cent: a point is a hundredth of the scale); from zero, any change counts as 100; none
without a previous value. Ties in all of it go to the order of indicators.toml, so the
ranking is the same on every run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from csc_perf.definitions.model import Definitions
from csc_perf.model.calendar import add_months
from csc_perf.model.vocabulary import RULE_WORDS

MIN_EXTREME_MONTHS = 6
MET = {"green", "blue"}
MISSED = {"amber", "red"}
SPECIAL = ("improvement", "concern", "neither")
#: Why a highlight matters, most significant first (the first element of :func:`rank_key`).
#: The shortest record that ranks as one: a year.
RECORD_MONTHS = 12
TIERS = ("special_cause", "record", "target_crossing", "special_cause_continuing", "change")
#: The process limits lie this many sigmas from the mean.
LIMIT_SIGMAS = 3


@dataclass
class Highlight:
    """One indicator's sentence for the month, the parts of its sort key and its figures."""

    theme: str
    indicator: str
    name: str
    month: date
    sentence: str
    tier: str
    strength: float
    change_size: float
    figures: dict[str, Any] = field(default_factory=dict)
    rank: int = 0
    position: int = 0  # the indicator's place in indicators.toml: the last tie-break


def _fmt_number(value: float, unit: str, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    return f"{text}%" if unit == "percent" else text


def _fmt_pct(pct: float) -> str:
    text = f"{abs(pct):.1f}".removesuffix(".0")
    return f"{text}%"


def _fmt_points(points: float, decimals: int) -> str:
    text = f"{abs(points):.{max(decimals, 1)}f}".removesuffix(".0")
    return f"{text} percentage point{'s' if text != '1' else ''}"


def _month_name(month: date) -> str:
    return month.strftime("%B %Y")


def extreme(series: list[tuple[date, float | None]], value: float) -> dict[str, Any] | None:
    """Highest/lowest facts for ``value`` against the months before it (latest first)."""
    facts = None
    for kind in ("highest", "lowest"):
        months, joint, since = 1, False, None
        for month, earlier in series:
            if earlier is None:
                break
            beaten = earlier < value if kind == "highest" else earlier > value
            if beaten:
                months += 1
            elif earlier == value:
                months += 1
                joint = True
            else:
                since = month
                break
        if months >= MIN_EXTREME_MONTHS and months > 1:
            candidate = {
                "extreme": kind,
                "extreme_months": months,
                "extreme_joint": joint,
                "extreme_since": since.strftime("%Y-%m") if since else None,
            }
            if facts is None or months > facts["extreme_months"]:
                facts = candidate
    return facts


def _change_phrase(value, base, pct, unit, decimals, when: str) -> str | None:
    if base is None:
        return None
    if unit == "percent":
        points = value - base
        if points == 0:
            return f"unchanged from {_fmt_number(base, unit, decimals)} {when}"
        word = "up" if points > 0 else "down"
        shown = _fmt_number(base, unit, decimals)
        return f"{word} {_fmt_points(points, decimals)} from {shown} {when}"
    if pct is None:
        return None
    if pct == 0:
        return f"unchanged from {_fmt_number(base, unit, decimals)} {when}"
    word = "up" if pct > 0 else "down"
    return f"{word} {_fmt_pct(pct)} from {_fmt_number(base, unit, decimals)} {when}"


def build_highlights(
    results: pl.DataFrame, definitions: Definitions, month: date, top: int | None = None
) -> list[Highlight]:
    """Highlights for ``month`` from a results frame covering the months up to it, most
    significant first (ranked by :func:`rank_key`; ``rank`` numbers them from 1), the first
    ``top`` of them when given. An indicator without a present value in ``month`` (missing
    or suppressed) has no highlight."""
    history = results.filter(pl.col("month") <= month).sort("month")
    by_indicator = {
        key[0]: frame for key, frame in history.group_by("indicator", maintain_order=True)
    }
    out: list[Highlight] = []
    for position, indicator in enumerate(definitions.indicators):
        frame = by_indicator.get(indicator.id)
        if frame is None:
            continue
        rows = {r["month"]: r for r in frame.iter_rows(named=True)}
        row = rows.get(month)
        if row is None or row["status"] != "present":
            continue  # nothing is said about missing or suppressed figures
        out.append(_highlight(indicator, row, rows, month, position))
    out.sort(key=lambda h: _key(h.tier, h.strength, h.change_size, h.position))
    for rank, highlight in enumerate(out, start=1):
        highlight.rank = rank
    if top is not None:
        out = out[:top]
    return out


def _present(row: dict | None) -> float | None:
    return row["value"] if row is not None and row["status"] == "present" else None


def _highlight(
    indicator, row: dict, rows: dict[date, dict], month: date, position: int
) -> Highlight:
    unit, decimals, polarity = indicator.unit, indicator.decimals, indicator.polarity
    value = row["value"]
    previous = _present(rows.get(add_months(month, -1)))
    year_ago = _present(rows.get(add_months(month, -12)))
    two_years = _present(rows.get(add_months(month, -24)))

    def pct(base: float | None) -> float | None:
        return None if base is None or base == 0 else (value - base) / abs(base) * 100

    earlier = []
    walk = add_months(month, -1)
    while walk in rows:
        earlier.append((walk, _present(rows[walk])))
        walk = add_months(walk, -1)
    facts = extreme(earlier, value) or {}

    streak = 0
    met = row["rag"] in MET if row["rag"] in MET | MISSED else None
    if met is not None:
        walk = month
        while walk in rows and (rows[walk]["rag"] in (MET if met else MISSED)):
            streak += 1
            walk = add_months(walk, -1)
    previous_row = rows.get(add_months(month, -1))
    previous_rag = previous_row["rag"] if previous_row else None
    # last month's SPC reading counts only where its figure may be shown
    previous_variation = previous_row.get("spc_variation") if previous is not None else None

    variation = row.get("spc_variation")
    special = _is_special(variation)
    figures: dict[str, Any] = {
        "unit": unit,
        "value": value,
        "previous_value": previous,
        "change_previous": None if previous is None else value - previous,
        "change_previous_pct": pct(previous),
        "value_year_ago": year_ago,
        "change_year_ago_pct": pct(year_ago),
        "value_two_years_ago": two_years,
        "change_two_years_ago_pct": pct(two_years),
        "extreme": facts.get("extreme"),
        "extreme_months": facts.get("extreme_months"),
        "extreme_joint": facts.get("extreme_joint"),
        "extreme_since": facts.get("extreme_since"),
        "target": row["target"],
        "target_met": met,
        "target_months_in_a_row": streak or None,
        "rag": row["rag"],
        "previous_rag": previous_rag,
        "spc_variation": variation,
        "spc_rule": row.get("spc_rule") or None,
        "previous_spc_variation": previous_variation,
        "spc_sigmas": _sigmas(value, row.get("spc_mean"), row.get("spc_upper")),
    }

    # -- the sentence ----------------------------------------------------------------------
    name = indicator.name
    shown = _fmt_number(value, unit, decimals)
    parts = []
    lead = _change_phrase(
        value, previous, pct(previous), unit, decimals, f"in {_month_name(add_months(month, -1))}"
    )
    if previous is not None and lead and not lead.startswith("unchanged"):
        up = value > previous
        if polarity in ("higher", "lower"):
            verb = "improved" if (up == (polarity == "higher")) else "worsened"
        else:
            verb = "increased" if up else "decreased"
        parts.append(f"{name} {verb} to {shown} in {_month_name(month)}, {lead}")
    elif previous is not None:
        parts.append(f"{name} was unchanged at {shown} in {_month_name(month)}")
    else:
        parts.append(f"{name} was {shown} in {_month_name(month)}")
    if facts:
        joint = "joint " if facts["extreme_joint"] else ""
        if facts["extreme_since"]:
            since = date.fromisoformat(facts["extreme_since"] + "-01")
            parts[-1] += f", the {joint}{facts['extreme']} since {_month_name(since)}"
        else:
            parts[-1] += (
                f", the {joint}{facts['extreme']} in the last {facts['extreme_months']} months"
            )
    yearly = [
        _change_phrase(value, base, pct(base), unit, decimals, f"in {_month_name(when)}")
        for base, when in ((year_ago, add_months(month, -12)), (two_years, add_months(month, -24)))
    ]
    yearly = [y for y in yearly if y]
    if yearly:
        parts.append(" and ".join(yearly))
    if met is not None and row["target"] is not None:
        target = _fmt_number(row["target"], unit, 0 if row["target"] % 1 == 0 else 1)
        verb = "met" if met else "missed"
        run = f" for the {_ordinal(streak)} month in a row" if streak >= 2 else ""
        parts.append(f"{verb} the target of {target}{run}")
    if special:
        rules = [RULE_WORDS[r] for r in (row.get("spc_rule") or "").split(";") if r]
        kind = variation.split("_")[0]
        what = {
            "improvement": "special cause improvement",
            "concern": "special cause concern",
            "neither": "special cause variation",
        }[kind]
        parts.append(f"{what} ({'; '.join(rules)})" if rules else what)
    elif variation == "common_cause":
        parts.append("within normal variation")
    sentence = "; ".join(parts) + "."

    ranking = significance(figures)
    head = (row["theme"], indicator.id, name, month, sentence)
    return Highlight(*head, *ranking, figures, position=position)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# -- ranking -------------------------------------------------------------------------------


def rank_key(figures: Mapping[str, Any], position: int = 0) -> tuple[int, float, float, int]:
    """The sort key of a highlight from its figures (the ``figures`` of a :class:`Highlight`,
    or hand-built with the keys :func:`significance` reads) and ``position``, the
    indicator's place in indicators.toml: ``(tier, -strength, -change size, position)``,
    so that ``sorted`` puts the most significant first (the module docstring says why)."""
    return _key(*significance(figures), position)


def _key(tier: str, strength: float, size: float, position: int) -> tuple[int, float, float, int]:
    return (TIERS.index(tier), -strength, -size, position)


def significance(figures: Mapping[str, Any]) -> tuple[str, float, float]:
    """``(tier, strength, change size)`` of a highlight from its figures: ``unit``,
    ``value``, ``previous_value`` (None: none to compare), ``extreme_months`` and
    ``extreme_joint`` (a record), ``rag`` and ``previous_rag``, ``spc_variation``,
    ``previous_spc_variation`` and ``spc_sigmas`` (a missing key reads as None). The tier
    is one of :data:`TIERS`; the rules are in the module docstring."""
    size = change_size(figures)
    variation = figures.get("spc_variation")
    sigmas = figures.get("spc_sigmas") or 0.0
    if _is_special(variation) and variation != figures.get("previous_spc_variation"):
        return "special_cause", sigmas, size
    months = figures.get("extreme_months")
    if months and months >= RECORD_MONTHS and figures.get("value") != figures.get("previous_value"):
        return "record", months - (0.5 if figures.get("extreme_joint") else 0.0), size
    rag, previous_rag = figures.get("rag"), figures.get("previous_rag")
    if (
        rag in MET | MISSED
        and previous_rag in MET | MISSED
        and (rag in MET) != (previous_rag in MET)
    ):
        return "target_crossing", size, size
    if _is_special(variation):
        return "special_cause_continuing", sigmas, size
    return "change", size, size


def change_size(figures: Mapping[str, Any]) -> float:
    """How big the change on the previous month is: the absolute % change, or for
    percentages (``unit = "percent"``) the absolute change in percentage points; 100 for
    any change from zero; 0 without a previous value."""
    value, previous = figures.get("value"), figures.get("previous_value")
    if value is None or previous is None:
        return 0.0
    if figures.get("unit") == "percent":
        return abs(value - previous)
    if previous == 0:
        return 0.0 if value == 0 else 100.0
    return abs(value - previous) / abs(previous) * 100


def _is_special(variation: str | None) -> bool:
    return variation is not None and variation.startswith(SPECIAL)


def _sigmas(value: float, mean: float | None, upper: float | None) -> float | None:
    """How far ``value`` lies from the SPC mean in sigmas (None without limits)."""
    if mean is None or upper is None or upper <= mean:
        return None
    return abs(value - mean) / ((upper - mean) / LIMIT_SIGMAS)


def highlights_frame(highlights: list[Highlight]) -> pl.DataFrame:
    """Flat frame: rank, theme, indicator, name, month, sentence, tier, strength,
    change_size (the sort key's parts), then the figures."""
    rows = []
    for h in highlights:
        rows.append(
            {
                "rank": h.rank,
                "theme": h.theme,
                "indicator": h.indicator,
                "name": h.name,
                "month": h.month,
                "sentence": h.sentence,
                "tier": h.tier,
                "strength": h.strength,
                "change_size": h.change_size,
                **h.figures,
            }
        )
    return pl.DataFrame(rows, infer_schema_length=None)
