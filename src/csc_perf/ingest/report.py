"""What validating extracts reports: issues (a stable code, a severity, a message and where
the problem is) and the observations that passed.

The codes, their severities and meanings are listed in
:data:`csc_perf.ingest.checks.registry.CHECKS`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from csc_perf.model.schemas import FileSummary

ERROR = "error"
WARNING = "warning"

#: Codes meaning a file could not be read at all (exit 2 rather than 1).
READ_FAILURES = {"file-unreadable", "encoding-error", "month-required"}


def place(
    file: str, sheet: str | None = None, row: int | None = None, column: str | None = None
) -> str:
    """Where a problem is, as messages say it: ``file, sheet 'S', row 4, column 'Oct-24'``
    (a sheet only when there is one, a row and a column only when given)."""
    parts = [file]
    if sheet:
        parts.append(f"sheet {sheet!r}")
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column {column!r}")
    return ", ".join(parts)


def clip(text: str | None, limit: int = 200) -> str | None:
    """A cell short enough for a message: long ones cut, with their length."""
    if text is None or len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


@dataclass(frozen=True)
class Issue:
    """One finding, with everything needed to find the cell."""

    code: str
    severity: str
    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    cell: str | None = None
    indicator: str | None = None
    month: str | None = None

    @classmethod
    def at(
        cls,
        code: str,
        severity: str,
        detail: str,
        *,
        file: str,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        cell: str | None = None,
        indicator: str | None = None,
        month: str | None = None,
        column_shown: bool = False,
    ) -> Issue:
        """An issue whose message is its :func:`place` then ``detail`` (``place: detail``);
        the column is part of the place only when ``column_shown``."""
        where = place(file, sheet, row, column if column_shown else None)
        return cls(
            code, severity, f"{where}: {detail}", file, sheet, row, column, cell, indicator, month
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def where(self) -> str:
        parts = [self.file or ""]
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(p for p in parts if p)


@dataclass
class ValidationReport:
    """The outcome of validating one or more files together."""

    issues: list[Issue]
    observations: pl.DataFrame
    files: list[FileSummary] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == WARNING]

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def unreadable(self) -> bool:
        return any(i.code in READ_FAILURES for i in self.issues)

    def issues_frame(self) -> pl.DataFrame:
        schema = {
            "code": pl.String,
            "severity": pl.String,
            "message": pl.String,
            "file": pl.String,
            "sheet": pl.String,
            "row": pl.Int64,
            "column": pl.String,
            "cell": pl.String,
            "indicator": pl.String,
            "month": pl.String,
        }
        return pl.DataFrame([i.as_dict() for i in self.issues], schema=schema, orient="row")
