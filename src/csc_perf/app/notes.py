"""Notes a workspace call leaves for whoever shows its result (the CLI prints them on
stderr; a notebook reads ``Workspace.notes``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Note:
    """One line for the reader. ``level`` is ``"warning"`` (a figure that is still right but
    deserves a look) or ``"info"`` (what was done, what a mark means)."""

    text: str
    level: str = "warning"
