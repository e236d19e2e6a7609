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
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from datetime import time as dtime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cells import MISSING
from .errors import StoreBusyError, StoreError, UsageError
from .months import month_label

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

    from .validation import FileSummary

MARKER = "csc-perf-store.json"
LOCK = ".lock"
TABLE = "observations"
FORMAT = 1
KEY = ("authority", "indicator", "month")
METADATA_KEY = "csc_perf"
DEFAULT_WAIT_SECONDS = 30.0
REFERENCE_TABLES = ("population", "benchmarks")
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
    """A csc-perf store folder. Opening never writes; writing takes the lock."""

    def __init__(self, path: str | Path, *, wait: float = DEFAULT_WAIT_SECONDS) -> None:
        self.path = Path(path)
        self.wait = wait

    # -- state -----------------------------------------------------------------------
    @property
    def table_path(self) -> Path:
        return self.path / TABLE

    def is_new(self) -> bool:
        """True when nothing has been stored yet: no folder, an empty one, or one that another
        process is creating right now (or was killed while creating): no marker yet, and
        nothing but the lock and the table being made."""
        if not self.path.exists():
            return not self.path.is_symlink()
        if not self.path.is_dir():
            raise StoreError(f"{self.path}: is a file, not a store folder")
        entries = {p.name for p in self.path.iterdir()}
        return MARKER not in entries and entries <= {LOCK, TABLE, MARKER + ".tmp"}

    def check_is_store(self) -> None:
        """Raise :class:`StoreError` unless the folder is a csc-perf store (or new)."""
        if self.is_new():
            return
        marker = self.path / MARKER
        if not marker.is_file():
            raise StoreError(
                f"{self.path}: this folder is not a csc-perf store (no {MARKER})",
                hint="point --store (or CSC_PERF_STORE) at a store folder, or at a new one",
            )
        try:
            info = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"{marker}: unreadable store marker ({exc})") from None
        if not isinstance(info, dict) or info.get("format") != FORMAT:
            raise StoreError(f"{marker}: unsupported store format {info!r}")
        if not (self.table_path / "_delta_log").is_dir():
            raise StoreError(f"{self.path}: the store has no {TABLE} table (damaged store?)")

    def version(self) -> int | None:
        """The latest version, or None for a store with nothing in it yet."""
        self.check_is_store()
        if self.is_new():
            return None
        return self._table().version()

    def _table(self):
        """The Delta table; a damaged one is a :class:`StoreError`, not a crash."""
        from deltalake import DeltaTable

        try:
            return DeltaTable(str(self.table_path))
        except Exception as exc:
            raise StoreError(
                f"{self.path}: the store cannot be read ({_first_line(exc)})",
                hint="is it damaged? `csc-perf history` on a backup copy shows its versions",
            ) from None

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
        try:
            return frame.collect()
        except Exception as exc:
            when = "" if as_of is None else f" as of {as_of}"
            raise StoreError(
                f"{self.path}: cannot read the store{when} ({_first_line(exc)})",
                hint="`csc-perf history` lists the versions",
            ) from None

    def scan(self, as_of: int | datetime | str | None = None) -> pl.LazyFrame:
        import polars as pl

        from .validation import empty_observations

        if isinstance(as_of, str):
            as_of = parse_as_of(as_of)
        self.check_is_store()
        if self.is_new():
            if as_of is not None:
                raise StoreError(f"{self.path}: the store is empty; there is no version to read")
            return empty_observations().lazy()
        if isinstance(as_of, int):
            latest = self.version()
            if latest is None or not 0 <= as_of <= latest:
                raise StoreError(
                    f"{self.path}: cannot read the store as of {as_of}: versions run from 0 "
                    f"to {latest}",
                    hint="`csc-perf history` lists the versions",
                )
        try:
            # The current version's files read directly: the same rows as pl.scan_delta for
            # this plain (unpartitioned, no deletion vectors) table, without loading pyarrow.
            from deltalake import DeltaTable

            table = DeltaTable(
                str(self.table_path), version=as_of if isinstance(as_of, int) else None
            )
            if isinstance(as_of, datetime):
                table.load_as_version(as_of)
            files = table.file_uris()
            if not files:
                return empty_observations().lazy()
            return pl.scan_parquet(files).select(list(OBSERVATION_COLUMNS))
        except Exception as exc:
            when = "" if as_of is None else f" as of {as_of}"
            raise StoreError(
                f"{self.path}: cannot read the store{when} ({_first_line(exc)})",
                hint="`csc-perf history` lists the versions",
            ) from None

    def history(self) -> list[dict[str, Any]]:
        """Every import, oldest first: version, time, files, SHA-256, rows, months, changes."""
        self.check_is_store()
        if self.is_new():
            return []
        entries = []
        for commit in self._table().history():
            raw = commit.get(METADATA_KEY)
            info = json.loads(raw) if isinstance(raw, str) else {}
            stamp = datetime.fromtimestamp(commit["timestamp"] / 1000, tz=timezone.utc)
            files = info.get("files", [])
            entries.append(
                {
                    "version": commit["version"],
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
        base_version = None if self.is_new() else self.version()
        current = self.scan(as_of)
        if new.height:
            authorities = new.get_column("authority").unique().to_list()
            indicators = new.get_column("indicator").unique().to_list()
            current = current.filter(
                pl.col("authority").is_in(authorities) & pl.col("indicator").is_in(indicators)
            )
        old = current.select(
            *KEY,
            pl.col("value").alias("_old_value"),
            pl.col("status").alias("_old_status"),
            pl.col("source_file").alias("_old_source_file"),
        ).collect()
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
        merges. Raises :class:`StoreError` when the folder is not a store.
        """
        from deltalake import CommitProperties, write_deltalake

        self.check_is_store()
        self.path.mkdir(parents=True, exist_ok=True)
        with self.lock():
            _crash_point("locked")
            self._create_if_new()
            plan = self.plan(observations, unique=unique)
            months = sorted(
                {month_label(m) for m in observations.get_column("month").unique().to_list()}
            )
            if not plan.has_changes:
                return ImportResult(False, plan.base_version, 0, 0, plan.unchanged, months, plan)
            info = {
                "operation": operation,
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
            if plan.updated.height == 0:
                # Only new keys (planned under the lock against the latest version): an
                # append commits the same rows as a MERGE would, far faster.
                write_deltalake(table, source, mode="append", commit_properties=properties)
            else:
                _upsert(table, source, KEY, properties)
            version = self._table().version()
            _crash_point("after-commit")
            return ImportResult(
                True,
                version,
                plan.inserted.height,
                plan.updated.height,
                plan.unchanged,
                months,
                plan,
            )

    # -- maintenance -------------------------------------------------------------------
    def check(self) -> list[str]:
        """Problems found in the store (an empty list: it is sound).

        Checks that the marker and the table are readable, the schema is the one expected,
        versions run without gaps from 0, every data file of the latest version exists and
        reads, each authority/indicator/month appears once, statuses are known and values are
        present exactly when the status is ``present``, and reference tables read.
        """
        import polars as pl

        problems: list[str] = []
        try:
            self.check_is_store()
        except StoreError as exc:
            return [exc.message]
        if self.is_new():
            return []
        log = self.table_path / "_delta_log"
        numbers = sorted(int(p.stem) for p in log.glob("*.json") if p.stem.isdigit())
        checkpoints = [int(p.name.split(".")[0]) for p in log.glob("*.checkpoint*.parquet")]
        start = max(checkpoints, default=0)
        expected_versions = list(range(start, numbers[-1] + 1)) if numbers else []
        present = [n for n in numbers if n >= start]
        if present != expected_versions:
            gaps = sorted(set(expected_versions) - set(present))
            return [
                f"the history has a gap: version(s) {gaps} missing from {log}, so versions "
                f"after {gaps[0] - 1} cannot be read"
            ]
        table = self._table()
        if numbers and table.version() != numbers[-1]:
            problems.append(f"the table opens at version {table.version()}, not {numbers[-1]}")
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
        versions = sorted(int(c["version"]) for c in table.history())
        if versions != list(range(versions[-1] + 1)):
            problems.append(f"the history has gaps: versions {versions}")
        for uri in table.file_uris():
            path = uri.removeprefix("file://")
            if not Path(path).is_file():
                problems.append(f"a data file of the current version is missing: {path}")
        if problems:
            return problems
        try:
            frame = pl.read_delta(str(self.table_path))
        except Exception as exc:
            return [f"the current version cannot be read ({_first_line(exc)})"]
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

        self.check_is_store()
        if self.is_new():
            return None
        with self.lock():
            table = self._table()
            before = table.version()
            metrics = table.optimize.compact(
                commit_properties=CommitProperties(
                    custom_metadata={METADATA_KEY: json.dumps({"operation": "compact"})}
                )
            )
            after = self._table().version()
            if after == before or not metrics.get("numFilesRemoved"):
                return None
            return after

    def diff(
        self,
        older: int | datetime | str | None = None,
        newer: int | datetime | str | None = None,
    ) -> pl.DataFrame:
        """Figures that differ between two versions or dates (default: the version before the
        latest, and the latest): authority, indicator, month, old and new value and status,
        and ``change`` (revised, added, removed)."""
        import polars as pl

        latest = self.version()
        if latest is None:
            raise StoreError(f"{self.path}: the store is empty")
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
        path = self.path / name
        if not (path / "_delta_log").is_dir():
            return None
        try:
            return pl.read_delta(str(path))
        except Exception as exc:
            raise StoreError(f"{path}: cannot read the {name} table ({_first_line(exc)})") from None

    def replace_reference(
        self, name: str, frame: pl.DataFrame, key: Sequence[str], info: dict[str, Any]
    ) -> int:
        """Merge ``frame`` into the reference table ``name`` (rows with the same ``key`` are
        replaced) as one commit, under the write lock. Returns the table's new version."""
        from deltalake import CommitProperties, DeltaTable, write_deltalake

        if name not in REFERENCE_TABLES:
            raise StoreError(f"unknown reference table {name!r}")
        self.check_is_store()
        self.path.mkdir(parents=True, exist_ok=True)
        with self.lock():
            self._create_if_new()
            path = str(self.path / name)
            data = frame.to_arrow()
            properties = CommitProperties(custom_metadata={METADATA_KEY: json.dumps(info)})
            if not (self.path / name / "_delta_log").is_dir():
                write_deltalake(path, data, mode="overwrite", commit_properties=properties)
            else:
                _upsert(DeltaTable(path), data, key, properties)
            return DeltaTable(path).version()

    def _create_if_new(self) -> None:
        """Create the table and then the marker (called with the lock held)."""
        if not self.is_new():
            return
        import shutil

        import pyarrow as pa
        from deltalake import CommitProperties, DeltaTable

        if self.table_path.exists():
            # A creation that was interrupted before its marker was written. It can hold
            # only the empty first version: anything more means a damaged store, kept as is.
            log = self.table_path / "_delta_log"
            commits = sorted(log.glob("*.json")) if log.is_dir() else []
            if len(commits) > 1:
                raise StoreError(f"{self.path}: the store has data but no {MARKER} (damaged?)")
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
        DeltaTable.create(
            str(self.table_path),
            schema,
            name="observations",
            commit_properties=CommitProperties(
                custom_metadata={METADATA_KEY: json.dumps({"operation": "create"})}
            ),
        )
        _crash_point("table-created")
        # The marker is written last: until then the folder reads as new, never half-made.
        marker = self.path / MARKER
        tmp = marker.with_suffix(".tmp")
        tmp.write_text(json.dumps({"format": FORMAT}) + "\n", encoding="utf-8")
        os.replace(tmp, marker)

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
        )
        .when_matched_update_all()
        .when_not_matched_insert_all()
        .execute()
    )


def _crash_point(name: str) -> None:
    """Fault injection for the crash tests: ``CSC_PERF_CRASH_AT=<name>`` kills the process
    here with SIGKILL, as a power cut or the OOM killer would. Unset, it does nothing."""
    if os.environ.get("CSC_PERF_CRASH_AT") == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _try_lock(handle) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _unlock(handle) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _month_span(months: list[str]) -> str:
    if not months:
        return ""
    if len(months) == 1:
        return months[0]
    return f"{months[0]}..{months[-1]} ({len(months)})"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
