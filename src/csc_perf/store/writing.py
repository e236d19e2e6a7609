"""What every write to a store does, under the write lock: create the store when it is new
(the table first, the marker last), give an old table the properties that keep its
history, run the Delta write so that a full disk or a Rust panic becomes a message, and
record the new version in the marker. On object storage there is no lock and no marker:
each write is planned on one version of the table and committed optimistically, again
from the start when another writer's commit conflicts (:meth:`StoreWrites._optimistically`).

:class:`StoreWrites` is the base of the parts of :class:`csc_perf.store.core.Store` that
write: imports, reference tables, compaction.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TypeVar

from deltalake import DeltaTable
from deltalake.exceptions import CommitFailedError

from csc_perf.errors import StoreBusyError, StoreError
from csc_perf.store.delta_log import inspect_log
from csc_perf.store.delta_table import commit_record, keep_logs
from csc_perf.store.layout import (
    DESCRIPTION,
    FORMAT,
    HISTORY_PROPERTIES,
    MARKER,
    PARTITION,
    TABLE,
    stored_schema,
)
from csc_perf.store.library_errors import (
    first_line,
    is_access_denied,
    is_disk_full,
    reraise_interrupts,
    rust_panic_text_held_back,
)
from csc_perf.store.log_files import LogFiles
from csc_perf.store.marker import write_atomically
from csc_perf.store.opening import StoreFolder

T = TypeVar("T")
# How many times a write on object storage is planned and committed before it gives up
# (exit 75) because other writers' commits kept conflicting with it.
COMMIT_ATTEMPTS = 10


class StoreWrites(StoreFolder):
    """The steps every write shares; each is called with the write lock held."""

    def _latest_in_log(self, log: LogFiles | None = None) -> int:
        """The latest version in a table's log (the observations' by default), -1 if none."""
        folder = log or self._log()
        if not folder.exists():
            return -1
        latest = inspect_log(folder, deep=False, parse=False).latest
        return -1 if latest is None else latest

    def _optimistically(self, attempt: Callable[[int], T], what: str) -> T:
        """Run ``attempt(number)`` (plan on one version, commit) until it commits; when
        another writer's commit conflicts with it, plan again on the new version. Raises
        :class:`StoreBusyError` (exit 75) after :data:`COMMIT_ATTEMPTS` conflicts; each
        failed attempt wrote nothing the table shows."""
        self._check_conditional_writes()
        for number in range(1, COMMIT_ATTEMPTS + 1):
            try:
                return attempt(number)
            except CommitFailedError:
                self._verified = None
                if number == COMMIT_ATTEMPTS:
                    break
                # Jittered, growing pauses, so that writers who collided do not collide again.
                time.sleep(random.uniform(0.05, min(2.0, 0.1 * 2**number)))
        raise StoreBusyError(
            f"{self.path}: the store kept changing under this {what}: other writers' commits "
            f"conflicted with it {COMMIT_ATTEMPTS} times; nothing was written by it",
            hint="run the command again when the other imports have finished",
        )

    @contextmanager
    def _writing(self, base: int, log: LogFiles | None = None) -> Iterator[None]:
        """Run a Delta write (called with the lock held, ``base`` the version before it).
        A full disk (or a file-size limit) is a :class:`StoreError` saying nothing changed;
        Rust panic text never reaches the user's terminal."""
        try:
            with rust_panic_text_held_back():
                yield
        except BaseException as exc:
            reraise_interrupts(exc)
            if isinstance(exc, (CommitFailedError, StoreError)):
                raise  # a conflict is planned again; our own errors are already messages
            if self.remote is not None and is_access_denied(exc):
                raise self._denied() from None
            try:
                with rust_panic_text_held_back():
                    landed: bool | None = self._latest_in_log(log) != base
            except Exception:  # the store cannot be listed either (the network is down)
                landed = None
            if is_disk_full(exc) and landed is False:
                raise StoreError(
                    "no space left writing the store; nothing was changed",
                    hint=f"free some space on the drive holding {self.path}, then run the "
                    "command again",
                ) from None
            if self.remote is not None and isinstance(exc, Exception):
                # Object storage over a network: a lost connection, a timeout, a server
                # error. A commit whose answer was lost may still have landed.
                outcome = (
                    "nothing was changed"
                    if landed is False
                    else "it may or may not have landed: `csc-perf history` shows"
                )
                raise StoreError(
                    f"{self.path}: the write to the object store failed ({first_line(exc)}); "
                    f"{outcome}",
                    hint="check the network, the endpoint and the credentials, then run the "
                    "command again (an import that landed changes nothing the second time)",
                ) from None
            if isinstance(exc, Exception):
                raise
            raise RuntimeError(f"the Delta Lake library failed: {first_line(exc)}") from None

    def _denied(self) -> StoreError:
        """The error for credentials that may read the store but not write to it."""
        return StoreError(
            f"{self.path}: the object store refused the write: access denied (these "
            "credentials may read the store but not change it); nothing was changed",
            hint="reading commands (rag, report, export...) work with them; ask for write "
            "access to import (README: Sharing a store)",
        )

    def _check_conditional_writes(self) -> None:
        """Before the first write to object storage: refuse a store whose server ignores
        conditional writes (an old MinIO or Ceph), where two writers' commits of the same
        version would silently replace one another, losing an import with exit 0."""
        if self.remote is None or self._conditional_checked:
            return
        self._log()  # opens the object store
        assert self._objects is not None
        try:
            with rust_panic_text_held_back():
                honoured = self._objects.honours_conditional_writes()
        except Exception as exc:
            if is_access_denied(exc):
                raise self._denied() from None
            raise self._unreachable(first_line(exc)) from None
        if not honoured:
            raise StoreError(
                f"{self.path}: this object store ignores conditional writes (If-None-Match), "
                "so two imports at once could overwrite each other's commit; nothing was "
                "written",
                hint="use a server that supports them (AWS S3, Azure, Google; MinIO since "
                "2024, Ceph Squid), or keep the store in a local folder",
            )
        self._conditional_checked = True

    def _record_version(self, version: int, table: str = TABLE) -> None:
        """Rewrite the marker with a table's latest version (atomically, under the lock), so
        that a deleted latest commit is noticed. A crash (or a full disk) between the Delta
        commit and this leaves the marker behind the log, which is read as whole: only a log
        *behind* the marker is damage. (No marker on object storage.)"""
        if self.remote is not None:
            self._verified = None
            return
        with suppress(OSError, StoreError):  # the commit stands; the next write records it
            info = self._marker() if (self.path / MARKER).exists() else {"format": FORMAT}
            if table == TABLE:
                info["version"] = version
            else:
                info.setdefault("reference_versions", {})[table] = version
            write_atomically(self.path / MARKER, info)
        self._verified = None

    def _sync_marker(self) -> None:
        """Under the lock: a marker left one behind by a crash after a commit catches up."""
        if self.remote is not None:
            return
        recorded = self._marker().get("version")
        latest = self._latest_in_log()
        if recorded is None or recorded < latest:
            self._record_version(latest)

    def _keep_history(self, location: str | None = None, log: LogFiles | None = None) -> None:
        """Give a table made before history was kept for ever the table properties that
        keep it (one commit, under the lock, before the write that needs it)."""
        table = self._table(location=location)
        configuration = table.metadata().configuration
        if all(configuration.get(k) == v for k, v in HISTORY_PROPERTIES.items()):
            return
        version = table.version() + 1
        info = {"operation": "keep history", "version": version}
        with self._writing(table.version(), log):
            table.alter.set_table_properties(
                HISTORY_PROPERTIES,
                commit_properties=commit_record(info),
                post_commithook_properties=keep_logs(),
            )
        if location is None:
            self._record_version(version)

    def _create_if_new(self) -> None:
        """Create the table and then the marker (called with the lock held). On object
        storage, the table alone, partitioned by authority and describing itself; when
        another writer creates it first, theirs is used."""
        if not self.is_new():
            return
        if self.remote is not None:
            self._create_remote()
            return
        if self.table_path.exists():
            # A creation that was interrupted before its marker was written: it holds only
            # the empty first version (is_new says so), so it is made again.
            shutil.rmtree(self.table_path)
        with self._writing(-1):
            DeltaTable.create(
                self.table_location,
                stored_schema(),
                name=TABLE,
                description=DESCRIPTION,
                configuration=HISTORY_PROPERTIES,
                commit_properties=commit_record({"operation": "create", "version": 0}),
            )
        crash_point("table-created")
        # The marker is written last: until then the folder reads as new, never half-made.
        write_atomically(self.path / MARKER, {"format": FORMAT, "version": 0})
        self._verified = None

    def _create_remote(self) -> None:
        """Create the observations table on object storage (its first commit, conditional:
        of two writers creating it at once, one wins and the other uses its table). A
        prefix that is itself a Delta table is refused: its engine's VACUUM would delete
        the store's files, which its log does not know."""
        self._check_conditional_writes()
        assert self._objects is not None
        with self._reaching():
            inside = self._objects.has_prefix("_delta_log")
        if inside:
            raise StoreError(
                f"{self.path}: this prefix is itself a Delta table (it holds a _delta_log): "
                "a store inside it could be deleted by that table's VACUUM",
                hint="give the store a prefix of its own (e.g. .../csc)",
            )
        try:
            with self._writing(-1):
                DeltaTable.create(
                    self.table_location,
                    stored_schema(),
                    partition_by=[PARTITION],
                    name=TABLE,
                    description=DESCRIPTION,
                    configuration=HISTORY_PROPERTIES,
                    commit_properties=commit_record({"operation": "create", "version": 0}),
                    storage_options=self._options(),
                )
        except Exception:
            self._verified = None
            if self.is_new():
                raise
        self._verified = None


def upsert(
    table: DeltaTable, data, key: Sequence[str], properties, within: str | None = None
) -> None:
    """One MERGE commit: rows with the same key replaced, new keys inserted. ``within``
    (a predicate on the target's partition columns) says which part of the table the merge
    reads, so that Delta's conflict check sees only writers to that part."""
    matched = " AND ".join(f"t.{k} = s.{k}" for k in key)
    (
        table.merge(
            data,
            predicate=matched if within is None else f"{within} AND {matched}",
            source_alias="s",
            target_alias="t",
            commit_properties=properties,
            post_commithook_properties=keep_logs(),
        )
        .when_matched_update_all()
        .when_not_matched_insert_all()
        .execute()
    )


def crash_point(name: str) -> None:
    """Fault injection for the crash tests: ``CSC_PERF_CRASH_AT=<name>`` kills the process
    here with SIGKILL, as a power cut or the OOM killer would. Unset, it does nothing."""
    if os.environ.get("CSC_PERF_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
