"""Commands for reference data: DfE benchmarks and ONS population estimates."""

from __future__ import annotations

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


@benchmarks_app.command("import")
@handles_errors
def benchmarks_import(files: EesFiles, wait: WaitOption = 30.0) -> None:
    """Read DfE EES files and store every authority's, region's and England's figures for
    the indicators whose `benchmark` column they hold (one commit; re-importing replaces)."""
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
    method = ws.import_benchmarks if table == "benchmarks" else ws.import_population
    try:
        done = noted(ws, method, files)
    except InvalidDataError as exc:
        terminal.error(f"error {exc}")
        raise typer.Exit(int(exc.exit_code)) from None
    terminal.say(messages.reference_imported(done))
