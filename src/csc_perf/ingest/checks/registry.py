"""Every validation code in one table: its severity, what it means, and the functions that
find it (a check on the cells, or the reader that refuses a file or notes a header).

Codes are stable; scripts may rely on them. Their order here is the order ``csc-perf
validate --codes`` and the README list them in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from csc_perf.ingest.checks.derived import derived_mismatch
from csc_perf.ingest.checks.months import bad_months, blank_months
from csc_perf.ingest.checks.names import (
    authority_invalid,
    indicator_disagreements,
    indicator_unknown,
)
from csc_perf.ingest.checks.required import required_missing
from csc_perf.ingest.checks.values import (
    count_negative,
    duplicate_conflict,
    percent_as_fraction,
    percent_sign_unexpected,
    value_out_of_range,
    value_too_large,
    value_unparseable,
)
from csc_perf.ingest.ees_extract import ees_cells
from csc_perf.ingest.excel import read_excel
from csc_perf.ingest.grid import Grid, formula_problems
from csc_perf.ingest.report import ERROR, WARNING
from csc_perf.ingest.shapes import table_cells
from csc_perf.ingest.tables import read_tables


@dataclass(frozen=True)
class Check:
    """One stable code: its severity, its meaning, and the functions that find it."""

    code: str
    severity: str
    meaning: str
    found_by: tuple[Callable, ...]


REGISTRY: tuple[Check, ...] = (
    Check(
        "file-unreadable",
        ERROR,
        "the file cannot be opened or is not a CSV/Excel/Parquet file",
        (read_tables, read_excel),
    ),
    Check("encoding-error", ERROR, "the file is not in the expected text encoding", (read_tables,)),
    Check(
        "file-empty", ERROR, "the file, or a sheet, has no data rows", (read_tables, table_cells)
    ),
    Check(
        "header-missing",
        ERROR,
        "no usable header: no month columns and no indicator/month/value",
        (table_cells, Grid.check_other_column, ees_cells),
    ),
    Check(
        "header-duplicate",
        ERROR,
        "two columns with the same header, or the same month twice; or two identifying "
        "columns (authority, indicator) that disagree on a row",
        (
            Grid.check_duplicate_headers,
            Grid.check_authority_columns,
            table_cells,
            indicator_disagreements,
        ),
    ),
    Check("month-required", ERROR, "a one-month extract was given without --month", (table_cells,)),
    Check(
        "indicator-unknown",
        ERROR,
        "an indicator that indicators.toml does not define",
        (indicator_unknown,),
    ),
    Check(
        "value-unparseable",
        ERROR,
        "a cell that is not a number, a missing or a suppressed mark",
        (value_unparseable,),
    ),
    Check(
        "month-unparseable",
        ERROR,
        "a month label that cannot be read",
        (bad_months, blank_months, Grid.check_other_column, ees_cells),
    ),
    Check("month-future", ERROR, "a month after the current month", (bad_months,)),
    Check("month-too-early", ERROR, "a month before January 2000", (bad_months,)),
    Check(
        "duplicate-conflict",
        ERROR,
        "the same indicator and month twice with different values",
        (duplicate_conflict,),
    ),
    # Its severity is set per indicator (``out_of_range`` in indicators.toml); this is the
    # default.
    Check(
        "value-out-of-range",
        WARNING,
        "a value outside the indicator's valid range",
        (value_out_of_range,),
    ),
    Check("count-negative", ERROR, "a negative value for a count", (count_negative,)),
    Check(
        "required-missing",
        WARNING,
        "a required indicator has no value for a month in the file",
        (required_missing,),
    ),
    Check(
        "derived-mismatch",
        WARNING,
        "an extract's figure for a derived indicator differs from the one its formula gives",
        (derived_mismatch,),
    ),
    Check(
        "percent-as-fraction",
        WARNING,
        "every value of a percentage in a file is between 0 and 1 (0.87 for 87%?)",
        (percent_as_fraction,),
    ),
    Check(
        "authority-invalid",
        ERROR,
        "an authority cell that is neither a DfE LA number (852) nor an ONS code (E06000045)",
        (authority_invalid, ees_cells),
    ),
    Check(
        "percent-sign-unexpected",
        ERROR,
        "a figure written with % for an indicator that is not a percentage",
        (percent_sign_unexpected,),
    ),
    Check(
        "value-too-large",
        ERROR,
        "a figure beyond 1,000,000,000 (LARGEST_FIGURE): a typo, a pasted number or an overflow",
        (value_too_large,),
    ),
    Check(
        "header-unknown",
        ERROR,
        "a wide sheet's column that is neither a month nor a known report column",
        (Grid.check_other_column,),
    ),
    Check(
        "formula-uncached",
        ERROR,
        "a formula cell without a usable saved result (a workbook written by a program)",
        (formula_problems,),
    ),
    Check(
        "sheet-hidden",
        WARNING,
        "a hidden sheet of a workbook was skipped (read it with --sheet)",
        (read_excel,),
    ),
    Check(
        "level-not-stored",
        WARNING,
        "rows of a DfE file at a geographic level csc-perf does not store (Ward, say)",
        (ees_cells,),
    ),
)

#: code -> (severity, what it means). The severity of ``value-out-of-range`` is set per
#: indicator (``out_of_range`` in indicators.toml); the one here is the default.
CHECKS: dict[str, tuple[str, str]] = {c.code: (c.severity, c.meaning) for c in REGISTRY}
