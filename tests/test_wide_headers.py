"""Issue 11, item 4: every column of a wide sheet is a month, a known report column, a column
skipped on purpose (``--ignore-column``), or an error naming it. Nothing is dropped without a
word.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from conftest import store_state
from csc_perf.ingest.headers import (
    AUTHORITY_HEADERS,
    INDICATOR_HEADERS,
    MONTH_HEADERS,
    VALUE_HEADERS,
    header_month,
    is_report_column,
)
from csc_perf.ingest.validation import validate_files

CONTACTS = "Number of contacts in the month"


def write_csv(path, rows: list[list[str]]):
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def exported(cli) -> dict[tuple[str, str], float | None]:
    result = cli("export", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    frame = pl.read_csv(io.StringIO(result.stdout), infer_schema_length=None)
    return {
        (row["indicator"], row["month"][:7]): row["value"] for row in frame.iter_rows(named=True)
    }


# -- each accepted spelling, by hand -----------------------------------------------------
@pytest.mark.parametrize(
    ("header", "month"),
    [
        ("Sep–24", date(2024, 9, 1)),  # en dash
        ("Sep—24", date(2024, 9, 1)),  # em dash
        ("Sep−24", date(2024, 9, 1)),  # minus sign
        ("Sep‑2024", date(2024, 9, 1)),  # non-breaking hyphen
        ("Sep_24", date(2024, 9, 1)),
        ("2024/09", date(2024, 9, 1)),
        ("Oct-24 (provisional)", date(2024, 10, 1)),
        ("Oct-24 (Draft)", date(2024, 10, 1)),
        ("Oct-24*", date(2024, 10, 1)),
        ("Oct-24 [provisional] *", date(2024, 10, 1)),
        # Excel serials: day 1 is 1 January 1900 and Excel counts a 29 February 1900 that
        # never was, so serial N is 30 December 1899 + N days: 45536 = 1 September 2024
        # (45292 = 1 January 2024, + 244 days of January-August 2024).
        ("45536", date(2024, 9, 1)),
        ("45596", date(2024, 10, 31)),
        ("45566.0", date(2024, 10, 1)),
    ],
)
def test_header_spellings_denote_one_month(header, month):
    assert header_month(header) == date(month.year, month.month, 1)


@pytest.mark.parametrize(
    "header",
    ["Okt-24", "Q3 24/25", "Q3 2024/25", "2024/25", "2009/10", "12345", "Oct-24 YTD", "Target"],
)
def test_headers_that_are_not_one_month(header):
    assert header_month(header) is None


@pytest.mark.parametrize(
    "header",
    [
        "Target",
        "RAG",
        "DoT",
        "Direction of travel",
        "SPC",
        "Notes",
        "Comments",
        "So'ton 22/23",
        "22/23 Stat Neighbours",
        "South East 23/24",
        "England 23/24",
        "2023/24",
        "Mar-24 YTD",
    ],
)
def test_known_report_columns(header):
    assert is_report_column(header)


@pytest.mark.parametrize("header", ["Okt-24", "Q3 24/25", "Quarter 3", "Sept", "Actual", "x"])
def test_other_headers_are_not_report_columns(header):
    assert not is_report_column(header)


# -- through the CLI ---------------------------------------------------------------------
def test_every_month_spelling_is_imported(cli, seeded_workspace, tmp_path):
    path = write_csv(
        tmp_path / "wide.csv",
        [
            ["Indicator", "Aug_24", "Sep–24", "Oct-24 (provisional)", "Target", "RAG", "DoT"],
            [CONTACTS, "1710", "1804", "1928", "1800", "GREEN", "Up"],
        ],
    )
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    values = exported(cli)
    assert values[("contacts", "2024-08")] == 1710
    assert values[("contacts", "2024-09")] == 1804
    assert values[("contacts", "2024-10")] == 1928


def test_excel_serial_header_in_a_workbook(cli, seeded_workspace, tmp_path):
    """A date header typed as a number (General format) arrives as its serial."""
    import xlsxwriter

    path = tmp_path / "serial.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Family Help")
    sheet.write_row(0, 0, ["Indicator", 45536, 45566])  # 1 Sep 2024, 1 Oct 2024
    sheet.write_row(1, 0, [CONTACTS, 1804, 1928])
    book.close()
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    values = exported(cli)
    assert (values[("contacts", "2024-09")], values[("contacts", "2024-10")]) == (1804, 1928)


@pytest.mark.parametrize("header", ["Okt-24", "Q3 24/25", "Oct-24 actual"])
def test_unknown_header_is_refused_naming_the_column(cli, seeded_workspace, tmp_path, header):
    path = write_csv(
        tmp_path / "wide.csv",
        [["Indicator", "Sep-24", header, "Target"], [CONTACTS, "1804", "1928", "1800"]],
    )
    before = store_state(seeded_workspace / "store")
    result = cli("import", path)
    assert result.exit_code == 1
    assert (
        f"error header-unknown: {path}, row 1: column {header!r} is neither a month nor a known "
        "report column, and its figures would be dropped: write the month as Oct-24 or "
        f"2024-10, or skip the column on purpose with --ignore-column {header!r}"
    ) in result.stderr
    assert "nothing imported" in result.stderr
    assert store_state(seeded_workspace / "store") == before


def test_ignore_column_skips_on_purpose(cli, seeded_workspace, tmp_path):
    path = write_csv(
        tmp_path / "wide.csv",
        [
            ["Indicator", "Sep-24", "Okt-24", "Q3 24/25", "Oct-24 (provisional)"],
            [CONTACTS, "1804", "1928", "5000", "1930"],
        ],
    )
    checked = cli(
        "validate", path, "--ignore-column", "okt-24", "--ignore-column", "Q3 24/25", "-f", "csv"
    )
    assert checked.exit_code == 0, checked.stdout + checked.stderr
    # A month column can be skipped on purpose too (here the provisional one).
    result = cli(
        "import",
        path,
        "--ignore-column",
        "Okt-24",
        "--ignore-column",
        "Q3 24/25",
        "--ignore-column",
        "Oct-24 (provisional)",
    )
    assert result.exit_code == 0, result.stderr
    values = exported(cli)
    assert values[("contacts", "2024-09")] == 1804
    assert ("contacts", "2024-10") not in values


def test_a_header_that_is_not_a_month_in_an_empty_column_drops_nothing(tmp_path, definitions):
    path = write_csv(
        tmp_path / "wide.csv",
        [["Indicator", "Oct-24", "Checked by"], [CONTACTS, "1928", ""]],
    )
    report = validate_files([path], definitions)
    assert report.valid, [i.message for i in report.errors]
    assert report.observations.get_column("value").to_list() == [1928.0]


def test_a_financial_year_column_is_not_october(tmp_path, definitions):
    """2024/10 is October 2024, but 2009/10 is the financial year April 2009 - March 2010."""
    path = write_csv(
        tmp_path / "wide.csv",
        [["Indicator", "2024/10", "2009/10"], [CONTACTS, "1928", "20000"]],
    )
    report = validate_files([path], definitions)
    assert report.valid, [i.message for i in report.errors]
    assert report.observations.select("month", "value").rows() == [(date(2024, 10, 1), 1928.0)]


def test_future_month_under_a_marked_header_names_the_column(tmp_path, definitions):
    path = write_csv(
        tmp_path / "wide.csv",
        [["Indicator", "Oct-24", "Jan-99 (provisional)"], [CONTACTS, "1928", "1"]],
    )
    report = validate_files([path], definitions, today=date(2024, 11, 5))
    (issue,) = [i for i in report.issues if i.code == "month-future"]
    assert issue.column == "Jan-99 (provisional)"
    assert issue.message.startswith(f"{path}, column 'Jan-99 (provisional)': month 2099-01")


# -- properties --------------------------------------------------------------------------
EPOCH = date(1899, 12, 30)  # Excel's day 0 (see test_header_spellings_denote_one_month)

SPELLINGS = [
    lambda d: d.strftime("%b-%y"),
    lambda d: d.strftime("%b–%y"),  # en dash
    lambda d: d.strftime("%b—%Y"),  # em dash
    lambda d: d.strftime("%b−%y"),  # minus sign
    lambda d: d.strftime("%B %Y"),
    lambda d: d.strftime("%b_%y"),
    lambda d: d.strftime("%Y-%m"),
    lambda d: d.strftime("%Y/%m"),
    lambda d: d.strftime("%m/%Y"),
    lambda d: d.strftime("%b-%y (provisional)"),
    lambda d: d.strftime("%b-%y (draft)"),
    lambda d: d.strftime("%b-%y*"),
    lambda d: str((d - EPOCH).days),  # an Excel serial as text
    lambda d: str((d + timedelta(days=14) - EPOCH).days),  # mid-month serial
]


def _is_financial_year_spelling(label: str, month: date) -> bool:
    # "2011/12" is the financial year 2011-12, never December 2011 (see model/calendar.py).
    return label == month.strftime("%Y/%m") and month.month == (month.year + 1) % 100


month_columns = st.lists(
    st.tuples(
        st.dates(min_value=date(2000, 1, 1), max_value=date(2024, 10, 1)).map(
            lambda d: date(d.year, d.month, 1)
        ),
        st.sampled_from(range(len(SPELLINGS))),
        st.integers(0, 99_999),
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda t: (t[0].year, t[0].month),
)


@given(month_columns)
def test_every_figure_lands_in_its_month(tmp_path_factory, columns):
    from conftest import ROOT
    from csc_perf.definitions.loading import load_definitions

    definitions = _definitions(ROOT, load_definitions)
    headers = [SPELLINGS[spelling](month) for month, spelling, _ in columns]
    months = [month for month, _, _ in columns]
    assume(not any(map(_is_financial_year_spelling, headers, months)))
    path = write_csv(
        tmp_path_factory.mktemp("wide") / "wide.csv",
        [["Indicator", *headers, "Target"], [CONTACTS, *(str(v) for _, _, v in columns), "9"]],
    )
    report = validate_files([path], definitions, today=date(2024, 11, 5))
    assert report.valid, [i.message for i in report.errors]
    got = dict(report.observations.select("month", "value").iter_rows())
    assert got == {month: float(value) for month, _, value in columns}


SPECIAL = {
    " ".join(h.split()).casefold()
    for h in INDICATOR_HEADERS | MONTH_HEADERS | VALUE_HEADERS | AUTHORITY_HEADERS
}


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=16))
def test_a_header_is_a_month_a_report_column_or_named_in_an_error(tmp_path_factory, header):
    """Whatever the header of a column of figures, its figure is stored under the month it
    denotes, or the column is a known report column (listed as skipped), or the import is
    refused by an issue naming the column. Never dropped without a word."""
    from conftest import ROOT
    from csc_perf.definitions.loading import load_definitions
    from csc_perf.ingest.shapes import table_cells
    from csc_perf.ingest.tables import read_tables

    text = header.strip()
    key = " ".join(text.replace("_", " ").split()).casefold()
    assume(text and key not in SPECIAL and key not in ("indicator", "oct-24"))
    definitions = _definitions(ROOT, load_definitions)
    path = write_csv(
        tmp_path_factory.mktemp("wide") / "wide.csv",
        [["Indicator", "Oct-24", header], [CONTACTS, "1928", "4321"]],
    )
    report = validate_files([path], definitions, today=date(2024, 11, 5))
    month = header_month(text)
    stored = dict(report.observations.select("month", "value").iter_rows())
    if report.valid:
        if month is not None:
            assert stored == {date(2024, 10, 1): 1928.0, month: 4321.0}
        else:
            # Skipped by name: a known report column, and said so.
            assert is_report_column(text)
            (table,) = read_tables(path).tables
            assert text in table_cells(table).ignored_columns
            assert stored == {date(2024, 10, 1): 1928.0}
    else:
        assert any(
            issue.column == text or repr(text) in issue.message for issue in report.errors
        ), [i.message for i in report.issues]


_CACHE: dict = {}


def _definitions(root, load):
    if "d" not in _CACHE:
        _CACHE["d"] = load(root / "indicators.toml")
    return _CACHE["d"]
