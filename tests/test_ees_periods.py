"""Issue 11, item 8: EES periods read as the DfE defines them, and replaced figures listed.

`time_period` 2024 and 202324 both mean the year ending 31 March 2024 (2023/24); its figures
are stored at March 2024. Southampton's "Percentage of referrals leading to NFA" is 8.6 in
2023/24 and 14.3 in 2022/23 (the reference report and the DfE c1 file agree). The fixture is
tests/fixtures/dfe/c1_..._2023_to_2024.csv (a subset of the DfE file; see its README).
"""

from __future__ import annotations

import polars as pl
import pytest

from conftest import FIXTURES, store_state
from csc_perf.errors import ExtractReadError
from csc_perf.ingest.ees import ees_year, read_ees

C1 = (
    FIXTURES / "dfe" / "c1_children_in_need_referrals_and_rereferrals_2013_to_2025_2023_to_2024.csv"
)
POPULATION = FIXTURES / "dfe" / "ons_mid-year_population_estimates_2012_to_2024_2020_to_2023.csv"


@pytest.mark.parametrize(
    ("period", "year"),
    [
        ("2024", 2024),
        ("202324", 2024),  # 2023/24: the year ending March 2024, not 2023
        (" 202324 ", 2024),
        ("199900", 2000),
        ("202223", 2023),
        ("202325", None),  # not two consecutive years
        ("2023/24", None),
        ("2023-24", None),
        ("24", None),
        ("20232", None),
        ("", None),
        (None, None),
    ],
)
def test_ees_year(period, year):
    frame = pl.DataFrame({"p": [period]}, schema={"p": pl.String})
    assert frame.select(ees_year(pl.col("p"))).item() == year


def _southampton(tmp_path, *, period_of: dict[str, str], name="c1.csv"):
    """The c1 fixture's Southampton rows, with time_period rewritten."""
    lines = C1.read_text(encoding="utf-8-sig").splitlines()
    rows = [lines[0]]
    for line in lines[1:]:
        fields = line.split(",")
        if fields[7] == "852" and fields[0] in period_of:
            fields[0] = period_of[fields[0]]
            rows.append(",".join(fields))
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _export(cli, indicator: str) -> list[tuple]:
    result = cli("export", "--format", "csv", "--indicator", indicator)
    assert result.exit_code == 0, result.stderr
    frame = pl.read_csv(result.stdout.encode(), schema_overrides={"authority": pl.String})
    return sorted(frame.select("authority", "month", "value").rows())


@pytest.mark.parametrize("style", ["four digits", "six digits"])
def test_import_stores_the_year_ending_in_march(cli, workspace, style):
    periods = (
        {"2024": "2024", "2023": "2023"}
        if style == "four digits"
        else {"2024": "202324", "2023": "202223"}
    )
    path = _southampton(workspace, period_of=periods)
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert _export(cli, "referrals_nfa") == [
        ("852", "2023-03-01", 14.3),
        ("852", "2024-03-01", 8.6),
    ]


def test_a_period_that_is_not_dfe_is_refused(cli, seeded_workspace):
    before = store_state(seeded_workspace / "store")
    path = _southampton(seeded_workspace, period_of={"2024": "2023/24", "2023": "2023"})
    result = cli("import", path)
    assert result.exit_code == 1
    assert (
        f"error month-unparseable: {path}, row 2: time_period '2023/24' is not a DfE period; "
        "a DfE time_period is 2024 (the year ending 31 March 2024) or 202324" in result.stderr
    )
    assert store_state(seeded_workspace / "store") == before


def test_replacing_the_councils_own_figures_lists_each(cli, workspace):
    own = workspace / "own.csv"
    own.write_text(
        "Indicator,Month,Value\n"
        "Percentage of referrals leading to NFA,2024-03,9.1\n"
        "Percentage of referrals leading to NFA,2023-03,15\n",
        encoding="utf-8",
    )
    assert cli("import", own).exit_code == 0
    ees = _southampton(workspace, period_of={"2024": "202324", "2023": "202223"})
    result = cli("import", ees)
    assert result.exit_code == 0, result.stderr
    assert "replaced 2 stored figure(s) (old -> new):" in result.stderr
    assert (
        f"852 referrals_nfa 2023-03: 15 -> 14.3 (was from {own}; now {ees}, row 3)" in result.stderr
    )
    assert (
        f"852 referrals_nfa 2024-03: 9.1 -> 8.6 (was from {own}; now {ees}, row 2)" in result.stderr
    )
    assert _export(cli, "referrals_nfa") == [
        ("852", "2023-03-01", 14.3),
        ("852", "2024-03-01", 8.6),
    ]


def test_dry_run_lists_what_would_be_replaced(cli, workspace):
    own = workspace / "own.csv"
    own.write_text(
        "Indicator,Month,Value\nPercentage of referrals leading to NFA,2024-03,9.1\n",
        encoding="utf-8",
    )
    assert cli("import", own).exit_code == 0
    ees = _southampton(workspace, period_of={"2024": "202324"})
    before = store_state(workspace / "store")
    result = cli("import", ees, "--dry-run", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert f"852 referrals_nfa 2024-03: 9.1 -> 8.6 (was from {own}; now {ees}, row 2)" in (
        result.stderr
    )
    assert store_state(workspace / "store") == before


def test_benchmarks_import_reads_six_digit_periods(cli, workspace):
    path = _southampton(workspace, period_of={"2024": "202324", "2023": "202223"})
    result = cli("benchmarks", "import", path)
    assert result.exit_code == 0, result.stderr
    frame = pl.read_csv(
        cli("export", "--table", "benchmarks", "--format", "csv").stdout.encode(),
        schema_overrides={"authority": pl.String},
    )
    nfa = frame.filter(pl.col("indicator") == "referrals_nfa").sort("year")
    assert nfa.select("authority", "year", "value").rows() == [
        ("852", 2023, 14.3),
        ("852", 2024, 8.6),
    ]


def test_benchmarks_import_refuses_an_unreadable_period(cli, workspace):
    path = _southampton(workspace, period_of={"2024": "2024", "2023": "FY2023"})
    result = cli("benchmarks", "import", path)
    assert result.exit_code == 1
    assert (
        f"error month-unparseable: {path}, row 3, column 'time_period': 'FY2023' is not a DfE "
        "period" in result.stderr
    )
    assert "hint: a DfE time_period is 2024" in result.stderr
    assert not (workspace / "store" / "benchmarks").exists()


@pytest.mark.parametrize("cell", ["inf", "nan", "1e308"])
def test_benchmarks_import_refuses_figures_that_are_not_finite(cli, workspace, cell):
    lines = _southampton(workspace, period_of={"2024": "2024"}).read_text().splitlines()
    header = lines[0].split(",")
    fields = lines[1].split(",")
    fields[header.index("no_further_action_percent")] = cell
    path = workspace / "bad.csv"
    path.write_text("\n".join([lines[0], ",".join(fields)]) + "\n", encoding="utf-8")
    result = cli("benchmarks", "import", path)
    assert result.exit_code == 1
    assert (
        f"error value-too-large: {path}, row 2, column 'no_further_action_percent': {cell!r} "
        "is not a figure csc-perf stores" in result.stderr
    )
    assert not (workspace / "store" / "benchmarks").exists()


def test_population_file_with_an_unreadable_period(tmp_path):
    lines = POPULATION.read_text(encoding="utf-8-sig").splitlines()
    fields = lines[1].split(",")
    fields[0] = "mid-2023"
    path = tmp_path / "population.csv"
    path.write_text("\n".join([lines[0], ",".join(fields), *lines[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(ExtractReadError) as caught:
        read_ees(path)
    assert caught.value.code == "month-unparseable"
    assert f"{path}, row 2, column 'time_period': 'mid-2023' is not a DfE period" in str(
        caught.value
    )
