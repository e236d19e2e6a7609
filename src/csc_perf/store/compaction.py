"""``csc-perf store compact``: many small data files merged into fewer larger ones as one
new version. Content and history (so ``--as-of``) are unchanged; nothing is deleted.
"""

from __future__ import annotations

from deltalake.exceptions import CommitFailedError

from csc_perf.errors import StoreError
from csc_perf.store.delta_table import commit_record, keep_logs
from csc_perf.store.layout import CHECK_HINT
from csc_perf.store.library_errors import first_line
from csc_perf.store.writing import StoreWrites, crash_point


class Compaction(StoreWrites):
    """Compacting the observations table."""

    def compact(self) -> int | None:
        """Merge small data files into larger ones as a new version; content and history
        (so ``--as-of``) are unchanged, nothing is deleted. Returns the new version, or None
        when there was nothing to compact."""
        self.require()
        if self.remote is not None:  # no lock: another writer's commit means start again
            return self._optimistically(lambda _number: self._compact_once(), "compaction")
        with self.lock():
            crash_point("locked")
            self.check_is_store()
            self._sync_marker()
            self._keep_history()
            return self._compact_once()

    def _compact_once(self) -> int | None:
        """Compact the latest version (under the lock, or optimistically)."""
        table = self._table()
        before = table.version()
        # On object storage another writer's commit may take the next version first.
        at = {"version": before + 1} if self.remote is None else {"read_version": before}
        info = {"operation": "compact", **at}
        crash_point("before-commit")
        try:
            with self._writing(before):
                metrics = table.optimize.compact(
                    commit_properties=commit_record(info),
                    post_commithook_properties=keep_logs(),
                )
        except (StoreError, KeyboardInterrupt, SystemExit, CommitFailedError):
            raise
        except Exception as exc:
            if self._latest_in_log() != before:
                raise
            # A data file that is missing or cut short (the log itself was checked).
            raise StoreError(
                f"{self.path}: cannot compact the store, nothing was changed ({first_line(exc)})",
                hint=CHECK_HINT,
            ) from None
        after = self._latest_in_log() if self.remote is None else table.version()
        if after == before:
            return None
        crash_point("after-commit")
        self._record_version(after)
        return after if metrics.get("numFilesRemoved") else None
