"""Rich rendering for the terminal. Messages go to stderr; data tables to stdout.

Every console comes from :func:`console`, which makes text from data inert: Rich markup
(``[/]``, ``[link=...]``) and emoji codes are never interpreted, and control characters
(escape sequences, BEL, C1 controls, bidirectional overrides) are shown as visible escapes
(``\\x1b``), whether the text reaches Rich as a string (a table cell, a title, a message)
or as a ``Text`` made elsewhere. Rich's own styles are unaffected.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from csc_perf.model.progress import reporting
from csc_perf.render.safety import visible_controls

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl
    from rich.console import Console
    from rich.table import Table

_settings: dict[str, Any] = {"no_color": False, "quiet": False}


def configure(*, no_color: bool = False, quiet: bool = False) -> None:
    _settings["no_color"] = no_color or bool(os.environ.get("NO_COLOR"))
    _settings["quiet"] = quiet


def quiet() -> bool:
    return bool(_settings["quiet"])


@functools.cache
def _inert_console_class() -> type[Console]:
    """The Console subclass behind :func:`console` (made on first use: Rich loads lazily)."""
    from rich.console import Console, RenderHook
    from rich.measure import Measurement
    from rich.segment import Segment

    class InertSegments:
        """A renderable's output with control characters in its text made visible: the
        last line of defence, for ``Text`` objects built from data outside this module."""

        def __init__(self, renderable: Any) -> None:
            self.renderable = renderable

        def __rich_console__(self, console: Console, options: Any):
            for segment in console.render(self.renderable, options):
                text = segment.text
                if segment.control or not text:
                    yield segment  # Rich's own cursor and screen controls
                else:
                    safe = visible_controls(text)
                    yield segment if safe is text else Segment(safe, segment.style)

        def __rich_measure__(self, console: Console, options: Any) -> Measurement:
            return Measurement.get(console, options, self.renderable)

    class InertHook(RenderHook):
        def process_renderables(self, renderables: list) -> list:
            return [InertSegments(r) for r in renderables]

    class InertConsole(Console):
        """A Rich console for which text is only ever text."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(markup=False, emoji=False, highlight=False, **kwargs)
            self.push_render_hook(InertHook())

        def render_str(self, text: str, **kwargs: Any):  # type: ignore[override]
            # Strings are made inert before layout, so table columns keep their widths.
            kwargs.update(markup=False, emoji=False)
            return super().render_str(visible_controls(text), **kwargs)

    return InertConsole


def console(**kwargs: Any) -> Console:
    """A Rich console on which text from data is inert (see the module's docstring)."""
    return _inert_console_class()(no_color=_settings["no_color"], **kwargs)


def stderr_console() -> Console:
    return console(stderr=True)


def stdout_console(file=None, width: int | None = None) -> Console:
    return console(file=file, width=width)


def say(message: str, *, style: str | None = None) -> None:
    """A progress or outcome message on stderr (silenced by --quiet)."""
    if quiet():
        return
    stderr_console().print(message, style=style, markup=False, soft_wrap=True)


def warn(message: str) -> None:
    """A warning on stderr, silenced by --quiet (a warning is only ever about a figure that
    is still right: a wrong one is an error)."""
    if quiet():
        return
    stderr_console().print(message, style="yellow", markup=False, soft_wrap=True)


def error(message: str) -> None:
    stderr_console().print(message, style="red", markup=False, soft_wrap=True)


#: The least work worth a bar, by the stage's unit: a small extract or one authority's
#: series finish before a bar could say anything (and a bar would only add cursor codes).
LONG_WORK = {"rows": 100_000, "series": 1_000}


@contextmanager
def progress_bar() -> Iterator[None]:
    """Show the progress the library reports inside the block (rows read, validated and
    written; series computed) as a Rich progress bar on stderr, only when stderr is a
    terminal, ``--quiet`` is off and the stage is long work (:data:`LONG_WORK`). The bar is
    cleared as soon as every stage shown is complete, before anything is printed. Rich is
    loaded at the first report, so a command that reports nothing pays nothing."""
    if quiet() or not sys.stderr.isatty():
        yield
        return
    shown: dict[str, Any] = {}

    def report(stage: str, done: int, total: int | None) -> None:
        unit = stage.split()[0]
        if stage not in shown and (total or done) < LONG_WORK.get(unit, 0):
            return
        if "bar" not in shown:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            shown.clear()
            shown["bar"] = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=stderr_console(),
                transient=True,
            )
            shown["bar"].start()
        bar = shown["bar"]
        if stage not in shown:
            shown[stage] = bar.add_task(stage, total=total)
        bar.update(shown[stage], completed=done, total=total if total is not None else done)
        if all(task.finished for task in bar.tasks):
            bar.stop()  # cleared before the command prints its answer
            del shown["bar"]

    try:
        with reporting(report):
            yield
    finally:
        if "bar" in shown:
            shown["bar"].stop()


def frame_table(frame: pl.DataFrame, title: str | None = None) -> Table:
    """A plain Rich table of any frame; numbers right-aligned, nulls blank."""
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    numeric = {name for name, dtype in frame.schema.items() if dtype.is_numeric()}
    for name in frame.columns:
        table.add_column(name, justify="right" if name in numeric else "left", overflow="fold")
    for row in frame.iter_rows():
        table.add_row(*("" if v is None else _cell(v) for v in row))
    return table


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:,.0f}"
    return str(value)
