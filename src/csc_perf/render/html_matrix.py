"""The HTML report's SPC summary matrix (Making Data Count's summary table) and the key to
its icons.

The matrix is a table: a row per variation, a column per assurance, in the order of the
matrix frame's categories (:func:`~csc_perf.methods.matrix.spc_matrix` makes it; the
order is its ``Enum`` dtypes'), each header an MDC icon (:mod:`csc_perf.render.icons`) with
its words, each cell the indicators placed there, linked to their charts.
"""

from __future__ import annotations

from csc_perf.render.document import ReportDocument
from csc_perf.render.icons import assurance_icon, variation_icon
from csc_perf.render.mdc import (
    ASSURANCE_COLOURS,
    VARIATION_COLOURS,
    assurance_title,
    variation_title,
)
from csc_perf.render.safety import html_escape as _e

MATRIX_CSS = """
svg.mdc-icon { display: inline-block; vertical-align: middle; flex: none; }
td.spc .icons { display: flex; gap: 2px; margin-bottom: 2px; }
table.matrix { width: 100%; table-layout: fixed; border-collapse: collapse; font-size: 12px;
  line-height: 1.25; }
table.matrix caption { text-align: left; font-weight: 700; padding: 0 0 .3rem; }
table.matrix th, table.matrix td { border: 1px solid #b1b4b6; padding: 4px;
  vertical-align: top; overflow-wrap: anywhere; text-align: left; }
table.matrix th { background: #f3f2f1; font-weight: 700; }
table.matrix thead th { vertical-align: bottom; }
table.matrix th .mdc-icon { display: block; margin-bottom: 3px; }
table.matrix ul { margin: 0; padding-left: 1.1em; }
table.matrix td.count-0 { background: #fafafa; }
ul.icon-key { list-style: none; padding-left: 0; columns: 2; }
ul.icon-key li { margin: 2px 0; }
ul.icon-key .mdc-icon { margin-right: 6px; }
@media print {
  section.matrix { break-before: page; }
  table.matrix { font-size: 7pt; }
  table.matrix thead { display: table-header-group; }
}
"""

MATRIX_HEADING = "SPC summary: variation and assurance"

# The grid's headers: the icon (none for the "none" categories) and its words.
_HEADERS = {
    "variation": (variation_icon, variation_title),
    "assurance": (assurance_icon, assurance_title),
}


def _header(kind: str, category: str, scope: str) -> str:
    icon, title = _HEADERS[kind]
    return (
        f'<th scope="{scope}" data-{kind}="{_e(category)}">'
        f"{icon(category, 32)}{_e(title(category))}</th>"
    )


def matrix_section(report: ReportDocument) -> str:
    """The report's summary matrix (``report.matrix``, a frame of
    :func:`~csc_perf.methods.matrix.spc_matrix`) as a ``<section>``; empty text without
    one. Each name links to the indicator's first chart in the report."""
    matrix = report.matrix
    if matrix is None or not matrix.height:
        return ""
    charts: dict[str, str] = {}
    for theme, indicator in report.frame.select("theme", "indicator").iter_rows():
        charts.setdefault(indicator, f"chart-{theme}-{indicator}")
    caption = f"SPC summary, {report.month:%B %Y}: {matrix.height} indicators"
    variations = matrix.schema["variation"].categories.to_list()  # type: ignore[attr-defined]
    assurances = matrix.schema["assurance"].categories.to_list()  # type: ignore[attr-defined]
    cells: dict[tuple[str, str], list[str]] = {}
    for indicator, name, variation, assurance in matrix.select(
        "indicator", "name", "variation", "assurance"
    ).iter_rows():
        chart = charts.get(indicator)
        item = f'<a href="#{_e(chart)}">{_e(name)}</a>' if chart else _e(name)
        cells.setdefault((variation, assurance), []).append(f"<li>{item}</li>")
    head = (
        '<thead><tr><th scope="col">Variation \\ assurance</th>'
        + "".join(_header("assurance", a, "col") for a in assurances)
        + "</tr></thead>"
    )
    body = []
    for variation in variations:
        row = [_header("variation", variation, "row")]
        for assurance in assurances:
            mine = cells.get((variation, assurance), [])
            listed = f"<ul>{''.join(mine)}</ul>" if mine else ""
            row.append(f'<td class="count-{len(mine)}">{listed}</td>')
        body.append(f'<tr data-variation="{_e(variation)}">{"".join(row)}</tr>')
    return (
        '<section class="matrix" id="spc-matrix" aria-labelledby="matrix-heading">'
        f'<h2 id="matrix-heading">{_e(MATRIX_HEADING)}</h2>'
        '<p class="note">Each indicator once, placed by its latest month (Making Data '
        "Count's summary table): the rows say whether the month's figure shows special "
        "cause variation and of which kind, the columns whether the target is consistently "
        "met, consistently missed, or hit and missed at random. Names link to their "
        "charts.</p>"
        f'<div class="table-wrap"><table class="matrix"><caption>{_e(caption)}</caption>'
        f"{head}<tbody>{''.join(body)}</tbody></table></div></section>"
    )


def icons_key() -> str:
    """The key's entry for the icons: each one with its words."""
    variations = "".join(
        f"<li>{variation_icon(v)}{_e(variation_title(v))}</li>" for v in VARIATION_COLOURS
    )
    assurances = "".join(
        f"<li>{assurance_icon(a)}{_e(assurance_title(a))}</li>" for a in ASSURANCE_COLOURS
    )
    return (
        "<dt>SPC icons</dt><dd>Making Data Count's icons, drawn for this report. Variation "
        "(grey: common cause; blue: improvement; orange: concern; purple: special cause "
        "where neither direction is better; H and L: high and low):"
        f'<ul class="icon-key">{variations}</ul>'
        "Assurance (P: pass, F: fail, a wave across the target: hit or miss):"
        f'<ul class="icon-key">{assurances}</ul></dd>'
    )
