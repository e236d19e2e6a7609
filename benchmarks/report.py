"""benchmarks/results.md: the machine, the ratios against the issue's targets, every
command's runs, the agreement checks and the scaling curve. Written by benchmarks/run.py."""

from __future__ import annotations

import os
import platform
from datetime import datetime, timezone
from pathlib import Path

from harness import GB, Timed, cpu_model, ram_bytes, versions


def _ratio(a: Timed, b: Timed) -> float:
    return a.median / b.median


def _yes(ok: bool) -> str:
    return "met" if ok else "**missed**"


def summary(m: dict[str, Timed], mistyped: int) -> list[tuple[str, str, str, str]]:
    """One line per target of issue 15: (measurement, value, target, met or missed)."""
    r1 = _ratio(m["help_"], m["floor1"])
    r2 = _ratio(m["rag_demo"], m["floor2"])
    r3, r3d = _ratio(m["rag"], m["polars_"]), _ratio(m["rag"], m["duck"])
    r4 = _ratio(m["rag_spc"], m["polars_"])
    r5 = _ratio(m["imp"], m["plain"])
    r6 = _ratio(m["warned"], m["imp"])
    mem_imp, mem_rag = m["imp"].peak, m["rag"].peak
    mem = f"{mem_imp / GB:.2f} GB / {mem_rag / GB:.2f} GB"
    return [
        _line("1. `csc-perf --help` / `import typer, rich`", r1, 1.5),
        _line("2. `csc-perf rag` (example) / `import polars, typer, rich`", r2, 1.5),
        _line(
            "3. `csc-perf rag --authority all --no-spc` (national) / Polars baseline",
            r3,
            1.0,
            f" (DuckDB baseline: {r3d:.2f}x)",
        ),
        _line("4. `csc-perf rag --authority all` with SPC (national) / Polars baseline", r4, 2.5),
        _line("5. `csc-perf import` (national CSV) / polars read_csv + write_parquet", r5, 1.5),
        _line(f"6. import with {mistyped:,} out-of-range warnings / the clean import", r6, 2.0),
        (
            "7. peak memory of 5 (import) / of 3 (rag)",
            mem,
            "< 1.5 GB / < 1 GB",
            _yes(mem_imp < 1.5 * GB and mem_rag < GB),
        ),
    ]


def _line(name: str, ratio: float, limit: float, extra: str = "") -> tuple[str, str, str, str]:
    return (name, f"{ratio:.2f}x{extra}", f"<= {limit}x", _yes(ratio <= limit))


def scaling_lines(scaled: list[dict]) -> list[str]:
    """The scaling curve: time and peak memory per row of import and rag (with SPC)."""
    if not scaled:
        return []
    lines = [
        "## Cost as the work grows",
        "",
        "One run each (a fresh store per size); per row = the whole command (interpreter "
        "start included) divided by the extract's rows. Flat per-row figures mean the cost "
        "grows no faster than the data.",
        "",
        "| authorities | rows | import (s) | import µs/row | import peak (MB) | import "
        "bytes/row | rag with SPC (s) | rag µs/row | rag peak (MB) | rag bytes/row |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in scaled:
        rows, imp, rag = s["rows"], s["import"], s["rag"]
        lines.append(
            f"| {s['authorities']} | {rows:,} | {imp.median:.2f} | {imp.median / rows * 1e6:.2f}"
            f" | {imp.peak / 2**20:.0f} | {imp.peak / rows:.0f} | {rag.median:.2f} | "
            f"{rag.median / rows * 1e6:.2f} | {rag.peak / 2**20:.0f} | {rag.peak / rows:.0f} |"
        )
    return [*lines, ""]


def write_results(
    path: Path,
    *,
    quick: bool,
    info: dict,
    checks: list[str],
    total: float,
    load,
    scaled: list[dict],
    **m: Timed,
) -> None:
    lines_summary = summary(m, info.get("mistyped", 0))
    print("\nratios:")
    for name, value, target, ok in lines_summary:
        print(f"  {name}: {value} (target {target}: {ok.strip('*')})")
    order = [
        "help_",
        "floor1",
        "rag_demo",
        "floor2",
        "rag",
        "duck",
        "polars_",
        "rag_spc",
        "imp",
        "plain",
        "warned",
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
        f"({info['national_rows']:,} rows); ~2% blank, ~1% suppressed; the warnings file "
        f"has {info.get('mistyped', 0):,} percentages x100",
        f"- Whole run: {total / 60:.1f} min; load average (1 min) {load[0][0]:.2f} at the "
        f"start, {load[1][0]:.2f} at the end (above 0.5: something else was running, and "
        "the times are noisier)",
        "",
        "## Ratios and targets",
        "",
        "| measurement | ratio | target | |",
        "| --- | --- | --- | --- |",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in lines_summary],
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
            for t in (m[name] for name in order)
        ],
        "",
        f"With SPC, the national rag takes {_ratio(m['rag_spc'], m['rag']):.2f}x the time "
        "without it.",
        "",
        "## Agreement checks",
        "",
        "Rows (by authority and indicator) where the baseline's column differs from "
        "`csc-perf rag --no-spc`, and points where the SPC engine differs from the "
        "one-series oracle (tests/spc_oracle.py); all zeros means they compute the same "
        "thing.",
        "",
        *[f"- {line}" for line in checks],
        "",
        *scaling_lines(scaled),
        "For a goal still missed, benchmarks/profiles.md shows where the remaining time goes "
        "(the profiles) and what of it is a floor.",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
