"""RAG and direction of travel, in depth through the library: every boundary on both sides."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from csc_perf.methods.direction import direction_expr
from csc_perf.methods.rag import RAG_SEVERITY, rag_expr


def rate(
    value,
    *,
    polarity="higher",
    target=None,
    amber=(None, None),
    stretch=None,
    low=None,
    high=None,
    status="present",
):
    frame = pl.DataFrame(
        {
            "value": [value],
            "status": [status],
            "polarity": [polarity],
            "target": [target],
            "target_low": [low],
            "target_high": [high],
            "amber_kind": [amber[0]],
            "amber_value": [amber[1]],
            "stretch": [stretch],
        },
        schema={
            "value": pl.Float64,
            "status": pl.String,
            "polarity": pl.String,
            "target": pl.Float64,
            "target_low": pl.Float64,
            "target_high": pl.Float64,
            "amber_kind": pl.String,
            "amber_value": pl.Float64,
            "stretch": pl.Float64,
        },
    )
    return frame.select(rag_expr()).item()


# Higher is better, target 95%, amber within 5 percentage points.
@pytest.mark.parametrize(
    ("value", "expected"),
    [(100, "green"), (95, "green"), (94.999, "amber"), (90, "amber"), (89.999, "red"), (0, "red")],
)
def test_higher_absolute(value, expected):
    assert rate(value, target=95, amber=("absolute", 5)) == expected


# Lower is better, target 100, amber within 5% of the target (up to 105).
@pytest.mark.parametrize(
    ("value", "expected"),
    [(50, "green"), (100, "green"), (100.001, "amber"), (105, "amber"), (105.001, "red")],
)
def test_lower_relative(value, expected):
    assert rate(value, polarity="lower", target=100, amber=("relative", 0.05)) == expected


def test_relative_boundary_with_a_seed_target():
    # Rate of referrals: target 581, lower is better, amber to 5% above: 610.05.
    kwargs = dict(polarity="lower", target=581, amber=("relative", 0.05))
    assert rate(610.05, **kwargs) == "amber"
    assert rate(610.06, **kwargs) == "red"
    assert rate(588, **kwargs) == "amber"  # the seed's Oct-24 value


@pytest.mark.parametrize(("value", "expected"), [(95, "green"), (90, "amber"), (89.99, "red")])
def test_explicit_threshold(value, expected):
    assert rate(value, target=95, amber=("threshold", 90)) == expected
    mirrored = {"green": "green", "amber": "amber", "red": "red"}[expected]
    assert rate(190 - value, polarity="lower", target=95, amber=("threshold", 100)) == mirrored


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (15, "green"),
        (10, "green"),
        (20, "green"),
        (9.99, "amber"),
        (8, "amber"),
        (7.99, "red"),
        (22, "amber"),
        (22.01, "red"),
    ],
)
def test_range(value, expected):
    assert rate(value, polarity="range", low=10, high=20, amber=("absolute", 2)) == expected


def test_stretch_is_blue():
    assert rate(98, target=95, amber=("absolute", 5), stretch=98) == "blue"
    assert rate(97.9, target=95, amber=("absolute", 5), stretch=98) == "green"


def test_no_amber_rule_means_green_or_red():
    assert rate(94, target=95) == "red"
    assert rate(95, target=95) == "green"


def test_grey_and_no_data():
    assert rate(50, polarity="none") == "grey"
    assert rate(50, target=None) == "grey"
    assert rate(None, target=95, status="missing") == "no data"
    assert rate(None, target=95, status="suppressed") == "no data"


@given(
    st.floats(0, 200, allow_nan=False),
    st.floats(0, 50, allow_nan=False),
    st.sampled_from(["higher", "lower"]),
    st.sampled_from([("absolute", 5.0), ("relative", 0.1), (None, None)]),
)
def test_rating_never_improves_when_value_moves_the_wrong_way(value, worse_by, polarity, amber):
    worse = value - worse_by if polarity == "higher" else value + worse_by
    before = rate(value, polarity=polarity, target=100, amber=amber)
    after = rate(worse, polarity=polarity, target=100, amber=amber)
    assert RAG_SEVERITY[after] >= RAG_SEVERITY[before]


def direction(
    value, comparator, *, polarity="higher", unit="count", no_change=0.0, low=None, high=None
):
    frame = pl.DataFrame(
        {
            "value": [value],
            "base": [comparator],
            "polarity": [polarity],
            "unit": [unit],
            "no_change": [no_change],
            "target_low": [low],
            "target_high": [high],
        },
        schema={
            "value": pl.Float64,
            "base": pl.Float64,
            "polarity": pl.String,
            "unit": pl.String,
            "no_change": pl.Float64,
            "target_low": pl.Float64,
            "target_high": pl.Float64,
        },
    )
    return frame.select(direction_expr("base")).item()


def test_direction_by_polarity():
    assert direction(403, 305, polarity="lower") == "declining"  # more statutory referrals
    assert direction(196, 100, polarity="higher") == "improving"  # more Early Help referrals
    assert direction(33, 12, polarity="none") == "increased"
    assert direction(202, 223, polarity="none") == "decreased"
    assert direction(14, 14, unit="percent", polarity="lower") == "no change"


def test_no_change_threshold_in_points_and_percent():
    # Percentages: percentage points. 84% -> 85% is 1pp.
    assert direction(85, 84, unit="percent", no_change=1) == "no change"
    assert direction(85.5, 84, unit="percent", no_change=1) == "improving"
    # Counts: % of the comparator. 473 -> 468 is -1.06%.
    assert direction(468, 473, polarity="lower", no_change=1) == "improving"
    assert direction(468, 473, polarity="lower", no_change=1.1) == "no change"


def test_not_comparable():
    assert direction(5, None) == "not comparable"
    assert direction(None, 5) == "not comparable"
    assert direction(3, 0) == "not comparable"  # no % change from 0
    assert direction(3, 0, unit="percent") == "improving"  # but 3pp from 0% is a change


def test_range_direction_is_distance_to_the_range():
    assert direction(22, 25, polarity="range", low=10, high=20) == "improving"
    assert direction(8, 12, polarity="range", low=10, high=20) == "declining"
    assert direction(12, 18, polarity="range", low=10, high=20) == "no change"
