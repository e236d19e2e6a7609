"""Issue 11: DfE EES files are stored exactly as they show each figure, or refused.

The files here are hand-made in the DfE tidy layout (as the hostile tester's findings in
issue 11 were): each test writes its own. Values are checked by hand against the rows
written: Southampton (852, E06000045), Portsmouth (851, E06000044), Hampshire (850,
E10000014), Isle of Wight (921, E06000046; its LA number comes from the shipped DfE list
of codes).
"""

from __future__ import annotations

import polars as pl
import pytest

from conftest import store_state

HEADER = (
    "time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
    "region_name,old_la_code,new_la_code,la_name,rereferral_child_percent"
)
SE = "E92000001,England,E12000008,South East"


def _write(folder, name: str, rows: list[str], header: str = HEADER):
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _export(cli, table: str | None = None) -> list[tuple]:
    args = ["export", "--format", "csv"] + (["--table", table] if table else [])
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    frame = pl.read_csv(result.stdout.encode(), infer_schema=False)
    if table == "benchmarks":
        return sorted(frame.select("authority", "level", "year", "value").rows())
    if table == "population":
        return sorted(frame.select("authority", "year", "population").rows())
    rows = frame.select("authority", "month", "value").rows()
    return sorted(rows, key=lambda r: tuple(v or "" for v in r))


def _benchmarks(workspace):
    from csc_perf.store.core import Store

    store = Store(workspace / "store")
    return None if not (workspace / "store").exists() else store.reference("benchmarks")


# -- 1. csc-perf import of an EES file: which authority a row is


def test_import_blank_old_la_code_uses_new_la_code_never_the_workspace(cli, workspace):
    path = _write(
        workspace,
        "blank.csv",
        [
            f"202324,Reporting year,Local authority,{SE},,E06000046,Isle of Wight,17.2",
            f"202324,Reporting year,Local Authority,{SE},851,E06000044,Portsmouth,19.5",
            f"202324,Reporting year,local  authority ,{SE},850,E10000014,Hampshire,19.0",
        ],
    )
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert _export(cli) == [
        ("850", "2024-03-01", "19.0"),
        ("851", "2024-03-01", "19.5"),
        ("921", "2024-03-01", "17.2"),
    ]


def test_import_la_row_without_any_code_is_refused_naming_the_row(cli, seeded_workspace):
    before = store_state(seeded_workspace / "store")
    path = _write(
        seeded_workspace,
        "nocode.csv",
        [
            f"202324,Reporting year,Local authority,{SE},851,E06000044,Portsmouth,19.5",
            f"202324,Reporting year,Local authority,{SE},,,Isle of Wight,17.2",
        ],
    )
    result = cli("import", path)
    assert result.exit_code == 1
    assert (
        f"error authority-invalid: {path}, row 3, column 'old_la_code': a Local authority row "
        "without an authority code" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert store_state(seeded_workspace / "store") == before


def test_import_unknown_level_refused_and_finer_level_warned(cli, seeded_workspace):
    before = store_state(seeded_workspace / "store")
    path = _write(
        seeded_workspace,
        "levels.csv",
        [
            f"202324,Reporting year,Local authority,{SE},851,E06000044,Portsmouth,19.5",
            f"202324,Reporting year,County,{SE},850,E10000014,Hampshire,33.0",
        ],
    )
    result = cli("import", path)
    assert result.exit_code == 1
    assert (
        f"error authority-invalid: {path}, row 3, column 'geographic_level': geographic_level "
        "'County' is not a level csc-perf reads" in result.stderr
    )
    assert store_state(seeded_workspace / "store") == before

    path = _write(
        seeded_workspace,
        "lad.csv",
        [
            f"202324,Reporting year,Local authority,{SE},851,E06000044,Portsmouth,19.5",
            f"202324,Reporting year,Local authority district,{SE},850,E10000014,Hampshire,33.0",
            f"202324,Reporting year,Local authority district,{SE},850,E10000014,Hampshire,34.0",
        ],
    )
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert (
        f"warning level-not-stored: {path}: 2 rows at geographic_level 'Local authority "
        "district' not stored" in result.stderr
    )
    assert [r for r in _export(cli) if r[0] != "852"] == [("851", "2024-03-01", "19.5")]


def test_import_file_with_only_new_la_code(cli, workspace):
    header = HEADER.replace("old_la_code,", "")
    path = _write(
        workspace,
        "new_only.csv",
        [
            f"202324,Reporting year,National,{SE.split(',E12')[0]},,,,,22.4",
            f"202324,Reporting year,Local authority,{SE},E06000045,Southampton,21.5",
            f"202324,Reporting year,Local authority,{SE},E06000044,Portsmouth,19.5",
        ],
        header,
    )
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert _export(cli) == [("851", "2024-03-01", "19.5"), ("852", "2024-03-01", "21.5")]


def test_import_file_with_no_la_code_column_is_refused(cli, workspace):
    header = HEADER.replace("old_la_code,new_la_code,", "")
    path = _write(
        workspace,
        "no_codes.csv",
        [f"202324,Reporting year,Local authority,{SE},Southampton,21.5"],
        header,
    )
    result = cli("import", path)
    assert result.exit_code in (1, 2)
    assert f"{path}: local-authority rows but no old_la_code or new_la_code column" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert not (workspace / "store").exists() or _export(cli) == []


# -- 2. benchmarks import: unreadable cells and conflicting rows


@pytest.mark.parametrize("cell", ["25%", "(12)", "n/a"])
def test_benchmarks_unreadable_cell_is_refused(cli, workspace, cell):
    path = _write(
        workspace,
        "garbage.csv",
        [
            f"202324,Reporting year,Local authority,{SE},851,E06000044,Portsmouth,19.5",
            f'202324,Reporting year,Local authority,{SE},852,E06000045,Southampton,"{cell}"',
        ],
    )
    result = cli("benchmarks", "import", path)
    assert result.exit_code == 1
    assert (
        f"error value-unparseable: {path}, row 3, column 'rereferral_child_percent': {cell!r} "
        "is not a number or a DfE symbol" in result.stderr
    )
    assert _benchmarks(workspace) is None


def test_benchmarks_symbols_thousands_and_duplicates(cli, workspace):
    path = _write(
        workspace,
        "ok.csv",
        [
            "202324,Reporting year,National,E92000001,England,,,,,,22.4",
            f"202324,Reporting year,Local Authority,{SE},851,E06000044,Portsmouth,c",
            f"202324,Reporting year,Local authority,{SE},850,E10000014,Hampshire,x",
            f'202324,Reporting year,Local authority,{SE},852,E06000045,Southampton,"1,021.5"',
            f'202324,Reporting year,Local authority,{SE},852,E06000045,Southampton,"1,021.5"',
            f"202324,Reporting year,Local authority,{SE},,E06000046,Isle of Wight,17.2",
        ],
    )
    result = cli("benchmarks", "import", path)
    assert result.exit_code == 0, result.stderr
    table = _benchmarks(workspace).sort("authority")
    assert table.select("authority", "level", "value", "status").rows() == [
        ("850", "la", None, "missing"),
        ("851", "la", None, "suppressed"),
        ("852", "la", 1021.5, "present"),
        ("921", "la", 17.2, "present"),
        ("E92000001", "national", 22.4, "present"),
    ]


def test_benchmarks_conflicting_rows_are_refused(cli, workspace):
    path = _write(
        workspace,
        "conflict.csv",
        [
            f"202324,Reporting year,Local authority,{SE},852,E06000045,Southampton,25.0",
            f"202324,Reporting year,Local authority,{SE},851,E06000044,Portsmouth,19.5",
            f"202324,Reporting year,Local authority,{SE},852,E06000045,Southampton,99.9",
        ],
    )
    result = cli("benchmarks", "import", path)
    assert result.exit_code == 1
    assert (
        f"error duplicate-conflict: {path}, row 4, column 'rereferral_child_percent': '99.9' "
        "for authority 852, year 2024, indicator re_referrals, but row 2 gives '25.0'"
    ) in result.stderr
    assert _benchmarks(workspace) is None


def test_benchmarks_only_new_la_code_and_finer_levels_warned(cli, workspace):
    header = HEADER.replace("old_la_code,", "")
    path = _write(
        workspace,
        "new_only.csv",
        [
            "202324,Reporting year,National,E92000001,England,,,,,22.4",
            f"202324,Reporting year,Local authority,{SE},E06000045,Southampton,21.5",
            f"202324,Reporting year,Parliamentary constituency,{SE},E14001234,Itchen,20.0",
        ],
        header,
    )
    result = cli("benchmarks", "import", path)
    assert result.exit_code == 0, result.stderr
    assert (
        f"warning: {path}: 1 row at geographic_level 'Parliamentary constituency' not stored"
        in result.stderr
    )
    assert _export(cli, "benchmarks") == [
        ("852", "la", "2024", "21.5"),
        ("E92000001", "national", "2024", "22.4"),
    ]


# -- 3. time_identifier: only years ending 31 March


@pytest.mark.parametrize(
    ("identifier", "command"),
    [
        ("Q2", ["import"]),
        ("Calendar year", ["import"]),
        ("Academic year", ["benchmarks", "import"]),
        ("Q1", ["benchmarks", "import"]),
    ],
)
def test_time_identifier_not_a_march_year_is_refused(cli, workspace, identifier, command):
    path = _write(
        workspace,
        "period.csv",
        [
            f"2024,Reporting year,Local authority,{SE},851,E06000044,Portsmouth,19.5",
            f"2024,{identifier},Local authority,{SE},852,E06000045,Southampton,21.5",
        ],
    )
    result = cli(*command, path)
    assert result.exit_code == 1
    assert (
        f"{path}, row 3, column 'time_identifier': time_identifier {identifier!r} is not a "
        "year ending 31 March" in result.stderr
    )
    assert not (workspace / "store").exists() or _export(cli) == []
    assert _benchmarks(workspace) is None


@pytest.mark.parametrize("identifier", ["Reporting year", "Financial year", " reporting YEAR "])
def test_time_identifier_march_years_are_read(cli, workspace, identifier):
    path = _write(
        workspace,
        "ok.csv",
        [f"2024,{identifier},Local authority,{SE},852,E06000045,Southampton,21.5"],
    )
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert _export(cli) == [("852", "2024-03-01", "21.5")]


# -- 4. population import: the 0-17 total only

POP = (
    "time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
    "region_name,old_la_code,new_la_code,la_name,age_group,population_estimate"
)


def test_population_takes_age_0_to_17_exactly(cli, workspace):
    path = _write(
        workspace,
        "pop.csv",
        [
            f"2024,Calendar year,Local authority,{SE},852,E06000045,Southampton,10 to 17,21000",
            f"2024,Calendar year,Local authority,{SE},852,E06000045,Southampton,0 to 17,52000",
            f'2024,Calendar year,Local authority,{SE},850,E10000014,Hampshire,0 to 17,"281 000"',
            f"2024,Reporting year,Local authority,{SE},851,E06000044,Portsmouth,"
            "Children aged 0 to 17 years,41000",
            f"2024,Reporting year,Local authority,{SE},851,E06000044,Portsmouth,"
            "Children aged 10 to 17 years,20000",
        ],
        POP,
    )
    result = cli("population", "import", path)
    assert result.exit_code == 0, result.stderr
    assert _export(cli, "population") == [
        ("850", "2024", "281000.0"),
        ("851", "2024", "41000.0"),
        ("852", "2024", "52000.0"),
    ]


def test_population_takes_the_total_of_a_sex_breakdown(cli, workspace):
    path = _write(
        workspace,
        "pop_sex.csv",
        [
            f"2024,Calendar year,Local authority,{SE},852,E06000045,Southampton,0 to 17,"
            "Female,25500",
            f"2024,Calendar year,Local authority,{SE},852,E06000045,Southampton,0 to 17,"
            "Total,52000",
            f"2024,Calendar year,Local authority,{SE},852,E06000045,Southampton,0 to 17,Male,26500",
        ],
        POP.replace("age_group,", "age_group,sex,"),
    )
    result = cli("population", "import", path)
    assert result.exit_code == 0, result.stderr
    assert _export(cli, "population") == [("852", "2024", "52000.0")]


@pytest.mark.parametrize("cell", ["52k", "52,00", "(52000)"])
def test_population_unreadable_figure_is_refused(cli, workspace, cell):
    path = _write(
        workspace,
        "pop_bad.csv",
        [
            f"2024,Calendar year,Local authority,{SE},851,E06000044,Portsmouth,0 to 17,41000",
            f'2024,Calendar year,Local authority,{SE},852,E06000045,Southampton,0 to 17,"{cell}"',
        ],
        POP,
    )
    result = cli("population", "import", path)
    assert result.exit_code == 1
    assert (
        f"error value-unparseable: {path}, row 3, column 'population_estimate': {cell!r} is "
        "not a number or a DfE symbol" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_population_breakdown_without_a_total_is_refused(cli, workspace):
    path = _write(
        workspace,
        "pop_no_total.csv",
        [
            f"2024,Calendar year,Local authority,{SE},852,E06000045,Southampton,0 to 17,"
            "Female,25500",
            f"2024,Calendar year,Local authority,{SE},852,E06000045,Southampton,0 to 17,Male,26500",
        ],
        POP.replace("age_group,", "age_group,sex,"),
    )
    result = cli("population", "import", path)
    assert result.exit_code == 1
    assert (
        f"{path}, row 2, column 'sex': 'Female' for Southampton (852), 2024, but no total row"
        in result.stderr
    )


# A joint return, as the DfE publishes North and West Northamptonshire's workforce figures
# (csww_indicators_2017_to_2025.csv, 2024: "940 / 941", "E06000061 / E06000062").
JOINT = (
    "2024,Reporting year,Local authority,E92000001,England,E12000004,East Midlands,940 / 941,"
    "E06000061 / E06000062,North Northamptonshire / West Northamptonshire,21.0"
)


def test_joint_return_is_a_benchmark_but_not_an_observation(cli, workspace):
    path = _write(
        workspace,
        "joint.csv",
        [JOINT, f"2024,Reporting year,Local authority,{SE},852,E06000045,Southampton,21.5"],
    )
    result = cli("benchmarks", "import", path)
    assert result.exit_code == 0, result.stderr
    assert _export(cli, "benchmarks") == [
        ("852", "la", "2024", "21.5"),
        ("940 / 941", "la", "2024", "21.0"),
    ]
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert (
        f"warning level-not-stored: {path}: 1 row at joint return '940 / 941' (not one "
        "authority's figure) not stored" in result.stderr
    )
    assert _export(cli) == [("852", "2024-03-01", "21.5")]
