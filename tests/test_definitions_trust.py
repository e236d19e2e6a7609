"""Issue 11, items 9 and 10: indicators.toml cannot hold a number that is not finite, cannot
crash the loader by nesting, and names that look the same are the same name.

A `target = nan` compared false with everything and rated every value GREEN; a 600-deep list
and a formula of 990 minus signs raised RecursionError (exit 70). All are now definitions
problems with their key path and line: exit 2 when the workspace is used, exit 1 from
`indicators --check`.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import store_state
from csc_perf.definitions import normalise_name, parse_definitions
from csc_perf.definitions.formulas import FormulaError, parse_formula
from csc_perf.errors import DefinitionsError

HEAD = """
[workspace]
authority = "852"

[[theme]]
id = "t"
name = "T"
"""


def indicator(**keys) -> str:
    body = {
        "id": '"contacts"',
        "name": '"Number of contacts in the month"',
        "theme": '"t"',
        "unit": '"count"',
        "measure": '"flow"',
        "polarity": '"lower"',
    }
    body.update(keys)
    return "\n[[indicator]]\n" + "\n".join(f"{k} = {v}" for k, v in body.items()) + "\n"


def problems(text: str) -> list[str]:
    with pytest.raises(DefinitionsError) as caught:
        parse_definitions(text, "indicators.toml")
    return [str(p) for p in caught.value.problems]


# -- item 10: numbers that are not finite ------------------------------------------------
@pytest.mark.parametrize(
    ("keys", "where"),
    [
        ({"target": "nan"}, "line 16: indicator[0].target: nan is not a number"),
        ({"target": "inf"}, "line 16: indicator[0].target: inf is not a number"),
        ({"target": "-inf"}, "line 16: indicator[0].target: -inf is not a number"),
        (
            {"target": '[{ value = 5 }, { from = "2025-04", value = nan }]'},
            "line 16: indicator[0].target[1].value: nan is not a number",
        ),
        ({"target": "5", "amber": "{ relative = nan }"}, "line 17: indicator[0].amber.relative"),
        ({"target": "5", "stretch": "-inf"}, "line 17: indicator[0].stretch: -inf"),
        ({"no_change": "nan"}, "line 16: indicator[0].no_change: nan"),
        ({"tolerance": "nan"}, "line 16: indicator[0].tolerance: nan"),
        ({"valid_range": "[0, nan]"}, "line 16: indicator[0].valid_range[1]: nan"),
        ({"valid_range": "[inf, 0]"}, "line 16: indicator[0].valid_range[0]: inf"),
        ({"valid_range": "[0, -inf]"}, "line 16: indicator[0].valid_range[1]: -inf"),
    ],
)
def test_numbers_that_are_not_finite_are_refused(keys, where):
    found = problems(HEAD + indicator(**keys))
    assert len(found) == 1, found
    assert found[0].startswith(where), found
    assert "is not a number csc-perf can use: give a finite number" in found[0]


def test_population_estimate_that_is_not_finite():
    found = problems(HEAD + indicator() + '\n[population]\nestimates = { "2022" = nan }\n')
    assert found == [
        "line 18: population.estimates.2022: nan is not a number csc-perf can use: give a "
        "finite number"
    ]


def test_inf_is_no_bound_in_valid_range():
    definitions = parse_definitions(
        HEAD + indicator(valid_range="[-inf, inf]", unit='"average"', measure='"ratio"')
    )
    only = definitions.indicators[0]
    assert (only.valid_min, only.valid_max) == (None, None)


def test_nan_target_no_longer_rates_green(cli, full_workspace):
    """Before: `target = nan` passed --check and every month of the indicator was GREEN."""
    toml = full_workspace / "indicators.toml"
    text = toml.read_text(encoding="utf-8")
    assert "target = 581" in text
    toml.write_text(text.replace("target = 581", "target = nan", 1), encoding="utf-8")
    before = store_state(full_workspace / "store")
    check = cli("indicators", "--check", toml)
    assert check.exit_code == 1
    assert "target: nan is not a number csc-perf can use" in check.output
    rag = cli("rag", "--month", "2024-10")
    assert rag.exit_code == 2
    assert "target: nan is not a number csc-perf can use" in rag.stderr
    assert "Traceback" not in rag.output
    assert store_state(full_workspace / "store") == before


# -- item 10: nesting -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    ["[" * 600 + "]" * 600, "{ a = " * 600 + "1" + " }" * 600, "[" * 100000 + "]" * 100000],
)
def test_deeply_nested_values_are_refused(value):
    found = problems(HEAD + indicator(aliases=value))
    assert found == [
        "(syntax): values are nested too deeply (indicators.toml needs at most 8 levels)"
    ]


def test_nesting_that_parses_but_is_too_deep():
    found = problems(HEAD + indicator(aliases="[[[[[[[[[]]]]]]]]]"))
    assert found == [
        "line 16: indicator[0].aliases[0][0][0][0][0][0]: is nested more than 8 levels "
        "deep; indicators.toml never needs that: check the brackets"
    ]


def test_the_deepest_real_value_is_allowed():
    text = HEAD + indicator(
        benchmark='{ column = "rate_per_10000", where = { population_type = "x" } }'
    )
    assert parse_definitions(text).indicators[0].benchmark[0].where == (("population_type", "x"),)


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("-" * 990 + "contacts", "the formula is nested too deeply (more than 50 signs"),
        ("(" * 60 + "contacts" + ")" * 60, "the formula is nested too deeply"),
        ("+".join(["1"] * 300), "more than 200 operations one inside another"),
        ("9" * 400 + " * contacts", "is too large"),
    ],
)
def test_formulas_that_would_crash_are_refused(formula, message):
    with pytest.raises(FormulaError, match=message.replace("(", r"\(")):
        parse_formula(formula)
    derived = indicator(id='"derived"', name='"Derived"', polarity='"none"')
    found = problems(HEAD + indicator() + derived.rstrip() + f'\nformula = "{formula}"\n')
    assert len(found) == 1 and message in found[0], found
    assert found[0].startswith("line 24: indicator[1] (derived).formula: ")
    assert len(found[0]) < 400  # the formula is clipped, not printed whole


def test_reasonable_formulas_still_parse():
    parse_formula("-" * 50 + "contacts")
    parse_formula("(" * 49 + "contacts" + ")" * 49)
    parse_formula("rolling_sum(referrals, 12) / population * 10000")


def test_unary_minus_formula_through_the_cli(cli, workspace):
    toml = workspace / "bad.toml"
    derived = indicator(id='"derived"', name='"Derived"', polarity='"none"')
    toml.write_text(
        HEAD + indicator() + derived + 'formula = "' + "-" * 990 + 'contacts"\n',
        encoding="utf-8",
    )
    result = cli("--config", toml, "export")
    assert result.exit_code == 2
    assert "indicator[1] (derived).formula: " in result.stderr
    assert "the formula is nested too deeply" in result.stderr
    assert "internal error" not in result.output
    assert not (workspace / "store").exists()


# -- item 9: names that look the same ---------------------------------------------------
@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("Number of contacts\u200b in the month", "number of contacts in the month"),  # ZWSP
        ("Number of\u00a0contacts in the month", "number of contacts in the month"),  # NBSP
        ("\ufeffNumber of contacts in the month", "number of contacts in the month"),  # BOM
        ("Number of con\u00adtacts in the month", "number of contacts in the month"),  # SHY
        ("Number of contacts in the mon\u200dth", "number of contacts in the month"),  # ZWJ
        ("Ｎｕｍｂｅｒ of contacts", "number of contacts"),  # full-width (NFKC)
        ("Number of re\ufb01nements", "number of refinements"),  # the "fi" ligature
        ("Number of referr\u0430ls", "number of referrals"),  # Cyrillic a
        ("\u0421ontacts \u0410nd \u0440lans", "contacts and plans"),  # Cyrillic Es, A, er
        ("Early Help \u2013 referrals", "early help - referrals"),  # en dash
        ("Children\u2019s visits", "children's visits"),
    ],
)
def test_normalise_name(text, same_as):
    assert normalise_name(text) == same_as


@pytest.mark.parametrize(
    "second",
    [
        '"Number of contacts\\u200b in the month"',
        '"Number of c\u043entacts in the month"',  # Cyrillic o
        '"Ｎumber of contacts in the month"',
    ],
)
def test_look_alike_names_are_duplicates(second):
    text = HEAD + indicator() + indicator(id='"contacts_again"', name=second)
    found = problems(text)
    assert len(found) == 1
    assert found[0].startswith("line 19: indicator[1].name: ")
    assert "is already used by indicator[0] (contacts)" in found[0]


def test_look_alike_alias_is_a_duplicate():
    text = (
        HEAD + indicator() + indicator(id='"other"', name='"Other"', aliases='["CONTACTS\u200b"]')
    )
    found = problems(text)
    assert len(found) == 1 and "indicator[1].aliases[0]: " in found[0]
    assert "is already used by indicator[0] (contacts)" in found[0]


def test_extract_names_match_through_look_alikes(cli, workspace):
    extract = workspace / "names.csv"
    extract.write_text(
        "Indicator,Month,Value\n"
        "Number of contacts\u200b in the month,2024-09,1900\n"
        "Number of referrals into statutory service in the m\u043enth,2024-09,400\n"
        "Number of children in our care\u00a0,2024-09,470\n",
        encoding="utf-8",
    )
    result = cli("import", extract)
    assert result.exit_code == 0, result.stderr
    exported = pl.read_csv(cli("export", "--format", "csv").stdout.encode())
    assert sorted(exported.select("indicator", "value").rows()) == [
        ("children_in_care", 470.0),
        ("contacts", 1900.0),
        ("referrals", 400.0),
    ]


@given(
    st.sampled_from(
        [
            "Number of contacts in the month",
            "Children's visits within 10 working days",
            "Rate of referrals per 10,000 population under 18 years old",
        ]
    ),
    st.lists(
        st.tuples(st.integers(0, 80), st.sampled_from(["\u200b", "\u200c", "\u200d", "\ufeff"])),
        max_size=5,
    ),
)
def test_invisible_characters_never_make_a_new_name(name, insertions):
    """Property: zero-width characters anywhere in a name leave its key unchanged."""
    text = name
    for position, mark in insertions:
        position = min(position, len(text))
        text = text[:position] + mark + text[position:]
    assert normalise_name(text) == normalise_name(name)
