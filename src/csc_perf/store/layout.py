"""What a store folder holds, and the shape of its observations table.

Layout of a store folder (on object storage, the same tables under the prefix, without the
marker and the lock)::

    store/
      csc-perf-store.json     marker: says this folder is a csc-perf store (format version)
      .lock                   write lock (one writer at a time; readers never wait)
      observations/           Delta Lake table: the current view, with full history
      population/             Delta table: ONS estimates of children aged 0-17 (if imported)
      benchmarks/             Delta table: DfE annual figures, every authority (if imported)
"""

from __future__ import annotations

import polars as pl

from csc_perf.model.schemas import OBSERVATION_SCHEMA

MARKER = "csc-perf-store.json"
MARKER_TMP = MARKER + ".tmp"
LOCK = ".lock"
TABLE = "observations"
FORMAT = 1
# What the observations table says of itself (its Delta description): on object storage, where
# there is no marker file, this is how a store is known to be csc-perf's.
DESCRIPTION = f"csc-perf store, format {FORMAT}: observations"
# A store on object storage is partitioned by authority, so that councils sharing it import
# side by side without conflicting (each import reads and writes only its own partitions).
PARTITION = "authority"
KEY = ("authority", "indicator", "month")
DEFAULT_WAIT_SECONDS = 30.0
REFERENCE_TABLES = ("population", "benchmarks")
CHECK_HINT = "run `csc-perf store check` for details; restore the store from a backup"
# Every version is kept until someone prunes on purpose: Delta's default would delete commit
# files older than 30 days at each checkpoint (every 100 commits), losing history and --as-of.
HISTORY_PROPERTIES = {
    "delta.enableExpiredLogCleanup": "false",
    "delta.logRetentionDuration": "interval 36500 days",
    "delta.deletedFileRetentionDuration": "interval 36500 days",
}
OBSERVATION_COLUMNS = tuple(OBSERVATION_SCHEMA)

# How each Polars type of the observations is stored: the Arrow type it becomes (a pyarrow
# factory's name) and the word `store check` looks for in the table's schema (which also
# accepts "utf8" for a string and "float64" for a double).
_STORED_AS = {
    "String": ("string", "string"),
    "Date": ("date32", "date32"),
    "Float64": ("float64", "double"),
    "Int64": ("int64", "int64"),
}


def stored_column_kinds() -> dict[str, str]:
    """Column name -> the Arrow type word the observations table must show for it."""
    return {name: _STORED_AS[kind][1] for name, kind in OBSERVATION_SCHEMA.items()}


def stored_schema() -> pl.Schema:
    """The observations table's schema as it is created: a Polars schema, which the Delta
    library reads through the Arrow C interface (no pyarrow needed to make a store)."""
    return pl.Schema({name: getattr(pl, kind) for name, kind in OBSERVATION_SCHEMA.items()})


def as_stored_types() -> list[pl.Expr]:
    """Expressions casting every observation column to the type the table holds."""
    return [pl.col(name).cast(getattr(pl, kind)) for name, kind in OBSERVATION_SCHEMA.items()]
