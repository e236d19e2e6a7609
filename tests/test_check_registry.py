"""The registry of validation checks: every stable code is registered once, with the
functions that find it, and each check function does what its code says on a few cells
(expected messages worked out by hand from the code's wording).

tests/test_validation_codes.py and tests/test_bad_corpus.py check the same codes through
files and the CLI; these tests call the checks themselves.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from csc_perf.errors import ExtractReadError
from csc_perf.ingest.cells import parse_cells
from csc_perf.ingest.checks.derived import derived_mismatch
from csc_perf.ingest.checks.months import bad_months, blank_months, month_problem, read_months
from csc_perf.ingest.checks.names import (
    authority_invalid,
    indicator_unknown,
    read_authorities,
    read_indicators,
)
from csc_perf.ingest.checks.registry import CHECKS, REGISTRY
from csc_perf.ingest.checks.required import required_missing
from csc_perf.ingest.checks.values import (
    count_negative,
    duplicate_conflict,
    first_figures,
    has_repeats,
    percent_as_fraction,
    percent_sign_unexpected,
    value_out_of_range,
    value_too_large,
    value_unparseable,
    with_bounds,
)
from csc_perf.ingest.raw import RawTable
from csc_perf.ingest.report import Issue, place
from csc_perf.ingest.shapes import table_cells
from csc_perf.ingest.tables import read_tables

TESTS = Path(__file__).resolve().parent
TODAY = date(2025, 1, 15)
CONTACTS = "Number of contacts in the month"
CIN_VISITS = (
    "Percentage of children with an active Child in Need Plan (not CWD) visited within last 6 weeks"
)


# -- the registry --------------------------------------------------------------------------
def test_every_code_is_registered_once_with_what_finds_it():
    codes = [check.code for check in REGISTRY]
    assert len(codes) == len(set(codes)) == 24
    assert list(CHECKS) == codes
    for check in REGISTRY:
        assert CHECKS[check.code] == (check.severity, check.meaning)
        assert check.severity in ("error", "warning")
        assert check.found_by and all(callable(f) for f in check.found_by)


def test_every_code_is_tested():
    """Each code is named in a test besides this file (through files and the CLI)."""
    texts = "".join(
        p.read_text(encoding="utf-8")
        for p in TESTS.glob("test_*.py")
        if p.name != Path(__file__).name
    )
    untested = [code for code in CHECKS if f'"{code}"' not in texts and f"{code}:" not in texts]
    assert untested == []


# -- places --------------------------------------------------------------------------------
def test_issue_message_is_its_place_then_the_detail():
    issue = Issue.at(
        "value-unparseable",
        "error",
        "'abc' is not a number",
        file="a.csv",
        sheet="Data",
        row=4,
        column="Oct-24",
        column_shown=True,
    )
    assert issue.message == "a.csv, sheet 'Data', row 4, column 'Oct-24': 'abc' is not a number"
    assert (issue.file, issue.sheet, issue.row, issue.column) == ("a.csv", "Data", 4, "Oct-24")
    hidden = Issue.at("file-empty", "error", "x", file="a.csv", column="C")
    assert hidden.message == "a.csv: x" and hidden.column == "C"
    assert place("a.csv", None, None, None) == "a.csv"


# -- cells as the readers give them --------------------------------------------------------
def long_cells(*rows: tuple[str | None, str | None, str | None], authority=None) -> pl.DataFrame:
    """(indicator text, month text, cell) rows of x.csv, rows 2, 3, ..."""
    return pl.DataFrame(
        {
            "file": ["x.csv"] * len(rows),
            "sheet": [None] * len(rows),
            "row": list(range(2, 2 + len(rows))),
            "column": ["Value"] * len(rows),
            "indicator_text": [r[0] for r in rows],
            "month_text": [r[1] for r in rows],
            "month_column": ["Month"] * len(rows),
            "authority_text": [authority] * len(rows),
            "cell": [r[2] for r in rows],
        },
        schema={
            "file": pl.String,
            "sheet": pl.String,
            "row": pl.Int64,
            "column": pl.String,
            "indicator_text": pl.String,
            "month_text": pl.String,
            "month_column": pl.String,
            "authority_text": pl.String,
            "cell": pl.String,
        },
    )


def parsed(definitions, *rows, authority=None) -> pl.DataFrame:
    """The cells with their authority, indicator, month, value and status read."""
    cells = read_authorities(long_cells(*rows, authority=authority), "852")
    cells = read_indicators(cells, definitions)
    cells, _ = read_months(cells, TODAY)
    return parse_cells(cells, "cell")


def checked(definitions, *rows) -> pl.DataFrame:
    present = parsed(definitions, *rows).filter(pl.col("status") == "present")
    return with_bounds(present, definitions)


def messages(issues: list[Issue]) -> list[tuple[str, str]]:
    return [(i.code, i.message) for i in issues]


# -- names -----------------------------------------------------------------------------------
def test_authority_invalid(definitions):
    cells = read_authorities(
        long_cells(("contacts", "2024-09", "1"), authority="Southampton"), "852"
    )
    cells = cells.with_columns(pl.lit("LA").alias("authority_column"))
    (issue,) = authority_invalid(cells)
    assert issue.code == "authority-invalid"
    assert issue.message.startswith(
        "x.csv, row 2, column 'LA': 'Southampton' is not an authority code; "
    )
    # Codes in stored form (or blank, the workspace's) are not rewritten and raise nothing.
    assert authority_invalid(read_authorities(long_cells(("c", "2024-09", "1")), "852")) == []
    stored = read_authorities(long_cells(("c", "2024-09", "1"), authority="0852"), "852")
    assert stored.get_column("authority_text").to_list() == ["852"]


def test_indicator_unknown(definitions):
    cells = read_indicators(
        long_cells(
            ("Contactz", "2024-09", "1"), ("Contactz", "2024-09", "2"), (None, "2024-09", "3")
        ),
        definitions,
    )
    first, blank = indicator_unknown(cells, definitions)
    assert first.message.startswith("x.csv, row 2: unknown indicator 'Contactz' (and 1 more row)")
    assert (first.code, first.cell, first.column) == ("indicator-unknown", "Contactz", None)
    assert blank.message == "x.csv, row 4: the row has figures but no indicator name"


# -- months --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("label", "month", "problem"),
    [
        ("2024-09", date(2024, 9, 1), None),
        ("2025-01", date(2025, 1, 1), None),  # the current month is not in the future
        ("Octember-24", None, ("month-unparseable", "'Octember-24' is not a month")),
        (
            "2025-02",
            date(2025, 2, 1),
            ("month-future", "2025-02 is in the future (today is 2025-01-15)"),
        ),
        ("1999-12", date(1999, 12, 1), ("month-too-early", "1999-12 is before 2000")),
    ],
)
def test_month_problem(label, month, problem):
    assert month_problem(label, TODAY) == (month, problem)


def test_bad_and_blank_months(definitions):
    cells = read_indicators(
        long_cells(
            ("contacts", "2099-01", "1"), ("contacts", "2099-01", "2"), ("contacts", None, "3")
        ),
        definitions,
    )
    cells, problems = read_months(cells, TODAY)
    assert messages(bad_months(cells, problems)) == [
        (
            "month-future",
            "x.csv, row 2: month 2099-01 is in the future (today is 2025-01-15) (and 1 more row)",
        )
    ]
    assert messages(blank_months(cells)) == [
        ("month-unparseable", "x.csv, row 4: the month cell is blank")
    ]


def test_a_wide_month_header_is_reported_by_its_column(definitions):
    cells = read_indicators(long_cells(("contacts", "Octember-24", "1")), definitions)
    cells = cells.with_columns(
        pl.lit("Octember-24").alias("column"), pl.col("month_text").alias("month_column")
    )
    cells, problems = read_months(cells, TODAY)
    (issue,) = bad_months(cells, problems)
    assert issue.message == "x.csv, column 'Octember-24': month 'Octember-24' is not a month"
    assert issue.row is None


# -- values --------------------------------------------------------------------------------
def test_value_unparseable(definitions):
    cells = parsed(definitions, ("contacts", "2024-09", "abc"), ("contacts", "2024-10", "inf"))
    text, infinite = value_unparseable(cells)
    assert text.message == (
        "x.csv, row 2, column 'Value': 'abc' is not a number (expected e.g. 87, 87%, 4,266, "
        "blank or - for missing, c or x for suppressed)"
    )
    assert (text.indicator, text.month, text.cell) == ("contacts", "2024-09", "abc")
    assert infinite.message.startswith("x.csv, row 3, column 'Value': 'inf' is not a finite number")


def test_duplicate_conflict_and_the_figure_kept(definitions):
    cells = parsed(
        definitions,
        ("contacts", "2024-09", ""),
        ("contacts", "2024-09", "10"),
        ("contacts", "2024-09", "10"),
        ("contacts", "2024-09", "12"),
    )
    assert has_repeats(cells)
    assert messages(duplicate_conflict(cells, definitions)) == [
        (
            "duplicate-conflict",
            f"x.csv, row 5, column 'Value': {CONTACTS!r} for 2024-09 is '12' here but '10' at "
            "row 3, column 'Value'",
        )
    ]
    # The blank says nothing: the first figure is kept.
    assert first_figures(cells).select("row", "value").rows() == [(3, 10.0)]


def test_percent_sign_unexpected(definitions):
    (issue,) = percent_sign_unexpected(
        checked(definitions, ("contacts", "2024-09", "87%")), definitions
    )
    assert issue.message == (
        f"x.csv, row 2, column 'Value': {CONTACTS!r} for 2024-09: '87%' has a % sign but the "
        "indicator is a count, not a percentage: write the figure without % (or make the "
        "indicator's unit percent in indicators.toml)"
    )


def test_value_too_large(definitions):
    cells = checked(
        definitions, ("contacts", "2024-09", "1000000001"), ("contacts", "2024-10", "1000000000")
    )
    (issue,) = value_too_large(cells, definitions)
    assert issue.message == (
        f"x.csv, row 2, column 'Value': {CONTACTS!r} for 2024-09: '1000000001' is beyond "
        "1,000,000,000, larger than any children's social care figure: correct the cell (a "
        "typo, a pasted number or an overflow?)"
    )


def test_count_negative_is_not_also_out_of_range(definitions):
    cells = checked(definitions, ("contacts", "2024-09", "-3"))
    assert messages(count_negative(cells, definitions)) == [
        (
            "count-negative",
            f"x.csv, row 2, column 'Value': {CONTACTS!r} for 2024-09: '-3' is negative, and a "
            "count cannot be",
        )
    ]
    assert value_out_of_range(cells, definitions) == []


def test_value_out_of_range(definitions):
    cells = checked(
        definitions,
        ("cin_visits_6_weeks", "2024-09", "101"),
        ("cin_visits_6_weeks", "2024-10", "100"),
    )
    (issue,) = value_out_of_range(cells, definitions)
    assert (issue.code, issue.severity) == ("value-out-of-range", "warning")
    assert issue.message == (
        f"x.csv, row 2, column 'Value': {CIN_VISITS!r} for 2024-09: '101' is outside the valid "
        "range [0, 100]"
    )


def test_percent_as_fraction(definitions):
    cells = checked(
        definitions,
        ("cin_visits_6_weeks", "2024-09", "0.87"),
        ("cin_visits_6_weeks", "2024-10", "0.9"),
    )
    (issue,) = percent_as_fraction(cells, definitions)
    assert (issue.row, issue.column, issue.indicator) == (2, "Value", "cin_visits_6_weeks")
    assert issue.message.startswith(
        f"x.csv, row 2: every value of {CIN_VISITS!r} is between 0 and 1; "
    )
    # One figure above 1 says the sheet is on the 0-100 scale.
    cells = checked(
        definitions,
        ("cin_visits_6_weeks", "2024-09", "0.87"),
        ("cin_visits_6_weeks", "2024-10", "87"),
    )
    assert percent_as_fraction(cells, definitions) == []


# -- required and derived indicators ---------------------------------------------------------
def test_required_missing(definitions):
    good = parsed(definitions, ("contacts", "2024-09", "10"), ("referrals", "2024-09", "c"))
    found = required_missing(good, definitions, "852")
    # contacts is present and referrals suppressed: the other required ones are missing.
    required = [i for i in definitions.indicators if i.required]
    assert [i.indicator for i in found] == [
        i.id for i in required if i.id not in ("contacts", "referrals")
    ]
    assert found[0].message == (
        f"x.csv: required indicator {required[2].name!r} has no value for 2024-09"
    )
    stored = pl.DataFrame(
        {
            "authority": ["852"] * len(required),
            "indicator": [i.id for i in required],
            "month": [date(2024, 9, 1)] * len(required),
            "status": ["present"] * len(required),
        }
    )
    assert required_missing(good, definitions, "852", history=stored) == []


def test_derived_mismatch(definitions):
    """cla_ifa_pct = cla_ifa / children_in_care * 100 = 30 / 200 * 100 = 15.0; 20 is 33.3%
    above it (more than the 3% tolerance); 15.4 is within half a unit of its last digit."""

    def observations(supplied: float) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "authority": ["852"] * 3,
                "indicator": ["cla_ifa", "children_in_care", "cla_ifa_pct"],
                "month": [date(2024, 9, 1)] * 3,
                "value": [30.0, 200.0, supplied],
                "status": ["present"] * 3,
                "source_file": ["x.csv"] * 3,
                "source_sheet": [None] * 3,
                "source_row": [2, 3, 4],
            },
            schema_overrides={"source_sheet": pl.String},
        )

    (issue,) = derived_mismatch(observations(20.0), definitions, None, None)
    assert issue.message == (
        "x.csv, row 4: 'Percentage of CLA placed in IFA placements as at the end of the month' "
        "for 2024-09 is 20 in the extract but 15.0 from its formula (cla_ifa / children_in_care "
        "* 100): +33.3%, more than 3%"
    )
    assert derived_mismatch(observations(15.4), definitions, None, None) == []


# -- codes found while reading a table ----------------------------------------------------------
def table(*rows: list[str | None]) -> RawTable:
    width = max(len(r) for r in rows)
    columns = {f"c{i}": [r[i] if i < len(r) else None for r in rows] for i in range(width)}
    return RawTable("x.csv", None, pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String)))


def codes_of(found) -> list[tuple[str, str, int]]:
    return [(p["code"], p["message"], p["row"]) for p in found.problems]


def test_header_duplicate_and_header_unknown():
    found = table_cells(
        table(["Indicator", "Oct-24", "Oct-24", "Budget"], ["contacts", "1", "2", "5"])
    )
    assert codes_of(found) == [
        ("header-duplicate", "two columns are headed 'Oct-24'", 1),
        (
            "header-unknown",
            "column 'Budget' is neither a month nor a known report column, and its figures "
            "would be dropped: write the month as Oct-24 or 2024-10, or skip the column on "
            "purpose with --ignore-column 'Budget'",
            1,
        ),
    ]
    skipped = table_cells(
        table(["Indicator", "Oct-24", "Budget"], ["contacts", "1", "5"]), ignore_columns=["budget"]
    )
    assert skipped.problems == [] and skipped.ignored_columns == ["Budget"]


def test_header_missing_month_required_and_file_empty():
    with pytest.raises(ExtractReadError) as raised:
        table_cells(table(["foo", "bar"], ["1", "2"]))
    assert raised.value.code == "header-missing"
    with pytest.raises(ExtractReadError) as raised:
        table_cells(table(["Indicator", "Value"], ["contacts", "1"]))
    assert raised.value.code == "month-required"
    with pytest.raises(ExtractReadError) as raised:
        table_cells(table(["Indicator", "Month", "Value"]))
    assert (raised.value.code, raised.value.message) == (
        "file-empty",
        "x.csv: has a header (row 1) but no data rows",
    )


def test_formula_uncached():
    raw = table(["Indicator", "Month", "Value"], ["contacts", "2024-09", "0"])
    raw.formulas[(2, 2)] = ("C2", "B2*2", None)
    (problem,) = table_cells(raw).problems
    assert problem["code"] == "formula-uncached"
    assert problem["message"].startswith(
        "cell C2 holds the formula =B2*2 and it has no saved result"
    )
    assert (problem["row"], problem["column"], problem["cell"]) == (2, "Value", "=B2*2")


def test_file_unreadable_and_encoding_error(tmp_path):
    odd = tmp_path / "x.ods"
    odd.write_text("Indicator,Month,Value\n")
    with pytest.raises(ExtractReadError) as raised:
        read_tables(odd)
    assert (raised.value.code, raised.value.message) == (
        "file-unreadable",
        f"{odd}: unknown file type '.ods'",
    )
    latin = tmp_path / "x.csv"
    latin.write_bytes("Indicator,Month,Value\n£,2024-09,1\n".encode("cp1252"))
    with pytest.raises(ExtractReadError) as raised:
        read_tables(latin)
    assert raised.value.code == "encoding-error"
    assert raised.value.message == f"{latin}: line 2: byte 0xa3 is not valid utf-8"
