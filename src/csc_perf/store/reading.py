"""Reading the observations: the current ones, or as they were at a version or a moment
(``--as-of``), straight from the version's Parquet files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timezone
from datetime import time as dtime

import polars as pl

from csc_perf.errors import StoreError, UsageError
from csc_perf.model.schemas import empty_observations, observation_schema
from csc_perf.store.delta_log import commit_infos
from csc_perf.store.delta_table import data_files
from csc_perf.store.layout import KEY, OBSERVATION_COLUMNS
from csc_perf.store.library_errors import failures_as_store_error, rust_panic_text_held_back
from csc_perf.store.opening import StoreFolder


def parse_as_of(text: str | int | date | None) -> int | datetime | None:
    """``--as-of`` value: a version number, or a date / datetime (a date means its end), as
    text or as Python's int, date or datetime (a naive datetime is local time).

    Raises :class:`UsageError` for anything else.
    """
    if text is None:
        return None
    if isinstance(text, bool) or not isinstance(text, (str, int, date)):
        raise UsageError(
            f"as_of {text!r}: give a version number or a date",
            hint="use a version from `csc-perf history` (e.g. 3) or a date (2024-11-05)",
        )
    if isinstance(text, int):
        return text
    if isinstance(text, datetime):
        return text if text.tzinfo is not None else text.astimezone()
    if isinstance(text, date):  # a plain date: the store as it was at the end of that day
        return datetime.combine(text, dtime.max).astimezone()
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


class ObservationReads(StoreFolder):
    """Reading the observations table, now or as of an earlier version."""

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
        unreadable = self._unreadable(as_of, "`csc-perf store check` finds damaged files")
        with failures_as_store_error(unreadable), rust_panic_text_held_back():
            return frame.collect()

    def _unreadable(self, as_of: object, hint: str) -> Callable[[str], StoreError]:
        """What makes the :class:`StoreError` for a failed read (at ``as_of``)."""
        when = "" if as_of is None else f" as of {as_of}"

        def error(reason: str) -> StoreError:
            return StoreError(f"{self.path}: cannot read the store{when} ({reason})", hint=hint)

        return error

    def scan(self, as_of: int | datetime | str | None = None) -> pl.LazyFrame:
        """The observations (at ``as_of``) as a lazy frame; raises :class:`StoreError` when
        there is no store, it is damaged, or ``as_of`` is outside its history."""
        if as_of is not None:
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
        with failures_as_store_error(
            self._unreadable(as_of, "`csc-perf history` lists the versions")
        ):
            # The version's files read directly: the same rows as pl.scan_delta for this
            # plain table (refuse_unsupported guarantees no deletion vectors, no partitions,
            # no column mapping), without loading pyarrow.
            table = self._table(as_of)
            return self._scan_table(table)

    def _scan_table(self, table) -> pl.LazyFrame:
        """The observations of an open table version, as a lazy frame."""
        if table.metadata().partition_columns:
            # On object storage, partitioned by authority: the authority is in the log, not
            # in the files, and Polars' Delta reader puts it back.
            frame = pl.scan_delta(table, storage_options=self._options())
            return frame.select(list(OBSERVATION_COLUMNS)).cast(observation_schema())
        files = data_files(table, self.table_path)
        if not files:
            return empty_observations().lazy()
        scanned = pl.scan_parquet(files, storage_options=self._options())
        return scanned.select(list(OBSERVATION_COLUMNS))

    def version_at(self, moment: datetime) -> int:
        """The latest version committed at or before ``moment``, by the commit times the log
        records (what ``history`` shows), not by the files' modification times, which a
        copy or a restore from backup changes. Raises :class:`StoreError` for a moment
        before the store's first version."""
        self.require()
        if moment.tzinfo is None:
            moment = moment.astimezone()
        limit = moment.timestamp() * 1000
        versions = commit_infos(self._log())
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
