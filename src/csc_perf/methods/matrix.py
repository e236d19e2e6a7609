"""The SPC summary matrix (Making Data Count's "summary table"): every indicator of a month
placed by its variation and its assurance.

Pure: a results frame in, a frame out. Rows of the matrix are the variation categories,
columns the assurance categories, each in the order a board reads them, what needs action
first: special cause concern, common cause, special cause improvement, special cause that is
neither (polarity none), then indicators without limits; failing, hit or miss, passing, then
indicators without assurance (no target, no limits, or polarity none or range). The order is
the categories' order in the frame's ``Enum`` columns, so sorting by them is the matrix's
order and a renderer reads the grid's rows and columns from the dtype.
"""

from __future__ import annotations

from datetime import date

import polars as pl

#: The matrix's rows: ``spc_variation`` values, and ``none`` for an indicator without limits.
VARIATIONS = (
    "concern_high",
    "concern_low",
    "common_cause",
    "improvement_high",
    "improvement_low",
    "neither_high",
    "neither_low",
    "none",
)
#: The matrix's columns: ``spc_assurance`` values, and ``none`` for no assurance.
ASSURANCES = ("fail", "hit_or_miss", "pass", "none")

#: The frame :func:`spc_matrix` returns: one row per indicator.
MATRIX_SCHEMA = {
    "month": pl.Date,
    "indicator": pl.String,
    "name": pl.String,
    "variation": pl.Enum(VARIATIONS),
    "assurance": pl.Enum(ASSURANCES),
}


def spc_matrix(results: pl.DataFrame, month: date | None = None) -> pl.DataFrame:
    """Each indicator of one authority's ``results`` in ``month`` (default: the results'
    only month) placed by variation and assurance: :data:`MATRIX_SCHEMA`, one row per
    indicator, in the matrix's order (by variation, then assurance, then the results' order,
    which is the definitions').

    An indicator without SPC limits (``spc_variation`` null: too few points, a rolling
    figure, no figure that month, SPC turned off) is in the ``none`` row; one without
    ``spc_assurance`` in the ``none`` column. Raises :class:`ValueError` when the rows are
    not one per indicator (several authorities, or several months and no ``month``) or a
    value is not in the vocabulary (:data:`VARIATIONS`, :data:`ASSURANCES`).
    """
    rows = results if month is None else results.filter(pl.col("month") == month)
    if rows.height and rows.get_column("indicator").is_duplicated().any():
        raise ValueError(
            "the SPC matrix places one row per indicator: give one authority and one month"
        )
    for column, known in (("spc_variation", VARIATIONS), ("spc_assurance", ASSURANCES)):
        unknown = set(rows.get_column(column).drop_nulls().unique()) - set(known)
        if unknown:
            raise ValueError(f"{column}: {', '.join(sorted(unknown))} is not a matrix category")
    return (
        rows.select(
            pl.col("month"),
            pl.col("indicator"),
            pl.col("name"),
            pl.col("spc_variation").fill_null("none").cast(MATRIX_SCHEMA["variation"]),
            pl.col("spc_assurance").fill_null("none").cast(MATRIX_SCHEMA["assurance"]),
        )
        .rename({"spc_variation": "variation", "spc_assurance": "assurance"})
        .sort("variation", "assurance", maintain_order=True)
        .cast(MATRIX_SCHEMA)  # type: ignore[arg-type]
    )
