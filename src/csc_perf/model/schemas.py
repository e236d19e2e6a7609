"""The frames csc-perf passes between layers, defined once.

An *observation* is one figure as its source showed it: authority, indicator, month, value
and status, and where it came from. The status vocabulary is :data:`STATUSES`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

PRESENT = "present"
MISSING = "missing"
SUPPRESSED = "suppressed"
INVALID = "invalid"
STATUSES = (PRESENT, MISSING, SUPPRESSED)

OBSERVATION_SCHEMA = {
    "authority": "String",
    "indicator": "String",
    "month": "Date",
    "value": "Float64",
    "status": "String",
    "source_file": "String",
    "source_sheet": "String",
    "source_row": "Int64",
}


def observation_schema() -> dict[str, pl.DataType]:
    """:data:`OBSERVATION_SCHEMA` as Polars types."""
    return {k: getattr(pl, v) for k, v in OBSERVATION_SCHEMA.items()}


def empty_observations() -> pl.DataFrame:
    """An observations frame with no rows."""
    return pl.DataFrame(schema=observation_schema())


@dataclass(frozen=True)
class FileSummary:
    """One file read: its path, SHA-256, rows and the shape it was read as."""

    path: str
    sha256: str
    rows: int
    shape: str
