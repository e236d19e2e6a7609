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

Ranking: special causes first, then RAG changes, then the biggest moves relative to normal
variation (the change over the mean moving range, or the % change without SPC limits).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from csc_perf.definitions.model import Definitions
from csc_perf.methods.spc import LIMIT_FACTOR
from csc_perf.model.calendar import add_months
from csc_perf.model.vocabulary import RULE_WORDS

MIN_EXTREME_MONTHS = 6
MET = {"green", "blue"}
MISSED = {"amber", "red"}
SPECIAL = ("improvement", "concern", "neither")


@dataclass
class Highlight:
    theme: str
    indicator: str
    name: str
    month: date
    sentence: str
    score: float
    figures: dict[str, Any] = field(default_factory=dict)
    rank: int = 0


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
    """Highlights for ``month`` from a results frame covering the months up to it."""
    history = results.filter(pl.col("month") <= month).sort("month")
    by_indicator = {
        key[0]: frame for key, frame in history.group_by("indicator", maintain_order=True)
    }
    out: list[Highlight] = []
    for indicator in definitions.indicators:
        frame = by_indicator.get(indicator.id)
        if frame is None:
            continue
        rows = {r["month"]: r for r in frame.iter_rows(named=True)}
        row = rows.get(month)
        if row is None or row["status"] != "present":
            continue  # nothing is said about missing or suppressed figures
        out.append(_highlight(indicator, row, rows, month))
    out.sort(key=lambda h: (-h.score, h.indicator))
    for rank, highlight in enumerate(out, start=1):
        highlight.rank = rank
    if top is not None:
        out = out[:top]
    return out


def _present(row: dict | None) -> float | None:
    return row["value"] if row is not None and row["status"] == "present" else None


def _highlight(indicator, row: dict, rows: dict[date, dict], month: date) -> Highlight:
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

    variation = row.get("spc_variation")
    special = variation is not None and variation.startswith(SPECIAL)
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

    # -- the score -------------------------------------------------------------------------
    if special:
        tier = 3
    elif previous_rag in MET | MISSED and row["rag"] in MET | MISSED and previous_rag != row["rag"]:
        tier = 2
    else:
        tier = 1
    magnitude = 0.0
    if previous is not None:
        if row.get("spc_upper") is not None and row.get("spc_mean") is not None:
            mr = (row["spc_upper"] - row["spc_mean"]) / LIMIT_FACTOR
            magnitude = abs(value - previous) / mr if mr > 0 else 0.0
        elif figures["change_previous_pct"] is not None:
            magnitude = abs(figures["change_previous_pct"]) / 100
    score = tier + magnitude / (1 + magnitude)
    return Highlight(row["theme"], indicator.id, name, month, sentence, round(score, 6), figures)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def highlights_frame(highlights: list[Highlight]) -> pl.DataFrame:
    """Flat frame: rank, theme, indicator, name, month, sentence, score, then the figures."""
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
                "score": h.score,
                **h.figures,
            }
        )
    return pl.DataFrame(rows, infer_schema_length=None)
