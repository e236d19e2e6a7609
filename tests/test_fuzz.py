"""Hypothesis: random and mutated files through read -> validate -> import (issue 7).

Starting from the real monthly example extracts, the strategies mutate bytes, cells and
headers, delete and duplicate lines, write random Unicode and random binary, and build
workbooks from mutated rows. Whatever comes in:

* ``validate_files`` never raises (an unreadable file is an issue, not an exception);
* ``csc-perf import`` ends with a documented exit code (0, 1 or 2: never 70, never a
  traceback), agrees with ``validate_files`` on whether the file is valid, and changes the
  store only when it exits 0.

The number of examples is bounded (at most 60 per test); under CI the conftest's "ci"
profile makes the runs derandomised, so a failure reproduces.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from conftest import MONTHLY, ROOT, WORKBOOK, store_state

EXAMPLES = [p.read_bytes() for p in MONTHLY]
EXAMPLE_ROWS = [list(csv.reader(io.StringIO(b.decode("utf-8")))) for b in EXAMPLES]
DOCUMENTED = {0, 1, 2}

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text that spreadsheets and exports really put in cells, mixed with anything at all.
NASTY_CELLS = [
    "",
    " ",
    "-",
    "c",
    "[x]",
    "n/a",
    "87%",
    "4,266",
    "14.24",
    "-2",
    "1e308",
    "1e309",
    "-0",
    "nan",
    "inf",
    "#N/A",
    "#DIV/0!",
    "=SUM(B2:B3)",
    "=1+1",
    "@cmd",
    "Oct-24",
    "2024-10",
    "Octember-24",
    "1999-12",
    "2099-01",
    "31/02/2024",
    "00/2024",
    "９８",  # full-width digits
    "٣",  # Arabic-Indic digit
    "\u00a0",
    "\u200b",
    "\ufeff",
    '"',
    "'",
    ",",
    ";",
    "\t",
    "\r",
    "\n",
    "x" * 5000,
    "9" * 400,
]
GOOD_FIGURES = ["0", "1", "12", "87", "4,266", "14.24", "", "-", "n/a", "c", "[x]"]


def _respell_month(text: str, how: int) -> str:
    """``2024-10`` as another spelling csc-perf accepts (or unchanged if it is not one)."""
    import calendar

    try:
        year, month = (int(p) for p in text.split("-")[:2])
    except ValueError:
        return text
    return [
        f"{calendar.month_abbr[month]}-{year % 100:02d}",
        f"{calendar.month_name[month]} {year}",
        f"{month:02d}/{year}",
        f"{year}-{month:02d}-{calendar.monthrange(year, month)[1]}",
        text,
    ][how]


cell_text = st.one_of(st.sampled_from(NASTY_CELLS), st.text(max_size=40))
header_text = st.one_of(
    st.sampled_from(
        ["Indicator", "Month", "Value", "Authority", "Oct-24", "2024-10", "Oct-2x", "", "Value"]
    ),
    st.text(max_size=20),
)


# -- strategies ----------------------------------------------------------------------------
@st.composite
def mutated_bytes(draw) -> tuple[str, bytes]:
    """A real extract with bytes flipped, inserted, deleted or overwritten."""
    data = bytearray(draw(st.sampled_from(EXAMPLES)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "overwrite", "cut"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=16))
            data[at : at + len(chunk)] = chunk
        else:
            del data[at:]
    return ".csv", bytes(data)


def _write_rows(rows: list[list[str]], quoted: bool) -> bytes:
    if quoted:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        return out.getvalue().encode("utf-8")
    # Joined by hand: a comma or quote in a cell makes a ragged or odd row, as real files do.
    return ("\n".join(",".join(row) for row in rows) + "\n").encode("utf-8")


@st.composite
def mutated_rows(draw) -> list[list[str]]:
    """A real extract's rows with cells and headers replaced and lines deleted, duplicated or
    swapped. Some changes keep the file valid (a new figure, a missing or suppressed mark,
    the month in another accepted spelling), so that imports that succeed are tested too."""
    rows = [list(r) for r in draw(st.sampled_from(EXAMPLE_ROWS))]
    ops = ["cell", "header", "delete", "duplicate", "swap", "column", "figure", "month"]
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(ops))
        if not rows:
            break
        r = draw(st.integers(0, len(rows) - 1))
        if op == "figure" and r > 0 and len(rows[r]) == 3:
            rows[r][2] = draw(st.sampled_from(GOOD_FIGURES))
        elif op == "month" and r > 0 and len(rows[r]) == 3:
            rows[r][1] = _respell_month(rows[r][1], draw(st.integers(0, 4)))
        elif op == "cell" and rows[r]:
            rows[r][draw(st.integers(0, len(rows[r]) - 1))] = draw(cell_text)
        elif op == "header" and rows[0]:
            rows[0][draw(st.integers(0, len(rows[0]) - 1))] = draw(header_text)
        elif op == "delete":
            del rows[r]
        elif op == "duplicate":
            rows.insert(draw(st.integers(0, len(rows))), list(rows[r]))
        elif op == "swap":
            s = draw(st.integers(0, len(rows) - 1))
            rows[r], rows[s] = rows[s], rows[r]
        else:  # add or drop a column everywhere
            if draw(st.booleans()):
                rows = [[*row, draw(cell_text)] for row in rows]
            else:
                rows = [row[:-1] for row in rows]
    return rows


@st.composite
def mutated_csv(draw) -> tuple[str, bytes]:
    rows = draw(mutated_rows())
    return ".csv", _write_rows(rows, quoted=draw(st.booleans()))


@st.composite
def random_text(draw) -> tuple[str, bytes]:
    """Random Unicode, sometimes shaped like a CSV (commas and newlines)."""
    alphabet = st.one_of(st.characters(codec="utf-8"), st.sampled_from(',\n\r";'))
    text = draw(st.text(alphabet=alphabet, max_size=400))
    return draw(st.sampled_from([".csv", ".tsv", ".txt"])), text.encode("utf-8")


@st.composite
def random_binary(draw) -> tuple[str, bytes]:
    suffix = draw(st.sampled_from([".csv", ".xlsx", ".parquet", ".tsv", ""]))
    return suffix, draw(st.binary(max_size=600))


@st.composite
def mutated_workbook(draw) -> tuple[str, bytes]:
    """Either a workbook built from mutated rows (cells as numbers, text, dates, booleans or
    formulas with cached error values), or the example workbook with bytes damaged."""
    if draw(st.booleans()):
        data = bytearray(WORKBOOK.read_bytes())
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(data) - 1))
            if draw(st.booleans()):
                data[at] ^= 1 << draw(st.integers(0, 7))
            else:
                del data[at : at + draw(st.integers(1, 256))]
        return ".xlsx", bytes(data)

    import xlsxwriter

    rows = draw(mutated_rows())
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet(draw(st.sampled_from(["Family Help", "Sheet1", "Données 2024"])))
    for r, row in enumerate(rows[:200]):
        for c, value in enumerate(row[:20]):
            kind = draw(st.sampled_from(["text", "text", "number", "date", "bool", "formula"]))
            if kind == "number" and re.fullmatch(r"\d{1,12}(\.\d{1,6})?", value, re.ASCII):
                sheet.write_number(r, c, float(value))
            elif kind == "date":
                from datetime import datetime

                sheet.write_datetime(r, c, datetime(2024, 10, 1), book.add_format())
            elif kind == "bool":
                sheet.write_boolean(r, c, draw(st.booleans()))
            elif kind == "formula":
                sheet.write_formula(r, c, "=1/0", None, draw(st.sampled_from(["#DIV/0!", "#N/A"])))
            else:
                sheet.write_string(r, c, value.replace("\x00", ""))
    book.close()
    return ".xlsx", out.getvalue()


ANY_FILE = st.one_of(mutated_bytes(), mutated_csv(), random_text(), random_binary())
_counter = itertools.count()


def _write(folder: Path, suffix: str, data: bytes) -> Path:
    path = folder / f"fuzz-{next(_counter)}{suffix}"
    path.write_bytes(data)
    return path


def _validate(path: Path, definitions):
    from csc_perf.ingest.validation import validate_files

    return validate_files([path], definitions)


# -- library: read -> validate never raises ----------------------------------------------
@FUZZ
@given(file=st.one_of(ANY_FILE, mutated_workbook()))
def test_validate_files_never_raises(definitions, file):

    suffix, data = file
    with tempfile.TemporaryDirectory() as folder:
        path = _write(Path(folder), suffix, data)
        report = _validate(path, definitions)
    for issue in report.issues:
        assert issue.severity in ("error", "warning")
        assert issue.message.strip()
    if report.valid:
        assert report.observations.height >= 0


# -- library: validate -> commit only when valid -----------------------------------------
@FUZZ
@given(file=st.one_of(mutated_csv(), mutated_bytes()))
def test_library_import_commits_only_valid_files(definitions, tmp_path, file):
    from csc_perf.store.core import Store

    suffix, data = file
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    store = Store(tmp_path / "store")
    path = _write(folder, suffix, data)
    report = _validate(path, definitions)
    if not report.valid:
        return  # what csc-perf import does: nothing is written
    before = store.version()
    result = store.commit_import(report.observations, report.files)
    after = store.version()
    if result.committed:
        assert after == result.version
        assert before is None or after == before + 1  # a new store's first import is v1
    else:
        assert after == before


# -- the CLI: documented exit codes, and the store changes only on exit 0 ------------------
def _run_import(cli, workspace: Path, suffix: str, data: bytes, *options: str):
    from csc_perf.definitions.loading import load_definitions

    folder = Path(tempfile.mkdtemp(dir=workspace))
    path = _write(folder, suffix, data)
    store = workspace / "store"
    before = store_state(store)
    result = cli("import", path, *options)
    if currently_in_test_context():
        event(f"exit {result.exit_code}")
    assert result.exit_code in DOCUMENTED, result.output[-3000:]
    assert "Traceback" not in result.output
    assert "internal error" not in result.output
    if result.exit_code != 0:
        assert store_state(store) == before, result.output[-3000:]
        assert result.stdout == ""
    # import validates first: it agrees with the library on whether the file is valid.
    definitions = load_definitions(ROOT / "indicators.toml")
    report = _validate(path, definitions)
    assert (result.exit_code == 0) == report.valid, result.output[-3000:]
    return result


@FUZZ
@given(file=mutated_bytes())
def test_cli_import_mutated_bytes(cli, seeded_workspace, file):
    _run_import(cli, seeded_workspace, *file)


@FUZZ
@given(file=mutated_csv())
def test_cli_import_mutated_cells_headers_and_lines(cli, seeded_workspace, file):
    _run_import(cli, seeded_workspace, *file)


@FUZZ
@given(file=st.one_of(random_text(), random_binary()))
def test_cli_import_random_text_and_binary(cli, seeded_workspace, file):
    _run_import(cli, seeded_workspace, *file)


@FUZZ
@given(file=mutated_workbook())
def test_cli_import_mutated_workbooks(cli, seeded_workspace, file):
    _run_import(cli, seeded_workspace, *file)


@FUZZ
@given(
    file=mutated_csv(),
    options=st.sampled_from(
        [
            ("--dry-run",),
            ("--encoding", "cp1252"),
            ("--encoding", "latin-1"),
            ("--shape", "wide"),
            ("--shape", "month", "--month", "2024-10"),
            ("--month", "Oct-24"),
        ]
    ),
)
def test_cli_import_with_options(cli, seeded_workspace, file, options):
    suffix, data = file
    folder = Path(tempfile.mkdtemp(dir=seeded_workspace))
    path = _write(folder, suffix, data)
    store = seeded_workspace / "store"
    before = store_state(store)
    result = cli("import", path, *options)
    assert result.exit_code in DOCUMENTED, result.output[-3000:]
    assert "Traceback" not in result.output
    if result.exit_code != 0 or "--dry-run" in options:
        assert store_state(store) == before, result.output[-3000:]


@pytest.mark.parametrize("example", MONTHLY[:3], ids=lambda p: p.name)
def test_unmutated_examples_import(cli, seeded_workspace, example):
    """The starting points themselves are valid: the mutations are what breaks them."""
    _run_import(cli, seeded_workspace, ".csv", example.read_bytes())
