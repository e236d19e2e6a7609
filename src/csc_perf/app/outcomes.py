"""What the Workspace's store methods return: an import's outcome, a reference import's,
a store check's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from csc_perf.ingest.report import ValidationReport
from csc_perf.model.calendar import month_label
from csc_perf.store.importing import ImportPlan


@dataclass(frozen=True)
class ImportResult:
    """What an import did, or with ``dry_run`` would do: counts of observations
    ``inserted``, ``updated`` (a stored figure replaced) and ``unchanged``; ``committed``
    (False when nothing differed, and on a dry run); the store ``version`` after it (before
    it when nothing was written); the extracts' ``months`` (``2024-10``); the validation
    ``report`` (its warnings); the ``plan`` (the rows inserted and updated, with the old
    values)."""

    report: ValidationReport
    plan: ImportPlan
    committed: bool
    version: int | None
    inserted: int
    updated: int
    unchanged: int
    months: tuple[str, ...] = ()
    dry_run: bool = False

    @property
    def changed_months(self) -> set[str]:
        """The months (``2024-09``) in which a figure is inserted or updated."""
        if not self.plan.has_changes:
            return set()
        return {month_label(m) for m in self.plan.changes.get_column("month").unique().to_list()}

    @property
    def changes(self) -> pl.DataFrame:
        """One row per figure inserted or updated: ``change`` (insert, update), the key,
        old and new value and status, and the source file and row."""
        updated, inserted = self.plan.updated, self.plan.inserted
        return pl.concat([_change_rows(updated, "update"), _change_rows(inserted, "insert")])


def _change_rows(rows: pl.DataFrame, change: str) -> pl.DataFrame:
    inserted = change == "insert"
    return rows.select(
        pl.lit(change).alias("change"),
        "authority",
        "indicator",
        "month",
        pl.lit(None, dtype=pl.Float64).alias("old_value") if inserted else "old_value",
        pl.lit(None, dtype=pl.String).alias("old_status") if inserted else "old_status",
        pl.col("value").alias("new_value"),
        pl.col("status").alias("new_status"),
        "source_file",
        "source_row",
    )


@dataclass(frozen=True)
class ReferenceImport:
    """What a benchmarks or population import stored: the ``table``'s new ``version`` and
    the rows of ``frame`` written to it."""

    table: str
    version: int
    frame: pl.DataFrame


@dataclass(frozen=True)
class StoreCheck:
    """The outcome of :meth:`StoreCommands.check`: the store's ``path`` (a folder, or an
    object-storage location whose text is its URI), the ``problems`` found, and its latest
    ``version`` when it is sound."""

    path: Path | Any
    problems: tuple[str, ...]
    version: int | None = None

    @property
    def sound(self) -> bool:
        return not self.problems
