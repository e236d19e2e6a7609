"""The bad-input corpus (issue 7): every broken file in tests/fixtures/bad/, and a few too big to
commit that are generated here, with the exit code, the code and the message each must give.

One table, ``CORPUS``, is the authority; test_validation_codes.py checks some of the same files
in more detail. For each row the command must end with the documented exit code, say once
where the problem is (file, sheet, row, column, or key path and line), print no traceback,
and leave the store exactly as it was (version and content), unless the file is only a
warning (exit 0), when the import is one new version. The fixtures themselves must not be
touched (no store created beside a definitions file, nothing written into a folder that is
not a store). A test checks that every file in the folder is in the table, so the corpus cannot
grow untested.

Binary fixtures are rebuilt by tests/fixtures/make_bad.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, MONTHLY, store_state

BAD = FIXTURES / "bad"
FILE = "{file}"  # stands for the fixture's path in a command
IMPORT = ("import", FILE)
EXPORT_WITH = ("--config", FILE, "export")
CHECK = ("indicators", "--check", FILE)
STORE_IMPORT = ("--store", FILE, "import", str(MONTHLY[-1]))


# (fixture, command, exit code, validation code or definitions problem, where: a fragment of
# the message naming the file, sheet, row, column or key path and line)
CORPUS = [
    # -- files that cannot be read: exit 2 ------------------------------------------------
    pytest.param(
        "binary-garbage.csv",
        IMPORT,
        2,
        "file-unreadable",
        "binary-garbage.csv: the file holds binary data, not text",
    ),
    pytest.param(
        "not-a-workbook.xlsx",
        IMPORT,
        2,
        "file-unreadable",
        "not-a-workbook.xlsx: not a readable .xlsx workbook",
    ),
    pytest.param(
        "truncated.xlsx",
        IMPORT,
        2,
        "file-unreadable",
        "truncated.xlsx: not a readable .xlsx workbook",
    ),
    pytest.param(
        "password-protected.xlsx",
        IMPORT,
        2,
        "file-unreadable",
        "password-protected.xlsx: the workbook is password-protected (encrypted)",
    ),
    pytest.param(
        "ragged-row.csv",
        IMPORT,
        2,
        "file-unreadable",
        "ragged-row.csv: row 2: 4 cells but the header has 3",
    ),
    pytest.param(
        "stray-carriage-return.csv",
        IMPORT,
        2,
        "file-unreadable",
        "stray-carriage-return.csv: row 4: 4 cells but the header has 3",
    ),
    pytest.param(
        "unterminated-quote.csv",
        IMPORT,
        2,
        "file-unreadable",
        "unterminated-quote.csv: row 3:",
    ),
    pytest.param(
        "cp1252.csv",
        IMPORT,
        2,
        "encoding-error",
        "cp1252.csv: line 6: byte 0xa3 is not valid utf-8",
    ),
    pytest.param("utf16.csv", IMPORT, 2, "encoding-error", "utf16.csv: the file is UTF-16 encoded"),
    pytest.param(
        "one-month.csv",
        IMPORT,
        2,
        "month-required",
        "one-month.csv: a one-month extract (indicator, value) needs the month",
    ),
    # -- invalid data: exit 1 -------------------------------------------------------------
    pytest.param("empty.csv", IMPORT, 1, "file-empty", "empty.csv: the file is empty"),
    pytest.param(
        "bom-only.csv",
        IMPORT,
        1,
        "file-empty",
        "bom-only.csv: the file is empty",
    ),
    pytest.param(
        "header-only.csv",
        IMPORT,
        1,
        "file-empty",
        "header-only.csv: has a header (row 1) but no data rows",
    ),
    pytest.param(
        "no-header.csv",
        IMPORT,
        1,
        "header-missing",
        "no-header.csv: row 1: the header ('foo', 'bar') names no months",
    ),
    pytest.param(
        "semicolon-delimited.csv",
        IMPORT,
        1,
        "header-missing",
        "semicolon-delimited.csv: row 1: the header ('Indicator;Month;Value') names no months",
    ),
    pytest.param(
        "title-line-above-header.csv",
        IMPORT,
        1,
        "header-missing",
        "title-line-above-header.csv: row 1: the header "
        '("Children\'s Services Performance Report - October 2024") names no months',
    ),
    pytest.param(
        "merged-title-rows.xlsx",
        IMPORT,
        1,
        "header-missing",
        "merged-title-rows.xlsx (sheet 'Family Help'): row 1: the header "
        '("Children\'s Services Performance Report - October 2024") names no months',
    ),
    pytest.param(
        "non-month-headers.csv",
        IMPORT,
        1,
        "header-missing",
        "non-month-headers.csv: row 1: the header ('Indicator', 'Q1 2024/25', 'Q2 2024/25', "
        "'Target') names no months",
    ),
    pytest.param(
        "month-without-year-headers.csv",
        IMPORT,
        1,
        "header-missing",
        "month-without-year-headers.csv: row 1: the header ('Indicator', 'Sep', 'Oct') names no "
        "months",
    ),
    pytest.param(
        "duplicate-headers.csv",
        IMPORT,
        1,
        "header-duplicate",
        "duplicate-headers.csv, row 1: two columns are headed 'Value'",
    ),
    pytest.param(
        "duplicate-month-columns.csv",
        IMPORT,
        1,
        "header-duplicate",
        "duplicate-month-columns.csv, row 1: column '2024-10' is the same month as column 'Oct-24'",
    ),
    pytest.param(
        "unknown-indicator.csv",
        IMPORT,
        1,
        "indicator-unknown",
        "unknown-indicator.csv, row 6: unknown indicator 'Number of referals into Early Help'",
    ),
    pytest.param(
        "garbled-cell.csv",
        IMPORT,
        1,
        "value-unparseable",
        "garbled-cell.csv, row 2, column 'Oct-22': \"Ī _'\" is not a number",
    ),
    pytest.param(
        "excel-error-text.csv",
        IMPORT,
        1,
        "value-unparseable",
        "excel-error-text.csv, row 2, column 'Oct-24': '#N/A' is not a number",
    ),
    pytest.param(
        "excel-error-cells.xlsx",
        IMPORT,
        1,
        "value-unparseable",
        "excel-error-cells.xlsx, sheet 'Family Help', row 2, column 'Oct-24': '#N/A' is not a "
        "number",
    ),
    pytest.param(
        "formula-text.csv",
        IMPORT,
        1,
        "value-unparseable",
        "formula-text.csv, row 3, column 'Value': '=SUM(B2:B3)' is not a number",
    ),
    pytest.param(
        "bad-month.csv",
        IMPORT,
        1,
        "month-unparseable",
        "bad-month.csv, row 2: month 'Octember-24' is not a month",
    ),
    pytest.param(
        "bad-month-header.csv",
        IMPORT,
        1,
        "month-unparseable",
        "bad-month-header.csv, row 1: column header 'Oct-2x' looks like a month but is not one",
    ),
    pytest.param(
        "future-month.csv",
        IMPORT,
        1,
        "month-future",
        "future-month.csv, row 2: month 2099-01 is in the future",
    ),
    pytest.param(
        "month-before-2000.csv",
        IMPORT,
        1,
        "month-too-early",
        "month-before-2000.csv, row 2: month 1999-12 is before 2000",
    ),
    pytest.param(
        "children-in-care-conflict.csv",
        IMPORT,
        1,
        "duplicate-conflict",
        "children-in-care-conflict.csv, row 3, column 'Oct-22': 'Number of children in our care' "
        "for 2022-10 is '552' here but '548' at row 2, column 'Oct-22'",
    ),
    pytest.param(
        "negative-count.csv",
        IMPORT,
        1,
        "count-negative",
        "negative-count.csv, row 6, column 'Value': 'Number of new CLA in month' for 2024-10: "
        "'-2' is negative",
    ),
    # -- generated in the test (too big to commit) ----------------------------------------
    pytest.param(
        "generated/2mb-cell.csv",
        IMPORT,
        1,
        "value-unparseable",
        "2mb-cell.csv, row 2, column 'Value': '99999",
    ),
    pytest.param(
        "generated/million-rows-last-bad.csv",
        IMPORT,
        1,
        "value-unparseable",
        "million-rows-last-bad.csv, row 1000001, column 'Value': '12 3' is not a number",
    ),
    # -- warnings only: exit 0, imported ---------------------------------------------------
    pytest.param(
        "percentage-over-100.csv",
        IMPORT,
        0,
        "value-out-of-range",
        "percentage-over-100.csv, row 6, column 'Value': 'Percentage of Strategy discussions "
        "resulting in Section 47' for 2024-10: '106' is outside the valid range [0, 100]",
    ),
    pytest.param(
        "required-missing.csv",
        IMPORT,
        0,
        "required-missing",
        "required indicator 'Number of children subject to CP Plan at end of month' has no "
        "value for 2024-10",
    ),
    pytest.param(
        "derived-from-zero.csv",
        IMPORT,
        0,
        "derived-mismatch",
        "derived-from-zero.csv, row 3: 'Rate of children subject to CP plans' for 2024-10 is 45 "
        "in the extract but 0.0 from its formula",
    ),
    pytest.param(
        "mac-line-endings.csv",
        IMPORT,
        0,
        "required-missing",
        "required indicator 'Number of referrals into statutory service in the month' has no "
        "value for 2024-10",
    ),
    # -- definitions files: exit 2 when used, exit 1 from indicators --check ---------------
    pytest.param(
        "definitions-syntax-error.toml",
        EXPORT_WITH,
        2,
        "invalid TOML",
        "definitions-syntax-error.toml: 1 problem(s) in the indicator definitions\n  line 13:",
    ),
    pytest.param(
        "definitions-syntax-error.toml",
        CHECK,
        1,
        "invalid TOML",
        "definitions-syntax-error.toml: 1 problem(s) in the indicator definitions\n  line 13:",
    ),
    pytest.param(
        "definitions-unknown-key.toml",
        EXPORT_WITH,
        2,
        "unknown key 'traget'; did you mean 'target'?",
        "line 15: indicator[0] (contacts).traget:",
    ),
    pytest.param(
        "definitions-unknown-key.toml",
        CHECK,
        1,
        "unknown key 'traget'; did you mean 'target'?",
        "line 15: indicator[0] (contacts).traget:",
    ),
    pytest.param(
        "definitions-formula-cycle.toml",
        EXPORT_WITH,
        2,
        "formulas refer to each other in a cycle: a -> b -> a",
        "line 24: indicator[1] (b).formula:",
    ),
    pytest.param(
        "definitions-formula-cycle.toml",
        CHECK,
        1,
        "formulas refer to each other in a cycle: a -> b -> a",
        "line 24: indicator[1] (b).formula:",
    ),
    # -- a folder that is not a store: exit 2, left untouched ------------------------------
    pytest.param(
        "not-a-store",
        STORE_IMPORT,
        2,
        "not a csc-perf store",
        "not-a-store: this folder is not a csc-perf store (no csc-perf-store.json)",
    ),
    # -- issue 11: cells, codes, definitions -------------------------------------------------
    pytest.param(
        "authority-not-a-code.csv",
        IMPORT,
        1,
        "authority-invalid",
        "authority-not-a-code.csv, row 3, column 'Authority': 'Southampton' is not an authority "
        "code",
    ),
    pytest.param(
        "percent-sign-on-count.csv",
        IMPORT,
        1,
        "percent-sign-unexpected",
        "percent-sign-on-count.csv, row 3, column 'Value': 'Number of referrals into statutory "
        "service in the month' for 2024-10: '12.5%' has a % sign but the indicator is a count",
    ),
    pytest.param(
        "count-1e308.csv",
        IMPORT,
        1,
        "value-too-large",
        "count-1e308.csv, row 2, column 'Value': 'Number of contacts in the month' for 2024-10: "
        "'1e308' is beyond 1,000,000,000",
    ),
    pytest.param(
        "count-inf.csv",
        IMPORT,
        1,
        "value-unparseable",
        "count-inf.csv, row 2, column 'Value': 'inf' is not a finite number",
    ),
    # Southampton's 2024 row of tests/fixtures/dfe/c1_..._2023_to_2024.csv (DfE), with
    # time_period changed to 2023-24: not a DfE period (2024 or 202324 are).
    pytest.param(
        "ees-unreadable-period.csv",
        IMPORT,
        1,
        "month-unparseable",
        "ees-unreadable-period.csv, row 2: time_period '2023-24' is not a DfE period",
    ),
    pytest.param(
        "definitions-nan-target.toml",
        EXPORT_WITH,
        2,
        "nan is not a number csc-perf can use",
        "line 15: indicator[0].target:",
    ),
    pytest.param(
        "definitions-nan-target.toml",
        CHECK,
        1,
        "nan is not a number csc-perf can use",
        "line 15: indicator[0].target:",
    ),
    pytest.param(
        "definitions-deep-nesting.toml",
        EXPORT_WITH,
        2,
        "values are nested too deeply",
        "definitions-deep-nesting.toml: 1 problem(s) in the indicator definitions\n  (syntax):",
    ),
    pytest.param(
        "definitions-deep-nesting.toml",
        CHECK,
        1,
        "values are nested too deeply",
        "definitions-deep-nesting.toml: 1 problem(s) in the indicator definitions\n  (syntax):",
    ),
    pytest.param(
        "definitions-unary-minus.toml",
        EXPORT_WITH,
        2,
        "the formula is nested too deeply",
        "line 23: indicator[1] (contacts_negated).formula:",
    ),
    pytest.param(
        "definitions-unary-minus.toml",
        CHECK,
        1,
        "the formula is nested too deeply",
        "line 23: indicator[1] (contacts_negated).formula:",
    ),
    pytest.param(
        "definitions-zero-width-duplicate.toml",
        EXPORT_WITH,
        2,
        "is already used by indicator[0] (contacts)",
        "line 18: indicator[1].name:",
    ),
    pytest.param(
        "definitions-zero-width-duplicate.toml",
        CHECK,
        1,
        "is already used by indicator[0] (contacts)",
        "line 18: indicator[1].name:",
    ),
    # -- issue 11: Excel, headers, files ----------------------------------------------------
    pytest.param(
        "wide-unknown-month-header.csv",
        IMPORT,
        1,
        "header-unknown",
        "wide-unknown-month-header.csv, row 1: column 'Okt-24' is neither a month nor a known "
        "report column",
    ),
    pytest.param(
        "wide-quarter-header.csv",
        IMPORT,
        1,
        "header-unknown",
        "wide-quarter-header.csv, row 1: column 'Q3 24/25' is neither a month nor a known "
        "report column",
    ),
    pytest.param(
        "generated/formula-uncached.xlsx",
        IMPORT,
        1,
        "formula-uncached",
        "formula-uncached.xlsx, sheet 'Family Help', row 2, column 'Oct-24': cell C2 holds the "
        "formula =B2+124 and it has no saved result",
    ),
    pytest.param(
        "generated/formula-placeholder.xlsx",
        IMPORT,
        1,
        "formula-uncached",
        "formula-placeholder.xlsx, sheet 'Family Help', row 2, column 'Oct-24': cell C2 holds "
        "the formula =B2+124 and its saved result (0) is a placeholder",
    ),
    pytest.param(
        "generated/hidden-sheet.xlsx",
        IMPORT,
        0,
        "sheet-hidden",
        "hidden-sheet.xlsx: sheet 'Old copy' is hidden and was not read",
    ),
    pytest.param(
        "generated/duration-column.parquet",
        IMPORT,
        2,
        "file-unreadable",
        "duration-column.parquet: column 'Time to decision' holds duration",
    ),
    # Issue 17: benchmarks import reads LAIT's long file; this one holds only a measure no
    # indicator names (RTA), so nothing is imported, saying why.
    pytest.param(
        "generated/lait_bds_long.parquet",
        ("benchmarks", "import", FILE),
        2,
        "nothing to import",
        "lait_bds_long.parquet: no measure of this LAIT file is a `benchmark",
    ),
    pytest.param(
        "generated/lait_bds_long.parquet",
        ("population", "import", FILE),
        2,
        "is not supported here",
        "lait_bds_long.parquet: a Parquet file (LAIT's download, say) is not supported here",
    ),
]


def _case_id(param) -> str:
    name, command = param.values[0], param.values[1]
    verb = {"--config": "export", "indicators": "check", "--store": "store"}.get(command[0])
    return f"{name}-{verb or command[0]}"


IDS = [_case_id(p) for p in CORPUS]


# -- generated fixtures ------------------------------------------------------------------
def _two_mb_cell(folder: Path) -> Path:
    """One cell of 2 MiB of digits: too long to be a number, and too long to print whole."""
    path = folder / "2mb-cell.csv"
    big = "9" * (2 * 1024 * 1024)
    path.write_text(f"Indicator,Month,Value\nNumber of contacts in the month,2024-10,{big}\n")
    return path


def _million_rows(folder: Path) -> Path:
    """A million data rows (about 60 MB): twenty counts over 108 months repeated with the same
    figures (so no conflicts), and one unreadable cell on the very last row. The import must
    find it, at row 1,000,001, in a few seconds (about 3 s here), and store nothing."""
    from conftest import ROOT
    from csc_perf.definitions.loading import load_definitions

    definitions = load_definitions(ROOT / "indicators.toml")
    names = [
        i.name
        for i in definitions.indicators
        if i.unit == "count" and "," not in i.name and not getattr(i, "formula", None)
    ][:20]
    months = [f"{y}-{m:02d}" for y in range(2015, 2024) for m in range(1, 13)]
    rows = 1_000_000
    lines = ["Indicator,Month,Value\n"]
    for i in range(rows - 1):
        k, m = i % len(names), (i // len(names)) % len(months)
        lines.append(f"{names[k]},{months[m]},{k * 7 + m}\n")
    lines.append(f"{names[0]},2024-10,12 3\n")
    path = folder / "million-rows-last-bad.csv"
    with path.open("w", encoding="utf-8") as out:
        out.writelines(lines)
    return path


GENERATED = {
    "generated/2mb-cell.csv": _two_mb_cell,
    "generated/million-rows-last-bad.csv": _million_rows,
}


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


def _fixture(name: str, tmp_path: Path) -> Path:
    if name in GENERATED:
        folder = tmp_path / "generated"
        folder.mkdir(exist_ok=True)
        return GENERATED[name](folder)
    if (BAD / name).is_dir():
        # A copy, so that a regression cannot write a store into the repository.
        return Path(shutil.copytree(BAD / name, tmp_path / name))
    return BAD / name


# -- the tests ---------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "command", "exit_code", "code", "where"), CORPUS, ids=IDS)
def test_bad_input(cli, seeded_workspace, tmp_path, name, command, exit_code, code, where):
    path = _fixture(name, tmp_path)
    store = seeded_workspace / "store"
    before = store_state(store)
    fixtures_before = _snapshot(BAD)
    target_before = _snapshot(path) if path.is_dir() else None

    result = cli(*[str(path) if part == FILE else part for part in command])

    assert result.exit_code == exit_code, result.output[:2000]
    assert "Traceback" not in result.output
    assert "internal error" not in result.output
    if command[0] == "import":
        # A validation issue: its code, and the place, said once, on stderr.
        assert f" {code}: " in result.stderr, result.stderr[:2000]
        assert result.stderr.count(where) == 1, result.stderr[:2000]
        assert result.stdout == ""
    else:
        # A definitions or store problem: the problem and where it is (one message).
        assert code in result.output, result.output
        assert result.output.count(where) == 1, result.output
    if exit_code == 0:
        version, _ = store_state(store)
        assert version == before[0] + 1
    else:
        assert "nothing imported" in result.stderr or command[0] != "import"
        assert store_state(store) == before
    assert _snapshot(BAD) == fixtures_before
    if target_before is not None:
        assert _snapshot(path) == target_before


def test_every_fixture_is_in_the_table():
    """The corpus cannot grow untested: every entry of the folder has a row, and the table
    names nothing that is not there (or generated)."""
    in_folder = {p.name for p in BAD.iterdir()}
    in_table = {p.values[0] for p in CORPUS} - set(GENERATED)
    assert in_folder == in_table
    assert len(in_folder) + len(GENERATED) >= 30


def test_definitions_fixtures_are_checked_both_ways():
    """Each definitions file is used (exit 2) and checked with indicators --check (exit 1)."""
    commands: dict[str, set] = {}
    for param in CORPUS:
        if param.values[0].endswith(".toml"):
            commands.setdefault(param.values[0], set()).add(param.values[1])
    assert commands and all(used == {EXPORT_WITH, CHECK} for used in commands.values())


def test_a_two_mb_cell_is_not_printed_whole(cli, seeded_workspace, tmp_path):
    """One clear message: a 2 MB cell must be shortened when quoted, not echoed whole."""
    path = _two_mb_cell(tmp_path)
    result = cli("import", path)
    assert result.exit_code == 1
    assert len(result.stderr) < 10_000, f"{len(result.stderr):,} characters on stderr"


# -- issue 11: generated Excel and Parquet fixtures ---------------------------------------
def _formula_uncached(folder: Path) -> Path:
    """openpyxl writes formulas with no saved result (<f>B2+124</f><v/>)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Family Help"
    sheet.append(["Indicator", "Sep-24", "Oct-24"])
    sheet.append(["Number of contacts in the month", 1804, "=B2+124"])
    path = folder / "formula-uncached.xlsx"
    book.save(path)
    return path


def _formula_placeholder(folder: Path) -> Path:
    """xlsxwriter saves 0 as the result of every formula and asks Excel to recalculate."""
    import xlsxwriter

    path = folder / "formula-placeholder.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Family Help")
    sheet.write_row(0, 0, ["Indicator", "Sep-24", "Oct-24"])
    sheet.write_row(1, 0, ["Number of contacts in the month", 1804])
    sheet.write_formula(1, 2, "=B2+124")
    book.close()
    return path


def _hidden_sheet(folder: Path) -> Path:
    """The visible sheet's 87% is imported; the hidden copy's 12% is not."""
    import xlsxwriter

    path = folder / "hidden-sheet.xlsx"
    book = xlsxwriter.Workbook(path)
    name = "Percentage of CLA for whom a visit has taken place within agreed timescales"
    for title, value in (("Visiting", 87), ("Old copy", 12)):
        sheet = book.add_worksheet(title)
        sheet.write_row(0, 0, ["Indicator", "Oct-24"])
        sheet.write_row(1, 0, [name, value])
        if title == "Old copy":
            sheet.hide()
    book.close()
    return path


def _duration_column(folder: Path) -> Path:
    from datetime import timedelta

    import polars as pl

    path = folder / "duration-column.parquet"
    pl.DataFrame(
        {
            "Indicator": ["Number of contacts in the month"],
            "Month": ["2024-10"],
            "Value": [1928],
            "Time to decision": [timedelta(days=3)],
        }
    ).write_parquet(path)
    return path


def _lait_parquet(folder: Path) -> Path:
    """The columns of LAIT's lait_bds_long.parquet (one row; the real file is 1.8 MB)."""
    import polars as pl

    path = folder / "lait_bds_long.parquet"
    pl.DataFrame(
        {
            "Short Desc": ["RTA"],
            "Data item": ["Number of children killed or seriously injured"],
            "Years": ["2014-16"],
            "LA and Regions": ["Southampton"],
            "Values": ["12.13"],
            "LA Number": [852.0],
            "Region": ["South East"],
        }
    ).write_parquet(path)
    return path


GENERATED.update(
    {
        "generated/formula-uncached.xlsx": _formula_uncached,
        "generated/formula-placeholder.xlsx": _formula_placeholder,
        "generated/hidden-sheet.xlsx": _hidden_sheet,
        "generated/duration-column.parquet": _duration_column,
        "generated/lait_bds_long.parquet": _lait_parquet,
    }
)
