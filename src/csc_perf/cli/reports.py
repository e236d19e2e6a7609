"""Commands that read results: rag, report, trend, summary. Each parses its options, calls
one Workspace method and renders what it returns."""

from __future__ import annotations

from typing import Annotated

import typer

from csc_perf.cli.app import (
    AsOfOption,
    FormatOption,
    OutputOption,
    ReportFormatOption,
    app,
    handles_errors,
    open_workspace,
)
from csc_perf.cli.options import ThresholdOption, option_group, show_notes
from csc_perf.errors import ExitCode, UsageError

MonthArg = Annotated[
    str | None,
    typer.Option("--month", help="The month to report (2024-10 or Oct-24; default: the latest)."),
]
ThemeOption = Annotated[
    list[str] | None, typer.Option("--theme", help="Only this theme id (repeatable).")
]
IndicatorOption = Annotated[
    list[str] | None,
    typer.Option("--indicator", help="Only this indicator id, name or alias (repeatable)."),
]
AuthorityOption = Annotated[
    str | None,
    typer.Option(
        "--authority",
        help="Authority code (default: the workspace's); 'all' for every authority in the "
        "store, ranked (rag, trend).",
    ),
]
SpcScreenOption = Annotated[
    bool | None,
    typer.Option(
        "--spc-screen/--no-spc-screen",
        help="SPC for this run: screen moving-range outliers (default: per indicator).",
    ),
]
SpcBaselineOption = Annotated[
    int | None,
    typer.Option("--spc-baseline", help="SPC for this run: fix the limits after N points."),
]
NoSpcOption = Annotated[
    bool,
    typer.Option(
        "--no-spc",
        help="Skip SPC for this run (its columns stay, empty; spc_note says it was off).",
    ),
]
WideOption = Annotated[
    bool,
    typer.Option(
        "--wide",
        help="The table with every column, however wide the terminal (for a pager: "
        "| less -RS); a table even when piped.",
    ),
]
SuppressOption = Annotated[
    bool,
    typer.Option(
        "--suppress",
        help="For publication: counts from 1 to 5 shown as c, with rates and totals that "
        "would reveal them.",
    ),
]


def views():
    """The terminal's views, loaded when a table is drawn: CSV and JSON runs never import
    Rich's tables."""
    from csc_perf.render import terminal_report

    return terminal_report


#: How results are computed: which authority and store version, and SPC for this run.
run_options = option_group(
    {
        "authority": (AuthorityOption, None),
        "spc_screen": (SpcScreenOption, None),
        "spc_baseline": (SpcBaselineOption, None),
        "no_spc": (NoSpcOption, False),
        "as_of": (AsOfOption, None),
    },
    lambda authority, spc_screen, spc_baseline, no_spc, as_of: {
        "authority": authority,
        "spc_screen": spc_screen,
        "spc_baseline": spc_baseline,
        "spc": not no_spc,
        "as_of": as_of,
    },
)
#: Suppression of small counts for publication.
suppress_options = option_group(
    {"suppress": (SuppressOption, False), "suppress_threshold": (ThresholdOption, 5)},
    lambda suppress, suppress_threshold: {"suppress": suppress_threshold if suppress else None},
)


@app.command()
@handles_errors
@suppress_options
@run_options
def rag(
    month: MonthArg = None,
    theme: ThemeOption = None,
    indicator: IndicatorOption = None,
    fail_on: Annotated[
        str | None,
        typer.Option("--fail-on", help="Exit 1 if any shown indicator is red (or amber/red)."),
    ] = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    run: dict | None = None,
) -> None:
    """RAG rating and direction of travel for every indicator in a month.

    Direction of travel is against the previous month, the same month last year and the mean
    of the previous three months. --fail-on red|amber exits 1 when any indicator shown is at
    or below that rating (for cron alerts).
    """
    from csc_perf.app.arguments import is_every_authority
    from csc_perf.app.results import FAIL_ON, failing
    from csc_perf.render import output as out
    from csc_perf.render import terminal

    if fail_on is not None and fail_on not in FAIL_ON:
        raise UsageError(f"--fail-on {fail_on!r}: use red or amber")
    ws = open_workspace()
    shown = ws.results(month, themes=theme, indicators=indicator, **run)
    show_notes(ws)
    out.emit(shown, fmt, output, table=lambda f: views().rag_tables(f, ws.definitions))
    if fail_on is not None and (bad := failing(shown, fail_on)).height:
        # The reason for exit 1, shown with --quiet too, so cron's mail says which failed.
        terminal.error(views().failing_lines(bad, fail_on, is_every_authority(run["authority"])))
        raise typer.Exit(int(ExitCode.INVALID))


@app.command()
@handles_errors
@suppress_options
@run_options
def report(
    month: MonthArg = None,
    theme: ThemeOption = None,
    fmt: ReportFormatOption = None,
    output: OutputOption = None,
    fy: Annotated[
        bool,
        typer.Option("--fy", help="Add the last two financial years from the monthly figures."),
    ] = False,
    benchmarks: Annotated[
        bool,
        typer.Option(
            "--benchmarks",
            help="Add the published figures, statistical neighbours, region and England.",
        ),
    ] = False,
    revised_since: Annotated[
        str | None,
        typer.Option(
            "--revised-since",
            help="Mark (†) figures revised since this VERSION or DATE (the last report's).",
        ),
    ] = None,
    months: Annotated[
        int | None,
        typer.Option(
            "--months",
            help="The table: the latest N months (1-13), before SPC and the other columns; "
            "the same month last year always shows.",
            show_default=False,
        ),
    ] = None,
    wide: WideOption = False,
    run: dict | None = None,
) -> None:
    """The monthly report's tables: per theme, the last 13 months and the same month two
    years back, with Target, RAG, direction of travel and SPC; --fy and --benchmarks add the
    seed's comparison columns (the authority's financial years, neighbours, region, England).

    On a terminal the table fits its width: the month, Target, RAG, DoT and the same month
    last year always show, then SPC, the month two years back and the months before this
    one, newest first; a footer says what was left out (--wide or --format html show all).
    """
    from csc_perf.render import output as out

    if months is not None and not 1 <= months <= 13:
        raise UsageError(f"--months {months}: the report has 1 to 13 recent months")
    document = table_format(fmt, output, out.REPORT_FORMATS, wide=wide, months=months)
    ws = open_workspace()
    made = ws.report(
        month, themes=theme, fy=fy, benchmarks=benchmarks, revised_since=revised_since, **run
    )
    show_notes(ws)
    if document == "table":
        views().print_report(made, output, months=months, wide=wide)
    else:
        out.emit_report(made, document, output)


def table_format(fmt: str | None, output: str | None, allowed, **shaping) -> str:
    """The format to write; options that shape the terminal's table (``shaping``: --wide,
    --months) ask for a table even when piped, and are a mistake with another format."""
    from csc_perf.render import output as out

    given = [f"--{name}" for name, value in shaping.items() if value]
    if given and fmt is None and (output is None or output == "-"):
        return "table"
    chosen = out.resolve_format(fmt, output, allowed)
    if given and chosen != "table":
        raise UsageError(
            f"{' and '.join(given)} shape the table; --format {chosen} has every column"
        )
    return chosen


@app.command()
@handles_errors
@run_options
def trend(
    indicator: Annotated[str, typer.Argument(help="Indicator id, name or alias.")],
    months: Annotated[
        int, typer.Option("--months", help="How many months to show, ending at --month.")
    ] = 25,
    month: MonthArg = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    wide: WideOption = False,
    run: dict | None = None,
) -> None:
    """One indicator month by month: value, target, RAG, direction, and a sparkline.

    On a terminal the table fits its width (the changes on last year and SPC's words give
    way first, a footer says so); --wide shows every column.
    """
    from csc_perf.render import output as out

    chosen = table_format(fmt, output, out.FORMATS, wide=wide)
    ws = open_workspace()
    series = ws.trend(indicator, months=months, month=month, **run)
    show_notes(ws)
    if chosen == "table":
        view = views()
        view.print_fitted(
            lambda width: view.trend_table(series, width, wide=wide), output, wide=wide
        )
    else:
        out.emit(series, chosen, output)


@app.command()
@handles_errors
@suppress_options
@run_options
def summary(
    month: MonthArg = None,
    top: Annotated[
        int | None, typer.Option("--top", help="Only the N most important highlights.")
    ] = None,
    theme: ThemeOption = None,
    matrix: Annotated[
        bool,
        typer.Option(
            "--matrix",
            help="The SPC summary matrix instead: each indicator by variation and assurance.",
        ),
    ] = False,
    fmt: FormatOption = None,
    output: OutputOption = None,
    run: dict | None = None,
) -> None:
    """Plain-English highlights for the month, grouped by theme, most important first.

    Deterministic sentences to paste into the report's commentary: changes on the previous
    month and year, highest/lowest in N months, target met or missed and for how long, and
    SPC signals. --format json gives the figures behind each sentence. --matrix gives Making
    Data Count's summary table instead: the grid on a terminal, one row per indicator
    (month, indicator, name, variation, assurance) as CSV or JSON.
    """
    from csc_perf.render import output as out

    if matrix and top is not None:
        raise UsageError("--top ranks highlights; --matrix places every indicator")
    ws = open_workspace()
    if matrix:
        placed = ws.matrix(month, themes=theme, **run)
        show_notes(ws)
        out.emit(placed, fmt, output, table=lambda f: views().matrix_table(f))
        return
    found = ws.summary(month, top=top, themes=theme, **run)
    show_notes(ws)
    chosen = out.resolve_format(fmt, output)
    frame = found.nested_frame() if chosen in ("json", "jsonl") else found.frame
    out.emit(
        frame,
        chosen,
        output,
        table=lambda f: views().summary_view(found.highlights, ws.definitions),
    )
