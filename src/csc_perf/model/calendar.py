"""The one parser for month labels.

Months are the first day of the month as a :class:`datetime.date`. Accepted labels (case and
surrounding spaces ignored): ``Oct-24``, ``Oct 24``, ``Oct-2024``, ``October 2024``,
``Oct_24``, ``2024-10``, ``2024/10``, ``2024-10-31`` or ``2024/10/31`` (any day: the month is
taken), ``10/2024``, ``31/10/2024`` (UK day/month/year), with or without a time
(``2024-10-01 00:00:00``, ``2024-10-31T00:00:00``, ``31/10/2024 00:00``: how Excel date cells
arrive as text), and :class:`datetime.date` / ``datetime`` objects. Any dash (en dash ``–``,
em dash, minus sign, non-breaking hyphen) is read as ``-``. Two-digit years mean 20YY.
``2023/24`` is a financial year, not a month: ``YYYY/YY`` where the second year follows the
first is never read as a month, so ``2024/10`` is October 2024 but ``2009/10`` is the
financial year.
"""

from __future__ import annotations

import re
from datetime import date, datetime

MONTH_NAMES = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
}
_NAME_ALT = "|".join(sorted(MONTH_NAMES, key=len, reverse=True))

_NAMED = re.compile(rf"^(?P<name>{_NAME_ALT})[\s\-/'._]*(?P<year>\d{{4}}|\d{{2}})$")
_TIME = r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?"
# Year-month needs a dash: "2023/24" is a financial year in UK reporting, not a month.
_ISO = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})$")
# ``2024/10`` is October 2024, unless the second number is the year after the first
# (``2023/24``, ``2009/10``): that is a financial year.
_ISO_SLASH = re.compile(r"^(?P<year>\d{4})/(?P<month>\d{2})$")
# Dashes a spreadsheet or a word processor puts in for "-": hyphen, non-breaking hyphen,
# figure dash, en dash, em dash, horizontal bar, minus sign, small and full-width hyphen-minus.
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
_DASH_TABLE = str.maketrans(dict.fromkeys(DASHES, "-"))
_ISO_DATE = re.compile(rf"^(?P<year>\d{{4}})[-/](?P<month>\d{{1,2}})[-/](?P<day>\d{{1,2}}){_TIME}$")
_MY = re.compile(r"^(?P<month>\d{1,2})[-/.](?P<year>\d{4})$")
_DMY = re.compile(rf"^(?P<day>\d{{1,2}})[-/.](?P<month>\d{{1,2}})[-/.](?P<year>\d{{4}}){_TIME}$")

# A header that is trying to be a month even though it fails to parse ("Octt-24", "Oct-2x",
# "2024-13"), as opposed to "Target", "So'ton 22/23", "2023/24" or "Mar-24 YTD", which are
# other columns of a report table and are ignored.
_MONTHISH = re.compile(
    rf"^(?:(?:{_NAME_ALT})[a-z]*[\s\-/'.]*\d[0-9a-z]{{1,3}}|\d{{4}}-\d{{1,2}}(?:-\d{{1,2}})?"
    r"|\d{1,2}[-/.]\d{4}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})$",
    re.IGNORECASE,
)


class MonthError(ValueError):
    """A label that is not a month this parser understands."""


def parse_month(label: object) -> date:
    """Return the first day of the month named by ``label``.

    Raises :class:`MonthError` when the label is not a month (including month 13, day 32,
    or an empty label).
    """
    if isinstance(label, datetime):
        return date(label.year, label.month, 1)
    if isinstance(label, date):
        return date(label.year, label.month, 1)
    if not isinstance(label, str):
        raise MonthError(f"not a month: {label!r}")
    text = label.strip().lower().translate(_DASH_TABLE)
    day = 1
    m = _NAMED.match(text)
    if m:
        month = MONTH_NAMES[m["name"]]
        year = int(m["year"])
        if len(m["year"]) == 2:
            year += 2000
    else:
        m = _ISO.match(text) or _ISO_DATE.match(text) or _MY.match(text) or _DMY.match(text)
        slash = _ISO_SLASH.match(text) if not m else None
        if slash and int(slash["month"]) != (int(slash["year"]) + 1) % 100:
            m = slash
        if not m:
            raise MonthError(f"not a month: {label!r}")
        year = int(m["year"])
        month = int(m["month"])
        groups = m.groupdict()
        if groups.get("day"):
            day = int(groups["day"])
    try:
        date(year, month, day)  # validates month 1-12 and the day of that month
    except ValueError as exc:
        raise MonthError(f"not a month: {label!r} ({exc})") from None
    return date(year, month, 1)


def looks_like_month(label: str) -> bool:
    """True when a header seems meant as a month, whether or not it parses."""
    return bool(_MONTHISH.match(label.strip().translate(_DASH_TABLE)))


def month_label(month: date) -> str:
    """The ISO label used in outputs: ``2024-10``."""
    return f"{month.year:04d}-{month.month:02d}"


def report_label(month: date) -> str:
    """The label the report prints: ``Oct-24``."""
    return month.strftime("%b-%y")


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + (month.month - 1) + n
    return date(index // 12, index % 12 + 1, 1)


def financial_year_label(year_ending: int) -> str:
    """2024 (the year ending 31 March 2024) -> ``2023/24``."""
    return f"{year_ending - 1}/{year_ending % 100:02d}"
