"""The reference tables beside the observations: ``population`` (ONS estimates of children
aged 0-17) and ``benchmarks`` (DfE annual figures, every authority). Each is its own Delta
table, replaced by key in one commit, its latest version recorded in the store marker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
from deltalake import DeltaTable, write_deltalake

from csc_perf.errors import StoreError
from csc_perf.store.delta_log import inspect_log
from csc_perf.store.delta_table import commit_record, data_files, keep_logs
from csc_perf.store.layout import CHECK_HINT, HISTORY_PROPERTIES, REFERENCE_TABLES
from csc_perf.store.library_errors import failures_as_store_error, rust_panic_text_held_back
from csc_perf.store.marker import recorded_reference_version
from csc_perf.store.writing import StoreWrites, upsert


class ReferenceTables(StoreWrites):
    """Reading and replacing the reference tables."""

    def reference(self, name: str) -> pl.DataFrame | None:
        """A reference table (``population``, ``benchmarks``), or None if never imported."""
        self.check_is_store()
        if self.is_new() or not self._check_reference(name):
            return None
        path = self.path / name

        def unreadable(reason: str) -> StoreError:
            return StoreError(f"{path}: cannot read the {name} table ({reason})")

        with failures_as_store_error(unreadable):
            table = self._table(location=self._location(name))
            files = data_files(table, path)
            with rust_panic_text_held_back():
                if files:
                    return pl.read_parquet(files, storage_options=self._options())
                # pyarrow only here: reading a table with rows never needs it.
                import pyarrow as pa

                return pl.from_arrow(pa.schema(table.schema().to_arrow()).empty_table())

    def replace_reference(
        self, name: str, frame: pl.DataFrame, key: Sequence[str], info: dict[str, Any]
    ) -> int:
        """Merge ``frame`` into the reference table ``name`` (rows with the same ``key`` are
        replaced) as one commit, under the write lock. Returns the table's new version."""
        if name not in REFERENCE_TABLES:
            raise StoreError(f"unknown reference table {name!r}")
        self.check_is_store()
        if self.remote is not None:
            self._create_if_new()
            self.check_is_store()
            return self._optimistically(
                lambda _number: self._replace_once(name, frame, key, info), f"{name} import"
            )
        self.path.mkdir(parents=True, exist_ok=True)
        with self.lock():
            self._create_if_new()
            self.check_is_store()
            return self._replace_once(name, frame, key, info)

    def _replace_once(
        self, name: str, frame: pl.DataFrame, key: Sequence[str], info: dict[str, Any]
    ) -> int:
        """Write a reference table's rows as one commit (under the lock, or optimistically
        on object storage); its new version."""
        location = self._location(name)
        data = frame.to_arrow()
        properties = commit_record(info)
        log = self._log(name)
        made = log.exists()
        if not made and self.remote is not None:
            # On object storage the table is made empty first, then merged into: a
            # create-with-rows that loses the race for version 0 is committed again by the
            # Delta library as version 1, the same rows a second time (seen with 1.6).
            self._check_reference(name)
            self._create_reference(name, location, data.schema)
            made = True
        if not made:
            self._check_reference(name)  # never imported, or its log deleted
            with self._writing(-1, log):
                write_deltalake(
                    location,
                    data,
                    mode="overwrite",
                    configuration=HISTORY_PROPERTIES,
                    commit_properties=properties,
                    post_commithook_properties=keep_logs(),
                )
        else:
            self._check_reference(name)
            self._keep_history(location, log)
            table = self._table(location=location)
            with self._writing(table.version(), log):
                upsert(table, data, key, properties)
        version = self._latest_in_log(log) if self.remote is None else table.version()
        self._record_version(version, name)
        return version

    def _create_reference(self, name: str, location: str, schema) -> None:
        """Make an empty reference table on object storage (of two writers making it at
        once, one wins and the other uses its table)."""
        log = self._log(name)
        try:
            with self._writing(-1, log):
                DeltaTable.create(
                    location,
                    schema,
                    mode="error",
                    name=name,
                    configuration=HISTORY_PROPERTIES,
                    commit_properties=commit_record({"operation": "create"}),
                    storage_options=self._options(),
                )
        except Exception:
            if not log.exists():
                raise

    def _recorded_reference(self, name: str) -> int | None:
        """The version of reference table ``name`` the marker recorded, if any (none on
        object storage)."""
        if self.remote is not None:
            return None
        return recorded_reference_version(self._marker(), name)

    def _check_reference(self, name: str) -> bool:
        """Raise :class:`StoreError` if reference table ``name`` is damaged (its log has a gap,
        a bad commit, or ends before the version the marker recorded, or the table is gone
        though recorded). False when it was never imported."""
        folder = self.path / name
        log = self._log(name)
        recorded = self._recorded_reference(name)
        if not log.exists():
            if recorded is None:
                return False
            problems = [f"its log {log.where} is gone (the marker recorded version {recorded})"]
        else:
            problems = inspect_log(log, recorded=recorded, deep=False).problems
        if problems:
            raise StoreError(
                f"{folder}: the {name} table is damaged: {problems[0]}", hint=CHECK_HINT
            )
        return True
