"""Issue 11, item 7: a figure is stored as the source shows it, or refused.

`12.5%` for a count is not 12.5 children; `1e308` is not a count (it made SPC limits infinite
and the HTML chart print `nan`); `inf`, `nan` and a Parquet NaN are not figures.
"""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT, store_state
from csc_perf.definitions.loading import load_definitions
from csc_perf.ingest.cells import LARGEST_FIGURE
from csc_perf.ingest.validation import validate_files

CONTACTS = "Number of contacts in the month"  # a count
VISITS = "Percentage of assessments completed within 45 days"


@pytest.fixture(scope="module")
def definitions():
    return load_definitions(ROOT / "indicators.toml")


def _extract(path, *rows: tuple[str, str, str]):
    lines = ["Indicator,Month,Value", *(f'"{i}",{m},"{v}"' for i, m, v in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _codes(report) -> list[tuple[str, int | None, str | None]]:
    return [(i.code, i.row, i.cell) for i in report.errors]


def _name_of(definitions, unit: str) -> str:
    return next(i.name for i in definitions.indicators if i.unit == unit and not i.formula)


@pytest.mark.parametrize("unit", ["count", "rate", "average"])
def test_a_percent_sign_on_a_figure_that_is_not_a_percentage(tmp_path, definitions, unit):
    name = next(i.name for i in definitions.indicators if i.unit == unit)
    report = validate_files([_extract(tmp_path / "x.csv", (name, "2024-09", "12.5%"))], definitions)
    assert _codes(report) == [("percent-sign-unexpected", 2, "12.5%")]
    (issue,) = report.errors
    assert f"has a % sign but the indicator is a {unit}, not a percentage" in issue.message
    assert issue.column == "Value"


def test_a_percent_sign_on_a_percentage_is_the_figure(tmp_path, definitions):
    name = _name_of(definitions, "percent")
    report = validate_files([_extract(tmp_path / "x.csv", (name, "2024-09", "87%"))], definitions)
    assert report.valid, report.errors
    assert report.observations.get_column("value").to_list() == [87.0]


@pytest.mark.parametrize("cell", ["1e308", "-1e308", "1,000,000,001", "9.99E+307", "1" + "0" * 308])
def test_figures_beyond_the_largest_are_refused(tmp_path, definitions, cell):
    report = validate_files(
        [_extract(tmp_path / "x.csv", (CONTACTS, "2024-09", cell))], definitions
    )
    assert _codes(report) == [("value-too-large", 2, cell)]
    assert "is beyond 1,000,000,000" in report.errors[0].message


def test_the_largest_figure_itself_is_stored(tmp_path, definitions):
    assert LARGEST_FIGURE == 1_000_000_000
    report = validate_files(
        [_extract(tmp_path / "x.csv", (CONTACTS, "2024-09", "1,000,000,000"))], definitions
    )
    assert report.valid
    assert report.observations.get_column("value").to_list() == [1e9]


@pytest.mark.parametrize(
    "cell", ["inf", "-inf", "+inf", "Infinity", "nan", "NaN", "-nan", "1e999", "9" * 400]
)
def test_text_that_is_not_finite_is_refused(tmp_path, definitions, cell):
    report = validate_files(
        [_extract(tmp_path / "x.csv", (CONTACTS, "2024-09", cell))], definitions
    )
    assert [(c, r) for c, r, _ in _codes(report)] == [("value-unparseable", 2)]
    assert "is not a finite number" in report.errors[0].message


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_parquet_float_cells_that_are_not_finite(cli, seeded_workspace, value):
    path = seeded_workspace / "figures.parquet"
    pl.DataFrame(
        {
            "Indicator": [CONTACTS, "Number of referrals into statutory service in the month"],
            "Month": ["2024-09", "2024-09"],
            "Value": [value, 400.0],
        }
    ).write_parquet(path)
    before = store_state(seeded_workspace / "store")
    result = cli("import", path)
    assert result.exit_code == 1
    assert f"error value-unparseable: {path}, row 2, column 'Value': " in result.stderr
    assert "is not a finite number" in result.stderr
    assert store_state(seeded_workspace / "store") == before


def test_excel_overflow_cell_is_refused(cli, seeded_workspace):
    """Excel keeps 1E+308 as a number; it arrives as its 309 digits."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["Indicator", "Month", "Value"])
    book.active.append([CONTACTS, "2024-09", 1e308])
    book.save(seeded_workspace / "big.xlsx")
    before = store_state(seeded_workspace / "store")
    result = cli("import", seeded_workspace / "big.xlsx")
    assert result.exit_code == 1
    assert "error value-too-large: " in result.stderr
    assert "row 2, column 'Value'" in result.stderr
    assert store_state(seeded_workspace / "store") == before


def test_cli_refuses_and_keeps_the_store(cli, seeded_workspace):
    before = store_state(seeded_workspace / "store")
    path = _extract(
        seeded_workspace / "x.csv",
        (CONTACTS, "2024-09", "12.5%"),
        ("Number of referrals into statutory service in the month", "2024-09", "1e308"),
    )
    result = cli("import", path)
    assert result.exit_code == 1
    assert (
        f"error percent-sign-unexpected: {path}, row 2, column 'Value': '{CONTACTS}' for "
        "2024-09: '12.5%' has a % sign but the indicator is a count" in result.stderr
    )
    assert f"error value-too-large: {path}, row 3, column 'Value'" in result.stderr
    assert "nothing imported: 2 error(s)" in result.stderr
    assert store_state(seeded_workspace / "store") == before


def test_good_figures_next_to_the_rules_are_stored_as_shown(cli, workspace):
    path = _extract(
        workspace / "x.csv",
        (CONTACTS, "2024-09", "4,266"),
        (VISITS, "2024-09", "87%"),
        ("Number of referrals into statutory service in the month", "2024-09", "999,999,999"),
    )
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    exported = pl.read_csv(cli("export", "--format", "csv").stdout.encode())
    assert sorted(exported.select("indicator", "value").rows()) == [
        ("assessments_in_45_days", 87.0),
        ("contacts", 4266.0),
        ("referrals", 999_999_999.0),
    ]


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_whatever_a_cell_holds_no_stored_figure_is_unbounded(tmp_path_factory, value):
    """Property: a figure either is stored finite and within the bound, or is refused."""
    definitions = load_definitions(ROOT / "indicators.toml")
    path = tmp_path_factory.mktemp("cells") / "x.csv"
    _extract(path, (CONTACTS, "2024-09", repr(value)))
    report = validate_files([path], definitions)
    stored = report.observations.filter(pl.col("status") == "present").get_column("value")
    if not math.isfinite(value) or abs(value) > LARGEST_FIGURE:
        assert not report.valid  # nothing of the file may be stored
    else:
        assert report.valid == (value >= 0)  # a negative count is an error of its own
        assert stored.to_list() == [value]  # the figure exactly as the cell shows it


def test_no_output_shows_nan_or_inf(cli, full_workspace):
    """With only finite figures stored, no report format prints nan or inf."""
    import re

    word = re.compile(r"(?<![A-Za-z])(nan|-?inf(inity)?)(?![A-Za-z])", re.IGNORECASE)
    for args in (
        ("report", "--month", "2024-10", "--format", "html", "-o", "-"),
        ("report", "--month", "2024-10", "--format", "md", "-o", "-"),
        ("rag", "--month", "2024-10", "--format", "csv"),
        ("trend", "children_in_care", "--format", "csv"),
    ):
        result = cli(*args)
        assert result.exit_code == 0, (args, result.stderr)
        assert not word.search(result.stdout), (args, word.search(result.stdout))
