"""Reading extracts: file types, shapes, positions."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from conftest import MONTHLY, WORKBOOK
from csc_perf.errors import ExtractReadError
from csc_perf.ingest.shapes import table_cells
from csc_perf.ingest.tables import read_tables
from csc_perf.ingest.validation import validate_files


def obs_value(report, indicator: str, month: date):
    rows = report.observations.filter(
        (pl.col("indicator") == indicator) & (pl.col("month") == month)
    )
    return rows.get_column("value").to_list()


def test_workbook_reads_every_sheet_with_real_date_headers(definitions):
    source = read_tables(WORKBOOK)
    assert [t.sheet for t in source.tables] == [
        "Family Help",
        "Family Safeguarding",
        "Localities",
        "Birth families",
        "Permanence",
        "Workforce",
        "Visiting",
        "Supervision",
    ]
    report = validate_files([WORKBOOK], definitions)
    assert report.valid, [i.message for i in report.errors]
    # Family Help has real Excel dates as month headers; the seed's Oct-22 contacts: 1488.
    assert obs_value(report, "contacts", date(2022, 10, 1)) == [1488.0]
    # Workforce mixes numbers (14.24) and text percentages ("36%") in its month columns.
    assert obs_value(report, "sw_average_caseload", date(2024, 10, 1)) == [14.24]
    assert obs_value(report, "sw_changes", date(2024, 10, 1)) == [36.0]
    assert report.files[0].shape == "wide"


def test_wide_sheet_ignores_target_rag_and_benchmark_columns():
    source = read_tables(WORKBOOK, sheet="Family Help")
    cells = table_cells(source.tables[0])
    assert cells.shape == "wide"
    assert cells.ignored_columns[:3] == ["Target", "RAG", "Direction of travel"]
    assert "So'ton 22/23" in cells.ignored_columns
    assert cells.problems == []


def test_sheet_option(definitions):
    report = validate_files([WORKBOOK], definitions, sheet="Visiting")
    assert set(report.observations.get_column("indicator")) == {
        "eh_visits_4_weeks",
        "cin_visits_6_weeks",
        "cin_visits_3_weeks",
        "cwd_visits",
        "cp_visits_10_days",
        "cp_visits_4_weeks",
        "cla_visits",
    }
    with pytest.raises(ExtractReadError, match="no sheet named 'Visits'") as info:
        read_tables(WORKBOOK, sheet="Visits")
    assert "'Visiting'" in info.value.hint


def test_positions_are_spreadsheet_rows(definitions):
    report = validate_files([MONTHLY[-1]], definitions)
    row = report.observations.filter(pl.col("indicator") == "early_help_referrals").row(
        0, named=True
    )
    assert row["source_row"] == 2  # the first data row under the header
    assert row["value"] == 196.0


def test_bom_and_ids_and_authority_column(tmp_path, definitions):
    path = tmp_path / "bom.csv"
    path.write_bytes(
        "\ufeffAuthority,Indicator,Month,Value\n"
        '852,contacts,Oct-24,"1,928"\n'
        "851,contacts,Oct-24,2001\n".encode()
    )
    report = validate_files([path], definitions)
    assert report.valid
    got = sorted(report.observations.select("authority", "value").rows())
    assert got == [("851", 2001.0), ("852", 1928.0)]


def test_parquet_long_extract_with_date_column(tmp_path, definitions):
    path = tmp_path / "extract.parquet"
    pl.DataFrame(
        {
            "indicator": ["Number of referrals into statutory service in the month"] * 2,
            "month": [date(2024, 9, 1), date(2024, 10, 1)],
            "value": [305.0, 403.0],
        }
    ).write_parquet(path)
    report = validate_files([path], definitions)
    assert report.valid
    assert obs_value(report, "referrals", date(2024, 10, 1)) == [403.0]
    assert report.observations.get_column("source_row").to_list() == [2, 3]


def test_wide_csv_with_report_headers(tmp_path, definitions):
    path = tmp_path / "wide.csv"
    path.write_text(
        "Indicator,Sep-24,Oct-24,Target,RAG\n"
        "Number of new CLA in month,24,9,11,\n"
        "Number of CLA placed for adoption at period end,18,c,-,\n",
        encoding="utf-8",
    )
    report = validate_files([path], definitions)
    assert report.valid
    statuses = dict(
        report.observations.filter(pl.col("month") == date(2024, 10, 1))
        .select("indicator", "status")
        .rows()
    )
    assert statuses == {"new_cla": "present", "cla_placed_for_adoption": "suppressed"}


def test_missing_file_and_unknown_type(tmp_path, definitions):
    report = validate_files([tmp_path / "nope.csv"], definitions)
    assert [i.code for i in report.issues] == ["file-unreadable"]
    assert "nope.csv: file not found" in report.issues[0].message
    odd = tmp_path / "figures.ods"
    odd.write_text("x")
    report = validate_files([odd], definitions)
    assert "unknown file type '.ods'" in report.issues[0].message
