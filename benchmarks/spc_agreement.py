"""SPC agreement on national data: the vectorised engine against the one-series oracle.

    python benchmarks/spc_agreement.py WORKSPACE [--sample 300] [--seed 15]

Runs :func:`csc_perf.methods.spc.xmr_frame` once over every stored series of the
workspace's store (as ``csc-perf rag --authority all`` does), then the plain one-series
oracle (tests/spc_oracle.py) on a seeded sample of those series, and prints as JSON how
many points disagree: means and limits beyond 1e-9 (relative), rules, variation, notes.
All zeros means the engine gives the oracle's chart on real-sized data.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # the oracle lives beside the tests

from csc_perf import Workspace  # noqa: E402
from csc_perf.methods.spc import month_index, spc_params, xmr_frame  # noqa: E402
from spc_oracle import xmr  # noqa: E402
from test_spc_engine import expected_row  # noqa: E402

NUMBERS = ("spc_mean", "spc_lower", "spc_upper")


def agreement(workspace: Path, sample: int, seed: int) -> dict[str, int]:
    ws = Workspace.open(workspace)
    charted = {i.id: i for i in ws.definitions.indicators if not i.formula}
    stored = ws.export().filter(pl.col("indicator").is_in(list(charted)))
    rows = stored.select(
        "authority",
        "indicator",
        pl.col("month").dt.year().cast(pl.Int32) * 12 + pl.col("month").dt.month() - 1,
        "value",
    ).rename({"month": "mi"})
    params = spc_params(
        {k: i.spc for k, i in charted.items()}, {k: i.polarity for k, i in charted.items()}
    )
    engine = xmr_frame(rows, params)
    series = sorted(stored.select("authority", "indicator").unique().iter_rows())
    picked = random.Random(seed).sample(series, min(sample, len(series)))
    wanted = pl.DataFrame(picked, schema=["authority", "indicator"], orient="row")
    got = {
        (r["authority"], r["indicator"], r["mi"]): r
        for r in engine.join(wanted, on=["authority", "indicator"], how="semi").iter_rows(
            named=True
        )
    }
    counts = {"series": len(picked), "points": 0, "missing": 0}
    counts.update({k: 0 for k in (*NUMBERS, "spc_rule", "spc_variation", "spc_note")})
    by_series = stored.join(wanted, on=["authority", "indicator"], how="semi").sort(
        "authority", "indicator", "month"
    )
    for (authority, indicator), chart_rows in by_series.group_by(
        "authority", "indicator", maintain_order=True
    ):
        definition = charted[indicator]
        months = chart_rows.get_column("month").to_list()
        values = chart_rows.get_column("value").to_list()
        chart = xmr(months, values, polarity=definition.polarity, options=definition.spc)
        for month, point in zip(months, chart.points, strict=True):
            counts["points"] += 1
            row = got.get((authority, indicator, month_index(month)))
            if row is None:
                counts["missing"] += 1
                continue
            want = expected_row(point, chart.note)
            for key, expected in want.items():
                if not _same(row[key], expected, key in NUMBERS):
                    counts[key] += 1
    return counts


def _same(have, want, number: bool) -> bool:
    if not number or have is None or want is None:
        return have == want
    return math.isclose(have, want, rel_tol=1e-9, abs_tol=1e-9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--sample", type=int, default=300, help="series to check (300)")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    print(json.dumps(agreement(args.workspace, args.sample, args.seed)))


if __name__ == "__main__":
    main()
