"""Commands for reference data: DfE benchmarks and ONS population estimates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from csc_perf.cli.app import FormatOption, OutputOption, app, handles_errors, open_workspace
from csc_perf.cli.options import WaitOption, noted

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
BenchmarkFiles = Annotated[
    list[Path],
    typer.Argument(
        help="DfE EES tidy CSV files and LAIT long files (.parquet, .csv, .xlsx).",
        show_default=False,
    ),
]


@benchmarks_app.command("import")
@handles_errors
def benchmarks_import(files: BenchmarkFiles, wait: WaitOption = 30.0) -> None:
    """Read DfE EES files and LAIT long files and store every authority's, region's and
    England's figures for the indicators whose `benchmark` they name (a column, a rate from
    counts, a LAIT measure; one commit; re-importing replaces). Rates from counts divide by
    the population imported first (`csc-perf population import`)."""
    _import_reference("benchmarks", files, wait)


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
    from csc_perf.render import output as out

    out.emit(open_workspace().benchmarks(indicator, authority=authority), fmt, output)


@population_app.command("import")
@handles_errors
def population_import(files: EesFiles, wait: WaitOption = 30.0) -> None:
    """Read the DfE EES file of ONS mid-year estimates and store children aged 0-17 for
    every authority, region and England (one commit; re-importing replaces)."""
    _import_reference("population", files, wait)


def _import_reference(table: str, files: list[Path], wait: float) -> None:
    """Import ``files`` into the reference ``table``: its warnings, then what was stored (a
    file with a bad cell: its error, exit 1, nothing written)."""
    from csc_perf.errors import InvalidDataError
    from csc_perf.render import messages, terminal

    ws = open_workspace(wait)
    try:
        if table == "benchmarks":
            with read_progress() as progress:
                done = noted(ws, ws.import_benchmarks, files, progress=progress)
        else:
            done = noted(ws, ws.import_population, files)
    except InvalidDataError as exc:
        terminal.error(f"error {exc}")
        raise typer.Exit(int(exc.exit_code)) from None
    terminal.say(messages.reference_imported(done))


@contextmanager
def read_progress() -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress bar for reading a long file, on stderr and only on a terminal (never in a
    pipe, a log or with --quiet): yields the ``progress(step, done, total)`` callback, or
    None."""
    import sys

    from csc_perf.render import terminal

    if terminal.quiet() or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=terminal.stderr_console(),
        transient=True,
    )
    task = bar.add_task("reading", total=1)

    def progress(step: str, done: int, total: int) -> None:
        bar.update(task, description=f"LAIT: {step}", completed=done, total=total)

    with bar:
        yield progress
