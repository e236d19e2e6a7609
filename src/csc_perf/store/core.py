"""The store: every accepted import, kept, in a Delta Lake table.

Layout of a store folder::

    store/
      csc-perf-store.json     marker: says this folder is a csc-perf store (format version)
      .lock                   write lock (one writer at a time; readers never wait)
      observations/           Delta Lake table: the current view, with full history
      population/             Delta table: ONS estimates of children aged 0-17 (if imported)
      benchmarks/             Delta table: DfE annual figures, every authority (if imported)

Each import is one Delta commit (a MERGE on authority, indicator and month) carrying its own
record (files, SHA-256, rows, months, what changed) in the commit metadata, so
``csc-perf history`` and ``--as-of VERSION|DATE`` come from Delta's log. The table is
readable by DuckDB, Spark or Fabric as it is.

Policy: a value or a suppression mark replaces what the store holds for the same authority,
indicator and month (the old one stays reachable with ``--as-of``); a *missing* cell never
erases a known figure, it is only recorded where the store has nothing yet.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from datetime import time as dtime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csc_perf.errors import StoreBusyError, StoreError, UsageError
from csc_perf.model.calendar import month_label
from csc_perf.model.schemas import MISSING
from csc_perf.store.delta_table import (
    _COMMIT,
    METADATA_KEY,
    _data_file_problems,
    _is_disk_full,
    _keep_logs,
    _reraise_interrupts,
    _rust_panic_text_held_back,
    added_files,
    check_location,
    commit_infos,
    data_files,
    inspect_log,
    refuse_unsupported,
    table_location,
)

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

    from csc_perf.model.schemas import FileSummary

MARKER = "csc-perf-store.json"
MARKER_TMP = MARKER + ".tmp"
LOCK = ".lock"
TABLE = "observations"
FORMAT = 1
KEY = ("authority", "indicator", "month")
DEFAULT_WAIT_SECONDS = 30.0
REFERENCE_TABLES = ("population", "benchmarks")
CHECK_HINT = "run `csc-perf store check` for details; restore the folder from a backup"
# Every version is kept until someone prunes on purpose: Delta's default would delete commit
# files older than 30 days at each checkpoint (every 100 commits), losing history and --as-of.
HISTORY_PROPERTIES = {
    "delta.enableExpiredLogCleanup": "false",
    "delta.logRetentionDuration": "interval 36500 days",
    "delta.deletedFileRetentionDuration": "interval 36500 days",
}
OBSERVATION_COLUMNS = (
    "authority",
    "indicator",
    "month",
    "value",
    "status",
    "source_file",
    "source_sheet",
    "source_row",
)


@dataclass
class ImportPlan:
    """What an import would change: rows to insert, rows to update, rows already held."""

    inserted: pl.DataFrame
    updated: pl.DataFrame
    unchanged: int
    base_version: int | None

    @property
    def changes(self) -> pl.DataFrame:
        import polars as pl

        return pl.concat(
            [self.inserted, self.updated.drop("old_value", "old_status", "old_source_file")]
        )

    @property
    def has_changes(self) -> bool:
        return self.inserted.height + self.updated.height > 0


@dataclass
class ImportResult:
    committed: bool
    version: int | None
    inserted: int
    updated: int
    unchanged: int
    months: list[str] = field(default_factory=list)
    # What was compared under the lock: the rows inserted and those updated (with the old
    # value, status and source file), for reporting exactly what changed.
    plan: ImportPlan | None = None


def parse_as_of(text: str | None) -> int | datetime | None:
    """``--as-of`` value: a version number, or a date / datetime (a date means its end).

    Raises :class:`UsageError` for anything else.
    """
    if text is None:
        return None
    text = text.strip()
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise UsageError(
                f"--as-of {text!r} is neither a version number nor a date",
                hint="use a version from `csc-perf history` (e.g. 3) or a date (2024-11-05)",
            ) from None
        moment = datetime.combine(day, dtime.max)
    if len(text) == 10:  # a plain date: the store as it was at the end of that day
        moment = datetime.combine(moment.date(), dtime.max)
    if moment.tzinfo is None:
        moment = moment.astimezone()  # local time, as the analyst means it
    return moment


class Store:
    """A csc-perf store folder. Opening never writes; writing takes the lock.

    Every method that opens the store first checks that its log is whole (see
    :func:`inspect_log`) and raises :class:`StoreError` if it is not; reading methods raise
    :class:`StoreError` ("no store at PATH") when nothing has been stored there yet.
    """

    def __init__(self, path: str | Path, *, wait: float = DEFAULT_WAIT_SECONDS) -> None:
        self.path = Path(path)
        self.wait = wait
        self._verified: tuple | None = None  # (fingerprint of the log, its latest version)

    # -- state -----------------------------------------------------------------------
    @property
    def table_path(self) -> Path:
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
            commits = [n for n in os.listdir(log) if _COMMIT.fullmatch(n)] if log.is_dir() else []
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
        marker = self.path / MARKER
        if not marker.is_file():
            raise StoreError(
                f"{self.path}: this folder is not a csc-perf store (no {MARKER})",
                hint="point --store (or CSC_PERF_STORE) at a store folder, or at a new one",
            )
        try:
            info = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(
                f"{marker}: unreadable store marker ({exc})", hint=CHECK_HINT
            ) from None
        if not isinstance(info, dict) or info.get("format") != FORMAT:
            raise StoreError(f"{marker}: unsupported store format {info!r}", hint=CHECK_HINT)
        version = info.get("version")  # absent in markers written before it was recorded
        if version is not None and (type(version) is not int or version < 0):
            raise StoreError(
                f"{marker}: unreadable store marker (version {version!r})", hint=CHECK_HINT
            )
        return info

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

    def _table(self, version: int | None = None, location: str | None = None):
        """The Delta table (at ``version``); a damaged one is a :class:`StoreError`, not a
        crash, and one using Delta features we cannot read is refused."""
        from deltalake import DeltaTable

        where = location or self.table_location
        try:
            with _rust_panic_text_held_back():
                table = DeltaTable(where, version=version)
        except BaseException as exc:
            _reraise_interrupts(exc)
            raise StoreError(
                f"{self.path}: the store cannot be read ({_first_line(exc)})", hint=CHECK_HINT
            ) from None
        refuse_unsupported(table, self.path)
        return table

    # -- reading ---------------------------------------------------------------------
    def observations(
        self,
        as_of: int | datetime | str | None = None,
        *,
        columns: Sequence[str] | None = None,
        sort: bool = True,
    ) -> pl.DataFrame:
        """The current observations (or as they were at ``as_of``), sorted by key unless
        ``sort`` is false; only ``columns`` when given."""
        frame = self.scan(as_of)
        if columns is not None:
            frame = frame.select(list(columns))
        if sort:
            frame = frame.sort(list(KEY))
        return self._collect(frame, as_of)

    def _collect(self, frame: pl.LazyFrame, as_of: object = None) -> pl.DataFrame:
        """Run a scan of the store's files: a damaged file is a :class:`StoreError` (and any
        Rust panic text stays off the terminal), not a crash."""
        try:
            with _rust_panic_text_held_back():
                return frame.collect()
        except BaseException as exc:
            _reraise_interrupts(exc)
            when = "" if as_of is None else f" as of {as_of}"
            raise StoreError(
                f"{self.path}: cannot read the store{when} ({_first_line(exc)})",
                hint="`csc-perf store check` finds damaged files",
            ) from None

    def scan(self, as_of: int | datetime | str | None = None) -> pl.LazyFrame:
        """The observations (at ``as_of``) as a lazy frame; raises :class:`StoreError` when
        there is no store, it is damaged, or ``as_of`` is outside its history."""
        import polars as pl

        from csc_perf.model.schemas import empty_observations

        if isinstance(as_of, str):
            as_of = parse_as_of(as_of)
        self.require()
        if isinstance(as_of, datetime):
            as_of = self.version_at(as_of)
        if isinstance(as_of, int):
            latest = self.version()
            if latest is None or not 0 <= as_of <= latest:
                raise StoreError(
                    f"{self.path}: cannot read the store as of {as_of}: versions run from 0 "
                    f"to {latest}",
                    hint="`csc-perf history` lists the versions",
                )
        if as_of is not None:
            self._verify_history()
        try:
            # The version's files read directly: the same rows as pl.scan_delta for this
            # plain table (refuse_unsupported guarantees no deletion vectors, no partitions,
            # no column mapping), without loading pyarrow.
            table = self._table(as_of)
            files = data_files(table, self.table_path)
        except StoreError:
            raise
        except BaseException as exc:
            _reraise_interrupts(exc)
            when = "" if as_of is None else f" as of {as_of}"
            raise StoreError(
                f"{self.path}: cannot read the store{when} ({_first_line(exc)})",
                hint="`csc-perf history` lists the versions",
            ) from None
        if not files:
            return empty_observations().lazy()
        return pl.scan_parquet(files).select(list(OBSERVATION_COLUMNS))

    def version_at(self, moment: datetime) -> int:
        """The latest version committed at or before ``moment``, by the commit times the log
        records (what ``history`` shows), not by the files' modification times, which a
        copy or a restore from backup changes. Raises :class:`StoreError` for a moment
        before the store's first version."""
        self.require()
        if moment.tzinfo is None:
            moment = moment.astimezone()
        limit = moment.timestamp() * 1000
        versions = commit_infos(self.table_path / "_delta_log")
        chosen = [v for v, commit in versions if commit.get("timestamp", 0) <= limit]
        if not chosen:
            first = min(versions, key=lambda vc: vc[0])[1].get("timestamp", 0)
            start = datetime.fromtimestamp(first / 1000, tz=timezone.utc)
            raise StoreError(
                f"{self.path}: cannot read the store as of {moment.isoformat(timespec='seconds')}"
                f": the store starts at {start.isoformat(timespec='seconds')}",
                hint="`csc-perf history` lists the versions and their times",
            )
        return max(chosen)

    def history(self) -> list[dict[str, Any]]:
        """Every import, oldest first: version, time, files, SHA-256, rows, months, changes."""
        self.require()
        entries = []
        # Read from the log itself (the check on open has just seen it whole): delta-rs's
        # own history() lists nothing when the path has a '#'.
        for version, commit in commit_infos(self.table_path / "_delta_log"):
            raw = commit.get(METADATA_KEY)
            info = json.loads(raw) if isinstance(raw, str) else {}
            stamp = datetime.fromtimestamp(commit.get("timestamp", 0) / 1000, tz=timezone.utc)
            files = info.get("files", [])
            entries.append(
                {
                    "version": version,
                    "time": stamp.isoformat(timespec="seconds"),
                    "operation": info.get("operation", commit.get("operation", "")),
                    "files": ", ".join(Path(f["path"]).name for f in files),
                    "sha256": ", ".join(f["sha256"] for f in files),
                    "rows": sum(f.get("rows", 0) for f in files),
                    "months": _month_span(info.get("months", [])),
                    "inserted": info.get("inserted", 0),
                    "updated": info.get("updated", 0),
                    "unchanged": info.get("unchanged", 0),
                }
            )
        return sorted(entries, key=lambda e: e["version"])

    # -- writing ---------------------------------------------------------------------
    def plan(
        self, observations: pl.DataFrame, *, as_of: int | None = None, unique: bool = False
    ) -> ImportPlan:
        """Compare ``observations`` with the store: what would be inserted and updated.
        ``unique`` says the observations have one row per key already (validated ones do)."""
        import polars as pl

        new = observations
        if not unique and new.select(pl.struct(KEY).is_duplicated().any()).item():
            new = new.unique(subset=list(KEY), keep="last", maintain_order=True)
        from csc_perf.model.schemas import empty_observations

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
        joined = new.join(old, on=list(KEY), how="left", nulls_equal=True)
        is_new = pl.col("_old_status").is_null()
        differs = pl.col("value").ne_missing(pl.col("_old_value")) | (
            pl.col("status") != pl.col("_old_status")
        )
        # A missing cell never erases a figure the store already holds.
        keeps_old = (pl.col("status") == MISSING) & ~is_new
        inserted = joined.filter(is_new).drop("_old_value", "_old_status", "_old_source_file")
        updated = joined.filter(~is_new & differs & ~keeps_old).rename(
            {
                "_old_value": "old_value",
                "_old_status": "old_status",
                "_old_source_file": "old_source_file",
            }
        )
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
        merges. Raises :class:`StoreError` when the folder is not a store, the store is
        damaged, or the disk is full (nothing is changed then).
        """
        from deltalake import CommitProperties, write_deltalake

        self.check_is_store()
        self.path.mkdir(parents=True, exist_ok=True)
        with self.lock():
            _crash_point("locked")
            self._create_if_new()
            self.check_is_store()  # again under the lock: another writer may have been first
            self._sync_marker()
            self._keep_history()
            plan = self.plan(observations, unique=unique)
            months = sorted(
                {month_label(m) for m in observations.get_column("month").unique().to_list()}
            )
            if not plan.has_changes:
                return ImportResult(False, plan.base_version, 0, 0, plan.unchanged, months, plan)
            base = plan.base_version if plan.base_version is not None else 0
            info = {
                "operation": operation,
                "version": base + 1,
                "files": [
                    {"path": f.path, "sha256": f.sha256, "rows": f.rows, "shape": f.shape}
                    for f in files
                ],
                "months": months,
                "inserted": plan.inserted.height,
                "updated": plan.updated.height,
                "unchanged": plan.unchanged,
            }
            source = plan.changes.select(_table_schema_exprs()).to_arrow()
            _crash_point("before-commit")
            table = self._table()
            properties = CommitProperties(custom_metadata={METADATA_KEY: json.dumps(info)})
            with self._writing(base):
                if plan.updated.height == 0:
                    # Only new keys (planned under the lock against the latest version): an
                    # append commits the same rows as a MERGE would, far faster.
                    write_deltalake(
                        table,
                        source,
                        mode="append",
                        commit_properties=properties,
                        post_commithook_properties=_keep_logs(),
                    )
                else:
                    _upsert(table, source, KEY, properties)
            version = self._latest_in_log()
            _crash_point("after-commit")
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

    def _latest_in_log(self, log: Path | None = None) -> int:
        """The latest version in a table's log (the observations' by default), -1 if none."""
        folder = log or self.table_path / "_delta_log"
        if not folder.is_dir():
            return -1
        latest = inspect_log(folder, deep=False, parse=False).latest
        return -1 if latest is None else latest

    @contextmanager
    def _writing(self, base: int, log: Path | None = None) -> Iterator[None]:
        """Run a Delta write (called with the lock held, ``base`` the version before it).
        A full disk (or a file-size limit) is a :class:`StoreError` saying nothing changed;
        Rust panic text never reaches the user's terminal."""
        try:
            with _rust_panic_text_held_back():
                yield
        except BaseException as exc:
            _reraise_interrupts(exc)
            landed = self._latest_in_log(log) != base
            if _is_disk_full(exc) and not landed:
                raise StoreError(
                    "no space left writing the store; nothing was changed",
                    hint=f"free some space on the drive holding {self.path}, then run the "
                    "command again",
                ) from None
            if isinstance(exc, Exception):
                raise
            raise RuntimeError(f"the Delta Lake library failed: {_first_line(exc)}") from None

    def _record_version(self, version: int, table: str = TABLE) -> None:
        """Rewrite the marker with a table's latest version (atomically, under the lock), so
        that a deleted latest commit is noticed. A crash (or a full disk) between the Delta
        commit and this leaves the marker behind the log, which is read as whole: only a log
        *behind* the marker is damage."""
        with suppress(OSError, StoreError):  # the commit stands; the next write records it
            info = self._marker() if (self.path / MARKER).exists() else {"format": FORMAT}
            if table == TABLE:
                info["version"] = version
            else:
                info.setdefault("reference_versions", {})[table] = version
            _write_atomically(self.path / MARKER, info)
        self._verified = None

    def _recorded_reference(self, name: str) -> int | None:
        """The version of reference table ``name`` the marker recorded, if any."""
        recorded = self._marker().get("reference_versions", {})
        version = recorded.get(name) if isinstance(recorded, dict) else None
        return version if type(version) is int else None

    def _check_reference(self, name: str) -> bool:
        """Raise :class:`StoreError` if reference table ``name`` is damaged (its log has a gap,
        a bad commit, or ends before the version the marker recorded, or the table is gone
        though recorded). False when it was never imported."""
        folder = self.path / name
        log = folder / "_delta_log"
        recorded = self._recorded_reference(name)
        if not log.is_dir():
            if recorded is None:
                return False
            problems = [f"its log {log} is gone (the marker recorded version {recorded})"]
        else:
            problems = inspect_log(log, recorded=recorded, deep=False).problems
        if problems:
            raise StoreError(
                f"{folder}: the {name} table is damaged: {problems[0]}", hint=CHECK_HINT
            )
        return True

    def _sync_marker(self) -> None:
        """Under the lock: a marker left one behind by a crash after a commit catches up."""
        recorded = self._marker().get("version")
        latest = self._latest_in_log()
        if recorded is None or recorded < latest:
            self._record_version(latest)

    def _keep_history(self, location: str | None = None, log: Path | None = None) -> None:
        """Give a table made before history was kept for ever the table properties that
        keep it (one commit, under the lock, before the write that needs it)."""
        from deltalake import CommitProperties

        table = self._table(location=location)
        configuration = table.metadata().configuration
        if all(configuration.get(k) == v for k, v in HISTORY_PROPERTIES.items()):
            return
        version = table.version() + 1
        info = {"operation": "keep history", "version": version}
        with self._writing(table.version(), log):
            table.alter.set_table_properties(
                HISTORY_PROPERTIES,
                commit_properties=CommitProperties(
                    custom_metadata={METADATA_KEY: json.dumps(info)}
                ),
                post_commithook_properties=_keep_logs(),
            )
        if location is None:
            self._record_version(version)

    # -- maintenance -------------------------------------------------------------------
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
        import polars as pl

        check_location(self.path)
        try:
            if self.is_new():
                raise StoreError(f"no store at {self.path}", hint="check --store / CSC_PERF_STORE")
            info = self._marker()
        except StoreError as exc:
            if exc.message.startswith("no store at"):
                raise
            return [exc.message]
        log = self.table_path / "_delta_log"
        if not log.is_dir():
            return [f"the store has no {TABLE} table ({log} is missing)"]
        state = inspect_log(log, recorded=info.get("version"), deep=True)
        if state.problems:
            return state.problems  # the checks below would read past the damage
        try:
            table = self._table()
        except StoreError as exc:
            return [exc.message]
        problems: list[str] = []
        if table.version() != state.latest:
            problems.append(f"the table opens at version {table.version()}, not {state.latest}")
        expected = {
            "authority": "string",
            "indicator": "string",
            "month": "date32",
            "value": "double",
            "status": "string",
            "source_file": "string",
            "source_sheet": "string",
            "source_row": "int64",
        }
        actual = {f.name: str(f.type) for f in table.schema().to_arrow()}
        for name, kind in expected.items():
            if name not in actual:
                problems.append(f"the observations table has no {name!r} column")
            elif (
                kind not in actual[name].lower()
                and not (kind == "string" and "utf8" in actual[name].lower())
                and not (kind == "double" and "float64" in actual[name].lower())
            ):
                problems.append(f"column {name!r} is {actual[name]}, expected {kind}")
        current = data_files(table, self.table_path)
        problems += _data_file_problems(current)
        # Earlier versions' files: none is ever deleted, and --as-of needs them.
        earlier = added_files(self.table_path / "_delta_log")
        for path in sorted(set(earlier) - {str(Path(f)) for f in current}):
            problems += _data_file_problems([path], f"version {earlier[path]} (for --as-of)")
        if problems:
            return problems
        try:
            frame = self.observations()
        except StoreError as exc:
            return [f"the current version cannot be read ({exc.message})"]
        duplicates = frame.group_by(*KEY).len().filter(pl.col("len") > 1).height
        if duplicates:
            problems.append(f"{duplicates} authority/indicator/month key(s) appear more than once")
        bad_status = frame.filter(~pl.col("status").is_in(["present", "missing", "suppressed"]))
        if bad_status.height:
            problems.append(f"{bad_status.height} observation(s) have an unknown status")
        inconsistent = frame.filter(
            (pl.col("status") == "present") != pl.col("value").is_not_null()
        ).height
        if inconsistent:
            problems.append(
                f"{inconsistent} observation(s) have a value that does not match their status"
            )
        for name in REFERENCE_TABLES:
            reference_log = self.path / name / "_delta_log"
            recorded = self._recorded_reference(name)
            if not reference_log.is_dir():
                if recorded is not None:
                    problems.append(
                        f"the {name} table: its log {reference_log} is gone (the marker "
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

    def compact(self) -> int | None:
        """Merge small data files into larger ones as a new version; content and history
        (so ``--as-of``) are unchanged, nothing is deleted. Returns the new version, or None
        when there was nothing to compact."""
        from deltalake import CommitProperties

        self.require()
        with self.lock():
            _crash_point("locked")
            self.check_is_store()
            self._sync_marker()
            self._keep_history()
            table = self._table()
            before = table.version()
            info = {"operation": "compact", "version": before + 1}
            _crash_point("before-commit")
            try:
                with self._writing(before):
                    metrics = table.optimize.compact(
                        commit_properties=CommitProperties(
                            custom_metadata={METADATA_KEY: json.dumps(info)}
                        ),
                        post_commithook_properties=_keep_logs(),
                    )
            except (StoreError, KeyboardInterrupt, SystemExit):
                raise
            except Exception as exc:
                if self._latest_in_log() != before:
                    raise
                # A data file that is missing or cut short (the log itself was checked).
                raise StoreError(
                    f"{self.path}: cannot compact the store, nothing was changed "
                    f"({_first_line(exc)})",
                    hint=CHECK_HINT,
                ) from None
            after = self._latest_in_log()
            if after == before:
                return None
            _crash_point("after-commit")
            self._record_version(after)
            return after if metrics.get("numFilesRemoved") else None

    def diff(
        self,
        older: int | datetime | str | None = None,
        newer: int | datetime | str | None = None,
    ) -> pl.DataFrame:
        """Figures that differ between two versions or dates (default: the version before the
        latest, and the latest): authority, indicator, month, old and new value and status,
        and ``change`` (revised, added, removed)."""
        import polars as pl

        self.require()
        latest = self.version()
        assert latest is not None
        if newer is None:
            newer = latest
        if older is None:
            base = newer if isinstance(newer, int) else latest
            older = max(base - 1, 0)
        old = self.observations(older).select(*KEY, "value", "status")
        new = self.observations(newer).select(*KEY, "value", "status")
        joined = old.join(new, on=list(KEY), how="full", coalesce=True, suffix="_new")
        changed = joined.filter(
            pl.col("value").ne_missing(pl.col("value_new"))
            | pl.col("status").ne_missing(pl.col("status_new"))
        )
        return changed.select(
            *KEY,
            pl.col("value").alias("old_value"),
            pl.col("value_new").alias("new_value"),
            pl.col("status").alias("old_status"),
            pl.col("status_new").alias("new_status"),
            pl.when(pl.col("status").is_null())
            .then(pl.lit("added"))
            .when(pl.col("status_new").is_null())
            .then(pl.lit("removed"))
            .otherwise(pl.lit("revised"))
            .alias("change"),
        ).sort(*KEY)

    # -- reference tables: population estimates, benchmarks -----------------------------
    def reference(self, name: str) -> pl.DataFrame | None:
        """A reference table (``population``, ``benchmarks``), or None if never imported."""
        import polars as pl

        self.check_is_store()
        if self.is_new() or not self._check_reference(name):
            return None
        path = self.path / name
        try:
            table = self._table(location=table_location(path))
            files = data_files(table, path)
            with _rust_panic_text_held_back():
                if files:
                    return pl.read_parquet(files)
                import pyarrow as pa

                return pl.from_arrow(pa.schema(table.schema().to_arrow()).empty_table())
        except StoreError:
            raise
        except BaseException as exc:
            _reraise_interrupts(exc)
            raise StoreError(f"{path}: cannot read the {name} table ({_first_line(exc)})") from None

    def replace_reference(
        self, name: str, frame: pl.DataFrame, key: Sequence[str], info: dict[str, Any]
    ) -> int:
        """Merge ``frame`` into the reference table ``name`` (rows with the same ``key`` are
        replaced) as one commit, under the write lock. Returns the table's new version."""
        from deltalake import CommitProperties, write_deltalake

        if name not in REFERENCE_TABLES:
            raise StoreError(f"unknown reference table {name!r}")
        self.check_is_store()
        self.path.mkdir(parents=True, exist_ok=True)
        with self.lock():
            self._create_if_new()
            self.check_is_store()
            folder = self.path / name
            location = table_location(folder)
            data = frame.to_arrow()
            properties = CommitProperties(custom_metadata={METADATA_KEY: json.dumps(info)})
            log = folder / "_delta_log"
            if not log.is_dir():
                self._check_reference(name)  # never imported, or its log deleted
                with self._writing(-1, log):
                    write_deltalake(
                        location,
                        data,
                        mode="overwrite",
                        configuration=HISTORY_PROPERTIES,
                        commit_properties=properties,
                        post_commithook_properties=_keep_logs(),
                    )
            else:
                self._check_reference(name)
                self._keep_history(location, log)
                table = self._table(location=location)
                with self._writing(table.version(), log):
                    _upsert(table, data, key, properties)
            version = self._latest_in_log(log)
            self._record_version(version, name)
            return version

    def _create_if_new(self) -> None:
        """Create the table and then the marker (called with the lock held)."""
        if not self.is_new():
            return
        import shutil

        import pyarrow as pa
        from deltalake import CommitProperties, DeltaTable

        if self.table_path.exists():
            # A creation that was interrupted before its marker was written: it holds only
            # the empty first version (is_new says so), so it is made again.
            shutil.rmtree(self.table_path)

        schema = pa.schema(
            [
                ("authority", pa.string()),
                ("indicator", pa.string()),
                ("month", pa.date32()),
                ("value", pa.float64()),
                ("status", pa.string()),
                ("source_file", pa.string()),
                ("source_sheet", pa.string()),
                ("source_row", pa.int64()),
            ]
        )
        with self._writing(-1):
            DeltaTable.create(
                self.table_location,
                schema,
                name="observations",
                configuration=HISTORY_PROPERTIES,
                commit_properties=CommitProperties(
                    custom_metadata={
                        METADATA_KEY: json.dumps({"operation": "create", "version": 0})
                    }
                ),
            )
        _crash_point("table-created")
        # The marker is written last: until then the folder reads as new, never half-made.
        _write_atomically(self.path / MARKER, {"format": FORMAT, "version": 0})
        self._verified = None

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store's write lock; wait at most ``self.wait`` seconds for it."""
        self.path.mkdir(parents=True, exist_ok=True)
        handle = open(self.path / LOCK, "a+b")  # noqa: SIM115 - held for the with-block
        try:
            deadline = time.monotonic() + max(self.wait, 0.0)
            delay = 0.05
            while not _try_lock(handle):
                if time.monotonic() >= deadline:
                    raise StoreBusyError(
                        f"{self.path}: the store is busy (another import holds it); gave up "
                        f"after {self.wait:g}s",
                        hint="retry later, or wait longer with --wait SECONDS",
                    )
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            try:
                yield
            finally:
                _unlock(handle)
        finally:
            handle.close()


def _table_schema_exprs() -> list:
    import polars as pl

    return [
        pl.col("authority").cast(pl.String),
        pl.col("indicator").cast(pl.String),
        pl.col("month").cast(pl.Date),
        pl.col("value").cast(pl.Float64),
        pl.col("status").cast(pl.String),
        pl.col("source_file").cast(pl.String),
        pl.col("source_sheet").cast(pl.String),
        pl.col("source_row").cast(pl.Int64),
    ]


def _upsert(table, data, key: Sequence[str], properties) -> None:
    """One MERGE commit: rows with the same key replaced, new keys inserted."""
    (
        table.merge(
            data,
            predicate=" AND ".join(f"t.{k} = s.{k}" for k in key),
            source_alias="s",
            target_alias="t",
            commit_properties=properties,
            post_commithook_properties=_keep_logs(),
        )
        .when_matched_update_all()
        .when_not_matched_insert_all()
        .execute()
    )


def _write_atomically(path: Path, content: dict) -> None:
    """Write JSON beside ``path`` and rename it into place (flushed to disk first)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(content) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _crash_point(name: str) -> None:
    """Fault injection for the crash tests: ``CSC_PERF_CRASH_AT=<name>`` kills the process
    here with SIGKILL, as a power cut or the OOM killer would. Unset, it does nothing."""
    if os.environ.get("CSC_PERF_CRASH_AT") == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _lock_module():
    """fcntl on POSIX, msvcrt on Windows."""
    try:
        import fcntl

        return fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        return msvcrt


def _try_lock(handle, module=None) -> bool:
    """Take the lock without waiting; False when another process holds it."""
    module = module or _lock_module()
    if hasattr(module, "flock"):
        try:
            module.flock(handle.fileno(), module.LOCK_EX | module.LOCK_NB)
            return True
        except BlockingIOError:
            return False
    # msvcrt locks bytes from the current position: always the first byte of the file.
    try:
        handle.seek(0)
        module.locking(handle.fileno(), module.LK_NBLCK, 1)
        return True
    except OSError:
        return False


def _unlock(handle, module=None) -> None:
    module = module or _lock_module()
    if hasattr(module, "flock"):
        module.flock(handle.fileno(), module.LOCK_UN)
        return
    handle.seek(0)
    module.locking(handle.fileno(), module.LK_UNLCK, 1)


def _month_span(months: list[str]) -> str:
    if not months:
        return ""
    if len(months) == 1:
        return months[0]
    return f"{months[0]}..{months[-1]} ({len(months)})"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
