"""Commands for reference data: DfE benchmarks and ONS population estimates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from csc_perf.cli.app import FormatOption, OutputOption, app, handles_errors
from csc_perf.cli.data import authority_option, load_workspace, open_store
from csc_perf.errors import UsageError

benchmarks_app = typer.Typer(
    help="DfE benchmarks: import EES files, show an indicator's benchmarks.",
    no_args_is_help=True,
)
population_app = typer.Typer(
    help="ONS population estimates (children aged 0-17) for rates.", no_args_is_help=True
)
app.add_typer(benchmarks_app, name="benchmarks")
app.add_typer(population_app, name="population")

EesFiles = Annotated[list[Path], typer.Argument(help="DfE EES tidy CSV files.", show_default=False)]
WaitOption = Annotated[
    float, typer.Option("--wait", help="Seconds to wait for a busy store before exit 75.")
]


def _named(path: Path, message: str) -> str:
    """A message that starts with the file's name (once)."""
    return message if message.startswith(str(path)) else f"{path}: {message}"


def _refuse(exc, path: Path) -> NoReturn:
    """A file that cannot be read is exit 2; a file with a bad cell (a period that is not a
    DfE one, a figure that is not finite) is invalid data, exit 1. Nothing is written."""
    from csc_perf.errors import ExitCode
    from csc_perf.render import terminal

    if exc.code in ("file-unreadable", "encoding-error", "header-missing"):
        raise UsageError(_named(path, exc.message), hint=exc.hint) from None
    terminal.error(f"error {exc.code}: {exc}")
    raise typer.Exit(int(ExitCode.INVALID))


def _file_summary(path: Path, rows: int):
    import hashlib

    from csc_perf.model.schemas import FileSummary

    return FileSummary(str(path), hashlib.sha256(path.read_bytes()).hexdigest(), rows, "ees")


@benchmarks_app.command("import")
@handles_errors
def benchmarks_import(files: EesFiles, wait: WaitOption = 30.0) -> None:
    """Read DfE EES files and store every authority's, region's and England's figures for
    the indicators whose `benchmark` column they hold (one commit; re-importing replaces)."""
    import polars as pl

    from csc_perf.errors import ExtractReadError
    from csc_perf.ingest.dfe import benchmarks_from_ees, read_ees
    from csc_perf.render import terminal

    config, definitions = load_workspace()
    store = open_store(config, definitions, wait=wait)
    store.check_is_store()
    frames, summaries, warnings = [], [], []
    for path in files:
        try:
            frame = benchmarks_from_ees(read_ees(path), definitions, str(path), warnings)
        except ExtractReadError as exc:
            _refuse(exc, path)
        if frame.height == 0:
            terminal.warn(
                f"warning: {path}: no column of this file is a `benchmark` of any indicator "
                "in indicators.toml"
            )
        frames.append(frame)
        summaries.append(_file_summary(path, frame.height))
    for warning in warnings:
        terminal.warn(f"warning: {warning}")
    data = pl.concat(frames)
    if data.height == 0:
        raise UsageError("nothing to import: no file had a benchmark column")
    info = {
        "operation": "benchmarks import",
        "files": [{"path": s.path, "sha256": s.sha256, "rows": s.rows} for s in summaries],
    }
    version = store.replace_reference(
        "benchmarks", data, ["authority", "level", "year", "indicator"], info
    )
    indicators = ", ".join(sorted(set(data.get_column("indicator"))))
    years = data.get_column("year")
    terminal.say(
        f"benchmarks version {version}: {data.height} figures for {indicators} "
        f"({years.min()}..{years.max()})"
    )


@benchmarks_app.command("show")
@handles_errors
def benchmarks_show(
    indicator: Annotated[str, typer.Argument(help="Indicator id, name or alias.")],
    authority: Annotated[
        str | None, typer.Option("--authority", help="Authority code (default: the workspace's).")
    ] = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """An indicator's benchmarks by year: the authority, its statistical neighbours (and how
    many had a figure), its region and England."""
    import polars as pl

    from csc_perf.ingest.dfe import statistical_neighbours
    from csc_perf.model.calendar import financial_year_label
    from csc_perf.render import output as out

    config, definitions = load_workspace()
    found = definitions.match(indicator)
    if found is None:
        raise UsageError(f"unknown indicator {indicator!r}")
    store = open_store(config, definitions)
    table = store.reference("benchmarks")
    if table is None:
        raise UsageError("no benchmarks in the store", hint="csc-perf benchmarks import FILE")
    code = authority_option(authority) or definitions.workspace.authority
    rows = table.filter((pl.col("indicator") == found.id) & (pl.col("status") == "present"))
    la = rows.filter(pl.col("level") == "la")
    own = la.filter(pl.col("authority") == code)
    region = own.get_column("region_code").drop_nulls()
    neighbours = statistical_neighbours(definitions.benchmarks.get("neighbours", "2021"))
    method = definitions.benchmarks.get("average", "mean")
    agg = pl.col("value").median() if method == "median" else pl.col("value").mean()
    sn = (
        la.filter(pl.col("authority").is_in(neighbours.get(code, [])))
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
    frame = (
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
    out.emit(frame, fmt, output)


@population_app.command("import")
@handles_errors
def population_import(files: EesFiles, wait: WaitOption = 30.0) -> None:
    """Read the DfE EES file of ONS mid-year estimates and store children aged 0-17 for
    every authority, region and England (one commit; re-importing replaces)."""
    import polars as pl

    from csc_perf.errors import ExtractReadError
    from csc_perf.ingest.dfe import population_from_ees, read_ees
    from csc_perf.render import terminal

    config, definitions = load_workspace()
    store = open_store(config, definitions, wait=wait)
    store.check_is_store()
    frames, summaries, warnings = [], [], []
    for path in files:
        try:
            frame = population_from_ees(read_ees(path), str(path), warnings)
        except ExtractReadError as exc:
            _refuse(exc, path)
        frames.append(frame)
        summaries.append(_file_summary(path, frame.height))
    for warning in warnings:
        terminal.warn(f"warning: {warning}")
    data = pl.concat(frames).unique(subset=["authority", "year"], keep="last")
    info = {
        "operation": "population import",
        "files": [{"path": s.path, "sha256": s.sha256, "rows": s.rows} for s in summaries],
    }
    version = store.replace_reference("population", data, ["authority", "year"], info)
    terminal.say(
        f"population version {version}: {data.height} estimates for "
        f"{data.get_column('authority').n_unique()} areas"
    )
