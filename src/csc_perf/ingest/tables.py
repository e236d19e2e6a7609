"""Reading an extract file into grids of text cells: CSV (any delimiter Excel writes, UTF-8
or a given encoding), Parquet, and Excel workbooks (through :mod:`csc_perf.ingest.excel`).

Every cell comes back as text, with the row numbers a spreadsheet user sees; nothing is
parsed here (see :mod:`csc_perf.ingest.shapes` and :mod:`csc_perf.ingest.cells`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from csc_perf.errors import ExtractReadError
from csc_perf.ingest.excel import read_excel
from csc_perf.ingest.raw import RawTable, SourceFile, first_line
from csc_perf.model.progress import advance

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
SUPPORTED_HINT = (
    "extracts are CSV (.csv, .tsv, .txt), Excel workbooks (.xlsx, .xlsm) or Parquet "
    "(.parquet) files"
)


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
        source.tables, source.notes = read_excel(name, data, sheet)
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
        # ASCII is valid UTF-8 as it is: a plain file is not decoded (nor copied) to check it.
        text = "" if utf8 and data.isascii() else data.decode("utf-8-sig" if utf8 else codec)
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
    advance("rows read", frame.height, frame.height)
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


def _read_parquet(name: str, data: bytes) -> RawTable:
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:
        raise ExtractReadError(
            f"{name}: not a readable Parquet file ({first_line(exc)})", file=name
        ) from None
    header = pl.DataFrame([pl.Series(c, [c], dtype=pl.String) for c in frame.columns])
    try:
        body = frame.select(_as_text(frame[c]).alias(c) for c in frame.columns)
    except ExtractReadError as exc:
        raise ExtractReadError(f"{name}: {exc.message}", file=name, hint=exc.hint) from None
    # A Parquet file has a real header: row 1 is the header, data from row 2.
    return RawTable(name, None, pl.concat([header, body]), first_row=1)


def _as_text(series: pl.Series) -> pl.Series:
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


def _dtype_name(dtype) -> str:
    names = {pl.Duration: "duration", pl.Time: "time-of-day", pl.Binary: "binary"}
    for kind, label in names.items():
        if dtype == kind:
            return f"{label} ({dtype})"
    return str(dtype)


_NOT_BLANK = re.compile(rb"\S")


def _has_text(data: bytes) -> bool:
    """Anything but whitespace (stops at the first such byte: no copy of a big file)."""
    return _NOT_BLANK.search(data) is not None
