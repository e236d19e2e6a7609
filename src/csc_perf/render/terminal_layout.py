"""Fitting a table to the terminal's width: which columns show, and how wide each is.

A table's columns are given in order of need. The first ones are always shown; the others
are added while they fit, each exactly as wide as its widest cell (a number is never cut,
a header wraps at its spaces). In a group (the months) the adding stops at the first that
does not fit, so a reader never sees a gap (Aug-24 without Sep-24). A column may have a
shorter alternative (SPC as marks instead of words), taken when the full one does not
fit. Columns that wrap (a name) start at their narrowest and share what is left. What was
left out is named, for a footer. The report's columns are in
:mod:`~csc_perf.render.report_layout`; a trend's and the history's are here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from csc_perf.model.calendar import report_label
from csc_perf.render.results import (
    direction_text,
    format_change,
    format_target,
    format_value,
    rag_text,
    spc_marks,
    spc_text,
)
from csc_perf.render.safety import visible_controls

#: As wide as a table may be with --wide (every column, whatever the terminal).
UNLIMITED = 10_000
#: The widest the SPC words grow: ``● common cause variation; F consistently failing``.
SPC_MOST = 48


def table_width(widths: Sequence[int]) -> int:
    """The width of a boxed Rich table whose columns hold ``widths`` characters: a rule
    between columns and at each edge, and a space either side of every cell."""
    return sum(widths) + 3 * len(widths) + 1


@dataclass(frozen=True)
class Column:
    """A column a table may show: ``header``, ``cell`` (a row's text), ``place`` (the tables
    show columns in place order, whatever their order of need). A column that wraps has
    ``least`` > 0, its narrowest width, and grows to its widest cell, at most ``most``."""

    key: str
    header: str
    cell: Callable[[dict], str | Text]
    place: float
    justify: str = "right"
    least: int = 0
    most: int = 40
    group: str | None = None

    @property
    def wraps(self) -> bool:
        return self.least > 0

    def natural(self, rows: Sequence[dict]) -> int:
        """The width of its widest cell, and at least its longest header word."""
        words = max((cell_len(w) for w in self.header.split()), default=0)
        cells = (self.cell(row) for row in rows)
        widest = max(
            (c.cell_len if isinstance(c, Text) else cell_len(visible_controls(c)) for c in cells),
            default=0,
        )
        return max(words, widest, 1)


@dataclass
class Fitted:
    """The columns shown (in place order) with their widths, the columns left out (in
    order of need) and those shown by a shorter alternative."""

    columns: list[Column]
    widths: dict[str, int]
    left_out: list[Column] = field(default_factory=list)
    shortened: list[Column] = field(default_factory=list)

    @property
    def width(self) -> int:
        return table_width(list(self.widths.values()))

    def table(self, title: str | None = None) -> Table:
        """An empty Rich table with these columns, each at its fitted width."""
        table = Table(title=title, title_justify="left", header_style="bold")
        for column in self.columns:
            # Only a name folds; a figure or a one-word header is never split over lines
            # (cut with "…" only if the terminal is narrower than the columns needed).
            table.add_column(
                column.header,
                justify=column.justify,  # type: ignore[arg-type]
                width=self.widths[column.key],
                overflow="fold" if column.wraps else "ellipsis",
                no_wrap=not column.wraps and " " not in column.header,
            )
        return table

    def add_rows(self, table: Table, rows: Sequence[dict]) -> None:
        for row in rows:
            table.add_row(*[column.cell(row) for column in self.columns])


def fit_columns(
    width: int,
    rows: Sequence[dict],
    needed: Sequence[Column],
    wanted: Sequence[Sequence[Column]],
    *,
    wide: bool = False,
) -> Fitted:
    """Fit columns to ``width`` characters (every column with ``wide``).

    ``needed`` are always shown (if they alone are wider than ``width``, their wrapping
    columns narrow to 8 characters, and then the table is wider). ``wanted`` are added in
    order while they fit, each as one column or its alternatives, best first; once one of
    a group fits in no form, the rest of its group is left out too. What is left over
    widens the wrapping columns, in order of need, up to their widest cell (at most their
    ``most``).
    """
    limit = UNLIMITED if wide else width
    natural = {c.key: c.natural(rows) for c in [*needed, *(a for w in wanted for a in w)]}

    def start(column: Column) -> int:
        return min(column.least, natural[column.key]) if column.wraps else natural[column.key]

    shown = list(needed)
    widths = {c.key: start(c) for c in shown}
    for column in (c for c in needed if c.wraps):  # under 80 columns: names narrower still
        excess = table_width(list(widths.values())) - limit
        widths[column.key] -= max(0, min(excess, widths[column.key] - 8))
    fitted = Fitted(columns=[], widths=widths)
    closed: set[str | None] = set()
    for choice in wanted:
        taken = next(
            (c for c in choice if table_width([*widths.values(), start(c)]) <= limit), None
        )
        if taken is None or choice[0].group in closed - {None}:
            fitted.left_out.append(choice[0])
            closed.add(choice[0].group)
            continue
        if taken is not choice[0]:
            fitted.shortened.append(choice[0])
        shown.append(taken)
        widths[taken.key] = start(taken)
    spare = limit - table_width(list(widths.values()))
    for column in shown:
        if column.wraps and spare > 0:
            grow = max(0, min(spare, min(natural[column.key], column.most) - widths[column.key]))
            widths[column.key] += grow
            spare -= grow
    fitted.columns = sorted(shown, key=lambda c: c.place)
    return fitted


def footer_lines(width: int, left: list[str], more: str) -> list[Text]:
    """The footer under a fitted table: what was ``left`` out at ``width`` columns and the
    options that show it (``more``); nothing when nothing was left out."""
    if not left:
        return []
    return [
        Text(f"Left out to fit {width} columns: " + "; ".join(left) + ".", style="dim"),
        Text(more, style="dim"),
    ]


# -- a trend ------------------------------------------------------------------------------


def trend_layout(results_rows: list[dict], width: int, *, wide: bool = False) -> Fitted:
    """A trend's columns fitted to ``width``, in order of need: the month, value, target,
    RAG and the change on last month always; then the change on last year and SPC (in
    words, else its marks). With several authorities, the authority comes first."""
    several = len({r["authority"] for r in results_rows}) > 1
    needed = [
        *([Column("authority", "Authority", lambda r: r["authority"], 0, "left")] * several),
        Column("month", "Month", lambda r: report_label(r["month"]), 1, "left"),
        Column(
            "value",
            "Value",
            lambda r: format_value(r["value"], r["unit"], r["decimals"], r["status"]),
            2,
        ),
        Column("target", "Target", format_target, 3),
        Column("rag", "RAG", lambda r: rag_text(r["rag"]), 4, "left"),
        Column("previous", "vs last month", _change_on("previous_value"), 5, "left"),
    ]
    wanted = [
        [Column("year_ago", "vs last year", _change_on("value_year_ago"), 6, "left")],
        [
            Column("spc", "SPC", spc_text, 7, "left", least=22, most=SPC_MOST),
            Column("spc_marks", "SPC", spc_marks, 7, "left"),
        ],
    ]
    return fit_columns(width, results_rows, needed, wanted, wide=wide)


def _change_on(comparator: str) -> Callable[[dict], Text]:
    """A trend cell: the arrow, the change and the direction against ``comparator``."""
    column = {"previous_value": "direction_previous", "value_year_ago": "direction_year_ago"}

    def cell(row: dict) -> Text:
        change = format_change(row, comparator)
        return direction_text(row, column[comparator], comparator, change)

    return cell


def trend_footer(layout: Fitted, width: int) -> list[Text]:
    """What a trend's table left out at ``width`` columns, and how to see it."""
    left = [c.header for c in layout.left_out]
    if layout.shortened:
        left.append("SPC words")
    return footer_lines(width, left, "More: --wide (every column), --format csv")


# -- the store's history ------------------------------------------------------------------


def history_layout(entries: list[dict], width: int, *, wide: bool = False) -> Fitted:
    """The store's history (``Workspace.history()`` rows, the hash cut to 12 characters)
    fitted to ``width``: the version, the time (UTC, to the minute, never wrapped), the
    files and what was inserted and updated always; then the months, the operation, what
    was unchanged, the rows and the hash. File names and months wrap between one and the
    next, never within one."""

    def column(key: str, place: int, justify: str = "right", least: int = 0) -> Column:
        return Column(
            key, key, lambda r: "" if r[key] is None else str(r[key]), place, justify, least
        )

    def longest_item(key: str, most: int) -> int:
        """The longest file name or month (run) of ``key``: a cell wraps between them (at
        a space), never within one (up to ``most`` characters)."""
        items = (i for r in entries for i in str(r[key] or "").split())
        return min(most, max((len(i) for i in items), default=1))

    needed = [
        column("version", 0),
        Column("time", "time (UTC)", lambda r: r["time"][:16].replace("T", " "), 1, "left"),
        column("files", 3, "left", least=longest_item("files", 40)),
        column("inserted", 7),
        column("updated", 8),
    ]
    wanted = [
        [column("months", 6, "left", least=longest_item("months", 16))],
        [column("operation", 2, "left")],
        [column("unchanged", 9)],
        [column("rows", 5)],
        [column("sha256", 4, "left")],
    ]
    return fit_columns(width, entries, needed, wanted, wide=wide)
