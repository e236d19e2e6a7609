"""The lines csc-perf writes on stderr about extracts and the store: validation issues, the
required-missing summary, figures an import replaced, what an import or a reference import
did, and store problems. (Tables of data go to stdout through :mod:`render.output`.)"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from csc_perf.model.calendar import month_label
from csc_perf.render import terminal

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    import polars as pl
    from rich.table import Table

    from csc_perf.ingest.report import ValidationReport
    from csc_perf.model.schemas import FileSummary
    from csc_perf.store.importing import ImportPlan

#: How many replaced figures an import lists before pointing to ``history --diff``.
REPLACED_SHOWN = 20


def print_issues(report: ValidationReport, *, limit: int = 50) -> None:
    """Issues as lines on stderr: ``error value-unparseable: file, row 3, column ...``.

    Warnings about one indicator are one line per code and indicator: the first, and how
    many more (half a million figures on the wrong scale are one line, not half a
    million). ``required-missing`` is left to :func:`print_required_summary` (one line per
    file and month); with ``--quiet`` only errors are printed."""
    shown = [
        (issue, count)
        for issue, count in report.grouped()
        if issue.code != "required-missing" and (issue.severity == "error" or not terminal.quiet())
    ]
    for issue, count in shown[:limit]:
        line = f"{issue.severity} {issue.code}: {issue.message}"
        if issue.severity == "error":
            terminal.error(line)
            continue
        if count > 1:
            line += (
                f" (and {count - 1:,} more for indicator {issue.indicator}: "
                "`csc-perf validate --format csv` lists them all)"
            )
        terminal.warn(line)
    if len(shown) > limit:
        terminal.error(
            f"... and {len(shown) - limit} more; `csc-perf validate --format csv` lists all"
        )


def print_required_summary(report: ValidationReport, months: set[str] | None = None) -> None:
    """One warning per file and month with required indicators that have no figure (in the
    extract or the store), instead of one per indicator; only for ``months`` when given (the
    months an import changed: an unchanged re-import says nothing again)."""
    groups: dict[tuple[str, str], list] = {}
    for issue in report.with_code("required-missing"):
        if issue.month is None:
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


def print_not_imported(report: ValidationReport, message: str) -> None:
    """After an import refused for ``report``'s errors (its issues already printed): the
    required-missing summary and ``message`` (``nothing imported: 2 error(s), ...``)."""
    print_required_summary(report)
    terminal.error(message)


def replaced_lines(plan: ImportPlan | None, files: Sequence[FileSummary]) -> list[str]:
    """Every stored figure an import replaced, old -> new, one line each after a heading. All
    of them when a DfE EES file is among the files (its annual figures replace the council's
    own monthly ones at March); otherwise the first :data:`REPLACED_SHOWN` and where to find
    the rest. No lines when nothing was replaced."""
    if plan is None or plan.updated.height == 0:
        return []
    replaced = plan.updated.sort("authority", "indicator", "month")
    limit = None if any("ees" in f.shape.split(",") for f in files) else REPLACED_SHOWN
    rows = replaced.head(limit) if limit is not None else replaced
    lines = [f"replaced {replaced.height} stored figure(s) (old -> new):"]
    for row in rows.iter_rows(named=True):
        lines.append(
            f"  {row['authority']} {row['indicator']} {month_label(row['month'])}: "
            f"{_figure(row['old_value'], row['old_status'])} -> "
            f"{_figure(row['value'], row['status'])} "
            f"(was from {row['old_source_file']}; now {row['source_file']}"
            + (f", row {row['source_row']})" if row["source_row"] is not None else ")")
        )
    if limit is not None and replaced.height > limit:
        lines.append(
            f"  ... and {replaced.height - limit} more: `csc-perf history --diff` lists every one"
        )
    return lines


def _figure(value: float | None, status: str | None) -> str:
    if status == "present" and value is not None:
        return f"{value:,.10g}"
    return status or "nothing"


def issues_table(report: ValidationReport) -> Table:
    """Every issue as a row of a Rich table (errors red, warnings yellow)."""
    from rich.table import Table  # loaded for `validate`'s table only: stderr lines need none

    table = Table(title="Validation issues", header_style="bold", show_lines=True)
    for name in ("severity", "code", "where", "message"):
        table.add_column(name, overflow="fold")
    for issue in report.issues:
        style = "red" if issue.severity == "error" else "yellow"
        table.add_row(issue.severity, issue.code, issue.where(), issue.message, style=style)
    return table


def validation_summary(report: ValidationReport) -> str:
    """``valid: 1 file(s): 70 observations, 2023-10..2023-10; 0 error(s), 0 warning(s)``."""
    obs = report.observations
    months = obs.get_column("month").unique().sort().to_list() if obs.height else []
    span = f", {month_label(months[0])}..{month_label(months[-1])}" if months else ""
    return (
        ("valid: " if report.valid else "invalid: ")
        + f"{len(report.files)} file(s): {obs.height} observations{span}; "
        f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
    )


def import_summary(result: Any) -> str:
    """What an import did (or, dry, would do), in one line. ``result`` is the application's
    ``ImportResult`` (render sits below the app, so it reads the fields, not the class)."""
    if result.dry_run:
        return (
            f"dry run: would insert {result.inserted} and update {result.updated} "
            f"observation(s); {result.unchanged} unchanged. Nothing written."
        )
    if not result.committed:
        return (
            f"no changes: nothing in these {result.unchanged} observation(s) differs from the "
            f"store (version {result.version}); blank cells never erase stored figures"
        )
    months = result.months
    return (
        f"imported as version {result.version}: {result.inserted} new, {result.updated} "
        f"updated, {result.unchanged} unchanged observation(s) "
        f"({', '.join(months[:3])}{' ...' if len(months) > 3 else ''})"
    )


def example_imported(path: Path, result: Any) -> str:
    """One line per example extract the demo imports, naming its warnings' codes."""
    codes = sorted({i.code for i in result.report.warnings})
    notes = f"; warnings: {', '.join(codes)} (csc-perf validate shows them)" if codes else ""
    return (
        f"imported {path.name}: version {result.version}, {result.inserted} new, "
        f"{result.updated} updated, {result.unchanged} unchanged{notes}"
    )


def print_errors(report: ValidationReport) -> None:
    """Only the errors of ``report``, one line each (for the demo's bundled extracts)."""
    for issue in report.errors:
        terminal.error(f"{issue.severity} {issue.code}: {issue.message}")


def reference_imported(result: Any) -> str:
    """What a benchmarks or population import stored, in one line (``result``: the
    application's ``ReferenceImport``)."""
    data: pl.DataFrame = result.frame
    if result.table == "benchmarks":
        indicators = ", ".join(sorted(set(data.get_column("indicator"))))
        years = data.get_column("year")
        return (
            f"benchmarks version {result.version}: {data.height} figures for {indicators} "
            f"({years.min()}..{years.max()})"
        )
    return (
        f"{result.table} version {result.version}: {data.height} estimates for "
        f"{data.get_column('authority').n_unique()} areas"
    )


def print_store_problems(path: Path, problems: Iterable[str]) -> None:
    """The problems ``store check`` found, and what to do about them."""
    found = list(problems)
    for problem in found:
        terminal.error(f"problem: {problem}")
    terminal.error(
        f"{path}: {len(found)} problem(s). Nothing was changed. Restore the "
        "store from a backup, or re-import the extracts into a new store."
    )
