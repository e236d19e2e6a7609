"""How highlights are ranked: the sort key on hand-built rows, and October 2024 from the
example workspace against the seed's own order of emphasis.

The seed report's commentary (Southampton, October 2024) leads with "Early Help had a 96%
increase in referrals, the highest number in the last 13 months", then "a 32% increase in
referrals into statutory service, with a year high of 403", and for Family Safeguarding
"49% more Section 47 enquiries were undertaken"; it calls other figures quiet: "a similar
number of strategy discussions", the CP rate's "small increase", children in care
"decreased to 468", the rate open to the service "decreased slightly to 357", placement
stability "remained at 14%".
"""

from __future__ import annotations

import json
import random

import pytest

from csc_perf.methods.highlights import TIERS, change_size, rank_key, significance

# -- the sort key on hand-built rows -------------------------------------------------------


def row(**figures):
    """A highlight's figures: a count up from 100 to 110 in a month, nothing else notable."""
    base = {
        "unit": "count",
        "value": 110.0,
        "previous_value": 100.0,
        "extreme_months": None,
        "extreme_joint": None,
        "rag": "grey",
        "previous_rag": "grey",
        "spc_variation": "common_cause",
        "previous_spc_variation": "common_cause",
        "spc_sigmas": 0.5,
    }
    return base | figures


def ordered(*rows):
    """The rows' indexes, most significant first (positions are the indexes)."""
    return sorted(range(len(rows)), key=lambda i: rank_key(rows[i], i))


NEW_SPECIAL = {"spc_variation": "improvement_high", "previous_spc_variation": "common_cause"}
RECORD_13 = {"extreme_months": 13, "extreme_joint": False}


def test_a_new_special_cause_beats_a_record():
    special = row(value=101.0, spc_sigmas=3.2, **NEW_SPECIAL)  # +1%, beyond the limit
    record = row(value=196.0, **RECORD_13)  # +96%, the highest in 13 months
    assert significance(special)[0] == "special_cause"
    assert significance(record)[0] == "record"
    assert ordered(record, special) == [1, 0]


def test_a_13_month_record_beats_a_4_month_one():
    longer = row(value=101.0, **RECORD_13)
    shorter = row(value=190.0, extreme_months=4, extreme_joint=False)
    assert ordered(shorter, longer) == [1, 0]


def test_a_joint_record_ranks_half_a_month_below_an_outright_one():
    joint_13 = row(value=150.0, extreme_months=13, extreme_joint=True)
    outright_13 = row(value=101.0, **RECORD_13)
    outright_12 = row(value=190.0, extreme_months=12, extreme_joint=False)
    assert significance(joint_13)[1] == 12.5
    assert ordered(outright_12, joint_13, outright_13) == [2, 1, 0]


def test_a_record_counts_only_in_the_month_that_set_it():
    # Unchanged at a joint low: the previous month already held it, so it is a plain change.
    unchanged = row(value=100.0, extreme_months=13, extreme_joint=True)
    assert significance(unchanged) == ("change", 0.0, 0.0)


def test_a_target_crossing_beats_a_plain_change():
    crossing = row(value=101.0, rag="red", previous_rag="green")  # +1%, now missing
    back = row(value=101.0, rag="blue", previous_rag="amber")  # +1%, meeting it again
    change = row(value=150.0, rag="green", previous_rag="blue")  # +50%, still meeting it
    assert [significance(r)[0] for r in (crossing, back, change)] == [
        "target_crossing",
        "target_crossing",
        "change",
    ]
    assert ordered(change, crossing) == [1, 0]
    assert ordered(change, back) == [1, 0]


def test_a_continuing_special_cause_ranks_below_a_crossing_and_above_a_change():
    # The same special cause as last month: known since then, still not normal variation.
    continuing = row(
        value=101.0,
        spc_variation="improvement_low",
        previous_spc_variation="improvement_low",
        spc_sigmas=3.5,
    )
    crossing = row(value=101.0, rag="red", previous_rag="green")
    change = row(value=190.0)
    assert significance(continuing)[0] == "special_cause_continuing"
    assert ordered(change, continuing, crossing) == [2, 1, 0]
    # A different special cause from last month's is news again.
    flipped = row(spc_variation="concern_high", previous_spc_variation="improvement_low")
    assert significance(flipped)[0] == "special_cause"


def test_a_bigger_change_beats_a_smaller_one():
    assert ordered(row(value=105.0), row(value=80.0)) == [1, 0]  # -20% beats +5%
    # Percentages move in percentage points: 67% -> 84% (17 points) beats a count's +10%.
    points = row(unit="percent", value=84.0, previous_value=67.0)
    assert change_size(points) == 17.0
    assert ordered(row(), points) == [1, 0]


def test_within_special_causes_the_point_further_from_the_mean_ranks_first():
    near = row(spc_sigmas=1.2, **NEW_SPECIAL)  # a shift completed near the mean
    far = row(spc_sigmas=3.4, **NEW_SPECIAL)  # beyond the limit
    assert ordered(near, far) == [1, 0]


def test_change_size_edges():
    assert change_size(row(previous_value=None)) == 0.0  # nothing to compare
    assert change_size(row(value=4.0, previous_value=0.0)) == 100.0  # from zero
    assert change_size(row(value=0.0, previous_value=0.0)) == 0.0
    assert change_size(row(value=9.0, previous_value=24.0)) == pytest.approx(62.5)


def test_ties_go_to_indicator_order_and_the_order_is_deterministic():
    rows = [row(), row(), row(value=120.0), row(**RECORD_13), row()]
    expected = [3, 2, 0, 1, 4]
    assert ordered(*rows) == expected
    shuffled = list(range(len(rows)))
    random.Random(14).shuffle(shuffled)
    assert sorted(shuffled, key=lambda i: rank_key(rows[i], i)) == expected


def test_every_tier_is_named_in_order():
    assert TIERS == (
        "special_cause",
        "record",
        "target_crossing",
        "special_cause_continuing",
        "change",
    )


# -- October 2024 from the example workspace -------------------------------------------------

LOUD = {  # the seed's lead figures: (previous, value, % change as the seed rounds it)
    "early_help_referrals": (100, 196, 96),
    "referrals": (305, 403, 32),
    "s47_enquiries": (90, 134, 49),
}
QUIET = (
    "strategy_discussions",
    "cp_plans_rate",
    "children_in_care",
    "open_to_service_rate",
    "cla_3_plus_placements",
)


@pytest.fixture
def october(cli, full_workspace):
    result = cli("summary", "--month", "2024-10", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_early_help_referrals_is_in_the_top_three(october):
    ranks = {h["indicator"]: h for h in october}
    eh = ranks["early_help_referrals"]
    assert eh["rank"] <= 3, [(h["rank"], h["indicator"], h["tier"]) for h in october[:5]]
    # Why it is there: within normal variation by SPC (so not the first tier), but a
    # record: the highest in the 13 months the store holds back to its first gap, set by
    # a 96% jump. Only a special cause that is new this month, or a record at least as
    # long with a bigger jump, may rank above it.
    assert eh["figures"]["spc_variation"] == "common_cause"
    assert (eh["tier"], eh["strength"]) == ("record", 13.0)
    assert round(eh["change_size"]) == 96
    for above in october[: eh["rank"] - 1]:
        assert above["tier"] == "special_cause" or (
            above["tier"] == "record"
            and above["strength"] >= 13
            and above["change_size"] > eh["change_size"]
        ), above["indicator"]


def test_the_seeds_lead_figures_rank_above_its_quiet_ones(october):
    ranks = {h["indicator"]: h for h in october}
    for indicator, (previous, value, pct) in LOUD.items():
        figures = ranks[indicator]["figures"]
        assert (figures["previous_value"], figures["value"]) == (previous, value)
        assert round(figures["change_previous_pct"]) == pct
    loudest_quiet = min(ranks[i]["rank"] for i in QUIET)
    assert max(ranks[i]["rank"] for i in LOUD) < loudest_quiet


def test_the_report_bullets_lead_with_the_seeds_figures(cli, full_workspace):
    md = cli("report", "--month", "2024-10", "--format", "md").stdout

    def bullets(heading):
        section = md.split(f"## {heading}\n")[1].split("\n## ")[0]
        return [line for line in section.splitlines() if line.startswith("- ")]

    family_help = bullets("Right support at the right time – Family Help")
    assert any(
        b.startswith("- Number of referrals into Early Help improved to 196") for b in family_help
    )
    safeguarding = bullets("Right support at the right time – Family Safeguarding")
    assert any(b.startswith("- Number of Section 47 enquiries completed") for b in safeguarding)


def test_a_suppressed_previous_month_says_and_ranks_nothing_from_it(cli, full_workspace, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("Indicator,Value\nNumber of referrals into Early Help,c\n", encoding="utf-8")
    assert cli("import", path, "--month", "2024-09").exit_code == 0
    rows = json.loads(cli("summary", "--month", "2024-10", "--format", "json").stdout)
    eh = {h["indicator"]: h for h in rows}["early_help_referrals"]
    assert eh["figures"]["previous_value"] is None
    assert eh["figures"]["previous_spc_variation"] is None
    assert (eh["tier"], eh["change_size"]) == ("change", 0.0)  # no record across it either
    assert "100" not in eh["sentence"]


def test_the_terminal_numbers_highlights_within_each_theme(cli, full_workspace, monkeypatch):
    # Issue 18 item 3: the numbers are positions in what is shown, not the global rank.
    monkeypatch.setenv("COLUMNS", "1000")  # one line per sentence
    text = cli("summary", "--month", "2024-10", "--format", "table").stdout
    numbers, theme = {}, None
    for line in text.splitlines():
        if line and not line.startswith(" "):
            theme = line
        elif line.strip()[:1].isdigit():
            numbers.setdefault(theme, []).append(int(line.split(".")[0]))
    assert len(numbers) == 8
    assert all(found == list(range(1, len(found) + 1)) for found in numbers.values())


def test_a_record_shorter_than_a_year_ranks_below_a_target_crossing():
    # "the highest in the last 6 months" is told, but newly meeting a target matters more.
    half_year = row(value=190.0, extreme_months=6, extreme_joint=False)
    crossing = row(value=101.0, rag="green", previous_rag="red")
    assert significance(half_year)[0] == "change"
    assert significance(row(value=190.0, extreme_months=12, extreme_joint=False))[0] == "record"
    assert ordered(half_year, crossing) == [1, 0]
