"""Commands that compute results: rag, report, trend."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, NamedTuple

import typer

from csc_perf.cli.app import (
    AsOfOption,
    FormatOption,
    OutputOption,
    ReportFormatOption,
    app,
    handles_errors,
)
from csc_perf.cli.data import authority_option, load_workspace, open_store
from csc_perf.errors import ExitCode, UsageError

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

    from csc_perf.definitions.loading import Definitions
    from csc_perf.store.core import Store

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
SuppressOption = Annotated[
    bool,
    typer.Option(
        "--suppress",
        help="For publication: counts from 1 to 5 shown as c, with rates and totals that "
        "would reveal them.",
    ),
]
ThresholdOption = Annotated[
    int, typer.Option("--suppress-threshold", help="The largest count suppressed.")
]
NoSpcOption = Annotated[
    bool, typer.Option("--no-spc", help="Skip SPC for this run (its columns stay, empty).")
]
FAIL_ON = ("red", "amber")


def _month(text: str | None) -> date | None:
    if text is None:
        return None
    from csc_perf.model.calendar import MonthError, parse_month

    try:
        return parse_month(text)
    except MonthError:
        raise UsageError(f"--month {text!r} is not a month (use 2024-10 or Oct-24)") from None


def _indicator_ids(definitions: Definitions, wanted: list[str] | None) -> list[str] | None:
    if not wanted:
        return None
    ids = []
    for text in wanted:
        indicator = definitions.match(text)
        if indicator is None:
            suggestions = definitions.suggest(text)
            hint = (
                ("did you mean " + " or ".join(repr(s) for s in suggestions) + "?")
                if (suggestions)
                else "`csc-perf indicators` lists them"
            )
            raise UsageError(f"unknown indicator {text!r}", hint=hint)
        ids.append(indicator.id)
    return ids


def _check_themes(definitions: Definitions, themes: list[str] | None) -> None:
    known = {t.id for t in definitions.themes}
    for theme in themes or []:
        if theme not in known:
            raise UsageError(f"unknown theme {theme!r}; themes: {', '.join(sorted(known))}")


class Run(NamedTuple):
    """What a results command loaded and computed."""

    definitions: Definitions
    results: pl.DataFrame
    month: date
    authority: str
    store: Store
    observations: pl.DataFrame
    population: pl.DataFrame | None


def results_for(
    month_text: str | None,
    as_of: str | None,
    authority: str | None,
    months_back: int = 0,
    extra_months: tuple[int, ...] = (),
    all_months: bool = False,
    spc_overrides: dict | None = None,
    suppress: int | None = None,
    allow_all: bool = False,
) -> Run:
    """Load the workspace and compute results for the month (and ``months_back`` before)."""
    from csc_perf.methods.results import compute_results, latest_month
    from csc_perf.model.calendar import add_months

    config, definitions = load_workspace()
    store = open_store(config, definitions)
    observations = store.observations(
        as_of, columns=("authority", "indicator", "month", "value", "status"), sort=False
    )
    every = authority is not None and authority.strip().lower() == "all"
    code = "all" if every else (authority_option(authority) or definitions.workspace.authority)
    if not code:
        raise UsageError("no authority: set [workspace] authority or pass --authority")
    if every and not allow_all:
        raise UsageError(
            "--authority all works with rag and trend; this command reports one authority",
            hint="give an authority code, e.g. --authority 852",
        )
    if every:
        code = None  # type: ignore[assignment]
    month = _month(month_text) or latest_month(observations, code)
    if month is None:
        raise UsageError(
            f"the store holds no figures for authority {code}",
            hint="import an extract first: csc-perf import FILE",
        )
    if month_text is not None:
        require_figures(observations, month, code)
    months = sorted(
        {add_months(month, -k) for k in range(months_back + 1)}
        | {add_months(month, k) for k in extra_months}
    )
    if all_months:  # every stored month up to the chosen one (for highlights' history)
        stored = observations.get_column("month").unique().to_list()
        months = sorted({m for m in stored if m <= month} | set(months))
    population, benchmarks, neighbours = reference_data(store, definitions)
    results = compute_results(
        observations,
        definitions,
        months=months,
        authority=code,
        spc_overrides=spc_overrides,
        population=population,
        benchmarks=benchmarks,
        neighbours=neighbours,
    )
    if suppress is not None:
        from csc_perf.methods.suppression import suppress_results
        from csc_perf.render import terminal

        results, notes = suppress_results(
            results,
            observations
            if code is None
            else observations.filter(observations.get_column("authority") == code),
            definitions,
            suppress,
        )
        for note in notes:
            terminal.warn(f"note: {note}")
    return Run(definitions, results, month, code or "all", store, observations, population)


def require_figures(observations: pl.DataFrame, month: date, authority: str | None) -> None:
    """Raise :class:`NoFiguresError` (exit 1) when the store holds no figure at all (present
    or suppressed) for the month and authority (``None``: any authority)."""
    import polars as pl

    from csc_perf.errors import NoFiguresError
    from csc_perf.methods.results import latest_month
    from csc_perf.model.calendar import month_label

    held = observations.filter((pl.col("month") == month) & (pl.col("status") != "missing"))
    if authority is not None:
        held = held.filter(pl.col("authority") == authority)
    if held.height:
        return
    latest = latest_month(observations, authority)
    if latest is None:
        raise NoFiguresError(
            f"no figures for {month_label(month)}; the store holds none"
            + (f" for authority {authority}" if authority else ""),
            hint="import an extract first: csc-perf import FILE",
        )
    raise NoFiguresError(
        f"no figures for {month_label(month)}; the latest month is {month_label(latest)}"
    )


def _threshold(suppress: bool, threshold: int) -> int | None:
    if not suppress:
        return None
    if threshold < 1:
        raise UsageError("--suppress-threshold must be at least 1")
    return threshold


def _spc(screen: bool | None, baseline: int | None, off: bool = False) -> dict:
    if baseline is not None and baseline < 2:
        raise UsageError("--spc-baseline must be at least 2")
    return {"screen": screen, "baseline_points": baseline, "enabled": False if off else None}


def _filter(results, definitions, themes, indicators):
    import polars as pl

    _check_themes(definitions, themes)
    ids = _indicator_ids(definitions, indicators)
    if themes:
        results = results.filter(
            pl.any_horizontal(*[pl.col("themes").str.split(";").list.contains(t) for t in themes])
        )
    if ids:
        results = results.filter(pl.col("indicator").is_in(ids))
    return results


@app.command()
@handles_errors
def rag(
    month: MonthArg = None,
    theme: ThemeOption = None,
    indicator: IndicatorOption = None,
    fail_on: Annotated[
        str | None,
        typer.Option("--fail-on", help="Exit 1 if any shown indicator is red (or amber/red)."),
    ] = None,
    authority: AuthorityOption = None,
    spc_screen: SpcScreenOption = None,
    spc_baseline: SpcBaselineOption = None,
    no_spc: NoSpcOption = False,
    suppress: SuppressOption = False,
    suppress_threshold: ThresholdOption = 5,
    as_of: AsOfOption = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """RAG rating and direction of travel for every indicator in a month.

    Direction of travel is against the previous month, the same month last year and the mean
    of the previous three months. --fail-on red|amber exits 1 when any indicator shown is at
    or below that rating (for cron alerts).
    """
    import polars as pl

    from csc_perf.methods.rag import RAG_SEVERITY
    from csc_perf.render import output as out
    from csc_perf.render.results import rag_tables

    if fail_on is not None and fail_on not in FAIL_ON:
        raise UsageError(f"--fail-on {fail_on!r}: use red or amber")
    run = results_for(
        month,
        as_of,
        authority,
        spc_overrides=_spc(spc_screen, spc_baseline, no_spc),
        allow_all=True,
        suppress=_threshold(suppress, suppress_threshold),
    )
    definitions, results, chosen = run.definitions, run.results, run.month
    shown = _filter(results.filter(pl.col("month") == chosen), definitions, theme, indicator)
    out.emit(shown, fmt, output, table=lambda f: rag_tables(f, definitions))
    if fail_on is not None:
        threshold = RAG_SEVERITY[fail_on]
        failing = shown.filter(
            pl.col("rag").replace_strict(RAG_SEVERITY, return_dtype=pl.Int64) >= threshold
        )
        if failing.height:
            from csc_perf.render import terminal

            several = run.authority == "all"
            lines = [f"--fail-on {fail_on}: {failing.height} indicator(s) at {fail_on} or worse:"]
            for row in failing.iter_rows(named=True):
                who = f"{row['authority']} " if several else ""
                lines.append(f"  {who}{row['indicator']} ({row['rag']}): {row['name']}")
            # The reason for exit 1: shown with --quiet too (errors only), so cron's mail says
            # which indicators failed.
            terminal.error("\n".join(lines))
            raise typer.Exit(int(ExitCode.INVALID))


@app.command()
@handles_errors
def report(
    month: MonthArg = None,
    theme: ThemeOption = None,
    authority: AuthorityOption = None,
    spc_screen: SpcScreenOption = None,
    spc_baseline: SpcBaselineOption = None,
    no_spc: NoSpcOption = False,
    suppress: SuppressOption = False,
    suppress_threshold: ThresholdOption = 5,
    as_of: AsOfOption = None,
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
) -> None:
    """The monthly report's tables: per theme, the last 13 months and the same month two
    years back, with Target, RAG, direction of travel and SPC; --fy and --benchmarks add the
    seed's comparison columns (the authority's financial years, neighbours, region, England).
    """
    import polars as pl

    from csc_perf.render import output as out
    from csc_perf.render.results import report_frame, report_markdown, report_tables

    document = out.resolve_format(fmt, output, out.REPORT_FORMATS)
    run = results_for(
        month,
        as_of,
        authority,
        spc_overrides=_spc(spc_screen, spc_baseline, no_spc),
        suppress=_threshold(suppress, suppress_threshold),
        months_back=12,
        extra_months=(-24,),
        all_months=True,
    )
    definitions, results, chosen = run.definitions, run.results, run.month
    _check_themes(definitions, theme)
    frame = report_frame(results, definitions, chosen)
    if theme:
        frame = frame.filter(pl.col("theme").is_in(theme))
    if fy or benchmarks:
        from csc_perf.methods.financial_years import financial_year_values
        from csc_perf.render.results import add_comparisons

        years = None
        if fy:
            years = financial_year_values(run.observations, definitions, run.population)
            years = years.filter(pl.col("authority") == run.authority)
        frame = add_comparisons(
            frame, results, chosen, financial_years=years, benchmarks=benchmarks
        )
        if years is not None and years.get_column("partial").any():
            from csc_perf.render import terminal

            terminal.say("* a financial year with fewer than 12 months of figures (partial)")
    if revised_since is not None:
        from csc_perf.render import terminal
        from csc_perf.store.core import parse_as_of

        changes = run.store.diff(parse_as_of(revised_since), None)
        revised = (
            changes.filter((pl.col("authority") == run.authority) & (pl.col("change") == "revised"))
            .group_by("indicator")
            .agg(pl.col("month").dt.strftime("%Y-%m").sort().str.join(";").alias("revised"))
        )
        frame = frame.join(revised, on="indicator", how="left", maintain_order="left")
        terminal.say(
            f"† revised since {revised_since}: {revised.height} indicator(s) "
            "(`csc-perf history --diff` lists old and new figures)"
        )
    found = highlights_for(definitions, results, chosen)
    if document == "md":
        text = report_markdown(frame, definitions, chosen, found)
        out.write_bytes(text.encode("utf-8"), output)
    elif document == "html":
        from csc_perf.render.html import report_html

        text = report_html(frame, results, definitions, chosen, found)
        out.write_bytes(text.encode("utf-8"), output)
    elif document == "xlsx":
        from csc_perf.render.xlsx import report_xlsx

        if not output or output == "-":
            raise UsageError("--format xlsx needs -o FILE.xlsx")
        out.write_bytes(
            report_xlsx(frame, results, definitions, chosen, found), output, binary=True
        )
    else:
        out.emit(
            frame, document, output, table=lambda f: report_tables(f, definitions, chosen, found)
        )


@app.command()
@handles_errors
def trend(
    indicator: Annotated[str, typer.Argument(help="Indicator id, name or alias.")],
    months: Annotated[
        int, typer.Option("--months", help="How many months to show, ending at --month.")
    ] = 25,
    month: MonthArg = None,
    authority: AuthorityOption = None,
    spc_screen: SpcScreenOption = None,
    spc_baseline: SpcBaselineOption = None,
    no_spc: NoSpcOption = False,
    as_of: AsOfOption = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """One indicator month by month: value, target, RAG, direction, and a sparkline."""
    import polars as pl

    from csc_perf.render import output as out
    from csc_perf.render.results import trend_table

    if months < 1:
        raise UsageError("--months must be at least 1")
    run = results_for(
        month,
        as_of,
        authority,
        spc_overrides=_spc(spc_screen, spc_baseline, no_spc),
        allow_all=True,
        months_back=months - 1,
    )
    definitions, results = run.definitions, run.results
    (wanted,) = _indicator_ids(definitions, [indicator]) or [indicator]
    series = results.filter(pl.col("indicator") == wanted).sort("month")
    # Leading months before the first figure are not part of the series.
    present = series.get_column("status") != "missing"
    if present.any():
        series = series.slice(int(present.arg_true()[0]))
    out.emit(series, fmt, output, table=trend_table)


def highlights_for(definitions, results, month, top=None):
    from csc_perf.methods.highlights import build_highlights

    return build_highlights(results, definitions, month, top=top)


@app.command()
@handles_errors
def summary(
    month: MonthArg = None,
    top: Annotated[
        int | None, typer.Option("--top", help="Only the N most important highlights.")
    ] = None,
    theme: ThemeOption = None,
    authority: AuthorityOption = None,
    spc_screen: SpcScreenOption = None,
    spc_baseline: SpcBaselineOption = None,
    no_spc: NoSpcOption = False,
    suppress: SuppressOption = False,
    suppress_threshold: ThresholdOption = 5,
    as_of: AsOfOption = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Plain-English highlights for the month, grouped by theme, most important first.

    Deterministic sentences to paste into the report's commentary: changes on the previous
    month and year, highest/lowest in N months, target met or missed and for how long, and
    SPC signals. --format json gives the figures behind each sentence.
    """
    import polars as pl

    from csc_perf.methods.highlights import highlights_frame
    from csc_perf.render import output as out
    from csc_perf.render.results import summary_view

    if top is not None and top < 1:
        raise UsageError("--top must be at least 1")
    run = results_for(
        month,
        as_of,
        authority,
        spc_overrides=_spc(spc_screen, spc_baseline, no_spc),
        suppress=_threshold(suppress, suppress_threshold),
        all_months=True,
    )
    definitions, results, chosen = run.definitions, run.results, run.month
    _check_themes(definitions, theme)
    found = highlights_for(definitions, results, chosen)
    if theme:
        found = [h for h in found if h.theme in theme]
    if top is not None:
        found = found[:top]
    frame = highlights_frame(found)
    chosen_format = out.resolve_format(fmt, output)
    if chosen_format in ("json", "jsonl") and frame.height:
        figure_columns = [c for c in frame.columns if c not in SUMMARY_COLUMNS]
        frame = frame.select(*SUMMARY_COLUMNS, pl.struct(figure_columns).alias("figures"))
    out.emit(frame, chosen_format, output, table=lambda f: summary_view(found, definitions))


SUMMARY_COLUMNS = ("rank", "theme", "indicator", "name", "month", "sentence", "score")


def reference_data(store, definitions):
    """The store's population and benchmark tables, and the neighbour groupings in use."""
    from csc_perf.ingest.dfe import statistical_neighbours

    if store.is_new():
        return None, None, {}
    population = store.reference("population")
    benchmarks = store.reference("benchmarks")
    neighbours = statistical_neighbours(definitions.benchmarks.get("neighbours", "2021"))
    return population, benchmarks, neighbours
