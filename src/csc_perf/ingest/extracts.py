"""Reading extracts: CSV, Excel (.xlsx) and Parquet files, in long, wide or one-month shape.

Reading is in two steps, both pure apart from the file read:

1. :func:`read_tables` turns a file into :class:`RawTable` objects (one per CSV/Parquet file,
   one per worksheet), every cell as text, with the row numbers a spreadsheet user sees.
2. :func:`table_cells` detects the shape from the header (or takes ``shape``) and returns the
   cells as a long frame: one row per (indicator text, month text, cell text) with its
   position (file, sheet, row, column). :mod:`csc_perf.ingest.validation` parses and checks them.

Shapes:

* ``long``: columns ``indicator``, ``month``, ``value`` (optional ``authority``);
* ``wide``: one row per indicator, one column per month (``Oct-24``, ``2024-10``, real Excel
  dates, and the spellings of :func:`header_month`); known report columns such as Target,
  RAG or benchmarks are skipped by name (:func:`is_report_column`), and any other column with
  figures is an error naming it unless it is skipped on purpose (``ignore_columns``);
* ``month`` (one month): columns ``indicator`` and ``value``, the month given separately.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from csc_perf.errors import ExtractReadError
from csc_perf.model.calendar import MonthError, looks_like_month, parse_month

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

SHAPES = ("long", "wide", "month")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
SUPPORTED_HINT = (
    "extracts are CSV (.csv, .tsv, .txt), Excel workbooks (.xlsx, .xlsm) or Parquet "
    "(.parquet) files"
)

# Header names (compared case-insensitively, spaces and underscores alike) that say what a
# column of a long or one-month extract holds.
INDICATOR_HEADERS = {
    "indicator",
    "indicator id",
    "indicator name",
    "indicator description",
    "measure",
    "measure name",
    "id",
    "name",
    "kpi",
    "metric",
    "description",
}
MONTH_HEADERS = {"month", "period", "date", "reporting month", "month end"}
VALUE_HEADERS = {"value", "figure", "result", "actual"}
AUTHORITY_HEADERS = {"authority", "la", "la code", "old la code", "authority code"}
# Columns of a wide sheet that describe its indicators (a second name, an id).
_DESCRIPTIVE_HEADERS = INDICATOR_HEADERS | AUTHORITY_HEADERS | {"indicator ref", "kpi ref"}


@dataclass
class RawTable:
    """One grid of text cells as read from a file or worksheet.

    ``frame`` holds every row of the grid (the header is the first non-empty row) as String
    columns; ``first_row`` is the spreadsheet row number of ``frame`` row 0.
    """

    file: str
    sheet: str | None
    frame: pl.DataFrame
    first_row: int = 1
    #: Formula cells whose result cannot be used, (spreadsheet row, frame column index) ->
    #: (cell reference, formula, saved result); see :class:`csc_perf.ingest.workbook.SheetCells`.
    formulas: dict[tuple[int, int], tuple[str, str, str | None]] = field(default_factory=dict)
    #: The workbook asks Excel to recalculate its formulas on opening (a program wrote it).
    recalculate_on_open: bool = False


@dataclass
class SourceFile:
    """What was read from one file: its tables and fingerprint."""

    path: str
    sha256: str
    tables: list[RawTable] = field(default_factory=list)
    #: Warnings about the file as a whole: ``{"code", "message", "sheet"}`` (hidden sheets).
    notes: list[dict] = field(default_factory=list)


@dataclass
class TableCells:
    """The cells of one table in long form, and problems found in its header."""

    shape: str
    cells: pl.DataFrame
    problems: list[dict] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    authority_column: str | None = None  # the header of the authority codes, if any
    # A second column naming the indicator (Indicator and ID): columns ``row, indicator_text,
    # column, other_text``, one row per data row and further column; validation refuses a row
    # whose two columns name different indicators.
    other_indicators: pl.DataFrame | None = None


def read_tables(
    path: str | Path,
    *,
    sheet: str | Sequence[str] | None = None,
    encoding: str | None = None,
) -> SourceFile:
    """Read ``path`` into raw tables; raise :class:`ExtractReadError` if it cannot be read.

    ``sheet`` names one worksheet or several (default: every sheet of a workbook).
    """
    if isinstance(sheet, str):
        sheet = [sheet]
    sheet = list(sheet) if sheet else None
    path = Path(path)
    name = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ExtractReadError(f"{name}: file not found", file=name) from None
    except IsADirectoryError:
        raise ExtractReadError(f"{name}: is a folder, not a file", file=name) from None
    except OSError as exc:
        raise ExtractReadError(
            f"{name}: cannot read the file ({exc.strerror})", file=name
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    source = SourceFile(name, digest)
    suffix = path.suffix.lower()
    if not _has_text(data):
        raise ExtractReadError(f"{name}: the file is empty", code="file-empty", file=name)
    if suffix in EXCEL_SUFFIXES:
        source.tables, source.notes = _read_excel(name, data, sheet)
    elif suffix in PARQUET_SUFFIXES:
        source.tables = [_read_parquet(name, data)]
    elif suffix in CSV_SUFFIXES or suffix == "":
        if sheet is not None:
            raise ExtractReadError(f"{name}: --sheet applies to Excel workbooks only", file=name)
        source.tables = [
            _read_csv(name, data, encoding, delimiter="\t" if suffix == ".tsv" else ",")
        ]
    elif suffix == ".xls":
        raise ExtractReadError(
            f"{name}: old-style .xls workbooks are not supported",
            file=name,
            hint="open it in Excel and save it as .xlsx or .csv",
        )
    else:
        raise ExtractReadError(
            f"{name}: unknown file type {suffix!r}",
            file=name,
            hint=SUPPORTED_HINT,
        )
    return source


def _read_csv(name: str, data: bytes, encoding: str | None, delimiter: str) -> RawTable:
    import polars as pl

    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractReadError(
            f"{name}: the file is UTF-16 encoded",
            code="encoding-error",
            file=name,
            hint="save it from Excel as 'CSV UTF-8 (Comma delimited)'",
        )
    if b"\x00" in data[:65536]:
        raise ExtractReadError(
            f"{name}: the file holds binary data, not text",
            file=name,
            hint="is it really a CSV file? Excel workbooks must be named .xlsx",
        )
    codec = (encoding or "utf-8").lower().replace("_", "-")
    utf8 = codec in ("utf-8", "utf8", "utf-8-sig")
    try:
        text = data.decode("utf-8-sig" if utf8 else codec)
    except LookupError:
        raise ExtractReadError(f"unknown encoding {encoding!r}", file=name) from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        hint = (
            "files saved by Excel as plain 'CSV (Comma delimited)' are Windows-1252: "
            "add --encoding cp1252"
            if encoding is None
            else None
        )
        raise ExtractReadError(
            f"{name}: line {line}: byte 0x{data[exc.start]:02x} is not valid {codec}",
            code="encoding-error",
            file=name,
            hint=hint,
        ) from None
    # UTF-8 goes to Polars as it is (no second copy); other encodings as re-encoded text.
    raw = data.removeprefix(b"\xef\xbb\xbf") if utf8 else text.encode("utf-8")
    del text
    # Blank lines above the header would make Polars take the width from an empty line.
    skipped = 0
    position = 0
    while True:
        end = raw.find(b"\n", position)
        if end < 0 or raw[position:end].strip().strip(delimiter.encode()).strip():
            break
        skipped += 1
        position = end + 1
    raw = raw[position:] if skipped else raw
    if not _has_text(raw):
        raise ExtractReadError(f"{name}: the file is empty", code="file-empty", file=name)
    if b"\n" not in raw and b"\r" in raw:
        raw = raw.replace(b"\r", b"\n")  # old Mac line endings (Excel's "CSV (Macintosh)")
    try:
        frame = pl.read_csv(
            io.BytesIO(raw),
            has_header=False,
            infer_schema=False,
            separator=delimiter,
        )
    except pl.exceptions.NoDataError:
        raise ExtractReadError(f"{name}: the file is empty", code="file-empty", file=name) from None
    except pl.exceptions.ComputeError:
        raise _ragged_row_error(name, raw.decode("utf-8"), delimiter, skipped) from None
    return RawTable(name, None, frame, first_row=1 + skipped)


def _ragged_row_error(name: str, text: str, delimiter: str, skipped: int) -> ExtractReadError:
    """Find the row that Polars could not parse, to say where it is."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    width = None
    start = 1
    try:
        for record in reader:
            if width is None:
                width = len(record)
            elif len(record) > width:
                row = start + skipped
                return ExtractReadError(
                    f"{name}: row {row}: {len(record)} cells but the header has {width}",
                    file=name,
                    hint="check for an unquoted comma in a cell",
                    row=row,
                )
            start = reader.line_num + 1
    except csv.Error as exc:
        row = start + skipped
        problem = (
            "a quote opens here and is never closed"
            if "EOF" in str(exc) or "end of data" in str(exc)
            else str(exc)
        )
        return ExtractReadError(
            f"{name}: row {row}: {problem}",
            file=name,
            row=row,
            hint="a cell with a comma or a line break must be in double quotes, and a quote "
            "inside it doubled",
        )
    return ExtractReadError(f"{name}: not a readable CSV file", file=name)


def _read_excel(
    name: str, data: bytes, sheets: list[str] | None
) -> tuple[list[RawTable], list[dict]]:
    """The sheets of a workbook as raw tables, and warnings (hidden sheets skipped).

    Values come from fastexcel; :mod:`csc_perf.ingest.workbook` adds what fastexcel does not say:
    percentage cells are put on the 0-100 scale Excel shows them in (0.83 formatted ``0%``
    is 83), and formulas without a usable result are kept aside for the checks.
    """
    import fastexcel
    import polars as pl

    from csc_perf.ingest.workbook import Workbook, WorkbookError

    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ExtractReadError(
            f"{name}: the workbook is password-protected (encrypted), or an old .xls file "
            "named .xlsx",
            file=name,
            hint="open it in Excel, remove the password (File > Info > Protect Workbook) and "
            "save it as .xlsx",
        )
    try:
        reader = fastexcel.read_excel(data)
    except Exception as exc:  # fastexcel raises its own error types for every bad workbook
        raise ExtractReadError(
            f"{name}: not a readable .xlsx workbook ({_first_line(exc)})",
            file=name,
            hint="a password-protected or damaged workbook must be saved again without protection",
        ) from None
    try:
        workbook = Workbook(data)
    except WorkbookError as exc:
        raise ExtractReadError(
            f"{name}: not a readable .xlsx workbook ({exc})",
            file=name,
            hint="open it in Excel and save it again as .xlsx",
        ) from None
    names = all_names = list(reader.sheet_names)
    notes: list[dict] = []
    if sheets is not None:
        for sheet in sheets:
            if sheet not in names:
                raise ExtractReadError(
                    f"{name}: no sheet named {sheet!r}",
                    file=name,
                    hint="sheets in this workbook: " + ", ".join(repr(n) for n in names),
                )
        names = [n for n in names if n in sheets]
    else:
        # A hidden sheet is a workings or an old copy: its figures must not overwrite the
        # visible ones. Read it only when asked for by name.
        hidden = [
            (n, info.state)
            for n in names
            if (info := workbook.sheet(n, all_names)) is not None and info.state != "visible"
        ]
        for sheet_name, state in hidden:
            kind = "very hidden" if state == "veryHidden" else "hidden"
            notes.append(
                {
                    "code": "sheet-hidden",
                    "sheet": sheet_name,
                    "message": f"{name}: sheet {sheet_name!r} is {kind} and was not read; "
                    f"to import it, name it: --sheet {sheet_name!r}",
                }
            )
        skipped = {n for n, _ in hidden}
        names = [n for n in names if n not in skipped]
    tables: list[RawTable] = []
    for sheet_name in names:
        try:
            loaded = reader.load_sheet(sheet_name, header_row=None, dtypes="string", skip_rows=0)
            batch, errors = loaded.to_arrow_with_errors()
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            frame = _with_error_cells(frame, errors)
        except Exception as exc:
            raise ExtractReadError(
                f"{name}: sheet {sheet_name!r} cannot be read ({_first_line(exc)})", file=name
            ) from None
        if frame.width == 0 or frame.height == 0:
            continue  # an empty sheet (a cover page, say) holds no figures
        try:
            special = workbook.cells(sheet_name, all_names)
        except WorkbookError as exc:
            raise ExtractReadError(
                f"{name}: sheet {sheet_name!r} cannot be read ({exc})", file=name
            ) from None
        table = RawTable(name, sheet_name, frame, first_row=1)
        if special.percent or special.formulas:
            table = _with_cell_details(table, special, workbook.recalculate_on_open)
        tables.append(table)
    return tables, notes


def _with_cell_details(table: RawTable, special, recalculate_on_open: bool) -> RawTable:
    """Put percentage cells on Excel's displayed scale, with their % sign (0.83 formatted
    0% is the text ``83%``, so it is checked as if typed so), and note unusable formulas.

    fastexcel's grid starts at the first row and at the leftmost column holding a value;
    each percentage cell is checked against the grid before it is changed, so a grid that
    does not line up is refused rather than read wrong.
    """
    import polars as pl

    from csc_perf.ingest.workbook import column_letter, percent_text

    frame = table.frame
    offset = special.first_column or 0
    columns = frame.columns
    by_column: dict[int, tuple[list[int], list[str], list[str]]] = {}
    shown_for: dict[str, str | None] = {}  # figures repeat: each converted once
    for (row, column), stored in special.percent.items():
        rows, stored_texts, shown = by_column.setdefault(column - offset, ([], [], []))
        rows.append(row - table.first_row)
        stored_texts.append(stored)
        if stored not in shown_for:
            # Written with its % sign, as Excel shows it: validation then treats the cell as
            # the text "139%" would be (percent-sign-unexpected on a count, the 0-100 scale).
            number = percent_text(stored)
            shown_for[stored] = None if number is None else f"{number}%"
        shown.append(shown_for[stored] or "")
    replaced = []
    for position, (rows, stored_texts, shown) in by_column.items():
        inside = 0 <= position < len(columns) and min(rows) >= 0 and max(rows) < frame.height
        cells = frame.get_column(columns[position]).to_list() if inside else []
        for row, stored, text in zip(rows, stored_texts, shown, strict=True):
            if not (inside and text and _same_number(cells[row], stored)):
                reference = f"{column_letter(position + offset)}{row + table.first_row}"
                raise ExtractReadError(
                    f"{table.file}: sheet {table.sheet!r}: cell {reference} is formatted as a "
                    f"percentage but its value ({stored!r}) could not be matched with the one "
                    "read",
                    file=table.file,
                    row=row + table.first_row,
                    hint="open the file in Excel and save it again, or save the sheet as CSV",
                )
            cells[row] = text
        replaced.append(pl.Series(columns[position], cells, dtype=pl.String))
    if replaced:
        frame = frame.with_columns(replaced)
    formulas = {
        (row, column - offset): detail
        for (row, column), detail in special.formulas.items()
        if 0 <= column - offset < len(columns)
    }
    return RawTable(
        table.file,
        table.sheet,
        frame,
        first_row=table.first_row,
        formulas=formulas,
        recalculate_on_open=recalculate_on_open,
    )


EXCEL_ERRORS = {
    "NA": "#N/A",
    "Div0": "#DIV/0!",
    "Value": "#VALUE!",
    "Ref": "#REF!",
    "Name": "#NAME?",
    "Num": "#NUM!",
    "Null": "#NULL!",
    "GettingData": "#GETTING_DATA",
}


def _with_error_cells(frame: pl.DataFrame, errors) -> pl.DataFrame:
    """Excel error cells (#N/A, #DIV/0! ...) come back empty: put their text back, so they
    are reported as unreadable values rather than taken as blanks."""
    import re

    import polars as pl

    if not errors or not getattr(errors, "errors", None):
        return frame
    columns = frame.columns
    for error in errors.errors:
        row, column = error.position
        match = re.search(r"Error\((\w+)\)", error.detail or "")
        text = EXCEL_ERRORS.get(match.group(1), f"#{match.group(1)}") if match else "#ERROR"
        if row < frame.height and column < len(columns):
            name = columns[column]
            frame = frame.with_columns(
                pl.when(pl.int_range(pl.len()) == row)
                .then(pl.lit(text))
                .otherwise(pl.col(name))
                .alias(name)
            )
    return frame


def _read_parquet(name: str, data: bytes) -> RawTable:
    import polars as pl

    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:
        raise ExtractReadError(
            f"{name}: not a readable Parquet file ({_first_line(exc)})", file=name
        ) from None
    header = pl.DataFrame([pl.Series(c, [c], dtype=pl.String) for c in frame.columns])
    try:
        body = frame.select(_as_text(frame[c]).alias(c) for c in frame.columns)
    except ExtractReadError as exc:
        raise ExtractReadError(f"{name}: {exc.message}", file=name, hint=exc.hint) from None
    # A Parquet file has a real header: row 1 is the header, data from row 2.
    return RawTable(name, None, pl.concat([header, body]), first_row=1)


def _as_text(series: pl.Series) -> pl.Series:
    import polars as pl

    if series.dtype.is_nested():
        raise ExtractReadError(
            f"column {series.name!r} holds {series.dtype} values, not single figures"
        )
    if series.dtype == pl.Date:
        return series.dt.strftime("%Y-%m-%d")
    if series.dtype == pl.Datetime:
        return series.dt.strftime("%Y-%m-%d %H:%M:%S")
    if series.dtype.is_numeric() or series.dtype in (pl.String, pl.Boolean, pl.Null):
        return series.cast(pl.String)
    if isinstance(series.dtype, (pl.Categorical, pl.Enum)):
        return series.cast(pl.String)
    # Durations, times, binary and objects are not figures, months or names.
    raise ExtractReadError(
        f"column {series.name!r} holds {_dtype_name(series.dtype)} values, not figures, "
        "months or names",
        hint="a Parquet extract's columns hold text, numbers or dates; write this column as "
        "a number (e.g. days) or leave it out",
    )


def _same_number(text: str | None, stored: str) -> bool:
    """The grid's text and the XML's stored number are the same number."""
    try:
        read, saved = float(text), float(stored)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return abs(read - saved) <= 1e-9 * max(1.0, abs(saved))


def _dtype_name(dtype) -> str:
    import polars as pl

    names = {pl.Duration: "duration", pl.Time: "time-of-day", pl.Binary: "binary"}
    for kind, label in names.items():
        if dtype == kind:
            return f"{label} ({dtype})"
    return str(dtype)


_NOT_BLANK = re.compile(rb"\S")


def _has_text(data: bytes) -> bool:
    """Anything but whitespace (stops at the first such byte: no copy of a big file)."""
    return _NOT_BLANK.search(data) is not None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _header_key(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).casefold()


# -- wide headers -----------------------------------------------------------------------
# A wide sheet's header is read column by column: a month (in any spelling below), a known
# report column (skipped by name), a column named with --ignore-column (skipped on purpose),
# or an error naming it. Nothing is dropped without a word.

# Marks after a month: "Oct-24 (provisional)", "Oct-24 [draft]", "Oct-24*", "Oct-24 †".
_HEADER_MARK = re.compile(
    r"\s*(?:[(\[]\s*(?:provisional|prov\.?|p|draft|revised|r|final|unvalidated|validated"
    r"|estimated?|est\.?)\s*[)\]]|\*+|†+)\s*$",
    re.IGNORECASE,
)
# Excel stores a date as days since 30 December 1899; a date header typed or pasted as text
# arrives as its serial (45536 is 1 September 2024). 36526 is 1 January 2000, 73415 the
# last day of 2100.
_EXCEL_SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$")
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_RANGE = (36526, 73415)

# Report columns that are not a month's figure (compared as _header_key): the seed's Target,
# RAG and Direction of travel, csc-perf's own SPC, descriptions and notes.
REPORT_COLUMNS = {
    "target",
    "targets",
    "stretch target",
    "rag",
    "rag rating",
    "rag status",
    "dot",
    "direction of travel",
    "direction",
    "trend",
    "spc",
    "polarity",
    "good is",
    "better is",
    "unit",
    "units",
    "theme",
    "section",
    "ref",
    "reference",
    "no",
    "no.",
    "#",
    "notes",
    "note",
    "comments",
    "comment",
    "commentary",
    "narrative",
    "source",
    "definition",
    "owner",
    "lead",
}
# Words that make a column a benchmark, financial-year or cumulative column ("So'ton 22/23",
# "22/23 Stat Neighbours", "South East 23/24", "England 23/24", "Mar-24 YTD").
_REPORT_WORDS = re.compile(
    r"\b(?:england|national|stat(?:istical)? neighbours?|sn|region(?:al)?|benchmarks?"
    r"|north east|north west|yorkshire(?: and the humber)?|east midlands|west midlands"
    r"|east of england|(?:inner |outer )?london|south east|south west"
    r"|ytd|fytd|year to date|target|rag|notes?|comments?)\b",
    re.IGNORECASE,
)
_FINANCIAL_YEAR = re.compile(r"(?<![\d/])(\d{4}|\d{2})\s*[/-]\s*(\d{2})(?![\d/])")
_QUARTER = re.compile(r"\b(?:q[1-4]|quarter)\b", re.IGNORECASE)


def header_month(text: str) -> date | None:
    """The month a wide sheet's column header denotes, or None.

    Every spelling :func:`csc_perf.model.calendar.parse_month` reads (any dash, ``Oct_24``,
    ``2024/10``...), followed by a mark (``(provisional)``, ``(draft)``, ``*``...), or an
    Excel date serial as text (``45536``).
    """
    label = text.strip()
    while True:  # "Oct-24 (provisional)*": every mark
        stripped = _HEADER_MARK.sub("", label)
        if stripped == label:
            break
        label = stripped
    serial = _EXCEL_SERIAL.match(label)
    if serial and _SERIAL_RANGE[0] <= int(serial[1]) <= _SERIAL_RANGE[1]:
        from datetime import timedelta

        return parse_month(_EXCEL_EPOCH + timedelta(days=int(serial[1])))
    try:
        return parse_month(label)
    except MonthError:
        return None


# Where a header may be cut to find a month at its start: before a space or a bracket.
_HEADER_CUT = re.compile(r"(?=[\s(\[,;:])")
# What may follow a month in a report column that legitimately names one: "Mar-24 YTD".
_MONTH_REPORT_REST = re.compile(
    r"^[\s(\[]*(?:ytd|fytd|year to date|cumulative)[\s)\]]*$", re.IGNORECASE
)


def month_with_words(text: str) -> date | None:
    """The month a header starts with when more words follow it that are not a mark:
    ``Oct-24 (see notes)``, ``Oct-24 London``, ``Oct-24 (provisional) note`` -> October
    2024. None for a plain month or a month with a mark (:func:`header_month` reads those),
    for a header that does not start with a month, and for a year-to-date column
    (``Mar-24 YTD``), a known report column that names a month."""
    label = text.strip()
    if header_month(label) is not None:
        return None
    cuts = sorted({m.start() for m in _HEADER_CUT.finditer(label)} - {0}, reverse=True)
    for cut in cuts:
        month = header_month(label[:cut])
        if month is not None:
            return None if _MONTH_REPORT_REST.match(label[cut:]) else month
    return None


def is_report_column(text: str) -> bool:
    """True for a known column of a report table that holds no month's figure: Target,
    RAG, Direction of travel, SPC, notes, benchmark and financial-year columns. A quarter
    (``Q3 24/25``) is not one: it is refused, as it cannot be filed under one month. Nor is
    a header that starts with a month and goes on with other words (``Oct-24 (see notes)``,
    ``Oct-24 London``): it may hold that month's figures, so it is refused rather than
    skipped (:func:`month_with_words`); ``Mar-24 YTD`` stays a report column."""
    key = _header_key(text)
    if key in REPORT_COLUMNS or key in _DESCRIPTIVE_HEADERS:
        return True
    if _QUARTER.search(key):
        return False
    if month_with_words(text) is not None:
        return False
    if _REPORT_WORDS.search(key):
        return True
    return any(_is_financial_year(m[1], m[2]) for m in _FINANCIAL_YEAR.finditer(key))


def _is_financial_year(first: str, second: str) -> bool:
    return (int(first) + 1) % 100 == int(second)


def table_cells(
    table: RawTable,
    *,
    shape: str | None = None,
    month: date | None = None,
    ignore_columns: Sequence[str] = (),
) -> TableCells:
    """The table's cells in long form: columns ``file, sheet, row, column, indicator_text,
    month_text, month_column, authority_text, cell``.

    ``month_text`` is the month label (in the wide shape the header, or the month it denotes
    as ``2024-10`` when it carries a mark or is an Excel serial); the validator parses it.
    ``ignore_columns``: headers to skip on purpose (compared ignoring case and spaces).
    Raises :class:`ExtractReadError` when the table has no data or no usable header.
    """
    import polars as pl

    frame = table.frame
    # The header is the first row with anything in it.
    non_empty = frame.select(pl.any_horizontal(pl.all().str.strip_chars().str.len_chars() > 0))
    filled = non_empty.to_series().fill_null(False)
    where = f"{table.file}" + (f" (sheet {table.sheet!r})" if table.sheet else "")
    if not filled.any():
        raise ExtractReadError(f"{where}: the file is empty", code="file-empty", file=table.file)
    header_index = int(filled.arg_true()[0])
    header_row = table.first_row + header_index
    header = [(v or "").strip() for v in frame.row(header_index)]
    body = frame.slice(header_index + 1).with_row_index("row", offset=header_row + 1)
    body = body.filter(filled.slice(header_index + 1).rename("keep"))
    if body.height == 0:
        raise ExtractReadError(
            f"{where}: has a header (row {header_row}) but no data rows",
            code="file-empty",
            file=table.file,
            row=header_row,
        )
    columns = frame.columns
    keys = [_header_key(h) for h in header]
    problems: list[dict] = []

    def problem(
        code: str, message: str, column: str | None = None, cell=None, row: int | None = None
    ) -> None:
        problems.append(
            {
                "code": code,
                "message": message,
                "row": header_row if row is None else row,
                "column": column,
                "cell": cell,
            }
        )

    # Duplicated headers (ignoring empty ones, handled below).
    seen: dict[str, int] = {}
    for index, key in enumerate(keys):
        if not key:
            continue
        if key in seen:
            problem(
                "header-duplicate",
                f"two columns are headed {header[index]!r}",
                header[index],
                header[index],
            )
        else:
            seen[key] = index

    def find(names: set[str]) -> int | None:
        for index, key in enumerate(keys):
            if key in names:
                return index
        return None

    indicator_col = find(INDICATOR_HEADERS)
    month_col = find(MONTH_HEADERS)
    value_col = find(VALUE_HEADERS)
    skip = {_header_key(name) for name in ignore_columns}
    authority_cols = [i for i, k in enumerate(keys) if k in AUTHORITY_HEADERS and k not in skip]
    authority_col = authority_cols[0] if authority_cols else None
    # Two authority columns (Authority 850, LA code 852): only the first would be read, so
    # they must agree on every row, or one is skipped on purpose.
    for other in authority_cols[1:]:
        assert authority_col is not None
        differ = body.select(
            "row",
            pl.col(columns[authority_col]).str.strip_chars().fill_null("").alias("first"),
            pl.col(columns[other]).str.strip_chars().fill_null("").alias("other"),
        ).filter(pl.col("first").str.to_lowercase() != pl.col("other").str.to_lowercase())
        if differ.height:
            row, first, second = differ.row(0)
            more = f" (and {differ.height - 1} more row(s))" if differ.height > 1 else ""
            problem(
                "header-duplicate",
                f"two authority columns disagree: {header[authority_col]!r} is {first!r} but "
                f"{header[other]!r} is {second!r} on row {row}{more}; only one is read: keep "
                f"one authority column, or skip the other on purpose with --ignore-column "
                f"{header[other]!r}",
                header[other],
                second,
                row=row,
            )
    month_columns: list[int] = []
    header_months: dict[int, date] = {}
    for index, text in enumerate(header):
        if index in (indicator_col, authority_col) or not text or keys[index] in skip:
            continue
        parsed_month = header_month(text)
        if parsed_month is not None:
            month_columns.append(index)
            header_months[index] = parsed_month

    if shape is None:
        if indicator_col is not None and month_col is not None and value_col is not None:
            shape = "long"
        elif indicator_col is not None and value_col is not None:
            shape = "month"
        elif month_columns:
            shape = "wide"
        else:
            filled_cells = [h for h in header if h]
            if len(filled_cells) == 1 and filled_cells[0].count(";") >= 2:
                hint = "the file seems to use semicolons between cells: save it as CSV with commas"
            elif len(filled_cells) == 1:
                hint = (
                    f"row {header_row} looks like a title above the table: delete the rows above "
                    "the header row"
                )
            else:
                hint = (
                    "a long extract needs columns Indicator, Month, Value; a wide one an "
                    "indicator column and one column per month (Oct-24 or 2024-10)"
                )
            raise ExtractReadError(
                f"{where}: row {header_row}: the header {_show(header)} names no months and no "
                "indicator/month/value columns",
                code="header-missing",
                file=table.file,
                row=header_row,
                hint=hint,
            )
    elif shape not in SHAPES:
        raise ExtractReadError(f"unknown shape {shape!r} (use long, wide or month)")

    def col(index: int) -> pl.Expr:
        return pl.col(columns[index])

    base = [
        pl.lit(table.file).alias("file"),
        pl.lit(table.sheet, dtype=pl.String).alias("sheet"),
        pl.col("row").cast(pl.Int64),
    ]
    authority_expr = (
        col(authority_col).alias("authority_text")
        if authority_col is not None
        else pl.lit(None, dtype=pl.String).alias("authority_text")
    )
    ignored: list[str] = []
    ind: int | None = None

    def check_other_column(index: int, text: str) -> None:
        """A column that is not read: skipped by name (a known report column or
        --ignore-column), or empty; anything else with figures under it is an error, so no
        figure is dropped without a word."""

        def has_data() -> bool:
            return body.select(
                col(index).str.strip_chars().str.len_chars().fill_null(0).gt(0).any()
            ).item()

        if text and (keys[index] in skip or is_report_column(text)):
            ignored.append(text)
        elif not text:
            if has_data():
                after = next((h for h in reversed(header[:index]) if h), None)
                place = f"after {after!r}" if after else "before the first header"
                problem(
                    "header-missing",
                    f"a column with figures has no header (the column {place})",
                    None,
                )
        elif looks_like_month(text):
            problem(
                "month-unparseable",
                f"column header {text!r} looks like a month but is not one (use Oct-24 or 2024-10)",
                text,
                text,
            )
        elif has_data():
            problem(
                "header-unknown",
                f"column {text!r} is neither a month nor a known report column, and its "
                "figures would be dropped: write the month as Oct-24 or 2024-10, or skip "
                f"the column on purpose with --ignore-column {text!r}"
                if shape == "wide"
                else f"column {text!r} is not one csc-perf reads (indicator, month, value, "
                "authority) nor a known report column, and what it holds would be dropped: "
                f"skip the column on purpose with --ignore-column {text!r}",
                text,
                text,
            )
        else:
            ignored.append(text)  # an empty column: nothing to drop

    if shape in ("long", "month"):
        missing = [
            label
            for label, index in (
                ("indicator", indicator_col),
                ("value", value_col),
                *([("month", month_col)] if shape == "long" else []),
            )
            if index is None
        ]
        if missing:
            raise ExtractReadError(
                f"{where}: row {header_row}: no {' / '.join(missing)} column in the header "
                f"{_show(header)}",
                code="header-missing",
                file=table.file,
            )
        assert indicator_col is not None and value_col is not None
        if shape == "month":
            if month is None:
                raise ExtractReadError(
                    f"{where}: a one-month extract (indicator, value) needs the month",
                    code="month-required",
                    file=table.file,
                    hint="add --month YYYY-MM, the month these figures are for (csc-perf "
                    "does not guess it)",
                )
            month_text = pl.lit(month.isoformat()).alias("month_text")
            month_column = pl.lit(None, dtype=pl.String).alias("month_column")
        else:
            assert month_col is not None
            month_text = col(month_col).alias("month_text")
            month_column = pl.lit(header[month_col]).alias("month_column")
        used = {indicator_col, value_col, month_col, authority_col}
        for index, text in enumerate(header):
            if index not in used:
                check_other_column(index, text)
        cells = body.select(
            *base,
            pl.lit(header[value_col]).alias("column"),
            col(indicator_col).alias("indicator_text"),
            month_text,
            month_column,
            authority_expr,
            col(value_col).alias("cell"),
        )
    else:
        if not month_columns:
            raise ExtractReadError(
                f"{where}: row {header_row}: no month columns in the header {_show(header)}",
                code="header-missing",
                file=table.file,
                row=header_row,
                hint="a wide extract has one column per month, headed Oct-24 or 2024-10",
            )
        ind = _indicator_column(body, columns, header, indicator_col, month_columns)
        for index, text in enumerate(header):
            if index in (ind, authority_col) or index in month_columns:
                continue
            check_other_column(index, text)
        # The same month under two labels (Oct-24 and 2024-10) is a duplicated header too.
        by_month: dict[date, int] = {}
        for index in month_columns:
            parsed = header_months[index]
            if parsed in by_month and _header_key(header[index]) != keys[by_month[parsed]]:
                problem(
                    "header-duplicate",
                    f"column {header[index]!r} is the same month as column "
                    f"{header[by_month[parsed]]!r}",
                    header[index],
                    header[index],
                )
            by_month.setdefault(parsed, index)
        frames = [
            body.select(
                *base,
                pl.lit(header[index]).alias("column"),
                col(ind).alias("indicator_text"),
                pl.lit(_month_text(header[index], header_months[index])).alias("month_text"),
                pl.lit(header[index]).alias("month_column"),
                authority_expr,
                col(index).alias("cell"),
            )
            for index in month_columns
        ]
        cells = (
            pl.concat(frames)
            if frames
            else pl.DataFrame(
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
                }
            )
        )
    if table.formulas:
        read = (
            {indicator_col, value_col, month_col, authority_col}
            if shape in ("long", "month")
            else {ind, authority_col, *month_columns}
        )
        problems.extend(_formula_problems(table, header, header_row, read - {None}))
    authority_header = header[authority_col] if authority_col is not None else None
    main = indicator_col if shape in ("long", "month") else ind
    others = [
        i
        for i, k in enumerate(keys)
        if k in INDICATOR_HEADERS and k not in skip and i != main and i not in month_columns
    ]
    other_indicators = None
    if main is not None and others:
        other_indicators = pl.concat(
            [
                body.select(
                    pl.col("row").cast(pl.Int64),
                    col(main).alias("indicator_text"),
                    pl.lit(header[i]).alias("column"),
                    col(i).alias("other_text"),
                )
                for i in others
            ]
        )
    return TableCells(
        shape, cells, problems, ignored, authority_header, other_indicators=other_indicators
    )


def _formula_problems(table: RawTable, header: list[str], header_row: int, read: set) -> list[dict]:
    """A formula without a usable result in a cell that is read is refused, by cell."""
    found = []
    for (row, index), (reference, formula, saved) in sorted(table.formulas.items()):
        if index not in read or row < header_row:
            continue
        what = f"the formula ={clip_formula(formula)}" if formula else "a shared formula"
        why = (
            f"its saved result ({saved}) is a placeholder: the workbook was written by a "
            "program that leaves formula results for Excel to calculate on opening"
            if saved is not None
            else "it has no saved result (the workbook was written by a program, not saved "
            "by Excel)"
        )
        found.append(
            {
                "code": "formula-uncached",
                "message": f"cell {reference} holds {what} and {why}: open and save the file "
                "in Excel, or paste values",
                "in_column": True,
                "row": row,
                "column": header[index] or None,
                "cell": f"={clip_formula(formula)}" if formula else None,
            }
        )
    return found


def clip_formula(formula: str, limit: int = 80) -> str:
    return formula if len(formula) <= limit else formula[:limit] + "..."


def _month_text(header: str, month: date) -> str:
    """The header itself when the month parser reads it, else the month it denotes."""
    try:
        parse_month(header)
    except MonthError:
        return f"{month.year:04d}-{month.month:02d}"
    return header


def _indicator_column(
    body: pl.DataFrame,
    columns: list[str],
    header: list[str],
    named: int | None,
    month_columns: list[int],
) -> int:
    """The indicator column of a wide table: the one headed like it, else the first column
    (not a month) that holds mostly text rather than figures."""
    if named is not None:
        return named
    for index, _ in enumerate(header):
        if index in month_columns:
            continue
        values = body.get_column(columns[index]).drop_nulls()
        if values.len() == 0:
            continue
        numeric = values.str.strip_chars().str.contains(r"^[\d.,%\-]*$").mean()
        if numeric is not None and numeric < 0.5:
            return index
    return 0


def _show(header: list[str]) -> str:
    shown = [h for h in header if h][:8]
    more = " ..." if len([h for h in header if h]) > 8 else ""
    return "(" + ", ".join(repr(h) for h in shown) + more + ")"
