"""Benchmarks and population read from DfE EES files: every authority's, region's and
England's figure for the indicators whose ``benchmark`` column a file has, and the ONS
estimates of children aged 0-17 that rates per 10,000 are computed with."""

from __future__ import annotations

import polars as pl

from csc_perf.definitions.model import Definitions
from csc_perf.errors import ExtractReadError
from csc_perf.ingest.ees import (
    area_columns,
    benchmark_rows,
    cell_position,
    check_conflicts,
    check_figures,
    check_readable,
    ees_year,
    measure_values,
)
from csc_perf.ingest.ees_geography import (
    MARCH_YEARS,
    comparable,
    geography,
    raise_first,
    resolve_geography,
    skipped_warning,
)
from csc_perf.ingest.ees_rates import rates_from_counts

BENCHMARK_SCHEMA = {
    "authority": "String",
    "level": "String",
    "name": "String",
    "region_code": "String",
    "year": "Int32",
    "indicator": "String",
    "value": "Float64",
    "status": "String",
}


def benchmarks_from_ees(
    frame: pl.DataFrame,
    definitions: Definitions,
    name: str = "the EES file",
    warnings: list[str] | None = None,
    population: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Long benchmark rows for every indicator whose ``benchmark`` column is in the file, or
    whose ``benchmark`` formula's columns are (a rate from counts, divided by ``population``:
    ``authority, year, population``, see :mod:`csc_perf.ingest.ees_rates`):
    ``authority, level, name, region_code, year, indicator, value, status`` (``year``: the
    year ending 31 March). Raises :class:`ExtractReadError` for a row whose level, authority
    or ``time_identifier`` cannot be read, a cell that is neither a figure nor a DfE symbol,
    a figure that is not finite or beyond :data:`~csc_perf.ingest.cells.LARGEST_FIGURE`, and the
    same authority, year and indicator twice with different figures. Rows at a level not
    stored are counted in ``warnings``."""
    geo, skipped = geography(frame, name)
    if warnings is not None and (warning := skipped_warning(name, skipped)):
        warnings.append(warning)
    parts = []
    for indicator, column, rows in benchmark_rows(frame.columns, geo, definitions):
        value, status, unreadable = measure_values(column)
        part = rows.select(
            *area_columns(),
            pl.lit(indicator.id).alias("indicator"),
            value.alias("value"),
            status.alias("status"),
            unreadable.alias("_unreadable"),
            *cell_position(rows, column),
        )
        check_readable(part, name, column)
        check_figures(part, name, column)
        parts.append(part.with_columns(pl.lit(column).alias("_column")))
    parts += rates_from_counts(geo, definitions, population, name, warnings)
    schema = {k: getattr(pl, v) for k, v in BENCHMARK_SCHEMA.items()}
    if not parts:
        return pl.DataFrame(schema=schema)
    out = pl.concat(parts).filter(pl.col("year").is_not_null())
    key = ["authority", "level", "year", "indicator"]
    check_conflicts(out, key, ["value", "status"], name)
    return out.unique(subset=key, keep="first", maintain_order=True).drop(
        "_row", "_cell", "_unreadable", "_column"
    )


#: ``age_group`` of children aged 0-17, as the DfE and ONS write it (without case).
_AGE_0_17 = r"^(children )?(aged )?0 ?(to|-|–) ?17( years)?$"
#: A breakdown's total, in a column such as ``sex`` (without case).
TOTALS = ("total", "all", "persons", "all persons")
BREAKDOWNS = ("sex", "gender")


def population_from_ees(
    frame: pl.DataFrame, name: str = "the EES file", warnings: list[str] | None = None
) -> pl.DataFrame:
    """``authority, year, population`` of children aged 0-17 from the ONS estimates file.

    Only rows whose ``age_group`` is exactly 0 to 17 (``Children aged 0 to 17 years``,
    ``0 to 17``, ``0-17``; never ``10 to 17``) and, where the file breaks the estimate down
    by ``sex``, only its total (``Total``, ``All``, ``Persons``). A cell that is not a
    figure is refused with its row; so are two different estimates for one area and year."""
    if "population_estimate" not in frame.columns:
        raise ExtractReadError(
            f"{name}: not the ONS population file: no population_estimate column", file=name
        )
    rows, problems, skipped = resolve_geography(frame, name, annual=(*MARCH_YEARS, "calendar year"))
    raise_first(problems, name)
    if warnings is not None and (warning := skipped_warning(name, skipped)):
        warnings.append(warning)
    if "age_group" in frame.columns:
        rows = rows.filter(comparable(pl.col("age_group").fill_null("")).str.contains(_AGE_0_17))
        if rows.height == 0 and frame.height:
            raise ExtractReadError(
                f"{name}: no row of column 'age_group' is children aged 0 to 17",
                code="header-missing",
                file=name,
                hint="download the ONS mid-year estimates of children aged 0 to 17 from EES",
            )
    for column in BREAKDOWNS:
        if column in frame.columns:
            totals = rows.filter(comparable(pl.col(column).fill_null("")).is_in(TOTALS))
            lost = rows.join(totals, on=["_authority", "time_period"], how="anti")
            if lost.height:
                first = lost.row(0, named=True)
                raise ExtractReadError(
                    f"{name}, row {first['_row']}, column {column!r}: {first[column]!r} for "
                    f"{first['_name']} ({first['_authority']}), {first['time_period']}, but no "
                    f"total row ({column} Total, All or Persons): only a breakdown",
                    code="value-unparseable",
                    file=name,
                    row=first["_row"],
                    hint=f"download the file with the {column} total, or add its Total row",
                )
            rows = totals
    value, _, unreadable = measure_values("population_estimate")
    part = rows.select(
        pl.col("_authority").alias("authority"),
        ees_year(pl.col("time_period")).alias("year"),
        value.alias("value"),
        unreadable.alias("_unreadable"),
        *cell_position(rows, "population_estimate"),
    )
    check_readable(part, name, "population_estimate")
    check_figures(part, name, "population_estimate")
    part = part.filter(pl.col("year").is_not_null() & pl.col("value").is_not_null())
    check_conflicts(part, ["authority", "year"], ["value"], name)
    return part.unique(subset=["authority", "year"], keep="first", maintain_order=True).select(
        "authority", "year", pl.col("value").alias("population")
    )
