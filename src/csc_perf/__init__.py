"""csc-perf: monthly performance reporting for children's social care.

The library API (the command line is a thin layer over it):

- :func:`load_definitions` -- ``indicators.toml`` -> :class:`Definitions`
- :func:`validate_files` -- extracts -> :class:`ValidationReport` (issues + observations)
- :class:`Store` -- the Delta Lake store: ``plan``, ``commit_import``, ``observations``,
  ``history``

Heavy libraries (Polars, deltalake) are imported only when a function needs them, so
``import csc_perf`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_definitions": "csc_perf.definitions.loading",
    "parse_definitions": "csc_perf.definitions.loading",
    "Definitions": "csc_perf.definitions.loading",
    "Indicator": "csc_perf.definitions.loading",
    "validate_files": "csc_perf.ingest.validation",
    "ValidationReport": "csc_perf.ingest.validation",
    "Issue": "csc_perf.ingest.validation",
    "Store": "csc_perf.store.core",
    "parse_month": "csc_perf.model.calendar",
    "parse_cell": "csc_perf.ingest.cells",
}

__all__ = [
    "Definitions",
    "Indicator",
    "Issue",
    "Store",
    "ValidationReport",
    "__version__",
    "load_definitions",
    "parse_cell",
    "parse_definitions",
    "parse_month",
    "validate_files",
]

if TYPE_CHECKING:  # pragma: no cover
    from csc_perf.definitions.loading import (
        Definitions,
        Indicator,
        load_definitions,
        parse_definitions,
    )
    from csc_perf.ingest.cells import parse_cell
    from csc_perf.ingest.validation import Issue, ValidationReport, validate_files
    from csc_perf.model.calendar import parse_month
    from csc_perf.store.core import Store


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'csc_perf' has no attribute {name!r}")
