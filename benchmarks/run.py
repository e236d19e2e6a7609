"""The csc-perf benchmark suite: one command, side by side, medians, ratios.

    python benchmarks/run.py [--quick] [--data DIR] [--results FILE] [--no-scaling]

Generates the synthetic data (benchmarks/generate.py), builds the stores, checks that the
hand-written baselines agree with ``csc-perf rag``, then measures (wall time of whole
commands, interpreter start included; median of several runs, interleaved):

1. ``csc-perf --help`` against ``python -c "import typer, rich"``;
2. ``csc-perf rag --month 2024-10 --format csv`` on the example workspace (``csc-perf demo
   --keep``) against ``python -c "import polars, typer, rich"``;
3. ``csc-perf rag --month 2024-12 --authority all --no-spc --format csv`` on the national
   store against the Polars and the DuckDB baselines (benchmarks/baselines/) over its
   Parquet export; 4. the same rag with SPC against the Polars baseline;
5. ``csc-perf import national.csv`` into a fresh store against ``polars.read_csv`` +
   ``write_parquet`` of the same file; 6. the import of the same file with 500,000
   percentages on the wrong scale (out-of-range warnings) against the clean import;
7. peak memory (max RSS of the child process) of the import and the rag.

Then the agreement checks (baselines against csc-perf on every row; the SPC engine against
the one-series oracle on a sample of national series) and a scaling run (import and rag at
1x, 2x and 4x the authorities: time and peak memory per row). Writes
benchmarks/results.md (benchmarks/report.py) and prints the ratios. ``--quick`` uses 20
authorities instead of 153, fewer runs and no scaling run. Needs ``pip install -e
'.[bench]'`` (DuckDB) and numpy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from harness import (
    ENV,
    HERE,
    MONTH,
    PY,
    Timed,
    compare,
    csc,
    measure,
    quiet,
    workspace,
)
from report import write_results

DEMO_MONTH = "2024-10"
IMPORT_SCRIPT = """
import sys, polars as pl
pl.read_csv(sys.argv[1], schema_overrides={"Authority": pl.String, "Value": pl.String}) \\
    .write_parquet(sys.argv[2])
"""
#: Percentages written on the wrong scale in national-mistyped.csv (quick: fewer).
MISTYPED = 500_000
#: The scaling run's sizes: a quarter, half and all of the national authorities.
SCALES = (38, 76, 153)


def sanity(folder: Path, data: Path) -> list[str]:
    """The baselines against csc-perf on the 1-authority store: rag and direction."""
    ws = workspace(folder, data)
    quiet(csc("import", str(data / "local.csv")), cwd=ws)
    quiet(csc("export", "--format", "parquet", "-o", "obs.parquet"), cwd=ws)
    quiet(csc("indicators", "--format", "csv", "-o", "defs.csv"), cwd=ws)
    with (ws / "rag.csv").open("wb") as out:
        subprocess.run(
            csc("rag", "--month", MONTH, "--no-spc", "--format", "csv"),
            cwd=ws,
            check=True,
            stdout=out,
            env=ENV,
        )
    lines = []
    for name in ("duckdb", "polars"):
        quiet(
            [PY, str(baseline(name)), *inputs(ws, data), "--month", MONTH, "-o", f"{name}.csv"], ws
        )
        diff = compare(
            ws / "rag.csv", ws / f"{name}.csv", ("rag", "direction_previous", "direction_year_ago")
        )
        lines.append(f"{name} baseline vs csc-perf rag, 1 authority: {diff}")
    return lines


def baseline(name: str) -> Path:
    return HERE / "baselines" / f"{name}_rag.py"


def inputs(ws: Path, data: Path) -> list[str]:
    return [str(ws / "obs.parquet"), str(ws / "defs.csv"), str(data / "derived.csv")]


def generate(data: Path, authorities: int, mistyped: int = 0) -> dict:
    """The synthetic data, made in a child process (so this one stays small)."""
    done = subprocess.run(
        [PY, str(HERE / "generate.py"), "--out", str(data), "--authorities", str(authorities)]
        + (["--mistyped", str(mistyped)] if mistyped else []),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)


def imports(data: Path, csv: Path, label: str, folders: list[Path]) -> Timed:
    """``csc-perf import csv`` into a fresh workspace each run (its folder kept in
    ``folders``)."""
    timed = Timed(label, csc("import", str(csv)))

    def fresh_store() -> None:
        folders.append(workspace(data / f"import-{len(folders)}", data))
        timed.cwd = folders[-1]

    timed.setup = fresh_store
    return timed


def spc_agreement(national: Path, sample: int) -> str:
    """The SPC engine against the one-series oracle on ``sample`` national series."""
    done = subprocess.run(
        [PY, str(HERE / "spc_agreement.py"), str(national), "--sample", str(sample)],
        check=True,
        capture_output=True,
        text=True,
        env=ENV,
    )
    return done.stdout.strip()


def scaling(data: Path) -> list[dict]:
    """Import and rag (with SPC) at each of :data:`SCALES` authorities: one run each."""
    out = []
    for authorities in SCALES:
        folder = data / f"scale-{authorities}"
        info = generate(folder, authorities)
        folders: list[Path] = []
        imp = imports(folder, folder / "national.csv", f"import x{authorities}", folders)
        imp.run()
        rag = Timed(
            f"rag x{authorities}",
            csc("rag", "--month", MONTH, "--authority", "all", "--format", "csv"),
            folders[0],
            folder / "rag.csv",
        )
        rag.run()
        rows = info["national_rows"]
        out.append({"authorities": authorities, "rows": rows, "import": imp, "rag": rag})
        print(
            f"  {authorities} authorities ({rows:,} rows): import {imp.times[0]:.2f}s "
            f"{imp.peak / 2**20:.0f} MB, rag {rag.times[0]:.2f}s {rag.peak / 2**20:.0f} MB",
            flush=True,
        )
        shutil.rmtree(folder)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 authorities, fewer runs")
    parser.add_argument("--data", type=Path, default=HERE / ".data", help="scratch folder")
    parser.add_argument("--results", type=Path, default=None, help="default: results.md")
    parser.add_argument("--no-scaling", action="store_true", help="skip the scaling run")
    args = parser.parse_args()
    started = time.perf_counter()
    n_auth = 20 if args.quick else 153
    fast_runs, slow_runs = (3, 1) if args.quick else (5, 3)
    results_path = args.results or HERE / ("results-quick.md" if args.quick else "results.md")
    data = args.data.resolve()
    ENV["PYTHONPYCACHEPREFIX"] = str(data / "pycache")
    load_before = os.getloadavg()
    if load_before[0] > 0.5:
        print(f"warning: load average {load_before[0]:.2f}: the machine is busy", flush=True)

    print(f"generating synthetic data ({n_auth} authorities) in {data}", flush=True)
    t = time.perf_counter()
    info = generate(data, n_auth, MISTYPED // 10 if args.quick else MISTYPED)
    print(f"  {info} in {time.perf_counter() - t:.1f}s", flush=True)

    print("sanity: baselines against csc-perf rag on the 1-authority store", flush=True)
    checks = sanity(data / "local", data)
    for line in checks:
        print("  " + line, flush=True)

    print("building the example workspace (csc-perf demo --keep)", flush=True)
    demo = data / "demo"
    if demo.exists():
        shutil.rmtree(demo)
    quiet(csc("demo", "--keep", str(demo)))

    print("1. csc-perf --help", flush=True)
    help_ = Timed("csc-perf --help", csc("--help"))
    floor1 = Timed("import typer, rich", [PY, "-c", "import typer, rich"])
    measure([help_, floor1], fast_runs + 2, warmup=True)

    print("2. csc-perf rag on the example workspace", flush=True)
    rag_demo = Timed(
        "csc-perf rag (example)",
        csc("rag", "--month", DEMO_MONTH, "--format", "csv"),
        cwd=demo,
    )
    floor2 = Timed("import polars, typer, rich", [PY, "-c", "import polars, typer, rich"])
    measure([rag_demo, floor2], fast_runs + 2, warmup=True)

    print("5-6. importing the national extract (clean, and with out-of-range warnings)")
    folders: list[Path] = []
    imp = imports(data, data / "national.csv", "csc-perf import", folders)
    plain = Timed(
        "polars read_csv + write_parquet",
        [PY, "-c", IMPORT_SCRIPT, str(data / "national.csv"), str(data / "plain.parquet")],
    )
    warned = imports(
        data, data / "national-mistyped.csv", "csc-perf import (with warnings)", folders
    )
    measure([imp, plain, warned], slow_runs)
    national = data / "national"
    if national.exists():
        shutil.rmtree(national)
    folders[0].rename(national)
    for folder in folders[1:]:
        shutil.rmtree(folder)

    print("3-4. rag over the national store", flush=True)
    quiet(csc("export", "--format", "parquet", "-o", "obs.parquet"), cwd=national)
    quiet(csc("indicators", "--format", "csv", "-o", "defs.csv"), cwd=national)
    out = data / "out"
    out.mkdir(exist_ok=True)
    rag_args = ["rag", "--month", MONTH, "--authority", "all", "--format", "csv"]
    rag = Timed(
        "csc-perf rag --no-spc", csc(*rag_args, "--no-spc"), national, out / "rag-nospc.csv"
    )
    duck = Timed(
        "DuckDB baseline",
        [PY, str(baseline("duckdb")), *inputs(national, data), "--month", MONTH],
        stdout=out / "duckdb.csv",
    )
    polars_ = Timed(
        "Polars baseline",
        [PY, str(baseline("polars")), *inputs(national, data), "--month", MONTH],
        stdout=out / "polars.csv",
    )
    rag_spc = Timed("csc-perf rag (with SPC)", csc(*rag_args), national, out / "rag-spc.csv")
    measure([rag, duck, polars_, rag_spc], slow_runs)
    for name in ("duckdb", "polars"):
        diff = compare(
            out / "rag-nospc.csv",
            out / f"{name}.csv",
            ("rag", "direction_previous", "direction_year_ago", "authority_rank"),
        )
        checks.append(f"{name} baseline vs csc-perf rag, {n_auth} authorities: {diff}")
        print("  " + checks[-1], flush=True)
    sample = 50 if args.quick else 300
    checks.append(
        f"SPC engine vs the one-series oracle, {sample} national series (points that "
        f"differ): {spc_agreement(national, sample)}"
    )
    print("  " + checks[-1], flush=True)

    scaled = []
    if not (args.quick or args.no_scaling):
        print("scaling: import and rag at 1x, 2x and 4x the authorities", flush=True)
        scaled = scaling(data)

    total = time.perf_counter() - started
    write_results(
        results_path,
        quick=args.quick,
        info=info,
        checks=checks,
        total=total,
        load=(load_before, os.getloadavg()),
        scaled=scaled,
        help_=help_,
        floor1=floor1,
        rag_demo=rag_demo,
        floor2=floor2,
        rag=rag,
        duck=duck,
        polars_=polars_,
        rag_spc=rag_spc,
        imp=imp,
        plain=plain,
        warned=warned,
    )
    print(f"\nwrote {results_path} (whole run {total / 60:.1f} min)")


if __name__ == "__main__":
    main()
