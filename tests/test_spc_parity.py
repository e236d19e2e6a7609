"""SPC parity with the peers' own published test cases (issue 14).

The expected values below come from four peer implementations of NHS England's "Making
Data Count" XmR chart, each cited (repository + path) in the test's docstring. Each is either
a figure or flag the peer publishes in its own tests or samples, or a hand calculation on
the peer's series where the peer publishes none; the docstring says which:

* nhs-r-community/NHSRplotthedots (R): tests/testthat/_snaps/ptd_spc_standard.md,
  tests/testthat/test-ptd_spc_standard.R, test-ptd_calculate_point_type.R,
  test-ptd_calculate_assurance_type.R, vignettes/deviations.Rmd;
* nhs-pycom/nhspy-plotthedots (Python): tests/unittests/test_limits_calculations.py,
  test_seven_point_trend.py, test_seven_point_one_side_mean.py, test_special_cause_flag.py,
  test_pandas_spc_x_calc.py;
* AUS-DOH-Safety-and-Quality/PowerBI-SPC (TypeScript): test/Chart Types/i.test.ts,
  test/Outlier Flagging/{astronomical,shift,trend,twoInThree,assuranceIconToDraw}.test.ts;
* NHS England's "SPC CHARTS SQL QUERY v2.4" (MDC SQL): the Step 3 sample data and its
  annotations ("Start of seven points below mean", ...), in
  tests/fixtures/spc_parity/mdc_sql_v2_4_sample.json. MDC publishes no numbers, so its means
  and limits here are hand calculations (exact decimals, AVG and 2.66 x mean moving range, as
  its Step 4e does); its flags are its own annotations.

Where the peers disagree, the test follows NHS England's MDC SQL (then NHSRplotthedots) and
says which peer does otherwise and why (docs/spc.md has the whole parity table).
A peer's test written against its own helper (a given mean, given 2-sigma lines) is ported
as a series whose limits come from a fixed baseline, so that the helper's inputs hold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from csc_perf.methods.spc import month_index, spc_params, xmr_frame
from csc_perf.methods.spc_results import assurance_expr
from csc_perf.model.calendar import add_months
from csc_perf.model.options import SpcOptions

FIXTURES = Path(__file__).parent / "fixtures" / "spc_parity"
START = date(2016, 1, 1)
MDC = json.loads((FIXTURES / "mdc_sql_v2_4_sample.json").read_text())


@dataclass(frozen=True)
class Point:
    """One month of a chart as csc-perf reports it."""

    value: float | None
    mean: float | None
    lower: float | None
    upper: float | None
    rules: frozenset[str]
    variation: str | None
    note: str | None


def month(k: int) -> date:
    """The k-th month of the test series (k = 0 is January 2016)."""
    return add_months(START, k)


def run(
    values: list[float | None],
    *,
    polarity: str = "none",
    offsets: list[int] | None = None,
    **options,
) -> list[Point]:
    """One series through :func:`xmr_frame`: ``values`` month by month from :data:`START`
    (None: a gap), or at month ``offsets`` when given (a missing offset: a missing month);
    ``options`` are :class:`SpcOptions` fields. Returns one :class:`Point` per value."""
    offsets = offsets if offsets is not None else list(range(len(values)))
    observations = pl.DataFrame(
        {
            "authority": ["A"] * len(values),
            "indicator": ["x"] * len(values),
            "mi": [month_index(month(k)) for k in offsets],
            "value": values,
        },
        schema={
            "authority": pl.String,
            "indicator": pl.String,
            "mi": pl.Int32,
            "value": pl.Float64,
        },
    )
    params = spc_params({"x": SpcOptions(**options)}, {"x": polarity})
    out = xmr_frame(observations, params).sort("mi")
    return [
        Point(
            value=value,
            mean=row["spc_mean"],
            lower=row["spc_lower"],
            upper=row["spc_upper"],
            rules=frozenset(filter(None, (row["spc_rule"] or "").split(";"))),
            variation=row["spc_variation"],
            note=row["spc_note"],
        )
        for value, row in zip(values, out.iter_rows(named=True), strict=True)
    ]


def flagged(points: list[Point], rule: str) -> list[int]:
    """Indices of the points that meet ``rule``."""
    return [i for i, p in enumerate(points) if rule in p.rules]


def two_sigma(point: Point) -> tuple[float, float]:
    """The lower and upper 2-sigma lines (two thirds of the way from the mean to the limits)."""
    assert point.mean is not None and point.lower is not None and point.upper is not None
    return (
        point.mean - 2 / 3 * (point.mean - point.lower),
        point.mean + 2 / 3 * (point.upper - point.mean),
    )


def assurance(target: float, lower: float, upper: float, polarity: str) -> str | None:
    """csc-perf's assurance for one target against one pair of limits."""
    frame = pl.DataFrame(
        {"target": [target], "spc_lower": [lower], "spc_upper": [upper], "polarity": [polarity]}
    )
    return frame.select(assurance_expr().alias("a"))["a"][0]


# A fixed baseline used to port the peers' rule-level tests: 14 points alternating 4 and 6
# (mean 5, mean moving range 2, limits 5 -/+ 5.32, 2-sigma lines 5 -/+ 3.5467), then the
# peer's pattern. Alternating values give no shift, trend or two-of-three of their own.
BASE = [6.0, 4.0] * 7
BASELINE = {"baseline_points": len(BASE)}


def with_base(pattern: list[float], **options) -> list[Point]:
    """The peer's ``pattern`` after :data:`BASE`; returns the pattern's points only."""
    return run(BASE + pattern, **{**BASELINE, **options})[len(BASE) :]


# -- NHSRplotthedots ------------------------------------------------------------------------

# set.seed(123); rnorm(20): the series of tests/testthat/test-ptd_spc_standard.R, to 8
# decimals. The peer prints only the first four in full (pillar::glimpse of r1 in
# tests/testthat/_snaps/ptd_spc_standard.md cuts the line there); the other sixteen are R's
# rnorm values, not in the peer's files: they reproduce its snapshot's means and limits.
RNORM_20 = [
    -0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774,
    1.71506499, 0.46091621, -1.26506123, -0.68685285, -0.44566197,
    1.22408180, 0.35981383, 0.40077145, 0.11068272, -0.55584113,
    1.78691314, 0.49785048, -1.96661716, 0.70135590, -0.47279141,
]  # fmt: skip
WITH_OUTLIER = [*RNORM_20[:14], 10.0, *RNORM_20[15:]]  # data$y[15] <- 10


@pytest.mark.parametrize(
    ("values", "screen", "mean", "lower", "upper"),
    [
        (RNORM_20, True, 0.1416238, -3.01138, 3.294627),
        (WITH_OUTLIER, True, 0.6694159, -2.383666, 3.722497),
        (WITH_OUTLIER, False, 0.6694159, -4.596625, 5.935457),
    ],
    ids=["r1", "r2-screened", "r3-unscreened"],
)
def test_nhsr_standard_snapshot(values, screen, mean, lower, upper):
    """nhs-r-community/NHSRplotthedots tests/testthat/_snaps/ptd_spc_standard.md ("it returns
    expected values": r1, r2, r3), series from tests/testthat/test-ptd_spc_standard.R.
    The snapshot prints 7 significant figures; the inputs are rnorm to 8 decimals."""
    points = run(values, screen=screen)
    for p in points:
        assert p.mean == pytest.approx(mean, abs=1e-6)
        assert p.lower == pytest.approx(lower, abs=1e-5)
        assert p.upper == pytest.approx(upper, abs=1e-5)


def test_nhsr_fix_after_12_points_draws_limits_from_the_first_12():
    """nhs-r-community/NHSRplotthedots tests/testthat/test-ptd_spc_standard.R ("setting
    fix_after_n_points changes the calculations", fix_after_n_points = 12) and
    R/ptd_spc_standard.R (fix_y = y for row_number() <= fix_after_n_points; mean and moving
    ranges of fix_y only; R/ptd_spc_options.R allows fix_after_n_points >= 12).

    The peer's test asserts only that the limits change (s1$lpl != s0$lpl, s1$upl !=
    s0$upl); that is asserted last. The figures are a hand calculation on the peer's series
    (RNORM_20), not the peer's: target (a), a 12-point baseline draws limits from its 12
    points. Mean of the first 12 values 2.33015208 / 12 = 0.19417934; their 11 moving ranges
    sum to 11.5854777, mean 1.05322525 (the largest, 1.7888858, is under 3.267 x that, so
    screening drops none); limits 0.19417934 -/+ 2.66 x 1.05322525 = -2.60739981 and
    2.99575849."""
    fixed = run(RNORM_20, screen=True, baseline_points=12)
    whole = run(RNORM_20, screen=True)
    mean, moving_range = 2.33015208 / 12, 11.5854777 / 11
    assert (mean, moving_range) == pytest.approx((0.19417934, 1.0532252454545), abs=1e-12)
    for p in fixed:
        assert p.note is None
        assert p.mean == pytest.approx(mean, abs=1e-8)
        assert p.lower == pytest.approx(mean - 2.66 * moving_range, abs=1e-8)
        assert p.lower == pytest.approx(-2.6073998129, abs=1e-8)
        assert p.upper == pytest.approx(2.9957584929, abs=1e-8)
    # The peer's own claim: fixing after 12 points changes both limits.
    assert fixed[0].lower != whole[0].lower and fixed[0].upper != whole[0].upper


def test_nhsr_two_of_three_on_opposite_sides_is_common_cause():
    """nhs-r-community/NHSRplotthedots tests/testthat/test-ptd_spc_standard.R ("it only
    reports special cause for 2 of 3 points close to limits when they are on the same side
    of the mean"): 1, -1 eight times with the 15th and 16th points 5.5 and -5.5; the peer
    asserts common cause for both. By hand (not the peer's figures): mean 0; moving ranges
    thirteen 2s, 6.5 and 11; screening drops 11 (above 3.267 x 43.5 / 15), so the limits are
    0 -/+ 2.66 x 32.5 / 14 = 6.175 and both points are in their 2-sigma band, on opposite
    sides."""
    points = run([1.0, -1.0] * 7 + [5.5, -5.5], screen=True)
    assert [p.variation for p in points[-2:]] == ["common_cause", "common_cause"]


BAND, ABOVE, BELOW = 9.5, 5.5, 4.5  # with BASE: in the upper 2-sigma band; above; below
LOW_BAND = 0.5  # the mirror of BAND: in the lower 2-sigma band


@pytest.mark.parametrize(
    ("close", "side", "expected"),
    [
        ([1, 0, 1], [1, 1, 1], [1, 0, 1]),
        ([0, 1, 1], [1, 1, 1], [0, 1, 1]),
        ([1, 1, 0], [1, 1, 1], [1, 1, 0]),
        ([0, 0, 1, 0, 1, 0, 0], [1] * 7, [0, 0, 1, 0, 1, 0, 0]),
        ([0, 0, 1, 1, 0, 0, 0], [1] * 7, [0, 0, 1, 1, 0, 0, 0]),
        ([1, 0, 0, 1], [1] * 4, [0, 0, 0, 0]),
        ([1, 0, 0, 1, 1], [1] * 5, [0, 0, 0, 1, 1]),
        ([1, 0, 1], [1, -1, 1], [0, 0, 0]),
        ([0, 1, 1], [1, -1, 1], [0, 0, 0]),
    ],
)
def test_nhsr_two_in_three_patterns(close, side, expected):
    """nhs-r-community/NHSRplotthedots tests/testthat/test-ptd_calculate_point_type.R
    (ptd_two_in_three and ptd_part_of_two_in_three, and "... when points are on opposite
    sides of the mean"): a window of three counts when two of its points are close to the
    limit (beyond 2 sigma, not beyond the limit) and all three are on the same side of the
    mean; only the close points are flagged (R/ptd_calculate_point_type.R). The first seven
    cases are the peer's ptd_part_of_two_in_three cases (all points on one side); the last
    two, with the middle point on the other side, are csc-perf's own, modelled on the peer's
    "opposite sides" test in test-ptd_spc_standard.R (the peer has no such function case).

    Ported as a series: a close point is 9.5 (upper 2-sigma band of BASE) above the mean and
    0.5 (lower band) below it, a point above the mean 5.5, below it 4.5. Target (c)."""
    pattern = [
        (BAND if s > 0 else LOW_BAND) if c else (ABOVE if s > 0 else BELOW)
        for c, s in zip(close, side, strict=True)
    ]
    points = with_base(pattern)
    assert [int("two_of_three" in p.rules) for p in points] == expected


def test_nhsr_seven_points_one_side_of_the_mean():
    """nhs-r-community/NHSRplotthedots tests/testthat/test-ptd_calculate_point_type.R
    (ptd_seven_point_one_side_mean(c(rep(1, 8), -1)) marks the 7th and 8th points, and
    c(rep(-1, 8), 1) the same; rep(1, 6) and c(rep(1, 6), -1) mark none). That all eight
    points are flagged is the peer's code (ptd_part_of_seven_trend in
    R/ptd_calculate_point_type.R fills back over the run), not one of its test's figures."""
    assert flagged(with_base([ABOVE] * 8 + [BELOW]), "shift") == list(range(8))
    assert flagged(with_base([BELOW] * 8 + [ABOVE]), "shift") == list(range(8))
    assert flagged(with_base([ABOVE] * 6 + [BELOW]), "shift") == []


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ([1.0, 2, 3, 4, 5, 6], []),
        ([1.0, 2, 3, 3, 4, 5, 6], []),
        ([1.0, 2, 3, 4, 5, 6, 7], list(range(7))),
        ([2.0, 1, 2, 3, 4, 5, 6, 7, 3], list(range(1, 8))),
        ([7.0, 6, 5, 4, 3, 2, 1], list(range(7))),
        ([2.0, 7, 6, 5, 4, 3, 2, 1, 3], list(range(1, 8))),
    ],
)
def test_nhsr_seven_point_trend(pattern, expected):
    """nhs-r-community/NHSRplotthedots tests/testthat/test-ptd_calculate_point_type.R
    (ptd_seven_point_trend: 1:6, c(1:3, 3:6), 1:7, c(2, 1:7, 3), 7:1, c(2, 7:1, 3); the peer's
    test marks only the seventh point of a run): seven points each higher (lower) than the
    one before; an equal neighbour breaks the run. That all seven are flagged is the peer's
    code (ptd_part_of_seven_trend fills back), not its test's figures. Series without limits
    of their own: the trend rule needs none, so min_points is lowered to the series'
    length."""
    points = run(pattern, min_points=len(pattern))
    assert flagged(points, "trend") == expected


def test_nhsr_deviations_vignette_screening():
    """nhs-r-community/NHSRplotthedots vignettes/deviations.Rmd ("Treatment of outlying
    points"): data c(1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1); screened by
    default, unscreened to match the MDC Excel tool. By hand: mean 35/18; moving ranges
    fifteen 1s, an 8 and a 9 (mean 32/17); screening drops 8 and 9 (above 3.267 x 32/17)."""
    data = [1.0, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    unscreened, screened = run(data)[0], run(data, screen=True)[0]
    assert unscreened.mean == screened.mean == pytest.approx(35 / 18)
    assert unscreened.upper == pytest.approx(35 / 18 + 2.66 * 32 / 17)
    assert unscreened.lower == pytest.approx(35 / 18 - 2.66 * 32 / 17)
    assert screened.upper == pytest.approx(35 / 18 + 2.66)
    assert screened.lower == pytest.approx(35 / 18 - 2.66)


def test_a_gap_drops_both_moving_ranges_next_to_it():
    """nhs-r-community/NHSRplotthedots R/ptd_spc_standard.R (mr = c(NA, abs(diff(fix_y))):
    a missing value makes both differences next to it NA, and mean(mr, na.rm = TRUE) skips
    them) and MDC SQL v2.4 Step 4e ([MovingRangeWithPartition] = ABS([Value] - LAG([Value]))
    is NULL on both sides of a NULL value, and AVG skips NULLs).

    Target (d). By hand: 13 values, mean 148/13; of the 13 differences, the two next to the
    gap are dropped, leaving 11 summing to 16 (across the gap: 12 summing to 17)."""
    values = [10.0, 12, 11, 13, None, 12, 10, 11, 13, 12, 11, 10, 12, 11]
    points = run(values)
    assert points[0].mean == pytest.approx(148 / 13)
    assert points[0].upper == pytest.approx(148 / 13 + 2.66 * 16 / 11)
    assert points[0].lower == pytest.approx(148 / 13 - 2.66 * 16 / 11)


def test_a_missing_month_drops_both_moving_ranges_like_a_gap():
    """Target (d), csc-perf's own choice: a month with no row at all is a gap, as a null
    value is (NHSRplotthedots R/ptd_spc_standard.R and MDC SQL v2.4 Step 4e only see rows:
    a row that is absent is simply not there, and their LAG / diff takes the range across
    it; csc-perf knows the series is monthly, so it treats the absent month as the null one
    in test_a_gap_drops_both_moving_ranges_next_to_it, with the same numbers)."""
    values = [10.0, 12, 11, 13, 12, 10, 11, 13, 12, 11, 10, 12, 11]
    points = run(values, offsets=[0, 1, 2, 3, *range(5, 14)])
    assert points[0].mean == pytest.approx(148 / 13)
    assert points[0].upper == pytest.approx(148 / 13 + 2.66 * 16 / 11)


def test_a_gap_breaks_a_shift_and_a_trend():
    """MDC SQL v2.4 Steps 4g and 4h: a NULL value is neither above nor below the mean
    ([Value] > [Mean] is not true) and neither higher nor lower than the point before, so
    it ends a run of seven; NHSRplotthedots R/ptd_calculate_point_type.R does the same
    (sign(NA) makes the window NA, which case_when does not count). Beyond the lead's
    target list: flagged in the report."""
    shift = with_base([ABOVE] * 4 + [None] + [ABOVE] * 3)
    assert flagged(shift, "shift") == []
    trend = with_base([4.1, 4.2, 4.3, 4.4, None, 4.5, 4.6, 4.7])
    assert flagged(trend, "trend") == []


@pytest.mark.parametrize(
    ("polarity", "expected"),
    [("higher", ["fail", "pass", "hit_or_miss"]), ("lower", ["pass", "fail", "hit_or_miss"])],
)
def test_nhsr_assurance(polarity, expected):
    """nhs-r-community/NHSRplotthedots tests/testthat/test-ptd_calculate_assurance_type.R
    (target 4 against limits (1, 3), (5, 7) and (1, 5)): consistent_fail, consistent_pass,
    inconsistent for "increase"; the reverse for "decrease"."""
    limits = [(1.0, 3.0), (5.0, 7.0), (1.0, 5.0)]
    assert [assurance(4.0, lo, hi, polarity) for lo, hi in limits] == expected


def test_nhsr_assurance_has_none_for_neutral():
    """nhs-r-community/NHSRplotthedots tests/testthat/test-ptd_calculate_assurance_type.R
    ("... when improvement_direction is neutral"): no assurance."""
    assert assurance(4.0, 1.0, 5.0, "none") is None


# -- nhspy-plotthedots ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "mean", "lower", "upper"),
    [
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5.5, 2.84, 8.16),
        ([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 5.5, 2.84, 8.16),
        ([1, 2, 3, 4, 5, 4, 3, 2, 1, 2], 2.7, 0.040000000000000036, 5.36),
        ([1, 2, 3], 2.0, -0.6600000000000001, 4.66),
        (list(range(20)), 9.5, 6.84, 12.16),
        ([3, 1, 4, 1, 5, 9, 2], 3.5714285714285716, -6.625238095238096, 13.768095238095238),
        (
            [1, 2, 3, 2, 1, 2, 3, 4, 5, 6, 7, 4, 3, 2, 1, 2],
            3.0,
            -0.014666666666666828,
            6.014666666666667,
        ),
        (
            [-1, -2, -3, -2, -1, -2, -3, -4, -5, -6, -7, -4, -3, -2, -1, -2],
            -3.0,
            -6.014666666666667,
            0.014666666666666828,
        ),
    ],
)
def test_nhspy_limits_calculations(values, mean, lower, upper):
    """nhs-pycom/nhspy-plotthedots tests/unittests/test_limits_calculations.py (every case):
    limits_calculations always screens moving ranges (mr < 3.267 x amr), so screen=True.
    Several series are shorter than 13 points: min_points is lowered to the series' length
    (nhspy has no minimum)."""
    points = run([float(v) for v in values], screen=True, min_points=len(values))
    assert points[0].mean == pytest.approx(mean, rel=1e-12, abs=1e-12)
    assert points[0].lower == pytest.approx(lower, rel=1e-12, abs=1e-12)
    assert points[0].upper == pytest.approx(upper, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (list(range(1, 11)), list(range(10))),
        (list(range(10, 0, -1)), list(range(10))),
        ([1, 2, 3, 4, 5, 4, 3, 2, 1, 2], []),
        ([1, 1, 1, 1, 1, 1, 1], []),
        ([1, 2, 3, 2, 1, 2, 3, 4, 5, 6, 7, 4, 3, 2, 1, 2], list(range(4, 11))),
        ([-1, -2, -3, -2, -1, -2, -3, -4, -5, -6, -7, -4, -3, -2, -1, -2], list(range(4, 11))),
    ],
)
def test_nhspy_seven_point_trend(values, expected):
    """nhs-pycom/nhspy-plotthedots tests/unittests/test_seven_point_trend.py (increasing,
    decreasing, no trend, exact seven equal, mixed, negative); seven_point_trend marks the
    seventh point, part_of_seven_trend (nhspy_plotthedots/pandas_spc_calculations.py) all
    seven. min_points is the series' length: the trend rule needs no limits."""
    points = run([float(v) for v in values], min_points=len(values))
    assert flagged(points, "trend") == expected


def test_nhspy_seven_points_on_the_mean_are_not_a_shift():
    """nhs-pycom/nhspy-plotthedots tests/unittests/test_seven_point_one_side_mean.py
    (test_zero: [0] * 7 -> [True] * 7) and test_special_cause_flag.py (test_values: seven 1s
    with relative_to_mean 0 -> all special cause): nhspy counts seven points ON the mean as a
    shift, because seven_point_one_side_mean has its "vp[i + 6] != 0" test commented out
    (nhspy_plotthedots/pandas_spc_calculations.py). That is inconsistent with its own
    docstring ("above/below the mean") and with NHSRplotthedots (which keeps the != 0), MDC
    SQL ([Value] > [Mean] / < [Mean]) and PowerBI-SPC (sign 0 breaks a shift). csc-perf:
    a flat series is common cause (limits on the mean, nothing beyond them)."""
    points = run([1.0] * 13)
    assert [p.variation for p in points] == ["common_cause"] * 13


def test_nhspy_demo_case():
    """nhs-pycom/nhspy-plotthedots tests/unittests/test_pandas_spc_x_calc.py (test_demo_case,
    the NHS England SPC tool's example, read off a video and less 10, as its docstring says):
    mean 76.67, limits 57 and 96 (to 0 decimals), only the 12th point (54) beyond a limit, no
    point close to a limit, no other special cause. nhspy screens moving ranges (by hand:
    none is screened out here)."""
    values = [89.0, 86, 75, 77, 81, 74, 72, 78, 76, 82, 77, 54, 66, 77, 86]
    points = run(values, screen=True)
    assert points[0].mean == pytest.approx(76.67, abs=0.005)
    assert points[0].lower == pytest.approx(57, abs=0.5)
    assert points[0].upper == pytest.approx(96, abs=0.5)
    assert [sorted(p.rules) for p in points] == [[]] * 11 + [["beyond_limit"]] + [[]] * 3


# -- PowerBI-SPC ----------------------------------------------------------------------------


def test_powerbi_i_chart_limits():
    """AUS-DOH-Safety-and-Quality/PowerBI-SPC test/Chart Types/i.test.ts ("I Chart can be
    created"): the ratios numerators / denominators of 17 months; 3-sigma limits 0.0229 and
    0.0957, 2-sigma lines 0.035 and 0.0836, to 4 decimals (toBeCloseTo(x, 4)). PowerBI screens
    moving ranges by default (outliers_in_limits = false; src/Limit Calculations/i.ts) and
    takes sigma as AMR / 1.128 (3 sigma = 2.6596 x AMR, csc-perf and MDC: 2.66)."""
    numerators = [5, 7, 5, 7, 7, 5, 4, 9, 8, 13, 8, 7, 8, 7, 12, 11, 8]
    denominators = [113, 132, 121, 134, 116, 131, 93, 138, 182]
    denominators += [157, 100, 103, 146, 108, 153, 141, 134]
    values = [n / d for n, d in zip(numerators, denominators, strict=True)]
    for p in run(values, screen=True):
        lower2, upper2 = two_sigma(p)
        assert abs(p.upper - 0.0957) < 5e-5
        assert abs(upper2 - 0.0836) < 5e-5
        assert abs(lower2 - 0.035) < 5e-5
        assert abs(p.lower - 0.0229) < 5e-5


def test_powerbi_a_point_exactly_on_a_limit_is_not_beyond_it():
    """AUS-DOH-Safety-and-Quality/PowerBI-SPC test/Outlier Flagging/astronomical.test.ts
    ("should handle points exactly on the control limits as 'none'"; src/Functions/between.ts
    is inclusive); NHSRplotthedots R/ptd_spc_standard.R (y > upl) and MDC SQL v2.4 Step 4f
    ([Value] > [UpperProcessLimit]) agree. With BASE the limits are 5 -/+ 2.66 x 2 = -0.32 and
    10.32 in decimals. Target (b): equal at the data's precision."""
    points = with_base([10.32, 5.0, -0.32])
    assert "beyond_limit" not in points[0].rules
    assert "beyond_limit" not in points[2].rules


NONE, UP, DOWN = "none", "upper", "lower"


@pytest.mark.parametrize(
    ("values", "target", "n", "expected"),
    [
        ([5, 6, 4, 5, 6, 4, 5], 5, 7, [NONE] * 7),
        ([5, 6, 6, 6, 6, 6, 5], 5, 5, [NONE, *[UP] * 5, NONE]),
        ([5, 4, 4, 4, 4, 4, 5], 5, 5, [NONE, *[DOWN] * 5, NONE]),
        ([5, 6, 6, 6, 5], 5, 3, [NONE, UP, UP, UP, NONE]),
        ([5, 6, 6, 6, 5], 5, 4, [NONE] * 5),
        ([6, 6, 6, 5, 6, 6, 6, 6], 5, 4, [NONE] * 4 + [UP] * 4),
        ([5, 5, 5, 5, 5], 5, 3, [NONE] * 5),
        ([5, 6, 5, 4, 5], 5, 1, [NONE, UP, NONE, DOWN, NONE]),
        ([6, 6, 6, 6, 4, 4, 4, 4, 5], 5, 3, [UP] * 4 + [DOWN] * 4 + [NONE]),
        ([6, 6, 6, 6, 6, 6, 6, 5], 5, 7, [UP] * 7 + [NONE]),
        ([6, 4, 6, 4, 6, 4], 5, 3, [NONE] * 6),
        ([-2, -2, -2, -2], -3, 3, [UP] * 4),
    ],
    ids=[
        "none-n7",
        "upper-n5",
        "lower-n5",
        "exactly-n-n3",
        "n-minus-1-n4",
        "reset-when-interrupted-n4",
        "on-target-n3",
        "n1",
        "consecutive-shifts-n3",
        "backfill-n7",
        "alternating-n3",
        "negative-n3",
    ],
)
def test_powerbi_shift(values, target, n, expected):
    """AUS-DOH-Safety-and-Quality/PowerBI-SPC test/Outlier Flagging/shift.test.ts, every case
    as written (values, targets, n and the expected flags), but "should work with varying
    targets" (csc-perf's mean is one per phase) and "should handle empty arrays".

    PowerBI's shift takes the centre line as ``targets``; here a fixed baseline of 14
    points alternating target + 1 and target - 1 makes the mean exactly the peer's target
    (limits target -/+ 5.32: every value is within them, and the alternating baseline has
    no run of its own). n goes straight into SpcOptions.shift_run (indicators.toml allows
    only 6-8; the engine takes any n). PowerBI's "upper" / "lower" are read off the
    variation with polarity "higher": improvement_high above the mean, concern_low below."""
    base = [target + 1.0, target - 1.0] * 7
    points = run(
        base + [float(v) for v in values],
        polarity="higher",
        baseline_points=len(base),
        shift_run=n,
    )[len(base) :]
    assert {p.mean for p in points} == {target}
    side = {"improvement_high": UP, "concern_low": DOWN}
    assert [side.get(p.variation, NONE) for p in points] == expected
    assert flagged(points, "shift") == [i for i, e in enumerate(expected) if e != NONE]


@pytest.mark.parametrize(
    ("pattern", "trend_run", "expected"),
    [
        ([1.0, 2, 3, 4, 5, 6, 7, 6], 7, list(range(7))),
        ([1.0, 2, 3, 2, 3, 4, 5, 6], 4, [3, 4, 5, 6, 7]),
        ([5.0, 5, 5, 5, 5], 3, []),
        ([1.0, 3, 2, 4, 3, 5], 4, []),
        ([1.0, 2, 3, 4, 2], 3, [0, 1, 2, 3]),
    ],
)
def test_powerbi_trend(pattern, trend_run, expected):
    """AUS-DOH-Safety-and-Quality/PowerBI-SPC test/Outlier Flagging/trend.test.ts ("should
    backfill all points in a long trend sequence (n=7)", "should reset when trend is
    interrupted" (n=4), "should handle equal consecutive values" (n=3), "mixed increases and
    decreases" (n=4), "should detect trend exactly at n points" (n=3)); PowerBI's n counts
    points, as csc-perf's trend_run does. min_points is lowered to the series' length."""
    points = run(pattern, trend_run=trend_run, min_points=len(pattern))
    assert flagged(points, "trend") == expected


def test_powerbi_two_in_three_outside_inside_outside():
    """AUS-DOH-Safety-and-Quality/PowerBI-SPC test/Outlier Flagging/twoInThree.test.ts
    ("should detect pattern: outside, inside, outside": [11, 5, 11] against 2-sigma lines 0
    and 10 -> upper, none, upper). The middle point is ON the centre line; PowerBI
    (src/Outlier Flagging/twoInThree.ts) only sums the points beyond the 2-sigma lines.
    MDC SQL v2.4 Step 4i requires the third point on the same side of the mean
    ([SpecialCauseAboveMeanFlag] = 1, strictly above) and NHSRplotthedots
    (abs(sum(relative_to_mean)) == 3) too, so csc-perf follows them: with the middle point
    on the mean there is no two-of-three; with it above the mean, the two outer points are
    flagged (as PowerBI flags them). Target (c)."""
    assert flagged(with_base([BAND, 5.0, BAND]), "two_of_three") == []
    assert flagged(with_base([BAND, ABOVE, BAND]), "two_of_three") == [0, 2]


def test_powerbi_two_in_three_beyond_the_limit_is_rule_one_not_two_of_three():
    """AUS-DOH-Safety-and-Quality/PowerBI-SPC src/Outlier Flagging/twoInThree.ts counts every
    point beyond the 2-sigma line, a point beyond the process limit included. MDC SQL v2.4
    Step 4i counts only points beyond 2 sigma and not beyond the limit ([Value] >
    [UpperTwoSigma] AND [Value] <= [UpperProcessLimit]), NHSRplotthedots R/ptd_spc_standard.R
    too (close_to_limits = !outside_limits & ...). csc-perf follows MDC: a band point next to
    a point beyond the limit is not two-of-three. Target (c)."""
    points = with_base([BAND, 12.0, ABOVE])
    assert flagged(points, "two_of_three") == []
    assert flagged(points, "beyond_limit") == [1]


def test_a_point_on_the_limit_counts_in_the_two_sigma_band():
    """MDC SQL v2.4 Step 4i: the band is [Value] > [UpperTwoSigma] AND [Value] <=
    [UpperProcessLimit], so a point exactly on the limit (not beyond it, Step 4f) counts
    towards two-of-three; NHSRplotthedots R/ptd_spc_standard.R agrees (close_to_limits =
    !outside_limits & y > nupl) and so does PowerBI-SPC (any point > ul95). The lead's
    target (c) says "strictly between": all four peers include the limit. Flagged."""
    points = with_base([10.32, ABOVE, BAND])
    assert flagged(points, "two_of_three") == [0, 2]


@pytest.mark.parametrize(
    ("target", "polarity", "expected"),
    [
        (10.0, "higher", "fail"),
        (0.0, "higher", "pass"),
        (10.0, "lower", "pass"),
        (0.0, "lower", "fail"),
        (5.0, "higher", "hit_or_miss"),
        (15.0, "higher", "fail"),
        (-5.0, "higher", "pass"),
        (15.0, "lower", "pass"),
        (-5.0, "lower", "fail"),
    ],
)
def test_assurance_target_on_a_limit(target, polarity, expected):
    """Target exactly on a process limit: MDC SQL v2.4 Step 4k ([Target] <= [LowerProcessLimit]
    -> 'Pass' for 'Up'; [Target] >= [UpperProcessLimit] -> 'Fail'; change log 2.1: "Updated
    [AssuranceIcon] to be a pass/fail when the target is on a process limit") is followed.
    AUS-DOH-Safety-and-Quality/PowerBI-SPC test/Outlier Flagging/assuranceIconToDraw.test.ts
    ("should treat target exactly on upper/lower limit as inconsistent") and NHSRplotthedots
    R/ptd_calculate_assurance_type.R (target > upl / target < lpl) say hit-or-miss there:
    they differ from MDC (PowerBI's boundary cases are for 'increase' only; the two 'lower'
    cases on a limit are MDC's Step 4k for 'Down'). The other cases are PowerBI's (limits 0
    and 10)."""
    assert assurance(target, 0.0, 10.0, polarity) == expected


# -- MDC SQL v2.4 ---------------------------------------------------------------------------

M1 = MDC["M1"]

# Hand calculation (exact decimals, as MDC's DECIMAL(38, 19) AVG): mean, lower, upper.
M1_LIMITS = {
    "TOTAL": (0.924115384615, 0.911985784615, 0.936244984615),
    "Department A": (0.972115384615, 0.961475384615, 0.982755384615),
    "Department B": (0.957538461538, 0.944664061538, 0.970412861538),
    "Department C": (0.912076923077, 0.896116923077, 0.928036923077),
    "Department D": (0.9735, 0.9659456, 0.9810544),
}


@pytest.mark.parametrize("group", list(M1_LIMITS))
def test_mdc_m1_limits(group):
    """MDC SQL v2.4 sample metric M1 (weekly rate, 26 points per group; Step 3b): mean and
    process limits by hand (Step 4e: AVG([Value]); mean -/+ 2.66 x AVG(moving range))."""
    mean, lower, upper = M1_LIMITS[group]
    for p in run(M1[group]):
        assert p.mean == pytest.approx(mean, abs=1e-12)
        assert p.lower == pytest.approx(lower, abs=1e-12)
        assert p.upper == pytest.approx(upper, abs=1e-12)


def test_mdc_m1_total_beyond_the_limits():
    """MDC SQL v2.4 sample data M1 TOTAL: annotations "Below lower process limit"
    (2021-03-08, 0.91) and "Above upper process limit" (2021-05-31, 0.939). That nothing
    else is flagged is worked by hand from Steps 4f-4i (the sample annotates only where a
    pattern starts). M1 is 'Up' with conflict rule 'Concern'."""
    points = run(M1["TOTAL"], polarity="higher", conflict="concern")
    assert {i: sorted(p.rules) for i, p in enumerate(points) if p.rules} == {
        9: ["beyond_limit"],
        21: ["beyond_limit"],
    }
    assert points[9].variation == "concern_low"
    assert points[21].variation == "improvement_high"


def test_mdc_m1_department_a_shifts():
    """MDC SQL v2.4 sample data M1 Department A: "Start of seven points below mean"
    (2021-02-22: 0.97 and the six after, to 0.97 on 2021-04-05) and "Start of seven points
    above mean" (2021-05-10: 0.973 to 0.973 on 2021-06-21). The rest is by hand, not
    annotated in the sample: the mean is 0.97211538... (the 0.97s are below it); 0.96
    (2021-03-22) is below the lower limit (0.96147538..., Step 4f), and 0.98 twice in three
    weeks makes two-of-three high (Step 4i)."""
    points = run(M1["Department A"], polarity="higher", conflict="concern")
    assert flagged(points, "shift") == [*range(7, 14), *range(18, 25)]
    assert flagged(points, "beyond_limit") == [11]
    assert flagged(points, "two_of_three") == [21, 23]
    assert {points[i].variation for i in range(7, 14)} == {"concern_low"}
    assert {points[i].variation for i in range(18, 25)} == {"improvement_high"}


def test_mdc_m1_department_b_trends():
    """MDC SQL v2.4 sample data M1 Department B: "Start of seven points increasing"
    (2021-02-01: 0.947 ... 0.967) and "Start of seven points decreasing" (2021-04-19:
    0.963 ... 0.952): seven points each, endpoints included (Step 4h). That nothing else is
    flagged is worked by hand from Steps 4f-4i."""
    points = run(M1["Department B"], polarity="higher", conflict="concern")
    assert flagged(points, "trend") == [*range(4, 11), *range(15, 22)]
    assert {i for i, p in enumerate(points) if p.rules} == {*range(4, 11), *range(15, 22)}
    assert {points[i].variation for i in range(4, 11)} == {"improvement_high"}
    assert {points[i].variation for i in range(15, 22)} == {"concern_low"}


def test_mdc_m1_department_c_two_of_three():
    """MDC SQL v2.4 sample data M1 Department C: "Two out of three points within two-to-three
    sigma lines with the other point on the same side of the mean" (2021-03-22: 0.898 and
    0.901 the week after, with 0.905 the week before, all below the mean) and "Three out of
    three points within two-to-three sigma lines" (2021-06-14 to 2021-06-28: 0.923, 0.924,
    0.923). Only the points in the band are flagged (Step 4i); that nothing else is flagged
    is worked by hand."""
    points = run(M1["Department C"], polarity="higher", conflict="concern")
    assert flagged(points, "two_of_three") == [11, 12, 23, 24, 25]
    assert {i for i, p in enumerate(points) if p.rules} == {11, 12, 23, 24, 25}
    assert points[11].variation == "concern_low"
    assert points[24].variation == "improvement_high"


def test_mdc_m1_department_d_conflict_is_resolved_as_concern():
    """MDC SQL v2.4 sample data M1 Department D: "Start of decrease (concern) while still
    above mean (improvement)" (2021-03-01) and "Start of increase (improvement) while still
    below mean (concern)" (2021-04-26). M1's [MetricConflictRule] is 'Concern' (Step 3a), so
    a point that is both shows concern (Step 4j). Both turning points belong to two trends
    (the one ending there and the one starting there). The sample annotates only those two
    starts: the lists of trend, shift, beyond-limit and two-of-three points asserted here are
    worked by hand from Steps 4f-4i."""
    points = run(M1["Department D"], polarity="higher", conflict="concern")
    assert flagged(points, "trend") == list(range(26))
    assert flagged(points, "shift") == list(range(2, 26))
    assert flagged(points, "beyond_limit") == [*range(5, 11), *range(14, 22)]
    assert flagged(points, "two_of_three") == [3, 4, 11, 12, 22, 23]
    for i in range(8, 13):  # decreasing (concern) while above the mean (improvement)
        assert points[i].variation == "concern_low", i
    for i in range(16, 22):  # increasing (improvement) while below the mean (concern)
        assert points[i].variation == "concern_low", i
    improvement = run(M1["Department D"], polarity="higher", conflict="improvement")
    assert improvement[9].variation == "improvement_high"
    assert improvement[17].variation == "improvement_high"


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        ("TOTAL", "fail"),
        ("Department A", "pass"),
        ("Department B", "hit_or_miss"),
        ("Department C", "fail"),
        ("Department D", "pass"),
    ],
)
def test_mdc_m1_assurance(group, expected):
    """MDC SQL v2.4 sample target for M1: 0.95 for every group (Step 3d), 'Up' (Step 4k:
    target <= lower limit: Pass; >= upper: Fail; else Hit or Miss), against the hand-calculated
    limits of test_mdc_m1_limits."""
    _, lower, upper = M1_LIMITS[group]
    assert assurance(M1["target"], lower, upper, "higher") == expected


M2 = MDC["M2"]


def test_mdc_m2_baseline_recalculation_and_ghost():
    """MDC SQL v2.4 sample metric M2 (monthly count, 'Down', 66 months from January 2016):
    baseline to December 2017 (#BaselineData), limits recalculated from September 2019
    ([RecalculateLimitsFlag] = 1), October 2020 (27) ghosted. Step 4c/4e: the months after
    the baseline use the baseline's limits; the new partition's mean and moving ranges leave
    the ghosted point out and take the range across it (LAG over non-ghosted points).
    By hand: baseline mean 371/24 = 15.458333..., limits 9.907029 and 21.009638; from
    September 2019, mean 109/21 = 5.190476..., limits 0.934476 and 9.446476. The sample has
    no annotations for M2: the shift, beyond-limit and two-of-three points and the assurance
    are worked by hand from Steps 4f-4k."""
    points = run(
        M2["TOTAL"],
        polarity="lower",
        conflict="concern",
        baseline_points=24,
        recalculate_from=(month(M2["recalculate_index"]),),
        exclude=(month(M2["ghost_index"]),),
    )
    ghost = M2["ghost_index"]
    for i, p in enumerate(points):
        if i == ghost:
            assert p.note == "excluded from SPC" and p.mean is None
        elif i < M2["recalculate_index"]:
            assert (p.mean, p.lower, p.upper) == pytest.approx(
                (371 / 24, 9.9070289855072464, 21.009637681159420), abs=1e-9
            )
        else:
            assert (p.mean, p.lower, p.upper) == pytest.approx(
                (109 / 21, 0.93447619047619048, 9.4464761904761905), abs=1e-9
            )
    assert flagged(points, "shift") == list(range(26, 35))
    assert flagged(points, "beyond_limit") == [27]
    assert flagged(points, "two_of_three") == [33, 34]
    assert {points[i].variation for i in range(26, 35)} == {"concern_high"}
    assert assurance(M2["target"], points[-1].lower, points[-1].upper, "lower") == "pass"


def test_mdc_m2_trend_runs_across_the_recalculation():
    """MDC SQL v2.4 Step 4h ("works across partitions"; change log 2.2: "Updated logic for
    trend special cause rule, allowing for crossing of partitions"): in M2, 21, 17, 14 (June
    to August 2019) and 8, 6, 5, 3 (September to December 2019, after the recalculation) are
    one decreasing trend of seven (read by hand off the sample data: MDC annotates none).
    NHSRplotthedots (R/ptd_calculate_point_type.R, grouped by rebase_group) and PowerBI-SPC
    (flagOutliers, per group) stop it at the recalculation; csc-perf follows MDC. A shift
    never crosses (each phase has its own mean). Target (e)."""
    points = run(
        M2["TOTAL"],
        polarity="lower",
        conflict="concern",
        baseline_points=24,
        recalculate_from=(month(M2["recalculate_index"]),),
        exclude=(month(M2["ghost_index"]),),
    )
    assert flagged(points, "trend") == list(range(41, 48))
    assert {points[i].variation for i in range(41, 48)} == {"improvement_low"}


@pytest.mark.parametrize(
    ("metric", "mean", "lower", "upper", "rules"),
    [
        (
            "M3",
            2324.7,
            1618.96,
            3030.44,
            {
                **dict.fromkeys(range(5, 14), "shift"),
                14: "beyond_limit",
                17: "two_of_three",
                19: "two_of_three",
            },
        ),
        (
            "M4",
            0.6231944444444444,
            0.60734722222222224,
            0.63904166666666656,
            {0: "beyond_limit", 3: "beyond_limit", **dict.fromkeys(range(6, 14), "shift")},
        ),
        ("M5", 886 / 19, -17.947309941520468, 111.21046783625731, {}),
    ],
)
def test_mdc_single_phase_metrics(metric, mean, lower, upper, rules):
    """MDC SQL v2.4 sample metrics M3 (daily count, 'Neither', 20 points), M4 (time of day,
    'Neither', 20 points) and M5 (days between events on an XmR chart, 'Up', 19 points):
    means and limits by hand (Step 4e), special causes by Steps 4f-4i (no annotation in the
    sample: worked by hand from the rules)."""
    values = MDC[metric]["TOTAL"]
    points = run(values, polarity="higher" if metric == "M5" else "none")
    for p in points:
        assert p.mean == pytest.approx(mean, rel=1e-12)
        assert p.lower == pytest.approx(lower, rel=1e-12)
        assert p.upper == pytest.approx(upper, rel=1e-12)
    assert {i: "".join(sorted(p.rules)) for i, p in enumerate(points) if p.rules} == rules


def test_mdc_screening_keeps_a_moving_range_equal_to_3_267_times_the_mean():
    """Screening comparison: MDC SQL v2.4 Step 4e keeps [MovingRangeWithPartition] <=
    [MovingRangeMean] * 3.267 (option @ExcludeMovingRangeOutliers, off by default);
    NHSRplotthedots R/ptd_spc_standard.R (mr < 3.267 * amr), nhspy
    nhspy_plotthedots/pandas_spc_calculations.py (mr < 3.267 * amr) and PowerBI-SPC
    src/Limit Calculations/i.ts (consec_diff < consec_diff_ulim) drop it. Target (f): this
    test follows MDC. Moving ranges 811 (x11), 812 and 3267: their mean is exactly 1000, so
    3267 is kept by MDC (limits mean -/+ 2660) and dropped by the others (-/+ 2.66 x 9733/12)."""
    steps = [811, -811] * 5 + [811, 812, 3267]
    values = [10000.0]
    for step in steps:
        values.append(values[-1] + step * (1 if len(values) % 2 else -1))
    point = run(values, screen=True)[0]
    assert point.upper - point.mean == pytest.approx(2660.0)
    assert point.mean - point.lower == pytest.approx(2660.0)


def test_a_value_equal_to_the_decimal_mean_is_on_the_mean():
    """MDC SQL v2.4 keeps values as DECIMAL(38, 19) and compares [Value] > [Mean] exactly
    (Steps 3b, 4g); NHSRplotthedots (R's mean(), sign(y - mean)) puts such a value on the
    mean too. A baseline of 0.05 and 0.55 alternating has mean 0.3; the binary mean is
    0.30000000000000010, so 0.3 would read as below it and join the 0.05s around it into a
    shift of seven. On the mean, it breaks the run: 3 + 3 points, no shift. Target (b)."""
    points = run([0.05, 0.55] * 7 + [0.05, 0.05, 0.05, 0.3, 0.05, 0.05, 0.05], baseline_points=14)
    assert flagged(points, "shift") == []


def test_a_baseline_of_12_points_draws_limits():
    """Minimum points: MDC SQL v2.4 Step 2b (@SettingMinimumPointsPartition = 12: fewer
    non-ghosted points in a partition, baselines included, is a warning) and NHSRplotthedots
    R/ptd_spc_options.R (fix_after_n_points >= 12). Target (a): a 12-point baseline draws
    limits from its 12 points, on a series of at least 13. By hand: 1 and 3 alternating
    six times has mean 2 and moving ranges all 2; the 2s after it do not count."""
    values = [1.0, 3.0] * 6 + [2.0] * 4
    points = run(values, baseline_points=12)
    assert points[0].note is None
    assert points[0].mean == pytest.approx(2.0)
    assert points[0].upper == pytest.approx(2.0 + 2.66 * 2.0)
    assert points[0].lower == pytest.approx(2.0 - 2.66 * 2.0)


def test_a_short_phase_has_no_limits():
    """Target (a): a phase (here the whole series) of fewer than min_points (13) points gets
    no limits and says so. MDC SQL v2.4 Step 2b draws a chart of fewer than 15 non-ghosted
    points (@SettingMinimumPoints) as a run chart; NHSRplotthedots
    R/ptd_add_short_group_warnings.R only warns below 13 ("trial limits")."""
    points = run([1.0, 3.0] * 6)
    assert all(p.mean is None and p.note for p in points)
