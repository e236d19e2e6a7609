"""Issue 11, items 5 and 11: the one-month hint guesses no month; every unsupported file is
exit 2 naming the file and what is supported (never exit 70)."""

from __future__ import annotations

import re
from datetime import timedelta

import polars as pl
import pytest

from conftest import store_state
from csc_perf.store.core import Store


def lait_parquet(path):
    """A tiny file with the columns of LAIT's download (lait_bds_long.parquet)."""
    pl.DataFrame(
        {
            "Short Desc": ["RTA"],
            "Data item": ["Number of children killed or seriously injured in road accidents"],
            "Years": ["2014-16"],
            "LA and Regions": ["Southampton"],
            "Values": ["12.13"],
            "LA Number": [852.0],
            "Region": ["South East"],
        }
    ).write_parquet(path)
    return path


def reference_state(folder):
    store = Store(folder)
    return store.reference("benchmarks"), store.reference("population")


SUPPORTED = "DfE explore-education-statistics tidy CSV files (.csv"


# -- 5. the one-month hint ---------------------------------------------------------------
def test_one_month_hint_suggests_no_month(cli, full_workspace, tmp_path):
    """The store's latest month is 2024-10; a hint naming it would file September's figures
    as October's when pasted."""
    path = tmp_path / "september.csv"
    path.write_text("Indicator,Value\nNumber of contacts in the month,1804\n", encoding="utf-8")
    before = store_state(full_workspace / "store")
    result = cli("import", path)
    assert result.exit_code == 2
    assert f"{path}: a one-month extract (indicator, value) needs the month" in result.stderr
    assert "hint: add --month YYYY-MM, the month these figures are for" in result.stderr
    assert not re.search(r"--month \d", result.stderr)
    assert store_state(full_workspace / "store") == before


# -- 11. unsupported files ---------------------------------------------------------------
# Issue 17: `benchmarks import` reads LAIT's long file and LAIT workbooks (tests/test_lait.py);
# `population import` still refuses them. A LAIT file whose measures no indicator names, or
# a workbook without LAIT's columns, is exit 2 saying so, the store unchanged.
def test_a_lait_file_of_unmapped_measures_imports_nothing(cli, seeded_workspace, tmp_path):
    path = lait_parquet(tmp_path / "lait_bds_long.parquet")
    before = store_state(seeded_workspace / "store"), reference_state(seeded_workspace / "store")
    result = cli("benchmarks", "import", path)
    assert result.exit_code == 2
    assert f"warning: {path}: no measure of this LAIT file is a `benchmark" in result.stderr
    assert "error: nothing to import" in result.stderr
    after = store_state(seeded_workspace / "store"), reference_state(seeded_workspace / "store")
    assert after == before


def test_a_workbook_without_lait_columns_is_refused_by_benchmarks(cli, seeded_workspace, tmp_path):
    import xlsxwriter

    path = tmp_path / "ees.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("Data").write_row(0, 0, ["time_period", "geographic_level"])
    book.close()
    result = cli("benchmarks", "import", path)
    assert result.exit_code == 2
    assert f"error: {path}: no worksheet has LAIT's 'Short Desc' column" in result.stderr
    assert "tidy CSV" in result.stderr  # the hint names what is read


@pytest.mark.parametrize("command", ["population"])
def test_lait_parquet_is_refused_by_reference_imports(cli, seeded_workspace, tmp_path, command):
    path = lait_parquet(tmp_path / "lait_bds_long.parquet")
    before = store_state(seeded_workspace / "store"), reference_state(seeded_workspace / "store")
    result = cli(command, "import", path)
    assert result.exit_code == 2
    assert f"error: {path}: a Parquet file (LAIT's download, say) is not supported here" in (
        result.stderr
    )
    assert SUPPORTED in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.output
    after = store_state(seeded_workspace / "store"), reference_state(seeded_workspace / "store")
    assert after == before


@pytest.mark.parametrize("command", ["population"])
def test_a_workbook_is_refused_by_reference_imports(cli, seeded_workspace, tmp_path, command):
    import xlsxwriter

    path = tmp_path / "ees.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("Data").write_row(0, 0, ["time_period", "geographic_level"])
    book.close()
    result = cli(command, "import", path)
    assert result.exit_code == 2
    assert f"error: {path}: an Excel workbook is not supported here" in result.stderr
    assert SUPPORTED in result.stderr


def test_binary_data_named_csv_is_refused(cli, seeded_workspace, tmp_path):
    path = lait_parquet(tmp_path / "lait.parquet").rename(tmp_path / "lait.csv")
    result = cli("benchmarks", "import", path)
    assert result.exit_code == 2
    assert f"error: {path}: the file holds binary data" in result.stderr


def test_text_neither_utf8_nor_cp1252_is_refused(cli, seeded_workspace, tmp_path):
    # 0x81 is undefined in Windows-1252 and invalid as a UTF-8 start byte.
    path = tmp_path / "odd.csv"
    path.write_bytes(b"time_period,geographic_level\n202324,Nati\x81nal\n")
    result = cli("population", "import", path)
    assert result.exit_code == 2
    assert f"error: {path}: line 2: byte 0x81 is neither UTF-8 nor Windows-1252" in (result.stderr)


def test_parquet_extract_with_a_duration_column(cli, seeded_workspace, tmp_path):
    path = tmp_path / "extract.parquet"
    pl.DataFrame(
        {
            "Indicator": ["Number of contacts in the month"],
            "Month": ["2024-10"],
            "Value": [1928],
            "Time to decision": [timedelta(days=3)],
        }
    ).write_parquet(path)
    before = store_state(seeded_workspace / "store")
    result = cli("import", path)
    assert result.exit_code == 2
    assert (
        f"error file-unreadable: {path}: column 'Time to decision' holds duration" in result.stderr
    )
    assert "internal error" not in result.stderr
    assert store_state(seeded_workspace / "store") == before


@pytest.mark.parametrize("name", ["figures.ods", "figures.xlsb", "figures.json"])
def test_unsupported_extract_types_list_what_is_supported(cli, seeded_workspace, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 not really")
    result = cli("import", path)
    assert result.exit_code == 2
    assert f"{path}: unknown file type" in result.stderr
    assert (
        "extracts are CSV (.csv, .tsv, .txt), Excel workbooks (.xlsx, .xlsm) or Parquet "
        "(.parquet) files" in result.stderr
    )
