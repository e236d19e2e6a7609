"""The SPC summary matrix (methods/matrix.py, Workspace.matrix, `summary --matrix`): every
indicator of a month placed once by variation and assurance.

Series, means and limits here are worked by hand: 13 months alternating 50 and 52 (from 50)
have mean 662 / 13 = 50.92, every moving range 2, so limits 50.92 -/+ 2.66 x 2 = 45.60 and
56.24; the 2-sigma lines (47.38, 54.47) hold no point, there is no run of 7 on one side and
no rise or fall of 7, so the last month is common cause.
"""

from __future__ import annotations

import io
import json
from datetime import date

import polars as pl
import pytest

from csc_perf.definitions.loading import parse_definitions
from csc_perf.methods.matrix import ASSURANCES, VARIATIONS, spc_matrix
from csc_perf.methods.results import compute_results
from csc_perf.model.calendar import add_months

START = date(2023, 10, 1)
MONTH = add_months(START, 12)  # the 13th month: October 2024
ALTERNATING = [50.0, 52.0] * 6 + [50.0]


def indicator(id_: str, polarity: str, target: float | None = None) -> str:
    lines = [
        "[[indicator]]",
        f'id = "{id_}"',
        f'name = "Name of {id_}"',
        'theme = "t"',
        'unit = "count"',
        'measure = "snapshot"',
        f'polarity = "{polarity}"',
    ]
    if target is not None:
        lines += [f"target = {target}", "amber = { absolute = 1 }"]
    return "\n".join(lines) + "\n"


# What each indicator is, and where the hand calculation puts it.
CASES = {
    # higher is better, the target (40) below the lower limit (45.60): always met
    "up_pass": ("higher", 40, ALTERNATING, ("common_cause", "pass")),
    # higher is better, the target (60) above the upper limit (56.24): never met
    "up_fail": ("higher", 60, ALTERNATING, ("common_cause", "fail")),
    # the target (51) between the limits: met or missed at random
    "up_hit": ("higher", 51, ALTERNATING, ("common_cause", "hit_or_miss")),
    # lower is better: a target above the upper limit is always met, below the lower never
    "down_pass": ("lower", 60, ALTERNATING, ("common_cause", "pass")),
    "down_fail": ("lower", 40, ALTERNATING, ("common_cause", "fail")),
    # no better direction and no target: no assurance
    "plain": ("none", None, ALTERNATING, ("common_cause", "none")),
    # 12 months of 50/52, then 70: mean 682 / 13 = 52.46; moving ranges eleven 2s and 18,
    # mean 40 / 12 = 3.33, upper limit 52.46 + 8.87 = 61.33 (57.78 if the 18 is screened
    # out as an outlier): 70 is beyond it, high, and higher is better. Target 40 is below
    # the lower limit (43.6 or 47.1): pass.
    "jump": ("higher", 40, [*ALTERNATING[:12], 70.0], ("improvement_high", "pass")),
    # the same with 30 last: mean 642 / 13 = 49.38, ranges 44 / 12 = 3.67, lower limit
    # 39.63 (44.06 screened): 30 is below it, low, and higher is better: concern. Target 60
    # is above the upper limit (59.14 or 54.70): fail.
    "drop": ("higher", 60, [*ALTERNATING[:12], 30.0], ("concern_low", "fail")),
    # five months only: too few points for limits (at least 13), no assurance either
    "fresh": ("higher", 40, [None] * 8 + [50.0, 52.0, 50.0, 52.0, 50.0], ("none", "none")),
}
TEXT = '[workspace]\nauthority = "852"\n[[theme]]\nid = "t"\nname = "T"\n' + "".join(
    indicator(id_, polarity, target) for id_, (polarity, target, _, _) in CASES.items()
)


@pytest.fixture(scope="module")
def results() -> pl.DataFrame:
    definitions = parse_definitions(TEXT)
    rows = [
        ("852", id_, add_months(START, k), value, "present")
        for id_, (_, _, series, _) in CASES.items()
        for k, value in enumerate(series)
        if value is not None
    ]
    observations = pl.DataFrame(
        rows,
        schema={
            "authority": pl.String,
            "indicator": pl.String,
            "month": pl.Date,
            "value": pl.Float64,
            "status": pl.String,
        },
        orient="row",
    )
    return compute_results(observations, definitions, authority="852")


def test_each_indicator_is_placed_where_the_hand_calculation_puts_it(results):
    matrix = spc_matrix(results, MONTH)
    assert matrix.height == len(CASES)
    placed = {r["indicator"]: (r["variation"], r["assurance"]) for r in matrix.to_dicts()}
    assert placed == {id_: case[3] for id_, case in CASES.items()}
    assert set(matrix.get_column("month")) == {MONTH}
    assert matrix.get_column("name").to_list()[0].startswith("Name of ")


def test_the_limits_are_the_hand_calculated_ones(results):
    row = results.filter((pl.col("indicator") == "up_hit") & (pl.col("month") == MONTH)).row(
        0, named=True
    )
    assert row["spc_mean"] == pytest.approx(662 / 13)
    assert row["spc_lower"] == pytest.approx(662 / 13 - 2.66 * 2)
    assert row["spc_upper"] == pytest.approx(662 / 13 + 2.66 * 2)


def test_rows_follow_the_matrix_order_then_the_definitions(results):
    matrix = spc_matrix(results, MONTH)
    # concern first, then common cause, improvement, no limits; within a row fail, hit or
    # miss, pass, none; within a cell the definitions' order.
    assert matrix.get_column("indicator").to_list() == [
        "drop",
        "up_fail",
        "down_fail",
        "up_hit",
        "up_pass",
        "down_pass",
        "plain",
        "jump",
        "fresh",
    ]
    assert matrix.schema["variation"] == pl.Enum(VARIATIONS)
    assert matrix.schema["assurance"] == pl.Enum(ASSURANCES)


def hand_row(indicator: str, variation: str | None, assurance: str | None, month=MONTH) -> dict:
    return {
        "authority": "852",
        "month": month,
        "indicator": indicator,
        "name": indicator.upper(),
        "spc_variation": variation,
        "spc_assurance": assurance,
    }


def test_hand_built_results_without_spc_are_in_the_none_row_and_column():
    frame = pl.DataFrame(
        [
            hand_row("a", None, None),
            hand_row("b", "neither_high", None),
            hand_row("c", "improvement_low", "hit_or_miss"),
            hand_row("a", "concern_high", "fail", month=add_months(MONTH, -1)),
        ]
    )
    matrix = spc_matrix(frame, MONTH)
    assert matrix.select("indicator", "variation", "assurance").rows() == [
        ("c", "improvement_low", "hit_or_miss"),
        ("b", "neither_high", "none"),
        ("a", "none", "none"),
    ]
    assert spc_matrix(frame.head(0)).height == 0


def test_several_rows_of_one_indicator_or_an_unknown_word_are_refused():
    two_months = pl.DataFrame(
        [hand_row("a", None, None), hand_row("a", None, None, month=add_months(MONTH, -1))]
    )
    with pytest.raises(ValueError, match="one row per indicator"):
        spc_matrix(two_months)
    with pytest.raises(ValueError, match="spc_variation: special is not a matrix category"):
        spc_matrix(pl.DataFrame([hand_row("a", "special", None)]))


# -- through the Workspace and the command line, on the example workspace ----------------
@pytest.fixture
def example(full_workspace):
    import csc_perf

    return csc_perf.Workspace.open(full_workspace)


def test_workspace_matrix_places_every_defined_indicator_once(example, definitions):
    matrix = example.matrix(month="2024-10")
    ids = matrix.get_column("indicator").to_list()
    assert sorted(ids) == sorted(i.id for i in definitions.indicators)
    placed = {r["indicator"]: r for r in matrix.to_dicts()}
    for item in definitions.indicators:
        row = placed[item.id]
        # A rolling 12-month rate gets no chart (SPC runs on the monthly counts).
        if item.unit == "rate" and item.measure == "flow":
            assert row["variation"] == "none", item.id
        # No target, or no better direction: nothing to assure.
        if not item.targets or item.polarity in ("none", "range"):
            assert row["assurance"] == "none", item.id
        # No better direction: special cause is "neither", never improvement or concern.
        if item.polarity == "none":
            assert row["variation"] in ("common_cause", "neither_high", "neither_low", "none")
    # Not shared for October 2024 (the seed's blank): no figure, so no limits.
    assert placed["initial_health_assessments"]["variation"] == "none"
    # 13 months of CLA visits, 79% to 89% (Oct-23 to Oct-24): mean 1088 / 13 = 83.69, mean
    # moving range 37 / 12 = 3.08, upper limit 83.69 + 8.20 = 91.89, below the 95% target:
    # consistently failing; every point within the limits and the 2-sigma line (89.16),
    # the longest run above the mean 6: common cause.
    assert (placed["cla_visits"]["variation"], placed["cla_visits"]["assurance"]) == (
        "common_cause",
        "fail",
    )


def test_workspace_matrix_narrows_by_theme_and_refuses_every_authority(example, definitions):
    visiting = example.matrix(month="2024-10", themes="visiting")
    expected = {i.id for i in definitions.indicators if "visiting" in i.themes}
    assert set(visiting.get_column("indicator")) == expected
    from csc_perf.errors import UsageError

    with pytest.raises(UsageError):
        example.matrix(month="2024-10", authority="all")


def test_summary_matrix_csv_and_json_are_the_long_form(cli, full_workspace, definitions):
    result = cli("summary", "--matrix", "--month", "2024-10", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    frame = pl.read_csv(io.StringIO(result.stdout))
    assert frame.columns == ["month", "indicator", "name", "variation", "assurance"]
    assert frame.height == len(definitions.indicators)
    assert frame.get_column("indicator").n_unique() == frame.height
    assert set(frame.get_column("month")) == {"2024-10-01"}
    result = cli("summary", "--matrix", "--month", "2024-10", "--format", "json")
    rows = json.loads(result.stdout)
    assert {r["indicator"] for r in rows} == {i.id for i in definitions.indicators}
    cla = next(r for r in rows if r["indicator"] == "cla_visits")
    assert (cla["variation"], cla["assurance"]) == ("common_cause", "fail")


def test_summary_matrix_table_is_the_grid(cli, full_workspace, monkeypatch, definitions):
    monkeypatch.setenv("COLUMNS", "240")
    result = cli("summary", "--matrix", "--month", "2024-10", "--format", "table")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "SPC summary: variation by assurance, Oct-24" in text
    for header in (
        "F Consistently failing the target",
        "~ Hitting and missing the target at random",
        "P Consistently passing the target",
        "● Common cause variation",
        "▼ Special cause concern",
        "▲ Special cause improvement",
    ):
        assert header in text, header
    # Each indicator once, as a bullet in its cell.
    assert text.count("• ") == len(definitions.indicators)
    assert "• Percentage of CLA for whom a visit has taken place" in text


def test_top_and_matrix_together_are_a_usage_error(cli, full_workspace):
    result = cli("summary", "--matrix", "--top", "3")
    assert result.exit_code == 2
    assert "--matrix" in result.stderr
