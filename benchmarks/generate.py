"""Deterministic synthetic data for the csc-perf benchmarks.

Writes, into a scratch folder (default ``benchmarks/.data/``):

* ``indicators.toml``: 300 stored indicators across 10 themes (counts, flow and snapshot;
  percentages 0-100; snapshot rates; averages) with polarity higher/lower/none, targets and
  amber rules on about half of those with a polarity, plus one derived flow rate per theme
  (``rolling_sum(count, 12) / population * 10000``) and ``[workspace] authority = "852"``;
* ``derived.csv``: for the baselines, each derived rate's source count and the population
  the formula divides by (only the workspace's authority has one, as in csc-perf);
* ``local.csv``: ``Authority,Indicator,Month,Value`` for authority 852, 300 indicators,
  120 months (2015-01 to 2024-12): 36,000 rows;
* ``national.csv``: the same for N authorities (default 153, real DfE LA codes from the
  statistical neighbours file): 5.5 million rows;
* ``national-mistyped.csv`` (with ``--mistyped N``): ``national.csv`` with the first N
  percentage cells above 1 multiplied by 100 (a mistyped scale: out-of-range warnings).

About 2% of cells are blank (missing) and 1% ``c`` (suppressed). Each series is a level
(by indicator and authority) with a trend, a yearly season and noise. Same seed, same files.

    python benchmarks/generate.py [--out DIR] [--authorities N] [--seed S] [--mistyped N]
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
NEIGHBOURS = HERE.parent / "src" / "csc_perf" / "data" / "statistical_neighbours_2021.csv"
WORKSPACE_AUTHORITY = "852"
POPULATION = 50000
N_INDICATORS = 300
START_YEAR, N_MONTHS = 2015, 120
THEMES = [
    ("front_door", "Front door and early help"),
    ("assessment", "Assessment"),
    ("child_in_need", "Children in need"),
    ("child_protection", "Child protection"),
    ("children_in_care", "Children in our care"),
    ("placements", "Placements and sufficiency"),
    ("permanence", "Permanence"),
    ("care_leavers", "Care leavers"),
    ("workforce", "Workforce"),
    ("quality", "Quality and timeliness"),
]
# kind: (unit, measure, share)
KINDS = [
    ("count", "flow", 0.30),
    ("count", "snapshot", 0.25),
    ("percent", "percentage", 0.30),
    ("rate", "snapshot", 0.05),
    ("average", "ratio", 0.10),
]


def authority_codes(n: int) -> list[str]:
    """The workspace's authority first, then real LA codes in file order."""
    codes = [WORKSPACE_AUTHORITY]
    with NEIGHBOURS.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.reader(handle):
            code = row[0].strip() if row else ""
            if len(code) == 3 and code.isdigit() and code not in codes:
                codes.append(code)
    if n > len(codes):
        raise SystemExit(f"only {len(codes)} authority codes available")
    return codes[:n]


def make_definitions(rng: np.random.Generator) -> tuple[list[dict], list[dict]]:
    """Stored indicators (with the series parameters) and the derived rates."""
    shares = np.array([k[2] for k in KINDS])
    kinds = rng.choice(len(KINDS), size=N_INDICATORS, p=shares / shares.sum())
    indicators = []
    for n in range(N_INDICATORS):
        unit, measure, _ = KINDS[kinds[n]]
        theme = THEMES[n * len(THEMES) // N_INDICATORS][0]
        polarity = str(rng.choice(["higher", "lower", "none"], p=[0.35, 0.4, 0.25]))
        if unit == "count":
            level = float(rng.lognormal(np.log(120 if measure == "flow" else 300), 0.8))
            decimals = 0
        elif unit == "percent":
            level = float(rng.uniform(15, 92))
            decimals = 1
        elif unit == "rate":
            level = float(rng.uniform(20, 600))
            decimals = 1
        else:
            level = float(rng.uniform(5, 25))
            decimals = 2
        ind = {
            "id": f"{theme}_{unit}_{n:03d}",
            "name": f"Synthetic {measure} {unit} indicator {n:03d} ({theme.replace('_', ' ')})",
            "theme": theme,
            "unit": unit,
            "measure": measure,
            "polarity": polarity,
            "decimals": decimals,
            "level": level,
            "trend": float(rng.normal(0, 0.002)),  # relative change per month
            "season": float(rng.uniform(0, 0.15)),
            "noise": float(rng.uniform(0.02, 0.12)),
            "target": None,
        }
        if polarity != "none" and rng.random() < 0.5:
            # Around the workspace's level, a little either side, so RAG is mixed.
            end = level * (1 + ind["trend"] * N_MONTHS)
            target = end * float(rng.uniform(0.9, 1.1))
            if unit == "percent":
                target = min(max(target, 1.0), 99.0)
            ind["target"] = round(target, decimals if unit != "count" else 0)
            ind["amber"] = "{ absolute = 5 }" if unit == "percent" else "{ relative = 0.05 }"
        indicators.append(ind)
    derived = []
    for theme, _ in THEMES:
        flows = [i for i in indicators if i["theme"] == theme and i["measure"] == "flow"]
        if not flows:
            continue
        source = flows[0]
        rate = source["level"] * 12 / POPULATION * 10000
        derived.append(
            {
                "id": f"{source['id']}_rate",
                "name": f"Rate of {source['name'][10:]} per 10,000 children",
                "theme": theme,
                "source": source["id"],
                "target": round(rate * float(rng.uniform(0.9, 1.1)), 1),
            }
        )
    return indicators, derived


def write_definitions(path: Path, indicators: list[dict], derived: list[dict]) -> None:
    lines = [
        "# Synthetic definitions for the csc-perf benchmarks (benchmarks/generate.py).",
        "[workspace]",
        f'authority = "{WORKSPACE_AUTHORITY}"',
        'authority_name = "Synthetic"',
        "",
        "[population]",
        "year = 2022",
        f'estimates = {{ "2022" = {POPULATION} }}',
        "",
    ]
    for theme, name in THEMES:
        lines += ["[[theme]]", f'id = "{theme}"', f'name = "{name}"', ""]
    by_theme = {t: [] for t, _ in THEMES}
    for ind in indicators:
        by_theme[ind["theme"]].append(ind)
    for d in derived:
        by_theme[d["theme"]].append(d)
    for theme, _ in THEMES:
        for ind in by_theme[theme]:
            lines += ["[[indicator]]", f'id = "{ind["id"]}"', f'name = "{ind["name"]}"']
            lines.append(f'theme = "{theme}"')
            if "source" in ind:
                lines += [
                    'unit = "rate"',
                    'measure = "flow"',
                    'polarity = "lower"',
                    f"target = {ind['target']}",
                    "amber = { relative = 0.05 }",
                    f'formula = "rolling_sum({ind["source"]}, 12) / population * 10000"',
                    "decimals = 1",
                    "",
                ]
                continue
            lines += [
                f'unit = "{ind["unit"]}"',
                f'measure = "{ind["measure"]}"',
                f'polarity = "{ind["polarity"]}"',
            ]
            if ind["target"] is not None:
                lines += [f"target = {ind['target']}", f"amber = {ind['amber']}"]
            if ind["unit"] == "percent":
                lines.append("valid_range = [0, 100]")
            lines += [f"decimals = {ind['decimals']}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def month_labels() -> list[str]:
    return [f"{START_YEAR + m // 12}-{m % 12 + 1:02d}" for m in range(N_MONTHS)]


def series(
    rng: np.random.Generator, indicators: list[dict], n_authorities: int, local: bool
) -> np.ndarray:
    """Values, shape (authorities, indicators, months); NaN = missing, -1 = suppressed."""
    n_ind = len(indicators)
    level = np.array([i["level"] for i in indicators])
    trend = np.array([i["trend"] for i in indicators])
    season = np.array([i["season"] for i in indicators])
    noise = np.array([i["noise"] for i in indicators])
    units = np.array([i["unit"] for i in indicators])
    t = np.arange(N_MONTHS)
    # Authority scale (size) and its own drift; the workspace's authority is the reference.
    scale = rng.lognormal(0, 0.35, size=(n_authorities, n_ind))
    drift = rng.normal(0, 0.001, size=(n_authorities, n_ind))
    phase = rng.uniform(0, 2 * np.pi, size=(n_ind,))
    if local:
        scale[0], drift[0] = 1.0, 0.0
    percent = units == "percent"
    # Percentages move around their level, not with the authority's size.
    scale[:, percent] = np.clip(1 + (scale[:, percent] - 1) * 0.3, 0.5, 1.5)
    base = (level * scale)[:, :, None]
    shape = 1 + (trend + drift)[:, :, None] * t
    seasonal = 1 + season[None, :, None] * np.sin(2 * np.pi * t / 12 + phase[None, :, None])
    eps = rng.normal(0, 1, size=(n_authorities, n_ind, N_MONTHS)) * noise[None, :, None]
    values = base * shape * seasonal * (1 + eps)
    values = np.maximum(values, 0)
    values[:, percent, :] = np.clip(values[:, percent, :], 0, 100)
    u = rng.random(size=values.shape)
    values[u < 0.02] = np.nan
    values[(u >= 0.02) & (u < 0.03)] = -1.0
    return values


def write_extract(path: Path, values: np.ndarray, codes: list[str], indicators: list[dict]):
    n_auth, n_ind, n_months = values.shape
    months = month_labels()
    flat = values.reshape(-1)
    decimals = np.array([i["decimals"] for i in indicators])
    dec = np.broadcast_to(decimals[None, :, None], values.shape).reshape(-1)
    frame = pl.DataFrame(
        {
            "Authority": pl.Series(np.repeat(codes, n_ind * n_months), dtype=pl.String),
            "Indicator": pl.Series(
                np.tile(np.repeat([i["id"] for i in indicators], n_months), n_auth),
                dtype=pl.String,
            ),
            "Month": pl.Series(np.tile(months, n_auth * n_ind), dtype=pl.String),
            "v": pl.Series(flat, dtype=pl.Float64, nan_to_null=True),
            "d": pl.Series(dec, dtype=pl.Int8),
        }
    )
    v = pl.col("v")
    text = (
        pl.when(v.is_null())
        .then(pl.lit(""))
        .when(v < 0)
        .then(pl.lit("c"))
        .when(pl.col("d") == 0)
        .then(v.round(0).cast(pl.Int64).cast(pl.String))
        .when(pl.col("d") == 1)
        .then(v.round(1).cast(pl.String))
        .otherwise(v.round(2).cast(pl.String))
    )
    frame.select("Authority", "Indicator", "Month", text.alias("Value")).write_csv(path)
    return frame.height


def write_mistyped(source: Path, path: Path, indicators: list[dict], count: int) -> int:
    """``source`` with ``count`` percentage figures written on the wrong scale (x100: 8700
    for 87%), each outside the valid range [0, 100]: the first ``count`` percentage cells
    above 1 in file order. Returns how many were changed (fewer if the file has fewer)."""
    percents = [i["id"] for i in indicators if i["unit"] == "percent"]
    frame = pl.read_csv(source, infer_schema=False)
    value = pl.col("Value").cast(pl.Float64, strict=False)
    candidate = pl.col("Indicator").is_in(percents) & (value > 1)
    chosen = candidate & (candidate.cast(pl.Int64).cum_sum() <= count)
    frame = frame.with_columns(
        pl.when(chosen)
        .then((value * 100).round(2).cast(pl.String))
        .otherwise("Value")
        .alias("Value")
    )
    frame.write_csv(path)
    return min(count, frame.select(candidate.sum()).item())


def generate(out: Path, n_authorities: int = 153, seed: int = 20241031, mistyped: int = 0) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    indicators, derived = make_definitions(rng)
    write_definitions(out / "indicators.toml", indicators, derived)
    pl.DataFrame(
        {
            "indicator": [d["id"] for d in derived],
            "source": [d["source"] for d in derived],
            "authority": [WORKSPACE_AUTHORITY] * len(derived),
            "population": [float(POPULATION)] * len(derived),
        }
    ).write_csv(out / "derived.csv")
    codes = authority_codes(n_authorities)
    local = series(np.random.default_rng(seed + 1), indicators, 1, local=True)
    n_local = write_extract(out / "local.csv", local, codes[:1], indicators)
    national = series(np.random.default_rng(seed + 2), indicators, n_authorities, local=False)
    n_national = write_extract(out / "national.csv", national, codes, indicators)
    info = {}
    if mistyped:
        info["mistyped"] = write_mistyped(
            out / "national.csv", out / "national-mistyped.csv", indicators, mistyped
        )
    return {
        **info,
        "indicators": len(indicators),
        "derived": len(derived),
        "authorities": n_authorities,
        "local_rows": n_local,
        "national_rows": n_national,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / ".data")
    parser.add_argument("--authorities", type=int, default=153)
    parser.add_argument("--seed", type=int, default=20241031)
    parser.add_argument(
        "--mistyped",
        type=int,
        default=0,
        help="also write national-mistyped.csv: national.csv with this many percentages "
        "x100 (out of range; 500000 for the warnings benchmark)",
    )
    args = parser.parse_args()
    print(json.dumps(generate(args.out, args.authorities, args.seed, args.mistyped)))


if __name__ == "__main__":
    main()
