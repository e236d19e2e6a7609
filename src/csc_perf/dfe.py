"""DfE open data: EES tidy CSVs (benchmarks, population) and statistical neighbour groupings.

EES files have one row per geography and year: ``time_period``, ``geographic_level``
(National, Regional, Local authority), codes and names, then measure columns. A
``time_period`` is read as the DfE defines it: four digits are the year a reporting year
ends (``2024`` = the year ending 31 March 2024, 2023/24), six digits are the two years it
spans (``202324`` = 2023/24, the same year ending March 2024). Anything else (``2023/24``,
``202325``, blank) is refused with its row, never guessed. Values may be suppression or
availability symbols: ``c`` (small number suppressed), ``x`` (not available), ``z`` (not
applicable), ``u`` (low reliability), ``k``, ``low``, ``:``. None of them is ever a zero.
"""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from .cells import LARGEST_FIGURE
from .definitions import Definitions
from .errors import ExtractReadError

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

SYMBOLS = ("c", "x", "z", "u", "k", "low", ":", "..", "")
SUPPRESSED_SYMBOLS = ("c", "u", "k", "low")
NATIONAL = "E92000001"
LEVELS = {"National": "national", "Regional": "region", "Local authority": "la"}
IDENTIFIERS = ("time_period", "geographic_level")
EES_SUFFIXES = (".csv", ".txt")
EES_SUPPORTED = (
    "benchmarks and population are read from DfE explore-education-statistics tidy CSV "
    "files (.csv, UTF-8 or Windows-1252), as downloaded; save other formats as such a CSV"
)
BENCHMARK_SCHEMA = {
    "authority": "String",
    "level": "String",
    "name": "String",
    "region_code": "String",
    "year": "Int32",
    "indicator": "String",
    "value": "Float64",
    "status": "String",
}


def read_ees(path: str | Path) -> pl.DataFrame:
    """An EES CSV as text columns; raises :class:`ExtractReadError` when it is not one."""
    import polars as pl

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
    try:
        frame = pl.read_csv(io.StringIO(text), infer_schema=False)
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


PERIOD_HINT = (
    "a DfE time_period is 2024 (the year ending 31 March 2024) or 202324 (2023/24, the same "
    "year); correct the cell or download the file again"
)


def ees_year(period: pl.Expr) -> pl.Expr:
    """The year a DfE ``time_period`` ends in (Int32), null when it is not a DfE period.

    ``2024`` -> 2024 (the year ending 31 March 2024); ``202324`` -> 2024 (2023/24);
    ``202325``, ``2023/24``, ``24``, blank -> null.
    """
    import polars as pl

    text = period.str.strip_chars()
    four = text.str.extract(r"^(\d{4})$", 1).cast(pl.Int32)
    start = text.str.extract(r"^(\d{4})\d{2}$", 1).cast(pl.Int32)
    end = text.str.extract(r"^\d{4}(\d{2})$", 1).cast(pl.Int32)
    spanning = pl.when((start + 1) % 100 == end).then(start + 1)
    return pl.coalesce(four, spanning)


def check_figures(rows: pl.DataFrame, name: str, column: str) -> None:
    """Refuse a file whose ``column`` (parsed to ``value``) holds a figure that is not finite
    or is beyond :data:`~csc_perf.cells.LARGEST_FIGURE`: it would be stored as a benchmark."""
    import polars as pl

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


def _geography(frame: pl.DataFrame) -> pl.DataFrame:
    """authority code, level, name and region code for each row."""
    import polars as pl

    def col(name: str) -> pl.Expr:
        return pl.col(name) if name in frame.columns else pl.lit(None, dtype=pl.String)

    level = pl.col("geographic_level").replace_strict(LEVELS, default=None)
    return frame.with_columns(
        level.alias("_level"),
        pl.when(level == "la")
        .then(col("old_la_code"))
        .when(level == "region")
        .then(col("region_code"))
        .when(level == "national")
        .then(pl.coalesce(col("country_code"), pl.lit(NATIONAL)))
        .alias("_authority"),
        pl.when(level == "la")
        .then(col("la_name"))
        .when(level == "region")
        .then(col("region_name"))
        .otherwise(pl.coalesce(col("country_name"), pl.lit("England")))
        .alias("_name"),
        col("region_code").alias("_region_code"),
    ).filter(pl.col("_level").is_not_null() & pl.col("_authority").is_not_null())


def _parse_values(column: str) -> tuple[pl.Expr, pl.Expr]:
    import polars as pl

    text = pl.col(column).str.strip_chars()
    number = text.str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)
    status = (
        pl.when(number.is_not_null())
        .then(pl.lit("present"))
        .when(text.str.to_lowercase().is_in(SUPPRESSED_SYMBOLS))
        .then(pl.lit("suppressed"))
        .otherwise(pl.lit("missing"))
    )
    return number, status


def benchmarks_from_ees(
    frame: pl.DataFrame, definitions: Definitions, name: str = "the EES file"
) -> pl.DataFrame:
    """Long benchmark rows for every indicator whose ``benchmark`` column is in the file:
    ``authority, level, name, region_code, year, indicator, value, status`` (``year``: the
    year ending 31 March). Raises :class:`ExtractReadError` for a figure that is not finite
    or beyond :data:`~csc_perf.cells.LARGEST_FIGURE`."""
    import polars as pl

    geo = _geography(frame)
    parts = []
    for indicator in definitions.indicators:
        for source in indicator.benchmark:
            if source.column not in frame.columns:
                continue
            if any(col not in frame.columns for col, _ in source.where):
                continue
            rows = geo
            for col, wanted in source.where:
                rows = rows.filter(pl.col(col).str.strip_chars() == wanted)
            value, status = _parse_values(source.column)
            part = rows.select(
                pl.col("_authority").alias("authority"),
                pl.col("_level").alias("level"),
                pl.col("_name").alias("name"),
                pl.col("_region_code").alias("region_code"),
                ees_year(pl.col("time_period")).alias("year"),
                pl.lit(indicator.id).alias("indicator"),
                value.alias("value"),
                status.alias("status"),
                *_position(rows, source.column),
            )
            check_figures(part, name, source.column)
            parts.append(part.drop("_row", "_cell"))
    schema = {k: getattr(pl, v) for k, v in BENCHMARK_SCHEMA.items()}
    if not parts:
        return pl.DataFrame(schema=schema)
    out = pl.concat(parts).filter(pl.col("year").is_not_null())
    return out.unique(subset=["authority", "level", "year", "indicator"], keep="first")


def _position(rows: pl.DataFrame, column: str) -> list[pl.Expr]:
    """The spreadsheet row (when :func:`read_ees` numbered them) and the cell's text."""
    import polars as pl

    row = pl.col("_row") if "_row" in rows.columns else pl.lit(None, dtype=pl.UInt32)
    return [row.alias("_row"), pl.col(column).alias("_cell")]


def population_from_ees(frame: pl.DataFrame, name: str = "the EES file") -> pl.DataFrame:
    """``authority, year, population`` of children aged 0-17 from the ONS estimates file."""
    import polars as pl

    if "population_estimate" not in frame.columns:
        raise ExtractReadError(
            f"{name}: not the ONS population file: no population_estimate column", file=name
        )
    rows = _geography(frame)
    if "age_group" in frame.columns:
        rows = rows.filter(pl.col("age_group").str.contains("0 to 17"))
    value, _ = _parse_values("population_estimate")
    check_figures(
        rows.select(value.alias("value"), *_position(rows, "population_estimate")),
        name,
        "population_estimate",
    )
    return (
        rows.select(
            pl.col("_authority").alias("authority"),
            ees_year(pl.col("time_period")).alias("year"),
            value.alias("population"),
        )
        .filter(pl.col("year").is_not_null() & pl.col("population").is_not_null())
        .unique(subset=["authority", "year"], keep="first")
    )


def statistical_neighbours(model: str = "2021") -> dict[str, list[str]]:
    """LA number -> its 10 statistical neighbours in the DfE model (``2021`` or ``2025``)."""
    import csv

    name = f"statistical_neighbours_{model}.csv"
    text = (resources.files("csc_perf") / "data" / name).read_text(encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    key = 0
    columns = [
        i
        for i, h in enumerate(header)
        if h.strip().upper().replace("_", "") in {f"SN{n}" for n in range(1, 11)}
    ]
    out: dict[str, list[str]] = {}
    for record in reader:
        if not record or not record[key].strip():
            continue
        out[record[key].strip()] = [record[i].strip() for i in columns if record[i].strip()]
    return out


def financial_year_label(year_ending: int) -> str:
    """2024 (the year ending 31 March 2024) -> ``2023/24``."""
    return f"{year_ending - 1}/{year_ending % 100:02d}"


def ees_cells(table, definitions: Definitions):
    """A DfE EES table as extract cells (``TableCells``), or None if it is not one.

    Every local-authority row becomes observations of the indicators whose ``benchmark``
    column the file has, for March of ``time_period`` (the year ending 31 March): a
    national or regional team can import every council's published figures as they are.
    """
    import polars as pl

    from .extracts import TableCells

    frame = table.frame
    header = [(v or "").strip() for v in frame.row(0)] if frame.height else []
    if not {"time_period", "geographic_level"} <= set(header):
        return None
    body = frame.slice(1)
    body.columns = [h or f"_blank_{i}" for i, h in enumerate(header)]
    body = body.with_row_index("row", offset=table.first_row + 1).with_columns(
        ees_year(pl.col("time_period")).alias("_year")
    )
    # A period that is not a DfE one is refused with its row (never read as another year).
    problems = []
    unreadable = body.filter(
        (pl.col("geographic_level") == "Local authority") & pl.col("_year").is_null()
    )
    for group in (
        unreadable.group_by("time_period", maintain_order=True)
        .agg(pl.col("row").first(), pl.len().alias("_count"))
        .iter_rows(named=True)
    ):
        more = group["_count"] - 1
        problems.append(
            {
                "code": "month-unparseable",
                "message": f"time_period {group['time_period']!r} is not a DfE period"
                f"{f' (and {more} more rows)' if more else ''}; {PERIOD_HINT}",
                "row": group["row"],
                "column": "time_period",
                "cell": group["time_period"],
            }
        )
    body = body.filter(pl.col("_year").is_not_null())
    parts = []
    for indicator in definitions.indicators:
        for source in indicator.benchmark:
            if source.column not in body.columns or any(
                c not in body.columns for c, _ in source.where
            ):
                continue
            rows = body.filter(pl.col("geographic_level") == "Local authority")
            for col, wanted in source.where:
                rows = rows.filter(pl.col(col).str.strip_chars() == wanted)
            parts.append(
                rows.select(
                    pl.lit(table.file).alias("file"),
                    pl.lit(table.sheet, dtype=pl.String).alias("sheet"),
                    pl.col("row").cast(pl.Int64),
                    pl.lit(source.column).alias("column"),
                    pl.lit(indicator.id).alias("indicator_text"),
                    # the year ending 31 March: its figures are stored at March
                    (pl.col("_year").cast(pl.String) + "-03").alias("month_text"),
                    pl.lit("time_period").alias("month_column"),
                    pl.col("old_la_code").alias("authority_text"),
                    # EES symbols: c, u, k, low are suppressed; x, z, : not available
                    pl.col(source.column)
                    .str.strip_chars()
                    .replace({"u": "c", "k": "c", "low": "c", "z": "", ":": "", "x": ""})
                    .alias("cell"),
                )
            )
    if not parts:
        raise ExtractReadError(
            f"{table.file}: a DfE EES file, but none of its columns is the `benchmark` of an "
            "indicator in indicators.toml",
            code="header-missing",
            file=table.file,
            row=table.first_row,
        )
    return TableCells("ees", pl.concat(parts), problems, authority_column="old_la_code")
