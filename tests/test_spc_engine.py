"""The SPC engine (:func:`csc_perf.methods.spc.xmr_frame`, many series at once) gives what the
one-series oracle (tests/spc_oracle.py) gives, with every option: phases, exclusions,
baselines, screening, conflict, min_points, turned off; with gaps and ties on the mean.

Values are quarters (k / 4), so every sum is exact and both sides must agree to the bit;
one seeded run also uses arbitrary floats (numbers to within rounding, words exactly).
"""

from __future__ import annotations

import random
from datetime import date

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from csc_perf.methods.spc import month_index, spc_params, xmr_frame
from csc_perf.methods.spc_results import assurance_expr
from csc_perf.model.calendar import add_months
from spc_oracle import SpcOptions, SpcPoint, assurance, xmr

START = date(2021, 4, 1)
POLARITIES = ["higher", "lower", "none", "range"]
NUMBERS = ("spc_mean", "spc_lower", "spc_upper")

# One chart: (months, values); one indicator: (options, polarity, charts of its authorities).
Chart = tuple[list[date], list[float | None]]
Case = tuple[SpcOptions, str, list[Chart]]


def expected_row(point: SpcPoint, note: str) -> dict:
    """What the engine must say for one point of the oracle's chart."""
    limited = point.mean is not None
    return {
        "spc_mean": point.mean,
        "spc_lower": point.lower,
        "spc_upper": point.upper,
        "spc_rule": ";".join(point.rules) if limited else None,
        "spc_variation": point.variation,
        "spc_note": None
        if limited
        else ("excluded from SPC" if point.excluded else (note or None)),
    }


def run_both(cases: list[Case], wanted_share: float = 1.0, seed: int = 0):
    """The oracle's rows by (authority, indicator, mi), and the engine's frame for the same
    series in one call (only a share of the rows asked for when ``wanted_share`` < 1)."""
    rows, options, polarity, expected = [], {}, {}, {}
    for k, (opts, pol, charts) in enumerate(cases):
        indicator = f"i{k}"
        options[indicator], polarity[indicator] = opts, pol
        for a, (months, values) in enumerate(charts):
            authority = f"{800 + a}"
            chart = xmr(months, values, polarity=pol, options=opts)
            for month, value, point in zip(months, values, chart.points, strict=True):
                rows.append((authority, indicator, month_index(month), value))
                expected[(authority, indicator, month_index(month))] = expected_row(
                    point, chart.note
                )
    schema = {"authority": pl.String, "indicator": pl.String, "mi": pl.Int32, "value": pl.Float64}
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    wanted = None
    if wanted_share < 1:
        pick = random.Random(seed)
        wanted = frame.select("authority", "indicator", "mi").filter(
            pl.Series([pick.random() < wanted_share for _ in range(frame.height)], dtype=pl.Boolean)
        )
        keep = set(wanted.iter_rows())
        expected = {k: v for k, v in expected.items() if k in keep}
    got = xmr_frame(frame, spc_params(options, polarity), wanted)
    return expected, got


def check(cases: list[Case], *, exact: bool = True, wanted_share: float = 1.0) -> None:
    expected, got = run_both(cases, wanted_share)
    assert got.height == len(expected)
    for row in got.iter_rows(named=True):
        want = expected[(row["authority"], row["indicator"], row["mi"])]
        have = {k: row[k] for k in want}
        if not exact:
            for k in NUMBERS:
                if want[k] is not None:
                    want[k] = pytest.approx(want[k], rel=1e-9, abs=1e-9)
        assert have == want, (row["authority"], row["indicator"], row["mi"])


def monthly(values: list[float | None], start: date = START) -> Chart:
    return [add_months(start, k) for k in range(len(values))], values


# -- hypothesis: many indicators, authorities, options, gaps and ties ---------------------
value = st.one_of(
    st.none(),
    st.integers(0, 12).map(float),  # few distinct values: ties on the mean and flat steps
    st.integers(0, 400).map(lambda k: k / 4),
)


# Runs: rising or falling by a quarter or more each month (trends), or level (on the mean).
run = st.builds(
    lambda start, step, length: [start / 4 + k * step / 4 for k in range(length)],
    st.integers(0, 200),
    st.sampled_from([-4, -1, 0, 1, 2]),
    st.integers(3, 10),
)
values = st.lists(st.one_of(st.lists(value, max_size=6), run), max_size=6).map(
    lambda parts: [v for part in parts for v in part][:36]
)


@st.composite
def charts(draw, count: int) -> list[Chart]:
    out = []
    for _ in range(count):
        figures = draw(values)
        n = len(figures)
        steps = draw(st.lists(st.sampled_from([1, 1, 1, 1, 2, 5]), min_size=n, max_size=n))
        offsets = [sum(steps[: i + 1]) for i in range(n)]  # a step over 1 leaves a month out
        months = [add_months(START, k) for k in offsets]
        out.append((months, figures))
    return out


# Recalculation and exclusion dates: months of the series, before and after it, and days
# other than the first (a recalculation on the 15th starts with the next month).
dates = st.builds(
    lambda k, day: add_months(START, k).replace(day=day),
    st.integers(-3, 70),
    st.sampled_from([1, 1, 1, 15]),
)


@st.composite
def cases(draw) -> Case:
    options = SpcOptions(
        enabled=draw(st.integers(0, 9)) > 0,
        min_points=draw(st.integers(2, 15)),
        shift_run=draw(st.integers(6, 8)),
        trend_run=draw(st.integers(6, 8)),
        baseline_points=draw(st.one_of(st.none(), st.integers(2, 20))),
        recalculate_from=tuple(draw(st.lists(dates, max_size=3))),
        exclude=tuple(draw(st.lists(dates, max_size=4))),
        screen=draw(st.booleans()),
        conflict=draw(st.sampled_from(["improvement", "concern"])),
    )
    polarity = draw(st.sampled_from(POLARITIES))
    return options, polarity, draw(charts(draw(st.integers(1, 3))))


@given(st.lists(cases(), min_size=1, max_size=4))
def test_engine_matches_the_oracle(generated):
    check(generated)


@given(st.lists(cases(), min_size=1, max_size=3))
def test_wanted_rows_are_those_of_the_whole_chart(generated):
    check(generated, wanted_share=0.5)


# -- constructed cases -------------------------------------------------------------------
VECTOR = [1.0, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
TWO_LEVELS = [10.0, 12] * 7 + [30.0, 32] * 7


def month(k: int, day: int = 1) -> date:
    return add_months(START, k).replace(day=day)


@pytest.mark.parametrize(
    "options",
    [
        SpcOptions(),
        SpcOptions(screen=True),
        SpcOptions(exclude=(month(4),)),
        SpcOptions(exclude=(month(4, 15),)),  # not a month: excludes nothing
        SpcOptions(recalculate_from=(month(14),)),
        SpcOptions(recalculate_from=(month(13, 2),)),  # the 2nd: from the next month
        SpcOptions(recalculate_from=(month(14), month(14), month(-5), month(99))),
        SpcOptions(recalculate_from=(month(3), month(5)), min_points=2),  # a 2-point phase
        SpcOptions(recalculate_from=(month(20),)),  # the second phase is too short: noted
        SpcOptions(baseline_points=14),
        SpcOptions(baseline_points=14, recalculate_from=(month(14),), exclude=(month(15),)),
        SpcOptions(conflict="concern", baseline_points=14),
        SpcOptions(enabled=False, exclude=(month(2),)),
        SpcOptions(min_points=40),
    ],
)
@pytest.mark.parametrize("polarity", POLARITIES)
def test_constructed_series(options, polarity):
    rising = [10.0, 30] * 7 + [11, 12, 13, 14, 15, 16, 17]  # shift low and trend high
    gaps = [None if k % 5 == 3 else v for k, v in enumerate(TWO_LEVELS)]
    check(
        [
            (
                options,
                polarity,
                [
                    monthly(VECTOR),
                    monthly(TWO_LEVELS),
                    monthly(rising),
                    monthly(gaps),
                    monthly([5.0] * 20),  # every point on the mean
                    monthly([None] * 6),  # rows, but no figure
                ],
            )
        ]
    )


def test_many_series_with_arbitrary_floats():
    pick = random.Random(13)
    generated: list[Case] = []
    for _ in range(60):
        options = SpcOptions(
            min_points=pick.randint(2, 15),
            baseline_points=pick.choice([None, None, pick.randint(2, 20)]),
            recalculate_from=tuple(month(pick.randint(0, 40)) for _ in range(pick.randint(0, 2))),
            exclude=tuple(month(pick.randint(0, 40)) for _ in range(pick.randint(0, 3))),
            screen=pick.random() < 0.5,
            conflict=pick.choice(["improvement", "concern"]),
        )
        series = []
        for _ in range(pick.randint(1, 4)):
            level = pick.uniform(0, 500)
            values = [
                None if pick.random() < 0.1 else level + pick.gauss(0, 20)
                for _ in range(pick.randint(0, 40))
            ]
            series.append(monthly(values))
        generated.append((options, pick.choice(POLARITIES), series))
    check(generated, exact=False)


# -- assurance -----------------------------------------------------------------------------
number = st.integers(-8, 8).map(float)  # small: targets on a limit
limits = st.one_of(st.just((None, None)), st.tuples(number, number).map(sorted))  # both or none


@given(st.lists(st.tuples(st.one_of(st.none(), number), limits, st.sampled_from(POLARITIES))))
def test_assurance_matches_the_oracle(generated):
    rows = [(target, lower, upper, polarity) for target, (lower, upper), polarity in generated]
    frame = pl.DataFrame(
        rows,
        schema={
            "target": pl.Float64,
            "spc_lower": pl.Float64,
            "spc_upper": pl.Float64,
            "polarity": pl.String,
        },
        orient="row",
    )
    got = frame.select(assurance_expr()).to_series().to_list()
    assert got == [assurance(*row) for row in rows]
