"""The indicator definitions as a table (``csc-perf indicators``) and checking a
definitions file (``csc-perf indicators --check``)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from csc_perf.definitions.loading import load_definitions
from csc_perf.definitions.model import Definitions, Indicator
from csc_perf.errors import DefinitionsError, UsageError

#: The columns of :func:`definitions_frame`, one row per indicator.
DEFINITIONS_SCHEMA = {
    "id": pl.String,
    "name": pl.String,
    "theme": pl.String,
    "unit": pl.String,
    "measure": pl.String,
    "polarity": pl.String,
    "target": pl.String,
    "amber": pl.String,
    "valid_min": pl.Float64,
    "valid_max": pl.Float64,
    "decimals": pl.Int64,
    "required": pl.Boolean,
    "aliases": pl.String,
}


def check_definitions(path: str | Path) -> Definitions:
    """The definitions in ``path``, checked. Raises
    :class:`~csc_perf.errors.DefinitionsError` listing every problem (see
    :func:`problems_frame`) and :class:`~csc_perf.errors.ConfigError` when there is no file."""
    return load_definitions(path)


def problems_frame(error: DefinitionsError) -> pl.DataFrame:
    """The problems of a definitions file, one row each: key path, message, line."""
    return pl.DataFrame(
        [p.as_dict() for p in error.problems],
        schema={"path": pl.String, "message": pl.String, "line": pl.Int64},
        orient="row",
    )


def definitions_frame(definitions: Definitions, theme: str | None = None) -> pl.DataFrame:
    """One row per indicator (of ``theme`` when given): id, name, themes, unit, measure,
    polarity, targets, amber rule, valid range, decimals, required, aliases
    (:data:`DEFINITIONS_SCHEMA`). Raises :class:`UsageError` for an unknown theme."""
    rows = [_definition_row(i) for i in definitions.indicators]
    frame = pl.DataFrame(rows, schema=DEFINITIONS_SCHEMA, orient="row")
    if theme is None:
        return frame
    if theme not in {t.id for t in definitions.themes}:
        known = ", ".join(t.id for t in definitions.themes)
        raise UsageError(f"unknown theme {theme!r}; themes: {known}")
    return frame.filter(pl.col("theme").str.split(";").list.contains(theme))


def _definition_row(indicator: Indicator) -> dict:
    return {
        "id": indicator.id,
        "name": indicator.name,
        "theme": ";".join(indicator.themes),
        "unit": indicator.unit,
        "measure": indicator.measure,
        "polarity": indicator.polarity,
        "target": _target_text(indicator),
        "amber": (
            None if indicator.amber is None else f"{indicator.amber.kind} {indicator.amber.value:g}"
        ),
        "valid_min": indicator.valid_min,
        "valid_max": indicator.valid_max,
        "decimals": indicator.decimals,
        "required": indicator.required,
        "aliases": ";".join(indicator.aliases),
    }


def _target_text(indicator: Indicator) -> str | None:
    """The targets as ``95``, ``10-20`` or ``90 from 2024-04``, ``;``-separated."""
    parts = []
    for t in indicator.targets:
        value = f"{t.low:g}-{t.high:g}" if t.value is None else f"{t.value:g}"
        parts.append(value if t.from_month is None else f"{value} from {t.from_month:%Y-%m}")
    return "; ".join(parts) or None
