"""The monthly report as an Excel workbook (xlsxwriter, built in memory).

Sheets:

* one per theme, named by the theme's name (cut to Excel's 31 characters and told apart as
  :mod:`~csc_perf.render.sheet_names` does; the whole name is the sheet's title row), laid
  out like the report:
  title row, header row, one row per indicator with the same month two years back and the
  last 13 months, Target, RAG, Direction of travel and SPC, then the theme's top
  highlights. The header row and the indicator column are frozen; RAG is the word in the
  cell plus a conditional format that colours it;
* ``Results``: the results frame as a plain table with an autofilter, for pivoting;
* ``Definitions``: each indicator's id, name, themes, unit, measure, polarity, decimals,
  target, amber rule and description, then a "Source" note.

Numbers are written as numbers with the indicator's decimals. Percentages are stored as
csc-perf stores them, on a 0-100 scale (87 means 87%), with the number format ``0"%"``
(a literal percent sign): the value in the cell is the same figure as in the store, the
Results sheet and every CSV export, so a lookup or pivot across them never meets a factor
of 100. (Excel's own ``0%`` format would need 0.87.)

Text is written as text: strings are never interpreted as formulas, numbers or links, so no
cell of the workbook is a formula, and the text is stored exactly as it reads. A cell whose
text could start a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) also gets
Excel's quote prefix (the hidden ``'``), so editing it in Excel keeps it text.
"""

from __future__ import annotations

import io
import math
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import xlsxwriter

from csc_perf.model.calendar import report_label
from csc_perf.model.version import __version__
from csc_perf.render.document import ReportDocument
from csc_perf.render.html import HIGHLIGHTS_PER_THEME
from csc_perf.render.results import RAG_COLOURS, RAG_STYLE, direction_word, format_target, spc_parts
from csc_perf.render.safety import FORMULA_STARTS
from csc_perf.render.sheet_names import theme_sheet_names

if TYPE_CHECKING:  # pragma: no cover
    from csc_perf.definitions.model import Definitions, Indicator

RESERVED_SHEETS = ("Results", "Definitions", "History")  # Excel reserves "History"

HEADER_ROW = 1  # row 0 is the theme's title
FIRST_DATA_ROW = HEADER_ROW + 1


def number_format(unit: str, decimals: int) -> str:
    """The Excel number format for an indicator: ``#,##0`` for counts, ``0.0"%"`` for a
    percentage with one decimal (stored 0-100: 87.5 shows as 87.5%)."""
    fraction = "." + "0" * decimals if decimals > 0 else ""
    if unit == "percent":
        return f'0{fraction}"%"'
    return f"#,##0{fraction}"


class _Formats:
    """xlsxwriter formats, made once per distinct look."""

    def __init__(self, workbook) -> None:
        self.workbook = workbook
        self.cache: dict[tuple, Any] = {}
        self.props: dict[int, dict[str, Any]] = {}  # id(format) -> its properties

    def get(self, **props: Any):
        key = tuple(sorted(props.items()))
        if key not in self.cache:
            made = self.workbook.add_format(props)
            self.cache[key] = made
            self.props[id(made)] = props
        return self.cache[key]

    def text(self, sheet, row: int, col: int, text: str | None, fmt=None) -> None:
        """Write ``text`` as a string cell (a blank cell when empty), with the quote prefix
        when it could start a formula."""
        if text is None or text == "":
            if fmt is not None:
                sheet.write_blank(row, col, None, fmt)
            return
        text = str(text)
        if text.startswith(FORMULA_STARTS):
            base = self.props[id(fmt)] if fmt is not None else {}
            fmt = self.get(**base, quote_prefix=True)
        sheet.write_string(row, col, text, fmt)


def report_xlsx(report: ReportDocument) -> bytes:
    """The report as the bytes of an .xlsx workbook.

    Reads the :class:`~csc_perf.app.report.Report`: its frame (one sheet per theme), its
    results (suppressed cells and the Results sheet) and its highlights (the top three per
    theme are written).
    """
    definitions, month, results = report.definitions, report.month, report.results
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            # Text stays text: never a formula, a number or a hyperlink.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    authority = definitions.workspace.authority_name
    workbook.set_properties(
        {
            "title": f"{authority} performance report {month:%B %Y}".strip(),
            "comments": f"Made with csc-perf {__version__}",
        }
    )
    formats = _Formats(workbook)
    used = {name.casefold() for name in RESERVED_SHEETS}
    statuses = _statuses(results)
    names = theme_sheet_names([theme.name for theme in report.themes], used)
    for theme, name in zip(report.themes, names, strict=True):
        rows = report.theme_rows(theme.id)
        mine = report.theme_highlights(theme.id, HIGHLIGHTS_PER_THEME)
        sheet = workbook.add_worksheet(name)
        _theme_sheet(sheet, formats, theme, rows, report.months, statuses, mine)
    _results_sheet(workbook.add_worksheet("Results"), formats, results)
    _definitions_sheet(
        workbook.add_worksheet("Definitions"), formats, definitions, results, month, __version__
    )
    workbook.close()
    return buffer.getvalue()


def _number(sheet, row: int, col: int, value: float | None, fmt=None) -> None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        if fmt is not None:
            sheet.write_blank(row, col, None, fmt)
        return
    sheet.write_number(row, col, value, fmt)


def _statuses(results: pl.DataFrame) -> dict[tuple[str, str], str]:
    rows = results.select(
        "indicator", pl.col("month").dt.strftime("%Y-%m").alias("label"), "status"
    )
    return {(i, m): s for i, m, s in rows.iter_rows()}


def _theme_sheet(sheet, formats: _Formats, theme, rows, months, statuses, highlights) -> None:
    header = formats.get(bold=True, bg_color="#F3F2F1", border=1, text_wrap=True, valign="bottom")
    header_right = formats.get(
        bold=True, bg_color="#F3F2F1", border=1, text_wrap=True, valign="bottom", align="right"
    )
    name_format = formats.get(text_wrap=True, valign="top", border=1)
    text_format = formats.get(text_wrap=True, valign="top", border=1)
    rag_format = formats.get(bold=True, align="center", valign="top", border=1)

    formats.text(sheet, 0, 0, theme.name, formats.get(bold=True, font_size=14))
    columns = ["Indicator", *[report_label(m) for m in months], "Target"]
    for col, title in enumerate(columns):
        formats.text(sheet, HEADER_ROW, col, title, header if col == 0 else header_right)
    rag_col = len(columns)
    for offset, title in enumerate(("RAG", "Direction of travel", "SPC")):
        formats.text(sheet, HEADER_ROW, rag_col + offset, title, header)

    for r, row in enumerate(rows, start=FIRST_DATA_ROW):
        unit, decimals = row["unit"], row["decimals"]
        formats.text(sheet, r, 0, row["name"], name_format)
        for c, m in enumerate(months, start=1):
            iso = m.strftime("%Y-%m")
            fmt = formats.get(
                num_format=number_format(unit, decimals),
                bold=m == months[-1],
                valign="top",
                border=1,
            )
            if statuses.get((row["indicator"], iso)) == "suppressed":
                sheet.write_string(r, c, "c", formats.get(align="right", valign="top", border=1))
            else:
                _number(sheet, r, c, row[iso], fmt)
        target_col = len(months) + 1
        if row.get("target_low") is not None and row.get("target_high") is not None:
            formats.text(
                sheet, r, target_col, format_target(row), formats.get(align="right", border=1)
            )
        else:
            # As format_target prints it: a whole target without decimals.
            target = row.get("target")
            whole = target is None or float(target).is_integer()
            shown = 0 if whole else max(1, decimals)
            target_fmt = formats.get(num_format=number_format(unit, shown), valign="top", border=1)
            _number(sheet, r, target_col, target, target_fmt)
        formats.text(sheet, r, rag_col, RAG_STYLE.get(row["rag"], (row["rag"], ""))[0], rag_format)
        symbol, word = direction_word(row)
        formats.text(sheet, r, rag_col + 1, f"{symbol} {word}".strip(), text_format)
        _spc_cell(sheet, formats, r, rag_col + 2, row, text_format)

    last_row = FIRST_DATA_ROW + len(rows) - 1
    if rows:
        for rag, (fill, ink) in RAG_COLOURS.items():
            sheet.conditional_format(
                FIRST_DATA_ROW,
                rag_col,
                last_row,
                rag_col,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": f'"{RAG_STYLE[rag][0]}"',
                    "format": formats.get(bg_color=fill, font_color=ink, bold=True),
                },
            )
    if highlights:
        start = last_row + 2
        formats.text(sheet, start, 0, "Highlights", formats.get(bold=True))
        for k, highlight in enumerate(highlights, start=start + 1):
            formats.text(sheet, k, 0, highlight.sentence)

    sheet.freeze_panes(FIRST_DATA_ROW, 1)
    sheet.set_column(0, 0, 55)
    sheet.set_column(1, len(months) + 1, 8.5)
    sheet.set_column(rag_col, rag_col, 9)
    sheet.set_column(rag_col + 1, rag_col + 1, 16)
    sheet.set_column(rag_col + 2, rag_col + 2, 28)
    sheet.set_row(HEADER_ROW, 30)
    # Printing: A4 landscape, one page wide, the header row on every page.
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW)


def _spc_cell(sheet, formats: _Formats, r: int, c: int, row: dict, cell_format) -> None:
    """The SPC icons as text in bold MDC colours: the variation's mark and words, then the
    assurance's (a rich string); one coloured part is the cell's own font."""
    parts = spc_parts(row)
    if len(parts) > 1:
        fragments: list[Any] = []
        for text, colour in parts:
            fragments += [formats.get(bold=True, font_color=colour), text] if colour else [text]
        sheet.write_rich_string(r, c, *fragments, cell_format)
    elif parts and parts[0][1]:
        look = {**formats.props[id(cell_format)], "bold": True, "font_color": parts[0][1]}
        sheet.write_string(r, c, parts[0][0], formats.get(**look))
    else:
        formats.text(sheet, r, c, parts[0][0] if parts else "", cell_format)


def _results_sheet(sheet, formats: _Formats, results: pl.DataFrame) -> None:
    header = formats.get(bold=True, bg_color="#F3F2F1", border=1)
    date_format = formats.get(num_format="yyyy-mm-dd")
    for col, name in enumerate(results.columns):
        formats.text(sheet, 0, col, name, header)
    kinds = [
        "date"
        if dtype == pl.Date
        else "number"
        if dtype.is_numeric()
        else "bool"
        if dtype == pl.Boolean
        else "text"
        for dtype in results.dtypes
    ]
    for r, values in enumerate(results.iter_rows(), start=1):
        for c, (kind, value) in enumerate(zip(kinds, values, strict=True)):
            if value is None:
                continue
            if kind == "date":
                sheet.write_datetime(r, c, value, date_format)
            elif kind == "number":
                _number(sheet, r, c, value)
            elif kind == "bool":
                sheet.write_boolean(r, c, value)
            else:
                formats.text(sheet, r, c, str(value))
    if results.width:
        sheet.autofilter(0, 0, max(results.height, 1), results.width - 1)
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, max(results.width - 1, 0), 14)


DEFINITION_COLUMNS = (
    "id",
    "name",
    "themes",
    "unit",
    "measure",
    "polarity",
    "decimals",
    "target",
    "amber rule",
    "stretch",
    "description",
)


def _definitions_sheet(
    sheet, formats: _Formats, definitions: Definitions, results, month: date, version: str
) -> None:
    header = formats.get(bold=True, bg_color="#F3F2F1", border=1)
    wrap = formats.get(text_wrap=True, valign="top")
    for col, name in enumerate(DEFINITION_COLUMNS):
        formats.text(sheet, 0, col, name, header)
    for r, indicator in enumerate(definitions.indicators, start=1):
        formats.text(sheet, r, 0, indicator.id)
        formats.text(sheet, r, 1, indicator.name, wrap)
        formats.text(sheet, r, 2, ";".join(indicator.themes))
        formats.text(sheet, r, 3, indicator.unit)
        formats.text(sheet, r, 4, indicator.measure)
        formats.text(sheet, r, 5, indicator.polarity)
        sheet.write_number(r, 6, indicator.decimals)
        value_format = formats.get(num_format=number_format(indicator.unit, indicator.decimals))
        target = _single_target(indicator)
        if target is not None:
            _number(sheet, r, 7, target, value_format)
        else:
            formats.text(sheet, r, 7, _target_text(indicator))
        formats.text(sheet, r, 8, _amber_text(indicator))
        _number(sheet, r, 9, indicator.stretch, value_format)
        formats.text(sheet, r, 10, indicator.description, wrap)
    last = len(definitions.indicators)
    sheet.autofilter(0, 0, max(last, 1), len(DEFINITION_COLUMNS) - 1)
    sheet.freeze_panes(1, 2)
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 55)
    sheet.set_column(2, 2, 22)
    sheet.set_column(3, 7, 10)
    sheet.set_column(8, 8, 30)
    sheet.set_column(9, 9, 10)
    sheet.set_column(10, 10, 60)

    workspace = definitions.workspace
    code = results.get_column("authority")[0] if results.height else workspace.authority
    who = f"{workspace.authority_name} ({code})" if workspace.authority_name else code
    notes = [
        f"Definitions: {Path(definitions.source).name or 'indicators.toml'}.",
        f"Figures: the csc-perf store for {who or 'the authority'}, report month "
        f"{month:%B %Y}; RAG, direction of travel, SPC and highlights computed by "
        f"csc-perf {version}.",
        "Percentages are stored on a 0-100 scale (87 means 87%) and shown with a % sign by "
        "the number format.",
        "Text is stored as text, never as a formula; text that starts with = + - @, a tab "
        "or a carriage return is also marked with Excel's quote prefix.",
    ]
    start = last + 2
    formats.text(sheet, start, 0, "Source", formats.get(bold=True))
    for k, note in enumerate(notes, start=start + 1):
        formats.text(sheet, k, 0, note)


def _single_target(indicator: Indicator) -> float | None:
    """The target when there is one plain value for all months, else None."""
    if len(indicator.targets) == 1 and indicator.targets[0].value is not None:
        return indicator.targets[0].value
    return None


def _target_text(indicator: Indicator) -> str:
    """Stepped or range targets in words: ``600; 581 from 2025-04``, ``10-20``."""
    parts = []
    for target in indicator.targets:
        if target.low is not None and target.high is not None:
            text = f"{target.low:g}-{target.high:g}"
        elif target.value is not None:
            text = f"{target.value:g}"
        else:
            continue
        if target.from_month is not None:
            text += f" from {target.from_month:%Y-%m}"
        parts.append(text)
    return "; ".join(parts)


def _amber_text(indicator: Indicator) -> str:
    rule = indicator.amber
    if rule is None:
        return ""
    if rule.kind == "absolute":
        units = " percentage points" if indicator.unit == "percent" else ""
        return f"within {rule.value:g}{units} of the target"
    if rule.kind == "relative":
        return f"within {rule.value * 100:g}% of the target"
    side = "at or below" if indicator.polarity == "lower" else "at or above"
    return f"{side} {rule.value:g} (threshold)"
