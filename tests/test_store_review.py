"""Store cases found in review after issue 12: folder names the Delta library cannot take,
a symlink followed by "..", a damaged commit older than the latest checkpoint read by
``--as-of``, and ``store compact`` over a damaged data file."""

from __future__ import annotations

import os

import pytest

from conftest import MONTHLY, store_state


@pytest.mark.parametrize("name", ["Reports [2024]", "a]b", "caret^x", "pipe|x", "tab\tx"])
def test_folders_the_delta_library_cannot_open_are_refused_before_writing(workspace, cli, name):
    store = workspace / name / "store"
    result = cli("--store", store, "import", MONTHLY[0])
    assert result.exit_code == 2
    assert "the Delta Lake library cannot use a store folder whose path contains" in (result.stderr)
    assert not (workspace / name).exists()  # nothing created, not even an empty store
    assert cli("--store", store, "store", "check").exit_code == 2


def test_a_symlink_followed_by_dotdot_keeps_the_store_in_one_folder(workspace, cli):
    target = workspace / "elsewhere" / "x"
    target.mkdir(parents=True)
    (workspace / "link").symlink_to(target)
    given = workspace / "link" / ".." / "st"
    assert cli("--store", given, "import", MONTHLY[0]).exit_code == 0
    # The operating system puts "link/.." at elsewhere/: marker and table both there.
    real = workspace / "elsewhere" / "st"
    assert (real / "csc-perf-store.json").is_file()
    assert (real / "observations" / "_delta_log").is_dir()
    assert not (workspace / "st").exists()
    assert cli("--store", given, "import", MONTHLY[1]).exit_code == 0
    assert cli("--store", real, "store", "check").exit_code == 0


def _import_months(store_folder, count: int) -> None:
    from csc_perf.definitions.loading import load_definitions
    from csc_perf.ingest.validation import validate_files
    from csc_perf.store.core import Store

    definitions = load_definitions(store_folder.parent / "indicators.toml")
    store = Store(store_folder)
    for path in MONTHLY[:count]:
        report = validate_files([path], definitions)
        store.commit_import(report.observations, report.files)


def test_as_of_refuses_a_damaged_commit_that_a_checkpoint_covers(workspace, cli):
    from deltalake import DeltaTable

    store = workspace / "store"
    _import_months(store, 5)  # versions 1..5, one month each
    DeltaTable(str(store / "observations")).create_checkpoint()  # at version 5
    log = store / "observations" / "_delta_log"
    assert (log / "00000000000000000005.checkpoint.parquet").exists()
    # Before the damage, version 3 holds three months (Oct-23..Dec-23) of 70 figures.
    assert len(cli("export", "--as-of", "3", "--format", "csv").stdout.splitlines()) == 1 + 210
    commit = log / "00000000000000000003.json"
    first_line = commit.read_text(encoding="utf-8").splitlines(keepends=True)[0]
    commit.write_text(first_line, encoding="utf-8")  # cut at a line end: its adds are gone
    before = store_state(store)  # the current version is whole (the checkpoint covers it)
    for args in (("export", "--as-of", "3"), ("history", "--diff", "--from", "2", "--to", "3")):
        result = cli(*args, "--format", "csv")
        assert result.exit_code == 2, result.output
        assert "the store is damaged: version 3" in result.stderr
        assert "csc-perf store check" in result.stderr
        assert result.stdout == ""
    assert store_state(store) == before
    assert cli("store", "check").exit_code == 1


def test_compact_over_a_zero_byte_data_file_is_exit_2(full_workspace, cli):
    store = full_workspace / "store"
    data = sorted((store / "observations").glob("*.parquet"))
    data[0].write_bytes(b"")
    log_before = sorted(os.listdir(store / "observations" / "_delta_log"))
    result = cli("store", "compact")
    assert result.exit_code == 2
    assert "cannot compact the store, nothing was changed" in result.stderr
    assert "csc-perf store check" in result.stderr
    assert sorted(os.listdir(store / "observations" / "_delta_log")) == log_before


def test_as_of_a_date_uses_the_commit_times_not_the_file_times(full_workspace, cli):
    """A store restored from a backup (or copied) on a later day has new file times; the
    commit times in its log, which `history` shows, are what `--as-of DATE` means."""
    import shutil
    import time
    from datetime import datetime, timedelta

    store = full_workspace / "store"
    today = datetime.now().date().isoformat()
    whole = cli("export", "--as-of", today, "--format", "csv")
    assert whole.exit_code == 0
    restored = full_workspace / "restored"
    shutil.copytree(store, restored)
    later = time.time() + 2 * 86400  # the backup was restored the day after tomorrow
    for path in [restored, *restored.rglob("*")]:
        os.utime(path, (later, later))
    again = cli("--store", restored, "export", "--as-of", today, "--format", "csv")
    assert again.exit_code == 0, again.stderr
    assert again.stdout == whole.stdout
    assert len(again.stdout.splitlines()) > 900  # every stored figure, not an empty store
    before = (datetime.now() - timedelta(days=400)).date().isoformat()
    early = cli("--store", restored, "export", "--as-of", before, "--format", "csv")
    assert early.exit_code == 2
    assert f"cannot read the store as of {before}" in early.stderr
    assert "the store starts at" in early.stderr
    assert early.stdout == ""


def test_fail_on_lists_the_failing_indicators_with_quiet_too(full_workspace, cli):
    result = cli("rag", "--month", "2024-10", "--fail-on", "red", "--quiet", "--format", "csv")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("--fail-on red: ")
    # The README quotes this red one (Rate of children in our care per 10,000).
    assert "  children_in_care_rate (red): Rate of children in our care per 10,000" in lines


def test_an_unreadable_marker_points_to_store_check(full_workspace, cli):
    (full_workspace / "store" / "csc-perf-store.json").write_text("{", encoding="utf-8")
    result = cli("export")
    assert result.exit_code == 2
    assert "unreadable store marker" in result.stderr
    assert "csc-perf store check" in result.stderr


def test_store_check_names_a_missing_file_of_an_earlier_version(full_workspace, cli):
    from deltalake import DeltaTable

    store = full_workspace / "store"
    assert cli("store", "compact").exit_code == 0  # the old small files leave the current view
    table = DeltaTable(str(store / "observations"))
    current = {os.path.basename(uri) for uri in table.file_uris()}
    earlier = sorted(p for p in (store / "observations").glob("*.parquet") if p.name not in current)
    assert earlier  # kept for --as-of, never deleted
    earlier[0].unlink()
    assert cli("rag", "--month", "2024-10", "--format", "csv").exit_code == 0  # current is whole
    result = cli("store", "check")
    assert result.exit_code == 1
    assert f"(for --as-of) is missing: {earlier[0]}" in result.stderr + result.stdout
