"""What a renderer reads of a report: the shape :class:`~csc_perf.app.report.Report` has.

Renderers sit below the application, so they name the report by what they use of it (a
Protocol) rather than by importing the class that builds it.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

import polars as pl

from csc_perf.definitions import Definitions


class ReportDocument(Protocol):
    """The monthly report as the renderers read it."""

    definitions: Definitions
    month: date
    months: tuple[date, ...]
    frame: pl.DataFrame
    results: pl.DataFrame
    comparisons: tuple[tuple[str, str], ...]
    matrix: pl.DataFrame | None

    @property
    def themes(self) -> list[Any]: ...

    def theme_rows(self, theme_id: str) -> list[dict]: ...

    def theme_highlights(self, theme_id: str, top: int | None = None) -> list[Any]: ...
