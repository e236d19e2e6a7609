"""DfE open data: EES tidy CSVs (benchmarks, population) and statistical neighbour groupings.

EES files have one row per geography and year: ``time_period``, ``geographic_level``
(National, Regional, Local authority), codes and names, then measure columns. A
``time_period`` is read as the DfE defines it: four digits are the year a reporting year
ends (``2024`` = the year ending 31 March 2024, 2023/24), six digits are the two years it
spans (``202324`` = 2023/24, the same year ending March 2024). Anything else (``2023/24``,
``202325``, blank) is refused with its row, never guessed. Values may be suppression or
availability symbols: ``c`` (small number suppressed), ``x`` (not available), ``z`` (not
applicable), ``u`` (low reliability), ``k``, ``low``, ``:``. None of them is ever a zero;
any other cell that is not a figure (``25%``, ``(12)``) is refused with its row.

``geographic_level`` is compared without case or spaces; a level not known is refused, and
finer levels (:data:`NOT_STORED_LEVELS`) are skipped with a count. A local authority is its
``old_la_code`` or else its ``new_la_code``; ``time_identifier``, where present, must mean
the year ending 31 March (:data:`MARCH_YEARS`). See :func:`resolve_geography`.
"""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from csc_perf.definitions.loading import Definitions
from csc_perf.errors import ExtractReadError
from csc_perf.ingest.cells import LARGEST_FIGURE

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
    or is beyond :data:`~csc_perf.ingest.cells.LARGEST_FIGURE`: it would be stored as a
    benchmark."""
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


#: ``geographic_level`` (compared without case or extra spaces) -> the level stored.
LEVEL_KEYS = {"national": "national", "regional": "region", "local authority": "la"}
#: Levels DfE files may hold that csc-perf deliberately does not store (they are finer or
#: other than an authority): their rows are skipped with a warning giving the count.
NOT_STORED_LEVELS = (
    "local authority district",
    "parliamentary constituency",
    "ward",
    "local enterprise partnership",
    "mayoral combined authority",
    "english devolved area",
    "local skills improvement plan area",
    "opportunity area",
    "rsc region",
    "planning area",
    "police force area",
    "school",
    "provider",
    "institution",
    "mat",
    "sponsor",
)
#: ``time_identifier`` values (without case) that mean the year ending 31 March.
MARCH_YEARS = ("reporting year", "financial year")
LEVEL_HINT = (
    "geographic_level must be National, Regional or Local authority; correct the cell or "
    "remove the row"
)
LA_CODE_HINT = (
    "give the row its LA number in old_la_code (e.g. 852) or its ONS code in new_la_code "
    "(e.g. E06000045), or remove the row"
)


def _key(expr: pl.Expr) -> pl.Expr:
    """Text compared without case or extra spaces."""
    return expr.str.strip_chars().str.to_lowercase().str.replace_all(r"\s+", " ")


def resolve_geography(
    frame: pl.DataFrame,
    name: str,
    *,
    row: str = "_row",
    annual: tuple[str, ...] = MARCH_YEARS,
    joint: bool = True,
) -> tuple[pl.DataFrame, list[dict], dict[str, int]]:
    """Each row's stored level (``_level``) and authority (``_authority``).

    Returns the rows that are stored, the problems (``{"code", "message", "row", "column",
    "cell", "hint"}``: a level csc-perf does not know, a local-authority row without a
    readable code, a ``time_identifier`` that is not ``annual``) and the count of rows
    skipped (``{"geographic_level 'Ward'": 3}``). A local authority is its ``old_la_code``
    or, when that is blank or absent, its ``new_la_code`` (an ONS code, stored as the LA
    number); never the workspace's authority. A joint return of two authorities (DfE's
    ``940 / 941``, North and West Northamptonshire) is kept as ``940 / 941`` when ``joint``
    (a benchmark) and otherwise skipped and counted (it is not one authority's figure).
    """
    import polars as pl

    from csc_perf.model.authorities import normalise_authority

    def col(name: str) -> pl.Expr:
        return pl.col(name) if name in frame.columns else pl.lit(None, dtype=pl.String)

    problems: list[dict] = []
    key = _key(pl.col("geographic_level").fill_null(""))
    frame = frame.with_columns(
        key.replace_strict(LEVEL_KEYS, default=None).alias("_level"), key.alias("_level_key")
    )

    def refuse(rows: pl.DataFrame, column: str, code: str, what, hint: str) -> None:
        for group in (
            rows.group_by(column, maintain_order=True)
            .agg(pl.col(row).first(), pl.len().alias("_count"))
            .iter_rows(named=True)
        ):
            more = group["_count"] - 1
            problems.append(
                {
                    "code": code,
                    "message": what(group[column])
                    + (f" (and {more} more row{'s' if more > 1 else ''})" if more else ""),
                    "row": group[row],
                    "column": column,
                    "cell": group[column],
                    "hint": hint,
                }
            )

    unknown = frame.filter(
        pl.col("_level").is_null() & ~pl.col("_level_key").is_in(NOT_STORED_LEVELS)
    )
    refuse(
        unknown,
        "geographic_level",
        "authority-invalid",
        lambda v: f"geographic_level {v!r} is not a level csc-perf reads",
        LEVEL_HINT,
    )
    skipped = {
        f"geographic_level {level!r}": count
        for level, count in frame.filter(pl.col("_level_key").is_in(NOT_STORED_LEVELS))
        .group_by("geographic_level", maintain_order=True)
        .len()
        .iter_rows()
    }
    frame = frame.filter(pl.col("_level").is_not_null())
    if "time_identifier" in frame.columns:
        other = frame.filter(~_key(pl.col("time_identifier").fill_null("")).is_in(annual))
        refuse(
            other,
            "time_identifier",
            "month-unparseable",
            lambda v: f"time_identifier {v!r} is not a year ending 31 March",
            "csc-perf stores annual DfE figures for the year ending 31 March (time_identifier "
            + " or ".join(repr(a.capitalize()) for a in annual)
            + "); download the annual file",
        )
        frame = frame.join(other.select(row), on=row, how="anti")
    la = frame.filter(pl.col("_level") == "la")
    if la.height and "old_la_code" not in frame.columns and "new_la_code" not in frame.columns:
        raise ExtractReadError(
            f"{name}: local-authority rows but no old_la_code or new_la_code column",
            code="header-missing",
            file=name,
            hint="download the tidy CSV again: it names each authority in old_la_code",
        )

    def codes(column: str) -> pl.Series:
        if column not in frame.columns:
            return pl.Series([None] * frame.height, dtype=pl.String)
        texts = frame.get_column(column).str.strip_chars()
        mapping = {}
        for text in texts.unique().drop_nulls().to_list():
            parts = [normalise_authority(p) for p in text.split("/")]
            mapping[text] = (
                normalise_authority(text)
                if len(parts) < 2
                else " / ".join(parts)
                if all(parts)
                else None
            )
        return texts.replace_strict(mapping, default=None, return_dtype=pl.String)

    old, new = codes("old_la_code"), codes("new_la_code")
    frame = frame.with_columns(
        old.alias("_old"),
        new.alias("_new"),
        col("old_la_code").alias("_old_text"),
        col("new_la_code").alias("_new_text"),
    )
    given = pl.col("_old_text").fill_null("").str.strip_chars().str.len_chars() > 0
    bad = frame.filter(
        (pl.col("_level") == "la")
        & ((given & pl.col("_old").is_null()) | (~given & pl.col("_new").is_null()))
    )
    if bad.height:
        bad = bad.with_columns(
            pl.when(given).then(pl.col("_old_text")).otherwise(pl.col("_new_text")).alias("_code")
        )
        column = "old_la_code" if "old_la_code" in frame.columns else "new_la_code"
        refuse(
            bad.with_columns(pl.col("_code").fill_null("").alias(column)),
            column,
            "authority-invalid",
            lambda v: (
                f"{v!r} is not an authority code"
                if v
                else "a Local authority row without an authority code (old_la_code and "
                "new_la_code are blank)"
            ),
            LA_CODE_HINT,
        )
        frame = frame.join(bad.select(row), on=row, how="anti")
    if not joint:
        pair = frame.filter(
            (pl.col("_level") == "la") & pl.coalesce("_old", "_new").str.contains("/")
        )
        for code, count in pair.group_by("_old_text", maintain_order=True).len().iter_rows():
            skipped[f"joint return {code!r} (not one authority's figure)"] = count
        frame = frame.join(pair.select(row), on=row, how="anti")
    frame = frame.with_columns(
        pl.when(pl.col("_level") == "la")
        .then(pl.coalesce("_old", "_new"))
        .when(pl.col("_level") == "region")
        .then(col("region_code"))
        .when(pl.col("_level") == "national")
        .then(pl.coalesce(col("country_code"), pl.lit(NATIONAL)))
        .alias("_authority"),
        pl.when(pl.col("_level") == "la")
        .then(col("la_name"))
        .when(pl.col("_level") == "region")
        .then(col("region_name"))
        .otherwise(pl.coalesce(col("country_name"), pl.lit("England")))
        .alias("_name"),
        col("region_code").alias("_region_code"),
    )
    problems.sort(key=lambda p: p["row"])
    return frame, problems, skipped


def _raise_first(problems: list[dict], name: str) -> None:
    """Refuse a file with the first of its ``problems`` (the others are counted)."""
    if not problems:
        return
    first = problems[0]
    more = len(problems) - 1
    raise ExtractReadError(
        f"{name}, row {first['row']}, column {first['column']!r}: {first['message']}"
        + (f"; and {more} more problem{'s' if more > 1 else ''}" if more else ""),
        code=first["code"],
        file=name,
        row=first["row"],
        hint=first.get("hint"),
    )


def skipped_warning(name: str, skipped: dict[str, int]) -> str | None:
    """A warning naming the levels whose rows were skipped, with counts, or None."""
    if not skipped:
        return None
    parts = ", ".join(f"{n} row{'s' if n > 1 else ''} at {level}" for level, n in skipped.items())
    return (
        f"{name}: {parts} not stored (csc-perf stores National, Regional and Local authority "
        "rows only)"
    )


def _geography(frame: pl.DataFrame, name: str) -> tuple[pl.DataFrame, dict[str, int]]:
    rows, problems, skipped = resolve_geography(frame, name)
    _raise_first(problems, name)
    return rows, skipped


#: A figure as DfE files write it: 1234, -1.5, 1,234 or 1 234 (thousands), 12.
_FIGURE = r"^-?(\d+|\d{1,3}([, ]\d{3})+)(\.\d+)?$|^-?\.\d+$"


def _parse_values(column: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(value, status, unreadable) of an EES measure column: ``unreadable`` is true for a
    cell that is neither a figure nor a DfE symbol (``25%``, ``(12)``, ``n/a``)."""
    import polars as pl

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
    import polars as pl

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


def benchmarks_from_ees(
    frame: pl.DataFrame,
    definitions: Definitions,
    name: str = "the EES file",
    warnings: list[str] | None = None,
) -> pl.DataFrame:
    """Long benchmark rows for every indicator whose ``benchmark`` column is in the file:
    ``authority, level, name, region_code, year, indicator, value, status`` (``year``: the
    year ending 31 March). Raises :class:`ExtractReadError` for a row whose level, authority
    or ``time_identifier`` cannot be read, a cell that is neither a figure nor a DfE symbol,
    a figure that is not finite or beyond :data:`~csc_perf.ingest.cells.LARGEST_FIGURE`, and the
    same authority, year and indicator twice with different figures. Rows at a level not
    stored are counted in ``warnings``."""
    import polars as pl

    geo, skipped = _geography(frame, name)
    if warnings is not None and (warning := skipped_warning(name, skipped)):
        warnings.append(warning)
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
            value, status, unreadable = _parse_values(source.column)
            part = rows.select(
                pl.col("_authority").alias("authority"),
                pl.col("_level").alias("level"),
                pl.col("_name").alias("name"),
                pl.col("_region_code").alias("region_code"),
                ees_year(pl.col("time_period")).alias("year"),
                pl.lit(indicator.id).alias("indicator"),
                value.alias("value"),
                status.alias("status"),
                unreadable.alias("_unreadable"),
                *_position(rows, source.column),
            )
            check_readable(part, name, source.column)
            check_figures(part, name, source.column)
            parts.append(part.with_columns(pl.lit(source.column).alias("_column")))
    schema = {k: getattr(pl, v) for k, v in BENCHMARK_SCHEMA.items()}
    if not parts:
        return pl.DataFrame(schema=schema)
    out = pl.concat(parts).filter(pl.col("year").is_not_null())
    key = ["authority", "level", "year", "indicator"]
    _check_conflicts(out, key, ["value", "status"], name)
    return out.unique(subset=key, keep="first", maintain_order=True).drop(
        "_row", "_cell", "_unreadable", "_column"
    )


def _check_conflicts(rows: pl.DataFrame, key: list[str], values: list[str], name: str) -> None:
    """Refuse two rows with the same ``key`` and different ``values`` (naming both rows);
    identical repeats are one figure."""
    import polars as pl

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


def _position(rows: pl.DataFrame, column: str) -> list[pl.Expr]:
    """The spreadsheet row (when :func:`read_ees` numbered them) and the cell's text."""
    import polars as pl

    row = pl.col("_row") if "_row" in rows.columns else pl.lit(None, dtype=pl.UInt32)
    return [row.alias("_row"), pl.col(column).alias("_cell")]


#: ``age_group`` of children aged 0-17, as the DfE and ONS write it (without case).
_AGE_0_17 = r"^(children )?(aged )?0 ?(to|-|–) ?17( years)?$"
#: A breakdown's total, in a column such as ``sex`` (without case).
TOTALS = ("total", "all", "persons", "all persons")
BREAKDOWNS = ("sex", "gender")


def population_from_ees(
    frame: pl.DataFrame, name: str = "the EES file", warnings: list[str] | None = None
) -> pl.DataFrame:
    """``authority, year, population`` of children aged 0-17 from the ONS estimates file.

    Only rows whose ``age_group`` is exactly 0 to 17 (``Children aged 0 to 17 years``,
    ``0 to 17``, ``0-17``; never ``10 to 17``) and, where the file breaks the estimate down
    by ``sex``, only its total (``Total``, ``All``, ``Persons``). A cell that is not a
    figure is refused with its row; so are two different estimates for one area and year."""
    import polars as pl

    if "population_estimate" not in frame.columns:
        raise ExtractReadError(
            f"{name}: not the ONS population file: no population_estimate column", file=name
        )
    rows, problems, skipped = resolve_geography(frame, name, annual=(*MARCH_YEARS, "calendar year"))
    _raise_first(problems, name)
    if warnings is not None and (warning := skipped_warning(name, skipped)):
        warnings.append(warning)
    if "age_group" in frame.columns:
        rows = rows.filter(_key(pl.col("age_group").fill_null("")).str.contains(_AGE_0_17))
        if rows.height == 0 and frame.height:
            raise ExtractReadError(
                f"{name}: no row of column 'age_group' is children aged 0 to 17",
                code="header-missing",
                file=name,
                hint="download the ONS mid-year estimates of children aged 0 to 17 from EES",
            )
    for column in BREAKDOWNS:
        if column in frame.columns:
            totals = rows.filter(_key(pl.col(column).fill_null("")).is_in(TOTALS))
            lost = rows.join(totals, on=["_authority", "time_period"], how="anti")
            if lost.height:
                first = lost.row(0, named=True)
                raise ExtractReadError(
                    f"{name}, row {first['_row']}, column {column!r}: {first[column]!r} for "
                    f"{first['_name']} ({first['_authority']}), {first['time_period']}, but no "
                    f"total row ({column} Total, All or Persons): only a breakdown",
                    code="value-unparseable",
                    file=name,
                    row=first["_row"],
                    hint=f"download the file with the {column} total, or add its Total row",
                )
            rows = totals
    value, _, unreadable = _parse_values("population_estimate")
    part = rows.select(
        pl.col("_authority").alias("authority"),
        ees_year(pl.col("time_period")).alias("year"),
        value.alias("value"),
        unreadable.alias("_unreadable"),
        *_position(rows, "population_estimate"),
    )
    check_readable(part, name, "population_estimate")
    check_figures(part, name, "population_estimate")
    part = part.filter(pl.col("year").is_not_null() & pl.col("value").is_not_null())
    _check_conflicts(part, ["authority", "year"], ["value"], name)
    return part.unique(subset=["authority", "year"], keep="first", maintain_order=True).select(
        "authority", "year", pl.col("value").alias("population")
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


def ees_cells(table, definitions: Definitions):
    """A DfE EES table as extract cells (``TableCells``), or None if it is not one.

    Every local-authority row becomes observations of the indicators whose ``benchmark``
    column the file has, for March of ``time_period`` (the year ending 31 March): a
    national or regional team can import every council's published figures as they are.
    """
    import polars as pl

    from csc_perf.ingest.extracts import TableCells

    frame = table.frame
    header = [(v or "").strip() for v in frame.row(0)] if frame.height else []
    if not {"time_period", "geographic_level"} <= set(header):
        return None
    body = frame.slice(1)
    body.columns = [h or f"_blank_{i}" for i, h in enumerate(header)]
    body = body.with_row_index("row", offset=table.first_row + 1).with_columns(
        ees_year(pl.col("time_period")).alias("_year")
    )
    # Only local-authority rows are observations; a level csc-perf does not know, a row
    # without an authority code and a time_identifier that is not a year ending March are
    # refused with their row; rows at a level deliberately not stored are counted.
    body, found, skipped = resolve_geography(body, table.file, row="row", joint=False)
    body = body.filter(pl.col("_level") == "la")
    problems = [
        {k: p[k] for k in ("code", "row", "column", "cell")}
        | {"message": f"{p['message']}; {p['hint']}", "in_column": True}
        for p in found
    ]
    for level, count in skipped.items():
        problems.append(
            {
                "code": "level-not-stored",
                "message": f"{count} row{'s' if count > 1 else ''} at {level} not stored "
                "(csc-perf import stores each Local authority's rows)",
                "row": None,
                "column": None,
                "cell": None,
            }
        )
    # A period that is not a DfE one is refused with its row (never read as another year).
    unreadable = body.filter(pl.col("_year").is_null())
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
            rows = body
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
                    pl.col("_authority").alias("authority_text"),
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
