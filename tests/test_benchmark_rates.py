"""Benchmark rates the DfE publishes as counts (`benchmark = { formula = ... }`), from the
DfE files in tests/fixtures/dfe/, against the seed's columns and the DfE's own published
rates (LAIT, tests/fixtures/lait/: an independent source, read here with Polars only)."""

from __future__ import annotations

import io
import json

import polars as pl
import pytest

from conftest import FIXTURES

DFE = FIXTURES / "dfe"
LAIT = FIXTURES / "lait" / "lait_bds_long_subset.parquet"
POPULATION = DFE / "ons_mid-year_population_estimates_2012_to_2024_2020_to_2023.csv"
COUNTS = [
    DFE / "c1_children_in_need_referrals_and_rereferrals_2013_to_2025_2023_to_2024.csv",
    DFE / "d5_cpps_at31march_by_duration_2013_to_2025_2023_to_2024.csv",
    DFE / "b1_children_in_need_2013_to_2025_2023_to_2024.csv",
]


def published(measure: str, year: str) -> dict[str, float]:
    """LAIT's published figure of ``measure`` for ``year``, by area name (and LA number)."""
    frame = pl.read_parquet(LAIT).filter(
        (pl.col("Short Desc") == measure) & (pl.col("Years") == year) & (pl.col("Values") != "-")
    )
    out = {}
    for area, number, value in frame.select("LA and Regions", "LA Number", "Values").iter_rows():
        out[area] = out[str(int(number))] = float(value)
    return out


def neighbour_mean(measure: str, year: str) -> float:
    """The mean of Southampton's 10 neighbours' published figures (LAIT's own average)."""
    from csc_perf.ingest.neighbours import statistical_neighbours

    figures = published(measure, year)
    group = statistical_neighbours("2021")["852"]
    assert len(group) == 10
    return sum(figures[n] for n in group) / len(group)


@pytest.fixture
def rates(cli, full_workspace):
    assert cli("population", "import", POPULATION).exit_code == 0
    result = cli("benchmarks", "import", *COUNTS)
    assert result.exit_code == 0, result.stderr
    rows = json.loads(cli("rag", "--month", "2024-10", "--format", "json").stdout)
    return {r["indicator"]: r for r in rows}


# (indicator, LAIT's published rate, the seed's columns: So'ton 22/23, 23/24, SN 22/23,
# SN 23/24, South East 22/23, England 22/23, England 23/24)
CASES = [
    (
        "referrals_rate",
        "CPP_Total_Rateper10,000",
        (759.8, 614.2, 640.1, 669.1, 654.6, 544.5, 518.3),
    ),
    ("cp_plans_rate", "CPP_rate", (63.9, 54.8, 52.9, 59.8, 42.9, 43.2, 41.6)),
    ("open_to_service_rate", "CIN", (524.8, 408.8, 428.8, 436.8, 335.6, 642.7, 332.9)),
]


@pytest.mark.parametrize(("indicator", "measure", "seed"), CASES)
def test_rates_from_counts_are_the_dfes_published_rates(rates, indicator, measure, seed):
    # The rate from the DfE's counts over the ONS estimate of the year's start (the DfE's
    # rule, `population_year_lag = 0` in indicators.toml) is the rate the DfE publishes, for
    # Southampton, the South East and England, both years, to its one decimal.
    row = rates[indicator]
    assert row["benchmark_year"] == "2023/24"
    for suffix, year in (("_previous", "2023"), ("", "2024")):
        dfe = published(measure, year)
        assert row[f"la_value{suffix}"] == pytest.approx(dfe["852"], abs=0.05)
        assert row[f"england_value{suffix}"] == pytest.approx(dfe["England"], abs=0.05)
        assert row[f"region_value{suffix}"] == pytest.approx(dfe["South East"], abs=0.05)
        # Neighbours: the mean of the ten neighbours' rates, as LAIT averages them.
        assert row[f"sn_value{suffix}"] == pytest.approx(neighbour_mean(measure, year), abs=0.05)
    assert (row["sn_method"], row["sn_count"]) == ("mean", 10)
    # The seed's columns are the DfE's rates as first published, on ONS estimates revised
    # since (the counts are the same: 3,094 referrals, 276 plans, 2,059 children in need):
    # they differ from today's DfE figures by under 2% (England 22/23 of the open-to-service
    # row, 642.7, is no DfE figure: the DfE gives 338.7).
    la_prev, la, sn_prev, sn, region_prev, england_prev, england = seed
    pairs = [
        (row["la_value_previous"], la_prev),
        (row["la_value"], la),
        (row["sn_value_previous"], sn_prev),
        (row["sn_value"], sn),
        (row["region_value_previous"], region_prev),
        (row["england_value"], england),
    ]
    if indicator != "open_to_service_rate":
        pairs.append((row["england_value_previous"], england_prev))
    else:
        assert row["england_value_previous"] == pytest.approx(338.7, abs=0.05)
    for ours, printed in pairs:
        assert ours == pytest.approx(printed, rel=0.02)
        assert ours < printed  # the revised estimates are larger: every rate is lower


def test_the_issues_figures(rates):
    # Issue 17: 3,094 referrals gives 611-619 (mid-2023 or mid-2022), the report 614.2;
    # 276 CP plans gives 54.6, the report 54.8.
    assert round(rates["referrals_rate"]["la_value"], 1) == 611.5  # 3,094 / 50,594
    assert round(rates["cp_plans_rate"]["la_value"], 1) == 54.6  # 276 / 50,594
    assert round(rates["open_to_service_rate"]["la_value"], 1) == 407.0  # 2,059 / 50,594


def test_every_authority_matches_the_dfe(cli, rates):
    # Not only Southampton: every authority's rate from counts is the DfE's published one.
    frame = pl.read_csv(
        io.StringIO(cli("export", "--table", "benchmarks", "--format", "csv").stdout),
        schema_overrides={"authority": pl.String},
    ).filter((pl.col("indicator") == "referrals_rate") & (pl.col("level") == "la"))
    dfe = published("CPP_Total_Rateper10,000", "2024")
    ours = dict(frame.filter(pl.col("year") == 2024).select("authority", "value").iter_rows())
    common = [a for a in ours if a in dfe and ours[a] is not None]
    assert len(common) > 140
    assert max(abs(ours[a] - dfe[a]) for a in common) <= 0.05


def test_the_workspaces_own_population_rule(cli, full_workspace):
    # Without `population_year_lag` a benchmark rate follows the indicator's own rule: this
    # workspace fixes mid-2022 (49,978) for every month, so 3,094 referrals give 619.1.
    config = full_workspace / "indicators.toml"
    config.write_text(config.read_text().replace("population_year_lag = 0\n", ""))
    assert cli("population", "import", POPULATION).exit_code == 0
    assert cli("benchmarks", "import", COUNTS[0]).exit_code == 0
    rows = json.loads(cli("rag", "--month", "2024-10", "--format", "json").stdout)
    row = next(r for r in rows if r["indicator"] == "referrals_rate")
    assert row["la_value"] == pytest.approx(3094 / 49978 * 10000)
    assert 611 <= row["la_value"] <= 619.2


def test_without_population_a_rate_is_missing_never_zero(cli, full_workspace):
    # No ONS file imported: only Southampton's own estimates (indicators.toml) are known.
    result = cli("benchmarks", "import", COUNTS[0])
    assert result.exit_code == 0, result.stderr
    assert "no population estimate" in result.stderr
    rows = json.loads(cli("rag", "--month", "2024-10", "--format", "json").stdout)
    row = next(r for r in rows if r["indicator"] == "referrals_rate")
    assert round(row["la_value"], 1) == 611.5  # Southampton's mid-2023, from indicators.toml
    assert row["england_value"] is None and row["sn_value"] is None


def test_a_suppressed_count_makes_a_suppressed_rate(tmp_path, definitions):
    from csc_perf.ingest.ees import read_ees
    from csc_perf.ingest.ees_reference import benchmarks_from_ees

    header = (
        "time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
        "region_name,old_la_code,new_la_code,la_name,category,referral_count"
    )
    start = "2024,Reporting year,Local authority,E92000001,England,R1,R"
    rows = [
        f"{start},901,,One,Referrals and Re-referrals,c",
        f"{start},902,,Two,Referrals and Re-referrals,x",
        f"{start},903,,Three,Referrals and Re-referrals,50",
    ]
    path = tmp_path / "c1.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    population = pl.DataFrame(
        {"authority": ["901", "902", "903"], "year": [2023] * 3, "population": [1000.0] * 3}
    )
    table = benchmarks_from_ees(read_ees(path), definitions, population=population)
    got = {
        a: (v, s)
        for a, v, s in table.filter(pl.col("indicator") == "referrals_rate")
        .select("authority", "value", "status")
        .iter_rows()
    }
    assert got == {"901": (None, "suppressed"), "902": (None, "missing"), "903": (500.0, "present")}


def test_the_demo_imports_the_example_benchmarks(cli, tmp_path, monkeypatch):
    # The quick start: `csc-perf demo --keep DIR` leaves a workspace whose report has the
    # seed's benchmark columns, from the subsets shipped in examples/extracts/dfe/.
    for name in ("CSC_PERF_CONFIG", "CSC_PERF_STORE"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "demo"
    result = cli("demo", "--keep", folder)
    assert result.exit_code == 0, result.stderr
    assert "benchmarks version 0" in result.stderr
    monkeypatch.chdir(folder)
    shown = pl.read_csv(
        io.StringIO(cli("benchmarks", "show", "referrals_rate", "--format", "csv").stdout)
    )
    latest = shown.filter(pl.col("year") == 2024).row(0, named=True)
    assert round(latest["authority"], 1) == 611.5
    assert round(cli_rag_value(cli, "s47_to_icpc"), 1) == 28.4


def cli_rag_value(cli, indicator: str) -> float:
    rows = json.loads(cli("rag", "--month", "2024-10", "--format", "json").stdout)
    return next(r for r in rows if r["indicator"] == indicator)["la_value"]


def significant_digits(text: str) -> int:
    mantissa = text.lower().split("e")[0].lstrip("-").replace(".", "")
    return len(mantissa.strip("0"))


def test_computed_figures_are_stored_to_ten_significant_digits(cli, rates):
    # A rate from counts and a LAIT formula are stored to 10 significant digits (no float
    # noise such as 14.690000000000001 in CSV); a figure the source gives is stored as given.
    assert cli("benchmarks", "import", LAIT).exit_code == 0
    exported = cli("export", "--table", "benchmarks", "--format", "csv").stdout
    frame = pl.read_csv(
        io.StringIO(exported),
        schema_overrides={"authority": pl.String, "value": pl.String},
    ).filter(pl.col("value").is_not_null())
    computed = frame.filter(pl.col("indicator").is_in(["referrals_rate", "s47_to_icpc"]))
    assert computed.height > 600
    assert max(significant_digits(v) for v in computed.get_column("value")) <= 10
    figure = dict(
        computed.filter((pl.col("indicator") == "s47_to_icpc") & (pl.col("year") == 2024))
        .select("authority", "value")
        .iter_rows()
    )
    # LAIT, Southampton 2024: ISCP_Conf 74.1 / Section_47 260.9 * 100 = 28.4016864699...
    assert figure["852"] == "28.40168647"
    # Referrals 2024: 3,094 / 50,594 (mid-2023) * 10,000 = 611.5349645...
    referrals = computed.filter(
        (pl.col("indicator") == "referrals_rate")
        & (pl.col("year") == 2024)
        & (pl.col("authority") == "852")
    )
    assert referrals.get_column("value").to_list() == ["611.5349646"]
    source = frame.filter((pl.col("indicator") == "s47_rate") & (pl.col("authority") == "852"))
    assert sorted(source.get_column("value").to_list()) == ["260.9", "347.6"]
