"""How a figure reads: values, targets, changes, RAG words, direction arrows and SPC words,
the same in the terminal, Markdown, HTML and Excel.

RAG is always written as a word (GREEN, AMBER, RED, BLUE) so it reads without colour;
direction of travel as an arrow for the move and a word for what it means.
"""

from __future__ import annotations

import math
from datetime import date

from rich.text import Text

from csc_perf.model.vocabulary import ASSURANCE_WORDS, VARIATION_WORDS
from csc_perf.render.mdc import ASSURANCE_MARKS, VARIATION_MARKS, assurance_colour, variation_colour

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


# Fill and text colours with at least 4.5:1 contrast (WCAG AA) for the bold cell text.
RAG_COLOURS = {
    "red": ("#b10e1e", "#ffffff"),
    "amber": ("#ffbf47", "#0b0c0c"),
    "green": ("#00703c", "#ffffff"),
    "blue": ("#1d70b8", "#ffffff"),
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
    word, style = RAG_STYLE.get(label, (label, ""))
    return Text(word, style="" if no_color else style)


def direction_text(row: dict, direction_column: str, comparator: str, change: str = "") -> Text:
    direction = row[direction_column]
    if direction == "not comparable":
        return Text("n/c", style="dim")
    parts = [p for p in (arrow(row, direction_column, comparator), change, direction) if p]
    return Text(" ".join(parts), style=DIRECTION_STYLE.get(direction, ""))


def report_cells(row: dict, months: list[date]) -> list[str]:
    unit, decimals = row["unit"], row["decimals"]
    hidden = set((row.get("suppressed") or "").split(";"))
    revised = set((row.get("revised") or "").split(";"))
    cells = []
    for m in months:
        label = m.strftime("%Y-%m")
        text = "c" if label in hidden else format_value(row[label], unit, decimals)
        cells.append(text + "†" if label in revised and text else text)
    return cells


def direction_word(row: dict) -> tuple[str, str]:
    direction = row["direction"]
    symbol = {"improving": "▲", "declining": "▼", "increased": "↑", "decreased": "↓"}.get(
        direction, "→" if direction == "no change" else ""
    )
    return symbol, direction if direction != "not comparable" else "n/c"


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


def spc_words(row: dict) -> str:
    """The SPC icons in words: variation, then assurance."""
    variation = row.get("spc_variation")
    if variation is None:
        return "no SPC" if row.get("spc_note") else ""
    words = VARIATION_WORDS[variation].replace("special cause ", "")
    assurance = row.get("spc_assurance")
    if assurance:
        words += "; " + ASSURANCE_WORDS[assurance].replace(" the target", "")
    return words


def spc_parts(row: dict) -> list[tuple[str, str | None]]:
    """The SPC icons as text in pieces, each with its MDC colour (None: plain): the
    variation's mark and words (``▼ improvement (low)``), ``; ``, the assurance's letter and
    words (``F consistently failing``). Without limits, ``spc_words`` alone, plain."""
    variation = row.get("spc_variation")
    words = spc_words(row)
    if variation is None:
        return [(words, None)] if words else []
    first, _, second = words.partition("; ")
    parts = [(f"{VARIATION_MARKS[variation]} {first}", variation_colour(variation))]
    assurance = row.get("spc_assurance")
    if assurance:
        parts += [
            ("; ", None),
            (f"{ASSURANCE_MARKS[assurance]} {second}", assurance_colour(assurance)),
        ]
    return parts


def spc_text(row: dict) -> Text:
    """The SPC icons for the terminal: :func:`spc_parts` in bold MDC colours (plain text
    where the console has no colour: NO_COLOR, --no-color, a pipe)."""
    text = Text()
    for part, colour in spc_parts(row):
        text.append(part, style=f"bold {colour}" if colour else "")
    return text


def spc_marks(row: dict) -> Text:
    """The SPC icons as their marks alone, for a narrow terminal: ``● F``, ``▼``, in the
    colours of :func:`spc_text`; ``-`` without limits (``no SPC``), blank without a note."""
    variation = row.get("spc_variation")
    if variation is None:
        return Text("-" if spc_words(row) else "", style="dim")
    text = Text(VARIATION_MARKS[variation], style=f"bold {variation_colour(variation)}")
    assurance = row.get("spc_assurance")
    if assurance:
        text.append(" ")
        text.append(ASSURANCE_MARKS[assurance], style=f"bold {assurance_colour(assurance)}")
    return text


def comparison_cell(row: dict, column: str) -> str:
    value = row.get(column)
    if value is None:
        return ""
    # Published benchmarks keep a decimal as the seed prints them (614.2, 54.8), except
    # counts: 11,260 children, not 11,260.0.
    own_decimals = column.startswith("fy_") or row["unit"] == "count"
    decimals = row["decimals"] if own_decimals else max(row["decimals"], 1)
    text = format_value(value, row["unit"], decimals)
    return text + ("*" if row.get(f"{column}_partial") else "")
