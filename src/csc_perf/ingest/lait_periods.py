"""LAIT's period labels (the ``Years`` column), read as the year csc-perf stores a figure
under: the year it ends in, as for EES (``year`` 2024 = the year ending 31 March 2024).

LAIT mixes the labels of its sources. Each kind is read one way:

* ``2023``: the year that ends in 2023 (a financial-year measure's 2022/23, an academic
  year's 2022/23, a calendar year's 2023);
* ``2022/23`` and ``2022-23``: the one year 2022/23 -> 2023;
* ``2021-23`` and ``2019/20-21/22``: a span of several years, stored under its last (2023,
  2022); the import says which measures are spans;
* a qualifier after the period, ``2019 (Rev)``, ``2020 (Final)``, ``2025 (prov)``,
  ``2016-17 (OT)`` (outturn): the same year; where a measure has the same year twice, a
  revised or final figure wins over a plain one, and a plain one over a provisional one.

Anything else (``0``, ``2023-22``, ``2023-23``, ``22/23``, ``2022/24``, an unknown
qualifier) is ambiguous and refused, naming the label: csc-perf never guesses a year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUALIFIERS = {"rev": 2, "revised": 2, "final": 2, "": 1, "ot": 1, "prov": 0, "provisional": 0}
_LABEL = re.compile(r"^(?P<period>[0-9/\- ]+?)\s*(?:\((?P<qualifier>[A-Za-z]+)\))?$")
_YEAR = re.compile(r"^(\d{4})$")
_ONE_OR_SPAN = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2}|\d{4})$")
_FINANCIAL_SPAN = re.compile(r"^(\d{4})/(\d{2})\s*-\s*(\d{2}|\d{4})/(\d{2})$")

PERIOD_HINT = (
    "LAIT periods read: 2023, 2022/23, 2022-23 (one year), 2021-23 or 2019/20-21/22 (a span "
    "of years), each optionally followed by (Rev), (Final), (prov) or (OT)"
)


@dataclass(frozen=True)
class LaitPeriod:
    """A LAIT label read: the ``year`` stored, how many years it ``spans`` (1 for one year)
    and its ``rank`` among labels of the same year (revised 2, plain 1, provisional 0)."""

    year: int
    spans: int
    rank: int


def _full_year(start: int, text: str) -> int:
    """The year ``text`` (two or four digits) names, at or after ``start``."""
    if len(text) == 4:
        return int(text)
    year = start // 100 * 100 + int(text)
    return year + 100 if year < start else year


def parse_lait_period(label: str) -> LaitPeriod | None:
    """The year a LAIT ``Years`` label stores its figure under, or None when the label is
    not one csc-perf reads without guessing (see the module's rules)."""
    match = _LABEL.match(label.strip())
    if match is None:
        return None
    qualifier = (match.group("qualifier") or "").lower()
    if qualifier not in _QUALIFIERS:
        return None
    rank = _QUALIFIERS[qualifier]
    period = match.group("period").strip()
    if found := _YEAR.match(period):
        return LaitPeriod(int(found.group(1)), 1, rank)
    if found := _ONE_OR_SPAN.match(period):
        start = int(found.group(1))
        end = _full_year(start, found.group(2))
        if end <= start or end - start > 10:
            return None
        if "/" in period and end != start + 1:
            return None  # 2022/24: a financial year is two consecutive years
        # 2022-23 is the one year 2022/23; 2021-23 the three years 2021 to 2023.
        return LaitPeriod(end, 1 if end == start + 1 else end - start + 1, rank)
    if found := _FINANCIAL_SPAN.match(period):
        first, second = int(found.group(1)), _full_year(int(found.group(1)), found.group(2))
        last_start = _full_year(first, found.group(3))
        last_end = _full_year(last_start, found.group(4))
        if second != first + 1 or last_end != last_start + 1 or last_start <= first:
            return None
        return LaitPeriod(last_end, last_end - first, rank)
    return None
