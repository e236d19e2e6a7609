"""Benchmarks from real DfE files (tests/fixtures/dfe/), against the seed's columns."""

from __future__ import annotations

import io
import json
from datetime import date

import polars as pl
import pytest

from conftest import FIXTURES

DFE = FIXTURES / "dfe"
FILES = [
    DFE / "c1_children_in_need_referrals_and_rereferrals_2013_to_2025_2023_to_2024.csv",
    DFE / "d3_cpps_subsequent_plan_2013_to_2025_2023_to_2024.csv",
    DFE / "cla_number_and_rate_per_10k_children_2023_to_2024.csv",
]
#: Southampton's ten statistical neighbours, DfE's April 2021 model
#: (New_Statistical_Neighbour_Groupings_April_2021.csv, row 852: SN1..SN10).
SOUTHAMPTON_NEIGHBOURS = ["851", "373", "874", "879", "831", "801", "331", "861", "810", "355"]


@pytest.fixture
def benchmarked(cli, full_workspace):
    result = cli("benchmarks", "import", *FILES)
    assert result.exit_code == 0, result.stderr
    rows = json.loads(cli("rag", "--month", "2024-10", "--format", "json").stdout)
    return {r["indicator"]: r for r in rows}


def test_referrals_nfa_reproduces_the_seed(benchmarked):
    # Seed, "Percentage of referrals leading to NFA": So'ton 14.3% (22/23) and 8.6% (23/24),
    # Stat Neighbours 7.6% and 5.8%, South East 11.9% (22/23), England 7.1% and 6.3%.
    row = benchmarked["referrals_nfa"]
    assert row["benchmark_year"] == "2023/24"
    assert row["benchmark_year_previous"] == "2022/23"
    assert (row["la_value_previous"], row["la_value"]) == (14.3, 8.6)
    assert round(row["sn_value_previous"], 1) == 7.6
    assert round(row["sn_value"], 1) == 5.8
    assert row["region_value_previous"] == 11.9
    assert (row["england_value_previous"], row["england_value"]) == (7.1, 6.3)
    assert row["sn_method"] == "mean"
    # October's 4% against lower-is-better benchmarks.
    assert (row["vs_sn"], row["vs_england"]) == ("better", "better")


def test_repeat_cp_plans_reproduces_the_seed(benchmarked):
    # "Percentage of children subject to 2nd or more CP plan": So'ton 33.1 / 29.3,
    # Stat Neighbours 25.1 / 26.8.
    row = benchmarked["repeat_cp_plans"]
    assert (row["la_value_previous"], row["la_value"]) == (33.1, 29.3)
    assert (round(row["sn_value_previous"], 1), round(row["sn_value"], 1)) == (25.1, 26.8)
    assert row["vs_sn"] == "worse"  # 36% with lower better


def test_children_in_care_rate_from_a_file_with_a_breakdown(benchmarked):
    # DfE's figures (cla_number_and_rate_per_10k_children.csv, children looked after on
    # 31 March): Southampton 108 (2022/23) and 97 (2023/24); England 70 and 69. The seed
    # prints 114 / 108 and 70 / 71 for this row: its Southampton pair is DfE's 2021/22 and
    # 2022/23, a year behind the heading, and England 71 is in no year of DfE's file.
    row = benchmarked["children_in_care_rate"]
    assert (row["la_value_previous"], row["la_value"]) == (108, 97)
    assert (row["england_value_previous"], row["england_value"]) == (70, 69)
    # Its neighbours 100.9 / 100.3 are a year behind too (DfE: 101.0 in 2021/22, 100.2 in
    # 2022/23, the mean of the ten); csc-perf shows 100.2 and 98.9. Its South East 57 is
    # DfE's 2022/23, as headed.
    assert (round(row["sn_value_previous"], 1), round(row["sn_value"], 1)) == (100.2, 98.9)
    assert row["region_value_previous"] == 57
    seed_23_24 = 108  # the seed's "So'ton 23/24" is DfE's 2022/23
    assert row["la_value_previous"] == seed_23_24


def test_re_referrals_neighbours_are_the_per_child_measure(benchmarked):
    # Seed: So'ton 22.0 / 23.2, Stat Neighbours 21.3 / 21.0, South East 27.9, England 22.4 /
    # 21.0. csc-perf shows DfE's per-child measure (rereferral_child_percent) in every column;
    # the seed's 22/23 neighbours, South East and England are the per-referral one
    # (rereferral_percent): the neighbours' mean of that is 21.3, of the per-child one 20.39.
    row = benchmarked["re_referrals"]
    assert (row["la_value_previous"], row["la_value"]) == (22.0, 23.2)
    assert (round(row["sn_value_previous"], 2), round(row["sn_value"], 2)) == (20.39, 20.97)
    assert (row["region_value_previous"], row["england_value_previous"]) == (25.4, 21.0)
    assert row["england_value"] == 21.0
    c1 = pl.read_csv(FILES[0], infer_schema=False).filter(
        (pl.col("time_period") == "2023") & pl.col("old_la_code").is_in(SOUTHAMPTON_NEIGHBOURS)
    )
    per_referral = c1.get_column("rereferral_percent").cast(pl.Float64).mean()
    assert c1.height == 10 and round(per_referral, 1) == 21.3  # the seed's figure


def test_repeat_cp_plans_england_is_the_dfes(benchmarked):
    # Seed: England 24.0 / 24.7. DfE d3: 2021/22 22.7, 2022/23 23.6, 2023/24 24.7: the seed's
    # 24.0 is no year's figure; csc-perf shows 23.6. South East 25.1 (2022/23) as the seed.
    row = benchmarked["repeat_cp_plans"]
    assert (row["england_value_previous"], row["england_value"]) == (23.6, 24.7)
    assert row["region_value_previous"] == 25.1


def test_no_benchmarks_gives_null_columns(cli, full_workspace):
    rows = json.loads(cli("rag", "--format", "json").stdout)
    assert all(r["la_value"] is None and r["quartile"] is None for r in rows)
    assert rows[0]["benchmark_year"] == "2023/24"


def test_benchmark_year_rule():
    from csc_perf.methods.benchmarks import benchmark_year_expr

    months = [date(2024, 3, 1), date(2024, 4, 1), date(2024, 10, 1), date(2025, 1, 1)]
    years = pl.DataFrame({"month": months}).select(benchmark_year_expr()).to_series().to_list()
    # March 2024 is still in 2023/24, so the last ended year is 2022/23 (2023).
    assert years == [2023, 2024, 2024, 2024]


def ees(rows: list[str]) -> str:
    header = (
        "time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
        "region_name,old_la_code,new_la_code,la_name,no_further_action_percent"
    )
    return "\n".join([header, *rows]) + "\n"


def test_suppressed_neighbours_are_left_out_not_zero(tmp_path, definitions):
    from csc_perf.ingest.ees import read_ees
    from csc_perf.ingest.ees_reference import benchmarks_from_ees
    from csc_perf.methods.benchmarks import add_benchmarks

    # LA numbers 901-904 (codes of the DfE form; new_la_code E1.. is not read when the
    # old_la_code is given)
    path = tmp_path / "nfa.csv"
    path.write_text(
        ees(
            [
                "2024,Reporting year,Local authority,E92000001,England,R1,Region,901,E1,One,10",
                "2024,Reporting year,Local authority,E92000001,England,R1,Region,902,E2,Two,20",
                "2024,Reporting year,Local authority,E92000001,England,R1,Region,903,E3,Three,c",
                "2024,Reporting year,Local authority,E92000001,England,R1,Region,904,E4,Four,x",
                "2024,Reporting year,Regional,E92000001,England,R1,Region,,,,15",
                "2024,Reporting year,National,E92000001,England,,,,,,12",
            ]
        ),
        encoding="utf-8",
    )
    table = benchmarks_from_ees(read_ees(path), definitions)
    assert dict(table.select("authority", "status").iter_rows())["903"] == "suppressed"
    results = pl.DataFrame(
        {
            "authority": ["901"],
            "indicator": ["referrals_nfa"],
            "month": [date(2024, 10, 1)],
            "value": [11.0],
            "polarity": ["lower"],
        }
    )
    out = add_benchmarks(results, table, {"901": ["902", "903", "904"]}).row(0, named=True)
    assert out["sn_value"] == 20  # the mean of the one neighbour with a figure
    assert out["sn_count"] == 1
    assert (out["region_value"], out["england_value"]) == (15, 12)
    assert (out["vs_sn"], out["vs_region"], out["vs_england"]) == ("better", "better", "better")
    # LA figures 10 and 20: quartiles 12.5 / 15 / 17.5; 11 with lower better is the best band.
    assert out["quartile"] == "A"


def test_benchmarks_show(cli, full_workspace):
    assert cli("benchmarks", "import", *FILES).exit_code == 0
    result = cli("benchmarks", "show", "referrals_nfa", "--format", "csv")
    frame = pl.read_csv(io.StringIO(result.stdout))
    latest = frame.filter(pl.col("year") == 2024).row(0, named=True)
    assert latest["financial_year"] == "2023/24"
    assert latest["authority"] == 8.6
    assert round(latest["statistical_neighbours"], 1) == 5.8
    assert latest["england"] == 6.3


def test_import_of_a_file_that_is_not_ees(cli, full_workspace, tmp_path):
    from conftest import MONTHLY

    result = cli("benchmarks", "import", MONTHLY[0])
    assert result.exit_code == 2
    assert "not a DfE EES file" in result.stderr


def test_a_dfe_ees_file_imports_as_every_authoritys_figures(cli, workspace):
    # A regional or national team's store: every council's published figures, as they are.
    result = cli("import", FILES[0])
    assert result.exit_code == 0, result.stderr
    assert "required-missing" not in result.stderr
    rows = json.loads(
        cli(
            "rag",
            "--authority",
            "all",
            "--month",
            "2024-03",
            "--indicator",
            "referrals_nfa",
            "--format",
            "json",
        ).stdout
    )
    by_authority = {r["authority"]: r for r in rows}
    assert len(by_authority) > 140
    assert by_authority["852"]["value"] == 8.6  # Southampton 2023/24, as DfE publishes it
    assert by_authority["852"]["authority_band"] in {"A", "B", "C", "D"}


def count_and_rate(unit: str):
    """Southampton's children in care (470, fewer is better) against a hand-made table:
    neighbours 851 (300) and 850 (1,700), the South East 11,000, England 83,530 (DfE: children
    looked after at 31 March 2024, cla_number_and_rate_per_10k_children)."""
    from csc_perf.methods.benchmarks import add_benchmarks

    rows = [
        ("852", "la", "E12000008", 468.0),
        ("851", "la", "E12000008", 300.0),
        ("850", "la", "E12000008", 1700.0),
        ("E12000008", "region", "E12000008", 11000.0),
        ("E92000001", "national", None, 83530.0),
    ]
    table = pl.DataFrame(
        [
            (a, level, a, region, 2024, "children_in_care", v, "present")
            for a, level, region, v in rows
        ],
        schema=[
            "authority",
            "level",
            "name",
            "region_code",
            "year",
            "indicator",
            "value",
            "status",
        ],
        orient="row",
    ).with_columns(pl.col("year").cast(pl.Int32))
    results = pl.DataFrame(
        {
            "authority": ["852"],
            "indicator": ["children_in_care"],
            "month": [date(2024, 10, 1)],
            "value": [470.0],
            "polarity": ["lower"],
            "unit": [unit],
        }
    )
    return add_benchmarks(results, table, {"852": ["851", "850"]}).row(0, named=True)


def test_a_count_is_not_compared_with_region_or_england_totals():
    # 470 children is not "better" than England's 83,530, nor in a quartile of authorities
    # of every size: a count has no vs_region, vs_england or quartile.
    out = count_and_rate("count")
    assert (out["region_value"], out["england_value"]) == (11000, 83530)  # still shown
    assert (out["vs_region"], out["vs_england"], out["quartile"]) == (None, None, None)
    # The same figures as a rate are compared (the control: the rule is the unit's).
    rate = count_and_rate("rate")
    assert (rate["vs_region"], rate["vs_england"]) == ("better", "better")
    # Quartiles of 300, 468, 1,700: 384 / 468 / 1,084; 470 (fewer is better) is band C.
    assert rate["quartile"] == "C"


def test_the_shipped_count_of_children_in_care_has_no_benchmark(definitions):
    # The report prints no benchmark for its count of children in care (only for the rate).
    assert not definitions["children_in_care"].benchmark
    assert definitions["children_in_care_rate"].benchmark
