"""Commands on extracts and the store: validate, import, history, export."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from csc_perf.cli.app import (
    AsOfOption,
    AuthorityOption,
    EncodingOption,
    FormatOption,
    IgnoreColumnOption,
    MonthOption,
    OutputOption,
    ShapeOption,
    SheetOption,
    ValidationFormatOption,
    app,
    handles_errors,
    settings,
)
from csc_perf.errors import ExitCode, UsageError

if TYPE_CHECKING:  # pragma: no cover
    from csc_perf.definitions.loading import Definitions
    from csc_perf.ingest.validation import ValidationReport
    from csc_perf.store.core import Store

FilesArgument = Annotated[
    list[Path], typer.Argument(help="Extract files: .csv, .xlsx or .parquet.", show_default=False)
]


def load_workspace() -> tuple[Path, Definitions]:
    from csc_perf.app.paths import find_config
    from csc_perf.definitions.loading import load_definitions

    config = find_config(settings().config)
    return config, load_definitions(config)


def open_store(config: Path | None, definitions: Definitions | None, wait: float = 30.0) -> Store:
    from csc_perf.app.paths import store_path
    from csc_perf.store.core import Store

    setting = definitions.workspace.store if definitions else "store"
    return Store(store_path(settings().store, config, setting), wait=wait)


def _readable(store: Store) -> Store | None:
    """The store if it can be read, for checks that use history; None otherwise."""
    from csc_perf.errors import StoreError

    try:
        store.check_is_store()
    except StoreError:
        return None
    return store


def authority_option(text: str | None, option: str = "--authority") -> str | None:
    """An ``--authority`` value in stored form (``0852`` -> ``852``); None when not given.
    Raises :class:`UsageError` when it is not an authority code."""
    if text is None:
        return None
    from csc_perf.model.authorities import HINT, normalise_authority

    code = normalise_authority(text)
    if code is None:
        raise UsageError(f"{option} {text!r} is not an authority code", hint=HINT)
    return code


def _parse_month_option(month: str | None):
    if month is None:
        return None
    from csc_perf.model.calendar import MonthError, parse_month

    try:
        return parse_month(month)
    except MonthError:
        raise UsageError(f"--month {month!r} is not a month (use 2024-10 or Oct-24)") from None


def run_validation(
    files: list[Path],
    definitions: Definitions,
    *,
    sheet: list[str] | None,
    encoding: str | None,
    shape: str | None,
    month: str | None,
    authority: str | None,
    store: Store | None = None,
    ignore_columns: list[str] | None = None,
) -> ValidationReport:
    from csc_perf.ingest.extracts import SHAPES
    from csc_perf.ingest.validation import validate_files

    if shape is not None and shape not in SHAPES:
        raise UsageError(f"--shape {shape!r}: use one of {', '.join(SHAPES)}")
    history = population = None
    wanted = any(i.required or i.formula for i in definitions.indicators)
    if store is not None and wanted and not store.is_new():
        # Figures already stored count for required-missing, and derived figures are
        # checked with the store's earlier months.
        store.check_is_store()
        history = store.observations(
            columns=("authority", "indicator", "month", "value", "status"), sort=False
        )
        if any(i.formula for i in definitions.indicators):
            population = store.reference("population")
    return validate_files(
        files,
        definitions,
        authority=authority_option(authority),
        sheet=sheet,
        encoding=encoding,
        shape=shape,
        month=_parse_month_option(month),
        history=history,
        population=population,
        ignore_columns=ignore_columns or (),
    )


def report_exit_code(report: ValidationReport) -> ExitCode:
    if report.unreadable:
        return ExitCode.USAGE
    return ExitCode.OK if report.valid else ExitCode.INVALID


def print_issues(report: ValidationReport, *, limit: int = 50) -> None:
    """Issues as lines on stderr: ``error value-unparseable: file, row 3, column ...``.

    ``required-missing`` is left to :func:`print_required_summary` (one line per file and
    month); with ``--quiet`` only errors are printed."""
    from csc_perf.render import terminal

    shown = [
        i
        for i in report.issues
        if i.code != "required-missing" and (i.severity == "error" or not terminal.quiet())
    ]
    for issue in shown[:limit]:
        line = f"{issue.severity} {issue.code}: {issue.message}"
        if issue.severity == "error":
            terminal.error(line)
        else:
            terminal.warn(line)
    if len(shown) > limit:
        terminal.error(
            f"... and {len(shown) - limit} more; `csc-perf validate --format csv` lists all"
        )


def print_required_summary(report: ValidationReport, months: set[str] | None = None) -> None:
    """One warning per file and month with required indicators that have no figure (in the
    extract or the store), instead of one per indicator; only for ``months`` when given (the
    months an import changed: an unchanged re-import says nothing again)."""
    from csc_perf.render import terminal

    groups: dict[tuple[str, str], list] = {}
    for issue in report.issues:
        if issue.code != "required-missing" or issue.month is None:
            continue
        if months is not None and issue.month not in months:
            continue
        groups.setdefault((issue.file or "", issue.month), []).append(issue)
    for (file, month), issues in groups.items():
        if len(issues) == 1:
            terminal.warn(f"warning required-missing: {issues[0].message}")
            continue
        distinct = {i.indicator for i in issues}
        across = (
            f" ({len(issues)} figures across authorities)" if len(issues) > len(distinct) else ""
        )
        terminal.warn(
            f"warning required-missing: {file}: {len(distinct)} required indicators have no "
            f"figure for {month}{across}; `csc-perf validate {file}` lists them"
        )


def print_replaced(plan, files) -> None:
    """Every stored figure an import replaced, old -> new, on stderr. All of them when a DfE
    EES file is among the files (its annual figures replace the council's own monthly ones
    at March); otherwise the first 20 and where to find the rest."""
    from csc_perf.model.calendar import month_label
    from csc_perf.render import terminal

    if plan is None or plan.updated.height == 0:
        return
    replaced = plan.updated.sort("authority", "indicator", "month")
    limit = None if any("ees" in f.shape.split(",") for f in files) else 20
    rows = replaced.head(limit) if limit is not None else replaced
    terminal.warn(f"replaced {replaced.height} stored figure(s) (old -> new):")
    for row in rows.iter_rows(named=True):
        terminal.warn(
            f"  {row['authority']} {row['indicator']} {month_label(row['month'])}: "
            f"{_figure(row['old_value'], row['old_status'])} -> "
            f"{_figure(row['value'], row['status'])} "
            f"(was from {row['old_source_file']}; now {row['source_file']}"
            + (f", row {row['source_row']})" if row["source_row"] is not None else ")")
        )
    if limit is not None and replaced.height > limit:
        terminal.warn(
            f"  ... and {replaced.height - limit} more: `csc-perf history --diff` lists every one"
        )


def _figure(value: float | None, status: str | None) -> str:
    if status == "present" and value is not None:
        return f"{value:,.10g}"
    return status or "nothing"


def _issues_table(report: ValidationReport):
    from rich.table import Table

    table = Table(title="Validation issues", header_style="bold", show_lines=True)
    for name in ("severity", "code", "where", "message"):
        table.add_column(name, overflow="fold")
    for issue in report.issues:
        style = "red" if issue.severity == "error" else "yellow"
        table.add_row(issue.severity, issue.code, issue.where(), issue.message, style=style)
    return table


def _summary(report: ValidationReport) -> str:
    obs = report.observations
    months = obs.get_column("month").unique().sort().to_list() if obs.height else []
    span = ""
    if months:
        from csc_perf.model.calendar import month_label

        span = f", {month_label(months[0])}..{month_label(months[-1])}"
    return (
        f"{len(report.files)} file(s): {obs.height} observations{span}; "
        f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
    )


@app.command()
@handles_errors
def validate(
    files: FilesArgument,
    fmt: ValidationFormatOption = None,
    output: OutputOption = None,
    sheet: SheetOption = None,
    encoding: EncodingOption = None,
    shape: ShapeOption = None,
    month: MonthOption = None,
    authority: AuthorityOption = None,
    ignore_column: IgnoreColumnOption = None,
) -> None:
    """Check extracts against the definitions without storing anything.

    Prints one row per issue (code, severity, message, file, sheet, row, column, cell,
    indicator, month). Exit 0 valid (warnings allowed), 1 invalid, 2 unreadable or misuse.
    """
    from csc_perf.render import output as out
    from csc_perf.render import terminal

    config, definitions = load_workspace()
    store = open_store(config, definitions)
    report = run_validation(
        files,
        definitions,
        store=_readable(store),
        sheet=sheet,
        encoding=encoding,
        shape=shape,
        month=month,
        authority=authority,
        ignore_columns=ignore_column,
    )
    chosen = out.resolve_format(fmt, output, out.VALIDATION_FORMATS)
    if chosen == "table":
        if report.issues:
            out.emit(report.issues_frame(), "table", output, table=lambda _: _issues_table(report))
        terminal.say(("valid: " if report.valid else "invalid: ") + _summary(report))
    else:
        out.emit(report.issues_frame(), chosen, output)
    raise typer.Exit(int(report_exit_code(report)))


@app.command("import")
@handles_errors
def import_(
    files: FilesArgument,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and show what would change; write nothing.")
    ] = False,
    wait: Annotated[
        float,
        typer.Option("--wait", help="Seconds to wait for a busy store before exit 75."),
    ] = 30.0,
    fmt: FormatOption = None,
    output: OutputOption = None,
    sheet: SheetOption = None,
    encoding: EncodingOption = None,
    shape: ShapeOption = None,
    month: MonthOption = None,
    authority: AuthorityOption = None,
    ignore_column: IgnoreColumnOption = None,
) -> None:
    """Validate extracts and, if they have no errors, store them as one atomic commit.

    Any error: nothing is written, exit 1. Warnings are reported on stderr and the import
    goes ahead. Importing the same content again changes nothing. With --dry-run the rows
    that would be inserted or updated are printed (old and new values).
    """
    import math

    from csc_perf.render import output as out
    from csc_perf.render import terminal

    if not math.isfinite(wait) or wait < 0:
        raise UsageError(f"--wait {wait}: give a number of seconds, 0 or more")
    config, definitions = load_workspace()
    store = open_store(config, definitions, wait=wait)
    store.check_is_store()
    report = run_validation(
        files,
        definitions,
        store=store,
        sheet=sheet,
        encoding=encoding,
        shape=shape,
        month=month,
        authority=authority,
        ignore_columns=ignore_column,
    )
    print_issues(report)
    if not report.valid:
        print_required_summary(report)
        terminal.error(
            f"nothing imported: {len(report.errors)} error(s), {len(report.warnings)} warning(s)"
        )
        raise typer.Exit(int(report_exit_code(report)))
    if dry_run:
        plan = store.plan(report.observations)
        print_required_summary(report, _changed_months(plan))
        print_replaced(plan, report.files)
        changes = _plan_frame(plan)
        terminal.say(
            f"dry run: would insert {plan.inserted.height} and update {plan.updated.height} "
            f"observation(s); {plan.unchanged} unchanged. Nothing written."
        )
        out.emit(changes, fmt, output)
        return
    result = store.commit_import(report.observations, report.files, unique=True)
    print_required_summary(report, _changed_months(result.plan))
    print_replaced(result.plan, report.files)
    if not result.committed:
        terminal.say(
            f"no changes: nothing in these {result.unchanged} observation(s) differs from the "
            f"store (version {result.version}); blank cells never erase stored figures"
        )
        return
    terminal.say(
        f"imported as version {result.version}: {result.inserted} new, {result.updated} "
        f"updated, {result.unchanged} unchanged observation(s) "
        f"({', '.join(result.months[:3])}{' ...' if len(result.months) > 3 else ''})"
    )


def _changed_months(plan) -> set[str]:
    """The months (2024-09) in which an import inserts or updates a figure."""
    from csc_perf.model.calendar import month_label

    if plan is None or not plan.has_changes:
        return set()
    return {month_label(m) for m in plan.changes.get_column("month").unique().to_list()}


def _plan_frame(plan):
    import polars as pl

    inserted = plan.inserted.select(
        pl.lit("insert").alias("change"),
        "authority",
        "indicator",
        "month",
        pl.lit(None, dtype=pl.Float64).alias("old_value"),
        pl.lit(None, dtype=pl.String).alias("old_status"),
        pl.col("value").alias("new_value"),
        pl.col("status").alias("new_status"),
        "source_file",
        "source_row",
    )
    updated = plan.updated.select(
        pl.lit("update").alias("change"),
        "authority",
        "indicator",
        "month",
        "old_value",
        "old_status",
        pl.col("value").alias("new_value"),
        pl.col("status").alias("new_status"),
        "source_file",
        "source_row",
    )
    return pl.concat([updated, inserted])


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
    from csc_perf.store.core import parse_as_of

    config, definitions = load_workspace()
    store = open_store(config, definitions)
    if diff:
        changes = store.diff(parse_as_of(since), parse_as_of(until))
        names = {i.id: i.name for i in definitions.indicators}
        changes = changes.with_columns(
            pl.col("indicator").replace_strict(names, default=None).alias("name")
        )
        out.emit(changes, fmt, output)
        return
    if since or until:
        raise UsageError("--from and --to go with --diff")
    entries = store.history()
    schema = {
        "version": pl.Int64,
        "time": pl.String,
        "operation": pl.String,
        "files": pl.String,
        "sha256": pl.String,
        "rows": pl.Int64,
        "months": pl.String,
        "inserted": pl.Int64,
        "updated": pl.Int64,
        "unchanged": pl.Int64,
    }
    frame = pl.DataFrame(entries, schema=schema, orient="row")
    chosen = out.resolve_format(fmt, output)
    if chosen == "table":
        frame = frame.with_columns(pl.col("sha256").str.slice(0, 12))
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
    suppress_threshold: Annotated[
        int, typer.Option("--suppress-threshold", help="The largest count suppressed.")
    ] = 5,
) -> None:
    """Write the stored observations (current, or --as-of a version or date), or the
    benchmarks or population table."""
    import polars as pl

    from csc_perf.render import output as out

    config, definitions = load_workspace()
    store = open_store(config, definitions)
    store.require()
    if table in ("benchmarks", "population"):
        if as_of or suppress:
            raise UsageError(f"--as-of and --suppress apply to observations, not {table}")
        reference = store.reference(table)
        if reference is None:
            raise UsageError(f"no {table} in the store", hint=f"csc-perf {table} import FILE")
        if indicator and table == "benchmarks":
            reference = reference.filter(pl.col("indicator").is_in(indicator))
        out.emit(reference, fmt, output)
        return
    if table != "observations":
        raise UsageError(f"--table {table!r}: use observations, benchmarks or population")
    frame = store.observations(as_of)
    if suppress:
        from csc_perf.methods.suppression import suppress_observations
        from csc_perf.render import terminal

        if suppress_threshold < 1:
            raise UsageError("--suppress-threshold must be at least 1")
        frame, notes = suppress_observations(frame, definitions, suppress_threshold)
        for note in notes:
            terminal.warn(f"note: {note}")
    if indicator:
        unknown = sorted(set(indicator) - {i.id for i in definitions.indicators})
        if unknown:
            raise UsageError(f"unknown indicator id(s): {', '.join(unknown)}")
        frame = frame.filter(pl.col("indicator").is_in(indicator))
    out.emit(frame, fmt, output)
