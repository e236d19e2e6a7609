"""Global options before or after the command (issue 12, item 14).

`csc-perf rag --store PATH` was refused with "No such option". The global options
(--config, --store, --quiet, --no-color, --debug, --raw-csv, --no-bom) are declared once
and accepted in both places; given in both, the one after the command wins.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys

import polars as pl
import pytest

from conftest import ROOT

# Every command, with sub-commands, as a user types it.
ALL_COMMANDS = [
    ["validate"],
    ["import"],
    ["history"],
    ["export"],
    ["indicators"],
    ["init"],
    ["demo"],
    ["rag"],
    ["report"],
    ["trend"],
    ["summary"],
    ["benchmarks", "import"],
    ["benchmarks", "show"],
    ["population", "import"],
    ["store", "check"],
    ["store", "compact"],
]
GLOBAL_FLAGS = ["--config", "--store", "--quiet", "--no-color", "--debug", "--raw-csv", "--no-bom"]


@pytest.fixture
def moved_store(full_workspace, tmp_path_factory):
    """The full example store moved away from the workspace: found only with --store."""
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "store"
    shutil.move(full_workspace / "store", elsewhere)
    return elsewhere


def rows(result) -> pl.DataFrame:
    return pl.read_csv(io.StringIO(result.stdout), infer_schema=False)


@pytest.mark.parametrize("where", ["before", "after"])
def test_store_before_or_after_the_command(moved_store, cli, where):
    command = ["rag", "--month", "2024-10", "--format", "csv"]
    args = (
        ["--store", moved_store, *command]
        if where == "before"
        else [*command, "--store", moved_store]
    )
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert rows(result).height == 70  # every indicator in October 2024


def test_store_after_a_sub_command(moved_store, cli):
    result = cli("store", "check", "--store", moved_store)
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"{moved_store}: sound")


def test_the_option_after_the_command_wins(moved_store, full_workspace, cli):
    empty = full_workspace / "no-store-here"
    after_wins = cli("--store", empty, "export", "--format", "csv", "--store", moved_store)
    assert after_wins.exit_code == 0, after_wins.output
    assert rows(after_wins).height > 0
    reverse = cli("--store", moved_store, "export", "--format", "csv", "--store", empty)
    # The folder after the command holds no store: "no store at", never an empty read.
    assert reverse.exit_code == 2
    assert reverse.stderr.startswith(f"error: no store at {empty}\n")
    assert reverse.stdout == ""


def test_an_option_after_the_command_beats_the_environment(
    moved_store, full_workspace, cli, monkeypatch
):
    monkeypatch.setenv("CSC_PERF_STORE", str(full_workspace / "no-store-here"))
    from_environment = cli("export", "--format", "csv")
    assert from_environment.exit_code == 2
    assert "no store at" in from_environment.stderr
    result = cli("export", "--format", "csv", "--store", moved_store)
    assert rows(result).height > 0


def test_config_after_the_command(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no indicators.toml here or above
    monkeypatch.delenv("CSC_PERF_CONFIG", raising=False)
    assert cli("indicators", "--format", "csv").exit_code == 2
    result = cli("indicators", "--format", "csv", "--config", ROOT / "indicators.toml")
    assert result.exit_code == 0, result.output
    assert rows(result).height == 70


def test_quiet_after_the_command(workspace, cli):
    from conftest import MONTHLY

    loud = cli("import", MONTHLY[0])
    assert loud.exit_code == 0
    assert loud.stderr.startswith("imported as version 1:")
    quiet = cli("import", MONTHLY[1], "--quiet")
    assert quiet.exit_code == 0
    assert quiet.stderr == ""  # --quiet: errors only, no progress and no warnings
    again = cli("import", MONTHLY[2], "-q")
    assert again.exit_code == 0 and "imported" not in again.stderr


def test_no_color_after_the_command(full_workspace, cli, monkeypatch):
    monkeypatch.setattr("csc_perf.render.output.stdout_is_terminal", lambda: True)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    red = "\x1b[1;37;41m"  # RED, bold white on red
    coloured = cli("rag", "--month", "2024-10")
    assert red in coloured.stdout
    plain = cli("rag", "--month", "2024-10", "--no-color")
    assert plain.exit_code == 0
    assert red not in plain.stdout and " RED " in plain.stdout


def run(*args, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSC_PERF")}
    return subprocess.run(
        [sys.executable, "-m", "csc_perf", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def test_debug_after_the_command_shows_the_traceback(seeded_workspace):
    workspace = seeded_workspace
    without = run("rag", "--month", "nonsense", cwd=workspace)
    assert without.returncode == 2
    assert without.stderr == ("error: --month 'nonsense' is not a month (use 2024-10 or Oct-24)\n")
    debug = run("rag", "--month", "nonsense", "--debug", cwd=workspace)
    assert "Traceback (most recent call last)" in debug.stderr
    assert "UsageError: --month 'nonsense' is not a month" in debug.stderr


def test_raw_csv_after_the_command(full_workspace, cli):
    config = full_workspace / "indicators.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace('name = "Number of contacts in the month"', 'name = "=1+1"', 1),
        encoding="utf-8",
    )
    guarded, raw = full_workspace / "guarded.csv", full_workspace / "raw.csv"
    assert cli("indicators", "-o", guarded).exit_code == 0
    assert cli("indicators", "-o", raw, "--raw-csv").exit_code == 0
    assert ",'=1+1," in guarded.read_text(encoding="utf-8-sig")
    assert ",=1+1," in raw.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("command", ALL_COMMANDS, ids=" ".join)
def test_every_command_has_help_with_the_global_options(cli, command):
    result = cli(*command, "--help")
    assert result.exit_code == 0, result.output
    assert f"Usage: csc-perf {' '.join(command)}" in result.stdout
    for flag in GLOBAL_FLAGS:
        assert flag in result.stdout, flag
    assert "--version" not in result.stdout  # only before the command


def test_global_options_still_work_before_the_command(moved_store, cli):
    result = cli("--quiet", "--no-color", "--store", moved_store, "summary", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert rows(result).height > 0
    assert cli("--version").stdout == "csc-perf 0.1.0\n"
