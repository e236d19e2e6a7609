"""LAIT's long file as benchmarks (tests/fixtures/lait/), against the seed's columns."""

from __future__ import annotations

import io
import json

import polars as pl
import pytest

from conftest import FIXTURES

LAIT = FIXTURES / "lait" / "lait_bds_long_subset.parquet"


def rag(cli) -> dict[str, dict]:
    rows = json.loads(cli("rag", "--month", "2024-10", "--format", "json").stdout)
    return {r["indicator"]: r for r in rows}


@pytest.fixture
def lait(cli, full_workspace):
    result = cli("benchmarks", "import", LAIT)
    assert result.exit_code == 0, result.stderr
    return rag(cli)


def test_assessments_within_45_days(lait):
    # Seed: So'ton 81.6 / 88.1, Stat Neighbours 81.1 / 80.6, South East 83.0 (22/23),
    # England 82.5 / 84.5.
    row = lait["assessments_in_45_days"]
    assert (row["la_value_previous"], row["la_value"]) == (81.6, 88.1)
    assert (round(row["sn_value_previous"], 1), round(row["sn_value"], 1)) == (81.1, 80.6)
    assert row["region_value_previous"] == 83.0
    assert (row["england_value_previous"], row["england_value"]) == (82.5, 84.5)
    assert (row["sn_method"], row["sn_count"]) == ("mean", 10)


def test_section_47s_resulting_in_icpc_from_two_lait_measures(lait):
    # Seed: 23.9 / 28.4, Stat Neighbours 31.1 / 30.6, England 33.0 / 32.2: LAIT's initial
    # conferences per 10,000 over its Section 47 enquiries per 10,000 (83 / 347.6 ...).
    row = lait["s47_to_icpc"]
    assert (round(row["la_value_previous"], 1), round(row["la_value"], 1)) == (23.9, 28.4)
    assert (round(row["sn_value_previous"], 1), round(row["sn_value"], 1)) == (31.1, 30.6)
    assert (round(row["england_value_previous"], 1), round(row["england_value"], 1)) == (33.0, 32.2)


def test_health_checks(lait):
    # Seed (22/23 only, whole percentages): 90, neighbours 90, South East 88, England 89.
    row = lait["health_assessments_up_to_date"]
    assert row["la_value_previous"] == 90
    assert round(row["sn_value_previous"]) == 90
    assert (row["region_value_previous"], row["england_value_previous"]) == (88, 89)


def test_section_47_rate(lait):
    # LAIT: 347.6 / 260.9, England 189.4 / 186.2, South East 212.6. The seed prints 352.2 /
    # 262.0, 191.6 / 187.1 and 216.1: the DfE's rates as first published, on ONS estimates
    # since revised (within 1.7%). csc-perf shows the DfE's figures.
    row = lait["s47_rate"]
    assert (row["la_value_previous"], row["la_value"]) == (347.6, 260.9)
    assert (row["england_value_previous"], row["england_value"]) == (189.4, 186.2)
    assert row["region_value_previous"] == 212.6
    for ours, seed in ((347.6, 352.2), (260.9, 262.0), (189.4, 191.6), (212.6, 216.1)):
        assert ours == pytest.approx(seed, rel=0.017)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_lait_csv_and_workbook_downloads_read_as_the_parquet(cli, full_workspace, tmp_path, kind):
    frame = pl.read_parquet(LAIT)
    path = tmp_path / f"lait.{kind}"
    if kind == "csv":
        frame.write_csv(path)
    else:
        frame.write_excel(path, worksheet="LAIT")
    assert cli("benchmarks", "import", path).exit_code == 0
    from_download = rag(cli)
    assert cli("benchmarks", "import", LAIT).exit_code == 0
    from_parquet = rag(cli)
    for indicator in ("assessments_in_45_days", "s47_to_icpc", "s47_rate"):
        for column in ("la_value", "sn_value", "england_value", "region_value_previous"):
            assert from_download[indicator][column] == pytest.approx(
                from_parquet[indicator][column]
            )


def write(tmp_path, frame: pl.DataFrame):
    path = tmp_path / "lait.parquet"
    frame.write_parquet(path)
    return path


def test_suppression_symbols_are_never_zero(cli, full_workspace, tmp_path):
    # Southampton's 2024 figure suppressed (c), one neighbour's missing (-): neither counts.
    frame = pl.read_parquet(LAIT).with_columns(
        pl.when(
            (pl.col("Short Desc") == "Continue_Assess_Comp")
            & (pl.col("Years") == "2024")
            & (pl.col("LA Number") == 852)
        )
        .then(pl.lit("c"))
        .when(
            (pl.col("Short Desc") == "Continue_Assess_Comp")
            & (pl.col("Years") == "2024")
            & (pl.col("LA Number") == 851)
        )
        .then(pl.lit("-"))
        .otherwise(pl.col("Values"))
        .alias("Values")
    )
    assert cli("benchmarks", "import", write(tmp_path, frame)).exit_code == 0
    row = rag(cli)["assessments_in_45_days"]
    assert row["la_value"] is None and row["sn_count"] == 9
    exported = pl.read_csv(
        io.StringIO(cli("export", "--table", "benchmarks", "--format", "csv").stdout),
        schema_overrides={"authority": pl.String},
    ).filter((pl.col("indicator") == "assessments_in_45_days") & (pl.col("year") == 2024))
    status = dict(exported.select("authority", "status").iter_rows())
    assert (status["852"], status["851"]) == ("suppressed", "missing")


@pytest.mark.parametrize("label", ["0", "2023-22", "2023-23", "22/23", "2022/24", "2024 (draft)"])
def test_an_ambiguous_period_is_refused_naming_it(cli, full_workspace, tmp_path, label):
    frame = pl.read_parquet(LAIT).with_columns(
        pl.when((pl.col("Short Desc") == "Section_47") & (pl.col("Years") == "2024"))
        .then(pl.lit(label))
        .otherwise(pl.col("Years"))
        .alias("Years")
    )
    result = cli("benchmarks", "import", write(tmp_path, frame))
    assert result.exit_code == 1
    assert repr(label) in result.stderr and "Section_47" in result.stderr
    assert cli("benchmarks", "show", "s47_rate").exit_code != 0  # nothing was stored


def test_a_label_of_a_measure_no_indicator_uses_never_stops_an_import(cli, full_workspace):
    # The subset holds CINPermExclusion's `0` label and RTA's spans: not mapped, not read.
    frame = pl.read_parquet(LAIT)
    assert "0" in frame.get_column("Years").to_list()
    assert cli("benchmarks", "import", LAIT).exit_code == 0


@pytest.mark.parametrize(
    ("label", "year", "spans", "rank"),
    [
        ("2023", 2023, 1, 1),
        ("2022/23", 2023, 1, 1),
        ("2022-23", 2023, 1, 1),
        ("2021-23", 2023, 3, 1),
        ("2013/14-15/16", 2016, 3, 1),
        ("2019 (Rev)", 2019, 1, 2),
        ("2020 (Final)", 2020, 1, 2),
        ("2025 (prov)", 2025, 1, 0),
        ("2016-17 (OT)", 2017, 1, 1),
        ("1999-00", 2000, 1, 1),
    ],
)
def test_each_kind_of_lait_period(label, year, spans, rank):
    from csc_perf.ingest.lait_periods import LaitPeriod, parse_lait_period

    assert parse_lait_period(label) == LaitPeriod(year, spans, rank)


def test_a_revised_figure_wins_over_a_plain_one(cli, full_workspace, tmp_path):
    frame = pl.read_parquet(LAIT)
    revised = frame.filter(
        (pl.col("Short Desc") == "Section_47") & (pl.col("Years") == "2024")
    ).with_columns(pl.lit("2024 (Rev)").alias("Years"), pl.lit("300").alias("Values"))
    provisional = revised.with_columns(
        pl.lit("2024 (prov)").alias("Years"), pl.lit("1").alias("Values")
    )
    assert (
        cli(
            "benchmarks", "import", write(tmp_path, pl.concat([frame, revised, provisional]))
        ).exit_code
        == 0
    )
    assert rag(cli)["s47_rate"]["la_value"] == 300


def test_geographies(tmp_path, definitions):
    from csc_perf.ingest.lait import benchmarks_from_lait, read_lait

    warnings: list[str] = []
    steps: list[tuple[str, int, int]] = []
    table = benchmarks_from_lait(
        read_lait(LAIT, lambda *a: steps.append(a)),
        definitions,
        "lait",
        warnings,
        lambda *a: steps.append(a),
    )
    rows = table.filter((pl.col("indicator") == "s47_rate") & (pl.col("year") == 2024))
    levels = dict(rows.group_by("level").len().iter_rows())
    assert levels["national"] == 1 and levels["region"] == 9 and levels["la"] > 140
    region = dict(rows.filter(pl.col("level") == "region").select("name", "authority").iter_rows())
    assert region["South East"] == "E12000008" and region["London"] == "E12000007"
    southampton = rows.filter(pl.col("authority") == "852").row(0, named=True)
    assert southampton["region_code"] == "E12000008"
    camden = rows.filter(pl.col("authority") == "202").row(0, named=True)  # Inner London
    assert camden["region_code"] == "E12000007"
    assert any("London (Inner)" in w for w in warnings)
    assert steps[0][0] == "reading" and steps[-1] == ("done", 6, 6)


def test_progress_is_not_drawn_off_a_terminal(cli, full_workspace):
    result = cli("benchmarks", "import", LAIT)
    assert "LAIT:" not in result.stderr and "reading" not in result.stderr


@pytest.mark.parametrize(
    ("benchmark", "message"),
    [
        ('{ lait = "" }', "exactly one of"),
        ('{ lait = "CPP_rate", where = { a = "b" } }', "unknown key"),
        ('{ column = "x", lait = "CPP_rate" }', "exactly one of"),
        ('{ formula = "rolling_sum(referral_count, 12) / population" }', "+ - * / only"),
        ('{ formula = "population * 2" }', "names no DfE column"),
        ('{ formula = "referral_count / " }', "ends too soon"),
        ('{ lait_formula = "ISCP_Conf / population" }', "LAIT holds no population"),
    ],
)
def test_benchmark_definitions_are_checked(cli, workspace, benchmark, message):
    config = workspace / "indicators.toml"
    text = config.read_text().replace(
        'benchmark = { lait = "Section_47" }', f"benchmark = {benchmark}"
    )
    config.write_text(text)
    result = cli("indicators", "--check", config)
    assert result.exit_code == 1
    assert message in result.stdout + result.stderr
    assert "benchmark" in result.stdout + result.stderr


def test_benchmarks_show_and_report_show_the_new_columns(cli, lait):
    shown = pl.read_csv(
        io.StringIO(cli("benchmarks", "show", "assessments_in_45_days", "--format", "csv").stdout)
    )
    latest = shown.filter(pl.col("year") == 2024).row(0, named=True)
    assert (latest["authority"], latest["england"], latest["neighbour_average"]) == (
        88.1,
        84.5,
        "mean",
    )
    report = cli("report", "--month", "2024-10", "--benchmarks", "--format", "md")
    assert report.exit_code == 0, report.stderr
    line = next(
        row
        for row in report.stdout.splitlines()
        if row.startswith("| Percentage of assessments completed within 45 days")
    )
    # So'ton 22/23, 23/24, neighbours (mean) 22/23, 23/24, South East 22/23, England both.
    assert "| 81.6% | 88.1% | 81.1% | 80.6% | 83.0% |" in line
    assert "| 82.5% | 84.5% |" in line
    assert "23/24 Stat Neighbours (mean)" in report.stdout
    # The region's columns are headed with its name, as the seed's: "South East 22/23".
    assert "| South East 22/23 |" in report.stdout and "Region 22/23" not in report.stdout


def test_the_region_header_without_a_region_name():
    from csc_perf.app.reference import region_name
    from csc_perf.app.report import comparison_columns

    frame = pl.DataFrame({"indicator": ["x"], "region_2022_23": [1.0]})
    assert comparison_columns(frame) == [("region_2022_23", "Region 22/23")]
    assert comparison_columns(frame, region_name="South East") == [
        ("region_2022_23", "South East 22/23")
    ]
    assert region_name(None, "852") == ""
