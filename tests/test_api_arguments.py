"""The API takes Python values as well as the CLI's text, and refuses the rest with the
typed errors (found by a hostile review of the API)."""

from __future__ import annotations

import datetime

import pytest

import csc_perf
from csc_perf.errors import UsageError


@pytest.fixture
def ws(full_workspace):
    return csc_perf.Workspace.open(full_workspace)


def test_as_of_takes_a_date_a_datetime_or_text(ws):
    today = datetime.date.today()
    by_text = ws.results(month="2024-10", as_of=today.isoformat())
    assert ws.results(month="2024-10", as_of=today).equals(by_text)
    now = datetime.datetime.now()
    assert ws.results(month="2024-10", as_of=now).equals(by_text)
    # Version 1 holds October 2023 only (the first example extract).
    first = ws.export(as_of=1)
    assert first.get_column("month").unique().to_list() == [datetime.date(2023, 10, 1)]


@pytest.mark.parametrize("value", [1.5, True, [3]])
def test_as_of_of_another_type_is_a_usage_error(ws, value):
    with pytest.raises(UsageError, match="version number or a date"):
        ws.results(month="2024-10", as_of=value)


def test_one_theme_or_indicator_as_a_string(ws):
    one = ws.results(month="2024-10", themes="visiting")
    assert one.equals(ws.results(month="2024-10", themes=["visiting"]))
    assert one.height == 7  # the seed's Visiting table has 7 rows
    single = ws.results(month="2024-10", indicators="referrals")
    assert single.get_column("indicator").to_list() == ["referrals"]
    report = ws.report(month="2024-10", themes="visiting")
    assert set(report.frame.get_column("theme").to_list()) == {"visiting"}


def test_no_files_is_a_usage_error(ws):
    with pytest.raises(UsageError, match="no files"):
        ws.import_files([])
    with pytest.raises(UsageError, match="not a file path"):
        ws.validate([42])


def test_trend_months_must_be_a_whole_number(ws):
    with pytest.raises(UsageError, match="--months"):
        ws.trend("referrals", months="13")


def test_to_xlsx_into_a_missing_folder_is_a_usage_error(ws, full_workspace):
    report = ws.report(month="2024-10")
    with pytest.raises(UsageError, match="does not exist"):
        report.to_xlsx(full_workspace / "no-such-folder" / "r.xlsx")
    with pytest.raises(UsageError, match="is a folder"):
        report.to_xlsx(full_workspace)
    assert report.to_xlsx(full_workspace / "r.xlsx")[:2] == b"PK"
