"""The store's history: every commit with csc-perf's record of it (what ``csc-perf history``
lists), and the figures that differ between two versions or dates.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl

from csc_perf.store.delta_log import commit_infos
from csc_perf.store.delta_table import METADATA_KEY
from csc_perf.store.layout import KEY
from csc_perf.store.reading import ObservationReads


class History(ObservationReads):
    """The list of versions, and what changed between two of them."""

    def history(self) -> list[dict[str, Any]]:
        """Every import, oldest first: version, time, files, SHA-256, rows, months, changes."""
        self.require()
        entries = []
        # Read from the log itself (the check on open has just seen it whole): delta-rs's
        # own history() lists nothing when the path has a '#'.
        for version, commit in commit_infos(self._log()):
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

    def diff(
        self,
        older: int | datetime | str | None = None,
        newer: int | datetime | str | None = None,
    ) -> pl.DataFrame:
        """Figures that differ between two versions or dates (default: the version before the
        latest, and the latest): authority, indicator, month, old and new value and status,
        and ``change`` (revised, added, removed)."""
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


def _month_span(months: list[str]) -> str:
    """``first..last (count)`` of a commit's months, the one month, or empty."""
    if not months:
        return ""
    if len(months) == 1:
        return months[0]
    return f"{months[0]}..{months[-1]} ({len(months)})"
