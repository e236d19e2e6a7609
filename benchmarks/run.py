"""The csc-perf benchmark suite: one command, side by side, medians, ratios.

    python benchmarks/run.py [--quick] [--data DIR] [--results FILE]

Generates the synthetic data (benchmarks/generate.py), builds the stores, checks that the
hand-written baselines agree with ``csc-perf rag``, then measures (wall time of whole
commands, interpreter start included; median of several runs, interleaved):

1. ``csc-perf --help`` against ``python -c "import typer, rich"``;
2. ``csc-perf rag --month 2024-10 --format csv`` on the example workspace (``csc-perf demo
   --keep``) against ``python -c "import polars, typer, rich"``;
3. ``csc-perf rag --month 2024-12 --authority all --no-spc --format csv`` on the national
   store against the DuckDB and the Polars baselines (benchmarks/baselines/) over its
   Parquet export; the same rag with SPC is reported beside it;
4. ``csc-perf import national.csv`` into a fresh store against ``polars.read_csv`` +
   ``write_parquet`` of the same file;
5. peak memory (max RSS of the child process) of 3 and 4.

Writes benchmarks/results.md (machine, versions, date, medians, ratios, targets) and prints
the five ratios. ``--quick`` uses 20 authorities instead of 153 and fewer runs. Needs
``pip install -e '.[bench]'`` (DuckDB) and numpy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
CSC = shutil.which("csc-perf", path=str(Path(PY).parent)) or "csc-perf"
MONTH = "2024-12"
DEMO_MONTH = "2024-10"
IMPORT_SCRIPT = """
import sys, polars as pl
pl.read_csv(sys.argv[1], schema_overrides={"Authority": pl.String, "Value": pl.String}) \\
    .write_parquet(sys.argv[2])
"""
GB = 1024**3
TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None


@dataclass
class Timed:
    label: str
    argv: list[str]
    cwd: Path | None = None
    stdout: Path | None = None
    setup: object = None  # a callable run before each run (not timed)
    times: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)  # bytes

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def peak(self) -> int:
        return max(self.rss)

    def run(self) -> None:
        if self.setup is not None:
            self.setup()
        out = self.stdout.open("wb") if self.stdout else subprocess.DEVNULL
        err = Path(os.environ.get("TMPDIR", "/tmp")) / f"csc-bench-{os.getpid()}.err"
        try:
            with err.open("wb") as errors:
                # Peak memory: /usr/bin/time's %M (the child's max RSS, in KiB). Not
                # os.wait4's ru_maxrss: a child started by vfork/exec inherits this
                # process's high-water mark, so it would never read below run.py's own RSS.
                argv = self.argv
                if TIME:
                    argv = [TIME, "-f", "%M", "-o", str(err.with_suffix(".rss")), *argv]
                start = time.perf_counter()
                child = subprocess.Popen(argv, cwd=self.cwd, stdout=out, stderr=errors, env=ENV)
                _, status, usage = os.wait4(child.pid, 0)
                elapsed = time.perf_counter() - start
                child.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if self.stdout:
                out.close()
        if child.returncode != 0:
            raise SystemExit(
                f"{self.label} failed (exit {child.returncode}): {' '.join(self.argv)}\n"
                + err.read_text(errors="replace")[-2000:]
            )
        err.unlink(missing_ok=True)
        self.times.append(elapsed)
        rss = usage.ru_maxrss  # KiB on Linux
        if TIME:
            rss = int(err.with_suffix(".rss").read_text().split()[-1])
            err.with_suffix(".rss").unlink()
        self.rss.append(rss * 1024)


# Bytecode is cached (as a pip install would have it) but outside the source tree:
# PYTHONDONTWRITEBYTECODE would make an editable csc-perf recompile itself on every run
# while typer and rich load their installed .pyc files. Set in main() from --data.
ENV = {**os.environ, "NO_COLOR": "1"}
ENV.pop("PYTHONDONTWRITEBYTECODE", None)


def measure(
    commands: list[Timed], runs: int, budget: float | None = None, warmup: bool = False
) -> None:
    """Interleave the commands run by run; with a budget (seconds) stop after the run that
    would exceed it (always at least one run each). ``warmup``: one untimed run first."""
    if warmup:
        for command in commands:
            command.run()
            command.times.clear()
            command.rss.clear()
    started = time.perf_counter()
    for n in range(runs):
        for command in commands:
            command.run()
        spent = time.perf_counter() - started
        print(
            f"    run {n + 1}/{runs}: "
            + ", ".join(f"{c.label} {c.times[-1]:.2f}s" for c in commands),
            flush=True,
        )
        if budget is not None and spent * (n + 2) / (n + 1) > budget:
            break


def csc(*args: str) -> list[str]:
    return [CSC, *args]


def quiet(argv: list[str], cwd: Path | None = None) -> None:
    done = subprocess.run(argv, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(argv)}\n" + done.stderr.decode(errors="replace"))


def workspace(folder: Path, data: Path) -> Path:
    """A fresh workspace: the synthetic indicators.toml, the store beside it."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    shutil.copy(data / "indicators.toml", folder / "indicators.toml")
    return folder


def compare(ours: Path, theirs: Path, columns: tuple[str, ...]) -> dict[str, int]:
    """Rows (by authority and indicator) where the two CSVs differ, per column."""
    import polars as pl

    a = pl.read_csv(ours, infer_schema_length=0)
    b = pl.read_csv(theirs, infer_schema_length=0)
    joined = a.join(b, on=["authority", "indicator"], how="full", coalesce=True, suffix="_b")
    out = {"rows": a.height, "rows_baseline": b.height}
    for column in columns:
        out[column] = joined.filter(pl.col(column).ne_missing(pl.col(column + "_b"))).height
    return out


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


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ram_bytes() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"Python": platform.python_version()}
    for name in ("csc-perf", "polars", "deltalake", "duckdb", "typer", "rich"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 authorities, fewer runs")
    parser.add_argument("--data", type=Path, default=HERE / ".data", help="scratch folder")
    parser.add_argument("--results", type=Path, default=None, help="default: results.md")
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
    # In a child process, so that this one stays small while it starts the measured ones.
    done = subprocess.run(
        [PY, str(HERE / "generate.py"), "--out", str(data), "--authorities", str(n_auth)],
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(done.stdout)
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

    print("4. importing the national extract", flush=True)
    national_csv = data / "national.csv"
    imports = iter(range(100))
    import_dirs: list[Path] = []

    def fresh_store() -> None:
        import_dirs.append(workspace(data / f"import-{next(imports)}", data))
        imp.cwd = import_dirs[-1]

    imp = Timed("csc-perf import", csc("import", str(national_csv)), setup=fresh_store)
    plain = Timed(
        "polars read_csv + write_parquet",
        [PY, "-c", IMPORT_SCRIPT, str(national_csv), str(data / "plain.parquet")],
    )
    measure([imp, plain], slow_runs)
    national = data / "national"
    if national.exists():
        shutil.rmtree(national)
    import_dirs[0].rename(national)
    for folder in import_dirs[1:]:
        shutil.rmtree(folder)

    print("3. rag over the national store", flush=True)
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
    measure([rag, duck, polars_], slow_runs)
    rag_spc = Timed("csc-perf rag (with SPC)", csc(*rag_args), national, out / "rag-spc.csv")
    measure([rag_spc], slow_runs, budget=150)
    for name in ("duckdb", "polars"):
        diff = compare(
            out / "rag-nospc.csv",
            out / f"{name}.csv",
            ("rag", "direction_previous", "direction_year_ago", "authority_rank"),
        )
        checks.append(f"{name} baseline vs csc-perf rag, {n_auth} authorities: {diff}")
        print("  " + checks[-1], flush=True)

    total = time.perf_counter() - started
    write_results(
        results_path,
        quick=args.quick,
        info=info,
        checks=checks,
        total=total,
        load=(load_before, os.getloadavg()),
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
    )
    print(f"\nwrote {results_path} (whole run {total / 60:.1f} min)")


def write_results(
    path: Path, *, quick: bool, info: dict, checks: list[str], total: float, load, **m
):
    def ratio(a: Timed, b: Timed) -> float:
        return a.median / b.median

    def yes(ok: bool) -> str:
        return "met" if ok else "**missed**"

    r1 = ratio(m["help_"], m["floor1"])
    r2 = ratio(m["rag_demo"], m["floor2"])
    r3 = ratio(m["rag"], m["duck"])
    r3p = ratio(m["rag"], m["polars_"])
    r4 = ratio(m["imp"], m["plain"])
    mem3, mem4 = m["rag"].peak, m["imp"].peak
    summary = [
        ("1. `csc-perf --help` / `import typer, rich`", f"{r1:.2f}x", "<= 1.5x", yes(r1 <= 1.5)),
        (
            "2. `csc-perf rag` (example) / `import polars, typer, rich`",
            f"{r2:.2f}x",
            "<= 1.5x",
            yes(r2 <= 1.5),
        ),
        (
            "3. `csc-perf rag --authority all --no-spc` (national) / DuckDB baseline",
            f"{r3:.2f}x (Polars baseline: {r3p:.2f}x)",
            "<= 1.0x",
            yes(r3 <= 1.0),
        ),
        (
            "4. `csc-perf import` (national CSV) / polars read_csv + write_parquet",
            f"{r4:.2f}x",
            "<= 1.5x",
            yes(r4 <= 1.5),
        ),
        (
            "5. peak memory of 3 (rag) / of 4 (import)",
            f"{mem3 / GB:.2f} GB / {mem4 / GB:.2f} GB",
            "3 < 2 GB",
            yes(mem3 < 2 * GB),
        ),
    ]
    print("\nratios:")
    for name, value, target, ok in summary:
        print(f"  {name}: {value} (target {target}: {ok.strip('*')})")

    rows = [
        m["help_"],
        m["floor1"],
        m["rag_demo"],
        m["floor2"],
        m["rag"],
        m["duck"],
        m["polars_"],
        m["rag_spc"],
        m["imp"],
        m["plain"],
    ]
    v = versions()
    lines = [
        "# csc-perf benchmark results" + (" (quick)" if quick else ""),
        "",
        "Written by `python benchmarks/run.py" + (" --quick" if quick else "") + "`; see "
        "benchmarks/README.md for what each measurement is.",
        "",
        f"- Date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores, {ram_bytes() / GB:.1f} GB RAM, "
        f"{platform.system()} {platform.release()}",
        "- Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()),
        f"- Data: {info['indicators']} stored + {info['derived']} derived indicators, "
        f"120 months (2015-01 to 2024-12); local store 1 authority ({info['local_rows']:,} "
        f"rows), national store {info['authorities']} authorities "
        f"({info['national_rows']:,} rows); ~2% blank, ~1% suppressed",
        f"- Whole run: {total / 60:.1f} min; load average (1 min) {load[0][0]:.2f} at the "
        f"start, {load[1][0]:.2f} at the end (above 0.5: something else was running, and "
        "the times are noisier)",
        "",
        "## Ratios and targets",
        "",
        "| measurement | ratio | target | |",
        "| --- | --- | --- | --- |",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in summary],
        "",
        "## Medians",
        "",
        "Wall time of the whole command (interpreter start included), median of the runs;"
        " peak memory is the child's max RSS.",
        "",
        "| command | runs | median (s) | min (s) | max (s) | peak RSS (MB) |",
        "| --- | --- | --- | --- | --- | --- |",
        *[
            f"| {t.label} | {len(t.times)} | {t.median:.3f} | {min(t.times):.3f} | "
            f"{max(t.times):.3f} | {t.peak / 2**20:.0f} |"
            for t in rows
        ],
        "",
        f"With SPC, the national rag takes {ratio(m['rag_spc'], m['rag']):.2f}x the time "
        f"without it ({ratio(m['rag_spc'], m['duck']):.2f}x the DuckDB baseline, which "
        "computes no SPC).",
        "",
        "## Agreement checks",
        "",
        "Rows (by authority and indicator) where the baseline's column differs from "
        "`csc-perf rag --no-spc`; all zeros means the baselines compute the same thing.",
        "",
        *[f"- {line}" for line in checks],
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
