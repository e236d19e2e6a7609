"""Where each LAIT row belongs (`LA Number`, `LA and Regions`, `Region`), and the file's
header: every row is stored under its authority, region or England, or the file is refused
naming the row; nothing is dropped silently. Fixture: tests/fixtures/lait/ (LAIT's rows,
edited here one cell at a time)."""

from __future__ import annotations

import polars as pl
import pytest

from conftest import FIXTURES

LAIT = FIXTURES / "lait" / "lait_bds_long_subset.parquet"
SOUTHAMPTON = (pl.col("LA Number") == 852) & (pl.col("Short Desc") == "Section_47")


def edited(tmp_path, column: str, value, where: pl.Expr = SOUTHAMPTON, suffix="parquet"):
    """The fixture with ``column`` set to ``value`` where ``where`` holds, as text columns
    (as LAIT's CSV download gives them) so a number column can hold any text."""
    frame = pl.read_parquet(LAIT)
    frame = frame.with_columns(
        pl.when(where)
        .then(pl.lit(value, dtype=pl.String))
        .otherwise(pl.col(column).cast(pl.String))
        .alias(column)
    )
    path = tmp_path / f"lait.{suffix}"
    if suffix == "csv":
        frame.write_csv(path)
    else:
        frame.write_parquet(path)
    return path


def stored_rows(cli) -> int:
    result = cli("export", "--table", "benchmarks", "--format", "csv")
    return len(result.stdout.splitlines()) - 1 if result.exit_code == 0 else 0


def refused(cli, path, *needles: str, code: int = 1) -> str:
    before = stored_rows(cli)
    result = cli("benchmarks", "import", path)
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)
    assert stored_rows(cli) == before  # the store is unchanged
    return result.stderr


def southampton_s47(cli) -> float:
    import json

    rows = json.loads(cli("rag", "--month", "2024-10", "--format", "json").stdout)
    return {r["indicator"]: r for r in rows}["s47_rate"]["la_value"]


def test_the_fixture_imports_every_row(cli, full_workspace):
    result = cli("benchmarks", "import", LAIT)
    assert result.exit_code == 0, result.stderr
    assert southampton_s47(cli) == 260.9  # LAIT: Southampton, Section_47, 2024


@pytest.mark.parametrize("value", ["", "   ", "n/a", "Southampton"])
def test_a_blank_or_unreadable_la_number_is_refused_naming_the_row(
    cli, full_workspace, tmp_path, value
):
    stderr = refused(cli, edited(tmp_path, "LA Number", value, suffix="csv"), "authority-invalid")
    assert "row " in stderr and "LA Number" in stderr and "lait.csv" in stderr
    if value.strip():
        assert repr(value) in stderr


def test_a_null_la_number_is_refused(cli, full_workspace, tmp_path):
    refused(cli, edited(tmp_path, "LA Number", None), "authority-invalid", "Southampton")


def test_an_ons_code_is_read_as_its_la_number(cli, full_workspace, tmp_path):
    # E06000045 is Southampton's ONS code (DfE EES files: new_la_code of old_la_code 852).
    path = edited(tmp_path, "LA Number", "E06000045", suffix="csv")
    result = cli("benchmarks", "import", path)
    assert result.exit_code == 0, result.stderr
    assert southampton_s47(cli) == 260.9


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ("999", "not a known LA number"),
        ("852.5", "not a whole"),
        ("100", "not a known LA number"),
        ("E06999999", "not a known"),
    ],
)
def test_a_number_that_is_not_an_authority_is_refused(cli, full_workspace, tmp_path, value, what):
    refused(cli, edited(tmp_path, "LA Number", value, suffix="csv"), "authority-invalid", what)


def test_historical_authorities_are_known():
    # LAIT's file holds authorities since reorganised (Bournemouth, Dorset and Poole before
    # 2019, Northamptonshire before 2021, Cumbria before 2023): the fixture has them all.
    frame = pl.read_parquet(LAIT)
    names = dict(frame.select("LA Number", "LA and Regions").unique().iter_rows())
    assert names[837] == "Bournemouth (Pre LG)" and names[835] == "Dorset (Pre LG)"
    assert names[928] == "Northamptonshire" and names[909] == "Cumbria"
    from csc_perf.model.authorities import la_number_names

    known = la_number_names()
    for number in (837, 835, 836, 928, 909, 940, 941, 942, 943, 852):
        assert str(number) in known


@pytest.mark.parametrize(
    ("number", "area"),
    [(852, "Portsmouth"), (852, "South East"), (989, "Kent"), (970, "Southampton")],
)
def test_a_name_that_contradicts_the_number_is_refused(cli, full_workspace, tmp_path, number, area):
    where = (pl.col("LA Number") == number) & (pl.col("Short Desc") == "Section_47")
    stderr = refused(
        cli, edited(tmp_path, "LA and Regions", area, where), "authority-invalid", repr(area)
    )
    assert str(number) in stderr


def test_an_unknown_region_is_refused_naming_the_row(cli, full_workspace, tmp_path):
    stderr = refused(cli, edited(tmp_path, "Region", "Atlantis"), "'Atlantis'", "Region")
    assert "row " in stderr


def test_a_missing_region_column_is_refused_naming_it(cli, full_workspace, tmp_path):
    path = tmp_path / "lait.csv"
    pl.read_parquet(LAIT).drop("Region").write_csv(path)
    stderr = refused(cli, path, "'Region'", code=2)
    assert "LA and Regions" not in stderr.split("hint")[0]


def test_missing_columns_are_named_as_lait_spells_them(cli, full_workspace, tmp_path):
    path = tmp_path / "lait.csv"
    pl.read_parquet(LAIT).drop("Values", "LA and Regions").write_csv(path)
    stderr = refused(cli, path, "'LA and Regions'", "'Values'", code=2)
    message = stderr.split("hint")[0]
    assert "laandregions" not in message and "'values'" not in message
    assert "Short Desc" not in message and "LA Number" not in message


def test_a_semicolon_separated_csv_gets_the_import_hint(cli, full_workspace, tmp_path):
    path = tmp_path / "lait.csv"
    pl.read_parquet(LAIT).write_csv(path, separator=";")
    stderr = refused(cli, path, "semicolon", code=2)
    assert "ComputeError" not in stderr
