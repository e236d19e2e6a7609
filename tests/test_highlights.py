"""Highlights and `csc-perf summary`, against the seed's own commentary."""

from __future__ import annotations

import json
from datetime import date

import pytest

from csc_perf.methods.highlights import TIERS, extreme


@pytest.fixture
def summary(cli, full_workspace):
    result = cli("summary", "--month", "2024-10", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return {h["indicator"]: h for h in json.loads(result.stdout)}


def test_early_help_referrals(summary):
    # "Early Help had a 96% increase in referrals, the highest number in the last 13 months."
    h = summary["early_help_referrals"]
    assert h["figures"]["value"] == 196
    assert round(h["figures"]["change_previous_pct"]) == 96
    assert h["figures"]["extreme"] == "highest"
    assert h["figures"]["extreme_months"] == 13
    assert "up 96% from 100" in h["sentence"]
    assert "the highest in the last 13 months" in h["sentence"]
    assert h["sentence"].startswith("Number of referrals into Early Help improved to 196")


def test_statutory_referrals(summary):
    # "a 32% increase in referrals into statutory service, with a year high of 403"
    h = summary["referrals"]
    assert h["figures"]["value"] == 403
    assert round(h["figures"]["change_previous_pct"]) == 32
    assert h["sentence"].startswith(
        "Number of referrals into statutory service in the month worsened to 403"
    )  # lower is better


def test_section_47(summary):
    # "49% more Section 47 enquiries were undertaken" (90 -> 134)
    f = summary["s47_enquiries"]["figures"]
    assert (f["previous_value"], f["value"]) == (90, 134)
    assert round(f["change_previous_pct"]) == 49


def test_ifa_and_childrens_homes_on_previous_years(summary):
    # "reduced to 115, down 18.4% from 141 in October 2023"
    f = summary["cla_ifa"]["figures"]
    assert (f["value_year_ago"], f["value"]) == (141, 115)
    assert round(f["change_year_ago_pct"], 1) == -18.4
    assert "down 18.4% from 141 in October 2023" in summary["cla_ifa"]["sentence"]
    # "31 children living in children's homes, down 20.5% from 39 in October 2023, and
    # 29.5% from October 2022"
    h = summary["cla_childrens_homes"]
    assert round(h["figures"]["change_year_ago_pct"], 1) == -20.5
    assert round(h["figures"]["change_two_years_ago_pct"], 1) == -29.5
    assert (
        "down 20.5% from 39 in October 2023 and down 29.5% from 44 in October 2022"
        in (h["sentence"])
    )


def test_target_streak_and_spc_words(summary):
    visits = summary["eh_visits_4_weeks"]
    assert visits["figures"]["target_met"] is False
    assert visits["figures"]["target_months_in_a_row"] == 13  # 71%..83%, never 95%
    assert "missed the target of 95% for the 13th month in a row" in visits["sentence"]
    assert "within normal variation" in summary["early_help_referrals"]["sentence"]
    assert "special cause improvement" in summary["children_in_care"]["sentence"]


def test_polarity_none_uses_neutral_verbs(summary):
    assert " increased to 33 " in summary["step_down_referrals"]["sentence"]


def test_nothing_about_missing_values(summary):
    assert "initial_health_assessments" not in summary  # not shared for October


def test_ranking_puts_special_causes_first(cli, full_workspace):
    rows = json.loads(cli("summary", "--format", "json").stdout)
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0]["figures"]["spc_variation"] != "common_cause"
    tiers = [TIERS.index(r["tier"]) for r in rows]
    assert tiers == sorted(tiers)
    top = json.loads(cli("summary", "--format", "json", "--top", "3").stdout)
    assert [r["indicator"] for r in top] == [r["indicator"] for r in rows[:3]]


def test_suppressed_values_are_not_described(cli, full_workspace, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "Indicator,Value\nNumber of CLA placed in IFA placements as at the end of the month,c\n",
        encoding="utf-8",
    )
    assert cli("import", path, "--month", "2024-10").exit_code == 0
    rows = json.loads(cli("summary", "--format", "json").stdout)
    assert "cla_ifa" not in {r["indicator"] for r in rows}


def test_summary_table_and_report_bullets(cli, full_workspace):
    csv = cli("summary", "--format", "csv", "--theme", "permanence").stdout
    assert csv.splitlines()[0].startswith(
        "rank,theme,indicator,name,month,sentence,tier,strength,change_size"
    )
    md = cli("report", "--format", "md").stdout
    section = md.split("## Promote permanence and placement stability")[1].split("## ")[0]
    bullets = [line for line in section.splitlines() if line.startswith("- ")]
    assert 1 <= len(bullets) <= 3


def test_extreme_rules():
    months = [date(2024, m, 1) for m in range(9, 0, -1)]  # Sep back to Jan
    assert extreme(list(zip(months, [5, 4, 3, 2, 1, 1, 2, 3, 4], strict=True)), 6) == {
        "extreme": "highest",
        "extreme_months": 10,
        "extreme_joint": False,
        "extreme_since": None,
    }
    joint = extreme(list(zip(months, [5, 6, 3, 2, 1, 1, 2, 3, 4], strict=True)), 6)
    assert joint["extreme_joint"] is True and joint["extreme"] == "highest"
    since = extreme(list(zip(months, [5, 4, 3, 2, 1, 9, 2, 3, 4], strict=True)), 6)
    assert since["extreme_since"] == "2024-04" and since["extreme_months"] == 6
    assert extreme(list(zip(months, [5, 9, 3, 2, 1, 1, 2, 3, 4], strict=True)), 6) is None


def test_spc_options_per_run(cli, full_workspace):
    import io

    import polars as pl

    def mean(*options):
        result = cli("rag", "--indicator", "children_in_care", "-f", "csv", *options)
        return pl.read_csv(io.StringIO(result.stdout)).get_column("spc_mean")[0]

    # Stored series: Oct-22 (552), then Oct-23..Oct-24 (sum 6338, Oct-24 468).
    # Baseline of the first 13 points: (552 + 6338 - 468) / 13 = 494.0.
    assert mean("--spc-baseline", "13") == pytest.approx(494.0)
    assert mean() == pytest.approx((552 + 6338) / 14)
    assert cli("rag", "--spc-baseline", "1").exit_code == 2
    # Issue 14: a 12-point baseline under the default min_points 13 draws limits (the
    # 14-point series is long enough): 552 and Oct-23..Aug-24 (sum 5397), / 12 = 495.75.
    assert mean("--spc-baseline", "12") == pytest.approx(495.75)
    short = cli("rag", "--spc-baseline", "11")
    assert short.exit_code == 2 and "at least 12" in short.stderr
