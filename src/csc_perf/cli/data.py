"""Commands on extracts and the store: validate, import, history, export. Each parses its
options, calls one Workspace method and renders what it returns."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csc_perf.cli.app import (
    AsOfOption,
    FormatOption,
    OutputOption,
    ValidationFormatOption,
    app,
    handles_errors,
    open_workspace,
)
from csc_perf.cli.options import (
    ThresholdOption,
    WaitOption,
    checked_wait,
    noted,
    read_options,
    show_notes,
)
from csc_perf.errors import UsageError

FilesArgument = Annotated[
    list[Path], typer.Argument(help="Extract files: .csv, .xlsx or .parquet.", show_default=False)
]


@app.command()
@handles_errors
@read_options
def validate(
    files: FilesArgument,
    fmt: ValidationFormatOption = None,
    output: OutputOption = None,
    run: dict | None = None,
) -> None:
    """Check extracts against the definitions without storing anything.

    Prints one row per issue (code, severity, message, file, sheet, row, column, cell,
    indicator, month). Exit 0 valid (warnings allowed), 1 invalid, 2 unreadable or misuse.
    """
    from csc_perf.errors import report_exit_code
    from csc_perf.render import messages, terminal
    from csc_perf.render import output as out

    report = open_workspace().validate(files, **run)
    chosen = out.resolve_format(fmt, output, out.VALIDATION_FORMATS)
    if chosen == "table":
        if report.issues:
            issues = report.issues_frame()
            out.emit(issues, "table", output, table=lambda _: messages.issues_table(report))
        terminal.say(messages.validation_summary(report))
    else:
        out.emit(report.issues_frame(), chosen, output)
    raise typer.Exit(int(report_exit_code(report)))


@app.command("import")
@handles_errors
@read_options
def import_(
    files: FilesArgument,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and show what would change; write nothing.")
    ] = False,
    wait: WaitOption = 30.0,
    fmt: FormatOption = None,
    output: OutputOption = None,
    run: dict | None = None,
) -> None:
    """Validate extracts and, if they have no errors, store them as one atomic commit.

    Any error: nothing is written, exit 1. Warnings are reported on stderr and the import
    goes ahead. Importing the same content again changes nothing. With --dry-run the rows
    that would be inserted or updated are printed (old and new values).
    """
    from csc_perf.errors import InvalidDataError
    from csc_perf.render import messages, terminal
    from csc_perf.render import output as out

    ws = open_workspace(checked_wait(wait))
    try:
        done = ws.import_files(files, dry_run=dry_run, on_validated=messages.print_issues, **run)
    except InvalidDataError as exc:
        messages.print_not_imported(exc.report, str(exc))
        raise typer.Exit(int(exc.exit_code)) from None
    messages.print_required_summary(done.report, done.changed_months)
    show_notes(ws)  # the stored figures it replaced
    terminal.say(messages.import_summary(done))
    if dry_run:
        out.emit(done.changes, fmt, output)


@app.command()
@handles_errors
def history(
    fmt: FormatOption = None,
    output: OutputOption = None,
    diff: Annotated[
        bool,
        typer.Option(
            "--diff",
            help="Instead, list the figures that changed between two versions or dates "
            "(default: the last import).",
        ),
    ] = False,
    since: Annotated[
        str | None, typer.Option("--from", help="With --diff: the older VERSION or DATE.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--to", help="With --diff: the newer VERSION or DATE.")
    ] = None,
) -> None:
    """List every import: version, time, files, SHA-256, rows, months and what changed.

    With --diff: which figures changed between two versions or dates (indicator, month, old,
    new), e.g. to say "September's visits were revised from 84% to 87%".
    """
    import polars as pl

    from csc_perf.render import output as out

    ws = open_workspace()
    if diff:
        out.emit(ws.diff(since, until), fmt, output)
        return
    if since or until:
        raise UsageError("--from and --to go with --diff")
    frame = ws.history()
    chosen = out.resolve_format(fmt, output)
    if chosen == "table":
        frame = frame.with_columns(pl.col("sha256").str.slice(0, 12))
    if chosen == "table":
        from csc_perf.render import terminal_report

        view = terminal_report.history_view
        terminal_report.print_fitted(lambda width: view(frame, width), output, wide=False)
    else:
        out.emit(frame, chosen, output)


@app.command()
@handles_errors
def export(
    fmt: FormatOption = None,
    output: OutputOption = None,
    as_of: AsOfOption = None,
    indicator: Annotated[
        list[str] | None, typer.Option("--indicator", help="Only these indicator ids.")
    ] = None,
    table: Annotated[
        str,
        typer.Option("--table", help="observations (default), benchmarks or population."),
    ] = "observations",
    suppress: Annotated[
        bool,
        typer.Option(
            "--suppress",
            help="For publication: counts from 1 to 5 as suppressed, with rates and totals "
            "that would reveal them.",
        ),
    ] = False,
    suppress_threshold: ThresholdOption = 5,
) -> None:
    """Write the stored observations (current, or --as-of a version or date), or the
    benchmarks or population table."""
    from csc_perf.render import output as out

    ws = open_workspace()
    threshold = suppress_threshold if suppress else None
    frame = noted(ws, ws.export, as_of=as_of, indicators=indicator, table=table, suppress=threshold)
    out.emit(frame, fmt, output)
