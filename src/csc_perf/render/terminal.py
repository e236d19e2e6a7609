"""Rich rendering for the terminal. Messages go to stderr; data tables to stdout."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

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


def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, no_color=_settings["no_color"], highlight=False)


def stdout_console(file=None, width: int | None = None) -> Console:
    from rich.console import Console

    return Console(file=file, width=width, no_color=_settings["no_color"], highlight=False)


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
