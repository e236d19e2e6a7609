import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csc_perf.ingest.cells import parse_cell


@pytest.mark.parametrize(
    ("cell", "value", "status"),
    [
        ("87%", 87.0, "present"),  # percentages are kept on the 0-100 scale
        ("87", 87.0, "present"),
        ("4,266", 4266.0, "present"),
        ("14.24", 14.24, "present"),
        (" 1928 ", 1928.0, "present"),
        ("106", 106.0, "present"),  # out of range is a validation matter, not a parse error
        ("-3", -3.0, "present"),
        ("0", 0.0, "present"),
        ("", None, "missing"),
        (None, None, "missing"),
        ("-", None, "missing"),
        ("n/a", None, "missing"),
        ("N/A", None, "missing"),
        ("[-]", None, "missing"),
        ("c", None, "suppressed"),
        ("x", None, "suppressed"),
        ("[c]", None, "suppressed"),
        ("X", None, "suppressed"),
        ("Ī _'", None, "invalid"),  # the seed's garbled Oct-22 cell
        ("<u> </u>", None, "invalid"),
        ("12abc", None, "invalid"),
        ("1,23", None, "invalid"),
        ("#N/A", None, "invalid"),
        ("=1+1", None, "invalid"),
        ("inf", None, "invalid"),
        ("nan", None, "invalid"),
    ],
)
def test_cells(cell, value, status):
    assert parse_cell(cell) == (value, status)


def test_missing_is_never_zero():
    value, status = parse_cell("")
    assert value is None and status == "missing"


@given(st.integers(min_value=0, max_value=10**9))
def test_thousands_separators(n):
    assert parse_cell(f"{n:,}") == (float(n), "present")


@given(st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False))
def test_decimals_and_percent(number):
    text = f"{number:.2f}"
    assert parse_cell(text) == (float(text), "present")
    assert parse_cell(text + "%") == (float(text), "present")


@given(st.text(max_size=10))
def test_any_text_gets_a_status(text):
    value, status = parse_cell(text)
    assert status in {"present", "missing", "suppressed", "invalid"}
    if status == "present":
        assert value is not None and math.isfinite(value)
    else:
        assert value is None
