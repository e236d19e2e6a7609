"""A JSON Schema of ``indicators.toml``, for editors (Taplo: VS Code's Even Better TOML and
others) to complete keys and flag mistakes as the analyst types.

Built from what the checks accept: the key sets of each table (``INDICATOR_KEYS``, ...),
the choices (:data:`~csc_perf.definitions.model.UNITS`, ...), the id pattern and the
defaults of the model's dataclasses; building it fails should a checked key have no schema
here. It holds what is structural (known keys, types, choices, simple bounds); what needs
more than one value (a target inside the valid range, an amber band against the target and
polarity, a range polarity's ``{low, high}``, unique names, themes that exist, formulas) is
checked only by ``csc-perf indicators --check``. JSON Schema draft 4, the one Taplo reads.

The package ships the result as ``indicators.schema.json`` beside this module
(:func:`schema_text` is what it must equal; ``csc-perf indicators --schema`` prints it).
"""

from __future__ import annotations

import json
from dataclasses import MISSING, fields
from importlib import resources
from typing import Any

from csc_perf.definitions.checks import (
    BENCHMARKS_KEYS,
    POPULATION_KEYS,
    THEME_KEYS,
    TOP_KEYS,
    WORKSPACE_KEYS,
)
from csc_perf.definitions.checks_indicator import INDICATOR_KEYS
from csc_perf.definitions.checks_spc import SPC_KEYS
from csc_perf.definitions.checks_targets import TARGET_KEYS
from csc_perf.definitions.model import (
    AMBER_KINDS,
    ID_PATTERN,
    MEASURES,
    POLARITIES,
    SEVERITIES,
    UNITS,
    Indicator,
)
from csc_perf.model.options import MIN_BASELINE_POINTS, SpcOptions

#: The schema's file name, shipped in this package and written beside a new workspace's
#: indicators.toml by ``csc-perf init``.
SCHEMA_FILE = "indicators.schema.json"
#: The first line of an indicators.toml ``csc-perf init`` writes: Taplo's schema directive,
#: a path relative to the TOML file (the schema file is copied beside it: works offline).
SCHEMA_DIRECTIVE = f"#:schema ./{SCHEMA_FILE}"

_TEXT = {"type": "string", "pattern": r"\S"}  # not blank
_ID = {"type": "string", "pattern": ID_PATTERN}
_NUMBER = {"type": "number"}
_MONTH = {"type": "string", "description": "A month: 2025-04 or Apr-25."}


def _described(schema: dict[str, Any], text: str, **more: Any) -> dict[str, Any]:
    return {**schema, "description": text, **more}


def _closed(properties: dict[str, Any], keys: set[str], **more: Any) -> dict[str, Any]:
    """A table with exactly the checked ``keys`` (no other)."""
    differ = set(keys) ^ set(properties)
    if differ:  # a key the checks know and the schema does not, or the other way round
        raise AssertionError(f"the schema and the checks disagree on keys: {sorted(differ)}")
    return {"type": "object", "properties": properties, "additionalProperties": False, **more}


def _defaults(cls: type) -> dict[str, Any]:
    return {f.name: f.default for f in fields(cls) if f.default is not MISSING}


def _target() -> dict[str, Any]:
    step = _closed(
        {
            "from": _described(_MONTH, "The first month this target is in force."),
            "value": _described(_NUMBER, "The target (polarity higher or lower)."),
            "low": _described(_NUMBER, "The range's low end (polarity range)."),
            "high": _described(_NUMBER, "The range's high end (polarity range)."),
        },
        TARGET_KEYS,
    )
    return {
        "description": "The target: a number (polarity higher or lower), { low, high } "
        '(polarity range), or steps [{ value = 90 }, { from = "2025-04", value = 95 }]. '
        "Percentages on the 0-100 scale (95 for 95%).",
        "oneOf": [_NUMBER, step, {"type": "array", "minItems": 1, "items": step}],
    }


def _amber() -> dict[str, Any]:
    kinds = {
        "absolute": _described(
            _NUMBER, "Amber within N units of the target (points for percentages).", minimum=0
        ),
        "relative": _described(
            _NUMBER,
            "Amber within F x the target (0.05 for 5%).",
            minimum=0,
            maximum=1,
            exclusiveMaximum=True,
        ),
        "threshold": _described(_NUMBER, "Amber up to this value (on the worse side)."),
    }
    return _closed(
        kinds,
        set(AMBER_KINDS),
        description="How far from the target is still amber: one of { absolute = N }, "
        "{ relative = F }, { threshold = N }.",
        minProperties=1,
        maxProperties=1,
    )


def _spc() -> dict[str, Any]:
    default = _defaults(SpcOptions)
    run = {"type": "integer", "minimum": 6, "maximum": 8}
    months = {"type": "array", "items": _MONTH}
    properties = {
        "enabled": _described({"type": "boolean"}, "Run SPC on this indicator."),
        "screen": _described(
            {"type": "boolean"}, "Screen out points that are not the process (e.g. a gap)."
        ),
        "shift_run": _described(run, "Points in a row one side of the mean for a shift."),
        "trend_run": _described(run, "Points in a row rising or falling for a trend."),
        "min_points": _described(
            {"type": "integer", "minimum": 2}, "The fewest points SPC draws limits from."
        ),
        "baseline_points": _described(
            {"type": "integer", "minimum": MIN_BASELINE_POINTS},
            "Fix the limits on the first N points (at least 12, as Making Data Count).",
        ),
        "conflict": _described(
            {"enum": ["improvement", "concern"]},
            "Which wins when a point signals both improvement and concern.",
        ),
        "recalculate_from": _described(months, "Months from which the limits are recalculated."),
        "exclude": _described(months, "Months left out of the limits."),
    }
    for key, schema in properties.items():
        value = default.get(key)
        if isinstance(value, (bool, int, str)):
            schema["default"] = value
    return _closed(properties, SPC_KEYS, description="Statistical process control options.")


def _benchmark() -> dict[str, Any]:
    where = _described(
        {"type": "object", "additionalProperties": {"type": "string"}},
        "The values other columns must have on the row.",
    )
    ees = {
        "column": "The DfE EES column.",
        "formula": "A rate from EES counts: column names, population, numbers, + - * / and "
        "brackets (e.g. referral_count / population * 10000).",
    }
    lait = {
        "lait": "A LAIT measure (its Short Desc).",
        "lait_formula": "A figure computed from LAIT measures (e.g. ISCP_Conf / Section_47 * 100).",
    }
    sources = [
        _closed({kind: _described(_TEXT, text), "where": where}, {kind, "where"}, required=[kind])
        for kind, text in ees.items()
    ] + [
        _closed({kind: _described(_TEXT, text)}, {kind}, required=[kind])
        for kind, text in lait.items()
    ]
    one = {"oneOf": [_TEXT, *sources]}
    return {
        "description": "Where this indicator's annual DfE figures come from: an EES column "
        'name, { column = "...", where = { col = "value" } }, { formula = "..." }, '
        '{ lait = "..." }, { lait_formula = "..." }, or a list of them.',
        "oneOf": [_TEXT, *sources, {"type": "array", "items": one}],
    }


def _indicator() -> dict[str, Any]:
    default = _defaults(Indicator)
    properties = {
        "id": _described(_ID, "The indicator's id: snake_case, unique."),
        "name": _described(_TEXT, "The name as the report prints it."),
        "aliases": _described(
            {"type": "array", "items": _TEXT}, "Other names an extract may use for it."
        ),
        "theme": _described(
            {"oneOf": [_ID, {"type": "array", "items": _ID, "minItems": 1, "uniqueItems": True}]},
            "The theme id, or the theme ids, whose tables show it.",
        ),
        "unit": _described({"enum": list(UNITS)}, "How its figures read."),
        "measure": _described({"enum": list(MEASURES)}, "What kind of figure it is."),
        "polarity": _described({"enum": list(POLARITIES)}, "Which way is better."),
        "target": _target(),
        "amber": _amber(),
        "stretch": _described(_NUMBER, "A stretch target beyond the target."),
        "valid_range": _described(
            {"type": "array", "items": _NUMBER, "minItems": 2, "maxItems": 2},
            "[min, max] a figure may take (-inf / inf: no bound).",
        ),
        "out_of_range": _described(
            {"enum": list(SEVERITIES)}, "What a figure outside valid_range is."
        ),
        "decimals": _described({"type": "integer", "minimum": 0, "maximum": 6}, "Decimals shown."),
        "required": _described({"type": "boolean"}, "Every extract must have it."),
        "description": _described({"type": "string"}, "What it counts."),
        "no_change": _described(
            {"type": "number", "minimum": 0},
            "A change this small is no change (points for percentages, % otherwise).",
        ),
        "spc": _spc(),
        "formula": _described(
            _TEXT, "A derived indicator: a formula of other ids (+ - * / and numbers)."
        ),
        "tolerance": _described(
            {"type": "number", "minimum": 0, "maximum": 1, "exclusiveMaximum": True},
            "How far a reported derived figure may differ from the formula's (0.03 for 3%).",
        ),
        "benchmark": _benchmark(),
    }
    for key in ("out_of_range", "decimals", "required", "no_change", "tolerance"):
        properties[key]["default"] = default[key]
    return _closed(
        properties,
        INDICATOR_KEYS,
        required=["id", "name", "theme", "unit", "measure", "polarity"],
        description="One indicator, in report order.",
        **{"x-taplo": {"initKeys": ["id", "name", "theme", "unit", "measure", "polarity"]}},
    )


def definitions_schema() -> dict[str, Any]:
    """The JSON Schema (draft 4) of an ``indicators.toml``, as a dict."""
    workspace = _closed(
        {
            "authority": _described(
                {"type": ["string", "integer"]},
                "The authority the figures are for: a code (852) or an ONS code.",
            ),
            "authority_name": _described({"type": "string"}, "The authority's name."),
            "store": _described(
                {"type": "string"},
                "Where the store is: a folder (beside this file) or an s3://, az://, abfss:// "
                "or gs:// URI.",
                default="store",
            ),
            "storage_options": _described(
                {
                    "type": "object",
                    "additionalProperties": {"type": ["string", "number", "boolean"]},
                },
                "Options for a store on object storage (endpoint, region...); credentials "
                "are better left to the environment (AWS_*, AZURE_STORAGE_*, GOOGLE_*).",
            ),
        },
        WORKSPACE_KEYS,
    )
    theme = _closed(
        {
            "id": _described(_ID, "The theme's id: snake_case, unique."),
            "name": _described(_TEXT, "The table's title in the report."),
            "outcome": _described({"type": "string"}, "The theme's desired outcome."),
        },
        THEME_KEYS,
        required=["id", "name"],
    )
    population = _closed(
        {
            "year_lag": _described(
                {"type": "integer", "minimum": 0, "maximum": 5},
                "A month in financial year Y/Y+1 uses the estimate of year Y - year_lag.",
                default=2,
            ),
            "year": _described(
                {"type": "integer", "minimum": 1990, "maximum": 2100},
                "One estimate year for every month.",
            ),
            "estimates": _described(
                {
                    "type": "object",
                    "patternProperties": {
                        r"^[0-9]{4}$": {"type": "number", "minimum": 0, "exclusiveMinimum": True}
                    },
                    "additionalProperties": False,
                },
                'Children aged 0-17 by mid-year estimate year: { "2022" = 49978 }.',
            ),
        },
        POPULATION_KEYS,
    )
    benchmarks = _closed(
        {
            "neighbours": _described(
                {"enum": ["2021", "2025"]}, "The DfE statistical neighbour model.", default="2021"
            ),
            "average": _described(
                {"enum": ["mean", "median"]}, "The neighbours' figure.", default="mean"
            ),
            "population_year_lag": _described(
                {"type": "integer", "minimum": 0, "maximum": 5},
                "Which ONS estimate a benchmark rate from counts divides by: the financial "
                "year's start minus this (0 is the DfE's own rule); default the [population] "
                "rule.",
            ),
        },
        BENCHMARKS_KEYS,
    )
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "csc-perf indicators.toml",
        **_closed(
            {
                "workspace": _described(workspace, "The authority and where the store is."),
                "benchmarks": _described(benchmarks, "DfE benchmarks."),
                "population": _described(population, "Children aged 0-17, for rates."),
                "theme": _described(
                    {"type": "array", "items": theme, "minItems": 1},
                    "The report's tables, in report order.",
                ),
                "indicator": {"type": "array", "items": _indicator(), "minItems": 1},
            },
            TOP_KEYS,
            required=["theme", "indicator"],
        ),
    }


def schema_text() -> str:
    """The schema as the JSON text of ``indicators.schema.json`` (2-space indents, a final
    newline), the same bytes every time."""
    return json.dumps(definitions_schema(), indent=2, ensure_ascii=False) + "\n"


def shipped_schema_text() -> str:
    """The ``indicators.schema.json`` shipped with the package."""
    return (resources.files("csc_perf.definitions") / SCHEMA_FILE).read_text(encoding="utf-8")
