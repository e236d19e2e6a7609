"""The check that every required indicator has a figure for each month a file covers."""

from __future__ import annotations

import polars as pl

from csc_perf.definitions.model import Definitions
from csc_perf.ingest.cells import PRESENT, SUPPRESSED
from csc_perf.ingest.report import WARNING, Issue
from csc_perf.model.calendar import month_label


def required_missing(
    good: pl.DataFrame,
    definitions: Definitions,
    authority: str,
    history: pl.DataFrame | None = None,
) -> list[Issue]:
    """``required-missing``: a required indicator without a figure (present or suppressed)
    for an authority and month the cells cover, in the extract and in ``history`` (a figure
    already stored is not missing). One issue per indicator and month, with the first file
    that covers the month (``import`` shows one line per file and month, ``validate`` lists
    them); the authority is named when it is not ``authority``."""
    required = [i.id for i in definitions.indicators if i.required]
    if not required:
        return []
    key = ["authority_text", "indicator", "month"]
    held = [PRESENT, SUPPRESSED]
    have = good.filter(pl.col("status").is_in(held)).select(key)
    covered = good.group_by("authority_text", "month", maintain_order=True).agg(
        pl.col("file").first()
    )
    wanted = covered.join(pl.DataFrame({"indicator": required}), how="cross")
    absent = wanted.join(have, on=key, how="anti")
    if history is not None and history.height and absent.height:
        stored = history.filter(pl.col("status").is_in(held)).select(
            pl.col("authority").alias("authority_text"), "indicator", "month"
        )
        absent = absent.join(stored, on=key, how="anti")
    order = {ind: n for n, ind in enumerate(required)}
    return [
        Issue.at(
            "required-missing",
            WARNING,
            f"required indicator {definitions[indicator_id].name!r} has no value for "
            f"{month_label(month)}" + (f" (authority {auth})" if auth != authority else ""),
            file=file,
            indicator=indicator_id,
            month=month_label(month),
        )
        for auth, indicator_id, month, file in sorted(
            absent.select(*key, "file").iter_rows(), key=lambda r: (r[0], r[2], order[r[1]])
        )
    ]
