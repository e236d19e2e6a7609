"""Reading an Excel workbook's sheets as grids of text cells.

Values come from fastexcel; :mod:`csc_perf.ingest.workbook` adds what fastexcel does not
say: which sheets are hidden, which cells Excel shows as percentages, and which formulas
have no usable saved result.
"""

from __future__ import annotations

import re

import polars as pl

from csc_perf.errors import ExtractReadError
from csc_perf.ingest.raw import RawTable, first_line
from csc_perf.ingest.workbook import (
    SheetCells,
    Workbook,
    WorkbookError,
    column_letter,
    percent_text,
)


def read_excel(
    name: str, data: bytes, sheets: list[str] | None
) -> tuple[list[RawTable], list[dict]]:
    """The sheets of a workbook as raw tables, and warnings (hidden sheets skipped).

    Values come from fastexcel; :mod:`csc_perf.ingest.workbook` adds what fastexcel does not say:
    percentage cells are put on the 0-100 scale Excel shows them in (0.83 formatted ``0%``
    is 83), and formulas without a usable result are kept aside for the checks.
    """
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ExtractReadError(
            f"{name}: the workbook is password-protected (encrypted), or an old .xls file "
            "named .xlsx",
            file=name,
            hint="open it in Excel, remove the password (File > Info > Protect Workbook) and "
            "save it as .xlsx",
        )
    import fastexcel  # loaded with the first workbook: CSV-only runs never pay for it

    try:
        reader = fastexcel.read_excel(data)
    except Exception as exc:  # fastexcel raises its own error types for every bad workbook
        raise ExtractReadError(
            f"{name}: not a readable .xlsx workbook ({first_line(exc)})",
            file=name,
            hint="a password-protected or damaged workbook must be saved again without protection",
        ) from None
    try:
        workbook = Workbook(data)
    except WorkbookError as exc:
        raise ExtractReadError(
            f"{name}: not a readable .xlsx workbook ({exc})",
            file=name,
            hint="open it in Excel and save it again as .xlsx",
        ) from None
    names = all_names = list(reader.sheet_names)
    notes: list[dict] = []
    if sheets is not None:
        for sheet in sheets:
            if sheet not in names:
                raise ExtractReadError(
                    f"{name}: no sheet named {sheet!r}",
                    file=name,
                    hint="sheets in this workbook: " + ", ".join(repr(n) for n in names),
                )
        names = [n for n in names if n in sheets]
    else:
        # A hidden sheet is a workings or an old copy: its figures must not overwrite the
        # visible ones. Read it only when asked for by name.
        hidden = [
            (n, info.state)
            for n in names
            if (info := workbook.sheet(n, all_names)) is not None and info.state != "visible"
        ]
        for sheet_name, state in hidden:
            kind = "very hidden" if state == "veryHidden" else "hidden"
            notes.append(
                {
                    "code": "sheet-hidden",
                    "sheet": sheet_name,
                    "message": f"{name}: sheet {sheet_name!r} is {kind} and was not read; "
                    f"to import it, name it: --sheet {sheet_name!r}",
                }
            )
        skipped = {n for n, _ in hidden}
        names = [n for n in names if n not in skipped]
    tables: list[RawTable] = []
    for sheet_name in names:
        try:
            loaded = reader.load_sheet(sheet_name, header_row=None, dtypes="string", skip_rows=0)
            batch, errors = loaded.to_arrow_with_errors()
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            frame = _with_error_cells(frame, errors)
        except Exception as exc:
            raise ExtractReadError(
                f"{name}: sheet {sheet_name!r} cannot be read ({first_line(exc)})", file=name
            ) from None
        if frame.width == 0 or frame.height == 0:
            continue  # an empty sheet (a cover page, say) holds no figures
        try:
            special = workbook.cells(sheet_name, all_names)
        except WorkbookError as exc:
            raise ExtractReadError(
                f"{name}: sheet {sheet_name!r} cannot be read ({exc})", file=name
            ) from None
        table = RawTable(name, sheet_name, frame, first_row=1)
        if special.percent or special.formulas:
            table = _with_cell_details(table, special, workbook.recalculate_on_open)
        tables.append(table)
    return tables, notes


def _with_cell_details(table: RawTable, special: SheetCells, recalculate_on_open: bool) -> RawTable:
    """Put percentage cells on Excel's displayed scale, with their % sign (0.83 formatted
    0% is the text ``83%``, so it is checked as if typed so), and note unusable formulas.

    fastexcel's grid starts at the first row and at the leftmost column holding a value;
    each percentage cell is checked against the grid before it is changed, so a grid that
    does not line up is refused rather than read wrong.
    """
    frame = table.frame
    offset = special.first_column or 0
    columns = frame.columns
    by_column: dict[int, tuple[list[int], list[str], list[str]]] = {}
    shown_for: dict[str, str | None] = {}  # figures repeat: each converted once
    for (row, column), stored in special.percent.items():
        rows, stored_texts, shown = by_column.setdefault(column - offset, ([], [], []))
        rows.append(row - table.first_row)
        stored_texts.append(stored)
        if stored not in shown_for:
            # Written with its % sign, as Excel shows it: validation then treats the cell as
            # the text "139%" would be (percent-sign-unexpected on a count, the 0-100 scale).
            number = percent_text(stored)
            shown_for[stored] = None if number is None else f"{number}%"
        shown.append(shown_for[stored] or "")
    replaced = []
    for position, (rows, stored_texts, shown) in by_column.items():
        inside = 0 <= position < len(columns) and min(rows) >= 0 and max(rows) < frame.height
        cells = frame.get_column(columns[position]).to_list() if inside else []
        for row, stored, text in zip(rows, stored_texts, shown, strict=True):
            if not (inside and text and _same_number(cells[row], stored)):
                reference = f"{column_letter(position + offset)}{row + table.first_row}"
                raise ExtractReadError(
                    f"{table.file}: sheet {table.sheet!r}: cell {reference} is formatted as a "
                    f"percentage but its value ({stored!r}) could not be matched with the one "
                    "read",
                    file=table.file,
                    row=row + table.first_row,
                    hint="open the file in Excel and save it again, or save the sheet as CSV",
                )
            cells[row] = text
        replaced.append(pl.Series(columns[position], cells, dtype=pl.String))
    if replaced:
        frame = frame.with_columns(replaced)
    formulas = {
        (row, column - offset): detail
        for (row, column), detail in special.formulas.items()
        if 0 <= column - offset < len(columns)
    }
    return RawTable(
        table.file,
        table.sheet,
        frame,
        first_row=table.first_row,
        formulas=formulas,
        recalculate_on_open=recalculate_on_open,
    )


EXCEL_ERRORS = {
    "NA": "#N/A",
    "Div0": "#DIV/0!",
    "Value": "#VALUE!",
    "Ref": "#REF!",
    "Name": "#NAME?",
    "Num": "#NUM!",
    "Null": "#NULL!",
    "GettingData": "#GETTING_DATA",
}


def _with_error_cells(frame: pl.DataFrame, errors) -> pl.DataFrame:
    """Excel error cells (#N/A, #DIV/0! ...) come back empty: put their text back, so they
    are reported as unreadable values rather than taken as blanks."""
    if not errors or not getattr(errors, "errors", None):
        return frame
    columns = frame.columns
    for error in errors.errors:
        row, column = error.position
        match = re.search(r"Error\((\w+)\)", error.detail or "")
        text = EXCEL_ERRORS.get(match.group(1), f"#{match.group(1)}") if match else "#ERROR"
        if row < frame.height and column < len(columns):
            name = columns[column]
            frame = frame.with_columns(
                pl.when(pl.int_range(pl.len()) == row)
                .then(pl.lit(text))
                .otherwise(pl.col(name))
                .alias(name)
            )
    return frame


def _same_number(text: str | None, stored: str) -> bool:
    """The grid's text and the XML's stored number are the same number."""
    try:
        read, saved = float(text), float(stored)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return abs(read - saved) <= 1e-9 * max(1.0, abs(saved))
