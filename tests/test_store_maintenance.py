"""store check, store compact and history --diff."""

from __future__ import annotations

import io

import polars as pl

from conftest import MONTHLY, store_state


def test_check_a_sound_store(cli, full_workspace):
    result = cli("store", "check")
    assert result.exit_code == 0
    assert "sound (version 14)" in result.stderr


def test_check_finds_a_missing_data_file(cli, full_workspace):
    data = sorted((full_workspace / "store" / "observations").glob("*.parquet"))
    data[0].unlink()
    result = cli("store", "check")
    assert result.exit_code == 1
    assert "a data file of the current version is missing" in result.stderr


def test_check_finds_a_gap_in_history(cli, full_workspace):
    log = full_workspace / "store" / "observations" / "_delta_log"
    (log / "00000000000000000003.json").unlink()
    result = cli("store", "check")
    assert result.exit_code == 1
    assert "the history has a gap: version(s) [3] missing" in result.stderr


def test_check_a_folder_that_is_not_a_store(cli, workspace, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(b"x")
    result = cli("--store", folder, "store", "check")
    assert result.exit_code == 1
    assert "not a csc-perf store" in result.stderr


def test_compact_keeps_figures_and_history(cli, full_workspace):
    before_version, before = store_state(full_workspace / "store")
    old = cli("export", "--as-of", "5", "--format", "csv").stdout
    files_before = len(list((full_workspace / "store" / "observations").glob("*.parquet")))
    result = cli("store", "compact")
    assert result.exit_code == 0, result.stderr
    assert f"compacted as version {before_version + 1}" in result.stderr
    _, after = store_state(full_workspace / "store")
    assert after == before
    assert cli("export", "--as-of", "5", "--format", "csv").stdout == old
    assert cli("store", "check").exit_code == 0
    # No file is deleted (history needs them); the new version reads one compacted file.
    files_after = len(list((full_workspace / "store" / "observations").glob("*.parquet")))
    assert files_after == files_before + 1
    assert "nothing to compact" in cli("store", "compact").stderr


def test_history_diff_says_what_was_revised(cli, full_workspace, tmp_path):
    revised = tmp_path / "revised.csv"
    text = MONTHLY[-2].read_text(encoding="utf-8")  # Sep-24
    line = "Percentage of CLA for whom a visit has taken place within agreed timescales,2024-09,89%"
    revised.write_text(text.replace(line, line.replace("89%", "87%")), encoding="utf-8")
    assert cli("import", revised).exit_code == 0
    result = cli("history", "--diff", "--format", "csv")
    changes = pl.read_csv(io.StringIO(result.stdout))
    assert changes.select("indicator", "old_value", "new_value", "change").rows() == [
        ("cla_visits", 89.0, 87.0, "revised")
    ]
    earlier = cli("history", "--diff", "--from", "0", "--to", "1", "--format", "csv").stdout
    assert pl.read_csv(io.StringIO(earlier)).get_column("change").unique().to_list() == ["added"]
    assert cli("history", "--from", "3").exit_code == 2


def test_compact_of_a_busy_store_gives_exit_75(cli, full_workspace):
    from csc_perf.store.core import Store

    with Store(full_workspace / "store").lock():
        result = cli("store", "compact", "--wait", "0")
    assert result.exit_code == 75


def test_report_flags_revised_figures(cli, full_workspace, tmp_path):
    revised = tmp_path / "revised.csv"
    text = MONTHLY[-2].read_text(encoding="utf-8")  # Sep-24
    line = "Percentage of CLA for whom a visit has taken place within agreed timescales,2024-09,89%"
    revised.write_text(text.replace(line, line.replace("89%", "87%")), encoding="utf-8")
    assert cli("import", revised).exit_code == 0
    result = cli("report", "--revised-since", "14", "--format", "md", "--theme", "visiting")
    assert "revised since 14: 1 indicator(s)" in result.stderr
    row = next(x for x in result.stdout.splitlines() if x.startswith("| Percentage of CLA for"))
    assert "| 87%† |" in row
    assert "†" not in result.stdout.replace(row, "")
