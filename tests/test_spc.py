"""SPC (XmR): the PRODUCT.md test vector, a constructed series per rule and boundary, each
icon, the options, and real series from the seed checked by hand."""

from __future__ import annotations

from datetime import date

import pytest

from csc_perf.model.calendar import add_months
from spc_oracle import SpcOptions, assurance, xmr

START = date(2023, 1, 1)


def months(n: int) -> list[date]:
    return [add_months(START, k) for k in range(n)]


def run(values, polarity="higher", **options):
    return xmr(months(len(values)), values, polarity=polarity, options=SpcOptions(**options))


VECTOR = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]


def test_product_test_vector_unscreened():
    point = run(VECTOR).points[-1]
    assert point.mean == pytest.approx(1.944, abs=1e-3)
    assert point.upper == pytest.approx(6.95, abs=0.005)
    assert point.lower == pytest.approx(-3.06, abs=0.005)


def test_product_test_vector_screened():
    point = run(VECTOR, screen=True).points[-1]
    assert point.mean == pytest.approx(1.944, abs=1e-3)  # the mean is not screened
    assert point.upper == pytest.approx(4.60, abs=0.005)
    assert point.lower == pytest.approx(-0.72, abs=0.005)


def test_point_beyond_the_limit():
    result = run(VECTOR)
    assert result.points[4].rules == ["beyond_limit"]
    assert result.points[4].variation == "improvement_high"
    assert run(VECTOR, polarity="lower").points[4].variation == "concern_high"
    assert run(VECTOR, polarity="none").points[4].variation == "neither_high"
    assert result.points[3].variation == "common_cause"


def test_a_point_exactly_on_the_limit_is_not_beyond():
    # 13 points alternating 0/6 (mean 3, MR 6, upper 18.96) and then 18.96 exactly: the
    # limits are computed with it included, so build a series whose limit is known first.
    base = [0, 6] * 6 + [0]  # mean 36/13, MR 6
    mean = sum(base) / 13
    upper = mean + 2.66 * 6
    result = run([*base, upper], baseline_points=13)
    assert result.points[-1].value == pytest.approx(result.points[-1].upper)
    assert "beyond_limit" not in result.points[-1].rules
    result = run([*base, upper + 0.01], baseline_points=13)
    assert "beyond_limit" in result.points[-1].rules


def test_shift_of_seven_and_not_six():
    base = [15, 5] * 7  # mean 10 (fixed on these 14), ending below it
    assert run([*base, *[11] * 7], baseline_points=14).points[-1].rules == ["shift"]
    assert run([*base, *[11] * 6], baseline_points=14).points[-1].rules == []
    assert run([*base, *[11] * 6], baseline_points=14, shift_run=6).points[-1].rules == ["shift"]


def test_a_point_on_the_mean_breaks_a_shift():
    base = [5, 15] * 7  # mean 10 over the baseline
    series = [*base, 11, 11, 11, 10, 11, 11, 11]
    result = run(series, baseline_points=14)
    assert result.points[-1].mean == 10
    assert "shift" not in result.points[-1].rules


def test_trend_of_seven_and_equal_neighbours():
    base = [10, 12] * 7
    rising = [*base, 1, 2, 3, 4, 5, 6, 7]
    result = run(rising, baseline_points=14)
    assert "trend" in result.points[-1].rules
    assert all("trend" in p.rules for p in result.points[-7:])
    flat = [*base, 1, 2, 3, 3, 4, 5, 6]  # an equal neighbour breaks the run
    assert "trend" not in run(flat, baseline_points=14).points[-1].rules
    falling = [*base, 14, 13, 12, 11.5, 10.5, 10, 9]  # across the mean 11: no shift
    assert run(falling, baseline_points=14, polarity="higher").points[-1].side == "low"


def test_two_of_three_beyond_two_sigma():
    base = [0, 6] * 7  # mean 3, MR 6: sigma 5.32, 2-sigma line 13.64, limit 18.96
    # all three points above the mean (issue 14: MDC SQL >= 2.1 and NHSRplotthedots)
    result = run([*base, 14, 4, 14], baseline_points=14)
    assert result.points[-1].rules == ["two_of_three"]
    assert result.points[-3].rules == ["two_of_three"]
    assert result.points[-2].rules == []
    one = run([*base, 14, 0, 0], baseline_points=14)
    assert all(p.rules == [] for p in one.points[-3:])


def test_fewer_than_13_points_gives_no_limits_and_says_so():
    result = run([1, 2, 3] * 4)
    assert all(p.mean is None for p in result.points)
    assert "12 point(s): SPC needs at least 13" in result.note


def test_missing_values_are_skipped_and_excluded_points_ghosted():
    values = [*VECTOR[:4], None, *VECTOR[5:]]  # the outlier is missing
    result = run(values)
    assert result.points[4].mean is None
    assert result.points[-1].upper < 6.95
    ghosted = xmr(months(len(VECTOR)), VECTOR, options=SpcOptions(exclude=(months(18)[4],)))
    assert ghosted.points[4].excluded and ghosted.points[4].mean is None
    assert ghosted.points[-1].upper == pytest.approx(result.points[-1].upper)


def test_recalculation_and_fixed_baseline():
    first = [10, 12] * 7
    second = [30, 32] * 7
    series = [*first, *second]
    recalculated = run(series, recalculate_from=(months(28)[14],))
    assert recalculated.points[0].mean == 11
    assert recalculated.points[-1].mean == 31
    fixed = run(series, baseline_points=14)
    assert fixed.points[-1].mean == 11
    assert "beyond_limit" in fixed.points[-1].rules


def test_conflict_is_resolved_by_the_option():
    # Below the mean for 7 points (low) while rising for 7 (high).
    base = [10, 30] * 7  # mean 20
    series = [*base, 11, 12, 13, 14, 15, 16, 17]
    default = run(series, baseline_points=14).points[-1]
    assert set(default.rules) >= {"shift", "trend"}
    assert default.variation == "improvement_high"
    concern = run(series, baseline_points=14, conflict="concern").points[-1]
    assert concern.variation == "concern_low"


@pytest.mark.parametrize(
    ("target", "polarity", "expected"),
    [
        (-4, "higher", "pass"),  # at or below the lower limit
        (-3.06, "higher", "pass"),
        (8, "higher", "fail"),
        (3, "higher", "hit_or_miss"),
        (8, "lower", "pass"),
        (-4, "lower", "fail"),
        (3, "none", None),
        (None, "higher", None),
    ],
)
def test_assurance(target, polarity, expected):
    assert assurance(target, -3.06, 6.95, polarity) == expected


def test_children_in_care_by_hand():
    # Seed, Birth families table, Oct-23..Oct-24.
    values = [504, 507, 510, 494, 492, 490, 488, 489, 479, 474, 470, 473, 468]
    result = run(values, polarity="lower")
    # By hand: sum 6338 / 13 = 487.538; moving ranges 3,3,16,2,2,2,1,10,5,4,3,5 = 56 / 12
    # = 4.667; limits 487.538 +/- 12.413 = 499.951 / 475.125.
    last = result.points[-1]
    assert last.mean == pytest.approx(487.538, abs=1e-3)
    assert last.upper == pytest.approx(499.951, abs=1e-3)
    assert last.lower == pytest.approx(475.125, abs=1e-3)
    assert [p.value for p in result.points if "beyond_limit" in p.rules] == [
        504,
        507,
        510,
        474,
        470,
        473,
        468,
    ]
    # Oct-23..May-24 are 8 points above the mean: a shift.
    assert all("shift" in p.rules for p in result.points[:8])
    assert last.variation == "improvement_low"


def test_early_help_referrals_by_hand():
    values = [139, 166, 142, 144, 129, 90, 87, 127, 113, 182, 94, 100, 196]
    # By hand: mean 1709 / 13 = 131.462; moving ranges sum 423 / 12 = 35.25;
    # limits 131.462 +/- 93.765 = 225.227 / 37.697. 196 is inside: common cause.
    last = run(values).points[-1]
    assert last.mean == pytest.approx(131.462, abs=1e-3)
    assert last.upper == pytest.approx(225.227, abs=1e-3)
    assert last.lower == pytest.approx(37.697, abs=1e-3)
    assert last.variation == "common_cause"
