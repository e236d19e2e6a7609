"""Derived indicators: the formula language, population, and the seed's rate rows
recomputed from counts alone."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from conftest import FIXTURES, MONTHLY
from csc_perf.definitions.formulas import FormulaError, check_formula, parse_formula
from csc_perf.definitions.loading import parse_definitions
from csc_perf.errors import DefinitionsError

OCT24 = date(2024, 10, 1)


@pytest.mark.parametrize(
    "hostile",
    [
        "__import__('os').system('touch /tmp/pwned')",
        "eval('1')",
        "contacts.__class__",
        "lambda: 1",
        "open('/etc/passwd')",
        "contacts; import os",
        "[x for x in contacts]",
        "'text'",
        "contacts ** 2",
    ],
)
def test_hostile_formulas_are_refused_not_run(hostile, tmp_path):
    try:
        problems = check_formula(parse_formula(hostile), {"contacts"})
    except FormulaError:
        return
    assert problems  # parsed only as names/calls that do not exist


def test_formula_errors_name_the_key_path_and_line():
    base = """
[[theme]]
id = "t"
name = "T"

[[indicator]]
id = "a"
name = "A"
theme = "t"
unit = "rate"
measure = "flow"
polarity = "none"
formula = "{formula}"
"""

    def problems(formula: str) -> list[str]:
        with pytest.raises(DefinitionsError) as info:
            parse_definitions(base.replace("{formula}", formula))
        return [str(p) for p in info.value.problems]

    assert problems("rolling_sum(b, 12) / population") == [
        "line 13: indicator[0] (a).formula: unknown name 'b' (an indicator id or 'population')"
    ]
    assert "rolling_sum() takes 2 argument(s), not 1" in problems("rolling_sum(a)")[0]
    assert "window must be a whole number" in problems("rolling_sum(a, x)")[0]
    assert "formulas refer to each other in a cycle: a -> a" in problems("a * 2")[0]


def test_cycles_across_indicators():
    text = """
[[theme]]
id = "t"
name = "T"
[[indicator]]
id = "a"
name = "A"
theme = "t"
unit = "count"
measure = "flow"
polarity = "none"
formula = "b + 1"
[[indicator]]
id = "b"
name = "B"
theme = "t"
unit = "count"
measure = "flow"
polarity = "none"
formula = "a - 1"
"""
    with pytest.raises(DefinitionsError, match="cycle: a -> b -> a"):
        parse_definitions(text)


def counts_only(observations: pl.DataFrame, definitions) -> pl.DataFrame:
    """The store's observations without any figure the formulas would compute."""
    derived = [i.id for i in definitions.indicators if i.formula]
    return observations.filter(~pl.col("indicator").is_in(derived))


@pytest.mark.parametrize(
    ("indicator", "seed", "within"),
    [
        # The seed's October 2024 rate rows, typed from the report. Point-in-time rates within
        # 1 of the printed figure, rolling 12-month rates within 3%.
        ("cp_plans_rate", 46, 1),
        ("children_in_care_rate", 94, 1),
        ("open_to_service_rate", 357, 1),
        ("referrals_rate", 588, 0.03 * 588),
        ("contacts_rate", 4233, 0.03 * 4233),
        ("assessments_rate", 525, 0.03 * 525),
        # Percentages from a numerator and a denominator.
        ("cla_ifa_pct", 25, 1),
        ("cla_childrens_homes_pct", 7, 1),
        ("scc_foster_carers_pct", 42, 1),
    ],
)
def test_seed_rates_from_counts_and_population(
    full_store_template, definitions, indicator, seed, within
):
    from csc_perf.methods.derived import derive, population_frame
    from csc_perf.store.core import Store

    observations = counts_only(Store(full_store_template).observations(), definitions)
    derived = derive(observations, definitions, population_frame(definitions))
    value = derived.filter((pl.col("indicator") == indicator) & (pl.col("month") == OCT24))
    assert value.height == 1
    assert abs(value.get_column("value")[0] - seed) <= within


def test_referrals_rate_by_hand(full_store_template, definitions):
    from csc_perf.methods.derived import derive, population_frame
    from csc_perf.store.core import Store

    observations = counts_only(Store(full_store_template).observations(), definitions)
    derived = derive(observations, definitions, population_frame(definitions))
    rate = derived.filter(pl.col("indicator") == "referrals_rate").sort("month")
    # Needs 12 months of counts: Oct-23..Sep-24 is the first full window.
    assert rate.get_column("month").to_list() == [date(2024, 9, 1), OCT24]
    # Nov-23..Oct-24 referrals sum to 2,939 (PRODUCT.md); mid-2022 population 49,978.
    assert rate.get_column("value")[1] == pytest.approx(2939 / 49978 * 10000)
    # Oct-23..Sep-24: 2,939 - 403 (Oct-24) + 276 (Oct-23) = 2,812: 562.6, the seed's 562.
    assert rate.get_column("value")[0] == pytest.approx(2812 / 49978 * 10000)


def test_results_fill_gaps_with_derived_values(full_store_template, definitions):
    from csc_perf.methods.results import compute_results
    from csc_perf.store.core import Store

    observations = Store(full_store_template).observations()
    without = observations.filter(
        ~((pl.col("indicator") == "cp_plans_rate") & (pl.col("month") == OCT24))
    )
    results = compute_results(without, definitions, months=[OCT24], authority="852")
    row = results.filter(pl.col("indicator") == "cp_plans_rate").row(0, named=True)
    assert row["derived"] is True
    assert row["value"] == pytest.approx(227 / 49978 * 10000)
    kept = compute_results(observations, definitions, months=[OCT24], authority="852")
    row = kept.filter(pl.col("indicator") == "cp_plans_rate").row(0, named=True)
    assert (row["derived"], row["value"]) == (False, 46.0)  # the extract's own figure wins


def test_s47_rate_mismatch_is_warned_on_import(cli, workspace):
    for path in MONTHLY[:-1]:
        assert cli("import", path).exit_code == 0
    result = cli("import", MONTHLY[-1])
    assert result.exit_code == 0
    assert (
        "warning derived-mismatch: " in result.stderr
        and "'Rate of Section 47 enquiries completed' for 2024-10 is 234 in the extract but "
        "212.7 from its formula"
        in result.stderr
    )
    # 1,063 Section 47 enquiries Nov-23..Oct-24 over 49,978 children: 212.7 per 10,000.


def test_population_import_and_rule(cli, workspace):
    from csc_perf.store.core import Store

    path = FIXTURES / "dfe" / "ons_mid-year_population_estimates_2012_to_2024_2020_to_2023.csv"
    result = cli("population", "import", path)
    assert result.exit_code == 0, result.stderr
    table = Store(workspace / "store").reference("population")
    southampton = dict(
        table.filter(pl.col("authority") == "852").select("year", "population").iter_rows()
    )
    assert southampton[2022] == 49978
    assert table.filter(pl.col("authority") == "E92000001").height == 4  # England


def test_year_lag_rule():
    from csc_perf.methods.derived import derive

    text = """
[workspace]
authority = "852"  # issue 11: a real LA code ("1" is refused now)
[population]
year_lag = 2
estimates = { "2022" = 1000, "2023" = 2000 }
[[theme]]
id = "t"
name = "T"
[[indicator]]
id = "n"
name = "N"
theme = "t"
unit = "count"
measure = "snapshot"
polarity = "none"
[[indicator]]
id = "r"
name = "R"
theme = "t"
unit = "rate"
measure = "snapshot"
polarity = "none"
formula = "n / population * 10000"
"""
    definitions = parse_definitions(text)
    obs = pl.DataFrame(
        {
            "authority": ["852", "852"],
            "indicator": ["n", "n"],
            "month": [date(2025, 3, 1), date(2025, 4, 1)],
            "value": [10.0, 10.0],
            "status": ["present", "present"],
        }
    )
    from csc_perf.methods.derived import population_frame

    rates = derive(obs, definitions, population_frame(definitions)).sort("month")
    # March 2025 is in 2024/25: mid-2022 (1,000); April 2025 is in 2025/26: mid-2023 (2,000).
    assert rates.get_column("value").to_list() == [100.0, 50.0]


def test_population_export_order_is_the_same_every_time(cli, workspace, tmp_path):
    """Two imports of the same file store the rows in the same order, so `export --table
    population` is the same file every time (a diff between two runs shows nothing)."""
    path = FIXTURES / "dfe" / "ons_mid-year_population_estimates_2012_to_2024_2020_to_2023.csv"
    exports = []
    for run in range(3):
        store = tmp_path / f"store-{run}"
        assert cli("--store", store, "population", "import", path).exit_code == 0
        result = cli("--store", store, "export", "--table", "population", "--format", "csv")
        assert result.exit_code == 0, result.stderr
        exports.append(result.stdout)
    assert exports[0] == exports[1] == exports[2]
    assert exports[0].count("\n") > 100  # every authority, region and England, four years
