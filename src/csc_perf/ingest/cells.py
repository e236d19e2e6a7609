"""The one parser for cell values, as a Polars expression (vectorised over millions of cells).

A cell is one of:

* a number: ``87``, ``87%`` (stored as 87, percentages are kept on a 0-100 scale), ``4,266``,
  ``14.24``, ``-3``, ``1.5e3`` -> status ``present``;
* missing: blank, ``-``, ``–``, ``[-]``, ``n/a``, ``na``, ``..`` -> status ``missing``, value
  null (missing is never zero);
* suppressed: ``c``, ``x``, ``[c]``, ``[x]`` -> status ``suppressed``, value null;
* anything else -> status ``invalid``: the validator reports it as ``value-unparseable``.
  That includes ``inf``, ``nan``, ``-inf`` and a number too large for a float (``1e999``):
  no figure is ever stored that is not finite.

Numbers beyond :data:`LARGEST_FIGURE` parse (they are numbers) but the validator refuses
them (``value-too-large``).
"""

from __future__ import annotations

import polars as pl

from csc_perf.model.schemas import INVALID, MISSING, PRESENT, SUPPRESSED

__all__ = ["INVALID", "MISSING", "PRESENT", "SUPPRESSED", "parse_cell", "parse_cells"]

#: The largest magnitude csc-perf stores. No children's social care figure comes near it:
#: England has about 12 million children aged 0-17, so a monthly count, rate, percentage or
#: average above a thousand million is a typo, a pasted row number or an overflow (1e308,
#: 9.99E+307); and below it every sum csc-perf forms (12-month rolling sums, SPC moving
#: ranges and limits) stays finite and exact to the unit in a 64-bit float.
LARGEST_FIGURE = 1e9
NOT_FINITE = ("inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan", "-nan")

MISSING_MARKS = ("", "-", "–", "—", "[-]", "n/a", "na", "n.a.", "..")
SUPPRESSED_MARKS = ("c", "x", "[c]", "[x]")
NUMBER_PATTERN = r"^[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?(?:\s*%)?$"


def cell_exprs(column: str) -> tuple[pl.Expr, pl.Expr]:
    """Return ``(value, status)`` expressions parsing the string column ``column``."""
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


def parse_cells(frame: pl.DataFrame, column: str, *, stripped: bool = False) -> pl.DataFrame:
    """``frame`` with ``value`` and ``status`` parsed from the string column ``column``
    (``stripped``: its texts have no spaces around them, so the fast path need not strip).

    Same grammar as :func:`cell_exprs`; plain numbers (nearly every cell) take a fast path,
    a direct cast, which accepts only numbers the grammar accepts too. The other cells are
    few distinct texts (blanks, ``c``, ``87%``...), each parsed once by the grammar.
    """
    text = frame.get_column(column)
    direct = (text if stripped else text.str.strip_chars()).cast(pl.Float64, strict=False)
    fast = direct.is_not_null() & direct.is_finite()
    others = (~fast).arg_true()
    status = pl.repeat(PRESENT, frame.height, dtype=pl.String, eager=True)
    if others.len():
        value_expr, status_expr = cell_exprs(column)
        parsed = pl.DataFrame({column: text.gather(others)}).select(
            value_expr.alias("value"), status_expr.alias("status")
        )
        direct = direct.scatter(others, parsed.get_column("value"))
        status = status.scatter(others, parsed.get_column("status"))
    return frame.with_columns(direct.alias("value"), status.alias("status"))


def parse_cell(text: str | None) -> tuple[float | None, str]:
    """Parse one cell (the scalar face of :func:`parse_cells`, same grammar)."""
    row = parse_cells(pl.DataFrame({"cell": [text]}, schema={"cell": pl.String}), "cell")
    return row.get_column("value")[0], row.get_column("status")[0]
