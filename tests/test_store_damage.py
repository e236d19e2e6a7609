"""Every command that opens a store notices damage instead of reading past it, and refuses
with exit 2; `store check` says which version is damaged. A store that does not exist is
not an empty one. A table with Delta features csc-perf cannot read is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MONTHLY, ROOT

LATEST = 14  # the full store: create + 14 imports
REFUSED = "run `csc-perf store check`"


def log_of(workspace: Path) -> Path:
    return workspace / "store" / "observations" / "_delta_log"


def commit(workspace: Path, version: int) -> Path:
    return log_of(workspace) / f"{version:020d}.json"


def snapshot(folder: Path) -> dict:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def assert_every_command_refuses(cli, workspace, message):
    before = snapshot(workspace / "store")
    for args in (
        ["rag", "--month", "2024-10", "--format", "csv"],
        ["export", "--format", "csv"],
        ["history", "--format", "csv"],
        ["history", "--diff", "--format", "csv"],
        ["report", "--month", "2024-10", "--format", "csv"],
        ["import", str(MONTHLY[0])],
        ["store", "compact"],
    ):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert REFUSED in result.stderr, (args, result.stderr)
        assert result.stdout == "", args
    assert snapshot(workspace / "store") == before  # nothing written, nothing repaired


def test_a_truncated_latest_commit_is_refused(cli, full_workspace):
    latest = commit(full_workspace, LATEST)
    data = latest.read_bytes()
    latest.write_bytes(data[: len(data) // 2])
    assert_every_command_refuses(cli, full_workspace, f"version {LATEST}: the commit file")
    check = cli("store", "check")
    assert check.exit_code == 1
    assert f"problem: version {LATEST}: the commit file {latest.name} is damaged" in check.stderr


def test_a_commit_cut_at_a_line_end_is_incomplete(cli, full_workspace):
    latest = commit(full_workspace, LATEST)
    lines = latest.read_text().splitlines()
    latest.write_text("\n".join(lines[:-1]))  # the last add/remove action gone
    assert_every_command_refuses(cli, full_workspace, "is incomplete")
    check = cli("store", "check")
    assert check.exit_code == 1
    assert f"version {LATEST}: the commit file {latest.name} is incomplete" in check.stderr


def test_a_deleted_latest_commit_is_noticed(cli, full_workspace):
    commit(full_workspace, LATEST).unlink()
    assert_every_command_refuses(cli, full_workspace, f"version {LATEST} is missing")
    check = cli("store", "check")
    assert check.exit_code == 1
    assert (
        f"version {LATEST} is missing: the store recorded version {LATEST} but its log ends "
        f"at version {LATEST - 1}"
    ) in check.stderr


def test_an_empty_commit_in_the_middle_is_noticed(cli, full_workspace):
    commit(full_workspace, 7).write_bytes(b"")
    # 7 is before no checkpoint, so every open parses it
    assert_every_command_refuses(cli, full_workspace, "version 7: the commit file")
    check = cli("store", "check")
    assert check.exit_code == 1
    assert f"version 7: the commit file {commit(full_workspace, 7).name} is empty" in check.stderr


def test_a_deleted_commit_in_the_middle_is_a_gap(cli, full_workspace):
    commit(full_workspace, 5).unlink()
    assert_every_command_refuses(cli, full_workspace, "the history has a gap: version(s) [5]")


def test_a_deleted_marker_is_damage_not_an_empty_store(cli, full_workspace):
    (full_workspace / "store" / "csc-perf-store.json").unlink()
    rag = cli("rag", "--month", "2024-10", "--format", "csv")
    assert rag.exit_code == 2
    assert "the store marker csc-perf-store.json is missing" in rag.stderr
    assert rag.stdout == ""
    assert_every_command_refuses(cli, full_workspace, "csc-perf-store.json is missing")
    check = cli("store", "check")
    assert check.exit_code == 1
    assert "the store marker csc-perf-store.json is missing" in check.stderr


def test_a_crash_between_commit_and_marker_is_not_damage(cli, full_workspace):
    """The marker is rewritten after the Delta commit; killed in between, it is one version
    behind the log. That reads as whole, and the next write brings the marker up to date."""
    marker = full_workspace / "store" / "csc-perf-store.json"
    assert json.loads(marker.read_text()) == {"format": 1, "version": LATEST}
    marker.write_text(json.dumps({"format": 1, "version": LATEST - 1}))
    assert cli("export", "--format", "csv").exit_code == 0
    check = cli("store", "check")
    assert check.exit_code == 0, check.stderr
    extract = full_workspace / "revision.csv"
    extract.write_text("indicator,month,value\nreferrals,2024-10,999\n", encoding="utf-8")
    assert cli("import", extract).exit_code == 0
    assert json.loads(marker.read_text()) == {"format": 1, "version": LATEST + 1}


def test_a_marker_from_before_versions_were_recorded_still_opens(cli, full_workspace):
    marker = full_workspace / "store" / "csc-perf-store.json"
    marker.write_text(json.dumps({"format": 1}))
    assert cli("export", "--format", "csv").exit_code == 0
    extract = full_workspace / "revision.csv"
    extract.write_text("indicator,month,value\nreferrals,2024-10,999\n", encoding="utf-8")
    assert cli("import", extract).exit_code == 0
    assert json.loads(marker.read_text()) == {"format": 1, "version": LATEST + 1}


@pytest.mark.parametrize(
    "args",
    [
        ["export", "--format", "csv"],
        ["history"],
        ["history", "--diff"],
        ["store", "check"],
        ["store", "compact"],
        ["rag", "--month", "2024-10"],
        ["export", "--table", "benchmarks"],
    ],
)
def test_a_store_that_does_not_exist_is_not_an_empty_one(cli, workspace, tmp_path, args):
    typo = tmp_path / "typo" / "path"
    result = cli("--store", typo, *args)
    assert result.exit_code == 2, result.stderr
    assert f"no store at {typo}" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "typo").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli("--store", empty, *args)
    assert result.exit_code == 2
    assert f"no store at {empty}" in result.stderr
    assert list(empty.iterdir()) == []


def test_import_still_creates_a_store(cli, workspace, tmp_path):
    folder = tmp_path / "new" / "store"
    result = cli("--store", folder, "import", MONTHLY[0])
    assert result.exit_code == 0, result.stderr
    assert cli("--store", folder, "store", "check").exit_code == 0


def add_commit(workspace: Path, actions: list[dict]) -> None:
    commit(workspace, LATEST + 1).write_text("\n".join(json.dumps(a) for a in actions))


def test_deletion_vectors_from_another_engine_are_refused(cli, full_workspace):
    add_commit(
        full_workspace,
        [
            {"commitInfo": {"timestamp": 1, "operation": "DELETE", "engineInfo": "Spark"}},
            {
                "protocol": {
                    "minReaderVersion": 3,
                    "minWriterVersion": 7,
                    "readerFeatures": ["deletionVectors"],
                    "writerFeatures": ["deletionVectors"],
                }
            },
        ],
    )
    for args in (["export", "--format", "csv"], ["rag", "--month", "2024-10"], ["store", "check"]):
        result = cli(*args)
        assert result.exit_code in (1, 2), result.stderr
        assert "csc-perf cannot read this table: it uses the Delta feature(s) deletionVectors" in (
            result.stderr
        )
        assert result.stdout == ""
    # The version before the other engine's is still readable on purpose.
    assert cli("export", "--as-of", str(LATEST), "--format", "csv").exit_code == 0


def test_a_newer_reader_protocol_is_refused(cli, full_workspace):
    add_commit(
        full_workspace,
        [
            {"commitInfo": {"timestamp": 1, "operation": "SET TBLPROPERTIES"}},
            {"protocol": {"minReaderVersion": 2, "minWriterVersion": 5}},
        ],
    )
    result = cli("export", "--format", "csv")
    assert result.exit_code == 2
    assert "csc-perf cannot read this table" in result.stderr


def run(workspace: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CSC_PERF_CONFIG": str(ROOT / "indicators.toml"), "RUST_BACKTRACE": "1"}
    env.pop("CSC_PERF_STORE", None)
    return subprocess.run(
        [sys.executable, "-m", "csc_perf", *args],
        cwd=workspace,
        env={**env, "CSC_PERF_STORE": str(workspace / "store")},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_zero_byte_data_file_is_named_without_a_panic(full_workspace):
    data = sorted((full_workspace / "store" / "observations").glob("*.parquet"))
    current = data[-1]  # the workbook's import: part of the current version
    current.write_bytes(b"")
    check = run(full_workspace, "store", "check")
    assert check.returncode == 1, check.stderr
    assert f"a data file of the current version is empty (0 bytes): {current}" in check.stderr
    for text in ("panicked", "backtrace", "Traceback", "RUST_BACKTRACE"):
        assert text not in check.stderr
    export = run(full_workspace, "export", "--format", "csv")
    assert export.returncode == 2, export.stderr
    assert "cannot read the store" in export.stderr
    for text in ("panicked", "backtrace", "Traceback"):
        assert text not in export.stderr


def test_import_onto_a_zero_byte_data_file_is_refused_without_a_panic(full_workspace):
    data = sorted((full_workspace / "store" / "observations").glob("*.parquet"))
    data[-1].write_bytes(b"")
    result = run(full_workspace, "import", str(MONTHLY[0]))
    assert result.returncode == 2, result.stderr
    assert "cannot read the store" in result.stderr
    for text in ("panicked", "backtrace", "Traceback"):
        assert text not in result.stderr


def test_a_commit_holding_another_versions_record_is_noticed(cli, full_workspace):
    """The latest commit file replaced by a copy of an earlier one (a sync tool restoring an
    old file, say): the csc-perf record inside says which version it really is."""
    commit(full_workspace, LATEST).write_bytes(commit(full_workspace, LATEST - 1).read_bytes())
    assert_every_command_refuses(cli, full_workspace, f"holds the record of version {LATEST - 1}")
    check = cli("store", "check")
    assert check.exit_code == 1
    assert f"version {LATEST}: the commit file" in check.stderr


POPULATION = (
    ROOT
    / "tests"
    / "fixtures"
    / "dfe"
    / "ons_mid-year_population_estimates_2012_to_2024_2020_to_2023.csv"
)


def test_a_reference_tables_deleted_latest_commit_is_noticed(cli, full_workspace):
    assert cli("population", "import", POPULATION).exit_code == 0
    assert cli("population", "import", POPULATION).exit_code == 0  # version 1 of that table
    marker = json.loads((full_workspace / "store" / "csc-perf-store.json").read_text())
    assert marker == {"format": 1, "version": LATEST, "reference_versions": {"population": 1}}
    population_log = full_workspace / "store" / "population" / "_delta_log"
    (population_log / f"{1:020d}.json").unlink()
    for args in (
        ["rag", "--month", "2024-10", "--format", "csv"],
        ["export", "--table", "population", "--format", "csv"],
        ["population", "import", str(POPULATION)],
    ):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.stderr)
        assert "the population table is damaged: version 1 is missing" in result.stderr
        assert REFUSED in result.stderr
    check = cli("store", "check")
    assert check.exit_code == 1
    assert "the population table: version 1 is missing" in check.stderr


def test_history_an_older_csc_perf_let_delta_delete_is_reported_but_the_store_opens(
    cli, full_workspace
):
    """Before history was kept for ever, Delta's clean-up deleted the commit files behind a
    checkpoint. Such a store still opens (its current figures are whole); `store check`
    says which versions are gone."""
    from deltalake import DeltaTable

    from csc_perf.store.core import Store

    before = cli("export", "--format", "csv").stdout
    DeltaTable(Store(full_workspace / "store").table_location).create_checkpoint()
    for version in range(LATEST):
        commit(full_workspace, version).unlink()
    exported = cli("export", "--format", "csv")
    assert exported.exit_code == 0, exported.stderr
    assert exported.stdout == before
    check = cli("store", "check")
    assert check.exit_code == 1
    assert f"versions 0 to {LATEST - 1} were removed from" in check.stderr
    assert "by Delta's log clean-up" in check.stderr
