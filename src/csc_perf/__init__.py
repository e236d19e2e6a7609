"""csc-perf: monthly performance reporting for children's social care.

The library is the product; the command line is a thin layer over it::

    import csc_perf

    ws = csc_perf.Workspace.open("path/to/workspace")
    ws.import_files(["extract.csv"])
    report = ws.report(month="2024-10", fy=True, benchmarks=True)
    report.to_html()

- :class:`Workspace` -- one ``indicators.toml`` and its store: ``validate``,
  ``import_files``, ``results``, ``report``, ``trend``, ``summary``, ``history``, ``diff``,
  ``export`` (docs/api.md)
- :class:`Report` -- the monthly report model every renderer reads
- :func:`load_definitions`, :func:`validate_files`, :class:`Store` -- the layers below

The layers and the import rule are in docs/architecture.md. Names are loaded when first
used, so ``import csc_perf`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from csc_perf.model.version import __version__

_EXPORTS = {
    "Workspace": "csc_perf.app.workspace",
    "Summary": "csc_perf.app.workspace",
    "Report": "csc_perf.app.report",
    "Note": "csc_perf.app.notes",
    "load_definitions": "csc_perf.definitions",
    "parse_definitions": "csc_perf.definitions",
    "Definitions": "csc_perf.definitions",
    "Indicator": "csc_perf.definitions",
    "validate_files": "csc_perf.ingest.validation",
    "ValidationReport": "csc_perf.ingest.report",
    "Issue": "csc_perf.ingest.report",
    "Store": "csc_perf.store",
    "parse_month": "csc_perf.model.calendar",
    "parse_cell": "csc_perf.ingest.cells",
}

__all__ = [
    "Definitions",
    "Indicator",
    "Issue",
    "Note",
    "Report",
    "Store",
    "Summary",
    "ValidationReport",
    "Workspace",
    "__version__",
    "load_definitions",
    "parse_cell",
    "parse_definitions",
    "parse_month",
    "validate_files",
]

if TYPE_CHECKING:  # pragma: no cover
    from csc_perf.app.notes import Note
    from csc_perf.app.report import Report
    from csc_perf.app.workspace import Summary, Workspace
    from csc_perf.definitions import Definitions, Indicator, load_definitions, parse_definitions
    from csc_perf.ingest.cells import parse_cell
    from csc_perf.ingest.report import Issue, ValidationReport
    from csc_perf.ingest.validation import validate_files
    from csc_perf.model.calendar import parse_month
    from csc_perf.store import Store


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'csc_perf' has no attribute {name!r}")
