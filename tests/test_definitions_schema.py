"""Issue 18 item 8: the JSON Schema of indicators.toml, for Taplo-based editors.

Generated from the definitions model and its checks; the committed file is what the
generator makes; it accepts the shipped indicators.toml and rejects each broken fixture of
the definitions tests that is about structure (unknown keys, wrong types, bad choices,
simple bounds). What needs more than one value stays with `indicators --check` and is
listed below as such.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import jsonschema
import pytest
import tomllib

from conftest import FIXTURES, ROOT
from csc_perf.definitions import parse_definitions
from csc_perf.definitions.schema import (
    SCHEMA_DIRECTIVE,
    SCHEMA_FILE,
    definitions_schema,
    schema_text,
    shipped_schema_text,
)
from csc_perf.errors import DefinitionsError
from test_definitions import MINIMAL

COMMITTED = ROOT / "src" / "csc_perf" / "definitions" / SCHEMA_FILE


def as_json(value):
    """TOML values as an editor's schema check sees them: dates and times as text."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def schema_errors(text: str) -> list[str]:
    schema = json.loads(shipped_schema_text())
    validator = jsonschema.Draft4Validator(schema)
    return [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(as_json(tomllib.loads(text)))
    ]


def test_the_committed_schema_is_the_generated_one():
    # If this fails after a change to the checks, regenerate the committed file (the CLI's
    # --schema prints the shipped file, so it cannot): python -c "from
    # csc_perf.definitions.schema import schema_text as t; import pathlib;
    # pathlib.Path('src/csc_perf/definitions/indicators.schema.json').write_text(t())"
    assert COMMITTED.read_text("utf-8") == schema_text()
    assert shipped_schema_text() == schema_text()


def test_it_is_a_draft_4_schema():
    # Draft 4: what Taplo (Even Better TOML) reads.
    schema = definitions_schema()
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    jsonschema.Draft4Validator.check_schema(schema)


def test_it_accepts_the_shipped_file_and_the_minimal_one():
    assert schema_errors((ROOT / "indicators.toml").read_text("utf-8")) == []
    assert schema_errors(MINIMAL) == []


def test_its_keys_are_the_checks_keys():
    from csc_perf.definitions.checks import TOP_KEYS
    from csc_perf.definitions.checks_indicator import INDICATOR_KEYS
    from csc_perf.definitions.checks_spc import SPC_KEYS

    schema = definitions_schema()
    assert set(schema["properties"]) == TOP_KEYS
    indicator = schema["properties"]["indicator"]["items"]
    assert set(indicator["properties"]) == INDICATOR_KEYS
    assert set(indicator["properties"]["spc"]["properties"]) == SPC_KEYS
    assert indicator["properties"]["unit"]["enum"] == ["count", "percent", "rate", "average"]
    # Defaults come from the model's dataclasses.
    assert indicator["properties"]["tolerance"]["default"] == 0.03
    assert indicator["properties"]["spc"]["properties"]["min_points"]["default"] == 13


# The bad cases of tests/test_definitions.py, as edits of its MINIMAL file. Each is refused by
# the checks; the structural ones by the schema too.
STRUCTURAL = [
    ("unknown key", ("polarity =", "polarityy =")),
    ("wrong type", ("target = 95", 'target = "95"')),
    ("negative absolute amber", ("{ absolute = 5 }", "{ absolute = -5 }")),
    ("relative amber of 1 or more", ("{ absolute = 5 }", "{ relative = 5 }")),
    ("unknown amber kind", ("{ absolute = 5 }", "{ bogus = 1 }")),
    ("two amber kinds", ("{ absolute = 5 }", "{ absolute = 1, relative = 0.1 }")),
    ("bad unit", ('unit = "percent"', 'unit = "percentage"')),
    ("baseline under 12 points", ("amber = {", "spc = { baseline_points = 11 }\namber = {")),
    ("an id that is not snake_case", ('id = "visits"', 'id = "Visits"')),
    ("a missing required key", ('measure = "percentage"\n', "")),
]
# Needs more than one value: only `indicators --check` sees these.
MEANING = [
    ("amber threshold above a higher-is-better target", ("{ absolute = 5 }", "{ threshold = 97 }")),
    ("target outside the valid range", ("target = 95", "target = 105")),
    ("a theme that is not defined", ('theme = "visiting"', 'theme = "visits"')),
    ("polarity none with a target", ('polarity = "higher"', 'polarity = "none"')),
    (
        "range low above high",
        ("target = 95", "target = { low = 90, high = 80 }\n# range"),
    ),
]


@pytest.mark.parametrize(("case", "edit"), STRUCTURAL, ids=[c for c, _ in STRUCTURAL])
def test_it_rejects_each_structural_mistake(case, edit):
    text = MINIMAL.replace(*edit)
    assert text != MINIMAL
    with pytest.raises(DefinitionsError):
        parse_definitions(text)
    assert schema_errors(text), f"the schema accepted: {case}"


@pytest.mark.parametrize(("case", "edit"), MEANING, ids=[c for c, _ in MEANING])
def test_meaning_checks_are_left_to_indicators_check(case, edit):
    text = MINIMAL.replace(*edit)
    if case == "range low above high":
        text = text.replace('polarity = "higher"', 'polarity = "range"').replace(
            "amber = { absolute = 5 }", ""
        )
    with pytest.raises(DefinitionsError):
        parse_definitions(text)
    assert schema_errors(text) == []


def test_the_duplicate_id_case_is_a_meaning_check():
    text = MINIMAL + MINIMAL.split("[[indicator]]")[1].join(["[[indicator]]", ""])
    with pytest.raises(DefinitionsError):
        parse_definitions(text)
    assert schema_errors(text) == []


@pytest.mark.parametrize(
    ("fixture", "structural"),
    [
        ("definitions-unknown-key.toml", True),  # traget = 1900
        ("definitions-formula-cycle.toml", False),  # formulas across indicators
        ("definitions-unary-minus.toml", False),  # the formula grammar
        ("definitions-zero-width-duplicate.toml", False),  # names unique across indicators
        ("definitions-nan-target.toml", False),  # JSON has no NaN: a number to a schema
    ],
)
def test_the_bad_corpus_definitions(fixture, structural):
    # definitions-syntax-error and -deep-nesting are not TOML a schema could see.
    text = (FIXTURES / "bad" / fixture).read_text("utf-8")
    with pytest.raises(DefinitionsError):
        parse_definitions(text)
    assert bool(schema_errors(text)) == structural


def test_indicators_schema_prints_it(cli, tmp_path):
    result = cli("indicators", "--schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == definitions_schema()
    saved = tmp_path / "s.json"
    assert cli("indicators", "--schema", "-o", saved).exit_code == 0
    assert saved.read_text("utf-8") == schema_text()


def test_init_names_the_schema_and_puts_it_beside(cli, tmp_path):
    folder = tmp_path / "new"
    assert cli("init", folder).exit_code == 0
    text = (folder / "indicators.toml").read_text("utf-8")
    first, blank, *_ = text.splitlines()
    assert first == SCHEMA_DIRECTIVE == "#:schema ./indicators.schema.json"
    assert blank == ""  # Tombi wants a blank line after the directive; Taplo is fine with it
    assert (folder / SCHEMA_FILE).read_text("utf-8") == schema_text()
    # The rest is the template, unchanged; the file loads and the schema takes it.
    assert text.endswith((ROOT / "indicators.toml").read_text("utf-8"))
    assert cli("indicators", "--check", folder / "indicators.toml").exit_code == 0
    assert schema_errors(text) == []
