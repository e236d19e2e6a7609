"""People's views of results: RAG tables, the report layout, a trend, and Markdown.

RAG is always written as a word (GREEN, AMBER, RED, BLUE) so it reads without colour;
direction of travel as an arrow for the move and a word for what it means.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import TYPE_CHECKING

from csc_perf.model.calendar import add_months, report_label
from csc_perf.render.safety import markdown_text

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl
    from rich.console import Group
    from rich.text import Text

    from csc_perf.definitions.loading import Definitions

RAG_STYLE = {
    "blue": ("BLUE", "bold white on blue"),
    "green": ("GREEN", "bold black on green"),
    "amber": ("AMBER", "bold black on yellow"),
    "red": ("RED", "bold white on red"),
    "grey": ("-", "dim"),
    "no data": ("no data", "dim italic"),
}
DIRECTION_STYLE = {
    "improving": "green",
    "declining": "red",
    "increased": "",
    "decreased": "",
    "no change": "",
    "not comparable": "dim",
}
SPARKS = "▁▂▃▄▅▆▇█"


def format_value(value: float | None, unit: str, decimals: int, status: str | None = None) -> str:
    """A figure as the report prints it: ``87%``, ``4,266``, ``14.24``; ``c`` if suppressed."""
    if status == "suppressed":
        return "c"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = f"{value:,.{decimals}f}"
    return f"{text}%" if unit == "percent" else text


def format_target(row: dict) -> str:
    """The target as the report prints it (a range as ``low-high``)."""
    unit, decimals = row["unit"], row["decimals"]
    if row.get("target_low") is not None and row.get("target_high") is not None:
        low = format_value(row["target_low"], unit, decimals)
        return f"{low}-{format_value(row['target_high'], unit, decimals)}"
    target = row.get("target")
    if target is None:
        return ""
    return format_value(target, unit, 0 if float(target).is_integer() else max(1, decimals))


def format_change(row: dict, comparator: str) -> str:
    """``+32.1%`` for counts and rates, ``+5pp`` for percentages; blank if not comparable."""
    suffix = {"previous_value": "previous", "value_year_ago": "year_ago"}[comparator]
    if row["unit"] == "percent":
        change = row.get(f"change_{suffix}")
        return "" if change is None else f"{change:+.{row['decimals']}f}pp"
    pct = row.get(f"change_{suffix}_pct")
    return "" if pct is None else f"{pct:+.1f}%"


def arrow(row: dict, direction_column: str, comparator: str) -> str:
    direction = row[direction_column]
    if direction == "not comparable" or row.get(comparator) is None or row["value"] is None:
        return ""
    if direction == "no change":
        return "→"
    return "↑" if row["value"] > row[comparator] else "↓"


def rag_text(label: str, no_color: bool = False) -> Text:
    from rich.text import Text

    word, style = RAG_STYLE.get(label, (label, ""))
    return Text(word, style="" if no_color else style)


def direction_text(row: dict, direction_column: str, comparator: str, change: str = "") -> Text:
    from rich.text import Text

    direction = row[direction_column]
    if direction == "not comparable":
        return Text("n/c", style="dim")
    parts = [p for p in (arrow(row, direction_column, comparator), change, direction) if p]
    return Text(" ".join(parts), style=DIRECTION_STYLE.get(direction, ""))


def _theme_rows(results: pl.DataFrame, theme_id: str) -> pl.DataFrame:
    import polars as pl

    return results.filter(pl.col("themes").str.split(";").list.contains(theme_id))


def rag_tables(results: pl.DataFrame, definitions: Definitions) -> Group:
    """One table per theme: the month's value, target, RAG, three directions of travel and
    SPC; on a narrow terminal the later columns give way (the data formats keep them)."""
    import shutil

    from rich.console import Group
    from rich.table import Table

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
        ("SPC", spc_words),
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


def report_months(month: date) -> list[date]:
    """The seed's columns: the same month two years back, then the last 13 months."""
    return [add_months(month, -24), *[add_months(month, k) for k in range(-12, 1)]]


def report_frame(results: pl.DataFrame, definitions: Definitions, month: date) -> pl.DataFrame:
    """The report's layout as data: per theme and indicator, one column per month (ISO
    labels), then target, RAG and direction of travel (against the previous month)."""
    import polars as pl

    months = report_months(month)
    current = results.filter(pl.col("month") == month)
    values = (
        results.filter(pl.col("month").is_in(months))
        .with_columns(pl.col("month").dt.strftime("%Y-%m").alias("label"))
        .pivot(on="label", index="indicator", values="value")
    )
    for m in months:
        label = m.strftime("%Y-%m")
        if label not in values.columns:
            values = values.with_columns(pl.lit(None, dtype=pl.Float64).alias(label))
    # Months whose figure is suppressed (shown as c), per indicator.
    hidden = (
        results.filter(pl.col("month").is_in(months) & (pl.col("status") == "suppressed"))
        .group_by("indicator")
        .agg(pl.col("month").dt.strftime("%Y-%m").sort().str.join(";").alias("suppressed"))
    )
    values = values.join(hidden, on="indicator", how="left")
    rows = []
    for theme in definitions.themes:
        members = _theme_rows(current, theme.id).select(
            pl.lit(theme.id).alias("theme"),
            "indicator",
            "name",
            "unit",
            "decimals",
            "target",
            "target_low",
            "target_high",
            "rag",
            "direction_previous",
            "spc_variation",
            "spc_assurance",
            "spc_note",
        )
        rows.append(members)
    if not rows:
        return pl.DataFrame()
    frame = pl.concat(rows).join(values, on="indicator", how="left", maintain_order="left")
    return frame.select(
        "theme",
        "indicator",
        "name",
        *[m.strftime("%Y-%m") for m in months],
        "target",
        "target_low",
        "target_high",
        "rag",
        pl.col("direction_previous").alias("direction"),
        "spc_variation",
        "spc_assurance",
        "unit",
        "decimals",
        "spc_note",
        "suppressed",
    )


def _report_cells(row: dict, months: list[date]) -> list[str]:
    unit, decimals = row["unit"], row["decimals"]
    hidden = set((row.get("suppressed") or "").split(";"))
    revised = set((row.get("revised") or "").split(";"))
    cells = []
    for m in months:
        label = m.strftime("%Y-%m")
        text = "c" if label in hidden else format_value(row[label], unit, decimals)
        cells.append(text + "†" if label in revised and text else text)
    return cells


def _direction_word(row: dict) -> tuple[str, str]:
    direction = row["direction"]
    symbol = {"improving": "▲", "declining": "▼", "increased": "↑", "decreased": "↓"}.get(
        direction, "→" if direction == "no change" else ""
    )
    return symbol, direction if direction != "not comparable" else "n/c"


def report_tables(
    frame: pl.DataFrame,
    definitions: Definitions,
    month: date,
    highlights: list | None = None,
    per_theme: int = 3,
) -> Group:
    """The seed's layout on the terminal: per theme, 13 months and two years back (the
    latest months that fit when the terminal is narrower than the whole table)."""
    import shutil

    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    months = report_months(month)
    extra = comparison_columns(frame, definitions.workspace.authority_name)
    width = shutil.get_terminal_size((160, 40)).columns
    room = (width - 84 - 12 * len(extra)) // 9  # indicator, target, RAG, DoT, SPC, borders
    tables = []
    if room < len(months):
        months = months[-max(room, 3) :]
        tables.append(
            Text(
                f"{len(months)} of {len(report_months(month))} months shown to fit the "
                "terminal: widen it, or use --format md, html or csv for the whole table",
                style="dim",
            )
        )
    for theme in definitions.themes:
        rows = frame.filter(frame.get_column("theme") == theme.id)
        if rows.height == 0:
            continue
        table = Table(title=theme.name, title_justify="left", header_style="bold", padding=(0, 1))
        table.add_column("Indicator", overflow="fold", min_width=24, ratio=1)
        for m in months:
            table.add_column(report_label(m), justify="right", no_wrap=True)
        table.add_column("Target", justify="right", no_wrap=True)
        table.add_column("RAG", justify="center", no_wrap=True)
        table.add_column("DoT", no_wrap=True)
        table.add_column("SPC", overflow="fold", min_width=12)
        extra = comparison_columns(frame, definitions.workspace.authority_name)
        for _, header in extra:
            table.add_column(header, justify="right")
        for row in rows.iter_rows(named=True):
            symbol, word = _direction_word(row)
            table.add_row(
                row["name"],
                *_report_cells(row, months),
                format_target(row),
                rag_text(row["rag"]),
                Text(f"{symbol} {word}".strip(), style=DIRECTION_STYLE.get(row["direction"], "")),
                spc_words(row),
                *[comparison_cell(row, column) for column, _ in extra],
            )
        tables.append(table)
        for highlight in [h for h in highlights or [] if h.theme == theme.id][:per_theme]:
            tables.append(Text("  • " + highlight.sentence))
        tables.append(Text(""))
    return Group(*tables)


def report_markdown(
    frame: pl.DataFrame,
    definitions: Definitions,
    month: date,
    highlights: list | None = None,
    per_theme: int = 3,
) -> str:
    """The report as Markdown: a heading and a pipe table per theme."""
    months = report_months(month)
    out = [f"# Performance report: {month:%B %Y}", ""]
    for theme in definitions.themes:
        rows = frame.filter(frame.get_column("theme") == theme.id)
        if rows.height == 0:
            continue
        extra = comparison_columns(frame, definitions.workspace.authority_name)
        header = [
            "Indicator",
            *[report_label(m) for m in months],
            "Target",
            "RAG",
            "DoT",
            "SPC",
            *[h for _, h in extra],
        ]
        out += [f"## {markdown_text(theme.name)}", ""]
        out.append("| " + " | ".join(markdown_text(h) for h in header) + " |")
        out.append("| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |")
        for row in rows.iter_rows(named=True):
            symbol, word = _direction_word(row)
            rag = RAG_STYLE.get(row["rag"], (row["rag"], ""))[0]
            cells = [
                row["name"],
                *_report_cells(row, months),
                format_target(row),
                rag,
                f"{symbol} {word}".strip(),
                spc_words(row),
                *[comparison_cell(row, column) for column, _ in extra],
            ]
            out.append("| " + " | ".join(markdown_text(c) for c in cells) + " |")
        out.append("")
        out += highlights_markdown(highlights or [], theme.id, per_theme)
    return "\n".join(out)


def sparkline(values: list[float | None]) -> str:
    """A one-line chart: ▁ lowest ... █ highest; a gap for a missing month."""
    present = [v for v in values if v is not None]
    if not present:
        return ""
    low, high = min(present), max(present)
    span = high - low
    chars = []
    for v in values:
        if v is None:
            chars.append(" ")
        elif span == 0:
            chars.append(SPARKS[len(SPARKS) // 2])
        else:
            chars.append(SPARKS[min(len(SPARKS) - 1, int((v - low) / span * len(SPARKS)))])
    return "".join(chars)


def trend_table(results: pl.DataFrame) -> Group:
    """One indicator month by month, with its sparkline and SPC chart (on a narrow terminal
    the later columns give way)."""
    import shutil

    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    if results.height == 0:
        return Group()
    width = shutil.get_terminal_size((160, 40)).columns
    first = results.row(0, named=True)
    table = Table(
        title=f"{first['name']} ({first['indicator']})", title_justify="left", header_style="bold"
    )
    columns = [
        ("Month", lambda r: report_label(r["month"])),
        ("Value", lambda r: format_value(r["value"], r["unit"], r["decimals"], r["status"])),
        ("Target", format_target),
        ("RAG", lambda r: rag_text(r["rag"])),
        (
            "vs last month",
            lambda r: direction_text(
                r, "direction_previous", "previous_value", format_change(r, "previous_value")
            ),
        ),
    ]
    if width >= 100:
        columns.append(
            (
                "vs last year",
                lambda r: direction_text(
                    r, "direction_year_ago", "value_year_ago", format_change(r, "value_year_ago")
                ),
            )
        )
    if width >= 130:
        columns.append(("SPC", spc_words))
    several = results.get_column("authority").n_unique() > 1
    if several:
        columns.insert(0, ("Authority", lambda r: r["authority"]))
    for name, _ in columns:
        justify = "right" if name in ("Value", "Target") else "left"
        table.add_column(name, justify=justify, no_wrap=name != "SPC", overflow="fold")
    for row in results.iter_rows(named=True):
        table.add_row(*[cell(row) for _, cell in columns])
    values = results.get_column("value").to_list()
    line = Text(
        f"{report_label(results.get_column('month')[0])} {sparkline(values)} "
        f"{report_label(results.get_column('month')[-1])}"
    )
    last = results.row(-1, named=True)
    spc = Text(
        f"SPC: {spc_words(last) or 'no limits'}"
        + (f" ({last['spc_note']})" if last.get("spc_note") else "")
    )
    return Group(table, line, Text(""), Text(text_chart(results)), spc)


def spc_words(row: dict) -> str:
    """The SPC icons in words: variation, then assurance."""
    from csc_perf.model.vocabulary import ASSURANCE_WORDS, VARIATION_WORDS

    variation = row.get("spc_variation")
    if variation is None:
        return "no SPC" if row.get("spc_note") else ""
    words = VARIATION_WORDS[variation].replace("special cause ", "")
    assurance = row.get("spc_assurance")
    if assurance:
        words += "; " + ASSURANCE_WORDS[assurance].replace(" the target", "")
    return words


def summary_view(highlights: list, definitions: Definitions) -> Group:
    """Highlights grouped by theme, most important first, as bullet points."""
    from rich.console import Group
    from rich.text import Text

    parts = []
    for theme in definitions.themes:
        mine = [h for h in highlights if h.theme == theme.id]
        if not mine:
            continue
        parts.append(Text(theme.name, style="bold"))
        for h in mine:
            parts.append(Text(f"  {h.rank:>3}. {h.sentence}"))
        parts.append(Text(""))
    return Group(*parts)


def highlights_markdown(highlights: list, theme_id: str, per_theme: int) -> list[str]:
    mine = [h for h in highlights if h.theme == theme_id][:per_theme]
    return [f"- {markdown_text(h.sentence, starts_line=True)}" for h in mine] + (
        [""] if mine else []
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


def add_comparisons(
    frame: pl.DataFrame,
    results: pl.DataFrame,
    month: date,
    *,
    financial_years: pl.DataFrame | None = None,
    benchmarks: bool = False,
) -> pl.DataFrame:
    """The report frame with the seed's comparison columns: the authority's own financial
    years from its monthly figures (``fy_2022_23``, with ``fy_2022_23_partial``), and the
    published benchmarks (``la_``, ``sn_``, ``region_``, ``england_`` per year)."""
    import polars as pl

    from csc_perf.methods.benchmarks import benchmark_year_expr

    ended = pl.DataFrame({"month": [month]}).select(benchmark_year_expr()).item()
    years = [ended - 1, ended]  # years ending 31 March: the two latest ended before the month

    def suffix(year_ending: int) -> str:
        return f"{year_ending - 1}_{year_ending % 100:02d}"

    if financial_years is not None:
        for year in years:
            part = financial_years.filter(pl.col("financial_year") == year - 1).select(
                "indicator",
                pl.col("value").alias(f"fy_{suffix(year)}"),
                pl.col("partial").alias(f"fy_{suffix(year)}_partial"),
            )
            frame = frame.join(part, on="indicator", how="left", maintain_order="left")
    if benchmarks:
        current = results.filter(pl.col("month") == month)
        for prefix, column in (
            ("la", "la_value"),
            ("sn", "sn_value"),
            ("region", "region_value"),
            ("england", "england_value"),
        ):
            picked = current.select(
                "indicator",
                pl.col(f"{column}_previous").alias(f"{prefix}_{suffix(years[0])}"),
                pl.col(column).alias(f"{prefix}_{suffix(years[1])}"),
            ).unique(subset=["indicator"])
            frame = frame.join(picked, on="indicator", how="left", maintain_order="left")
    return frame


_COMPARISON = re.compile(r"^(fy|la|sn|region|england)_(\d{4})_(\d{2})$")


def comparison_columns(frame: pl.DataFrame, authority_name: str = "") -> list[tuple[str, str]]:
    """(column, header) of the comparison columns in a report frame, in the seed's wording."""
    own = authority_name or "Own"
    words = {
        "fy": f"{own} {{y}} (own data)",
        "la": f"{own} {{y}}",
        "sn": "{y} Stat Neighbours",
        "region": "Region {y}",
        "england": "England {y}",
    }
    out = []
    for column in frame.columns:
        match = _COMPARISON.match(column)
        if match:
            year = f"{match.group(2)[2:]}/{match.group(3)}"
            out.append((column, words[match.group(1)].format(y=year)))
    return out


def comparison_cell(row: dict, column: str) -> str:
    value = row.get(column)
    if value is None:
        return ""
    decimals = max(row["decimals"], 1) if not column.startswith("fy_") else row["decimals"]
    text = format_value(value, row["unit"], decimals)
    return text + ("*" if row.get(f"{column}_partial") else "")
