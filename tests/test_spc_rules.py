"""The SPC choices of issue 14, each held in both paths (the one-series oracle and the
vectorised engine) on series built by hand: a fixed baseline shorter than ``min_points``,
the mean compared at the data's precision, two-of-three as Making Data Count counts it,
gaps that drop moving ranges, a trend across a recalculation, a target on a limit.

Every expected figure below is worked out by hand in the comment beside it.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from csc_perf.methods.spc import month_index, spc_params, xmr_frame
from csc_perf.methods.spc_results import assurance_expr
from csc_perf.model.calendar import add_months
from spc_oracle import SpcOptions, assurance, xmr

START = date(2023, 1, 1)


def engine(months: list[date], values, polarity: str, options: SpcOptions) -> list[dict]:
    """The engine's rows for one series, in month order."""
    frame = pl.DataFrame(
        {
            "authority": ["852"] * len(values),
            "indicator": ["x"] * len(values),
            "mi": [month_index(m) for m in months],
            "value": values,
        },
        schema={
            "authority": pl.String,
            "indicator": pl.String,
            "mi": pl.Int32,
            "value": pl.Float64,
        },
    )
    got = xmr_frame(frame, spc_params({"x": options}, {"x": polarity}))
    return got.sort("mi").to_dicts()


def both(values, polarity="higher", months=None, **options):
    """(oracle points, engine rows) for the series, months consecutive from START unless
    given (a month left out of ``months`` is a missing month)."""
    months = months or [add_months(START, k) for k in range(len(values))]
    opts = SpcOptions(**options)
    return (
        xmr(months, values, polarity=polarity, options=opts),
        engine(months, values, polarity, opts),
    )


def rules(result) -> tuple[list[str], list[str]]:
    """Each point's rules, ';'-joined, from the oracle and from the engine."""
    oracle, rows = result
    return [";".join(p.rules) for p in oracle.points], [r["spc_rule"] or "" for r in rows]


# -- 1. a fixed baseline may be shorter than min_points ----------------------------------
def test_a_12_point_baseline_draws_limits_on_a_13_point_series():
    # The README's example: baseline_points = 12 with min_points = 13. The first 12 points
    # alternate 10 / 14 (mean 12, every moving range 4: limits 12 +/- 10.64).
    values = [10.0, 14.0] * 6 + [12.0, 13.0, 11.0]
    oracle, rows = both(values, baseline_points=12, min_points=13)
    assert oracle.note == ""
    for point, row in zip(oracle.points, rows, strict=True):
        assert point.mean == row["spc_mean"] == 12
        assert point.upper == pytest.approx(22.64) and row["spc_upper"] == pytest.approx(22.64)
        assert point.lower == pytest.approx(1.36) and row["spc_lower"] == pytest.approx(1.36)


def test_min_points_applies_to_the_series_not_the_baseline():
    values = [10.0, 14.0] * 6  # 12 points: a 12-point baseline, but the series is short
    oracle, rows = both(values, baseline_points=12, min_points=13)
    assert oracle.note == "12 point(s): SPC needs at least 13 for limits"
    assert all(r["spc_mean"] is None for r in rows)
    assert {r["spc_note"] for r in rows} == {oracle.note}


# -- 2. the mean at the data's precision -------------------------------------------------
# These 14 decimals sum to 4.2 exactly, so their mean is 0.3; in binary floating point
# sum / n gives 0.30000000000000004 (the value 0.3 reads as below it).
DECIMALS = [0.2, 0.4, 0.25, 0.35, 0.15, 0.2, 0.3, 0.5, 0.2, 0.35, 0.35, 0.45, 0.2, 0.3]


def test_the_binary_mean_is_a_hair_above_the_decimal_mean():
    assert sum(DECIMALS) / 14 > 0.3  # the bug's premise, so the test below can fail


def test_a_value_equal_to_the_decimal_mean_breaks_a_shift():
    below = [0.25, 0.25, 0.25, 0.3, 0.25, 0.25, 0.25]  # 3 below, on the mean, 3 below
    oracle, rows = both([*DECIMALS, *below], baseline_points=14)
    assert oracle.points[-4].side is None  # the 0.3 is on the mean
    assert rules((oracle, rows)) == ([""] * 21, [""] * 21)
    seven = [0.25] * 7  # and seven below do make a shift (the rule still fires)
    oracle, rows = both([*DECIMALS, *seven], baseline_points=14)
    assert [r["spc_rule"] for r in rows[-7:]] == ["shift"] * 7
    assert [p.rules for p in oracle.points[-7:]] == [["shift"]] * 7


# -- 3. two of three -----------------------------------------------------------------------
# Baseline [0, 6] x 7: mean 3, mean moving range 6; limits 3 +/- 15.96 (upper 18.96);
# sigma = 2.66 x 6 / 3 = 5.32, so the upper 2-sigma line is 3 + 10.64 = 13.64.
BASE = [0.0, 6.0] * 7


@pytest.mark.parametrize(
    ("tail", "flagged"),
    [
        ([14.0, 4.0, 14.0], ["two_of_three", "", "two_of_three"]),  # all three above the mean
        ([14.0, 0.0, 14.0], ["", "", ""]),  # the middle point is below the mean: no signal
        ([14.0, 14.0, 4.0], ["two_of_three", "two_of_three", ""]),
        ([14.0, 4.0, 20.0], ["", "", "beyond_limit"]),  # 20 is rule 1's, not a band point
        ([14.0, 18.96, 4.0], ["two_of_three", "two_of_three", ""]),  # on the limit: in the band
        ([13.64, 14.0, 4.0], ["", "", ""]),  # on the 2-sigma line: not beyond it
    ],
)
def test_two_of_three_counts_points_between_the_2_sigma_line_and_the_limit(tail, flagged):
    oracle, rows = both([*BASE, *tail], baseline_points=14)
    got_oracle, got_engine = rules((oracle, rows))
    assert got_oracle[-3:] == flagged
    assert got_engine[-3:] == flagged


# -- 4. gaps --------------------------------------------------------------------------------
def test_a_missing_month_drops_both_moving_ranges_next_to_it():
    # 14 months alternating 10 / 20 with the 8th (a 20) missing: 13 points summing to 190.
    # Every moving range between consecutive months is 10; bridging the gap (the old
    # rule) would add the range 10 -> 10 = 0 and pull the mean range down to 110 / 12.
    values = [10.0, 20.0] * 7
    del values[7]  # month 8 (a 20) is missing: 10,20,...,10,[gap],10,20,...
    months = [add_months(START, k) for k in range(14) if k != 7]
    oracle, rows = both(values, months=months)
    # mean 190 / 13; mean moving range 10, so the limits are the mean +/- 26.6
    assert rows[0]["spc_mean"] == pytest.approx(190 / 13)
    assert rows[0]["spc_upper"] == pytest.approx(190 / 13 + 26.6)
    assert oracle.points[0].upper == pytest.approx(190 / 13 + 26.6)


def test_a_null_month_is_a_gap_like_a_missing_row():
    values = [10.0, 20.0] * 7
    values[7] = None
    oracle, rows = both(values)
    assert rows[0]["spc_upper"] == pytest.approx(190 / 13 + 26.6)
    assert oracle.points[0].upper == pytest.approx(190 / 13 + 26.6)


# -- 5. a trend runs across a recalculation --------------------------------------------------
def test_a_trend_runs_across_a_recalculation():
    first = [10.0, 12.0] * 6 + [10.0, 11.0, 12.0]  # 15 points, ending 10, 11, 12 rising
    second = [13.0, 14.0, 15.0, 16.0] + [12.0, 18.0] * 5  # rising 4 more, then a fall
    months = [add_months(START, k) for k in range(len(first) + len(second))]
    oracle, rows = both([*first, *second], recalculate_from=(months[15],))
    got_oracle, got_engine = rules((oracle, rows))
    # 10, 11, 12 | 13, 14, 15, 16: seven points rising, three before the recalculation
    assert [("trend" in r) for r in got_engine[12:19]] == [True] * 7
    assert got_oracle == got_engine
    assert "trend" not in got_engine[11] and "trend" not in got_engine[19]


# -- 6. a target exactly on a limit ----------------------------------------------------------
@pytest.mark.parametrize(
    ("polarity", "target", "expected"),
    [
        ("higher", 1.36, "pass"),  # on the lower limit: passing
        ("higher", 22.64, "fail"),  # on the upper limit: failing
        ("lower", 22.64, "pass"),
        ("lower", 1.36, "fail"),
        ("higher", 12.0, "hit_or_miss"),
    ],
)
def test_a_target_on_a_limit(polarity, target, expected):
    # limits of the 12-point baseline above, as the engine computes them (12 -/+ 2.66 x 4)
    lower, upper = 12 - 2.66 * 4, 12 + 2.66 * 4
    assert assurance(target, lower, upper, polarity) == expected
    frame = pl.DataFrame(
        {"target": [target], "spc_lower": [lower], "spc_upper": [upper], "polarity": [polarity]}
    )
    assert frame.select(assurance_expr()).item() == expected


def test_trend_says_where_a_gap_is(cli, full_workspace):
    # The example store holds children in care for Oct-22 (the report's year-ago column)
    # and Oct-23..Oct-24 (the monthly extracts): Nov-22..Sep-23 is a gap of 11 months.
    result = cli("trend", "children_in_care", "--format", "csv")
    assert result.exit_code == 0
    assert "no figure for Nov-22 to Sep-23 (11 months)" in result.stderr
    assert "moving ranges next to a gap" in result.stderr
    assert "no figure" not in result.stdout  # data only on stdout


# -- 7. precision near zero, and the screening boundary (from a hostile review) -------------
def test_a_point_on_a_2_sigma_line_at_zero_is_not_beyond_it():
    # 15 points summing to 209 with moving ranges summing to 110: the lower 2-sigma line is
    # 209/15 - (2/3) x 2.66 x 110/14 = 0 exactly (1.8e-15 in binary). Two 0s sit on it.
    base = [7.0, 17, 15, 5, 22, 5, 14, 21, 11, 21, 22, 19, 14, 11, 5]
    got_oracle, got_engine = rules(both([*base, 0.0, 0.0, 5.0], baseline_points=15))
    assert got_oracle[-3:] == got_engine[-3:] == ["", "", ""]


def test_seven_values_on_a_mean_of_zero_are_not_a_shift():
    # 14 decimals summing to 0 exactly: seven 0s after them are on the mean.
    base = [-2.2, 0.6, 2.4, 2.1, 1.8, -2.6, -1.4, -2.3, 0.1, 1.8, -0.2, 0.0, 1.1, -1.2]
    got_oracle, got_engine = rules(both([*base, *[0.0] * 7], baseline_points=14))
    assert got_oracle[-7:] == got_engine[-7:] == [""] * 7
    tenths = [0.1, 0.2, -0.3] * 4 + [0.1, -0.1]  # the same where the two sums differ
    got_oracle, got_engine = rules(both([*tenths, *[0.0] * 7], baseline_points=14))
    assert got_oracle[-7:] == got_engine[-7:] == [""] * 7


def test_a_moving_range_equal_to_the_screening_limit_is_kept():
    # Twelve ranges of 9.733 and one of 39.204: MR = 156 / 13 = 12 and 3.267 x 12 = 39.204,
    # so screening keeps every range: the limits stay mean +/- 2.66 x 12 = mean +/- 31.92.
    values = [0.0, 9.733] * 6 + [0.0, 39.204]
    oracle, rows = both(values, screen=True)
    mean = (6 * 9.733 + 39.204) / 14
    assert rows[0]["spc_upper"] == pytest.approx(mean + 31.92)
    assert oracle.points[0].upper == pytest.approx(mean + 31.92)
