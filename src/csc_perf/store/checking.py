"""``csc-perf store check``: everything that can be wrong with a store, found and named
(not raised), from the marker down to each figure and the reference tables.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from deltalake import DeltaTable

from csc_perf.errors import StoreError
from csc_perf.model.schemas import PRESENT, STATUSES
from csc_perf.store.delta_log import LogState, added_files, inspect_log
from csc_perf.store.delta_table import check_location, data_file_problems, data_files
from csc_perf.store.layout import KEY, REFERENCE_TABLES, TABLE, stored_column_kinds
from csc_perf.store.reading import ObservationReads
from csc_perf.store.reference import ReferenceTables


class Checks(ObservationReads, ReferenceTables):
    """The store's own check of itself."""

    def check(self) -> list[str]:
        """Problems found in the store (an empty list: it is sound).

        Checks that the marker and the table are readable; that the log is whole: every
        version from 0 kept, no empty, unparsable or incomplete commit, the latest version
        the one the marker recorded; that the table uses no Delta feature csc-perf cannot
        read; the schema; that every data file of the latest version exists and is a whole
        Parquet file; that each authority/indicator/month appears once, statuses are known and
        values are present exactly when the status is ``present``; and that the reference
        tables read. Raises :class:`StoreError` when there is no store at all.
        """
        check_location(self.path)
        try:
            if self.is_new():
                raise StoreError(f"no store at {self.path}", hint="check --store / CSC_PERF_STORE")
            info = self._marker()
        except StoreError as exc:
            if exc.message.startswith("no store at") or "cannot reach the store" in exc.message:
                raise
            return [exc.message]
        log = self._log()
        if not log.exists():
            return [f"the store has no {TABLE} table ({log.where} is missing)"]
        state = inspect_log(log, recorded=info.get("version"), deep=True)
        if state.problems:
            return state.problems  # the checks below would read past the damage
        try:
            table = self._table()
        except StoreError as exc:
            return [exc.message]
        problems = self._table_problems(table, state)
        if problems:
            return problems
        try:
            frame = self.observations()
        except StoreError as exc:
            return [f"the current version cannot be read ({exc.message})"]
        return _figure_problems(frame) + self._reference_problems()

    def _table_problems(self, table: DeltaTable, state: LogState) -> list[str]:
        """The observations table's version and schema, and its data files: the current
        version's, and every earlier version's (none is ever deleted: --as-of needs them)."""
        problems: list[str] = []
        if table.version() != state.latest:
            problems.append(f"the table opens at version {table.version()}, not {state.latest}")
        actual = {f.name: str(f.type) for f in table.schema().to_arrow()}
        for name, kind in stored_column_kinds().items():
            if name not in actual:
                problems.append(f"the observations table has no {name!r} column")
            elif (
                kind not in actual[name].lower()
                and not (kind == "string" and "utf8" in actual[name].lower())
                and not (kind == "double" and "float64" in actual[name].lower())
            ):
                problems.append(f"column {name!r} is {actual[name]}, expected {kind}")
        current = data_files(table, self.table_path)
        ends = None
        if self.remote is not None:
            objects = self._objects  # opened by the log's listing above
            assert objects is not None
            ends = lambda uri: objects.ends(objects.relative(uri))  # noqa: E731
        problems += data_file_problems(current, ends=ends)
        earlier = added_files(self._log())
        held = set(current) if self.remote is not None else {str(Path(f)) for f in current}
        for path in sorted(set(earlier) - held):
            which = f"version {earlier[path]} (for --as-of)"
            problems += data_file_problems([path], which, ends=ends)
        return problems

    def _reference_problems(self) -> list[str]:
        """Each reference table's log checked whole against the marker, then read."""
        problems: list[str] = []
        for name in REFERENCE_TABLES:
            reference_log = self._log(name)
            recorded = self._recorded_reference(name)
            if not reference_log.exists():
                if recorded is not None:
                    problems.append(
                        f"the {name} table: its log {reference_log.where} is gone (the marker "
                        f"recorded version {recorded})"
                    )
                continue
            found = inspect_log(reference_log, recorded=recorded, deep=True).problems
            problems += [f"the {name} table: {p}" for p in found]
            if not found:
                try:
                    self.reference(name)
                except StoreError as exc:
                    problems.append(exc.message)
        return problems


def _figure_problems(frame: pl.DataFrame) -> list[str]:
    """Keys held more than once, unknown statuses, and values that disagree with their
    status, in the current observations."""
    problems: list[str] = []
    duplicates = frame.group_by(*KEY).len().filter(pl.col("len") > 1).height
    if duplicates:
        problems.append(f"{duplicates} authority/indicator/month key(s) appear more than once")
    bad_status = frame.filter(~pl.col("status").is_in(list(STATUSES)))
    if bad_status.height:
        problems.append(f"{bad_status.height} observation(s) have an unknown status")
    inconsistent = frame.filter(
        (pl.col("status") == PRESENT) != pl.col("value").is_not_null()
    ).height
    if inconsistent:
        problems.append(
            f"{inconsistent} observation(s) have a value that does not match their status"
        )
    return problems
