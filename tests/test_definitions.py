"""indicators.toml: the shipped definitions against the seed, and every kind of problem."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from csc_perf.definitions import parse_definitions
from csc_perf.errors import DefinitionsError

# The seed report's eight tables, row counts as printed (an indicator in several tables is
# counted in each).
SEED_TABLE_ROWS = {
    "family_help": 12,
    "family_safeguarding": 11,
    "localities": 7,
    "birth_families": 9,
    "permanence": 11,
    "workforce": 9,
    "visiting": 7,
    "supervision": 7,
}


def test_every_seed_table_is_defined(definitions):
    counts = {t.id: 0 for t in definitions.themes}
    for indicator in definitions.indicators:
        for theme in indicator.themes:
            counts[theme] += 1
    assert counts == SEED_TABLE_ROWS
    # 73 table rows, 70 distinct indicators: children in care x3, its rate x2.
    assert len(definitions.indicators) == 70


def test_shared_indicator_is_defined_once_with_its_themes(definitions):
    matches = [i for i in definitions.indicators if i.name == "Number of children in our care"]
    assert len(matches) == 1
    assert matches[0].themes == ("family_safeguarding", "birth_families", "permanence")


@pytest.mark.parametrize(
    ("name", "target", "polarity", "unit"),
    [
        # Target column of the seed report, typed from it.
        ("Rate of referrals per 10,000 population under 18 years old", 581, "lower", "rate"),
        ("Percentage of assessments completed within 45 days", 81, "higher", "percent"),
        ("Rate of children in our care per 10,000", 87, "lower", "rate"),
        ("Percentage of re-referrals within 12 months", 20, "lower", "percent"),
        ("Number of CLA achieved CAO or SGO", 3.5, "higher", "count"),
        (
            "Percentage of children open to Early Help with a visit in the last 4 weeks",
            95,
            "higher",
            "percent",
        ),
        (
            "Percentage of children with an active Child in Need Plan (not CWD) visited within "
            "last 3 weeks",
            90,
            "higher",
            "percent",
        ),
        (
            "Number of children placed with SCC foster carers (including connected carers)",
            285,
            "higher",
            "count",
        ),
    ],
)
def test_seed_targets(definitions, name, target, polarity, unit):
    indicator = definitions.match(name)
    assert indicator is not None
    assert [t.value for t in indicator.targets] == [target]
    assert indicator.polarity == polarity
    assert indicator.unit == unit


def test_names_match_ignoring_case_and_spaces(definitions):
    one = definitions.match("number  of CONTACTS in the month ")
    assert one is not None and one.id == "contacts"
    # The report's typo is kept as the name; the corrected spelling works as an alias.
    typo = definitions.match(
        "Percentage of children open to the Children with Disabiltiies team who had their "
        "supervision within timescales"
    )
    assert typo is not None
    assert any("Disabilities" in a for a in typo.aliases)


def test_workforce_averages_have_two_decimals(definitions):
    assert definitions["sw_average_caseload"].decimals == 2


MINIMAL = """
[workspace]
authority = "852"

[[theme]]
id = "visiting"
name = "Performance - Visiting"

[[indicator]]
id = "visits"
name = "Percentage of CLA visited"
theme = "visiting"
unit = "percent"
measure = "percentage"
polarity = "higher"
target = 95
amber = { absolute = 5 }
"""


def problems(text: str) -> list[str]:
    with pytest.raises(DefinitionsError) as info:
        parse_definitions(text, source="test.toml")
    return [str(p) for p in info.value.problems]


def test_minimal_file_loads():
    definitions = parse_definitions(MINIMAL)
    assert definitions.workspace.authority == "852"
    assert definitions["visits"].valid_max == 100  # percentages default to [0, 100]
    assert definitions["visits"].amber.kind == "absolute"


def test_unknown_key_names_path_line_and_suggestion():
    text = MINIMAL.replace("polarity =", "polarityy =")
    found = problems(text)
    assert (
        "line 15: indicator[0] (visits).polarityy: unknown key 'polarityy'; did you mean "
        "'polarity'?" in found
    )


def test_wrong_type():
    found = problems(MINIMAL.replace("target = 95", 'target = "95"'))
    assert any("indicator[0] (visits).target: must be a number" in p for p in found)
    assert any(p.startswith("line 16:") for p in found)


def test_duplicate_id_and_alias():
    text = MINIMAL + MINIMAL.split("[[indicator]]")[1].join(["[[indicator]]", ""]).replace(
        'name = "Percentage of CLA visited"',
        'name = "Other"\naliases = ["percentage of cla  visited"]',
    )
    found = problems(text)
    assert any(
        "indicator[1].id: 'visits' is already used by indicator[0] (visits)" in p for p in found
    )
    assert any(
        "indicator[1].aliases[0]: 'percentage of cla  visited' is already used" in p for p in found
    )


@pytest.mark.parametrize(
    ("amber", "expected"),
    [
        ("{ absolute = -5 }", "is negative: the amber band is empty"),
        ("{ relative = 5 }", "is a fraction of the target"),
        ("{ threshold = 97 }", "97 is above the target 95; with higher is better"),
        ("{ bogus = 1 }", "unknown key 'bogus'"),
        ("{ absolute = 1, relative = 0.1 }", "must be one of"),
    ],
)
def test_impossible_amber_bands(amber, expected):
    found = problems(MINIMAL.replace("{ absolute = 5 }", amber))
    assert any(expected in p and "indicator[0] (visits).amber" in p for p in found), found


def test_target_outside_valid_range():
    found = problems(MINIMAL.replace("target = 95", "target = 105"))
    assert any(
        "indicator[0] (visits).target: 105 is outside the valid range [0, 100]" in p for p in found
    )


def test_unknown_theme_and_bad_choices():
    text = MINIMAL.replace('theme = "visiting"', 'theme = "visits"').replace(
        'unit = "percent"', 'unit = "percentage"'
    )
    found = problems(text)
    assert any("unknown theme 'visits'; did you mean 'visiting'?" in p for p in found)
    assert any("unit: 'percentage' is not one of count, percent, rate, average" in p for p in found)


def test_syntax_error_has_a_line():
    found = problems(MINIMAL.replace("target = 95", "target = = 95"))
    assert len(found) == 1
    assert found[0].startswith("line 16: (syntax): invalid TOML")


def test_target_steps_and_range_polarity():
    text = MINIMAL.replace(
        "target = 95",
        'target = [{ value = 90 }, { from = "2025-04", value = 95 }]',
    )
    from datetime import date

    visits = parse_definitions(text)["visits"]
    assert visits.target_for(date(2025, 3, 1)).value == 90
    assert visits.target_for(date(2025, 4, 1)).value == 95
    ranged = MINIMAL.replace('polarity = "higher"', 'polarity = "range"').replace(
        "target = 95", "target = { low = 90, high = 80 }"
    )
    assert any("low 90 is above high 80" in p for p in problems(ranged))


def test_polarity_none_cannot_have_a_target():
    found = problems(MINIMAL.replace('polarity = "higher"', 'polarity = "none"'))
    assert any("polarity 'none' (monitored only) cannot have a target" in p for p in found)


def test_indicators_check_cli(cli, tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(MINIMAL, encoding="utf-8")
    result = cli("indicators", "--check", good)
    assert result.exit_code == 0
    assert "valid: 1 indicators in 1 themes" in result.stderr

    bad = tmp_path / "bad.toml"
    bad.write_text(MINIMAL.replace("target = 95", "target = 105"), encoding="utf-8")
    result = cli("indicators", "--check", bad)
    assert result.exit_code == 1
    assert "bad.toml: 1 problem(s)" in result.stderr
    assert "line 16: indicator[0] (visits).target: 105 is outside" in result.stderr

    result = cli("indicators", "--check", bad, "--format", "json")
    assert json.loads(result.stdout) == [
        {
            "path": "indicator[0] (visits).target",
            "message": "105 is outside the valid range [0, 100]",
            "line": 16,
        }
    ]


def test_shipped_file_passes_check(cli):
    result = cli("indicators", "--check", ROOT / "indicators.toml")
    assert result.exit_code == 0, result.stderr


def test_broken_workspace_definitions_exit_2(cli, workspace):
    (workspace / "indicators.toml").write_text(MINIMAL.replace("unit =", "units ="), "utf-8")
    result = cli("export")
    assert result.exit_code == 2
    assert "indicators.toml: 2 problem(s)" in result.stderr
    assert "Traceback" not in result.output


def test_indicators_lists_in_csv_and_json(cli, workspace):
    result = cli("indicators", "--format", "csv")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("id,name,theme,unit,measure,polarity,target,amber")
    assert len(lines) == 71
    result = cli("indicators", "--format", "json", "--theme", "visiting")
    rows = json.loads(result.stdout)
    assert len(rows) == SEED_TABLE_ROWS["visiting"]
    assert {r["target"] for r in rows} == {"95", "90"}


@pytest.mark.parametrize(("points", "refused"), [(5, True), (11, True), (12, False), (24, False)])
def test_a_fixed_baseline_needs_12_points(points, refused):
    # Issue 14: limits need at least 12 points to estimate (Making Data Count); a baseline
    # shorter than min_points (13 by default) is fine, the minimum is the series'.
    text = MINIMAL.replace("amber = {", f"spc = {{ baseline_points = {points} }}\namber = {{")
    if refused:
        found = problems(text)
        assert any(
            "indicator[0] (visits).spc.baseline_points: must be a whole number of at least 12"
            in p
            for p in found
        ), found
    else:
        assert parse_definitions(text)["visits"].spc.baseline_points == points
