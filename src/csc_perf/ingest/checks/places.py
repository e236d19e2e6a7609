"""Helpers the checks share: a cell row's place in messages, and the first row of each
group of rows with one problem (a problem is reported once, with the count of the others)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import polars as pl

from csc_perf.ingest.report import Issue, place
from csc_perf.model.calendar import month_label


def where(row: dict) -> str:
    """A cell row's file, sheet and row, as messages say them."""
    return place(row["file"], row.get("sheet"), row.get("row"))


def cell_issue(
    code: str,
    severity: str,
    row: dict,
    detail: str,
    *,
    cell: str | None = None,
) -> Issue:
    """An issue about one cell of the long cells frame (file, sheet, row, column, cell,
    indicator, month), its column named in the message. ``cell`` stands for the row's own
    when given (a clipped cell)."""
    return Issue.at(
        code,
        severity,
        detail,
        file=row["file"],
        sheet=row["sheet"],
        row=row["row"],
        column=row["column"],
        cell=row["cell"] if cell is None else cell,
        indicator=row["indicator"],
        month=month_text(row["month"]),
        column_shown=True,
    )


def month_text(month: date | None) -> str | None:
    """A month as messages write it (``Oct-24``), None for none."""
    return month_label(month) if month else None


def first_of_each(frame: pl.DataFrame, keys: Iterable[str]) -> list[dict]:
    """One row per group (the first, in file order), with the count of further rows:
    ``_more`` is `` (and 2 more rows)`` or empty."""
    keys = list(keys)
    if frame.height == 0:
        return []
    firsts = (
        frame.sort(["file", "sheet", "row"], nulls_last=True)
        .group_by(keys, maintain_order=True)
        .agg(pl.all().first(), pl.col("row").n_unique().alias("_count"))
    )
    out = []
    for row in firsts.iter_rows(named=True):
        more = row["_count"] - 1
        row["_more"] = f" (and {more} more row{'s' if more != 1 else ''})" if more else ""
        out.append(row)
    return out
