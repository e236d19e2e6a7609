"""Issue 11, the hostile tester's second round on extract reading: a figure is stored as the
source shows it, or the import is refused naming the place; exit 0 never hides a wrong or
dropped figure.

1. A month column whose header goes on with words (``Oct-24 (see notes)``) is refused as
   ``header-unknown``, not skipped as a report column.
2. Percentage formats are found however the XML is written (single quotes, spaces around
   ``=``) and the styles part is found through the workbook's relationships.
3. A percentage-formatted cell is checked as if written with its % sign: 1.39 formatted
   ``0%`` (shows 139%) on a count is ``percent-sign-unexpected``, as the text ``139%`` is.
4. A formula whose saved result is an empty string is a blank (missing) cell.

Workbooks are built here with xlsxwriter and rewritten inside the zip where Excel or another
program writes the XML differently. Expected figures are worked out by hand.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import polars as pl
import pytest

from conftest import store_state
from csc_perf.ingest.headers import is_report_column, month_with_words

CONTACTS = "Number of contacts in the month"
EH_REFERRALS = "Number of referrals into Early Help"
ASSESSMENTS = "Percentage of assessments completed within 45 days"


def exported(cli) -> dict[tuple[str, str], float | None]:
    result = cli("export", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    frame = pl.read_csv(io.StringIO(result.stdout), infer_schema_length=None)
    return {
        (row["indicator"], row["month"][:7]): row["value"] for row in frame.iter_rows(named=True)
    }


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def rewrite_zip(path: Path, change) -> Path:
    """Rewrite every member of a workbook through ``change(name, data) -> (name, data)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            name, data = change(item.filename, old.read(item.filename))
            new.writestr(name, data)
    path.write_bytes(out.getvalue())
    return path


def strip_recalculation(path: Path) -> Path:
    """As Excel saves a workbook: without xlsxwriter's ``fullCalcOnLoad``."""
    return rewrite_zip(
        path,
        lambda name, data: (
            name,
            data.replace(b' fullCalcOnLoad="1"', b"") if name == "xl/workbook.xml" else data,
        ),
    )


# -- 1. a month header that goes on with words ---------------------------------------------
WORDED_MONTHS = [
    "Oct-24 (see notes)",
    "Oct-24 (national definition)",
    "Oct-24 London",
    "Oct-24 (target met)",
    "Oct-24 incl. SN",
    "Oct-24 (provisional) note",
    "Oct-24(see notes)",
    "Oct 2024 England",
    "2024-10 (RAG)",
    "October 2024 - comments",
]


@pytest.mark.parametrize("header", WORDED_MONTHS)
def test_month_with_words_is_not_a_report_column(header):
    assert month_with_words(header) is not None
    assert not is_report_column(header)


@pytest.mark.parametrize(
    "header",
    [
        "Mar-24 YTD",
        "Mar-24 (YTD)",
        "Mar-24 year to date",
        "22/23 Stat Neighbours",
        "So'ton 22/23",
        "England 23/24",
        "2023/24",
        "Target",
    ],
)
def test_report_columns_that_name_no_month_or_a_ytd_month_stay_skipped(header):
    assert month_with_words(header) is None
    assert is_report_column(header)


@pytest.mark.parametrize("header", ["Oct-24", "Oct-24 (provisional)", "Oct-24 *", "Okt-24 notes"])
def test_plain_or_marked_months_are_not_months_with_words(header):
    assert month_with_words(header) is None


@pytest.mark.parametrize("header", WORDED_MONTHS)
def test_worded_month_column_is_refused_naming_it(cli, seeded_workspace, tmp_path, header):
    path = write_csv(
        tmp_path / "wide.csv",
        [["Indicator", "Sep-24", header, "Target"], [EH_REFERRALS, "120", "139", "130"]],
    )
    before = store_state(seeded_workspace / "store")
    result = cli("import", path)
    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert (
        f"error header-unknown: {path}, row 1: column {header!r} is neither a month nor a known "
        "report column, and its figures would be dropped"
    ) in result.stderr
    assert f"--ignore-column {header!r}" in result.stderr
    assert store_state(seeded_workspace / "store") == before


def test_worded_month_column_skipped_on_purpose(cli, seeded_workspace, tmp_path):
    path = write_csv(
        tmp_path / "wide.csv",
        [
            ["Indicator", "Sep-24", "Oct-24 (see notes)", "Mar-24 YTD"],
            [EH_REFERRALS, "120", "139", "900"],
        ],
    )
    result = cli("import", path, "--ignore-column", "Oct-24 (see notes)")
    assert result.exit_code == 0, result.stderr
    values = exported(cli)
    assert values[("early_help_referrals", "2024-09")] == 120
    assert ("early_help_referrals", "2024-10") not in values
    assert ("early_help_referrals", "2024-03") not in values  # YTD: a report column


def test_worded_month_column_in_a_long_extract_is_refused(cli, seeded_workspace, tmp_path):
    path = write_csv(
        tmp_path / "long.csv",
        [["Indicator", "Month", "Value", "Oct-24 London"], [EH_REFERRALS, "Oct-24", "139", "7"]],
    )
    result = cli("import", path)
    assert result.exit_code == 1
    assert "error header-unknown" in result.stderr and "'Oct-24 London'" in result.stderr


# -- 3. a percentage format on a count ----------------------------------------------------
def percent_workbook(path: Path, figures: list[tuple[str, float, str | None]]) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Data")
    formats = {code: book.add_format({"num_format": code}) for code in ("0%", "0.0%")}
    sheet.write_row(0, 0, ["Indicator", "Oct-24"])
    for row, (indicator, number, code) in enumerate(figures, start=1):
        sheet.write(row, 0, indicator)
        sheet.write_number(row, 1, number, formats[code] if code else None)
    book.close()
    return path


def test_percent_format_on_a_count_is_refused_like_a_percent_sign(cli, seeded_workspace, tmp_path):
    # 1.39 formatted 0% shows 139%: the source says a percentage, the indicator is a count.
    path = percent_workbook(tmp_path / "count.xlsx", [(EH_REFERRALS, 1.39, "0%")])
    before = store_state(seeded_workspace / "store")
    result = cli("import", path)
    assert result.exit_code == 1, result.stderr
    assert (
        f"error percent-sign-unexpected: {path}, sheet 'Data', row 2, column 'Oct-24': "
        "'Number of referrals into Early Help' for 2024-10: '139%' has a % sign"
    ) in result.stderr
    assert store_state(seeded_workspace / "store") == before


def test_percent_format_on_a_percentage_is_stored_as_shown(cli, seeded_workspace, tmp_path):
    # 0.83 formatted 0% shows 83%; 0.8675 formatted 0.0% is 86.75 (the format rounds only
    # the display); 139 typed on a count with no format is 139.
    path = tmp_path / "ok.xlsx"
    percent_workbook(path, [(ASSESSMENTS, 0.83, "0%"), (EH_REFERRALS, 139, None)])
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    values = exported(cli)
    assert values[("assessments_in_45_days", "2024-10")] == 83
    assert values[("early_help_referrals", "2024-10")] == 139


def test_validate_shows_the_percent_cell_as_excel_does(cli, workspace, tmp_path):
    path = percent_workbook(tmp_path / "count.xlsx", [(EH_REFERRALS, 0.5, "0.0%")])
    result = cli("validate", path)
    assert result.exit_code == 1
    assert "'50%' has a % sign" in result.stderr + result.stdout


# -- 2. percentage formats however the XML is written --------------------------------------
def in_cells(change):
    """Apply ``change`` to the start tag of every cell element: ``<c r="B2" s="1">``."""
    return lambda xml: re.sub(rb"<c\b[^>]*>", lambda m: change(m[0]), xml)


ATTRIBUTE_SPELLINGS = {
    "single-quotes": in_cells(lambda tag: tag.replace(b'"', b"'")),  # <c r='B2' s='1'>
    "spaces": in_cells(lambda tag: tag.replace(b'="', b' = "')),  # <c r = "B2" s = "1">
    "tab-and-single-quotes": in_cells(
        lambda tag: tag.replace(b'="', b"\t=  '").replace(b'"', b"'")
    ),
}


def rewrite_sheets(path: Path, change) -> Path:
    def rewrite(name: str, data: bytes) -> tuple[str, bytes]:
        return (name, change(data)) if name.startswith("xl/worksheets/") else (name, data)

    rewrite_zip(path, rewrite)
    with zipfile.ZipFile(path) as book:
        xml = book.read("xl/worksheets/sheet1.xml")
    assert not re.search(rb'<c\b[^>]*\bs="', xml)  # the rewrite took
    return path


@pytest.mark.parametrize("spelling", sorted(ATTRIBUTE_SPELLINGS))
def test_percent_cells_found_however_attributes_are_written(tmp_path, spelling):
    from csc_perf.ingest.workbook import Workbook

    path = percent_workbook(
        tmp_path / "visits.xlsx", [(ASSESSMENTS, 0.5, "0%"), (ASSESSMENTS, 0.83, "0.0%")]
    )
    rewrite_sheets(path, ATTRIBUTE_SPELLINGS[spelling])
    cells = Workbook(path.read_bytes()).cells("Data")
    assert cells.percent == {(2, 1): "0.5", (3, 1): "0.83"}


@pytest.mark.parametrize("spelling", sorted(ATTRIBUTE_SPELLINGS))
def test_percent_cells_with_rewritten_attributes_are_stored_as_shown(
    cli, seeded_workspace, tmp_path, spelling
):
    path = percent_workbook(tmp_path / "visits.xlsx", [(ASSESSMENTS, 0.83, "0%")])
    rewrite_sheets(path, ATTRIBUTE_SPELLINGS[spelling])
    values = import_and_values(cli, path)
    assert values[("assessments_in_45_days", "2024-10")] == 83  # Excel shows 83%, not 0.83


def import_and_values(cli, path: Path) -> dict:
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    return exported(cli)


def test_styles_part_found_through_the_relationships(cli, seeded_workspace, tmp_path):
    path = tmp_path / "renamed.xlsx"
    percent_workbook(path, [(ASSESSMENTS, 0.83, "0%")])

    def rename(name: str, data: bytes) -> tuple[str, bytes]:
        if name == "xl/styles.xml":
            return "xl/theStyles.xml", data
        if name == "xl/_rels/workbook.xml.rels":
            return name, data.replace(b'Target="styles.xml"', b'Target="theStyles.xml"')
        if name == "[Content_Types].xml":
            return name, data.replace(b"/xl/styles.xml", b"/xl/theStyles.xml")
        return name, data

    rewrite_zip(path, rename)
    values = import_and_values(cli, path)
    assert values[("assessments_in_45_days", "2024-10")] == 83


def test_workbook_whose_styles_cannot_be_found_is_refused(cli, seeded_workspace, tmp_path):
    path = tmp_path / "nostyles.xlsx"
    percent_workbook(path, [(ASSESSMENTS, 0.83, "0%")])

    def drop(name: str, data: bytes) -> tuple[str, bytes]:
        if name == "xl/styles.xml":
            return "xl/elsewhere.bin", data
        if name == "xl/_rels/workbook.xml.rels":
            return name, data.replace(b'Target="styles.xml"', b'Target="missing.xml"')
        return name, data

    rewrite_zip(path, drop)
    before = store_state(seeded_workspace / "store")
    result = cli("import", path)
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr
    assert f"{path}" in result.stderr and "styles cannot be found" in result.stderr
    assert store_state(seeded_workspace / "store") == before


# -- 4. a formula whose saved result is an empty string -------------------------------------
def blank_formula_workbook(path: Path, result: str | None) -> Path:
    """Sep-24 typed 120; Oct-24 a formula, saved as Excel saves it (no fullCalcOnLoad) with
    ``result`` as its text result (``""``: Excel shows a blank cell)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Data")
    sheet.write_row(0, 0, ["Indicator", "Sep-24", "Oct-24"])
    sheet.write(1, 0, EH_REFERRALS)
    sheet.write_number(1, 1, 120)
    sheet.write_formula(1, 2, '=IF(B2>0,"",1)', None, result)
    book.close()
    strip_recalculation(path)

    def as_excel(name: str, data: bytes) -> tuple[str, bytes]:  # Excel marks a text result
        if name.startswith("xl/worksheets/"):
            data = data.replace(b'<c r="C2">', b'<c r="C2" t="str">')
        return name, data

    return rewrite_zip(path, as_excel)


def cell_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as book:
        xml = book.read("xl/worksheets/sheet1.xml")
    found = re.search(rb'<c r="C2".*?</c>', xml)
    assert found is not None
    return found[0]


@pytest.mark.parametrize("without_references", [False, True], ids=["fast", "no-references"])
def test_empty_string_formula_result_is_a_blank(
    cli, seeded_workspace, tmp_path, without_references
):
    path = blank_formula_workbook(tmp_path / "blank.xlsx", "")
    assert cell_xml(path) == b'<c r="C2" t="str"><f>IF(B2&gt;0,"",1)</f><v></v></c>'
    if without_references:  # cells without r="..." are read by the slower full parse
        rewrite_sheets(path, in_cells(lambda tag: re.sub(rb'\sr="[A-Z]+\d+"', b"", tag)))
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert "formula-uncached" not in result.stderr
    frame = pl.read_csv(io.StringIO(cli("export", "--format", "csv").stdout))
    october = frame.filter(
        (pl.col("indicator") == "early_help_referrals") & (pl.col("month") == "2024-10-01")
    )
    assert october.select("value", "status").rows() == [(None, "missing")]  # never zero
    assert exported(cli)[("early_help_referrals", "2024-09")] == 120


def test_formula_with_no_saved_result_is_still_refused(cli, seeded_workspace, tmp_path):
    path = blank_formula_workbook(tmp_path / "nov.xlsx", "")

    def drop_value(name: str, data: bytes) -> tuple[str, bytes]:
        return name, data.replace(b"<v></v>", b"") if name.startswith("xl/worksheets/") else data

    rewrite_zip(path, drop_value)
    assert b"<v>" not in cell_xml(path)
    before = store_state(seeded_workspace / "store")
    result = cli("import", path)
    assert result.exit_code == 1
    assert "formula-uncached" in result.stderr and "cell C2" in result.stderr
    assert store_state(seeded_workspace / "store") == before


# -- 5. two identifying columns that disagree --------------------------------------------------
STEP_DOWN = "Number of referrals that were stepped down from CSC (no assessment required)"


def test_two_authority_columns_that_disagree_are_refused(cli, seeded_workspace, tmp_path):
    path = write_csv(
        tmp_path / "long.csv",
        [
            ["Authority", "LA code", "Indicator", "Month", "Value"],
            ["852", "852", EH_REFERRALS, "2024-10", "139"],
            ["850", "852", EH_REFERRALS, "2024-09", "120"],
        ],
    )
    before = store_state(seeded_workspace / "store")
    result = cli("import", path)
    assert result.exit_code == 1
    assert (
        f"error header-duplicate: {path}, row 3: two authority columns disagree: 'Authority' is "
        "'850' but 'LA code' is '852' on row 3; only one is read"
    ) in result.stderr
    assert "--ignore-column 'LA code'" in result.stderr
    assert store_state(seeded_workspace / "store") == before
    # Skipped on purpose, the first column is read.
    result = cli("import", path, "--ignore-column", "LA code")
    assert result.exit_code == 0, result.stderr


def test_two_authority_columns_that_agree_are_read(cli, seeded_workspace, tmp_path):
    path = write_csv(
        tmp_path / "long.csv",
        [
            ["Authority", "LA code", "Indicator", "Month", "Value"],
            ["852", "852", EH_REFERRALS, "2024-10", "139"],
        ],
    )
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert exported(cli)[("early_help_referrals", "2024-10")] == 139


@pytest.mark.parametrize("shape", ["long", "wide"])
def test_two_indicator_columns_that_disagree_are_refused(cli, seeded_workspace, tmp_path, shape):
    if shape == "long":
        rows = [
            ["Indicator", "Indicator name", "Month", "Value"],
            ["early_help_referrals", EH_REFERRALS, "2024-10", "139"],
            ["early_help_referrals", STEP_DOWN, "2024-10", "17"],
        ]
        second = "Indicator name"
    else:
        rows = [
            ["Indicator", "ID", "Sep-24", "Oct-24"],
            [EH_REFERRALS, "early_help_referrals", "120", "139"],
            [EH_REFERRALS, "step_down_referrals", "16", "17"],
        ]
        second = "ID"
    path = write_csv(tmp_path / f"{shape}.csv", rows)
    before = store_state(seeded_workspace / "store")
    result = cli("import", path)
    assert result.exit_code == 1
    assert f"error header-duplicate: {path}, row 3: the indicator column says" in result.stderr
    assert f"but column {second!r} says" in result.stderr
    assert "(step_down_referrals)" in result.stderr
    assert store_state(seeded_workspace / "store") == before


def test_a_second_indicator_column_that_agrees_or_names_nothing_is_fine(
    cli, seeded_workspace, tmp_path
):
    path = write_csv(
        tmp_path / "wide.csv",
        [
            ["Indicator", "ID", "Ref", "Oct-24"],
            [EH_REFERRALS, "early_help_referrals", "FH1", "139"],
            [STEP_DOWN, "local ref 7", "FH2", "17"],
        ],
    )
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    values = exported(cli)
    assert values[("early_help_referrals", "2024-10")] == 139
    assert values[("step_down_referrals", "2024-10")] == 17
