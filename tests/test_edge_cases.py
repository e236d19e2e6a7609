"""Odd but real inputs and outputs: each once broke, or could have."""

from __future__ import annotations

import json
import os
import stat
from datetime import date

import polars as pl
import pytest

from conftest import MONTHLY, store_state
from csc_perf.ingest.validation import validate_files


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_blank_lines_above_the_header(tmp_path, definitions):
    path = write(tmp_path / "f.csv", "\n\nIndicator,Month,Value\ncontacts,2024-10,5\n")
    report = validate_files([path], definitions)
    assert report.valid
    assert report.observations.get_column("source_row").to_list() == [4]


def test_financial_year_and_ytd_columns_are_ignored(tmp_path, definitions):
    path = write(
        tmp_path / "f.csv",
        "Indicator,Sep-24,Oct-24,2023/24,2011/12,Mar-24 YTD\ncontacts,1804,1928,9,9,9\n",
    )
    report = validate_files([path], definitions)
    assert report.valid, [i.message for i in report.issues]
    assert sorted(report.observations.get_column("month").to_list()) == [
        date(2024, 9, 1),
        date(2024, 10, 1),
    ]


def test_excel_datetime_text_in_a_long_file(tmp_path, definitions):
    path = write(
        tmp_path / "f.csv",
        "Indicator,Month,Value\ncontacts,2024-10-31T00:00:00,1\nreferrals,31/10/2024 00:00,2\n",
    )
    report = validate_files([path], definitions)
    assert report.valid
    assert set(report.observations.get_column("month")) == {date(2024, 10, 1)}


def test_blank_beside_a_figure_is_not_a_conflict(tmp_path, definitions):
    path = write(
        tmp_path / "f.csv",
        "Indicator,Oct-24\nNumber of children in our care,\nNumber of children in our care,552\n",
    )
    report = validate_files([path], definitions)
    assert not [i for i in report.issues if i.code == "duplicate-conflict"]
    assert not [i for i in report.issues if i.indicator == "children_in_care"]
    assert report.observations.get_column("value").to_list() == [552.0]


def test_wide_indicator_column_need_not_come_first(tmp_path, definitions):
    path = write(
        tmp_path / "f.csv",
        "Target,Measure name,Oct-24\n100,Number of contacts in the month,1928\n",
    )
    report = validate_files([path], definitions)
    assert report.valid, [i.message for i in report.issues]
    assert report.observations.get_column("indicator").to_list() == ["contacts"]


def test_shape_wide_on_a_long_file_is_an_error(tmp_path, definitions):
    report = validate_files([MONTHLY[0]], definitions, shape="wide")
    assert [i.code for i in report.issues] == ["header-missing"]
    assert report.issues[0].row == 1


def test_parquet_with_a_list_column_is_unreadable(tmp_path, definitions):
    path = tmp_path / "p.parquet"
    pl.DataFrame(
        {"Indicator": ["contacts"], "Month": ["2024-10"], "Value": [[1, 2]]}
    ).write_parquet(path)
    report = validate_files([path], definitions)
    assert [i.code for i in report.issues] == ["file-unreadable"]
    assert "column 'Value' holds" in report.issues[0].message


def test_excel_percent_cells_warn_as_fractions(tmp_path, definitions):
    import xlsxwriter

    # Fractions with no % number format (a program's export): Excel shows 0.14, and csc-perf
    # does not guess. (Cells formatted as % are read as Excel shows them: see
    # test_excel_reading.py.)
    path = tmp_path / "pct.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Localities")
    sheet.write_row(0, 0, ["Indicator", "Sep-24", "Oct-24"])
    sheet.write(1, 0, "Percentage of re-referrals within 12 months")
    sheet.write_number(1, 1, 0.14)
    sheet.write_number(1, 2, 0.19)
    book.close()
    report = validate_files([path], definitions)
    (issue,) = [i for i in report.issues if i.code == "percent-as-fraction"]
    assert issue.severity == "warning"
    assert issue.indicator == "re_referrals"
    assert "0.87" not in issue.message and "87% is 87" in issue.message


def test_curly_apostrophe_matches(definitions):
    assert definitions.match("Number of CLA placed in children’s homes").id == "cla_childrens_homes"


def test_repeatable_sheet(definitions):
    from conftest import WORKBOOK

    report = validate_files([WORKBOOK], definitions, sheet=["Visiting", "Supervision"])
    assert report.observations.get_column("indicator").n_unique() == 14


def test_output_file_keeps_umask_and_follows_symlinks(cli, full_workspace, tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    old_umask = os.umask(0o022)
    try:
        assert cli("export", "-o", link).exit_code == 0
    finally:
        os.umask(old_umask)
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8-sig").startswith("authority,indicator")  # after the BOM
    assert stat.S_IMODE(real.stat().st_mode) == 0o644


def test_output_errors_exit_2(cli, full_workspace, tmp_path):
    result = cli("export", "-o", tmp_path)
    assert result.exit_code == 2 and "is a folder" in result.stderr
    result = cli("export", "-o", tmp_path / "x.xlsx")
    assert result.exit_code == 2 and "cannot tell the format from '.xlsx'" in result.stderr
    result = cli("export", "-o", tmp_path / "missing" / "x.csv")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_os_errors_exit_2_not_internal(cli, tmp_path):
    blocker = tmp_path / "a.csv"
    blocker.write_text("x")
    result = cli("init", blocker / "sub")
    assert result.exit_code == 2
    assert "internal error" not in result.stderr


def test_demo_keep_refuses_a_workspace(cli, workspace):
    before = (workspace / "indicators.toml").read_text()
    result = cli("demo", "--keep", workspace)
    assert result.exit_code == 2
    assert "already holds a workspace" in result.stderr
    assert (workspace / "indicators.toml").read_text() == before


def test_damaged_store_is_exit_2(cli, seeded_workspace):
    log = seeded_workspace / "store" / "observations" / "_delta_log"
    for entry in log.iterdir():
        entry.unlink()
    for command in (["history"], ["export"], ["import", str(MONTHLY[1])]):
        result = cli(*command)
        assert result.exit_code == 2, (command, result.stderr)
        assert "internal error" not in result.stderr


def test_wait_must_be_a_number_of_seconds(cli, seeded_workspace):
    before = store_state(seeded_workspace / "store")
    assert cli("import", MONTHLY[1], "--wait", "nan").exit_code == 2
    assert store_state(seeded_workspace / "store") == before


def test_read_issue_rows_in_json(cli, workspace, tmp_path):
    path = write(tmp_path / "f.csv", "foo,bar\n1,2\n")
    issues = json.loads(cli("validate", path, "--format", "json").stdout)
    assert issues[0]["code"] == "header-missing" and issues[0]["row"] == 1


def test_target_list_steps_must_be_tables():
    from csc_perf.definitions.loading import parse_definitions
    from csc_perf.errors import DefinitionsError

    text = """
[[theme]]
id = "t"
name = "T"
[[indicator]]
id = "x"
name = "X"
theme = "t"
unit = "count"
measure = "flow"
polarity = "higher"
target = [{ value = 5 }, 6]
"""
    with pytest.raises(DefinitionsError) as info:
        parse_definitions(text)
    assert "each step must be a table" in str(info.value)


def test_unknown_indicator_counts_rows_not_cells(tmp_path, definitions):
    path = write(
        tmp_path / "f.csv", "Indicator,Sep-24,Oct-24\nNo such thing,1,2\nNo such thing,3,4\n"
    )
    report = validate_files([path], definitions)
    (issue,) = [i for i in report.issues if i.code == "indicator-unknown"]
    assert "(and 1 more row)" in issue.message
