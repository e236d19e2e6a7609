"""The check of an extract's own figures for derived indicators against their formulas."""

from __future__ import annotations

import polars as pl

from csc_perf.definitions.model import Definitions
from csc_perf.ingest.cells import PRESENT
from csc_perf.ingest.report import WARNING, Issue
from csc_perf.methods.derived import derive, population_frame
from csc_perf.model.calendar import month_label


def derived_mismatch(
    observations: pl.DataFrame,
    definitions: Definitions,
    history: pl.DataFrame | None,
    population: pl.DataFrame | None,
) -> list[Issue]:
    """``derived-mismatch``: where an extract gives a derived indicator a figure its formula
    does not give: further from it than the indicator's ``tolerance`` (relative, default 3%)
    and than the rounding of the printed figure (half a unit of its last decimal).
    ``history`` (the store's observations) gives the months before the extract (a 12-month
    rolling rate needs them); ``population`` the children a rate is per."""
    derived_ids = [i.id for i in definitions.indicators if i.formula]
    supplied = observations.filter(
        pl.col("indicator").is_in(derived_ids) & (pl.col("status") == PRESENT)
    )
    if supplied.height == 0:
        return []
    key = ["authority", "indicator", "month"]
    base = observations.select(*key, "value", "status")
    if history is not None and history.height:
        older = history.select(*key, "value", "status").join(base, on=key, how="anti")
        base = pl.concat([older, base])
    computed = derive(base, definitions, population_frame(definitions, population))
    tolerance = pl.DataFrame(
        {
            "indicator": derived_ids,
            "_tol": [definitions[i].tolerance for i in derived_ids],
            # a figure printed to N decimals may be off by half a unit of its last digit
            "_rounding": [0.5 * 10 ** -definitions[i].decimals for i in derived_ids],
        }
    )
    compared = (
        supplied.join(computed.rename({"value": "_computed"}), on=key, how="inner")
        .join(tolerance, on="indicator")
        .filter(
            (pl.col("value") - pl.col("_computed")).abs()
            > pl.max_horizontal(pl.col("_tol") * pl.col("_computed").abs(), "_rounding") + 1e-9
        )
    )
    issues = []
    for row in compared.iter_rows(named=True):
        indicator = definitions[row["indicator"]]
        difference = (
            None
            if row["_computed"] == 0
            else (row["value"] - row["_computed"]) / abs(row["_computed"]) * 100
        )
        issues.append(
            Issue.at(
                "derived-mismatch",
                WARNING,
                f"{indicator.name!r} for {month_label(row['month'])} is {row['value']:g} in "
                f"the extract but {row['_computed']:.{max(indicator.decimals, 1)}f} from its "
                f"formula ({indicator.formula})"
                + (
                    f": {difference:+.1f}%, more than {indicator.tolerance:.0%}"
                    if difference is not None
                    else ""
                ),
                file=row["source_file"],
                sheet=row["source_sheet"],
                row=row["source_row"],
                indicator=row["indicator"],
                month=month_label(row["month"]),
            )
        )
    return issues
