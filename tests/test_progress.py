"""Progress on long work (issue 15): the library reports how far each stage has gone; the
command line shows a bar on stderr only when stderr is a terminal and --quiet is off."""

from __future__ import annotations

import io

import polars as pl

from csc_perf.methods.spc import spc_params, xmr_frame
from csc_perf.model.options import SpcOptions
from csc_perf.model.progress import advance, reporting
from csc_perf.render import terminal


def test_reports_reach_the_reporter_only_inside_the_block():
    seen = []
    advance("rows read", 1, 2)  # nobody listening: nothing happens
    with reporting(lambda *report: seen.append(report)):
        advance("rows read", 1, 2)
    advance("rows read", 2, 2)
    assert seen == [("rows read", 1, 2)]


def test_the_spc_engine_reports_its_series():
    # Two series of three months each, already in series and month order.
    obs = pl.DataFrame(
        {
            "authority": ["852"] * 3 + ["851"] * 3,
            "indicator": ["x"] * 6,
            "mi": [1, 2, 3] * 2,
            "value": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        },
        schema_overrides={"mi": pl.Int32},
    )
    params = spc_params({"x": SpcOptions()}, {"x": "higher"})
    seen = []
    with reporting(lambda *report: seen.append(report)):
        xmr_frame(obs, params)
    assert seen == [("series computed", 0, 2), ("series computed", 2, 2)]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_bar_when_stderr_is_not_a_terminal(monkeypatch):
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    with terminal.progress_bar():
        advance("rows read", 5, 10)
    assert stderr.getvalue() == ""


def test_no_bar_with_quiet(monkeypatch):
    stderr = Terminal()
    monkeypatch.setattr("sys.stderr", stderr)
    terminal.configure(quiet=True)
    try:
        with terminal.progress_bar():
            advance("rows read", 500_000, 1_000_000)
    finally:
        terminal.configure(quiet=False)
    assert stderr.getvalue() == ""


def test_a_bar_only_for_long_work_and_cleared_when_done(monkeypatch):
    stderr = Terminal()
    monkeypatch.setattr("sys.stderr", stderr)
    with terminal.progress_bar():
        advance("series computed", 0, 66)  # one authority's series: no bar
        advance("series computed", 66, 66)
        assert stderr.getvalue() == ""
        advance("rows read", 0, 5_508_000)  # a national extract: a bar
        advance("rows read", 5_508_000, 5_508_000)  # done: cleared at once
        drawn = stderr.getvalue()
    assert "rows read" in drawn
    assert drawn.endswith("\x1b[2K")  # the bar's line erased
