"""Reading a DfE explore-education-statistics (EES) tidy CSV, and its periods and figures.

EES files have one row per geography and year: ``time_period``, ``geographic_level``
(National, Regional, Local authority), codes and names, then measure columns. A
``time_period`` is read as the DfE defines it: four digits are the year a reporting year
ends (``2024`` = the year ending 31 March 2024, 2023/24), six digits are the two years it
spans (``202324`` = 2023/24, the same year ending March 2024). Anything else (``2023/24``,
``202325``, blank) is refused with its row, never guessed. Values may be suppression or
availability symbols: ``c`` (small number suppressed), ``x`` (not available), ``z`` (not
applicable), ``u`` (low reliability), ``k``, ``low``, ``:``. None of them is ever a zero;
any other cell that is not a figure (``25%``, ``(12)``) is refused with its row.

Geography is read by :mod:`csc_perf.ingest.ees_geography`; benchmarks and population by
:mod:`csc_perf.ingest.ees_reference`; a file imported as observations by
:mod:`csc_perf.ingest.ees_extract`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from pathlib import Path

import polars as pl

from csc_perf.definitions.model import BenchmarkSource, Definitions, Indicator
from csc_perf.errors import ExtractReadError
from csc_perf.ingest.cells import LARGEST_FIGURE

SYMBOLS = ("c", "x", "z", "u", "k", "low", ":", "..", "")
SUPPRESSED_SYMBOLS = ("c", "u", "k", "low")
LEVELS = {"National": "national", "Regional": "region", "Local authority": "la"}
IDENTIFIERS = ("time_period", "geographic_level")
EES_SUFFIXES = (".csv", ".txt")
EES_SUPPORTED = (
    "benchmarks and population are read from DfE explore-education-statistics tidy CSV "
    "files (.csv, UTF-8 or Windows-1252), as downloaded; save other formats as such a CSV"
)


def read_ees(path: str | Path) -> pl.DataFrame:
    """An EES CSV as text columns; raises :class:`ExtractReadError` when it is not one."""
    name = str(path)
    suffix = Path(path).suffix.lower()
    if suffix not in EES_SUFFIXES:
        kind = {
            ".parquet": "a Parquet file (LAIT's download, say)",
            ".xlsx": "an Excel workbook",
            ".xlsm": "an Excel workbook",
            ".xls": "an Excel workbook",
            ".ods": "an OpenDocument spreadsheet",
        }.get(suffix, f"a {suffix} file" if suffix else "a file without an extension")
        raise ExtractReadError(
            f"{name}: {kind} is not supported here",
            file=name,
            hint=EES_SUPPORTED,
        )
    text = read_ees_text(path)
    try:
        frame = pl.read_csv(text, infer_schema=False)
    except Exception as exc:
        raise ExtractReadError(f"{name}: not a readable CSV file ({exc})", file=name) from None
    missing = [c for c in IDENTIFIERS if c not in frame.columns]
    if missing:
        raise ExtractReadError(
            f"{name}: not a DfE EES file: no {', '.join(missing)} column",
            file=name,
            hint="download the tidy CSV ('explore data') from explore-education-statistics",
        )
    # Spreadsheet row numbers (the header is row 1), for messages about a row.
    frame = frame.with_row_index("_row", offset=2)
    bad = frame.filter(ees_year(pl.col("time_period")).is_null())
    if bad.height:
        row = bad.row(0, named=True)
        more = (
            f" (and {bad.height - 1} more row{'s' if bad.height > 2 else ''})"
            if bad.height > 1
            else ""
        )
        raise ExtractReadError(
            f"{name}, row {row['_row']}, column 'time_period': {row['time_period']!r} is not a "
            f"DfE period{more}",
            code="month-unparseable",
            file=name,
            row=row["_row"],
            hint=PERIOD_HINT,
        )
    return frame


def read_ees_text(path: str | Path) -> io.StringIO:
    """The text of a CSV file (UTF-8, with or without BOM, or Windows-1252); raises
    :class:`ExtractReadError` for a file that cannot be read, holds binary data or is in
    another encoding."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ExtractReadError(
            f"{name}: cannot read the file ({exc.strerror})", file=name
        ) from None
    if data.startswith((b"PAR1", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) or b"\x00" in data[:65536]:
        raise ExtractReadError(
            f"{name}: the file holds binary data (a Parquet file or a workbook?), not CSV text",
            file=name,
            hint=EES_SUPPORTED,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ExtractReadError(
                f"{name}: line {line}: byte "
                f"0x{data[exc.start]:02x} is neither UTF-8 nor Windows-1252 text",
                file=name,
                hint=EES_SUPPORTED,
            ) from None
    return io.StringIO(text)


PERIOD_HINT = (
    "a DfE time_period is 2024 (the year ending 31 March 2024) or 202324 (2023/24, the same "
    "year); correct the cell or download the file again"
)


def ees_year(period: pl.Expr) -> pl.Expr:
    """The year a DfE ``time_period`` ends in (Int32), null when it is not a DfE period.

    ``2024`` -> 2024 (the year ending 31 March 2024); ``202324`` -> 2024 (2023/24);
    ``202325``, ``2023/24``, ``24``, blank -> null.
    """
    text = period.str.strip_chars()
    four = text.str.extract(r"^(\d{4})$", 1).cast(pl.Int32)
    start = text.str.extract(r"^(\d{4})\d{2}$", 1).cast(pl.Int32)
    end = text.str.extract(r"^\d{4}(\d{2})$", 1).cast(pl.Int32)
    spanning = pl.when((start + 1) % 100 == end).then(start + 1)
    return pl.coalesce(four, spanning)


def check_figures(rows: pl.DataFrame, name: str, column: str) -> None:
    """Refuse a file whose ``column`` (parsed to ``value``) holds a figure that is not finite
    or is beyond :data:`~csc_perf.ingest.cells.LARGEST_FIGURE`: it would be stored as a
    benchmark."""
    bad = rows.filter(
        pl.col("value").is_not_null()
        & (pl.col("value").is_nan() | (pl.col("value").abs() > LARGEST_FIGURE))
    )
    if bad.height:
        row = bad.row(0, named=True)
        raise ExtractReadError(
            f"{name}, row {row['_row']}, column {column!r}: {row['_cell']!r} is not a figure "
            f"csc-perf stores (not finite, or beyond {LARGEST_FIGURE:,.0f})",
            code="value-too-large",
            file=name,
            row=row["_row"],
            hint="correct the cell, or use a DfE symbol such as x (not available)",
        )


#: A figure as DfE files write it: 1234, -1.5, 1,234 or 1 234 (thousands), 12.
_FIGURE = r"^-?(\d+|\d{1,3}([, ]\d{3})+)(\.\d+)?$|^-?\.\d+$"


def measure_values(column: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(value, status, unreadable) of an EES measure column: ``unreadable`` is true for a
    cell that is neither a figure nor a DfE symbol (``25%``, ``(12)``, ``n/a``)."""
    text = pl.col(column).fill_null("").str.strip_chars()
    figure = text.str.contains(_FIGURE)
    # inf, nan and 1e308 are read (and refused by check_figures as not a stored figure)
    number = pl.coalesce(
        pl.when(figure).then(text.str.replace_all(r"[, ]", "")).cast(pl.Float64, strict=False),
        text.cast(pl.Float64, strict=False),
    )
    symbol = text.str.to_lowercase().is_in(SYMBOLS)
    status = (
        pl.when(number.is_not_null())
        .then(pl.lit("present"))
        .when(text.str.to_lowercase().is_in(SUPPRESSED_SYMBOLS))
        .then(pl.lit("suppressed"))
        .otherwise(pl.lit("missing"))
    )
    return number, status, number.is_null() & ~symbol


def check_readable(rows: pl.DataFrame, name: str, column: str) -> None:
    """Refuse a file whose ``column`` holds a cell that is neither a figure nor a symbol."""
    bad = rows.filter(pl.col("_unreadable"))
    if bad.height:
        row = bad.row(0, named=True)
        more = bad.height - 1
        raise ExtractReadError(
            f"{name}, row {row['_row']}, column {column!r}: {row['_cell']!r} is not a number "
            "or a DfE symbol"
            + (f" (and {more} more cell{'s' if more > 1 else ''})" if more else ""),
            code="value-unparseable",
            file=name,
            row=row["_row"],
            hint="write the figure as the DfE does (21.5, 1,234), or a symbol: c (suppressed), "
            "x (not available), z (not applicable)",
        )


def check_conflicts(rows: pl.DataFrame, key: list[str], values: list[str], name: str) -> None:
    """Refuse two rows with the same ``key`` and different ``values`` (naming both rows);
    identical repeats are one figure."""
    distinct = rows.unique(subset=[*key, *values], keep="first", maintain_order=True)
    clash = distinct.filter(pl.len().over(key) > 1)
    if not clash.height:
        return
    first = clash.row(0, named=True)
    same = clash.filter(pl.all_horizontal([pl.col(k).eq_missing(first[k]) for k in key]))
    other = same.row(1, named=True)
    label = ", ".join(f"{k} {first[k]}" for k in key if k != "level")
    column = other.get("_column") or values[0]
    raise ExtractReadError(
        f"{name}, row {other['_row']}, column {column!r}: {other['_cell']!r} for {label}, "
        f"but row {first['_row']} gives {first['_cell']!r}",
        code="duplicate-conflict",
        file=name,
        row=other["_row"],
        hint="keep one of the two rows (does the file mix two downloads?)",
    )


def area_columns() -> list[pl.Expr]:
    """A benchmark row's ``authority, level, name, region_code, year`` from the columns
    :func:`~csc_perf.ingest.ees_geography.resolve_geography` adds."""
    return [
        pl.col("_authority").alias("authority"),
        pl.col("_level").alias("level"),
        pl.col("_name").alias("name"),
        pl.col("_region_code").alias("region_code"),
        ees_year(pl.col("time_period")).alias("year"),
    ]


def cell_position(rows: pl.DataFrame, column: str) -> list[pl.Expr]:
    """The spreadsheet row (when :func:`read_ees` numbered them) and the cell's text."""
    row = pl.col("_row") if "_row" in rows.columns else pl.lit(None, dtype=pl.UInt32)
    return [row.alias("_row"), pl.col(column).alias("_cell")]


def benchmark_rows(
    columns: Sequence[str], rows: pl.DataFrame, definitions: Definitions
) -> Iterator[tuple[Indicator, str, pl.DataFrame]]:
    """Each indicator whose ``benchmark`` column is among ``columns`` (with every column its
    ``where`` names), with that column and the ``rows`` its ``where`` selects."""
    for indicator, source, selected in benchmark_sources(columns, rows, definitions, "column"):
        yield indicator, source.column, selected


def benchmark_sources(
    columns: Sequence[str], rows: pl.DataFrame, definitions: Definitions, kind: str
) -> Iterator[tuple[Indicator, BenchmarkSource, pl.DataFrame]]:
    """Each indicator's ``benchmark`` source of ``kind`` (``column`` or ``formula``) whose
    columns, and the columns its ``where`` names, are all among ``columns``; with the
    ``rows`` its ``where`` selects."""
    for indicator in definitions.indicators:
        for source in indicator.benchmark:
            if source.kind != kind:
                continue
            if any(col not in columns for col in (*source.columns, *dict(source.where))):
                continue
            selected = rows
            for col, wanted in source.where:
                selected = selected.filter(pl.col(col).str.strip_chars() == wanted)
            yield indicator, source, selected
