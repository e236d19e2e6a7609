"""The HTML report: built through the library from the example store (the seed's figures),
then opened in real headless Chromium, and checked for what a reader sees.

Expected figures are typed from the seed report (southampton-csc-performance-report-2024-10);
RAG ratings are worked by hand from the definitions' targets and amber rules.

Browser tests are skipped only when Chromium is absent and CI is not set; in CI they run
(`.ci/run` installs Chromium).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import struct
import subprocess
import tempfile
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ROOT

MONTH = date(2024, 10, 1)
CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
needs_browser = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Chromium is not installed (apt-get install chromium chromium-driver)",
)

# The seed's section headings, in report order. The last one has no heading in the seed (the
# table follows the Visiting one); its name is the one indicators.toml gives it.
THEME_HEADINGS = [
    "Right support at the right time – Family Help",
    "Right support at the right time – Family Safeguarding",
    "Strong, safe & vibrant localities",
    "Children remain within or return to their birth families",
    "Promote permanence and placement stability",
    "Permanent, stable workforce",
    "Performance - Visiting",
    "Performance - Supervision",
]
# The seed's eight tables have 73 rows between them.
SEED_TABLE_ROWS = 73
MONTH_HEADERS = [
    *("Oct-22", "Oct-23", "Nov-23", "Dec-23", "Jan-24", "Feb-24", "Mar-24"),
    *("Apr-24", "May-24", "Jun-24", "Jul-24", "Aug-24", "Sep-24", "Oct-24"),
]


# -- building the report through the library ------------------------------------------------
def report_inputs(store_folder: Path, definitions):
    """What `csc-perf report` computes: results for every stored month up to October 2024
    (and the report's columns), built into the report model through the library."""
    from csc_perf.app.report import build_report, report_months
    from csc_perf.methods.results import compute_results
    from csc_perf.store.core import Store

    observations = Store(store_folder).observations()
    stored = observations.get_column("month").unique().to_list()
    months = sorted({m for m in stored if m <= MONTH} | set(report_months(MONTH)))
    results = compute_results(observations, definitions, months=months, authority="852")
    return build_report(results, definitions, MONTH)


def render(store_folder: Path, definitions, **kwargs) -> str:
    from csc_perf.render.html import report_html

    return report_html(report_inputs(store_folder, definitions), **kwargs)


@pytest.fixture(scope="module")
def report_text(full_store_template, definitions) -> str:
    return render(full_store_template, definitions)


# -- a small DOM, from Chromium's --dump-dom (stdlib parser, no extra dependency) -----------
VOID = {"meta", "link", "br", "hr", "img", "input", "col", "area", "base", "source", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find_all(self, tag: str, cls: str | None = None) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag and (
                    cls is None or cls in child.attrs.get("class", "").split()
                ):
                    found.append(child)
                found += child.find_all(tag, cls)
        return found


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse_dom(text: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(text)
    return builder.root


def squash(text: str) -> str:
    return " ".join(text.split())


def table_rows(table: Node) -> dict[str, dict[str, str]]:
    """Indicator name -> {column header: cell text} for one report table."""
    headers = [squash(th.text()) for th in table.find_all("thead")[0].find_all("th")]
    rows = {}
    for tr in table.find_all("tbody")[0].find_all("tr"):
        cells = [squash(c.text()) for c in tr.children if isinstance(c, Node)]
        rows[cells[0]] = dict(zip(headers, cells, strict=True))
    return rows


def section_tables(dom: Node) -> dict[str, Node]:
    """Theme heading -> its report table."""
    out = {}
    for section in dom.find_all("section", "theme"):
        heading = squash(section.find_all("h2")[0].text())
        out[heading] = section.find_all("table", "report")[0]
    return out


# -- running Chromium --------------------------------------------------------------------------
def chromium(*args: str) -> subprocess.CompletedProcess:
    """Headless Chromium with no network features and a fresh profile; logs on stderr."""
    if CHROMIUM is None:
        pytest.fail("Chromium is required when CI is set (.ci/run installs it)")
    profile = tempfile.mkdtemp(prefix="csc-perf-chromium-")
    try:
        return subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=True,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def console_lines(stderr: str) -> list[str]:
    """The page's console messages (errors, CSP violations, blocked fetches) in the log."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.fixture(scope="module")
def opened(tmp_path_factory, report_text):
    """The report written to a file and opened in Chromium at laptop size: (file, DOM,
    stderr, screenshot path)."""
    folder = tmp_path_factory.mktemp("html-report")
    path = folder / "report.html"
    path.write_text(report_text, encoding="utf-8")
    dumped = chromium("--window-size=1366,900", "--dump-dom", path.as_uri())
    shot = folder / "shot.png"
    shown = chromium(
        "--window-size=1366,900", f"--screenshot={shot}", "--hide-scrollbars", path.as_uri()
    )
    return path, parse_dom(dumped.stdout), dumped.stderr + shown.stderr, shot


# -- in the browser --------------------------------------------------------------------------
@needs_browser
def test_every_theme_is_a_section_and_in_the_contents(opened):
    _, dom, _, _ = opened
    headings = [squash(h.text()) for h in dom.find_all("h2")]
    themes = [h for h in headings if h in THEME_HEADINGS]
    assert themes == THEME_HEADINGS
    links = {squash(a.text()): a.attrs["href"] for a in dom.find_all("nav")[0].find_all("a")}
    ids = {s.attrs.get("id") for s in dom.find_all("section")}
    for heading in THEME_HEADINGS:
        assert links[heading].startswith("#") and links[heading][1:] in ids


@needs_browser
def test_known_figures_target_and_rag_as_the_seed_prints_them(opened):
    _, dom, _, _ = opened
    tables = section_tables(dom)
    family_help = table_rows(tables["Right support at the right time – Family Help"])
    contacts = family_help["Number of contacts in the month"]
    assert contacts["Oct-22"] == "1,488"
    assert contacts["Oct-23"] == "1,923"
    assert contacts["Oct-24"] == "1,928"
    # 588 against a target of 581, lower is better, amber within 5% (610.05): AMBER.
    rate = family_help["Rate of referrals per 10,000 population under 18 years old"]
    assert (rate["Oct-24"], rate["Target"], rate["RAG"]) == ("588", "581", "AMBER")

    visiting = table_rows(tables["Performance - Visiting"])
    eh = visiting["Percentage of children open to Early Help with a visit in the last 4 weeks"]
    # 83% against 95%, amber down to 90% (5 points): RED, as a word in the cell.
    assert (eh["Oct-23"], eh["Sep-24"], eh["Oct-24"]) == ("71%", "86%", "83%")
    assert (eh["Target"], eh["RAG"]) == ("95%", "RED")
    assert eh["Oct-22"] == ""  # the seed's Visiting table has no Oct-22 column: blank, not 0


@needs_browser
def test_tables_are_accessible_and_have_the_report_columns(opened):
    _, dom, _, _ = opened
    tables = dom.find_all("table", "report")
    assert len(tables) == len(THEME_HEADINGS)
    for table in tables:
        assert squash(table.find_all("caption")[0].text())
        header_cells = table.find_all("thead")[0].find_all("th")
        assert [squash(th.text()) for th in header_cells] == [
            "Indicator",
            *MONTH_HEADERS,
            "Target",
            "RAG",
            "Direction of travel",
            "SPC",
        ]
        assert all(th.attrs.get("scope") == "col" for th in header_cells)
        for tr in table.find_all("tbody")[0].find_all("tr"):
            first = next(c for c in tr.children if isinstance(c, Node))
            assert (first.tag, first.attrs.get("scope")) == ("th", "row")
    # RAG reads without colour: every coloured cell says its rating in words.
    for cell in dom.find_all("td", "rag"):
        assert squash(cell.text()) in {"RED", "AMBER", "GREEN", "BLUE", "-", "no data"}
        colour = next(c for c in cell.attrs["class"].split() if c.startswith("rag-"))
        if colour in {"rag-red", "rag-amber", "rag-green", "rag-blue"}:
            assert squash(cell.text()) == colour.removeprefix("rag-").upper()


@needs_browser
def test_one_chart_per_indicator_row(opened):
    _, dom, _, _ = opened
    rows = sum(len(t.find_all("tbody")[0].find_all("tr")) for t in dom.find_all("table", "report"))
    assert rows == SEED_TABLE_ROWS
    for section in dom.find_all("section", "theme"):
        names = [
            squash(tr.find_all("th")[0].text())
            for tr in section.find_all("tbody")[0].find_all("tr")
        ]
        figures = section.find_all("figure", "chart")
        assert [squash(f.find_all("figcaption")[0].text()) for f in figures] == names
        for figure in figures:
            (svg,) = figure.find_all("svg")
            assert svg.attrs["role"] == "img" and squash(svg.find_all("title")[0].text())
    # One chart per row (the SPC icons are SVG too: class mdc-icon, tested in test_mdc_icons).
    assert len(dom.find_all("svg", "chart")) == SEED_TABLE_ROWS
    # Early Help visits has a target (95%) and 13 months: its chart draws both, and limits.
    eh = next(f for f in dom.find_all("figure") if f.attrs["id"].endswith("eh_visits_4_weeks"))
    classes = {p.attrs.get("class") for p in eh.find_all("path")}
    assert {"series", "target", "spc-mean", "spc-lower", "spc-upper"} <= classes
    assert "target 95%" in eh.find_all("desc")[0].text()


@needs_browser
def test_highlights_follow_each_theme(opened):
    _, dom, _, _ = opened
    total = 0
    for section in dom.find_all("section", "theme"):
        items = [
            squash(li.text())
            for ul in section.find_all("ul", "highlights")
            for li in ul.find_all("li")
        ]
        assert len(items) <= 3
        total += len(items)
    assert total >= len(THEME_HEADINGS)


@needs_browser
def test_no_console_errors_and_nothing_to_fetch(opened):
    path, dom, stderr, _ = opened
    assert console_lines(stderr) == []
    assert dom.find_all("script") == [] and dom.find_all("img") == []
    assert dom.find_all("link") == []
    # Any reference to another resource would be a fetch; the only links are in-page.
    assert not re.search(r"""(?:src|href)=["'](?!#)""", path.read_text(encoding="utf-8"))


@needs_browser
def test_screenshot_of_the_first_page(opened):
    _, _, _, shot = opened
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1366, 900)


@needs_browser
def test_no_horizontal_scroll_on_a_laptop_screen(tmp_path, report_text):
    # The report runs no script (its CSP forbids it), so measure a copy without the CSP and
    # with one line that writes the layout's widths into the DOM: the page's, and the right
    # edge of the widest table or chart (a table scrolling inside its box counts too).
    probe = (
        "<script>const d = document.documentElement; document.body.dataset.widths = "
        "[d.scrollWidth, d.clientWidth, window.innerWidth, Math.max(...Array.from("
        "document.querySelectorAll('table, svg, figure, section'), "
        "e => Math.ceil(e.getBoundingClientRect().right)))].join(' ')</script>"
    )
    measured = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", report_text)
    measured = measured.replace("</body>", probe + "</body>")
    path = tmp_path / "measured.html"
    path.write_text(measured, encoding="utf-8")
    dumped = chromium("--window-size=1366,900", "--dump-dom", path.as_uri())
    widths = re.search(r'data-widths="(\d+) (\d+) (\d+) (\d+)"', dumped.stdout)
    assert widths, dumped.stdout[-500:]
    scroll_width, client_width, inner_width, widest = map(int, widths.groups())
    assert inner_width == 1366
    assert scroll_width <= client_width
    assert widest <= client_width


@needs_browser
def test_prints_on_a4_landscape(tmp_path, report_text):
    path = tmp_path / "report.html"
    path.write_text(report_text, encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", path.as_uri())
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes())
    assert boxes
    # A4 landscape is 297 x 210 mm = 841.9 x 595.3 points.
    for width, height in boxes:
        assert float(width) == pytest.approx(841.9, abs=1.5)
        assert float(height) == pytest.approx(595.3, abs=1.5)
    assert len(boxes) > len(THEME_HEADINGS)  # a page break before each theme


@needs_browser
def test_hostile_names_are_shown_as_text(tmp_path, full_store_template):
    from csc_perf.definitions.loading import parse_definitions

    text = (ROOT / "indicators.toml").read_text(encoding="utf-8")
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    text = text.replace(
        'name = "Number of contacts in the month"', f"name = '{hostile}'", 1
    ).replace('name = "Performance - Visiting"', "name = 'Visiting & <b>friends</b>'", 1)
    definitions = parse_definitions(text, source="hostile.toml")
    path = tmp_path / "hostile.html"
    path.write_text(render(full_store_template, definitions), encoding="utf-8")
    dumped = chromium("--window-size=1366,900", "--dump-dom", path.as_uri())
    dom = parse_dom(dumped.stdout)
    assert dom.find_all("script") == [] and dom.find_all("img") == []
    assert dom.find_all("b") == []
    tables = section_tables(dom)
    assert hostile in table_rows(tables["Right support at the right time – Family Help"])
    assert "Visiting & <b>friends</b>" in tables
    assert console_lines(dumped.stderr) == []


# -- without a browser: the document itself -----------------------------------------------
def test_document_is_self_contained_with_print_css(report_text):
    assert report_text.startswith("<!DOCTYPE html>")
    assert '<html lang="en-GB">' in report_text
    assert "default-src 'none'" in report_text  # nothing can be fetched or run
    assert "@page { size: A4 landscape;" in report_text
    assert "@media print" in report_text
    assert "table-layout: fixed" in report_text


def test_title_defaults_to_the_authority_and_month_and_can_be_set(
    full_store_template, definitions, report_text
):
    title = re.search(r"<title>(.*)</title>", report_text).group(1)
    assert html.unescape(title) == (
        "Southampton children's social care performance report: October 2024"
    )
    text = render(full_store_template, definitions, title="Board pack & <draft>")
    assert "<title>Board pack &amp; &lt;draft&gt;</title>" in text


def test_chart_breaks_the_line_at_a_missing_month_and_draws_the_target():
    from csc_perf.render.html_chart import chart_svg

    months = [date(2024, m, 1) for m in (1, 2, 3, 4)]
    points = [
        {"month": months[0], "value": 10.0, "target": 12.0},
        {"month": months[1], "value": 11.0, "target": 12.0},
        {"month": months[2]},  # nothing stored: a gap, never a zero
        {"month": months[3], "value": 14.0, "target": 12.0},
    ]
    row = {"name": "A & B", "unit": "count", "decimals": 0, "rag": "green", "target": 12.0}
    svg = chart_svg(points, row, "chart-x")
    series = re.search(r'class="series" d="([^"]+)"', svg).group(1)
    assert series.count("M") == 2 and series.count("L") == 1
    target = re.search(r'class="target" d="([^"]+)"', svg).group(1)
    assert target.count("M") == 2  # the target is absent in the missing month too
    assert "spc-mean" not in svg  # no limits without SPC
    assert '<title id="chart-x-t">A &amp; B</title>' in svg
    assert "latest 14 (Apr-24); target 12." in svg


def test_chart_without_figures_says_so():
    from csc_perf.render.html_chart import chart_svg

    row = {"name": "x", "unit": "percent", "decimals": 0, "rag": "no data", "target": None}
    svg = chart_svg([{"month": date(2024, 10, 1)}], row, "c")
    assert ">no data</text>" in svg and "<path" not in svg


def test_only_the_themes_in_the_frame_are_shown(full_store_template, definitions):
    import dataclasses

    import polars as pl

    from csc_perf.render.html import report_html

    report = report_inputs(full_store_template, definitions)
    report = dataclasses.replace(report, frame=report.frame.filter(pl.col("theme") == "visiting"))
    text = report_html(report)
    assert text.count('<section class="theme"') == 1
    assert "Performance - Visiting" in text and "Family Help" not in text
    assert text.count('<svg class="chart"') == 7  # the seed's Visiting table has 7 rows
