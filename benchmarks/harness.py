"""What the benchmark suite measures with: a timed child process (wall time and peak
memory), interleaved runs, fresh workspaces, and the machine's description. Used by
benchmarks/run.py."""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
CSC = shutil.which("csc-perf", path=str(Path(PY).parent)) or "csc-perf"
MONTH = "2024-12"
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
