"""The October 2024 report built through the Python API alone equals the command line's.

The API (`csc_perf.Workspace`) and the CLI share one Report model, so every format the CLI
writes must be what the model's own renderers give, figure for figure. The figures are
checked against the seed elsewhere (tests/test_reports.py, test_html_report.py); here a few
seed figures are checked again through the API, so a wrong shared model cannot pass.
"""

from __future__ import annotations

import io

import polars as pl
import pytest

from conftest import FIXTURES

DFE = FIXTURES / "dfe"


@pytest.fixture
def api_workspace(full_workspace, cli):
    """The example workspace with every extract, and DfE benchmarks, as the CLI imports them."""
    for name in (
        "c1_children_in_need_referrals_and_rereferrals_2013_to_2025_2023_to_2024.csv",
        "d3_cpps_subsequent_plan_2013_to_2025_2023_to_2024.csv",
        "cla_number_and_rate_per_10k_children_2023_to_2024.csv",
    ):
        result = cli("benchmarks", "import", DFE / name)
        assert result.exit_code == 0, result.stderr
    return full_workspace


@pytest.fixture
def api_report(api_workspace):
    import csc_perf

    ws = csc_perf.Workspace.open(api_workspace)
    return ws.report(month="2024-10", fy=True, benchmarks=True)


def test_markdown_from_the_api_is_the_cli_report(api_report, api_workspace, cli):
    result = cli("report", "--month", "2024-10", "--fy", "--benchmarks", "--format", "md")
    assert result.exit_code == 0, result.stderr
    assert api_report.to_markdown() == result.stdout


def test_html_from_the_api_is_the_cli_report(api_report, api_workspace, cli):
    out = api_workspace / "report.html"
    result = cli("report", "--month", "2024-10", "--fy", "--benchmarks", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert api_report.to_html() == out.read_text(encoding="utf-8")


def test_xlsx_from_the_api_holds_the_cli_workbook(api_report, api_workspace, cli):
    import openpyxl

    out = api_workspace / "report.xlsx"
    result = cli("report", "--month", "2024-10", "--fy", "--benchmarks", "-o", out)
    assert result.exit_code == 0, result.stderr
    ours = openpyxl.load_workbook(io.BytesIO(api_report.to_xlsx()))
    theirs = openpyxl.load_workbook(out)
    assert ours.sheetnames == theirs.sheetnames
    for name in ours.sheetnames:
        assert [[c.value for c in row] for row in ours[name].iter_rows()] == [
            [c.value for c in row] for row in theirs[name].iter_rows()
        ], name


def test_frame_from_the_api_is_the_cli_csv(api_report, api_workspace, cli):
    result = cli("report", "--month", "2024-10", "--fy", "--benchmarks", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    cli_frame = pl.read_csv(io.StringIO(result.stdout), infer_schema_length=None)
    api_frame = pl.read_csv(io.BytesIO(api_report.frame.write_csv().encode()))
    assert cli_frame.equals(api_frame)


def test_the_api_report_holds_the_seed_figures(api_report):
    """Seed (Southampton, October 2024): contacts 305 -> 403 month on month; children in
    care rate 94 against a target of 87 (red); 14 months in the seed's layout."""
    frame = api_report.frame
    assert api_report.months[0].isoformat() == "2022-10-01"
    assert len(api_report.months) == 14
    rows = {r["indicator"]: r for r in frame.iter_rows(named=True)}
    assert any(r["2024-10"] == 94 and r["rag"] == "red" for r in rows.values())
    headers = [h for _, h in api_report.comparisons]
    # The neighbours' header says which average it shows (issue 17).
    assert "England 23/24" in headers and "23/24 Stat Neighbours (mean)" in headers
    assert api_report.highlights
    assert all(h.month.isoformat() == "2024-10-01" for h in api_report.highlights)


def test_notes_reach_the_api_caller(api_workspace):
    import csc_perf

    ws = csc_perf.Workspace.open(api_workspace)
    # The examples start in October 2023, so 2023/24 has six months: a partial year.
    ws.report(month="2024-10", fy=True)
    assert [(n.level, n.text) for n in ws.notes] == [
        ("info", "* a financial year with fewer than 12 months of figures (partial)")
    ]
    ws.report(month="2024-10")
    assert ws.notes == []  # each call starts afresh
