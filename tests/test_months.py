from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csc_perf.model.calendar import (
    MonthError,
    add_months,
    looks_like_month,
    parse_month,
    report_label,
)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Oct-24", date(2024, 10, 1)),  # the report's own headers
        ("Oct-22", date(2022, 10, 1)),
        ("oct-24", date(2024, 10, 1)),
        (" Oct 24 ", date(2024, 10, 1)),
        ("Oct-2024", date(2024, 10, 1)),
        ("October 2024", date(2024, 10, 1)),
        ("Sept 2024", date(2024, 9, 1)),
        ("2024-10", date(2024, 10, 1)),
        ("2024/10/31", date(2024, 10, 1)),
        ("2024-10-31T00:00:00", date(2024, 10, 1)),  # ISO datetime
        ("31/10/2024 00:00", date(2024, 10, 1)),  # Excel date-time written to CSV
        ("2024-10-31", date(2024, 10, 1)),
        ("2024-10-01 00:00:00", date(2024, 10, 1)),  # an Excel date cell read as text
        ("10/2024", date(2024, 10, 1)),
        ("31/10/2024", date(2024, 10, 1)),  # UK day/month/year
        (date(2024, 10, 17), date(2024, 10, 1)),
        (datetime(2024, 10, 17, 9, 30), date(2024, 10, 1)),
    ],
)
def test_parse_month_accepts_report_and_iso_labels(label, expected):
    assert parse_month(label) == expected


@pytest.mark.parametrize(
    "label",
    [
        "",
        "Octember-24",
        "2024-13",
        "2024-00",
        "31/02/2024",
        "Target",
        "So'ton 22/23",
        "24",
        None,
        "Oct-2x",
        "2024-10-01T",
        "2023/24",  # a financial year, not March 2023 or anything else
        "2011/12",
        "Mar-24 YTD",
    ],
)
def test_parse_month_rejects_non_months(label):
    with pytest.raises(MonthError):
        parse_month(label)


def test_looks_like_month_separates_typos_from_other_columns():
    assert looks_like_month("Octt 24")
    assert looks_like_month("Oct-2x")
    assert looks_like_month("2024-13")
    for header in (
        "Target",
        "RAG",
        "Direction of travel",
        "So'ton 22/23",
        "England 23/24",
        "22/23 Stat Neighbours",
        "South East 22/23",
        "2023/24",
        "Mar-24 YTD",
        "Marks",
    ):
        assert not looks_like_month(header), header


months = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@given(months)
def test_every_label_style_round_trips(day):
    first = date(day.year, day.month, 1)
    for label in (
        day.strftime("%b-%y"),
        day.strftime("%b-%Y"),
        day.strftime("%B %Y"),
        day.strftime("%Y-%m"),
        day.isoformat(),
        day.strftime("%d/%m/%Y"),
        day.strftime("%m/%Y"),
        f"{day.isoformat()} 00:00:00",
    ):
        assert parse_month(label) == first, label
    assert parse_month(report_label(first)) == first


@given(st.text(max_size=12))
def test_parse_month_never_raises_anything_but_month_error(text):
    try:
        result = parse_month(text)
    except MonthError:
        return
    assert result.day == 1


@given(months, st.integers(-300, 300))
def test_add_months_is_consistent(day, n):
    first = date(day.year, day.month, 1)
    moved = add_months(first, n)
    assert (moved.year * 12 + moved.month) - (first.year * 12 + first.month) == n
    assert add_months(moved, -n) == first
