"""Opening a store folder: is it new, is it a whole csc-perf store, which version is the
latest, and the Delta table itself. Nothing here writes.

:class:`StoreFolder` is the base of every part of :class:`csc_perf.store.core.Store`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from deltalake import DeltaTable

from csc_perf.errors import StoreError
from csc_perf.store.delta_log import COMMIT_FILE, inspect_log
from csc_perf.store.delta_table import check_location, refuse_unsupported, table_location
from csc_perf.store.layout import (
    CHECK_HINT,
    DEFAULT_WAIT_SECONDS,
    LOCK,
    MARKER,
    MARKER_TMP,
    REFERENCE_TABLES,
    TABLE,
)
from csc_perf.store.library_errors import failures_as_store_error, rust_panic_text_held_back
from csc_perf.store.locking import holding_lock
from csc_perf.store.marker import read_marker


class StoreFolder:
    """A csc-perf store folder. Opening never writes; writing takes the lock.

    Every method that opens the store first checks that its log is whole (see
    :func:`inspect_log`) and raises :class:`StoreError` if it is not; reading methods raise
    :class:`StoreError` ("no store at PATH") when nothing has been stored there yet.
    """

    def __init__(self, path: str | Path, *, wait: float = DEFAULT_WAIT_SECONDS) -> None:
        self.path = Path(path)
        self.wait = wait
        self._verified: tuple | None = None  # (fingerprint of the log, its latest version)

    @property
    def table_path(self) -> Path:
        """The observations table's folder."""
        return self.path / TABLE

    @property
    def table_location(self) -> str:
        """The observations table as the Delta library wants it (see :func:`table_location`)."""
        return table_location(self.table_path)

    def is_new(self) -> bool:
        """True when nothing has been stored yet: no folder, an empty one, or one that another
        process is creating right now (or was killed while creating): no marker yet, and
        nothing but the lock and the table being made, holding at most its empty first
        version. A table with more versions and no marker is damage, not a new store."""
        if not self.path.exists():
            return not self.path.is_symlink()
        if not self.path.is_dir():
            raise StoreError(f"{self.path}: is a file, not a store folder")
        entries = {p.name for p in self.path.iterdir()}
        if MARKER in entries:
            return False
        if TABLE in entries:
            log = self.table_path / "_delta_log"
            commits = (
                [n for n in os.listdir(log) if COMMIT_FILE.fullmatch(n)] if log.is_dir() else []
            )
            if len(commits) > 1 or (entries & set(REFERENCE_TABLES)):
                raise StoreError(
                    f"{self.path}: the store marker {MARKER} is missing but the store holds "
                    f"{len(commits)} version(s): the store is damaged",
                    hint=CHECK_HINT,
                )
        return entries <= {LOCK, TABLE, MARKER_TMP}

    def check_is_store(self) -> None:
        """Raise :class:`StoreError` unless the folder is a whole csc-perf store (or new):
        marker readable, table present, log without gaps or damaged commits."""
        check_location(self.path)
        if self.is_new():
            return
        info = self._marker()
        if not (self.table_path / "_delta_log").is_dir():
            raise StoreError(
                f"{self.path}: the store has no {TABLE} table (damaged store?)", hint=CHECK_HINT
            )
        self._verify(info.get("version"))

    def _marker(self) -> dict:
        """The store's marker, checked (see :func:`read_marker`)."""
        return read_marker(self.path)

    def _verify(self, recorded: int | None) -> int:
        """The latest version, after checking that the log is whole (cheaply: a listing, and
        parsing only the commits a checkpoint does not cover). Cached while the log is
        unchanged."""
        log = self.table_path / "_delta_log"
        try:
            entries = sorted(
                (e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(log)
            )
        except OSError as exc:
            raise StoreError(f"{log}: cannot list the store's log ({exc.strerror})") from None
        fingerprint = (tuple(entries), recorded)
        if self._verified is not None and self._verified[0] == fingerprint:
            return self._verified[1]
        state = inspect_log(log, recorded=recorded, deep=False)
        if state.problems:
            raise StoreError(
                f"{self.path}: the store is damaged: {state.problems[0]}", hint=CHECK_HINT
            )
        assert state.latest is not None
        self._verified = (fingerprint, state.latest)
        return state.latest

    def _verify_history(self) -> None:
        """Before an earlier version is read: every commit parsed whole. (On open only the
        commits after the latest checkpoint are; an earlier version is built from the older
        ones, so a damaged one there would be read past.)"""
        state = inspect_log(
            self.table_path / "_delta_log", recorded=self._marker().get("version"), deep=True
        )
        # Versions that Delta's own clean-up removed from a store made before history was
        # kept are not damage to the figures: reading them fails on its own, with a message.
        problems = [p for p in state.problems if "by Delta's log clean-up" not in p]
        if problems:
            raise StoreError(f"{self.path}: the store is damaged: {problems[0]}", hint=CHECK_HINT)

    def require(self) -> None:
        """Raise :class:`StoreError` unless a whole store exists here (reads never create)."""
        self.check_is_store()
        if self.is_new():
            raise StoreError(
                f"no store at {self.path}",
                hint="import an extract first (`csc-perf import FILE`), or check --store / "
                "CSC_PERF_STORE",
            )

    def version(self) -> int | None:
        """The latest version, or None for a store with nothing in it yet."""
        self.check_is_store()
        if self.is_new():
            return None
        return self._verify(self._marker().get("version"))

    def _table(self, version: int | None = None, location: str | None = None) -> DeltaTable:
        """The Delta table (at ``version``); a damaged one is a :class:`StoreError`, not a
        crash, and one using Delta features we cannot read is refused."""
        where = location or self.table_location

        def unreadable(reason: str) -> StoreError:
            return StoreError(f"{self.path}: the store cannot be read ({reason})", hint=CHECK_HINT)

        with failures_as_store_error(unreadable), rust_panic_text_held_back():
            table = DeltaTable(where, version=version)
        refuse_unsupported(table, self.path)
        return table

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store's write lock; wait at most ``self.wait`` seconds for it."""
        with holding_lock(self.path, self.wait):
            yield
