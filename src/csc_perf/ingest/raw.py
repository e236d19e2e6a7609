"""What reading an extract gives: a file's fingerprint and its grids of text cells, one per
CSV or Parquet file and one per worksheet (:func:`csc_perf.ingest.tables.read_tables`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl


@dataclass
class RawTable:
    """One grid of text cells as read from a file or worksheet.

    ``frame`` holds every row of the grid (the header is the first non-empty row) as String
    columns; ``first_row`` is the spreadsheet row number of ``frame`` row 0.
    """

    file: str
    sheet: str | None
    frame: pl.DataFrame
    first_row: int = 1
    #: Formula cells whose result cannot be used, (spreadsheet row, frame column index) ->
    #: (cell reference, formula, saved result); see :class:`csc_perf.ingest.workbook.SheetCells`.
    formulas: dict[tuple[int, int], tuple[str, str, str | None]] = field(default_factory=dict)
    #: The workbook asks Excel to recalculate its formulas on opening (a program wrote it).
    recalculate_on_open: bool = False


@dataclass
class SourceFile:
    """What was read from one file: its tables and fingerprint."""

    path: str
    sha256: str
    tables: list[RawTable] = field(default_factory=list)
    #: Warnings about the file as a whole: ``{"code", "message", "sheet"}`` (hidden sheets).
    notes: list[dict] = field(default_factory=list)


def first_line(exc: BaseException) -> str:
    """The first line of an error a reader library raised (its name when it says nothing)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
