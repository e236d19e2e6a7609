"""The monthly report as one self-contained HTML document.

Everything is inline: CSS in a ``<style>`` element, each chart a small hand-written SVG, no
script and no fetched resource (a Content-Security-Policy forbids both, so the file stays
inert wherever it is opened). The layout follows the seed report: a contents list, then per
theme the table of indicators (the same month two years back and the last 13 months,
target, RAG, direction of travel, SPC in words), a small chart per indicator (the last 13
months, the target, the SPC mean and process limits where present) and the theme's top highlights.

Built with f-strings and :func:`html.escape` rather than a template engine: the document is
small and fixed in shape, and every piece of text (indicator names come from a TOML file
anyone may edit) goes through :func:`_e`.

Reading without colour: RAG cells carry the word (RED, AMBER, GREEN, BLUE); the target line
is dashed and the process limits dotted, so the charts work in black and white.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from csc_perf.model.calendar import report_label
from csc_perf.model.version import __version__
from csc_perf.render.document import ReportDocument
from csc_perf.render.html_chart import chart_svg, series_by_indicator
from csc_perf.render.html_matrix import MATRIX_CSS, MATRIX_HEADING, icons_key, matrix_section
from csc_perf.render.icons import spc_icons
from csc_perf.render.results import (
    RAG_COLOURS,
    RAG_STYLE,
    comparison_cell,
    direction_word,
    format_target,
    format_value,
    spc_words,
)
from csc_perf.render.safety import html_escape as _e

HIGHLIGHTS_PER_THEME = 3


CSS = """
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; padding: 16px 20px 32px; color: #0b0c0c; background: #fff;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  font-size: 15px; line-height: 1.4; }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .5rem; padding-bottom: .2rem;
  border-bottom: 3px solid #0b0c0c; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .4rem; }
p, li { max-width: 80em; }
a { color: #1d70b8; }
a:focus { outline: 3px solid #ffdd00; background: #ffdd00; color: #0b0c0c; }
.meta, .outcome, .note { color: #505a5f; }
nav ol { columns: 2; padding-left: 1.5em; }
dl.key { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .8rem; }
dl.key dt { font-weight: 700; }
dl.key dd { margin: 0; }
.table-wrap { overflow-x: auto; }
table.report { width: 100%; table-layout: fixed; border-collapse: collapse; font-size: 12px;
  line-height: 1.25; }
table.report caption { text-align: left; font-weight: 700; padding: 0 0 .3rem; }
table.report th, table.report td { border: 1px solid #b1b4b6; padding: 3px 4px;
  vertical-align: top; overflow-wrap: anywhere; }
table.report thead th { background: #f3f2f1; text-align: right; vertical-align: bottom; }
table.report thead th.name { text-align: left; }
table.report tbody th { text-align: left; font-weight: 400; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.current { font-weight: 700; }
td.rag { text-align: center; font-weight: 700; }
td.rag-grey, td.rag-no-data { color: #505a5f; font-weight: 400; }
td.suppressed { font-style: italic; }
col.name { width: 17%; }
col.month { width: 4.05%; }
col.target { width: 4.3%; }
col.rag { width: 5.3%; }
col.dot { width: 7.5%; }
col.spc { width: 9.2%; }
table.report thead th.month { white-space: nowrap; overflow-wrap: normal; }
table.report thead th.rag { text-align: center; }
table.report thead th.text { text-align: left; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr));
  gap: 10px; margin: 0; padding: 0; }
figure.chart { margin: 0; padding: 6px; border: 1px solid #b1b4b6; break-inside: avoid; }
figure.chart figcaption { font-size: 12px; line-height: 1.25; margin-bottom: 4px; }
svg.chart { display: block; width: 100%; height: auto; }
.legend { font-size: 12px; color: #505a5f; }
.legend .swatch { display: inline-block; width: 24px; height: 0; vertical-align: middle;
  margin: 0 4px 0 12px; border-top: 2px solid #1d70b8; }
.legend .swatch.target { border-top: 2px dashed #b10e1e; }
.legend .swatch.mean { border-top: 1px solid #505a5f; }
.legend .swatch.limit { border-top: 2px dotted #505a5f; }
ul.highlights li { margin-bottom: .3rem; }
@page { size: A4 landscape; margin: 10mm; }
@media print {
  body { padding: 0; font-size: 9pt; }
  h1 { font-size: 16pt; }
  h2 { font-size: 13pt; margin-top: 0; }
  a { color: inherit; text-decoration: none; }
  nav { break-after: page; }
  section.theme { break-before: page; }
  table.report { font-size: 7pt; }
  table.report thead { display: table-header-group; }
  table.report tr { break-inside: avoid; }
  .table-wrap { overflow: visible; }
  .charts { grid-template-columns: repeat(5, 1fr); gap: 6px; }
  figure.chart figcaption { font-size: 7pt; }
  ul.highlights, .legend { font-size: 8pt; }
}
"""

# Nothing may be fetched or run: styles inline only, SVG inline (no images at all).
CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _rag_css() -> str:
    # Printers drop backgrounds unless told; the word stays readable either way.
    return "".join(
        f"td.rag-{rag} {{ background: {fill}; color: {ink}; print-color-adjust: exact; "
        "-webkit-print-color-adjust: exact; }\n"
        for rag, (fill, ink) in RAG_COLOURS.items()
    )


def _rag_class(rag: str | None) -> str:
    return "rag-" + (rag or "no data").replace(" ", "-")


def report_html(report: ReportDocument, *, title: str | None = None) -> str:
    """The report as one self-contained HTML document.

    Reads the :class:`~csc_perf.app.report.Report`: its frame (the tables), its results (for
    suppressed cells and the charts' series, targets and SPC limits) and its highlights (the
    top three of each theme are shown). Returns the document as text (encode it as UTF-8).
    Raises nothing for missing data: a month without a figure is a blank cell and a gap in
    the chart.
    """
    definitions, month, results = report.definitions, report.month, report.results
    authority = definitions.workspace.authority_name
    if title is None:
        who = f"{authority} children's social care" if authority else "Children's social care"
        title = f"{who} performance report: {month:%B %Y}"
    months = list(report.months)
    series = series_by_indicator(results, month)
    statuses = _statuses(results, months)
    themes = report.themes

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="csc-perf {_e(__version__)}">',
        f"<title>{_e(title)}</title>",
        f"<style>{CSS}{_rag_css()}{MATRIX_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">Figures for {month:%B %Y}'
        + (
            f", {_e(authority)} ({_e(definitions.workspace.authority)})"
            if authority
            else (
                f", authority {_e(definitions.workspace.authority)}"
                if definitions.workspace.authority
                else ""
            )
        )
        + f". Made with csc-perf {_e(__version__)}.</p>",
        "</header>",
        _contents(themes, matrix=bool(report.matrix is not None and report.matrix.height)),
        "<main>",
        matrix_section(report),
    ]
    comparisons = list(report.comparisons)
    if not themes:
        parts.append("<p>No indicators to show.</p>")
    for theme in themes:
        rows = report.theme_rows(theme.id)
        mine = report.theme_highlights(theme.id, HIGHLIGHTS_PER_THEME)
        parts.append(
            _theme_section(theme, rows, months, month, statuses, series, mine, comparisons)
        )
    parts += [_key(), "</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


def _contents(themes: list, matrix: bool = False) -> str:
    items = "".join(f'<li><a href="#theme-{_e(t.id)}">{_e(t.name)}</a></li>' for t in themes)
    if matrix:
        items = f'<li><a href="#spc-matrix">{_e(MATRIX_HEADING)}</a></li>{items}'
    return (
        '<nav aria-labelledby="contents">'
        '<h2 id="contents">Contents</h2>'
        f"<ol>{items}"
        '<li><a href="#key">How to read this report</a></li></ol>'
        "</nav>"
    )


def _key() -> str:
    return (
        '<section id="key" aria-labelledby="key-heading">'
        '<h2 id="key-heading">How to read this report</h2>'
        '<dl class="key">'
        "<dt>RAG</dt><dd>GREEN: the target is met. AMBER: missed, but within the indicator's "
        "tolerance. RED: missed by more. BLUE: a stretch target is beaten. A dash: no "
        "target (monitored only). The word is always printed, so the rating reads without "
        "colour.</dd>"
        "<dt>Direction of travel</dt><dd>Against the previous month: ▲ improving, ▼ "
        "declining, ↑ increased / ↓ decreased for indicators without a better direction, "
        "→ no change; n/c when there is nothing to compare with.</dd>"
        "<dt>SPC</dt><dd>Statistical process control (XmR chart): whether the latest month "
        "is common cause (normal) variation or a special cause, and whether the target is "
        "consistently passed, failed, or hit and missed at random. Blank or “no SPC” when "
        "there are too few months or the figure is a rolling 12-month value.</dd>"
        + icons_key()
        + "<dt>Charts</dt><dd>"
        '<span class="legend"><span class="swatch" aria-hidden="true"></span>monthly value'
        '<span class="swatch target" aria-hidden="true"></span>target (dashed)'
        '<span class="swatch mean" aria-hidden="true"></span>SPC mean'
        '<span class="swatch limit" aria-hidden="true"></span>process limits (dotted)</span>'
        "</dd></dl></section>"
    )


def _theme_section(theme, rows, months, month, statuses, series, highlights, comparisons=()) -> str:
    heading = f"h-{_e(theme.id)}"
    out = [
        f'<section class="theme" id="theme-{_e(theme.id)}" aria-labelledby="{heading}">',
        f'<h2 id="{heading}">{_e(theme.name)}</h2>',
    ]
    if theme.outcome:
        out.append(f'<p class="outcome">{_e(theme.outcome)}</p>')
    out.append(_table(theme, rows, months, month, statuses))
    out.append(_comparison_table(theme, rows, comparisons))
    out.append(f"<h3>Charts: {_e(theme.name)}</h3>")
    out.append('<div class="charts">')
    for row in rows:
        chart_id = f"chart-{theme.id}-{row['indicator']}"
        points = series.get(row["indicator"], [])
        out.append(
            f'<figure class="chart" id="{_e(chart_id)}">'
            f"<figcaption>{_e(row['name'])}</figcaption>"
            f"{chart_svg(points, row, chart_id)}</figure>"
        )
    out.append("</div>")
    if highlights:
        out.append(f"<h3>Highlights: {_e(theme.name)}</h3>")
        out.append(
            '<ul class="highlights">'
            + "".join(f"<li>{_e(h.sentence)}</li>" for h in highlights)
            + "</ul>"
        )
    out.append("</section>")
    return "\n".join(out)


def _table(theme, rows, months, month, statuses) -> str:
    labels = [report_label(m) for m in months]
    cols = (
        '<colgroup><col class="name">'
        + '<col class="month">' * len(months)
        + '<col class="target"><col class="rag"><col class="dot"><col class="spc"></colgroup>'
    )
    head = (
        '<thead><tr><th scope="col" class="name">Indicator</th>'
        + "".join(f'<th scope="col" class="month">{_e(label)}</th>' for label in labels)
        + '<th scope="col">Target</th><th scope="col" class="rag">RAG</th>'
        + '<th scope="col" class="text">Direction of travel</th>'
        + '<th scope="col" class="text">SPC</th></tr></thead>'
    )
    body = []
    for row in rows:
        cells = [f'<th scope="row">{_e(row["name"])}</th>']
        for m in months:
            iso = m.strftime("%Y-%m")
            status = statuses.get((row["indicator"], m))
            text = format_value(row[iso], row["unit"], row["decimals"], status)
            classes = ["num"]
            if m == month:
                classes.append("current")
            if status == "suppressed":
                classes.append("suppressed")
            cells.append(f'<td class="{" ".join(classes)}">{_e(text)}</td>')
        cells.append(f'<td class="num">{_e(format_target(row))}</td>')
        word = RAG_STYLE.get(row["rag"], (row["rag"] or "", ""))[0]
        cells.append(f'<td class="rag {_rag_class(row["rag"])}">{_e(word)}</td>')
        symbol, direction = direction_word(row)
        arrow = f'<span aria-hidden="true">{_e(symbol)}</span> ' if symbol else ""
        cells.append(f"<td>{arrow}{_e(direction)}</td>")
        icons = spc_icons(row)
        icons = f'<div class="icons">{icons}</div>' if icons else ""
        cells.append(f'<td class="spc">{icons}{_e(spc_words(row))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    caption = f"{theme.name}: {labels[0]} and {labels[1]} to {labels[-1]}"
    return (
        '<div class="table-wrap"><table class="report">'
        f"<caption>{_e(caption)}</caption>{cols}{head}"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _comparison_table(theme, rows, columns: list[tuple[str, str]]) -> str:
    """The seed's comparison columns (own financial years, statistical neighbours, region,
    England), as a table of their own beside the monthly one when the frame has them."""
    if not rows or not columns:
        return ""
    head = (
        '<thead><tr><th scope="col" class="name">Indicator</th>'
        + "".join(f'<th scope="col" class="num">{_e(header)}</th>' for _, header in columns)
        + "</tr></thead>"
    )
    body = "".join(
        "<tr>"
        + f'<th scope="row">{_e(row["name"])}</th>'
        + "".join(f'<td class="num">{_e(comparison_cell(row, name))}</td>' for name, _ in columns)
        + "</tr>"
        for row in rows
    )
    caption = f"{theme.name}: benchmarks (* a partial financial year)"
    return (
        '<div class="table-wrap"><table class="report benchmarks">'
        f"<caption>{_e(caption)}</caption>{head}<tbody>{body}</tbody></table></div>"
    )


def _statuses(results: pl.DataFrame, months: list[date]) -> dict[tuple[str, date], str]:
    rows = results.filter(pl.col("month").is_in(months)).select("indicator", "month", "status")
    return {(i, m): s for i, m, s in rows.iter_rows()}
