"""Reads the seed report's tables straight from its text (tests/fixtures/seed/), independently
of csc-perf's own readers, so tests can compare the store with what the report prints."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from conftest import FIXTURES

SEED = FIXTURES / "seed" / "southampton-csc-performance-report-2024-10.txt"
MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}
HEADER_MONTH = re.compile(r"^([A-Z][a-z]{2})-(\d{2})$")

# The PDF extraction merged the first two rows of the Visiting table.
_EH_VISITS = "Percentage of children open to Early Help with a visit in the"
_CIN_VISITS = (
    "Percentage of children with an active Child in Need Plan (not CWD) visited within last 6 weeks"
)
MERGED = {
    _EH_VISITS: _EH_VISITS + " last 4 weeks",
    "last 4 weeks " + _CIN_VISITS: _CIN_VISITS,
}
GARBLED = {"Ī _'"}


def seed_cells() -> dict[tuple[str, str], list[str]]:
    """(indicator name, 'YYYY-MM') -> every cell text the report prints for it (one per table)."""
    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    header: list[str] | None = None
    for line in SEED.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if parts[0] == "Indicator":
            header = parts
            continue
        if header is None or not line.strip():
            header = None if not line.strip() else header
            continue
        name = MERGED.get(parts[0].strip(), parts[0].strip())
        for column, text in zip(header[1:], parts[1:], strict=False):
            match = HEADER_MONTH.match(column.strip())
            if match:
                month = f"20{match.group(2)}-{MONTHS[match.group(1)]:02d}"
                cells[(name, month)].append(text.strip())
    return dict(cells)


def as_number(text: str) -> float | None:
    """The report's cell as a number; None for a blank or garbled cell."""
    if text in GARBLED or text == "":
        return None
    return float(text.replace("%", "").replace(",", ""))


def expected_values() -> dict[tuple[str, str], float | None]:
    """The figure each (indicator, month) should have: where the report's tables disagree,
    the value most of them print (the examples' documented choice)."""
    expected = {}
    for key, texts in seed_cells().items():
        values = Counter(as_number(t) for t in texts)
        (value, count), *rest = values.most_common()
        if rest and rest[0][1] == count:
            continue  # a tie between two tables: no single right answer to check
        expected[key] = value
    return expected
