"""DfE open data: EES tidy CSVs (benchmarks, population) and statistical neighbour groupings.

EES files have one row per geography and year: ``time_period`` (2024 = the year ending
31 March 2024), ``geographic_level`` (National, Regional, Local authority), codes and names,
then measure columns. Values may be suppression or availability symbols: ``c`` (small
number suppressed), ``x`` (not available), ``z`` (not applicable), ``u`` (low
reliability), ``k``, ``low``, ``:``. None of them is ever a zero.
"""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

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
    return frame


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


def benchmarks_from_ees(frame: pl.DataFrame, definitions: Definitions) -> pl.DataFrame:
    """Long benchmark rows for every indicator whose ``benchmark`` column is in the file:
    ``authority, level, name, region_code, year, indicator, value, status``."""
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
            parts.append(
                rows.select(
                    pl.col("_authority").alias("authority"),
                    pl.col("_level").alias("level"),
                    pl.col("_name").alias("name"),
                    pl.col("_region_code").alias("region_code"),
                    pl.col("time_period")
                    .str.slice(0, 4)
                    .cast(pl.Int32, strict=False)
                    .alias("year"),
                    pl.lit(indicator.id).alias("indicator"),
                    value.alias("value"),
                    status.alias("status"),
                )
            )
    schema = {k: getattr(pl, v) for k, v in BENCHMARK_SCHEMA.items()}
    if not parts:
        return pl.DataFrame(schema=schema)
    out = pl.concat(parts).filter(pl.col("year").is_not_null())
    return out.unique(subset=["authority", "level", "year", "indicator"], keep="first")


def population_from_ees(frame: pl.DataFrame) -> pl.DataFrame:
    """``authority, year, population`` of children aged 0-17 from the ONS estimates file."""
    import polars as pl

    if "population_estimate" not in frame.columns:
        raise ExtractReadError("not the ONS population file: no population_estimate column")
    rows = _geography(frame)
    if "age_group" in frame.columns:
        rows = rows.filter(pl.col("age_group").str.contains("0 to 17"))
    value, _ = _parse_values("population_estimate")
    return (
        rows.select(
            pl.col("_authority").alias("authority"),
            pl.col("time_period").str.slice(0, 4).cast(pl.Int32, strict=False).alias("year"),
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
    body = body.with_row_index("row", offset=table.first_row + 1)
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
                    (pl.col("time_period").str.slice(0, 4) + "-03").alias("month_text"),
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
    return TableCells("ees", pl.concat(parts))
