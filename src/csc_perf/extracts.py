"""Reading extracts: CSV, Excel (.xlsx) and Parquet files, in long, wide or one-month shape.

Reading is in two steps, both pure apart from the file read:

1. :func:`read_tables` turns a file into :class:`RawTable` objects (one per CSV/Parquet file,
   one per worksheet), every cell as text, with the row numbers a spreadsheet user sees.
2. :func:`table_cells` detects the shape from the header (or takes ``shape``) and returns the
   cells as a long frame: one row per (indicator text, month text, cell text) with its
   position (file, sheet, row, column). :mod:`csc_perf.validation` parses and checks them.

Shapes:

* ``long``: columns ``indicator``, ``month``, ``value`` (optional ``authority``);
* ``wide``: one row per indicator, one column per month (``Oct-24``, ``2024-10`` or real
  Excel dates); other columns such as Target, RAG or benchmarks are ignored;
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

from .errors import ExtractReadError
from .months import MonthError, looks_like_month, parse_month

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

SHAPES = ("long", "wide", "month")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")

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


@dataclass
class SourceFile:
    """What was read from one file: its tables and fingerprint."""

    path: str
    sha256: str
    tables: list[RawTable] = field(default_factory=list)


@dataclass
class TableCells:
    """The cells of one table in long form, and problems found in its header."""

    shape: str
    cells: pl.DataFrame
    problems: list[dict] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    authority_column: str | None = None  # the header of the authority codes, if any


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
        source.tables = _read_excel(name, data, sheet)
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
            hint="extracts are .csv, .xlsx or .parquet files",
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


def _read_excel(name: str, data: bytes, sheets: list[str] | None) -> list[RawTable]:
    import fastexcel
    import polars as pl

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
    names = reader.sheet_names
    if sheets is not None:
        for sheet in sheets:
            if sheet not in names:
                raise ExtractReadError(
                    f"{name}: no sheet named {sheet!r}",
                    file=name,
                    hint="sheets in this workbook: " + ", ".join(repr(n) for n in names),
                )
        names = [n for n in names if n in sheets]
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
        tables.append(RawTable(name, sheet_name, frame, first_row=1))
    return tables


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
        raise ExtractReadError(f"{name}: {exc.message}", file=name) from None
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
    return series.cast(pl.String)


_NOT_BLANK = re.compile(rb"\S")


def _has_text(data: bytes) -> bool:
    """Anything but whitespace (stops at the first such byte: no copy of a big file)."""
    return _NOT_BLANK.search(data) is not None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _header_key(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).casefold()


def table_cells(
    table: RawTable,
    *,
    shape: str | None = None,
    month: date | None = None,
) -> TableCells:
    """The table's cells in long form: columns ``file, sheet, row, column, indicator_text,
    month_text, month_column, authority_text, cell``.

    ``month_text`` is the raw month label (a header in the wide shape); the validator parses
    it. Raises :class:`ExtractReadError` when the table has no data or no usable header.
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

    def problem(code: str, message: str, column: str | None = None, cell=None) -> None:
        problems.append(
            {"code": code, "message": message, "row": header_row, "column": column, "cell": cell}
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
    authority_col = find(AUTHORITY_HEADERS)

    month_columns: list[int] = []
    for index, text in enumerate(header):
        if index in (indicator_col, authority_col) or not text:
            continue
        try:
            parse_month(text)
            month_columns.append(index)
        except MonthError:
            pass

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
                    hint="add --month 2024-10",
                )
            month_text = pl.lit(month.isoformat()).alias("month_text")
            month_column = pl.lit(None, dtype=pl.String).alias("month_column")
        else:
            assert month_col is not None
            month_text = col(month_col).alias("month_text")
            month_column = pl.lit(header[month_col]).alias("month_column")
        used = {indicator_col, value_col, month_col, authority_col}
        ignored = [h for i, h in enumerate(header) if i not in used and h]
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
            if not text:
                has_data = body.select(
                    col(index).str.strip_chars().str.len_chars().fill_null(0).gt(0).any()
                ).item()
                if has_data:
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
                    f"column header {text!r} looks like a month but is not one "
                    "(use Oct-24 or 2024-10)",
                    text,
                    text,
                )
            else:
                ignored.append(text)
        # The same month under two labels (Oct-24 and 2024-10) is a duplicated header too.
        by_month: dict[date, int] = {}
        for index in month_columns:
            parsed = parse_month(header[index])
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
                pl.lit(header[index]).alias("month_text"),
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
    authority_header = header[authority_col] if authority_col is not None else None
    return TableCells(shape, cells, problems, ignored, authority_header)


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
