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


def parse_cell(text: str | None) -> tuple[float | None, str]:
    """Parse one cell (the scalar face of :func:`cell_exprs`, same grammar)."""
    import polars as pl

    value, status = cell_exprs("cell")
    row = (
        pl.DataFrame({"cell": [text]}, schema={"cell": pl.String})
        .select(value.alias("value"), status.alias("status"))
        .row(0)
    )
    return row[0], row[1]
