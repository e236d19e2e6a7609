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


def test_no_bar_when_stderr_is_not_a_terminal(monkeypatch):
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    with terminal.progress_bar():
        advance("rows read", 5, 10)
    assert stderr.getvalue() == ""


def test_no_bar_with_quiet(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stderr = Terminal()
    monkeypatch.setattr("sys.stderr", stderr)
    terminal.configure(quiet=True)
    try:
        with terminal.progress_bar():
            advance("rows read", 5, 10)
    finally:
        terminal.configure(quiet=False)
    assert stderr.getvalue() == ""
