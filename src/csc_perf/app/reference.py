"""The reference tables beside the observations: DfE benchmarks and ONS population estimates,
read from DfE EES files, and an indicator's benchmarks by year."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from csc_perf.definitions.model import Definitions
from csc_perf.errors import CscPerfError, ExtractReadError, InvalidDataError, UsageError
from csc_perf.ingest.neighbours import statistical_neighbours
from csc_perf.model.calendar import financial_year_label

if TYPE_CHECKING:
    from csc_perf.ingest.lait import Progress

#: One row per key in each reference table (an import replaces the rows with its keys).
BENCHMARK_KEY = ("authority", "level", "year", "indicator")
POPULATION_KEY = ("authority", "year")

#: Read failures: the file is not an EES file at all (exit 2, not a data error).
UNREADABLE = ("file-unreadable", "encoding-error", "header-missing")


def read_ees_files(
    table: str,
    files: Sequence[str | Path],
    definitions: Definitions,
    note: Callable[[str], None],
    population: pl.DataFrame | None = None,
    progress: Progress | None = None,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The rows of the reference ``table`` (``benchmarks`` or ``population``) that ``files``
    hold, and the commit information naming each file (path, SHA-256, rows). A benchmarks
    file is an EES tidy CSV or a LAIT long file (Parquet, CSV or Excel: see
    :mod:`csc_perf.ingest.lait`; ``progress`` hears how its read goes); rates from counts
    divide by ``population`` (``authority, year, population``). Warnings go to ``note``: at
    once for a benchmarks file with no benchmark column, after every file is read for rows
    skipped. Raises :class:`UsageError` for a file that is neither and
    :class:`InvalidDataError` for one with a bad cell."""
    # Imported here, not at the top: the EES and LAIT readers cost about 25 ms of start-up
    # that every command reading the store alone would pay (issue 15).
    from csc_perf.ingest.ees import read_ees
    from csc_perf.ingest.ees_reference import benchmarks_from_ees, population_from_ees
    from csc_perf.ingest.lait import benchmarks_from_lait, is_lait, read_lait

    if not files:
        raise UsageError("no files given")
    frames, summaries, warnings = [], [], []
    for path in map(Path, files):
        lait = table == "benchmarks" and is_lait(path)
        try:
            if lait:
                frame = benchmarks_from_lait(
                    read_lait(path, progress), definitions, str(path), warnings, progress
                )
            elif table == "benchmarks":
                frame = benchmarks_from_ees(
                    read_ees(path), definitions, str(path), warnings, population
                )
            else:
                frame = population_from_ees(read_ees(path), str(path), warnings)
        except ExtractReadError as exc:
            raise _refused(exc, path) from None
        if table == "benchmarks" and frame.height == 0:
            what = (
                "measure of this LAIT file is a `benchmark = { lait = ... }`"
                if lait
                else ("column of this file is a `benchmark`")
            )
            note(f"warning: {path}: no {what} of any indicator in indicators.toml")
        frames.append(frame)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        summaries.append({"path": str(path), "sha256": digest, "rows": frame.height})
    for warning in warnings:
        note(f"warning: {warning}")
    return pl.concat(frames), {"operation": f"{table} import", "files": summaries}


def _refused(exc: ExtractReadError, path: Path) -> CscPerfError:
    """A file that cannot be read is a usage error (exit 2); a bad cell is invalid data."""
    if exc.code in UNREADABLE:
        message = exc.message if exc.message.startswith(str(path)) else f"{path}: {exc.message}"
        return UsageError(message, hint=exc.hint)
    return InvalidDataError(f"{exc.code}: {exc.message}", hint=exc.hint)


def benchmarks_by_year(
    table: pl.DataFrame, definitions: Definitions, indicator: str, authority: str | None
) -> pl.DataFrame:
    """From the benchmarks ``table``, one row per year for ``indicator`` (an id): the
    ``authority``'s figure, its statistical neighbours' average (mean or median, as
    ``[benchmarks] average`` says) and how many had a figure, its region's and England's."""
    rows = table.filter((pl.col("indicator") == indicator) & (pl.col("status") == "present"))
    la = rows.filter(pl.col("level") == "la")
    own = la.filter(pl.col("authority") == authority)
    region = own.get_column("region_code").drop_nulls()
    neighbours = statistical_neighbours(definitions.benchmarks.get("neighbours", "2021"))
    method = definitions.benchmarks.get("average", "mean")
    agg = pl.col("value").median() if method == "median" else pl.col("value").mean()
    sn = (
        la.filter(pl.col("authority").is_in(neighbours.get(authority, [])))
        .group_by("year")
        .agg(agg.alias("statistical_neighbours"), pl.len().alias("neighbours_with_data"))
    )
    regional = rows.filter(
        (pl.col("level") == "region") & pl.col("authority").is_in(region.unique().to_list())
    ).select("year", pl.col("value").alias("region"))
    england = rows.filter(pl.col("level") == "national").select(
        "year", pl.col("value").alias("england")
    )
    years = rows.select("year").unique()
    return (
        years.join(own.select("year", pl.col("value").alias("authority")), on="year", how="left")
        .join(sn, on="year", how="left")
        .join(regional, on="year", how="left")
        .join(england, on="year", how="left")
        .sort("year")
        .with_columns(
            pl.col("year")
            .map_elements(financial_year_label, return_dtype=pl.String)
            .alias("financial_year"),
            pl.lit(method).alias("neighbour_average"),
        )
        .select(
            "year",
            "financial_year",
            "authority",
            "statistical_neighbours",
            "neighbours_with_data",
            "neighbour_average",
            "region",
            "england",
        )
    )


def region_name(table: pl.DataFrame | None, authority: str | None) -> str:
    """The name of ``authority``'s region as the benchmarks ``table`` gives it (its latest
    year's region row: ``South East`` for 852), or ``""`` when the table does not say."""
    if table is None or not authority:
        return ""
    own = table.filter((pl.col("level") == "la") & (pl.col("authority") == authority))
    codes = own.drop_nulls("region_code").sort("year").get_column("region_code")
    if codes.is_empty():
        return ""
    names = (
        table.filter((pl.col("level") == "region") & (pl.col("authority") == codes[-1]))
        .drop_nulls("name")
        .sort("year")
        .get_column("name")
    )
    return names[-1] if names.len() else ""
