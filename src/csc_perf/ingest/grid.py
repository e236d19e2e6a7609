"""A table's header row and the rows below it, and the problems found in its header:
duplicated headers, authority columns that disagree, columns that would be dropped without
a word, formulas without a usable result. See :mod:`csc_perf.ingest.shapes` for the cells.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from csc_perf.errors import ExtractReadError
from csc_perf.ingest.headers import AUTHORITY_HEADERS, header_key, is_report_column
from csc_perf.ingest.raw import RawTable
from csc_perf.model.calendar import looks_like_month

SEMICOLON_HINT = "the file seems to use semicolons between cells: save it as CSV with commas"


class Grid:
    """A table's header row and the rows below it, and the problems found in its header.

    Raises :class:`ExtractReadError` (``file-empty``) for a table without a header or
    without data rows below it.
    """

    def __init__(self, table: RawTable, ignore_columns: Sequence[str]) -> None:
        frame = table.frame
        # One pass over the cells: each one's length without the spaces around it. The
        # header is the first row with anything in it; and when no cell has spaces around
        # it (a machine-written extract) the checks need not strip millions of texts again.
        lengths = frame.select(pl.all().str.strip_chars().str.len_bytes().cast(pl.UInt64))
        filled = lengths.select(pl.any_horizontal(pl.all() > 0)).to_series().fill_null(False)
        unstripped = frame.select(pl.all().str.len_bytes().cast(pl.UInt64).sum())
        #: No cell of the table has spaces around it: its texts are already stripped.
        self.stripped = lengths.sum().row(0) == unstripped.row(0)
        del lengths
        where = f"{table.file}" + (f" (sheet {table.sheet!r})" if table.sheet else "")
        if not filled.any():
            raise ExtractReadError(
                f"{where}: the file is empty", code="file-empty", file=table.file
            )
        header_index = int(filled.arg_true()[0])
        header_row = table.first_row + header_index
        body = frame.slice(header_index + 1).with_row_index("row", offset=header_row + 1)
        body = body.filter(filled.slice(header_index + 1).rename("keep"))
        if body.height == 0:
            raise ExtractReadError(
                f"{where}: has a header (row {header_row}) but no data rows",
                code="file-empty",
                file=table.file,
                row=header_row,
            )
        self.table = table
        self.where = where
        self.header_row = header_row
        self.header = [(v or "").strip() for v in frame.row(header_index)]
        self.keys = [header_key(h) for h in self.header]
        self.columns = frame.columns
        self.body = body
        self.skip = {header_key(name) for name in ignore_columns}
        self.problems: list[dict] = []
        self.ignored: list[str] = []

    def problem(
        self, code: str, message: str, column: str | None = None, cell=None, row: int | None = None
    ) -> None:
        """Note a problem, on the header row unless ``row`` is given."""
        self.problems.append(
            {
                "code": code,
                "message": message,
                "row": self.header_row if row is None else row,
                "column": column,
                "cell": cell,
            }
        )

    def col(self, index: int) -> pl.Expr:
        return pl.col(self.columns[index])

    def find(self, names: set[str]) -> int | None:
        """The first column whose header is one of ``names``."""
        for index, key in enumerate(self.keys):
            if key in names:
                return index
        return None

    def check_duplicate_headers(self) -> None:
        """Two columns with one header (ignoring empty ones, checked with the others)."""
        seen: dict[str, int] = {}
        for index, key in enumerate(self.keys):
            if not key:
                continue
            if key in seen:
                text = self.header[index]
                self.problem("header-duplicate", f"two columns are headed {text!r}", text, text)
            else:
                seen[key] = index

    def check_authority_columns(self) -> int | None:
        """The authority column read, if any. Two authority columns (Authority 850, LA code
        852): only the first would be read, so they must agree on every row, or one is
        skipped on purpose."""
        keys = self.keys
        found = [i for i, k in enumerate(keys) if k in AUTHORITY_HEADERS and k not in self.skip]
        if not found:
            return None
        first_col, header = found[0], self.header
        for other in found[1:]:
            differ = self.body.select(
                "row",
                self.col(first_col).str.strip_chars().fill_null("").alias("first"),
                self.col(other).str.strip_chars().fill_null("").alias("other"),
            ).filter(pl.col("first").str.to_lowercase() != pl.col("other").str.to_lowercase())
            if differ.height:
                row, first, second = differ.row(0)
                more = f" (and {differ.height - 1} more row(s))" if differ.height > 1 else ""
                self.problem(
                    "header-duplicate",
                    f"two authority columns disagree: {header[first_col]!r} is {first!r} but "
                    f"{header[other]!r} is {second!r} on row {row}{more}; only one is read: "
                    f"keep one authority column, or skip the other on purpose with "
                    f"--ignore-column {header[other]!r}",
                    header[other],
                    second,
                    row=row,
                )
        return first_col

    def no_header(self) -> ExtractReadError:
        """The error for a header that names no months and no indicator/month/value."""
        filled_cells = [h for h in self.header if h]
        if len(filled_cells) == 1 and filled_cells[0].count(";") >= 2:
            hint = SEMICOLON_HINT
        elif len(filled_cells) == 1:
            hint = (
                f"row {self.header_row} looks like a title above the table: delete the rows "
                "above the header row"
            )
        else:
            hint = (
                "a long extract needs columns Indicator, Month, Value; a wide one an "
                "indicator column and one column per month (Oct-24 or 2024-10)"
            )
        return ExtractReadError(
            f"{self.where}: row {self.header_row}: the header {show_header(self.header)} names no "
            "months and no indicator/month/value columns",
            code="header-missing",
            file=self.table.file,
            row=self.header_row,
            hint=hint,
        )

    def check_other_column(self, index: int, text: str, shape: str) -> None:
        """A column that is not read: skipped by name (a known report column or
        --ignore-column), or empty; anything else with figures under it is an error, so no
        figure is dropped without a word."""

        def has_data() -> bool:
            return self.body.select(
                self.col(index).str.strip_chars().str.len_chars().fill_null(0).gt(0).any()
            ).item()

        if text and (self.keys[index] in self.skip or is_report_column(text)):
            self.ignored.append(text)
        elif not text:
            if has_data():
                after = next((h for h in reversed(self.header[:index]) if h), None)
                place = f"after {after!r}" if after else "before the first header"
                self.problem(
                    "header-missing", f"a column with figures has no header (the column {place})"
                )
        elif looks_like_month(text):
            self.problem(
                "month-unparseable",
                f"column header {text!r} looks like a month but is not one (use Oct-24 or 2024-10)",
                text,
                text,
            )
        elif has_data():
            self.problem(
                "header-unknown",
                f"column {text!r} is neither a month nor a known report column, and its "
                "figures would be dropped: write the month as Oct-24 or 2024-10, or skip "
                f"the column on purpose with --ignore-column {text!r}"
                if shape == "wide"
                else f"column {text!r} is not one csc-perf reads (indicator, month, value, "
                "authority) nor a known report column, and what it holds would be dropped: "
                f"skip the column on purpose with --ignore-column {text!r}",
                text,
                text,
            )
        else:
            self.ignored.append(text)  # an empty column: nothing to drop

    def base(self, authority_col: int | None) -> list[pl.Expr]:
        """Every cell's position and authority text."""
        return [
            pl.lit(self.table.file).alias("file"),
            pl.lit(self.table.sheet, dtype=pl.String).alias("sheet"),
            pl.col("row").cast(pl.Int64),
            (
                self.col(authority_col).alias("authority_text")
                if authority_col is not None
                else pl.lit(None, dtype=pl.String).alias("authority_text")
            ),
        ]


def formula_problems(table: RawTable, header: list[str], header_row: int, read: set) -> list[dict]:
    """A formula without a usable result in a cell that is read is refused, by cell."""
    found = []
    for (row, index), (reference, formula, saved) in sorted(table.formulas.items()):
        if index not in read or row < header_row:
            continue
        what = f"the formula ={clip_formula(formula)}" if formula else "a shared formula"
        why = (
            f"its saved result ({saved}) is a placeholder: the workbook was written by a "
            "program that leaves formula results for Excel to calculate on opening"
            if saved is not None
            else "it has no saved result (the workbook was written by a program, not saved "
            "by Excel)"
        )
        found.append(
            {
                "code": "formula-uncached",
                "message": f"cell {reference} holds {what} and {why}: open and save the file "
                "in Excel, or paste values",
                "in_column": True,
                "row": row,
                "column": header[index] or None,
                "cell": f"={clip_formula(formula)}" if formula else None,
            }
        )
    return found


def clip_formula(formula: str, limit: int = 80) -> str:
    """A formula short enough for a message."""
    return formula if len(formula) <= limit else formula[:limit] + "..."


def show_header(header: list[str]) -> str:
    """A header for a message: its first eight filled cells."""
    shown = [h for h in header if h][:8]
    more = " ..." if len([h for h in header if h]) > 8 else ""
    return "(" + ", ".join(repr(h) for h in shown) + more + ")"
