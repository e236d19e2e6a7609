"""Making Data Count's icons and the summary matrix where SPC is shown: the HTML report
(opened in headless Chromium), the terminal (with and without colour), Excel.

Facts worked by hand from the example workspace (the seed's figures) and the definitions:

* CLA visits (``cla_visits``), Oct-23 to Oct-24: 81 85 83 83 79 83 80 85 87 84 85 89 84 (%).
  Mean 1088 / 13 = 83.69; moving ranges 4 2 0 4 4 3 5 2 3 1 4 5, mean 37 / 12 = 3.08;
  limits 83.69 -/+ 8.20 = 75.49 and 91.89; 2-sigma line 89.16. No point beyond a limit or
  the 2-sigma line, the longest run on one side of the mean is 6, so October is common
  cause. Higher is better and the 95% target is above the upper limit: consistently failing.
* Contacts have no target: a variation icon and no assurance icon.
* Referrals per 10,000 (``referrals_rate``) is a rolling 12-month rate: no SPC, no icons.
* Initial health assessments were not shared for October: no figure, no limits.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date

import polars as pl
import pytest

from test_html_report import (
    chromium,
    console_lines,
    needs_browser,
    parse_dom,
    report_inputs,
    section_tables,
    squash,
)
from test_xlsx_report import SHEET

MONTH = date(2024, 10, 1)
CLA_VISITS = "Percentage of CLA for whom a visit has taken place within agreed timescales"
CONTACTS = "Number of contacts in the month"
REFERRALS_RATE = "Rate of referrals per 10,000 population under 18 years old"
HEALTH = "initial_health_assessments"

# The words of each icon, typed from the vocabulary's meaning (MDC's names for them).
VARIATION_TITLES = {
    "concern_high": "Special cause concern (high)",
    "concern_low": "Special cause concern (low)",
    "common_cause": "Common cause variation",
    "improvement_high": "Special cause improvement (high)",
    "improvement_low": "Special cause improvement (low)",
    "neither_high": "Special cause, neither improvement nor concern (high)",
    "neither_low": "Special cause, neither improvement nor concern (low)",
}
ASSURANCE_TITLES = {
    "fail": "Consistently failing the target",
    "hit_or_miss": "Hitting and missing the target at random",
    "pass": "Consistently passing the target",
}
# The matrix reads what needs action first (docs/reports.md).
MATRIX_ROWS = [*VARIATION_TITLES, "none"]
MATRIX_COLUMNS = [*ASSURANCE_TITLES, "none"]
SVG = "{http://www.w3.org/2000/svg}"


# -- the icons themselves ---------------------------------------------------------------
@pytest.mark.parametrize("variation", sorted(VARIATION_TITLES))
def test_variation_icon_is_svg_with_its_title_ring_and_letter(variation):
    from csc_perf.render.icons import variation_icon
    from csc_perf.render.mdc import CONCERN, IMPROVEMENT, NEITHER

    svg = ET.fromstring(variation_icon(variation))
    assert svg.tag == f"{SVG}svg" and svg.get("role") == "img"
    assert svg[0].tag == f"{SVG}title" and svg[0].text == VARIATION_TITLES[variation]
    ring = svg.find(f"{SVG}circle")
    colour = {"improvement": IMPROVEMENT, "concern": CONCERN, "neither": NEITHER}.get(
        variation.split("_")[0], "#7b7d7d"
    )
    assert ring.get("stroke") == colour
    letters = [t.text for t in svg.iter(f"{SVG}text")]
    assert letters == {"high": ["H"], "low": ["L"]}.get(variation.rsplit("_", 1)[1], [])
    assert len(svg.findall(f"{SVG}circle")) == 1 + 6  # the ring and six points


@pytest.mark.parametrize(("assurance", "letter"), [("pass", "P"), ("fail", "F")])
def test_assurance_icon_letters(assurance, letter):
    from csc_perf.render.icons import assurance_icon

    svg = ET.fromstring(assurance_icon(assurance))
    assert svg[0].text == ASSURANCE_TITLES[assurance]
    assert [t.text for t in svg.iter(f"{SVG}text")] == [letter]
    # Pass in MDC blue, fail in MDC orange.
    expected = {"pass": "#289de0", "fail": "#fab428"}[assurance]
    assert svg.find(f"{SVG}circle").get("stroke") == expected


def test_hit_or_miss_is_a_wave_across_the_target_and_unknowns_draw_nothing():
    from csc_perf.render.icons import assurance_icon, spc_icons, variation_icon

    svg = ET.fromstring(assurance_icon("hit_or_miss"))
    assert svg[0].text == ASSURANCE_TITLES["hit_or_miss"]
    assert svg.find(f"{SVG}line").get("stroke") == "#de1b1b"  # the target, in MDC red
    assert svg.find(f"{SVG}path") is not None and svg.find(f"{SVG}text") is None
    assert variation_icon(None) == assurance_icon(None) == ""
    assert variation_icon("<script>") == assurance_icon("none") == ""
    assert spc_icons({"spc_variation": None, "spc_assurance": None}) == ""


# -- the terminal -----------------------------------------------------------------------
def test_spc_text_is_the_marks_and_words_in_mdc_colours():
    from csc_perf.render.results import spc_text

    row = {"spc_variation": "improvement_low", "spc_assurance": "fail", "spc_note": None}
    text = spc_text(row)
    assert text.plain == "▼ improvement (low); F consistently failing"
    styles = {text.plain[s.start : s.end]: str(s.style) for s in text.spans}
    assert styles == {
        "▼ improvement (low)": "bold #289de0",
        "F consistently failing": "bold #fab428",
    }
    no_limits = {"spc_variation": None, "spc_assurance": None, "spc_note": "rolling"}
    assert spc_text(no_limits).plain == "no SPC" and not spc_text(no_limits).spans


def colour_codes(output: str) -> list[str]:
    """The SGR colour parameters in terminal output (foreground or background)."""
    found = []
    for params in re.findall(r"\x1b\[([0-9;]*)m", output):
        codes = params.split(";")
        if any(
            c in ("38", "48") or (c.isdigit() and (30 <= int(c) <= 49 or 90 <= int(c) <= 107))
            for c in codes
        ):
            found.append(params)
    return found


def strip_codes(output: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", output)


def test_terminal_colours_the_icons_and_no_color_makes_them_plain(cli, full_workspace, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    args = ("trend", "cla_visits", "--month", "2024-10", "--months", "13", "--format", "table")
    line = "SPC: ● common cause variation; F consistently failing"

    def spc_line(output: str) -> str:
        return next(text for text in output.splitlines() if "consistently failing" in text)

    piped = cli(*args).stdout  # not a terminal: plain text
    assert line in piped and "\x1b[" not in piped

    monkeypatch.setenv("FORCE_COLOR", "1")  # a terminal (Rich picks how many colours)
    assert colour_codes(spc_line(cli(*args).stdout))

    monkeypatch.setenv("NO_COLOR", "1")
    plain = cli(*args).stdout
    assert colour_codes(plain) == []
    assert line in strip_codes(plain)
    from csc_perf.render import terminal

    monkeypatch.delenv("NO_COLOR")
    terminal.configure()  # each CLI run configures the terminal: leave it with colour


# Rendered in a fresh process: Rich keeps a style's escape codes for the first colour system
# it met, so an earlier 16-colour render in this process would stand in for truecolor.
PRINT_SPC = (
    "import io; from csc_perf.render import terminal; from csc_perf.render.results import "
    "spc_text; terminal.configure(); c = terminal.console(file=io.StringIO(), "
    "force_terminal=True, color_system='truecolor', width=80); c.print(spc_text("
    "{'spc_variation': 'common_cause', 'spc_assurance': 'fail', 'spc_note': None})); "
    "print(c.file.getvalue(), end='')"
)


def test_terminal_colours_are_the_mdc_palette_unless_no_color():
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)

    def printed(**extra: str) -> str:
        command = [sys.executable, "-c", PRINT_SPC]
        done = subprocess.run(command, env={**env, **extra}, capture_output=True, check=True)
        return done.stdout.decode("utf-8")

    codes = ";".join(colour_codes(printed()))
    assert "38;2;123;125;125" in codes  # common cause grey, #7b7d7d
    assert "38;2;250;180;40" in codes  # failing orange, #fab428
    shown = printed(NO_COLOR="1")
    assert colour_codes(shown) == []  # bold stays: the words stand out without colour
    assert "● common cause variation; F consistently failing" in strip_codes(shown)


# -- Excel --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def workbook_bytes(full_store_template, definitions) -> bytes:
    from csc_perf.render.xlsx import report_xlsx

    return report_xlsx(report_inputs(full_store_template, definitions))


def spc_cell(sheet, name: str):
    header = [c.value for c in sheet[2]]
    column = header.index("SPC") + 1
    row = next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, 1).value == name)
    return sheet.cell(row, column)


def test_xlsx_spc_cells_are_coloured_text(workbook_bytes):
    import openpyxl

    rich = openpyxl.load_workbook(io.BytesIO(workbook_bytes), rich_text=True)
    cell = spc_cell(rich[SHEET["visiting"]], CLA_VISITS).value
    # The coloured runs are bold; the "; " between them is the cell's own font.
    blocks = [(b.text, b.font.color.rgb) for b in cell if not isinstance(b, str) and b.font.b]
    assert blocks == [
        ("● common cause variation", "FF7B7D7D"),
        ("F consistently failing", "FFFAB428"),
    ]
    plain = openpyxl.load_workbook(io.BytesIO(workbook_bytes))
    visits = spc_cell(plain[SHEET["visiting"]], CLA_VISITS)
    assert visits.value == "● common cause variation; F consistently failing"
    # No target: one part, the cell's own font in the common-cause grey, bold.
    contacts = spc_cell(plain[SHEET["family_help"]], CONTACTS)
    assert contacts.value == "● common cause variation"
    assert (contacts.font.color.rgb, contacts.font.b) == ("FF7B7D7D", True)
    rate = spc_cell(plain[SHEET["family_help"]], REFERRALS_RATE)
    assert rate.value == "no SPC" and (rate.font.color is None or rate.font.color.rgb != "FF7B7D7D")


# -- the HTML report in Chromium ----------------------------------------------------------
# The layout each icon and the matrix get, written into the DOM by one line of script in a
# copy of the report without its CSP (the report itself runs no script).
PROBE = (
    "<script>const icons = Array.from(document.querySelectorAll('svg.mdc-icon'));"
    "const m = document.querySelector('table.matrix').getBoundingClientRect();"
    "document.body.dataset.layout = [icons.length, "
    "icons.filter(i => {const r = i.getBoundingClientRect(); "
    "return r.width >= 20 && r.height >= 20;}).length, Math.ceil(m.right), Math.ceil(m.height), "
    "document.documentElement.clientWidth].join(' ')</script>"
)


@pytest.fixture(scope="module")
def shown(tmp_path_factory, full_store_template, definitions):
    """The report as Chromium shows it at laptop size: (DOM, console log, report)."""
    from csc_perf.render.html import report_html

    report = report_inputs(full_store_template, definitions)
    text = report_html(report)
    probed = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
    path = tmp_path_factory.mktemp("icons") / "report.html"
    path.write_text(probed.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dumped = chromium("--window-size=1366,900", "--dump-dom", path.as_uri())
    return parse_dom(dumped.stdout), dumped.stderr, report


def icon_titles(node) -> list[str]:
    return [squash(svg.find_all("title")[0].text()) for svg in node.find_all("svg", "mdc-icon")]


@needs_browser
def test_matrix_grid_has_the_icons_as_headers_in_order(shown):
    dom, stderr, _ = shown
    assert console_lines(stderr) == []
    (section,) = [s for s in dom.find_all("section", "matrix") if s.attrs["id"] == "spc-matrix"]
    (table,) = section.find_all("table", "matrix")
    head = table.find_all("thead")[0].find_all("th")
    assert [th.attrs.get("data-assurance") for th in head[1:]] == MATRIX_COLUMNS
    assert [icon_titles(th) for th in head[1:]] == [[t] for t in ASSURANCE_TITLES.values()] + [[]]
    rows = table.find_all("tbody")[0].find_all("tr")
    assert [tr.attrs["data-variation"] for tr in rows] == MATRIX_ROWS
    assert [icon_titles(tr.find_all("th")[0]) for tr in rows] == [
        [t] for t in VARIATION_TITLES.values()
    ] + [[]]
    for svg in table.find_all("svg", "mdc-icon"):
        assert svg.attrs["role"] == "img"
    links = [a.attrs["href"] for a in dom.find_all("nav")[0].find_all("a")]
    assert links[0] == "#spc-matrix"


@needs_browser
def test_matrix_lists_every_indicator_exactly_once_where_it_belongs(shown, definitions):
    dom, _, _ = shown
    table = dom.find_all("table", "matrix")[0]
    placed: dict[str, tuple[str, str]] = {}
    counts: Counter = Counter()
    figures = {f.attrs["id"] for f in dom.find_all("figure", "chart")}
    for tr in table.find_all("tbody")[0].find_all("tr"):
        cells = tr.find_all("td")
        assert len(cells) == len(MATRIX_COLUMNS)
        for column, td in zip(MATRIX_COLUMNS, cells, strict=True):
            for li in td.find_all("li"):
                name = squash(li.text())
                counts[name] += 1
                placed[name] = (tr.attrs["data-variation"], column)
                (link,) = li.find_all("a")
                assert link.attrs["href"][1:] in figures  # the name links to its chart
    names = {i.id: " ".join(i.name.split()) for i in definitions.indicators}
    assert counts == Counter(names.values())  # every indicator, once each
    assert placed[CLA_VISITS] == ("common_cause", "fail")
    assert placed[names[HEALTH]] == ("none", "none")
    for item in definitions.indicators:
        if item.unit == "rate" and item.measure == "flow":  # rolling rates: no SPC
            assert placed[names[item.id]][0] == "none", item.id
        if not item.targets:
            assert placed[names[item.id]][1] == "none", item.id


@needs_browser
def test_report_tables_show_the_icons_with_their_titles(shown):
    dom, _, report = shown
    tables = section_tables(dom)

    def spc_td(theme: str, name: str):
        for tr in tables[theme].find_all("tbody")[0].find_all("tr"):
            if squash(tr.find_all("th")[0].text()) == name:
                return tr.find_all("td", "spc")[0]
        raise AssertionError(name)

    visits = spc_td("Performance - Visiting", CLA_VISITS)
    assert icon_titles(visits) == ["Common cause variation", "Consistently failing the target"]
    family_help = "Right support at the right time – Family Help"
    assert icon_titles(spc_td(family_help, CONTACTS)) == ["Common cause variation"]
    rate = spc_td(family_help, REFERRALS_RATE)
    assert rate.find_all("svg") == [] and squash(rate.text()) == "no SPC"
    # One variation icon per row with limits, one assurance icon per row with assurance.
    frame = report.frame
    expected = (
        frame.get_column("spc_variation").is_not_null().sum()
        + frame.get_column("spc_assurance").is_not_null().sum()
    )
    in_tables = sum(len(t.find_all("svg", "mdc-icon")) for t in dom.find_all("table", "report"))
    assert in_tables == expected


@needs_browser
def test_icons_and_matrix_are_laid_out_on_a_laptop_screen(shown):
    dom, _, _ = shown
    body = dom.find_all("body")[0]
    count, sized, right, height, client = map(int, body.attrs["data-layout"].split())
    assert count == len(dom.find_all("svg", "mdc-icon")) > 0
    assert sized == count  # every icon drawn at 20 pixels or more
    assert right <= client and height > 0  # the matrix fits the width


def test_matrix_is_absent_without_indicators(full_store_template, definitions):
    import dataclasses

    from csc_perf.render.html import report_html

    report = report_inputs(full_store_template, definitions)
    empty = dataclasses.replace(report, matrix=report.matrix.head(0))
    text = report_html(empty)
    assert 'id="spc-matrix"' not in text and 'href="#spc-matrix"' not in text
    assert report.matrix.get_column("indicator").n_unique() == report.matrix.height
    assert set(report.matrix.get_column("month")) == {MONTH}
    assert isinstance(report.matrix, pl.DataFrame)
