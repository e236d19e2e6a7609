"""Chart files (issue 14): ``csc-perf chart`` and ``Workspace.chart`` draw the Making Data
Count XmR chart of an indicator as SVG (always) and PNG (resvg-py or headless Chromium).

The SVG is read as XML, as a person reads the chart: the y axis is taken from its own tick
labels, so a line's height is checked against a value worked out by hand here, not against
the renderer's arithmetic. Point counts come from the example extracts themselves.
"""

from __future__ import annotations

import csv
import itertools
import os
import shutil
import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest

from conftest import MONTHLY, ROOT

SVG = "{http://www.w3.org/2000/svg}"
CONCERN_ORANGE = "#fab428"  # Making Data Count's special cause concern
COMMON_CAUSE_GREY = "#7b7d7d"
CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
needs_browser = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Chromium is not installed (apt-get install chromium)",
)


# -- reading an SVG chart ----------------------------------------------------------------------
def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def by_class(root: ET.Element, tag: str, name: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}{tag}") if name in (e.get("class") or "").split()]


def points(root: ET.Element, kind: str | None = None) -> list[ET.Element]:
    """The chart's data points (not the legend's), of one kind if given."""
    found = by_class(root, "circle", "point")
    return [p for p in found if kind is None or kind in p.get("class").split()]


def y_scale(root: ET.Element):
    """value -> y, from the y axis's gridlines and their labels (as a reader would)."""
    grid = [float(e.get("y1")) for e in by_class(root, "line", "grid")]
    labels = [float(e.text.replace(",", "").rstrip("%")) for e in by_class(root, "text", "y-tick")]
    assert len(grid) == len(labels) >= 2
    (v0, y0), (v1, y1) = (labels[0], grid[0]), (labels[-1], grid[-1])
    return lambda v: y0 + (v - v0) * (y1 - y0) / (v1 - v0)


def levels(path: ET.Element) -> list[float]:
    """The y of each horizontal run (``M x y H x``) of a line's path."""
    runs = path.get("d").split("M")[1:]
    return [float(run.split("H")[0].split()[1]) for run in runs]


# -- reading a PNG (a tiny decoder: 8-bit RGB or RGBA, not interlaced) --------------------------
def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of pixel bytes) of a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows, previous = [], bytearray(stride)
    for r in range(height):
        kind, line = (
            raw[r * (stride + 1)],
            bytearray(raw[r * (stride + 1) + 1 : (r + 1) * (stride + 1)]),
        )
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def pixel(rows: list[bytes], width: int, x: int, y: int) -> tuple[int, int, int]:
    bpp = len(rows[0]) // width
    return tuple(rows[y][x * bpp : x * bpp + 3])


# -- workspaces ----------------------------------------------------------------------------------
DEFINITIONS = """\
[workspace]
authority = "852"
authority_name = "Southampton & <Test> \\u001b]0;x"

[[theme]]
id = "test"
name = "Test"

[[indicator]]
id = "steady"
name = "Steady count"
theme = ["test"]
unit = "count"
measure = "flow"
polarity = "lower"

[[indicator]]
id = "phased"
name = "Phased percentage"
theme = ["test"]
unit = "percent"
measure = "percentage"
polarity = "higher"
target = 60
spc = { recalculate_from = ["2023-09"], exclude = ["2022-05"], baseline_points = 13 }

[[indicator]]
id = "hostile"
name = "<script>alert('x')</script> & \\"Co\\" ]]>"
theme = ["test"]
unit = "count"
measure = "flow"
polarity = "none"

[[indicator]]
id = "never"
name = "Never reported"
theme = ["test"]
unit = "rate"
measure = "snapshot"
polarity = "higher"
"""
# A count series whose mean and moving ranges are easy by hand; the last month is far out.
STEADY = [100, 104, 98, 102, 100, 96, 104, 100, 98, 102, 100, 104, 96, 100, 96, 160]


def month_labels(first_year: int, first_month: int, count: int) -> list[str]:
    return [
        f"{first_year + (first_month - 1 + k) // 12}-{(first_month - 1 + k) % 12 + 1:02d}"
        for k in range(count)
    ]


STEADY_MONTHS = month_labels(2023, 7, 16)  # Jul-23 to Oct-24


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A workspace with the three indicators above imported from one long extract."""
    from csc_perf.app.workspace import Workspace

    folder = tmp_path_factory.mktemp("chart-ws")
    (folder / "indicators.toml").write_text(DEFINITIONS, encoding="utf-8")
    rows = [("Steady count", m, v) for m, v in zip(STEADY_MONTHS, STEADY, strict=True)]
    # Jan-22 to Oct-24; Mar-23 missing (a gap); May-22 excluded; a new phase from Sep-23.
    for k, month in enumerate(month_labels(2022, 1, 34)):
        if month != "2023-03":
            rows.append(("Phased percentage", month, 50 + (k % 5) + (10 if k >= 20 else 0)))
    for k, month in enumerate(month_labels(2024, 1, 10)):
        rows.append(("<script>alert('x')</script> & \"Co\" ]]>", month, 5 + k % 3))
    with open(folder / "extract.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Indicator", "Month", "Value"])
        writer.writerows(rows)
    Workspace.open(folder).import_files([folder / "extract.csv"])
    return folder


@pytest.fixture
def built_ws(built, tmp_path, monkeypatch):
    """A copy of the built workspace as the current folder."""
    from csc_perf.app.workspace import Workspace

    shutil.copytree(built, tmp_path / "ws")
    monkeypatch.chdir(tmp_path / "ws")
    for name in ("CSC_PERF_CONFIG", "CSC_PERF_STORE"):
        monkeypatch.delenv(name, raising=False)
    return Workspace.open(tmp_path / "ws")


@pytest.fixture(scope="module")
def monthly_store(tmp_path_factory) -> Path:
    """The 13 example monthly extracts (Oct-23 to Oct-24) imported one by one."""
    from csc_perf.definitions.loading import load_definitions
    from csc_perf.ingest.validation import validate_files
    from csc_perf.store.core import Store

    folder = tmp_path_factory.mktemp("monthly") / "store"
    definitions = load_definitions(ROOT / "indicators.toml")
    store = Store(folder)
    for path in MONTHLY:
        report = validate_files([path], definitions)
        store.commit_import(report.observations, report.files)
    return folder


@pytest.fixture
def example_ws(workspace, monthly_store):
    from csc_perf.app.workspace import Workspace

    shutil.copytree(monthly_store, workspace / "store")
    return Workspace.open(workspace)


# -- the SVG -----------------------------------------------------------------------------------
def test_every_example_chart_is_xml_with_a_point_per_month_with_a_value(example_ws):
    """Each indicator's chart parses and has one point per month its extracts give a value
    (counted from the CSV files; derived indicators are computed, so not counted)."""
    given: dict[str, int] = {}
    for path in MONTHLY:
        with open(path, encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                given[row["Indicator"]] = given.get(row["Indicator"], 0) + bool(row["Value"])
    charts = example_ws.charts()
    assert [c.indicator for c in charts] == [i.id for i in example_ws.definitions.indicators]
    counted = 0
    for made in charts:
        root = parse(made.to_svg())
        indicator = example_ws.definitions[made.indicator]
        assert root.find(f"{SVG}title").text == indicator.name
        if indicator.formula is None:
            assert len(points(root)) == given[indicator.name], made.indicator
            counted += 1
    assert counted > 50


def test_mean_and_limits_sit_at_the_hand_calculated_values(built_ws):
    root = parse(built_ws.chart("steady").to_svg())
    y = y_scale(root)
    mean = sum(STEADY) / 16  # 1,660 / 16
    assert mean == 103.75
    ranges = [abs(b - a) for a, b in itertools.pairwise(STEADY)]
    assert sum(ranges) == 124
    upper, lower = mean + 2.66 * 124 / 15, mean - 2.66 * 124 / 15  # 125.74, 81.76
    for name, value in (("spc-mean", mean), ("spc-upper", upper), ("spc-lower", lower)):
        (path,) = by_class(root, "path", name)
        assert levels(path) == pytest.approx([y(value)], abs=0.02), name
    # The 2-sigma lines: two thirds of the way from the mean to each limit.
    (high,) = by_class(root, "path", "sigma2-upper")
    assert levels(high) == pytest.approx([y(mean + 2 / 3 * (upper - mean))], abs=0.02)
    # Each point at its value's height.
    drawn = points(root)
    assert [float(p.get("cy")) for p in drawn] == pytest.approx([y(v) for v in STEADY], abs=0.02)


def test_special_cause_points_have_the_mdc_colours(built_ws):
    """160 is above the upper limit (125.74): for a count where lower is better, a concern,
    orange; every other point is common cause, grey."""
    root = parse(built_ws.chart("steady").to_svg())
    drawn = points(root)
    assert drawn[-1].get("data-month") == "2024-10"
    assert drawn[-1].get("fill") == CONCERN_ORANGE
    assert "concern" in drawn[-1].get("class")
    assert {p.get("fill") for p in drawn[:-1]} == {COMMON_CAUSE_GREY}
    legend = [e.get("class") for e in by_class(root, "circle", "legend-point")]
    assert legend == ["legend-point common-cause", "legend-point concern"]


def test_phases_step_baselines_excluded_months_and_gaps(built_ws):
    made = built_ws.chart("phased")
    root = parse(made.to_svg())
    # Two phases: the mean steps at the recalculation (Sep-23), and so do the limits.
    (mean,) = by_class(root, "path", "spc-mean")
    first, second = levels(mean)
    assert second < first  # higher values after the recalculation: higher on the chart
    assert len(by_class(root, "line", "recalculation")) == 1
    # The fixed baseline (13 points) ends inside each phase: after Feb-23 (May-22 excluded,
    # so the 13th point used) and after Sep-24.
    assert len(by_class(root, "line", "baseline")) == 2
    assert [t.text for t in by_class(root, "text", "baseline-label")] == ["baseline"] * 2
    x_of = {p.get("data-month"): float(p.get("cx")) for p in points(root)}
    dividers = sorted(float(d.get("x1")) for d in by_class(root, "line", "baseline"))
    assert x_of["2023-02"] < dividers[0] < x_of["2023-04"]
    assert x_of["2024-09"] < dividers[1] < x_of["2024-10"]
    # The excluded month is drawn hollow; the missing month breaks the line.
    (excluded,) = points(root, "excluded")
    assert excluded.get("data-month") == "2022-05" and excluded.get("fill") == "#ffffff"
    assert "2023-03" not in x_of and len(x_of) == 33
    (series,) = by_class(root, "path", "series")
    assert series.get("d").count("M") == 2
    # The target line, in MDC red, and month labels such as "Oct 24".
    (target,) = by_class(root, "path", "target")
    assert target.get("stroke") == "#de1b1b"
    assert levels(target) == pytest.approx([y_scale(root)(60)], abs=0.02)
    ticks = [t.text for t in by_class(root, "text", "x-tick")]
    assert ticks[-1] == "Oct 24" and all(
        t.endswith("%") for t in (e.text for e in by_class(root, "text", "y-tick"))
    )


def test_text_from_data_is_escaped(built_ws):
    made = built_ws.chart("hostile")
    svg = made.to_svg()
    root = parse(svg)  # valid XML, whatever the name holds
    assert "<script" not in svg and not list(root.iter(f"{SVG}script"))
    name = "<script>alert('x')</script> & \"Co\" ]]>"
    assert root.find(f"{SVG}title").text == name
    assert " ".join(t.text for t in by_class(root, "text", "title")) == name
    # The authority's name: escaped, and its escape character shown, not obeyed.
    (subtitle,) = by_class(root, "text", "subtitle")
    assert subtitle.text.startswith("Southampton & <Test> \\x1b]0;x (852)")
    assert "\x1b" not in svg
    # Ten points, too few for limits: the chart says so.
    (note,) = by_class(root, "text", "note")
    assert note.text.startswith("No process limits: 10 point(s)")
    assert not by_class(root, "path", "spc-mean")


def test_a_month_draws_the_chart_up_to_it(example_ws):
    root = parse(example_ws.chart("referrals", "2024-06").to_svg())
    months = [p.get("data-month") for p in points(root)]
    assert months[0] == "2023-10" and months[-1] == "2024-06" and len(months) == 9
    assert by_class(root, "text", "x-tick")[-1].text == "Jun 24"


# -- PNG -----------------------------------------------------------------------------------------
def test_png_through_resvg_has_the_size_and_the_colours(built_ws, tmp_path):
    pytest.importorskip("resvg_py")
    made = built_ws.chart("steady")
    data = made.to_png(tmp_path / "steady.png")
    assert (tmp_path / "steady.png").read_bytes() == data
    width, height, rows = png_pixels(data)
    assert (width, height) == (1920, 1080)  # the 960 x 540 SVG at twice the size
    assert pixel(rows, width, 5, 5) == (255, 255, 255)  # a white background, not transparent
    assert (
        len({pixel(rows, width, x, y) for x in range(0, width, 7) for y in range(0, height, 7)})
        > 20
    )
    # The concern point's centre is MDC orange.
    (point,) = points(parse(made.to_svg()), "concern")
    cx, cy = round(float(point.get("cx")) * 2), round(float(point.get("cy")) * 2)
    assert pixel(rows, width, cx, cy) == (0xFA, 0xB4, 0x28)


@needs_browser
def test_png_through_chromium_without_resvg(built_ws, monkeypatch):
    from csc_perf.render import raster

    if CHROMIUM is None:
        pytest.fail("Chromium is required when CI is set (.ci/run installs it)")
    monkeypatch.setattr(raster, "resvg_module", lambda: None)
    made = built_ws.chart("steady")
    width, height, rows = png_pixels(made.to_png())
    assert (width, height) == (1920, 1080)
    colours = {pixel(rows, width, x, y) for x in range(0, width, 7) for y in range(0, height, 7)}
    assert len(colours) > 20
    (point,) = points(parse(made.to_svg()), "concern")
    cx, cy = round(float(point.get("cx")) * 2), round(float(point.get("cy")) * 2)
    assert pixel(rows, width, cx, cy) == pytest.approx((0xFA, 0xB4, 0x28), abs=3)


def test_all_png_without_a_rasteriser_creates_no_folder(built_ws, cli, monkeypatch, tmp_path):
    from csc_perf.render import raster

    monkeypatch.setattr(raster, "resvg_module", lambda: None)
    monkeypatch.setattr(raster, "chromium_path", lambda: None)
    folder = tmp_path / "charts"
    result = cli("chart", "--all", "--format", "png", "-o", folder)
    assert result.exit_code == 2
    assert "resvg-py" in result.stderr and "Chromium" in result.stderr
    assert not folder.exists()


def test_without_a_rasteriser_png_exits_2_naming_both_ways(built_ws, cli, monkeypatch, tmp_path):
    from csc_perf.render import raster

    monkeypatch.setattr(raster, "resvg_module", lambda: None)
    monkeypatch.setattr(raster, "chromium_path", lambda: None)
    target = tmp_path / "chart.png"
    target.write_bytes(b"the old chart")
    result = cli("chart", "steady", "-o", target)
    assert result.exit_code == 2
    assert "resvg-py" in result.stderr and "Chromium" in result.stderr
    assert target.read_bytes() == b"the old chart"  # nothing half-written
    assert cli("chart", "steady", "-o", tmp_path / "chart.svg").exit_code == 0  # SVG still works


# -- the command ---------------------------------------------------------------------------------
def test_all_writes_one_file_per_indicator(example_ws, cli, tmp_path):
    folder = tmp_path / "charts"
    result = cli("chart", "--all", "-o", folder)
    assert result.exit_code == 0, result.output
    ids = [i.id for i in example_ws.definitions.indicators]
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{i}.svg" for i in ids)
    for path in folder.iterdir():
        parse(path.read_text(encoding="utf-8"))
    # A rolling rate gets no limits: its chart is written all the same, with the reason,
    # and the command says so.
    rate = parse((folder / "referrals_rate.svg").read_text(encoding="utf-8"))
    (note,) = by_class(rate, "text", "note")
    assert "rolling 12-month" in note.text
    assert "referrals_rate: No process limits" in result.stderr
    assert f"wrote {len(ids)} chart(s)" in result.stderr


def test_all_with_png_and_a_theme(built_ws, cli, tmp_path):
    pytest.importorskip("resvg_py")
    result = cli("chart", "--all", "--theme", "test", "--format", "png", "-o", tmp_path / "png")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "png").iterdir())
    assert names == ["hostile.png", "never.png", "phased.png", "steady.png"]
    assert "never: No figures up to this month" in result.stderr
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in (tmp_path / "png").iterdir())


def test_in_all_an_indicator_without_figures_gets_a_chart_saying_so(built_ws):
    (made,) = built_ws.charts(indicators="never")
    root = parse(made.to_svg())
    assert not points(root)
    (empty,) = by_class(root, "text", "empty")
    assert empty.text == "No figures up to Oct 24"


def test_one_chart_of_an_indicator_without_figures_is_no_figures(built_ws):
    """A single chart of nothing is refused, as ``rag --month`` is with no figures."""
    from csc_perf.errors import NoFiguresError

    with pytest.raises(NoFiguresError, match="no figures for never up to 2024-10"):
        built_ws.chart("never")
    # Steady's first figure is Jul-23; the store has Oct-22 (phased), so the month is fine.
    with pytest.raises(NoFiguresError, match="no figures for steady up to 2022-10") as raised:
        built_ws.chart("steady", "2022-10")
    assert raised.value.hint == "its first figure is for 2023-07"


def test_chart_month_before_the_indicator_exits_1_and_writes_nothing(built_ws, cli, tmp_path):
    target = tmp_path / "steady.svg"
    result = cli("chart", "steady", "--month", "2022-10", "-o", target)
    assert result.exit_code == 1
    assert result.stderr == (
        "error: no figures for steady up to 2022-10\nhint: its first figure is for 2023-07\n"
    )
    assert not target.exists()
    assert cli("chart", "never", "-o", "-").exit_code == 1  # no figures at all
    # --all still writes every chart, the empty one saying so, and says so on stderr.
    folder = tmp_path / "all"
    every = cli("chart", "--all", "--month", "2022-10", "-o", folder)
    assert every.exit_code == 0, every.output
    (empty,) = by_class(parse((folder / "steady.svg").read_text(encoding="utf-8")), "text", "empty")
    assert empty.text == "No figures up to Oct 22"
    assert "steady: No figures up to this month" in every.stderr


def test_dash_writes_svg_to_stdout(built_ws, cli):
    result = cli("chart", "Steady count", "-o", "-")
    assert result.exit_code == 0
    assert parse(result.stdout).find(f"{SVG}title").text == "Steady count"


def test_png_refuses_a_terminal(built_ws, cli, monkeypatch):
    from csc_perf.render import output

    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    result = cli("chart", "steady", "--format", "png")
    assert result.exit_code == 2 and "terminal" in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((), "give an indicator"),
        (("steady", "--all", "-o", "x"), "one indicator or --all"),
        (("nonsense",), "unknown indicator"),
        (("steady", "-o", "chart.pdf"), ".svg or .png"),
        (("steady", "--format", "jpeg"), "svg or png"),
        (("--all",), "-o DIR"),
        (("steady", "-o", "x.png", "--format", "svg"), "-o x.png is a .png file"),
        (("steady", "-o", "x.SVG", "-f", "png"), "--format asks for png"),
    ],
)
def test_usage_errors_exit_2(built_ws, cli, args, words):
    result = cli("chart", *args)
    assert result.exit_code == 2
    assert words in result.stderr


def test_chart_write_picks_the_format_from_the_suffix(built_ws, tmp_path):
    from csc_perf.errors import UsageError

    made = built_ws.chart("steady")
    written = made.write(tmp_path / "a.svg")
    assert parse(written.read_text(encoding="utf-8")) is not None
    assert not list(tmp_path.glob(".*tmp"))  # the temporary file was renamed into place
    with pytest.raises(UsageError, match=r"b\.png is a \.png name, and the format asked is svg"):
        made.write(tmp_path / "b.png", "svg")
    assert not (tmp_path / "b.png").exists()


def test_svg_text_is_always_valid_xml():
    from csc_perf.render.chart_scale import svg_text

    hostile = "a\x00b\x01c\x1b[31m\x7f\u202e<d>&e\ufffe\udc80'\""
    element = ET.fromstring(f'<t a="{svg_text(hostile)}">{svg_text(hostile)}</t>')
    assert element.text == element.get("a")
    assert element.text.startswith("a\\x00b\\x01c\\x1b[31m\\x7f\\u202e<d>&e")


@pytest.mark.parametrize(
    ("low", "high", "whole", "ticks"),
    [
        (90.37, 408.34, False, [0, 100, 200, 300, 400, 500]),
        (92, 100.2, False, [90, 92, 94, 96, 98, 100, 102]),
        (5, 7, True, [4, 5, 6, 7, 8]),  # counts: whole numbers only
        (-3.06, 6.95, False, [-5, -2.5, 0, 2.5, 5, 7.5]),
    ],
)
def test_y_ticks_are_round_and_reach_past_the_data(low, high, whole, ticks):
    from csc_perf.render.chart_scale import nice_ticks

    found, decimals = nice_ticks(low, high, whole=whole)
    assert found == pytest.approx(ticks)
    assert found[0] < low and found[-1] > high
    assert decimals == (1 if 2.5 in ticks else 0)
