"""The report's layout on a terminal: which of its columns show at a width, and in what
order of need (see :func:`report_layout`), the legend under its first table and the footer
naming what was left out.

Comparison columns (``--fy``, ``--benchmarks``) were asked for, so they always show: beside
the months when they all fit there, else in tables of their own under each theme's
(Indicator and as many comparison columns as fit, as the HTML report shows them), and the
theme's table keeps the months and SPC it has without them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from itertools import pairwise

from rich.text import Text

from csc_perf.model.calendar import add_months, report_label
from csc_perf.render.document import ReportDocument
from csc_perf.render.mdc import CONCERN, IMPROVEMENT, NEITHER
from csc_perf.render.results import (
    DIRECTION_STYLE,
    comparison_cell,
    direction_word,
    format_target,
    rag_text,
    report_cells,
    spc_marks,
    spc_text,
)
from csc_perf.render.terminal_layout import SPC_MOST, Column, Fitted, fit_columns, footer_lines


@dataclass
class ReportLayout:
    """The report's ``main`` table (per theme), and the ``comparisons`` tables shown under
    it when the comparison columns do not fit beside it (empty when they do, or none were
    asked for)."""

    main: Fitted
    comparisons: list[Fitted] = field(default_factory=list)


def report_layout(
    report: ReportDocument, width: int, *, months: int | None = None, wide: bool = False
) -> ReportLayout:
    """The report's columns fitted to ``width``, in order of need: the indicator, the month
    and RAG always; then Target, DoT and the same month last year (at 80 columns and wider
    all of these show: what a performance manager looks at first); then SPC (in words, else
    its marks), the same month two years back, the comparison columns, and the months
    before this one, newest first. ``months`` keeps the latest N months (1-13) and puts
    them before SPC and the rest. The indicator's name wraps; every other column takes its
    widest cell. Comparison columns that do not all fit go to tables of their own."""
    rows = list(report.frame.iter_rows(named=True))
    chronological = list(report.months)
    latest, year_ago, two_years = chronological[-1], chronological[-13], chronological[0]
    recent = chronological[-(months or 13) :]
    name = _name_column(width)
    needed = [
        name,
        _month_column(latest, chronological),
        Column("rag", "RAG", lambda r: rag_text(r["rag"]), 21, "center"),
    ]
    first: list[list[Column]] = [
        [Column("target", "Target", format_target, 20)],
        [Column("dot", "DoT", _dot_cell, 22, "left")],
        [_month_column(year_ago, chronological)],
    ]
    others: list[list[Column]] = [
        [
            Column("spc", "SPC", spc_text, 23, "left", least=22, most=SPC_MOST),
            Column("spc_marks", "SPC", spc_marks, 23, "left"),
        ],
        [_month_column(two_years, chronological)],
    ]
    compared = [
        Column(column, header, lambda r, c=column: comparison_cell(r, c), 30 + k)
        for k, (column, header) in enumerate(report.comparisons)
    ]
    run = [
        [_month_column(m, chronological, group="months")]
        for m in reversed(recent)
        if m not in (latest, year_ago)
    ]

    def fitted(beside: list[Column]) -> Fitted:
        rest = [*others, *([c] for c in beside)]
        wanted = [*first, *run, *rest] if months else [*first, *rest, *run]
        return fit_columns(width, rows, needed, wanted, wide=wide)

    together = fitted(compared)
    if not any(c in together.left_out for c in compared):
        return ReportLayout(together)
    return ReportLayout(fitted([]), comparison_layouts(rows, name, compared, width))


def comparison_layouts(
    rows: list[dict], name: Column, compared: list[Column], width: int
) -> list[Fitted]:
    """Tables of the indicator's ``name`` and the ``compared`` columns, in order, as few as
    hold them all in ``width`` (one column each at least, however narrow the terminal),
    the columns shared out evenly (4, 3, 3 rather than 4, 4, 2) when that fits too."""
    greedy = []
    remaining = [replace(c, group="compared") for c in compared]
    while remaining:
        layout = fit_columns(width, rows, [name, remaining[0]], [[c] for c in remaining[1:]])
        greedy.append(layout)
        remaining = [c for c in remaining if c in layout.left_out]
    count = len(greedy)
    bounds = [round(len(compared) * k / count) for k in range(count + 1)]
    even = [
        fit_columns(width, rows, [name, *compared[start:end]], [])
        for start, end in pairwise(bounds)
    ]
    return even if all(layout.width <= width for layout in even) else greedy


def _name_column(width: int) -> Column:
    """The indicator's name, wrapping: at narrowest 18 characters up to 100 columns, 20 at
    100, 24 from 120 (a name wraps rather than squeeze a number)."""
    floor = max(18, min(24, width // 5))
    return Column("name", "Indicator", lambda r: r["name"], 0, "left", least=floor)


def _month_column(month: date, chronological: list[date], group: str | None = None) -> Column:
    return Column(
        month.strftime("%Y-%m"),
        report_label(month),
        lambda r: report_cells(r, [month])[0],
        1 + chronological.index(month),
        group=group,
    )


def _dot_cell(row: dict) -> Text:
    symbol, word = direction_word(row)
    return Text(f"{symbol} {word}".strip(), style=DIRECTION_STYLE.get(row["direction"], ""))


DOT_LEGEND = "DoT on last month: ▲ improving ▼ declining; ↑ up ↓ down where neither is better"


def report_legend(layout: Fitted) -> list[Text]:
    """One line on the direction arrows, and a line on the SPC marks when SPC shows as
    marks alone (its words say what the marks mean when it shows in words)."""
    lines = [Text(DOT_LEGEND, style="dim")]
    if any(c.key == "spc_marks" for c in layout.columns):
        lines += [
            Text.assemble(
                ("SPC: ● common cause, ▲ ▼ special cause high/low: ", "dim"),
                ("improving", f"bold {IMPROVEMENT}"),
                (", ", "dim"),
                ("concern", f"bold {CONCERN}"),
                (" or ", "dim"),
                ("neither", f"bold {NEITHER}"),
            ),
            Text("     P passing, F failing the target consistently, ~ hit and miss", style="dim"),
        ]
    return lines


def report_footer(report: ReportDocument, layout: Fitted, width: int) -> list[Text]:
    """What the terminal's width left out, and how to see it; nothing when all is shown
    (months left out by ``--months`` were asked for)."""
    by_key = {m.strftime("%Y-%m"): m for m in report.months}
    months = sorted(by_key[c.key] for c in layout.left_out if c.key in by_key)
    left = [_month_runs(months)] if months else []
    left += [c.header for c in layout.left_out if c.key in ("target", "dot")]
    if layout.shortened:
        left.append("SPC words")
    if any(c.key == "spc" for c in layout.left_out):
        left.append("SPC")
    return footer_lines(
        width, left, "More: --months N (latest months first), --wide (every column), --format html"
    )


def _month_runs(months: list[date]) -> str:
    """Months as runs: ``Oct-22, Nov-23 to Jul-24``."""
    runs: list[list[date]] = []
    for m in months:
        if runs and add_months(runs[-1][-1], 1) == m:
            runs[-1].append(m)
        else:
            runs.append([m])
    return ", ".join(
        report_label(r[0]) if len(r) == 1 else f"{report_label(r[0])} to {report_label(r[-1])}"
        for r in runs
    )
