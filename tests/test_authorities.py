"""Issue 11, item 6: one code per authority, wherever a code enters.

`852.0` (an Excel round trip), `0852`, ` 852 ` and Southampton's ONS code `E06000045` are all
LA 852; `Southampton` or `85` are not codes and are refused with the place.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT, store_state
from csc_perf.definitions.loading import load_definitions, parse_definitions
from csc_perf.errors import DefinitionsError, UsageError
from csc_perf.ingest.validation import validate_files
from csc_perf.model.authorities import normalise_authority, normalise_authority_column

CONTACTS = "Number of contacts in the month"
REFERRALS = "Number of referrals into statutory service in the month"
IN_CARE = "Number of children in our care"


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("852", "852"),
        (" 852 ", "852"),
        ("0852", "852"),
        ("852.0", "852"),
        ("852.00", "852"),
        (852, "852"),
        ("E06000045", "852"),  # Southampton's ONS code: data/la_codes.csv
        ("e06000045", "852"),
        ("E10000023", "815"),  # North Yorkshire before 2023 ...
        ("E06000065", "815"),  # ... and after: the same LA number
        ("E12000008", "E12000008"),  # South East region: no LA number, kept
        ("e92000001", "E92000001"),  # England
    ],
)
def test_codes_are_stored_in_one_form(text, stored):
    assert normalise_authority(text) == stored


@pytest.mark.parametrize(
    "text", ["Southampton", "85", "8520", "852.5", "085", "E0600004", "", "  ", None, True, 8.52]
)
def test_what_is_not_a_code(text):
    assert normalise_authority(text) is None


def test_a_column_is_normalised_by_distinct_value():
    series = pl.Series(["852.0", "0852", None, "E06000045", "Southampton", "852"])
    assert normalise_authority_column(series).to_list() == [
        "852",
        "852",
        None,
        "852",
        None,
        "852",
    ]
    untouched = pl.Series(["852", "E12000008"])
    assert normalise_authority_column(untouched).to_list() == ["852", "E12000008"]


def _export(cli) -> pl.DataFrame:
    """The stored observations, read back through `csc-perf export` (codes as text)."""
    result = cli("export", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    return pl.read_csv(result.stdout.encode(), schema_overrides={"authority": pl.String})


def _write(path, rows):
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_extract_codes_land_on_one_authority(cli, workspace):
    extract = _write(
        workspace / "codes.csv",
        [
            "Authority,Indicator,Month,Value",
            f"852.0,{CONTACTS},2024-09,1900",
            f"0852,{REFERRALS},2024-09,400",
            f" E06000045 ,{IN_CARE},2024-09,470",
        ],
    )
    result = cli("import", extract)
    assert result.exit_code == 0, result.stderr
    exported = _export(cli)
    assert sorted(exported.select("authority", "indicator", "value").rows()) == [
        ("852", "children_in_care", 470.0),
        ("852", "contacts", 1900.0),
        ("852", "referrals", 400.0),
    ]
    # Southampton's report (the workspace's authority, 852) shows all three.
    rag = cli("rag", "--month", "2024-09", "--format", "csv")
    assert rag.exit_code == 0, rag.stderr
    values = dict(pl.read_csv(rag.stdout.encode()).select("indicator", "value").rows())
    assert (values["contacts"], values["referrals"], values["children_in_care"]) == (
        1900,
        400,
        470,
    )


def test_excel_numbers_as_codes(cli, workspace):
    """A code typed into Excel is a number: 852 or 852.0 in the cell."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Authority", "Indicator", "Month", "Value"])
    sheet.append([852, CONTACTS, "2024-09", 1900])
    sheet.append([852.0, REFERRALS, "2024-09", 400])
    book.save(workspace / "codes.xlsx")
    result = cli("import", workspace / "codes.xlsx")
    assert result.exit_code == 0, result.stderr
    exported = _export(cli)
    assert exported.get_column("authority").unique().to_list() == ["852"]


def test_a_name_for_a_code_is_refused_with_the_place(cli, seeded_workspace):
    store = seeded_workspace / "store"
    before = store_state(store)
    extract = _write(
        seeded_workspace / "names.csv",
        [
            "LA code,Indicator,Month,Value",
            f"852,{CONTACTS},2024-09,1900",
            f"Southampton,{REFERRALS},2024-09,400",
            f"Southampton,{IN_CARE},2024-09,470",
            f"85,{IN_CARE},2024-08,470",
        ],
    )
    result = cli("import", extract)
    assert result.exit_code == 1
    assert (
        f"error authority-invalid: {extract}, row 3, column 'LA code': 'Southampton' is not an "
        "authority code (and 1 more row); use the DfE LA number (e.g. 852) or the ONS code "
        "(e.g. E06000045)" in result.stderr
    )
    assert f"{extract}, row 5, column 'LA code': '85' is not an authority code" in result.stderr
    assert "nothing imported" in result.stderr
    assert store_state(store) == before


def test_validate_reports_the_cell(cli, workspace):
    extract = _write(
        workspace / "names.csv",
        ["Authority,Indicator,Month,Value", f"Hampshire,{CONTACTS},2024-09,1900"],
    )
    result = cli("validate", extract, "--format", "json")
    assert result.exit_code == 1
    import json

    (issue,) = json.loads(result.stdout)
    assert (issue["code"], issue["row"], issue["column"], issue["cell"]) == (
        "authority-invalid",
        2,
        "Authority",
        "Hampshire",
    )


def test_authority_option_is_normalised(cli, workspace):
    extract = _write(workspace / "plain.csv", ["Indicator,Month,Value", f"{CONTACTS},2024-09,1900"])
    result = cli("import", extract, "--authority", "0850")
    assert result.exit_code == 0, result.stderr
    exported = _export(cli)
    assert exported.select("authority", "value").rows() == [("850", 1900.0)]
    rag = cli("rag", "--authority", "850.0", "--month", "2024-09", "--format", "csv")
    assert rag.exit_code == 0, rag.stderr
    row = pl.read_csv(rag.stdout.encode()).filter(pl.col("indicator") == "contacts")
    assert row.get_column("value").to_list() == [1900]


@pytest.mark.parametrize("command", [("import",), ("validate",)])
def test_authority_option_that_is_not_a_code(cli, seeded_workspace, command):
    before = store_state(seeded_workspace / "store")
    extract = _write(
        seeded_workspace / "plain.csv", ["Indicator,Month,Value", f"{CONTACTS},2024-09,1900"]
    )
    result = cli(*command, extract, "--authority", "Southampton")
    assert result.exit_code == 2
    assert "--authority 'Southampton' is not an authority code" in result.stderr
    assert store_state(seeded_workspace / "store") == before


def test_report_authority_option_that_is_not_a_code(cli, full_workspace):
    result = cli("rag", "--authority", "Soton")
    assert result.exit_code == 2
    assert "--authority 'Soton' is not an authority code" in result.stderr
    assert "Traceback" not in result.output


WORKSPACE_TOML = """
[workspace]
authority = {authority}

[[theme]]
id = "t"
name = "T"

[[indicator]]
id = "contacts"
name = "Contacts"
theme = "t"
unit = "count"
measure = "flow"
polarity = "none"
"""


@pytest.mark.parametrize(
    ("authority", "stored"),
    [('"0852"', "852"), ('"852.0"', "852"), ("852", "852"), ('"E06000045"', "852")],
)
def test_workspace_authority_is_normalised(authority, stored):
    definitions = parse_definitions(WORKSPACE_TOML.format(authority=authority))
    assert definitions.workspace.authority == stored


def test_workspace_authority_that_is_not_a_code():
    with pytest.raises(DefinitionsError) as caught:
        parse_definitions(WORKSPACE_TOML.format(authority='"Southampton"'), "w.toml")
    assert (
        "line 3: workspace.authority: 'Southampton' is not an authority code: use the DfE LA "
        "number (e.g. 852) or the ONS code (e.g. E06000045)" in str(caught.value)
    )


def test_library_authority_argument(tmp_path):
    definitions = load_definitions(ROOT / "indicators.toml")
    extract = _write(tmp_path / "plain.csv", ["Indicator,Month,Value", f"{CONTACTS},2024-09,7"])
    report = validate_files([extract], definitions, authority="E06000045")
    assert report.observations.get_column("authority").to_list() == ["852"]
    with pytest.raises(UsageError):
        validate_files([extract], definitions, authority="Southampton")


def test_blank_authority_cells_take_the_workspace_code(tmp_path):
    definitions = load_definitions(ROOT / "indicators.toml")
    extract = _write(
        tmp_path / "blank.csv",
        ["Authority,Indicator,Month,Value", f",{CONTACTS},2024-09,7", f"  ,{REFERRALS},2024-09,8"],
    )
    report = validate_files([extract], definitions)
    assert report.valid, report.issues
    assert report.observations.get_column("authority").to_list() == ["852", "852"]


@given(
    st.integers(100, 999),
    st.integers(0, 3),
    st.sampled_from(["", ".0", ".00", "."]),
    st.sampled_from(["", " ", "\t"]),
)
def test_any_spelling_of_an_la_number_is_the_number(number, zeros, decimals, space):
    """Property: leading zeros, a zero decimal part and spaces never make a new authority."""
    text = f"{space}{'0' * zeros}{number}{decimals}{space}"
    assert normalise_authority(text) == str(number)
