"""Commands about the workspace: indicators, init, demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csc_perf.cli.app import FormatOption, OutputOption, app, handles_errors, open_workspace
from csc_perf.errors import ExitCode


@app.command()
@handles_errors
def indicators(
    check: Annotated[
        Path | None,
        typer.Option("--check", help="Only validate this definitions file; exit 1 if invalid."),
    ] = None,
    theme: Annotated[str | None, typer.Option("--theme", help="Only this theme id.")] = None,
    add_alias: Annotated[
        tuple[str, str] | None,
        typer.Option(
            "--add-alias",
            metavar="ID TEXT",
            help="Add TEXT to the aliases of indicator ID in the workspace's indicators.toml "
            "(comments and layout kept), so an extract's row label matches it.",
        ),
    ] = None,
    schema: Annotated[
        bool,
        typer.Option(
            "--schema",
            help="Print the JSON Schema of indicators.toml (for editors; -o FILE to save it).",
        ),
    ] = False,
    fmt: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """List the indicator definitions, validate a definitions file with --check, add an
    alias with --add-alias, or print the definitions' JSON Schema with --schema."""
    from csc_perf.render import output as out

    if schema:
        from csc_perf.app.indicators import definitions_schema_text

        out.write_bytes(definitions_schema_text().encode("utf-8"), output)
        return
    if check is not None:
        _check_definitions(check, fmt, output)
        return
    if add_alias is not None:
        _add_alias(*add_alias)
        return
    out.emit(open_workspace().definitions_table(theme), fmt, output)


def _check_definitions(path: Path, fmt: str | None, output: str | None) -> None:
    """``indicators --check``: valid, or its problems on stderr (and in ``fmt`` if given)
    and exit 1."""
    from csc_perf.app.indicators import check_definitions, problems_frame
    from csc_perf.errors import DefinitionsError
    from csc_perf.render import output as out
    from csc_perf.render import terminal

    try:
        definitions = check_definitions(path)
    except DefinitionsError as exc:
        terminal.error(str(exc))
        if fmt is not None and fmt != "table":
            out.emit(problems_frame(exc), fmt, output)
        raise typer.Exit(int(ExitCode.INVALID)) from None
    terminal.say(
        f"{path}: valid: {len(definitions.indicators)} indicators in "
        f"{len(definitions.themes)} themes"
    )


def _add_alias(indicator_id: str, alias: str) -> None:
    """``indicators --add-alias ID TEXT`` on the workspace's definitions file."""
    from csc_perf.app.indicators import add_alias
    from csc_perf.app.paths import find_config
    from csc_perf.cli.app import settings
    from csc_perf.render import terminal

    done = add_alias(find_config(settings().config), indicator_id, alias)
    if done.added:
        terminal.say(f"{done.path}: added {done.alias!r} to the aliases of {done.indicator!r}")
    else:
        terminal.say(f"{done.path}: {done.alias!r} already names {done.indicator!r}; unchanged")


@app.command()
@handles_errors
def init(
    folder: Annotated[Path, typer.Argument(help="Folder for the new workspace.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite indicators.toml.")] = False,
) -> None:
    """Make a workspace: an indicators.toml (the example definitions) to edit."""
    from csc_perf.app.setup import init_workspace
    from csc_perf.render import terminal

    target = init_workspace(folder, force=force)
    terminal.say(
        f"created {target} (and indicators.schema.json beside it, for editors). Next: edit "
        "it, then `csc-perf validate EXTRACT` and `csc-perf import EXTRACT`."
    )


@app.command()
@handles_errors
def demo(
    keep: Annotated[
        Path | None,
        typer.Option("--keep", help="Build the demo workspace in this folder and keep it."),
    ] = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Import the bundled example extracts (Southampton, Oct-22..Oct-24) and DfE benchmark
    subsets into a throw-away workspace and print the October 2024 results: RAG and
    direction of travel."""
    from csc_perf.app.setup import (
        DEMO_MONTH,
        demo_workspace,
        import_example_benchmarks,
        import_examples,
    )
    from csc_perf.errors import InvalidDataError
    from csc_perf.render import messages, terminal
    from csc_perf.render import output as out
    from csc_perf.render.terminal_report import rag_tables

    with demo_workspace(keep) as ws:
        try:
            for path, done in import_examples(ws):
                terminal.say(messages.example_imported(path, done))
        except InvalidDataError as exc:
            messages.print_errors(exc.report)
            raise typer.Exit(int(ExitCode.INVALID)) from None
        for done in import_example_benchmarks(ws):
            terminal.say(messages.reference_imported(done))
        if keep:
            terminal.say(f"workspace kept in {keep} (cd there and run csc-perf commands)")
        results = ws.results(DEMO_MONTH)
        out.emit(results, fmt, output, table=lambda f: rag_tables(f, ws.definitions))
