"""A DfE EES file imported as extract cells: every local authority's published figures,
as a national or regional team imports them."""

from __future__ import annotations

import polars as pl

from csc_perf.definitions.model import Definitions
from csc_perf.errors import ExtractReadError
from csc_perf.ingest.ees import PERIOD_HINT, benchmark_rows, ees_year
from csc_perf.ingest.ees_geography import resolve_geography
from csc_perf.ingest.raw import RawTable
from csc_perf.ingest.shapes import TableCells


def ees_cells(table: RawTable, definitions: Definitions) -> TableCells | None:
    """A DfE EES table as extract cells (``TableCells``), or None if it is not one.

    Every local-authority row becomes observations of the indicators whose ``benchmark``
    column the file has, for March of ``time_period`` (the year ending 31 March): a
    national or regional team can import every council's published figures as they are.
    """
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
    parts = [
        rows.select(
            pl.lit(table.file).alias("file"),
            pl.lit(table.sheet, dtype=pl.String).alias("sheet"),
            pl.col("row").cast(pl.Int64),
            pl.lit(column).alias("column"),
            pl.lit(indicator.id).alias("indicator_text"),
            # the year ending 31 March: its figures are stored at March
            (pl.col("_year").cast(pl.String) + "-03").alias("month_text"),
            pl.lit("time_period").alias("month_column"),
            pl.col("_authority").alias("authority_text"),
            # EES symbols: c, u, k, low are suppressed; x, z, : not available
            pl.col(column)
            .str.strip_chars()
            .replace({"u": "c", "k": "c", "low": "c", "z": "", ":": "", "x": ""})
            .alias("cell"),
        )
        for indicator, column, rows in benchmark_rows(body.columns, body, definitions)
    ]
    if not parts:
        raise ExtractReadError(
            f"{table.file}: a DfE EES file, but none of its columns is the `benchmark` of an "
            "indicator in indicators.toml",
            code="header-missing",
            file=table.file,
            row=table.first_row,
        )
    return TableCells("ees", pl.concat(parts), problems, authority_column="old_la_code")
