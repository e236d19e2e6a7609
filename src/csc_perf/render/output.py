"""Writers for frames: one per format, shared by every command that returns data.

``table`` is for people (a Rich table on the terminal); ``csv``, ``tsv``, ``json`` (an array
of objects), ``jsonl`` and ``parquet`` are for scripts. When stdout is not a terminal the
default is CSV, never a box-drawn table. Files given with ``-o`` are written to a temporary
file beside the target and renamed into place, so a reader never sees half a file. CSV and
TSV files written with ``-o`` are for people: UTF-8 with a byte-order mark (so Excel reads
them as UTF-8) and with formula-like cells neutralised; standard output stays raw.

This module and :mod:`csc_perf.render.terminal` are the command line's boundary: the CLI
imports them before any command runs, so they defer Polars and Rich to the functions that
use them (``csc-perf --help`` imports neither). The other render modules import at the top.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from csc_perf.errors import UsageError
from csc_perf.render.files import write_file_atomically
from csc_perf.render.safety import visible_controls

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

# What each kind of command writes; a format error lists the command's own set.
FORMATS = ("table", "csv", "tsv", "json", "jsonl", "parquet")
VALIDATION_FORMATS = ("table", "csv", "tsv", "json", "jsonl")
REPORT_FORMATS = ("table", "md", "html", "xlsx", "csv", "tsv", "json", "jsonl", "parquet")
BINARY_FORMATS = {"parquet", "xlsx"}
_SUFFIX_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".md": "md",
    ".html": "html",
    ".htm": "html",
    ".xlsx": "xlsx",
}


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def resolve_format(fmt: str | None, output: str | None, allowed=FORMATS) -> str:
    """The format to write: the one asked for, else from ``-o``'s suffix, else table on a
    terminal and CSV otherwise."""
    if fmt is not None:
        fmt = fmt.lower()
        if fmt not in allowed:
            raise UsageError(f"unknown format {fmt!r}; use one of: {', '.join(allowed)}")
        return fmt
    if output and output != "-":
        suffix = Path(output).suffix.lower()
        guessed = _SUFFIX_FORMATS.get(suffix)
        if guessed in allowed:
            return guessed
        if suffix and suffix not in (".txt", ".out"):
            raise UsageError(
                f"-o {output}: cannot tell the format from {suffix!r}",
                hint=f"add --format ({', '.join(f for f in allowed if f != 'table')})",
            )
        return "csv"
    return "table" if stdout_is_terminal() and "table" in allowed else "csv"


def serialise(frame: pl.DataFrame, fmt: str) -> bytes:
    """The bytes of ``frame`` in a data format (not ``table``)."""
    buffer = io.BytesIO()
    if fmt == "csv":
        frame.write_csv(buffer)
    elif fmt == "tsv":
        frame.write_csv(buffer, separator="\t")
    elif fmt == "json":
        frame.write_json(buffer)
        buffer.write(b"\n")
    elif fmt == "jsonl":
        frame.write_ndjson(buffer)
    elif fmt == "parquet":
        frame.write_parquet(buffer)
    else:  # pragma: no cover - guarded by resolve_format
        raise UsageError(f"format {fmt!r} cannot be serialised")
    return buffer.getvalue()


def write_bytes(data: bytes, output: str | None, *, binary: bool = False) -> None:
    """Write ``data`` to stdout (``None`` or ``-``) or atomically to a file."""
    if output is None or output == "-":
        if stdout_is_terminal():
            if binary:
                raise UsageError(
                    "refusing to write binary output to a terminal", hint="add -o FILE or a pipe"
                )
            # A person reads it: escape sequences from data are shown, not obeyed.
            data = visible_controls(data.decode("utf-8", errors="replace")).encode("utf-8")
        stream = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
        if stream is None:  # a text-only stdout (some test runners)
            sys.stdout.write(data.decode("utf-8"))
        else:
            sys.stdout.flush()
            stream.write(data)
            stream.flush()
        return
    write_file_atomically(Path(output), data)


def emit(
    frame: pl.DataFrame,
    fmt: str | None,
    output: str | None,
    *,
    table: Callable[[pl.DataFrame], object] | None = None,
) -> None:
    """Write ``frame`` in the resolved format; ``table`` renders the terminal view."""
    from csc_perf.render.terminal import frame_table, stdout_console

    chosen = resolve_format(fmt, output)
    if chosen == "table":
        renderable = table(frame) if table else frame_table(frame)
        if output and output != "-":
            console = stdout_console(file=io.StringIO(), width=160)
            console.print(renderable)
            write_file_atomically(Path(output), console.file.getvalue().encode("utf-8"))
        else:
            stdout_console().print(renderable)
        return
    for_people = chosen in ("csv", "tsv") and output is not None and output != "-"
    if for_people and _settings["formula_guard"]:
        frame = guard_formulas(frame)
    data = serialise(frame, chosen)
    if for_people and _settings["bom"]:
        data = UTF8_BOM + data
    write_bytes(data, output, binary=chosen in BINARY_FORMATS)


# CSV and TSV files written with -o are opened in Excel, which reads a file without a
# byte-order mark in the Windows code page (an en dash or é comes out garbled).
UTF8_BOM = b"\xef\xbb\xbf"
_settings = {"formula_guard": True, "bom": True}


def configure(*, formula_guard: bool = True, bom: bool = True) -> None:
    _settings["formula_guard"] = formula_guard
    _settings["bom"] = bom


def guard_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells a spreadsheet would run as a formula (OWASP CSV injection) get a leading
    ``'``: for CSV files written with ``-o`` for people. Standard output stays raw."""
    import polars as pl

    from csc_perf.render.safety import FORMULA_STARTS

    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    starts = "|".join(
        "\\t" if c == "\t" else "\\r" if c == "\r" else "\\" + c for c in FORMULA_STARTS
    )
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(f"^(?:{starts})"))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text
    )


def emit_report(report, document: str, output: str | None) -> None:
    """Write a :class:`~csc_perf.app.report.Report` as ``document``: md, html, xlsx (needs
    a file), the terminal's tables, or its frame in a data format."""
    from csc_perf.render.html import report_html
    from csc_perf.render.markdown import report_markdown
    from csc_perf.render.terminal_report import report_tables
    from csc_perf.render.xlsx import report_xlsx

    if document == "md":
        write_bytes(report_markdown(report).encode("utf-8"), output)
    elif document == "html":
        write_bytes(report_html(report).encode("utf-8"), output)
    elif document == "xlsx":
        if not output or output == "-":
            raise UsageError("--format xlsx needs -o FILE.xlsx")
        write_bytes(report_xlsx(report), output, binary=True)
    else:
        emit(report.frame, document, output, table=lambda _: report_tables(report))
