"""The terminal's views of results: RAG tables, the report, a trend with its chart, and
highlights. On a narrow terminal the later columns give way; the data formats keep them.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
from rich.console import Group
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from csc_perf.definitions.model import Definitions
from csc_perf.model.calendar import report_label
from csc_perf.render import terminal
from csc_perf.render.document import ReportDocument
from csc_perf.render.files import write_file_atomically
from csc_perf.render.mdc import (
    ASSURANCE_MARKS,
    VARIATION_MARKS,
    assurance_colour,
    assurance_title,
    variation_colour,
    variation_title,
)
from csc_perf.render.report_layout import report_footer, report_layout, report_legend
from csc_perf.render.results import (
    comparison_cell,
    direction_text,
    format_change,
    format_target,
    format_value,
    rag_text,
    sparkline,
    spc_text,
    spc_words,
)
from csc_perf.render.terminal_layout import (
    UNLIMITED,
    footer_lines,
    history_layout,
    trend_footer,
    trend_layout,
)


def _theme_rows(results: pl.DataFrame, theme_id: str) -> pl.DataFrame:
    return results.filter(pl.col("themes").str.split(";").list.contains(theme_id))


def rag_tables(results: pl.DataFrame, definitions: Definitions) -> Group:
    """One table per theme: the month's value, target, RAG, three directions of travel and
    SPC; on a narrow terminal the later columns give way (the data formats keep them)."""

    tables = []
    month = results.get_column("month")[0] if results.height else None
    width = shutil.get_terminal_size((160, 40)).columns
    # (header, cell) columns after the indicator, value, target and RAG, in order of value
    optional = [
        (
            "vs last month",
            lambda r: direction_text(
                r, "direction_previous", "previous_value", format_change(r, "previous_value")
            ),
        ),
        (
            "vs last year",
            lambda r: direction_text(
                r, "direction_year_ago", "value_year_ago", format_change(r, "value_year_ago")
            ),
        ),
        ("vs 3-month mean", lambda r: direction_text(r, "direction_previous_3", "mean_previous_3")),
        ("SPC", spc_text),
    ]
    budget = width - 27 - 32  # the indicator column (24 at least) and value, target, RAG
    shown = []
    for header, cell in optional:
        need = 26 if header == "SPC" else 20
        if budget >= need:
            shown.append((header, cell))
            budget -= need
    for theme in definitions.themes:
        rows = _theme_rows(results, theme.id)
        if rows.height == 0 or month is None:
            continue
        table = Table(title=theme.name, title_justify="left", header_style="bold")
        table.add_column("Indicator", ratio=1, min_width=24, overflow="fold")
        table.add_column(report_label(month), justify="right", no_wrap=True)
        table.add_column("Target", justify="right", no_wrap=True)
        table.add_column("RAG", justify="center", no_wrap=True)
        for header, _ in shown:
            if header == "SPC":
                table.add_column(header, overflow="fold", min_width=16, max_width=40)
            else:
                table.add_column(header, no_wrap=True)
        several = results.get_column("authority").n_unique() > 1
        for row in rows.iter_rows(named=True):
            rank = (
                f" (rank {row['authority_rank']}/{row['authorities_ranked']}, "
                f"band {row['authority_band']})"
                if several and row.get("authority_rank")
                else ""
            )
            table.add_row(
                f"{row['authority']}: {row['name']}{rank}" if several else row["name"],
                format_value(row["value"], row["unit"], row["decimals"], row["status"]),
                format_target(row),
                rag_text(row["rag"]),
                *[cell(row) for _, cell in shown],
            )
        tables.append(table)
    return Group(*tables)


def report_tables(
    report: ReportDocument,
    per_theme: int = 3,
    *,
    width: int | None = None,
    months: int | None = None,
    wide: bool = False,
    legend: bool = True,
) -> Group:
    """The seed's layout on the terminal, per theme: the months, Target, RAG, DoT, SPC and
    the comparison columns, with the theme's first ``per_theme`` highlights.

    Fitted to ``width`` columns (default: the terminal's) in order of need (see
    :func:`~csc_perf.render.report_layout.report_layout`; comparison columns that do not fit
    beside the months follow in tables of their own); ``wide`` shows every column whatever
    the width, ``months`` keeps the latest N months. ``legend`` adds the arrows' (and SPC
    marks') meaning under the first table; a footer says what was left out and how to see
    it.
    """
    width = width or shutil.get_terminal_size((160, 40)).columns
    layout = report_layout(report, width, months=months, wide=wide)
    parts: list = []
    for number, theme in enumerate(report.themes):
        rows = report.theme_rows(theme.id)
        table = layout.main.table(theme.name)
        layout.main.add_rows(table, rows)
        parts.append(table)
        if number == 0 and legend:
            parts.extend(report_legend(layout.main))
        # Under the theme's table, each with the indicators that have a figure in it.
        titles = iter(("benchmarks (* a partial financial year)",))
        for compared in layout.comparisons:
            keys = [c.key for c in compared.columns[1:]]
            if shown := [r for r in rows if any(comparison_cell(r, k) for k in keys)]:
                table = compared.table(f"{theme.name}: {next(titles, 'continued')}")
                compared.add_rows(table, shown)
                parts.append(table)
        for highlight in report.theme_highlights(theme.id, per_theme):
            parts.append(_bullet(highlight.sentence))
        parts.append(Text(""))
    parts.extend(report_footer(report, layout.main, width))
    return Group(*parts)


def history_view(history: pl.DataFrame, width: int, *, wide: bool = False) -> Group:
    """The store's history fitted to ``width`` columns (the time never wraps), with a
    footer naming the columns left out."""
    rows = list(history.iter_rows(named=True))
    layout = history_layout(rows, width, wide=wide)
    table = layout.table()
    layout.add_rows(table, rows)
    left = [c.header for c in layout.left_out]
    return Group(table, *footer_lines(width, left, "More: --format csv (every column)"))


def print_report(
    report: ReportDocument,
    output: str | None = None,
    *,
    months: int | None = None,
    wide: bool = False,
) -> None:
    """:func:`report_tables` on standard output, fitted to the terminal (legend unless
    --quiet), or in the text file ``output`` (160 columns); ``wide`` prints every column at
    its full width, however wide the terminal (for a pager: ``less -RS``)."""
    legend = not terminal.quiet()
    print_fitted(
        lambda width: report_tables(report, width=width, months=months, wide=wide, legend=legend),
        output,
        wide=wide,
    )


def print_fitted(view: Callable[[int], Group], output: str | None, *, wide: bool) -> None:
    """Print ``view(width)`` on standard output at the terminal's width, or in the text file
    ``output`` at 160 columns; with ``wide``, the console widens to its widest table."""
    to_file = bool(output) and output != "-"
    console = terminal.stdout_console(file=io.StringIO() if to_file else None)
    width = 160 if to_file else console.width
    shown = view(width)
    if wide:
        unlimited = console.options.update_width(UNLIMITED)
        tables = [r for r in shown.renderables if isinstance(r, Table)]
        console.width = max(
            [width, *(Measurement.get(console, unlimited, t).maximum for t in tables)]
        )
    console.print(shown)
    if to_file:
        write_file_atomically(Path(str(output)), console.file.getvalue().encode("utf-8"))


def _bullet(sentence: str) -> Table:
    """A highlight as a bullet point whose lines wrap under its first word."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_row(" •", sentence)
    return grid


def trend_table(results: pl.DataFrame, width: int | None = None, *, wide: bool = False) -> Group:
    """One indicator month by month, with its sparkline and SPC chart. The table is fitted
    to ``width`` columns (default: the terminal's) as the report is (see
    :func:`~csc_perf.render.terminal_layout.trend_layout`); ``wide`` shows every column."""

    if results.height == 0:
        return Group()
    width = width or shutil.get_terminal_size((160, 40)).columns
    rows = list(results.iter_rows(named=True))
    layout = trend_layout(rows, width, wide=wide)
    first = rows[0]
    table = layout.table(f"{first['name']} ({first['indicator']})")
    layout.add_rows(table, rows)
    values = results.get_column("value").to_list()
    line = Text(
        f"{report_label(results.get_column('month')[0])} {sparkline(values)} "
        f"{report_label(results.get_column('month')[-1])}"
    )
    last = results.row(-1, named=True)
    spc = Text.assemble(
        "SPC: ",
        spc_text(last) if spc_words(last) else "no limits",
        f" ({last['spc_note']})" if last.get("spc_note") else "",
    )
    return Group(
        table, *trend_footer(layout, width), line, Text(""), Text(text_chart(results)), spc
    )


def text_chart(results: pl.DataFrame, height: int = 12) -> str:
    """A character chart of a series with its SPC mean (─), limits (┄) and target (═).

    Points: ● common cause, ▲ / ▼ special cause high / low, ○ excluded or without limits.
    """
    rows = list(results.iter_rows(named=True))
    values = [r["value"] for r in rows]
    lines = {
        "mean": next((r["spc_mean"] for r in reversed(rows) if r["spc_mean"] is not None), None),
        "upper": next((r["spc_upper"] for r in reversed(rows) if r["spc_upper"] is not None), None),
        "lower": next((r["spc_lower"] for r in reversed(rows) if r["spc_lower"] is not None), None),
        "target": next((r["target"] for r in reversed(rows) if r["target"] is not None), None),
    }
    known = [v for v in values if v is not None] + [v for v in lines.values() if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1.0

    def level(v: float) -> int:
        return round((v - low) / span * (height - 1))

    grid = [[" "] * len(rows) for _ in range(height)]
    for name, char in (("upper", "┄"), ("lower", "┄"), ("mean", "─"), ("target", "═")):
        if lines[name] is not None:
            grid[level(lines[name])] = [char] * len(rows)
    for x, row in enumerate(rows):
        if row["value"] is None:
            continue
        variation = row.get("spc_variation") or ""
        mark = (
            "○"
            if not variation
            else "●"
            if variation == "common_cause"
            else ("▲" if variation.endswith("high") else "▼")
        )
        grid[level(row["value"])][x] = mark
    unit, decimals = rows[0]["unit"], rows[0]["decimals"]
    labels = {level(v): format_value(v, unit, decimals) for v in (high, low)}
    width = max(len(t) for t in labels.values())
    out = []
    for y in range(height - 1, -1, -1):
        out.append(f"{labels.get(y, ''):>{width}} │{''.join(grid[y])}")
    out.append(f"{'':>{width}} └{'─' * len(rows)}")
    legend = "● value  ▲▼ special cause  ─ mean  ┄ process limits  ═ target"
    return "\n".join([*out, f"{'':>{width}}  {legend}"])


def matrix_table(matrix: pl.DataFrame) -> Table:
    """The SPC summary matrix (a frame of :func:`~csc_perf.methods.matrix.spc_matrix`) as
    a grid: a row per variation, a column per assurance, in the categories' order (the
    frame's Enum dtypes), each cell the names of its indicators, one per line."""
    variations = matrix.schema["variation"].categories.to_list()  # type: ignore[attr-defined]
    assurances = matrix.schema["assurance"].categories.to_list()  # type: ignore[attr-defined]
    month = matrix.get_column("month")[0] if matrix.height else None
    title = "SPC summary: variation by assurance" + (f", {report_label(month)}" if month else "")
    table = Table(title=title, title_justify="left", header_style="bold", show_lines=True)
    table.add_column("Variation \\ assurance", overflow="fold", min_width=14, max_width=28)
    for assurance in assurances:
        table.add_column(_icon_label(assurance, "assurance"), overflow="fold", ratio=1)
    cells: dict[tuple[str, str], list[str]] = {}
    for name, variation, assurance in matrix.select("name", "variation", "assurance").iter_rows():
        cells.setdefault((variation, assurance), []).append(name)
    for variation in variations:
        table.add_row(
            _icon_label(variation, "variation"),
            *["\n".join(f"• {name}" for name in cells.get((variation, a), [])) for a in assurances],
        )
    return table


def _icon_label(category: str, kind: str) -> Text:
    """A matrix header: the icon's mark and title in its MDC colour (plain without one)."""
    if kind == "variation":
        mark, colour = VARIATION_MARKS.get(category), variation_colour(category)
        title = variation_title(category)
    else:
        mark, colour = ASSURANCE_MARKS.get(category), assurance_colour(category)
        title = assurance_title(category)
    label = f"{mark} {title}" if mark else title
    return Text(label, style=f"bold {colour}" if colour else "bold")


def summary_view(highlights: list, definitions: Definitions) -> Group:
    """Highlights grouped by theme, most important first, as bullet points."""

    parts = []
    for theme in definitions.themes:
        mine = [h for h in highlights if h.theme == theme.id]
        if not mine:
            continue
        parts.append(Text(theme.name, style="bold"))
        for number, h in enumerate(mine, start=1):  # numbered within what is shown
            parts.append(Text(f"  {number:>3}. {h.sentence}"))
        parts.append(Text(""))
    return Group(*parts)


def failing_lines(failing: pl.DataFrame, fail_on: str, several: bool) -> str:
    """Why ``--fail-on`` exits 1: each indicator at ``fail_on`` or worse (with its authority
    when ``several`` are shown)."""
    lines = [f"--fail-on {fail_on}: {failing.height} indicator(s) at {fail_on} or worse:"]
    for row in failing.iter_rows(named=True):
        who = f"{row['authority']} " if several else ""
        lines.append(f"  {who}{row['indicator']} ({row['rag']}): {row['name']}")
    return "\n".join(lines)
