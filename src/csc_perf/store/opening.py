"""Opening a store: is it new, is it a whole csc-perf store, which version is the latest,
and the Delta table itself. Nothing here writes.

A store is a local folder (a marker file says it is a csc-perf store and records the latest
version; a lock file serialises writers) or a prefix on object storage, where there are no
side files: the observations table describes itself (its name and description, written by
its first commit) and writers rely on Delta's optimistic concurrency (see
:mod:`csc_perf.store.importing`).

:class:`StoreFolder` is the base of every part of :class:`csc_perf.store.core.Store`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from deltalake import DeltaTable

from csc_perf.errors import StoreError
from csc_perf.store.delta_log import COMMIT_FILE, inspect_log
from csc_perf.store.delta_table import check_location, refuse_unsupported, table_location
from csc_perf.store.layout import (
    CHECK_HINT,
    DEFAULT_WAIT_SECONDS,
    DESCRIPTION,
    FORMAT,
    LOCK,
    MARKER,
    MARKER_TMP,
    PARTITION,
    REFERENCE_TABLES,
    TABLE,
)
from csc_perf.store.library_errors import failures_as_store_error, rust_panic_text_held_back
from csc_perf.store.location import ObjectLocation, store_location
from csc_perf.store.locking import holding_lock
from csc_perf.store.log_files import LocalLog, LogFiles, ObjectFiles, ObjectLog
from csc_perf.store.marker import read_marker


class StoreFolder:
    """A csc-perf store folder. Opening never writes; writing takes the lock.

    Every method that opens the store first checks that its log is whole (see
    :func:`inspect_log`) and raises :class:`StoreError` if it is not; reading methods raise
    :class:`StoreError` ("no store at PATH") when nothing has been stored there yet.
    """

    def __init__(
        self,
        path: str | Path | ObjectLocation,
        *,
        wait: float = DEFAULT_WAIT_SECONDS,
        storage_options: Mapping[str, str] | None = None,
    ) -> None:
        location = (
            path if isinstance(path, ObjectLocation) else store_location(path, storage_options)
        )
        #: The store on object storage, or None for a local folder.
        self.remote: ObjectLocation | None = (
            location if isinstance(location, ObjectLocation) else None
        )
        #: The folder (a :class:`~pathlib.Path`) or the URI (an :class:`ObjectLocation`).
        self.path: Any = location
        self.wait = wait
        self._verified: tuple | None = None  # (fingerprint of the log, its latest version)
        self._objects: ObjectFiles | None = None
        self._described = False  # an object-storage store's table was seen to be csc-perf's
        self._conditional_checked = False  # its server was seen to honour conditional writes

    @property
    def table_path(self) -> Any:
        """The observations table's folder (or URI)."""
        return self.path / TABLE

    @property
    def table_location(self) -> str:
        """The observations table as the Delta library wants it (see :func:`table_location`)."""
        return self._location(TABLE)

    def _location(self, name: str) -> str:
        """Table ``name`` of the store as the Delta library wants it."""
        if self.remote is not None:
            return str(self.remote / name)
        return table_location(self.path / name)

    def _options(self) -> dict[str, str] | None:
        """Storage options for the Delta library and Polars (None for a local store)."""
        return None if self.remote is None else self.remote.storage_options()

    def _log(self, name: str = TABLE) -> LogFiles:
        """The log of table ``name``, wherever the store is."""
        if self.remote is None:
            return LocalLog(self.path / name / "_delta_log")
        if self._objects is None:
            self._objects = ObjectFiles(self.remote)
        return ObjectLog(self._objects, name)

    def is_new(self) -> bool:
        """True when nothing has been stored yet: no folder, an empty one, or one that another
        process is creating right now (or was killed while creating): no marker yet, and
        nothing but the lock and the table being made, holding at most its empty first
        version. A table with more versions and no marker is damage, not a new store.

        On object storage: True when the prefix holds no observations table (and no
        reference table without it, which is damage)."""
        if self.remote is not None:
            return self._remote_is_new()
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

    def _remote_is_new(self) -> bool:
        if self._described:
            return False  # a store, once seen, does not become new
        with self._reaching():
            if self._log().exists():
                return False
            found = [name for name in REFERENCE_TABLES if self._log(name).exists()]
        if found:
            raise StoreError(
                f"{self.path}: the store's {TABLE} table is missing but it holds the "
                f"{found[0]} table: the store is damaged",
                hint=CHECK_HINT,
            )
        return True

    @contextmanager
    def _reaching(self) -> Iterator[None]:
        """Run calls to object storage: any failure is "cannot reach the store", and Rust's
        panic text (a malformed endpoint) stays off the terminal."""
        with failures_as_store_error(self._unreachable), rust_panic_text_held_back():
            yield

    def _unreachable(self, reason: str) -> StoreError:
        """The error for object storage that cannot be listed or read."""
        return StoreError(
            f"{self.path}: cannot reach the store ({reason})",
            hint="check the URI, the network and the credentials (AWS_*, AZURE_STORAGE_*, "
            "GOOGLE_* or [workspace.storage_options])",
        )

    def check_is_store(self) -> None:
        """Raise :class:`StoreError` unless the folder is a whole csc-perf store (or new):
        marker readable, table present, log without gaps or damaged commits."""
        check_location(self.path)
        if self.is_new():
            return
        if self.remote is not None:
            self._check_description()
            self._verify(None)
            return
        info = self._marker()
        if not (self.table_path / "_delta_log").is_dir():
            raise StoreError(
                f"{self.path}: the store has no {TABLE} table (damaged store?)", hint=CHECK_HINT
            )
        self._verify(info.get("version"))

    def _marker(self) -> dict:
        """The store's marker, checked (see :func:`read_marker`); on object storage, what
        the table says of itself (no recorded version)."""
        if self.remote is not None:
            self._check_description()
            return {"format": FORMAT}
        return read_marker(self.path)

    def _recorded(self) -> int | None:
        """The latest version the marker recorded (none on object storage)."""
        return None if self.remote is not None else self._marker().get("version")

    def _check_description(self) -> None:
        """On object storage: raise :class:`StoreError` unless the observations table's
        first commit says it is a csc-perf store of this format."""
        if self._described:
            return
        with self._reaching():
            first = self._log().read_text(f"{0:020d}.json")
        described = None
        for line in first.splitlines():
            if line.startswith('{"metaData"'):
                try:
                    described = json.loads(line)["metaData"].get("description")
                except (ValueError, KeyError, AttributeError):
                    described = None
        if described != DESCRIPTION:
            raise StoreError(
                f"{self.path}: this is not a csc-perf store (its {TABLE} table was not made "
                f"by csc-perf {FORMAT})",
                hint="point --store (or CSC_PERF_STORE) at a csc-perf store, or at a new prefix",
            )
        self._described = True

    def _verify(self, recorded: int | None) -> int:
        """The latest version, after checking that the log is whole (cheaply: a listing, and
        parsing only the commits a checkpoint does not cover). Cached while the log is
        unchanged."""
        log = self._log()
        try:
            with self._reaching():
                entries = log.listing()
        except OSError as exc:
            raise StoreError(f"{log.where}: cannot list the store's log ({exc.strerror})") from None
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
        state = inspect_log(self._log(), recorded=self._recorded(), deep=True)
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
        return self._verify(self._recorded())

    def _table(self, version: int | None = None, location: str | None = None) -> DeltaTable:
        """The Delta table (at ``version``); a damaged one is a :class:`StoreError`, not a
        crash, and one using Delta features we cannot read is refused."""
        where = location or self.table_location

        def unreadable(reason: str) -> StoreError:
            return StoreError(f"{self.path}: the store cannot be read ({reason})", hint=CHECK_HINT)

        with failures_as_store_error(unreadable), rust_panic_text_held_back():
            table = DeltaTable(where, version=version, storage_options=self._options())
        refuse_unsupported(table, self.path, (PARTITION,) if self.remote is not None else ())
        return table

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store's write lock; wait at most ``self.wait`` seconds for it. A store on
        object storage has no lock: its writers commit optimistically."""
        if self.remote is not None:
            yield
            return
        with holding_lock(self.path, self.wait):
            yield
