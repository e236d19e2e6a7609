"""Issue 11's rule for long and one-month extracts: a column csc-perf does not read is skipped
by name (a known report column, or ``--ignore-column``) or refused, never dropped without a
word. A second "Value (provisional)" column beside "Value" used to vanish with exit 0.
"""

from __future__ import annotations

import io

import polars as pl

from conftest import store_state

CONTACTS = "Number of contacts in the month"


def contacts_2024_10(cli) -> list[float | None]:
    result = cli("export", "--format", "csv", "--indicator", "contacts")
    assert result.exit_code == 0, result.stderr
    frame = pl.read_csv(io.StringIO(result.stdout), infer_schema_length=None)
    return frame.filter(pl.col("month").cast(pl.String).str.starts_with("2024-10"))[
        "value"
    ].to_list()


def test_a_second_value_column_is_refused_naming_it(cli, seeded_workspace):
    extract = seeded_workspace / "long.csv"
    extract.write_text(
        f"Indicator,Month,Value,Value (provisional)\n{CONTACTS},2024-10,1928,1950\n",
        encoding="utf-8",
    )
    before = store_state(seeded_workspace / "store")
    result = cli("import", extract)
    assert result.exit_code == 1
    assert "header-unknown" in result.stderr
    assert "column 'Value (provisional)' is not one csc-perf reads" in result.stderr
    assert "--ignore-column 'Value (provisional)'" in result.stderr
    assert store_state(seeded_workspace / "store") == before


def test_ignore_column_skips_it_on_purpose(cli, seeded_workspace):
    extract = seeded_workspace / "long.csv"
    extract.write_text(
        f"Indicator,Month,Value,Value (provisional)\n{CONTACTS},2024-10,1928,1950\n",
        encoding="utf-8",
    )
    result = cli("import", extract, "--ignore-column", "value (PROVISIONAL)")
    assert result.exit_code == 0, result.stderr
    assert contacts_2024_10(cli) == [1928.0]  # the Value column's figure, not 1950


def test_known_report_columns_and_empty_columns_are_skipped(cli, seeded_workspace):
    extract = seeded_workspace / "long.csv"
    extract.write_text(
        "Indicator,Month,Value,Notes,Target,Spare\n"
        f"{CONTACTS},2024-10,1928,checked by the team,2000,\n",
        encoding="utf-8",
    )
    result = cli("import", extract)
    assert result.exit_code == 0, result.stderr
    assert contacts_2024_10(cli) == [1928.0]


def test_one_month_extract_with_an_unknown_column(cli, seeded_workspace):
    extract = seeded_workspace / "month.csv"
    extract.write_text(f"Indicator,Value,Sep figure\n{CONTACTS},1928,1800\n", encoding="utf-8")
    before = store_state(seeded_workspace / "store")
    result = cli("import", extract, "--month", "2024-10")
    assert result.exit_code == 1
    assert "column 'Sep figure' is not one csc-perf reads" in result.stderr
    assert store_state(seeded_workspace / "store") == before


def test_figures_under_a_blank_header_are_refused(cli, seeded_workspace):
    extract = seeded_workspace / "long.csv"
    extract.write_text(f"Indicator,Month,Value,\n{CONTACTS},2024-10,1928,1950\n", encoding="utf-8")
    result = cli("import", extract)
    assert result.exit_code == 1
    assert "header-missing" in result.stderr
    assert "a column with figures has no header (the column after 'Value')" in result.stderr
