"""Issues about figures built in Polars, a block of them at once: the same text, field for
field, as :func:`csc_perf.ingest.checks.places.cell_issue` gives one by one, so that half a
million figures out of range cost a few column operations, not half a million Python
objects (see :class:`csc_perf.ingest.report.ValidationReport`).
"""

from __future__ import annotations

import polars as pl

from csc_perf.definitions.model import Definitions
from csc_perf.ingest.report import ISSUE_SCHEMA

#: Printable ASCII but the quote and the backslash: ``repr`` puts such a text between
#: single quotes as it is. Any other text is given to ``repr`` itself.
_AS_IT_IS = r"^[\x20-\x26\x28-\x5b\x5d-\x7e]*$"


def figure_issue_rows(
    code: str,
    severity: str | pl.Expr,
    rows: pl.DataFrame,
    definitions: Definitions,
    what: str | pl.Expr,
) -> pl.DataFrame:
    """One issue per row of ``rows`` (cells with ``file, sheet, row, column, cell,
    indicator, month``) as a frame with :data:`~csc_perf.ingest.report.ISSUE_SCHEMA`: the
    message ``<place>: '<name>' for <YYYY-MM>: '<cell>' <what>``, the column named in the
    place. ``severity`` and ``what`` are text, or expressions over ``rows``."""
    if rows.height == 0:
        return pl.DataFrame(schema=ISSUE_SCHEMA)
    names = {i: repr(definitions[i].name) for i in rows.get_column("indicator").unique()}
    month = pl.col("month").dt.strftime("%Y-%m")
    place = pl.concat_str(
        pl.col("file"),
        _part(", sheet ", _quoted(rows, "sheet"), pl.col("sheet").fill_null("") != ""),
        _part(", row ", pl.col("row").cast(pl.String), pl.col("row").is_not_null()),
        _part(", column ", _quoted(rows, "column"), pl.col("column").is_not_null()),
    )
    message = pl.concat_str(
        place,
        pl.lit(": "),
        pl.col("indicator").replace_strict(names, return_dtype=pl.String),
        pl.lit(" for "),
        month,
        pl.lit(": "),
        _quoted(rows, "cell"),
        pl.lit(" "),
        pl.lit(what) if isinstance(what, str) else what,
    )
    return rows.select(
        pl.lit(code).alias("code"),
        (pl.lit(severity) if isinstance(severity, str) else severity).alias("severity"),
        message.alias("message"),
        pl.col("file").cast(pl.String),
        pl.col("sheet").cast(pl.String),
        pl.col("row").cast(pl.Int64),
        pl.col("column").cast(pl.String),
        pl.col("cell").cast(pl.String),
        pl.col("indicator").cast(pl.String),
        month.alias("month"),
    )


def _part(label: str, text: pl.Expr, shown: pl.Expr) -> pl.Expr:
    """``label`` and ``text`` where ``shown``, else nothing (never null)."""
    return pl.when(shown).then(pl.lit(label) + text).otherwise(pl.lit(""))


def _quoted(rows: pl.DataFrame, name: str) -> pl.Expr:
    """The column ``name`` as Python's ``repr`` writes each text (``'87%'``)."""
    column = pl.col(name).cast(pl.String)
    plain = column.str.contains(_AS_IT_IS)
    others = rows.filter(~plain).get_column(name).cast(pl.String).unique()
    spelled = {text: repr(text) for text in others.to_list()}
    return (
        pl.when(plain)
        .then(pl.lit("'") + column + pl.lit("'"))
        .otherwise(column.replace_strict(spelled, default=None, return_dtype=pl.String))
        .fill_null(pl.lit(repr(None)))
    )
