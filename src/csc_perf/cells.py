"""The one parser for cell values, as a Polars expression (vectorised over millions of cells).

A cell is one of:

* a number: ``87``, ``87%`` (stored as 87, percentages are kept on a 0-100 scale), ``4,266``,
  ``14.24``, ``-3``, ``1.5e3`` -> status ``present``;
* missing: blank, ``-``, ``–``, ``[-]``, ``n/a``, ``na``, ``..`` -> status ``missing``, value
  null (missing is never zero);
* suppressed: ``c``, ``x``, ``[c]``, ``[x]`` -> status ``suppressed``, value null;
* anything else -> status ``invalid``: the validator reports it as ``value-unparseable``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

PRESENT = "present"
MISSING = "missing"
SUPPRESSED = "suppressed"
INVALID = "invalid"

MISSING_MARKS = ("", "-", "–", "—", "[-]", "n/a", "na", "n.a.", "..")
SUPPRESSED_MARKS = ("c", "x", "[c]", "[x]")
NUMBER_PATTERN = r"^[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?(?:\s*%)?$"


def cell_exprs(column: str) -> tuple[pl.Expr, pl.Expr]:
    """Return ``(value, status)`` expressions parsing the string column ``column``."""
    import polars as pl

    text = pl.col(column).str.strip_chars().str.to_lowercase()
    is_number = text.str.contains(NUMBER_PATTERN)
    number = (
        text.str.replace_all(",", "", literal=True)
        .str.replace(r"\s*%$", "")
        .cast(pl.Float64, strict=False)
    )
    status = (
        pl.when(text.is_null() | text.is_in(MISSING_MARKS))
        .then(pl.lit(MISSING))
        .when(text.is_in(SUPPRESSED_MARKS))
        .then(pl.lit(SUPPRESSED))
        .when(is_number & number.is_not_null() & number.is_finite())
        .then(pl.lit(PRESENT))
        .otherwise(pl.lit(INVALID))
    )
    value = pl.when(status == PRESENT).then(number).otherwise(None)
    return value, status


def parse_cells(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """``frame`` with ``value`` and ``status`` parsed from the string column ``column``.

    Same grammar as :func:`cell_exprs`; plain numbers (nearly every cell) take a fast path,
    a direct cast, which accepts only numbers the grammar accepts too. The other cells are
    few distinct texts (blanks, ``c``, ``87%``...), each parsed once by the grammar.
    """
    import polars as pl

    direct = pl.col(column).str.strip_chars().cast(pl.Float64, strict=False)
    marked = frame.with_columns(direct.alias("_direct"))
    fast = pl.col("_direct").is_not_null() & pl.col("_direct").is_finite()
    others = marked.filter(~fast).get_column(column).unique()
    if others.len() == 0:
        return marked.with_columns(
            pl.col("_direct").alias("value"), pl.lit(PRESENT).alias("status")
        ).drop("_direct")
    value, status = cell_exprs(column)
    parsed = pl.DataFrame({column: others}).with_columns(
        value.alias("_value"), status.alias("_status")
    )
    looked_up = marked.join(parsed, on=column, how="left", nulls_equal=True)
    return looked_up.with_columns(
        pl.when(fast).then(pl.col("_direct")).otherwise(pl.col("_value")).alias("value"),
        pl.when(fast).then(pl.lit(PRESENT)).otherwise(pl.col("_status")).alias("status"),
    ).drop("_direct", "_value", "_status")


def parse_cell(text: str | None) -> tuple[float | None, str]:
    """Parse one cell (the scalar face of :func:`parse_cells`, same grammar)."""
    import polars as pl

    row = parse_cells(pl.DataFrame({"cell": [text]}, schema={"cell": pl.String}), "cell")
    return row.get_column("value")[0], row.get_column("status")[0]
