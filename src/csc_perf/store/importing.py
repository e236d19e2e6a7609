"""Importing observations: compare them with the store (the plan), then write what changed
as one atomic Delta commit carrying its own record (files, SHA-256, rows, months, what
changed), under the write lock.

On object storage there is no lock: the import is planned on one version of the table and
merged into the authorities' partitions it read, and Delta's conflict check refuses the
commit when another writer changed those partitions meanwhile; the import is then planned
again on the new version (see :meth:`~csc_perf.store.writing.StoreWrites._optimistically`).
Imports of different authorities never conflict.

Policy: a value or a suppression mark replaces what the store holds for the same authority,
indicator and month (the old one stays reachable with ``--as-of``); a *missing* cell never
erases a known figure, it is only recorded where the store has nothing yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl
from deltalake import write_deltalake

from csc_perf.model.calendar import month_label
from csc_perf.model.progress import advance
from csc_perf.model.schemas import MISSING, FileSummary, empty_observations
from csc_perf.store.delta_table import commit_record, keep_logs
from csc_perf.store.layout import KEY, PARTITION, as_stored_types
from csc_perf.store.reading import ObservationReads
from csc_perf.store.writing import StoreWrites, crash_point, upsert


@dataclass
class ImportPlan:
    """What an import would change: rows to insert, rows to update, rows already held."""

    inserted: pl.DataFrame
    updated: pl.DataFrame
    unchanged: int
    base_version: int | None

    @property
    def changes(self) -> pl.DataFrame:
        """The rows the commit writes: those inserted and those updated (new values only)."""
        if self.updated.height == 0:
            return self.inserted  # no copy of a large first import
        return pl.concat(
            [self.inserted, self.updated.drop("old_value", "old_status", "old_source_file")]
        )

    @property
    def has_changes(self) -> bool:
        """True when the import would insert or update at least one row."""
        return self.inserted.height + self.updated.height > 0


@dataclass
class ImportResult:
    """What an import did: committed or not (nothing changed), the version it made (or the
    one it found), how many rows it inserted, updated and left unchanged, and its months."""

    committed: bool
    version: int | None
    inserted: int
    updated: int
    unchanged: int
    months: list[str] = field(default_factory=list)
    # What was compared under the lock: the rows inserted and those updated (with the old
    # value, status and source file), for reporting exactly what changed.
    plan: ImportPlan | None = None


class Imports(ObservationReads, StoreWrites):
    """Planning and committing an import of observations."""

    def plan(
        self,
        observations: pl.DataFrame,
        *,
        as_of: int | None = None,
        unique: bool = False,
        table=None,
    ) -> ImportPlan:
        """Compare ``observations`` with the store: what would be inserted and updated.
        ``unique`` says the observations have one row per key already (validated ones do);
        ``table`` is the open table version to compare with (default: the latest)."""
        new = observations
        if not unique and new.select(pl.struct(KEY).is_duplicated().any()).item():
            new = new.unique(subset=list(KEY), keep="last", maintain_order=True)
        if table is not None:
            base_version = table.version()
            current = self._scan_table(table)
        else:
            base_version = self.version()
            current = empty_observations().lazy() if base_version is None else self.scan(as_of)
        if new.height:
            authorities = new.get_column("authority").unique().to_list()
            indicators = new.get_column("indicator").unique().to_list()
            current = current.filter(
                pl.col("authority").is_in(authorities) & pl.col("indicator").is_in(indicators)
            )
        old = self._collect(
            current.select(
                *KEY,
                pl.col("value").alias("_old_value"),
                pl.col("status").alias("_old_status"),
                pl.col("source_file").alias("_old_source_file"),
            ),
            as_of,
        )
        if old.height == 0:
            # Nothing stored for these authorities and indicators (a first import): every
            # row is new, and the join is done on no rows, only for the columns it gives.
            inserted, updated = new, _compared(new.clear(), old)
            return ImportPlan(inserted, _as_updated(updated), 0, base_version)
        joined = _compared(new, old)
        is_new = pl.col("_old_status").is_null()
        differs = pl.col("value").ne_missing(pl.col("_old_value")) | (
            pl.col("status") != pl.col("_old_status")
        )
        # A missing cell never erases a figure the store already holds.
        keeps_old = (pl.col("status") == MISSING) & ~is_new
        inserted = joined.filter(is_new).drop("_old_value", "_old_status", "_old_source_file")
        updated = _as_updated(joined.filter(~is_new & differs & ~keeps_old))
        unchanged = new.height - inserted.height - updated.height
        return ImportPlan(inserted, updated, unchanged, base_version)

    def commit_import(
        self,
        observations: pl.DataFrame,
        files: Sequence[FileSummary],
        *,
        operation: str = "import",
        unique: bool = False,
    ) -> ImportResult:
        """Write ``observations`` as one atomic commit; a no-op when nothing would change.

        Takes the write lock (waiting up to ``self.wait`` seconds, then raising
        :class:`StoreBusyError`), re-plans against the latest version under the lock, and
        merges. On object storage, no lock: planned and merged optimistically, planned again
        when another writer's commit conflicts, :class:`StoreBusyError` after the bound.
        Raises :class:`StoreError` when the folder is not a store, the store is damaged, or
        the disk is full (nothing is changed then).
        """
        self.check_is_store()
        if self.remote is not None:
            self._create_if_new()
            self.check_is_store()
            return self._optimistically(
                lambda number: self._import_once(observations, files, operation, unique, number),
                "import",
            )
        self.path.mkdir(parents=True, exist_ok=True)
        with self.lock():
            crash_point("locked")
            self._create_if_new()
            self.check_is_store()  # again under the lock: another writer may have been first
            self._sync_marker()
            self._keep_history()
            return self._import_once(observations, files, operation, unique)

    def _import_once(
        self,
        observations: pl.DataFrame,
        files: Sequence[FileSummary],
        operation: str,
        unique: bool,
        attempt: int = 1,
    ) -> ImportResult:
        """Plan the import on the latest version and commit it (under the lock, or
        optimistically on object storage)."""
        table = self._table()
        plan = self.plan(observations, unique=unique, table=table)
        months = sorted(
            {month_label(m) for m in observations.get_column("month").unique().to_list()}
        )
        if not plan.has_changes:
            return ImportResult(False, plan.base_version, 0, 0, plan.unchanged, months, plan)
        base = plan.base_version if plan.base_version is not None else 0
        info = {
            "operation": operation,
            # On object storage another writer's commit may take the next version first.
            # (The attempt: how many times it was planned, other writers' commits conflicting.)
            **(
                {"version": base + 1}
                if self.remote is None
                else {"read_version": base, "attempt": attempt}
            ),
            "files": [
                {"path": f.path, "sha256": f.sha256, "rows": f.rows, "shape": f.shape}
                for f in files
            ],
            "months": months,
            "inserted": plan.inserted.height,
            "updated": plan.updated.height,
            "unchanged": plan.unchanged,
        }
        # The Polars frame itself goes to the Delta writer (the Arrow C stream): no
        # pyarrow copy of millions of rows, and no pyarrow import.
        source = plan.changes.select(as_stored_types())
        crash_point("before-commit")
        advance("rows written", 0, source.height)
        properties = commit_record(info)
        with self._writing(base):
            if self.remote is not None:
                # Always a MERGE, limited to the authorities' partitions: a blind append
                # would not conflict with another writer's rows for the same keys.
                upsert(table, source, KEY, properties, within=_partitions_of(source))
            elif plan.updated.height == 0:
                # Only new keys (planned under the lock against the latest version): an
                # append commits the same rows as a MERGE would, far faster.
                write_deltalake(
                    table,
                    source,
                    mode="append",
                    commit_properties=properties,
                    post_commithook_properties=keep_logs(),
                )
            else:
                upsert(table, source, KEY, properties)
        version = self._latest_in_log() if self.remote is None else table.version()
        advance("rows written", source.height, source.height)
        crash_point("after-commit")
        self._record_version(version)
        return ImportResult(
            True,
            version,
            plan.inserted.height,
            plan.updated.height,
            plan.unchanged,
            months,
            plan,
        )


def _partitions_of(rows: pl.DataFrame) -> str:
    """A predicate on the target's authority partitions holding ``rows``' authorities."""
    names = sorted(rows.get_column(PARTITION).unique().to_list())
    quoted = ", ".join("'" + str(name).replace("'", "''") + "'" for name in names)
    return f"t.{PARTITION} IN ({quoted})"


def _compared(new: pl.DataFrame, old: pl.DataFrame) -> pl.DataFrame:
    """Each new row beside the stored row with its key (``_old_*`` null when none)."""
    return new.join(old, on=list(KEY), how="left", nulls_equal=True)


def _as_updated(rows: pl.DataFrame) -> pl.DataFrame:
    """Compared rows named as :attr:`ImportPlan.updated` has them."""
    return rows.rename(
        {
            "_old_value": "old_value",
            "_old_status": "old_status",
            "_old_source_file": "old_source_file",
        }
    )
