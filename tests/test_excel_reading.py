"""Issue 11, items 1-3: Excel workbooks are read as Excel shows them, or refused.

1. A percentage kept the usual Excel way (0.83 with a ``0%`` number format) is 83.
2. A formula cell without a usable saved result is refused, naming the cell.
3. Hidden and very hidden sheets are skipped with a warning naming them (``--sheet NAME``
   still reads one).

Every workbook is built here with xlsxwriter or openpyxl; expected figures are what Excel
would show, worked out by hand in the comments. Figures are read back through ``export``.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import polars as pl
import pytest

from conftest import WORKBOOK, store_state
from csc_perf.ingest.validation import validate_files
from csc_perf.ingest.workbook import (
    SheetCells,
    Workbook,
    column_index,
    column_letter,
    is_percent_format,
    percent_text,
)

CLA_VISITS = "Percentage of CLA for whom a visit has taken place within agreed timescales"
RE_REFERRALS = "Percentage of re-referrals within 12 months"
EH_VISITS = "Percentage of children open to Early Help with a visit in the last 4 weeks"
CONTACTS = "Number of contacts in the month"


def exported(cli) -> dict[tuple[str, str], float | None]:
    """(indicator, month) -> value of the store's current observations, via the CLI."""
    result = cli("export", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    frame = pl.read_csv(io.StringIO(result.stdout), infer_schema_length=None)
    return {
        (row["indicator"], row["month"][:7]): row["value"] for row in frame.iter_rows(named=True)
    }


def rewrite_member(path: Path, member: str, replacements: dict[bytes, bytes]) -> Path:
    """Replace bytes in one part of a workbook, each replacement found exactly once."""
    source = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(out, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == member:
                for before, after in replacements.items():
                    assert data.count(before) == 1, before
                    data = data.replace(before, after)
            new.writestr(item, data)
    path.write_bytes(out.getvalue())
    return path


def strip_recalculation(path: Path) -> Path:
    """Rewrite a workbook as Excel saves it: without ``fullCalcOnLoad`` (programs such as
    xlsxwriter set it, Excel never saves it)."""
    return rewrite_member(path, "xl/workbook.xml", {b' fullCalcOnLoad="1"': b""})


# -- 1. percentages as Excel shows them --------------------------------------------------
def mixed_percent_workbook(path: Path) -> Path:
    """Visiting figures entered both ways: typed 84 (General) and 0.83 formatted 0%."""
    import xlsxwriter

    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Visiting")
    percent = book.add_format({"num_format": "0%"})
    percent_2dp = book.add_format({"num_format": "0.00%"})  # built-in format 10
    literal = book.add_format({"num_format": '0"%"'})  # shows 19 as 19%: no scaling
    coloured = book.add_format({"num_format": "[Green]0.0%;[Red]-0.0%"})
    sheet.write_row(0, 0, ["Indicator", "Aug-24", "Sep-24", "Oct-24", "Target", "RAG"])
    sheet.write(1, 0, CLA_VISITS)
    sheet.write_number(1, 1, 0.83, percent)  # Excel shows 83%
    sheet.write_number(1, 2, 84)  # typed 84
    sheet.write_number(1, 3, 0.8675, percent_2dp)  # Excel shows 86.75%
    sheet.write_number(1, 4, 0.95, percent)  # the target column is not read
    sheet.write(1, 5, "RED")
    sheet.write(2, 0, RE_REFERRALS)
    sheet.write_number(2, 1, 19, literal)  # 19%: the % is text in the format
    sheet.write_number(2, 2, 0.125, coloured)  # 12.5%
    sheet.write_string(2, 3, "21%")  # text
    book.close()
    return path


def test_percent_formatted_cells_are_stored_as_excel_shows_them(cli, seeded_workspace, tmp_path):
    path = mixed_percent_workbook(tmp_path / "visiting.xlsx")
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert "percent-as-fraction" not in result.stderr
    values = exported(cli)
    assert values[("cla_visits", "2024-08")] == 83  # 0.83 shown as 83%, not 0.83
    assert values[("cla_visits", "2024-09")] == 84
    assert values[("cla_visits", "2024-10")] == 86.75
    assert values[("re_referrals", "2024-08")] == 19  # 0"%" is a literal sign, not x100
    assert values[("re_referrals", "2024-09")] == 12.5
    assert values[("re_referrals", "2024-10")] == 21


def test_example_workbook_with_real_percent_cells_reads_the_same(definitions, tmp_path):
    """The example workbook types its percentages as text ("87%"). Turned into numbers the
    usual Excel way (0.87 formatted 0%), it must give exactly the same figures."""
    import re

    import openpyxl

    book = openpyxl.load_workbook(WORKBOOK)
    converted = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str) and re.fullmatch(r"\d+(\.\d+)?%", cell.value):
                    cell.value = float(cell.value[:-1]) / 100
                    cell.number_format = "0%"
                    converted += 1
    assert converted > 300  # the report's percentage rows
    path = tmp_path / "report-tables-percent.xlsx"
    book.save(path)

    def figures(report):
        columns = ("indicator", "month", "value", "status")
        return report.observations.select(columns).sort("indicator", "month").rows()

    typed = validate_files([WORKBOOK], definitions)
    formatted = validate_files([path], definitions)
    assert formatted.valid, [i.message for i in formatted.errors]
    assert figures(formatted) == figures(typed)
    assert not [i for i in formatted.issues if i.code == "percent-as-fraction"]


def test_percent_cells_are_exact_not_float_products(definitions, tmp_path):
    import xlsxwriter

    path = tmp_path / "exact.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Visiting")
    percent = book.add_format({"num_format": "0%"})
    sheet.write_row(0, 0, ["Indicator", "Sep-24", "Oct-24"])
    sheet.write(1, 0, CLA_VISITS)
    sheet.write_number(1, 1, 0.57, percent)  # 0.57 * 100 is 56.99999999999999 in floats
    sheet.write_number(1, 2, 0.29, percent)  # 0.29 * 100 is 28.999999999999996
    book.close()
    report = validate_files([path], definitions)
    assert report.valid, [i.message for i in report.errors]
    assert sorted(report.observations.get_column("value").to_list()) == [29.0, 57.0]
    # As Excel itself saves them: 17 significant digits (shown as 57% and 29%).
    rewrite_member(
        path,
        "xl/worksheets/sheet1.xml",
        {
            b"<v>0.57</v>": b"<v>0.56999999999999995</v>",
            b"<v>0.29</v>": b"<v>0.28999999999999998</v>",
        },
    )
    report = validate_files([path], definitions)
    assert report.valid, [i.message for i in report.errors]
    assert sorted(report.observations.get_column("value").to_list()) == [29.0, 57.0]


def test_percent_cells_in_a_grid_that_does_not_start_at_a1(definitions, tmp_path):
    """fastexcel's grid starts at the leftmost column with a value: the percentage cells
    must still be found (table at C3, a formula-less blank column A)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Visiting"
    sheet["C3"], sheet["D3"], sheet["E3"] = "Indicator", "Sep-24", "Oct-24"
    sheet["C4"], sheet["D4"], sheet["E4"] = CLA_VISITS, 0.9, 0.875
    sheet["D4"].number_format = "0%"
    sheet["E4"].number_format = "0.0%"
    path = tmp_path / "offset.xlsx"
    book.save(path)
    report = validate_files([path], definitions)
    assert report.valid, [i.message for i in report.errors]
    got = dict(report.observations.select("month", "value").iter_rows())
    assert sorted(got.values()) == [87.5, 90.0]
    assert report.observations.get_column("source_row").to_list() == [4, 4]


def test_a_saved_formula_result_formatted_as_percent_is_read(definitions, tmp_path):
    """A formula Excel has calculated and saved (0.8 shown as 80%) is its result x 100."""
    import xlsxwriter

    path = tmp_path / "saved.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Visiting")
    percent = book.add_format({"num_format": "0%"})
    sheet.write_row(0, 0, ["Indicator", "Oct-24", "Seen", "Due"])
    sheet.write(1, 0, CLA_VISITS)
    sheet.write_formula(1, 1, "=C2/D2", percent, 0.8)
    sheet.write_row(1, 2, [40, 50])
    book.close()
    strip_recalculation(path)
    report = validate_files([path], definitions, ignore_columns=["Seen", "Due"])
    assert report.valid, [i.message for i in report.errors]
    assert report.observations.get_column("value").to_list() == [80.0]


@pytest.mark.parametrize(
    ("code", "percent"),
    [
        ("0%", True),
        ("0.00%", True),
        ("#,##0.0%", True),
        ("[Red]0%;[Blue]-0%", True),
        ('0"%"', False),  # csc-perf's own report: 87 shown as 87%
        ("0\\%", False),
        ("General", False),
        ("0.00", False),
        ('"%"0', False),
        ("[$%-809]0", False),
        ("mmm-yy", False),
    ],
)
def test_percent_format_codes(code, percent):
    assert is_percent_format(code) is percent


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("0.83", "83"),
        ("1", "100"),
        ("0", "0"),
        ("0.8675", "86.75"),
        ("0.57", "57"),
        ("1.5E-3", "0.15"),
        ("-0.05", "-5"),
        # Excel saves 17 significant digits but shows 15: 0.57 is saved as
        # 0.56999999999999995 and shown as 57%; 5/6 is shown as 83.3333333333333%.
        ("0.56999999999999995", "57"),
        ("8.3000000000000007E-2", "8.3"),
        ("0.83333333333333337", "83.3333333333333"),
        ("x", None),
    ],
)
def test_percent_text_is_decimal_exact(stored, shown):
    assert percent_text(stored) == shown


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    assert [column_index(s) for s in ("A", "Z", "AA", "ZZ", "AAA")] == [0, 25, 26, 701, 702]


def test_plain_workbook_takes_the_fast_path(monkeypatch):
    """The example workbook has no percentage style and no formula: no sheet is parsed cell
    by cell (the scan would raise here)."""
    book = Workbook(WORKBOOK.read_bytes())

    def scan(self, xml):  # pragma: no cover - failing is the point
        raise AssertionError("a plain sheet was scanned cell by cell")

    monkeypatch.setattr(Workbook, "_scan", scan)
    assert book.percent_styles == frozenset()
    for sheet in book.sheets:
        assert book.cells(sheet.name) == SheetCells()


# -- 2. formulas without a usable result -------------------------------------------------
def openpyxl_formula_workbook(path: Path) -> Path:
    """openpyxl writes formulas with no saved result at all (<f>B2*2</f><v/>)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Family Help"
    sheet.append(["Indicator", "Sep-24", "Oct-24", "RAG"])
    sheet.append([CONTACTS, 1804, "=B2+124", '=IF(C2>B2,"UP","DOWN")'])
    book.save(path)
    return path


def test_formula_without_saved_result_is_refused_naming_the_cell(cli, seeded_workspace, tmp_path):
    path = openpyxl_formula_workbook(tmp_path / "formulas.xlsx")
    before = store_state(seeded_workspace / "store")
    result = cli("import", path)
    assert result.exit_code == 1
    assert (
        "error formula-uncached: "
        f"{path}, sheet 'Family Help', row 2, column 'Oct-24': cell C2 holds the formula "
        "=B2+124 and it has no saved result" in result.stderr
    )
    assert "open and save the file in Excel, or paste values" in result.stderr
    # The RAG column is not read, so its formula is not an error.
    assert "cell D2" not in result.stderr
    assert "nothing imported" in result.stderr
    assert store_state(seeded_workspace / "store") == before


def test_program_written_placeholder_result_is_refused(cli, seeded_workspace, tmp_path):
    """xlsxwriter saves 0 as every formula's result and asks Excel to recalculate on
    opening: the 0 is not the figure (1,928 would be), so the cell is refused, not stored."""
    import xlsxwriter

    path = tmp_path / "written.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Family Help")
    sheet.write_row(0, 0, ["Indicator", "Sep-24", "Oct-24"])
    sheet.write(1, 0, CONTACTS)
    sheet.write_number(1, 1, 1804)
    sheet.write_formula(1, 2, "=B2+124")  # saved result: 0
    book.close()
    before = store_state(seeded_workspace / "store")
    result = cli("import", path)
    assert result.exit_code == 1
    assert (
        f"{path}, sheet 'Family Help', row 2, column 'Oct-24': cell C2 holds the formula "
        "=B2+124 and its saved result (0) is a placeholder" in result.stderr
    )
    assert store_state(seeded_workspace / "store") == before


def test_saved_formula_result_in_an_excel_saved_file_is_read(cli, seeded_workspace, tmp_path):
    import xlsxwriter

    path = tmp_path / "excel-saved.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Family Help")
    sheet.write_row(0, 0, ["Indicator", "Sep-24", "Oct-24"])
    sheet.write(1, 0, CONTACTS)
    sheet.write_number(1, 1, 1804)
    sheet.write_formula(1, 2, "=B2+124", None, 1928)
    book.close()
    strip_recalculation(path)
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert exported(cli)[("contacts", "2024-10")] == 1928


def test_validate_lists_every_uncached_formula(cli, workspace, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Family Help"
    sheet.append(["Indicator", "Sep-24", "Oct-24"])
    sheet.append([CONTACTS, "=1800+4", "=B2+124"])
    path = tmp_path / "two.xlsx"
    book.save(path)
    result = cli("validate", path, "--format", "json")
    assert result.exit_code == 1

    issues = [i for i in json.loads(result.stdout) if i["code"] == "formula-uncached"]
    assert [(i["sheet"], i["row"], i["column"], i["cell"]) for i in issues] == [
        ("Family Help", 2, "Sep-24", "=1800+4"),
        ("Family Help", 2, "Oct-24", "=B2+124"),
    ]


# -- 3. hidden sheets --------------------------------------------------------------------
def hidden_sheets_workbook(path: Path) -> Path:
    """A visible sheet with the real figure (87%) and two hidden ones with other figures."""
    import openpyxl

    book = openpyxl.Workbook()
    visible = book.active
    visible.title = "Visiting"
    visible.append(["Indicator", "Oct-24"])
    visible.append([CLA_VISITS, 87])
    old = book.create_sheet("Old copy")
    old.sheet_state = "hidden"
    old.append(["Indicator", "Oct-24"])
    old.append([CLA_VISITS, 12])
    workings = book.create_sheet("Workings")
    workings.sheet_state = "veryHidden"
    workings.append(["Indicator", "Oct-24"])
    workings.append([CLA_VISITS, 1])
    book.save(path)
    return path


def test_hidden_sheets_are_skipped_with_a_warning(cli, seeded_workspace, tmp_path):
    path = hidden_sheets_workbook(tmp_path / "hidden.xlsx")
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert (
        f"warning sheet-hidden: {path}: sheet 'Old copy' is hidden and was not read; to import "
        "it, name it: --sheet 'Old copy'" in result.stderr
    )
    assert "sheet 'Workings' is very hidden and was not read" in result.stderr
    assert exported(cli)[("cla_visits", "2024-10")] == 87


def test_sheet_option_reads_a_hidden_sheet(cli, seeded_workspace, tmp_path):
    path = hidden_sheets_workbook(tmp_path / "hidden.xlsx")
    result = cli("import", path, "--sheet", "Old copy")
    assert result.exit_code == 0, result.stderr
    assert "sheet-hidden" not in result.stderr
    assert exported(cli)[("cla_visits", "2024-10")] == 12


def test_a_workbook_with_only_hidden_sheets_is_refused(cli, seeded_workspace, tmp_path):
    import xlsxwriter

    path = tmp_path / "all-hidden.xlsx"
    book = xlsxwriter.Workbook(path)
    cover = book.add_worksheet("Cover")  # Excel needs one visible sheet: an empty cover
    cover.activate()
    data = book.add_worksheet("Data")
    data.write_row(0, 0, ["Indicator", "Oct-24"])
    data.write_row(1, 0, [CLA_VISITS, 87])
    data.hide()
    book.close()
    before = store_state(seeded_workspace / "store")
    result = cli("import", path)
    assert result.exit_code == 1
    assert f"{path}: the workbook has no data in its visible sheets" in result.stderr
    assert "sheet 'Data' is hidden" in result.stderr
    assert store_state(seeded_workspace / "store") == before


def test_the_fast_scan_and_the_xml_parser_agree(tmp_path):
    """Cells are found with regular expressions; the XML parser (used when a cell has no
    reference) must find the same ones, and a sheet without references reads the same."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Visiting"
    sheet["B2"], sheet["C2"], sheet["D2"], sheet["E2"] = "Indicator", "Sep-24", "Oct-24", "Note"
    sheet["B3"], sheet["C3"], sheet["D3"] = CLA_VISITS, 0.83, "=C3+0.01"
    sheet["E3"] = 'A & B <"quoted">'
    sheet["C3"].number_format = "0%"
    sheet["D3"].number_format = "0%"
    path = tmp_path / "scan.xlsx"
    book.save(path)
    workbook = Workbook(path.read_bytes())
    xml = workbook._read(workbook.sheet("Visiting").part)
    fast = workbook._scan_fast(xml)
    assert fast == workbook._scan(xml)
    assert fast.percent == {(3, 2): "0.83"}
    assert fast.formulas == {(3, 3): ("D3", "C3+0.01", None)}
    assert fast.first_column == 1

    without_references = tmp_path / "no-refs.xlsx"
    without_references.write_bytes(path.read_bytes())
    rewrite_member(
        without_references,
        "xl/worksheets/sheet1.xml",
        {b' r="C3"': b"", b' r="D3"': b""},  # C3 and D3 follow B3: positions by order
    )
    workbook = Workbook(without_references.read_bytes())
    xml = workbook._read(workbook.sheet("Visiting").part)
    assert workbook._scan_fast(xml) is None
    assert workbook.cells("Visiting") == fast


def test_a_damaged_sheet_part_is_unreadable_not_a_crash(cli, seeded_workspace, tmp_path):
    """A sheet whose zip checksum is wrong (found by test_fuzz): fastexcel reads it, the
    format scan cannot; exit 2 naming the sheet, never exit 70."""
    import struct

    import xlsxwriter

    path = tmp_path / "crc.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Family Help")
    sheet.write_row(0, 0, ["Indicator", "Oct-24"])
    sheet.write_row(1, 0, [CONTACTS, 1928])
    book.close()
    data = bytearray(path.read_bytes())
    member = b"xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(member.decode()).header_offset
    data[local + 14] ^= 0xFF  # the CRC-32 in the local header ...
    central = 0
    while True:  # ... and in the central directory
        central = data.index(b"PK\x01\x02", central)
        length = struct.unpack("<H", data[central + 28 : central + 30])[0]
        if data[central + 46 : central + 46 + length] == member:
            break
        central += 4
    data[central + 16] ^= 0xFF
    path.write_bytes(bytes(data))
    before = store_state(seeded_workspace / "store")
    result = cli("import", path)
    assert result.exit_code == 2
    assert (
        f"error file-unreadable: {path}: sheet 'Family Help' cannot be read "
        "(xl/worksheets/sheet1.xml: Bad CRC-32" in result.stderr
    )
    assert store_state(seeded_workspace / "store") == before


def test_a_sheet_name_spelled_differently_is_found_by_position():
    """Should fastexcel spell a sheet name differently from workbook.xml, its formats are
    still read: the sheet at the same position (both list sheets in workbook order)."""
    book = Workbook(WORKBOOK.read_bytes())
    names = [sheet.name for sheet in book.sheets]
    assert book.sheet("Visiting").name == "Visiting"
    respelled = [*names[:-1], "Supervision "]
    assert book.sheet("Supervision ", respelled).name == "Supervision"
    assert book.sheet("Supervision ") is None
