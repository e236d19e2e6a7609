"""Progress on long work, reported by the library and shown (or not) by whoever runs it.

The library says how far a stage has gone (:func:`advance`: ``"rows read"``, 5,508,000);
nothing is shown unless a caller has set a reporter for the duration of its work
(:func:`reporting`): the command line sets one that draws a progress bar on stderr when
stderr is a terminal and ``--quiet`` is off. Calls without a reporter cost one lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: ``(stage, done, total)``: how far a stage has gone (total None when not known).
Reporter = Callable[[str, int, "int | None"], None]

_reporter: ContextVar[Reporter | None] = ContextVar("csc_perf_progress", default=None)


@contextmanager
def reporting(reporter: Reporter | None) -> Iterator[None]:
    """Send the progress reported inside the block to ``reporter`` (None: to nobody)."""
    token = _reporter.set(reporter)
    try:
        yield
    finally:
        _reporter.reset(token)


def advance(stage: str, done: int, total: int | None = None) -> None:
    """Report that ``stage`` (``"rows validated"``) has reached ``done`` of ``total``."""
    reporter = _reporter.get()
    if reporter is not None:
        reporter(stage, done, total)
