"""The command line as a user and a cron job meet it."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import polars as pl
import pytest

from conftest import MONTHLY, ROOT

COMMANDS = [
    "validate",
    "import",
    "history",
    "export",
    "indicators",
    "init",
    "demo",
    "rag",
    "report",
    "trend",
    "summary",
]


def run(*args: str, cwd=None, env=None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "csc_perf", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=120,
        **kwargs,
    )


def test_help_imports_no_heavy_library():
    code = (
        "import sys\n"
        "from csc_perf.cli import main\n"
        "for args in (['--help'], ['import', '--help'], ['rag', '--help'], ['report', '--help']):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code in (0, None), exc.code\n"
        "heavy = sorted(m for m in ('polars', 'deltalake', 'pyarrow', 'fastexcel')\n"
        "               if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Usage: csc-perf" in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(cli, command):
    result = cli(command, "--help")
    assert result.exit_code == 0
    assert f"Usage: csc-perf {command}" in result.stdout
    summary = result.stdout.split("\n\n")[1].strip()
    assert len(summary) > 20, summary


def test_version_and_module_entry_point():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == "csc-perf 0.1.0"


def test_completion_is_offered(cli):
    assert "--install-completion" in cli("--help").stdout


def test_unknown_command_and_option_exit_2(cli):
    assert cli("frobnicate").exit_code == 2
    assert cli("export", "--no-such-option").exit_code == 2


def test_no_workspace_is_a_clear_error(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CSC_PERF_CONFIG", raising=False)
    result = cli("export")
    assert result.exit_code == 2
    assert "no indicators.toml in" in result.stderr
    assert "run `csc-perf init`" in result.stderr


def test_init_makes_a_workspace_once(cli, tmp_path):
    target = tmp_path / "team"
    result = cli("init", target)
    assert result.exit_code == 0
    # Issue 18: Taplo's schema directive, a blank line, then the template as shipped.
    assert (target / "indicators.toml").read_text(encoding="utf-8") == (
        "#:schema ./indicators.schema.json\n\n"
        + (ROOT / "indicators.toml").read_text(encoding="utf-8")
    )
    again = cli("init", target)
    assert again.exit_code == 2
    assert "already exists" in again.stderr


def test_demo_prints_october_2024(cli):
    result = cli("demo", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    frame = pl.read_csv(io.StringIO(result.stdout))
    oct24 = {r["indicator"]: r for r in frame.iter_rows(named=True)}
    # Figures typed from the seed report (Oct-24, Sep-24 and Oct-23 columns).
    assert oct24["early_help_referrals"]["value"] == 196
    assert oct24["early_help_referrals"]["previous_value"] == 100
    assert oct24["referrals"]["value"] == 403
    assert oct24["cla_childrens_homes"]["value_year_ago"] == 39
    assert oct24["eh_visits_4_weeks"]["target"] == 95
    assert oct24["initial_health_assessments"]["status"] == "missing"
    # One row per indicator, rated: Early Help visits 83% against a 95% target is red.
    assert frame.height == 70
    assert oct24["eh_visits_4_weeks"]["rag"] == "red"


def test_closed_pipe_ends_quietly(full_workspace):
    # The shared store of every example extract (conftest), copied for this test.
    env = {
        "CSC_PERF_CONFIG": str(full_workspace / "indicators.toml"),
        "CSC_PERF_STORE": str(full_workspace / "store"),
    }
    pipeline = f"set -o pipefail; {sys.executable} -m csc_perf export --format jsonl | head -1"
    result = subprocess.run(
        ["bash", "-c", pipeline],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith('{"authority":"852"')


def test_stdout_holds_data_only(tmp_path):
    env = {"CSC_PERF_CONFIG": str(ROOT / "indicators.toml"), "CSC_PERF_STORE": str(tmp_path / "s")}
    result = run("import", str(MONTHLY[0]), env=env)
    assert result.returncode == 0
    assert result.stdout == ""
    assert "imported as version 1" in result.stderr
    quiet = run("--quiet", "import", str(MONTHLY[1]), env=env)
    # --quiet keeps warnings (Nov-23's children's homes 8% against 38 of 507 = 7.5%), only
    assert "imported" not in quiet.stderr
    assert all(line.startswith("warning ") for line in quiet.stderr.splitlines())
    exported = run("export", env=env)
    assert exported.stdout.splitlines()[0] == (
        "authority,indicator,month,value,status,source_file,source_sheet,source_row"
    )


def test_readme_documents_every_code_and_command():
    from csc_perf.ingest.checks.registry import CHECKS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in CHECKS:
        assert f"| `{code}` |" in readme, code
    for command in COMMANDS:
        assert f"`csc-perf {command}" in readme, command
    for exit_code in ("| 0 |", "| 1 |", "| 2 |", "| 70 |", "| 75 |"):
        assert exit_code in readme
