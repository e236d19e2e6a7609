"""The vectorised XmR gives exactly what the one-series implementation gives."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csc_perf.methods.spc import xmr_frame
from csc_perf.model.calendar import add_months
from spc_oracle import SpcOptions, xmr

START = date(2020, 1, 1)

values = st.lists(
    st.one_of(st.none(), st.integers(0, 30).map(float), st.floats(0, 100, allow_nan=False)),
    min_size=0,
    max_size=40,
)
options = st.fixed_dictionaries(
    {
        "min_points": st.integers(2, 15),
        "shift_run": st.integers(6, 8),
        "trend_run": st.integers(6, 8),
        "screen": st.booleans(),
        "conflict": st.sampled_from(["improvement", "concern"]),
    }
)


def compare(series: list[float | None], polarity: str, opts: dict) -> None:
    months = [add_months(START, k) for k in range(len(series))]
    expected = xmr(months, series, polarity=polarity, options=SpcOptions(**opts)).points
    frame = pl.DataFrame(
        {
            "authority": ["1"] * len(series),
            "indicator": ["x"] * len(series),
            "mi": list(range(len(series))),
            "value": series,
        },
        schema={
            "authority": pl.String,
            "indicator": pl.String,
            "mi": pl.Int32,
            "value": pl.Float64,
        },
    )
    params = pl.DataFrame(
        {"indicator": ["x"], "polarity": [polarity], **{k: [v] for k, v in opts.items()}}
    )
    got = xmr_frame(frame, params).sort("mi").to_dicts()
    assert len(got) == len(expected)
    for point, row in zip(expected, got, strict=True):
        if point.mean is None:
            assert row["spc_mean"] is None and row["spc_variation"] is None
            continue
        assert row["spc_mean"] == pytest.approx(point.mean)
        assert row["spc_upper"] == pytest.approx(point.upper)
        assert row["spc_lower"] == pytest.approx(point.lower)
        assert row["spc_rule"] == ";".join(point.rules), (series, row)
        assert row["spc_variation"] == point.variation


@settings(max_examples=150, deadline=None)
@given(values, st.sampled_from(["higher", "lower", "none", "range"]), options)
def test_vectorised_matches_the_reference(series, polarity, opts):
    compare(series, polarity, opts)


def test_the_product_vector_and_the_rules():
    vector = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    base = {"min_points": 13, "shift_run": 7, "trend_run": 7, "conflict": "improvement"}
    for screen in (False, True):
        compare([float(v) for v in vector], "higher", {**base, "screen": screen})
    compare([10.0, 12.0] * 7 + [1, 2, 3, 4, 5, 6, 7], "higher", {**base, "screen": False})
    compare([10.0, 30.0] * 7 + [11, 12, 13, 14, 15, 16, 17], "lower", {**base, "screen": False})
    compare([0.0, 6.0] * 7 + [14, 0, 14], "none", {**base, "screen": False})
