"""Recognising an extract's header: which column holds indicators, months, values or
authorities, which wide-sheet header is a month (in any spelling a report uses), and which
is a known report column (Target, RAG, benchmarks) that holds no month's figure.

All functions here read one header text; none looks at the figures under it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from csc_perf.model.calendar import MonthError, parse_month

# Header names (compared case-insensitively, spaces and underscores alike) that say what a
# column of a long or one-month extract holds.
INDICATOR_HEADERS = {
    "indicator",
    "indicator id",
    "indicator name",
    "indicator description",
    "measure",
    "measure name",
    "id",
    "name",
    "kpi",
    "metric",
    "description",
}
MONTH_HEADERS = {"month", "period", "date", "reporting month", "month end"}
VALUE_HEADERS = {"value", "figure", "result", "actual"}
AUTHORITY_HEADERS = {"authority", "la", "la code", "old la code", "authority code"}
# Columns of a wide sheet that describe its indicators (a second name, an id).
DESCRIPTIVE_HEADERS = INDICATOR_HEADERS | AUTHORITY_HEADERS | {"indicator ref", "kpi ref"}


def header_key(text: str) -> str:
    """A header as compared: without case, with spaces and underscores alike."""
    return " ".join(text.replace("_", " ").split()).casefold()


# -- wide headers -----------------------------------------------------------------------
# A wide sheet's header is read column by column: a month (in any spelling below), a known
# report column (skipped by name), a column named with --ignore-column (skipped on purpose),
# or an error naming it. Nothing is dropped without a word.

# Marks after a month: "Oct-24 (provisional)", "Oct-24 [draft]", "Oct-24*", "Oct-24 †".
_HEADER_MARK = re.compile(
    r"\s*(?:[(\[]\s*(?:provisional|prov\.?|p|draft|revised|r|final|unvalidated|validated"
    r"|estimated?|est\.?)\s*[)\]]|\*+|†+)\s*$",
    re.IGNORECASE,
)
# Excel stores a date as days since 30 December 1899; a date header typed or pasted as text
# arrives as its serial (45536 is 1 September 2024). 36526 is 1 January 2000, 73415 the
# last day of 2100.
_EXCEL_SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$")
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_RANGE = (36526, 73415)

# Report columns that are not a month's figure (compared as header_key): the seed's Target,
# RAG and Direction of travel, csc-perf's own SPC, descriptions and notes.
REPORT_COLUMNS = {
    "target",
    "targets",
    "stretch target",
    "rag",
    "rag rating",
    "rag status",
    "dot",
    "direction of travel",
    "direction",
    "trend",
    "spc",
    "polarity",
    "good is",
    "better is",
    "unit",
    "units",
    "theme",
    "section",
    "ref",
    "reference",
    "no",
    "no.",
    "#",
    "notes",
    "note",
    "comments",
    "comment",
    "commentary",
    "narrative",
    "source",
    "definition",
    "owner",
    "lead",
}
# Words that make a column a benchmark, financial-year or cumulative column ("So'ton 22/23",
# "22/23 Stat Neighbours", "South East 23/24", "England 23/24", "Mar-24 YTD").
_REPORT_WORDS = re.compile(
    r"\b(?:england|national|stat(?:istical)? neighbours?|sn|region(?:al)?|benchmarks?"
    r"|north east|north west|yorkshire(?: and the humber)?|east midlands|west midlands"
    r"|east of england|(?:inner |outer )?london|south east|south west"
    r"|ytd|fytd|year to date|target|rag|notes?|comments?)\b",
    re.IGNORECASE,
)
_FINANCIAL_YEAR = re.compile(r"(?<![\d/])(\d{4}|\d{2})\s*[/-]\s*(\d{2})(?![\d/])")
_QUARTER = re.compile(r"\b(?:q[1-4]|quarter)\b", re.IGNORECASE)


def header_month(text: str) -> date | None:
    """The month a wide sheet's column header denotes, or None.

    Every spelling :func:`csc_perf.model.calendar.parse_month` reads (any dash, ``Oct_24``,
    ``2024/10``...), followed by a mark (``(provisional)``, ``(draft)``, ``*``...), or an
    Excel date serial as text (``45536``).
    """
    label = text.strip()
    while True:  # "Oct-24 (provisional)*": every mark
        stripped = _HEADER_MARK.sub("", label)
        if stripped == label:
            break
        label = stripped
    serial = _EXCEL_SERIAL.match(label)
    if serial and _SERIAL_RANGE[0] <= int(serial[1]) <= _SERIAL_RANGE[1]:
        return parse_month(_EXCEL_EPOCH + timedelta(days=int(serial[1])))
    try:
        return parse_month(label)
    except MonthError:
        return None


# Where a header may be cut to find a month at its start: before a space or a bracket.
_HEADER_CUT = re.compile(r"(?=[\s(\[,;:])")
# What may follow a month in a report column that legitimately names one: "Mar-24 YTD".
_MONTH_REPORT_REST = re.compile(
    r"^[\s(\[]*(?:ytd|fytd|year to date|cumulative)[\s)\]]*$", re.IGNORECASE
)


def month_with_words(text: str) -> date | None:
    """The month a header starts with when more words follow it that are not a mark:
    ``Oct-24 (see notes)``, ``Oct-24 London``, ``Oct-24 (provisional) note`` -> October
    2024. None for a plain month or a month with a mark (:func:`header_month` reads those),
    for a header that does not start with a month, and for a year-to-date column
    (``Mar-24 YTD``), a known report column that names a month."""
    label = text.strip()
    if header_month(label) is not None:
        return None
    cuts = sorted({m.start() for m in _HEADER_CUT.finditer(label)} - {0}, reverse=True)
    for cut in cuts:
        month = header_month(label[:cut])
        if month is not None:
            return None if _MONTH_REPORT_REST.match(label[cut:]) else month
    return None


def is_report_column(text: str) -> bool:
    """True for a known column of a report table that holds no month's figure: Target,
    RAG, Direction of travel, SPC, notes, benchmark and financial-year columns. A quarter
    (``Q3 24/25``) is not one: it is refused, as it cannot be filed under one month. Nor is
    a header that starts with a month and goes on with other words (``Oct-24 (see notes)``,
    ``Oct-24 London``): it may hold that month's figures, so it is refused rather than
    skipped (:func:`month_with_words`); ``Mar-24 YTD`` stays a report column."""
    key = header_key(text)
    if key in REPORT_COLUMNS or key in DESCRIPTIVE_HEADERS:
        return True
    if _QUARTER.search(key):
        return False
    if month_with_words(text) is not None:
        return False
    if _REPORT_WORDS.search(key):
        return True
    return any(_is_financial_year(m[1], m[2]) for m in _FINANCIAL_YEAR.finditer(key))


def _is_financial_year(first: str, second: str) -> bool:
    return (int(first) + 1) % 100 == int(second)
