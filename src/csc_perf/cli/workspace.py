"""Commands about the workspace: indicators, init, demo."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from csc_perf.cli.app import FormatOption, OutputOption, app, handles_errors
from csc_perf.cli.data import load_workspace
from csc_perf.errors import ExitCode, UsageError

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

    from csc_perf.definitions.loading import Definitions

DEMO_MONTH = "2024-10"


def definitions_table(definitions: Definitions) -> pl.DataFrame:
    """One row per indicator: what ``csc-perf indicators`` prints."""
    import polars as pl

    def target_text(indicator) -> str | None:
        parts = []
        for t in indicator.targets:
            value = f"{t.low:g}-{t.high:g}" if t.value is None else f"{t.value:g}"
            parts.append(value if t.from_month is None else f"{value} from {t.from_month:%Y-%m}")
        return "; ".join(parts) or None

    rows = [
        {
            "id": i.id,
            "name": i.name,
            "theme": ";".join(i.themes),
            "unit": i.unit,
            "measure": i.measure,
            "polarity": i.polarity,
            "target": target_text(i),
            "amber": None if i.amber is None else f"{i.amber.kind} {i.amber.value:g}",
            "valid_min": i.valid_min,
            "valid_max": i.valid_max,
            "decimals": i.decimals,
            "required": i.required,
            "aliases": ";".join(i.aliases),
        }
        for i in definitions.indicators
    ]
    schema = {
        "id": pl.String,
        "name": pl.String,
        "theme": pl.String,
        "unit": pl.String,
        "measure": pl.String,
        "polarity": pl.String,
        "target": pl.String,
        "amber": pl.String,
        "valid_min": pl.Float64,
        "valid_max": pl.Float64,
        "decimals": pl.Int64,
        "required": pl.Boolean,
        "aliases": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


@app.command()
@handles_errors
def indicators(
    check: Annotated[
        Path | None,
        typer.Option("--check", help="Only validate this definitions file; exit 1 if invalid."),
    ] = None,
    theme: Annotated[str | None, typer.Option("--theme", help="Only this theme id.")] = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """List the indicator definitions, or validate a definitions file with --check."""
    import polars as pl

    from csc_perf.definitions.loading import load_definitions
    from csc_perf.errors import DefinitionsError
    from csc_perf.render import output as out
    from csc_perf.render import terminal

    if check is not None:
        try:
            definitions = load_definitions(check)
        except DefinitionsError as exc:
            terminal.error(str(exc))
            if fmt is not None and fmt != "table":
                problems = pl.DataFrame(
                    [p.as_dict() for p in exc.problems],
                    schema={"path": pl.String, "message": pl.String, "line": pl.Int64},
                    orient="row",
                )
                out.emit(problems, fmt, output)
            raise typer.Exit(int(ExitCode.INVALID)) from None
        terminal.say(
            f"{check}: valid: {len(definitions.indicators)} indicators in "
            f"{len(definitions.themes)} themes"
        )
        return
    _, definitions = load_workspace()
    frame = definitions_table(definitions)
    if theme is not None:
        if theme not in {t.id for t in definitions.themes}:
            known = ", ".join(t.id for t in definitions.themes)
            raise UsageError(f"unknown theme {theme!r}; themes: {known}")
        frame = frame.filter(pl.col("theme").str.split(";").list.contains(theme))
    out.emit(frame, fmt, output)


@app.command()
@handles_errors
def init(
    folder: Annotated[Path, typer.Argument(help="Folder for the new workspace.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite indicators.toml.")] = False,
) -> None:
    """Make a workspace: an indicators.toml (the example definitions) to edit."""
    from csc_perf.app.paths import CONFIG_NAME, bundled
    from csc_perf.render import terminal

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / CONFIG_NAME
    if target.exists() and not force:
        raise UsageError(f"{target} already exists", hint="use --force to overwrite it")
    shutil.copyfile(bundled("indicators.toml"), target)
    terminal.say(
        f"created {target}. Next: edit it, then `csc-perf validate EXTRACT` and "
        "`csc-perf import EXTRACT`."
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
    """Import the bundled example extracts (Southampton, Oct-22..Oct-24) into a throw-away
    workspace and print the October 2024 results: RAG and direction of travel."""
    from csc_perf.app.paths import CONFIG_NAME, bundled
    from csc_perf.definitions.loading import load_definitions
    from csc_perf.ingest.validation import validate_files
    from csc_perf.render import terminal
    from csc_perf.store.core import Store

    if (
        keep is not None
        and keep.exists()
        and (not keep.is_dir() or (keep / CONFIG_NAME).exists() or (keep / "store").exists())
    ):
        raise UsageError(
            f"--keep {keep}: already holds a workspace or is not a folder",
            hint="give a new folder: the demo never writes over a real workspace",
        )
    with tempfile.TemporaryDirectory(prefix="csc-perf-demo-") as scratch:
        workspace = keep or Path(scratch)
        workspace.mkdir(parents=True, exist_ok=True)
        config = workspace / CONFIG_NAME
        shutil.copyfile(bundled("indicators.toml"), config)
        definitions = load_definitions(config)
        store = Store(workspace / "store")
        extracts = bundled("extracts")
        monthly = sorted((extracts / "monthly").glob("*.csv"))
        workbooks = sorted(extracts.glob("*.xlsx"))
        # Import month by month, as a council's cron job would, then the report workbook.
        for path in [*monthly, *workbooks]:
            report = validate_files([path], definitions)
            if not report.valid:
                for issue in report.errors:
                    terminal.error(f"{issue.severity} {issue.code}: {issue.message}")
                raise typer.Exit(int(ExitCode.INVALID))
            result = store.commit_import(report.observations, report.files)
            codes = sorted({i.code for i in report.warnings})
            notes = (
                f"; warnings: {', '.join(codes)} (csc-perf validate shows them)" if codes else ""
            )
            terminal.say(
                f"imported {path.name}: version {result.version}, {result.inserted} new, "
                f"{result.updated} updated, {result.unchanged} unchanged{notes}"
            )
        if keep:
            terminal.say(f"workspace kept in {workspace} (cd there and run csc-perf commands)")
        show_month(store, definitions, DEMO_MONTH, fmt, output)


def show_month(store, definitions, month_text: str, fmt, output) -> None:
    """Print one month's results per theme: value, target, RAG, direction of travel."""
    import polars as pl

    from csc_perf.methods.results import compute_results
    from csc_perf.model.calendar import parse_month
    from csc_perf.render import output as out
    from csc_perf.render.results import rag_tables

    month = parse_month(month_text)
    authority = definitions.workspace.authority
    results = compute_results(
        store.observations(), definitions, months=[month], authority=authority
    )
    results = results.filter(pl.col("month") == month)
    out.emit(results, fmt, output, table=lambda f: rag_tables(f, definitions))
