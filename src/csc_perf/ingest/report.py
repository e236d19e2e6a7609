"""What validating extracts reports: issues (a stable code, a severity, a message and where
the problem is) and the observations that passed.

The codes, their severities and meanings are listed in
:data:`csc_perf.ingest.checks.registry.CHECKS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
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


#: The columns of :meth:`ValidationReport.issues_frame`, in the order of :class:`Issue`'s
#: fields; a block of issues built in Polars (see ``checks/values.py``) has them too.
ISSUE_SCHEMA = {
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

#: What a check may give: issues one by one, or a block of them as a frame (ISSUE_SCHEMA).
Found = Issue | pl.DataFrame


def issue_list(block: pl.DataFrame) -> list[Issue]:
    """A block of issues (a frame with :data:`ISSUE_SCHEMA`) as :class:`Issue` objects."""
    return [Issue(*row) for row in block.select(list(ISSUE_SCHEMA)).iter_rows()]


class ValidationReport:
    """The outcome of validating one or more files together: the issues found (in the
    order checked), the observations that passed, and a summary of each file.

    Issues found in bulk (half a million figures out of range) stay a Polars frame until
    someone asks for them one by one (:attr:`issues`): counting them, deciding whether the
    files are valid and the import's one line per code and indicator never build a Python
    object per issue."""

    def __init__(
        self,
        issues: Iterable[Found],
        observations: pl.DataFrame,
        files: list[FileSummary] | None = None,
    ) -> None:
        self._found: list[Found] = [
            part for part in issues if isinstance(part, Issue) or part.height
        ]
        self._listed: list[Issue] | None = None
        self.observations = observations
        self.files: list[FileSummary] = files if files is not None else []

    def __repr__(self) -> str:
        return (
            f"ValidationReport({self.count()} issue(s), {self.observations.height} "
            f"observation(s), {len(self.files)} file(s))"
        )

    @property
    def issues(self) -> list[Issue]:
        """Every issue, in order (a block of issues becomes objects here, once)."""
        if self._listed is None:
            listed: list[Issue] = []
            for part in self._found:
                if isinstance(part, Issue):
                    listed.append(part)
                else:
                    listed.extend(issue_list(part))
            self._listed = listed
        return self._listed

    def count(self, severity: str | None = None) -> int:
        """How many issues there are (of ``severity`` when given), without listing them."""
        total = 0
        for part in self._found:
            if isinstance(part, Issue):
                total += severity is None or part.severity == severity
            elif severity is None:
                total += part.height
            else:
                total += part.select((pl.col("severity") == severity).sum()).item()
        return total

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == WARNING]

    @property
    def valid(self) -> bool:
        return self.count(ERROR) == 0

    @property
    def unreadable(self) -> bool:
        return any(
            part.code in READ_FAILURES
            if isinstance(part, Issue)
            else part.select(pl.col("code").is_in(list(READ_FAILURES)).any()).item()
            for part in self._found
        )

    def with_code(self, code: str) -> list[Issue]:
        """The issues with ``code``, in order."""
        found: list[Issue] = []
        for part in self._found:
            if isinstance(part, Issue):
                found.extend([part] if part.code == code else [])
            else:
                found.extend(issue_list(part.filter(pl.col("code") == code)))
        return found

    def grouped(self) -> list[tuple[Issue, int]]:
        """The issues with the warnings about one indicator gathered: one entry per code
        and indicator (its first warning and how many there are), in the order of their
        first; errors, and warnings about no indicator (a hidden sheet), stand alone."""
        groups: dict[object, list] = {}

        def add(issue: Issue, count: int, alone: object) -> None:
            gathered = issue.severity == WARNING and issue.indicator is not None
            key = (issue.code, issue.indicator) if gathered else alone
            groups.setdefault(key, [issue, 0])[1] += count

        for n, part in enumerate(self._found):
            if isinstance(part, Issue):
                add(part, 1, n)
                continue
            gathered = (pl.col("severity") == WARNING) & pl.col("indicator").is_not_null()
            for m, issue in enumerate(issue_list(part.filter(~gathered))):
                add(issue, 1, (n, m))
            firsts = (
                part.filter(gathered)
                .group_by("code", "indicator", maintain_order=True)
                .agg(pl.all().first(), pl.len().alias("_count"))
            )
            for row in firsts.select(*ISSUE_SCHEMA, "_count").iter_rows():
                add(Issue(*row[:-1]), row[-1], None)
        return [(first, count) for first, count in groups.values()]

    def issues_frame(self) -> pl.DataFrame:
        """Every issue as a row (:data:`ISSUE_SCHEMA`), in order."""
        blocks: list[pl.DataFrame] = []
        run: list[Issue] = []
        for part in [*self._found, None]:
            if isinstance(part, Issue):
                run.append(part)
                continue
            if run:
                rows = [i.as_dict() for i in run]
                blocks.append(pl.DataFrame(rows, schema=ISSUE_SCHEMA, orient="row"))
                run = []
            if part is not None:
                blocks.append(part.select(list(ISSUE_SCHEMA)))
        if not blocks:
            return pl.DataFrame(schema=ISSUE_SCHEMA)
        return pl.concat(blocks)
