"""An import killed with SIGKILL at any point leaves a store that opens, passes its own
check, and holds either the old or the new state, never a mix."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MONTHLY, ROOT, WORKBOOK, store_state

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def start_import(store: Path, files, crash_at: str | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "CSC_PERF_CONFIG": str(ROOT / "indicators.toml"),
        "CSC_PERF_STORE": str(store),
    }
    env.pop("CSC_PERF_CRASH_AT", None)
    if crash_at:
        env["CSC_PERF_CRASH_AT"] = crash_at
    return subprocess.Popen(
        [sys.executable, "-m", "csc_perf", "import", *map(str, files)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def imported_state(tmp_path, name, files) -> list:
    """What the store holds after the import completes (the 'new' state)."""
    folder = tmp_path / name
    assert start_import(folder, files).wait(timeout=300) == 0
    return store_state(folder)[1]


def assert_sound_and_old_or_new(folder: Path, old: list, new: list) -> None:
    from csc_perf.store.core import Store

    store = Store(folder)
    if old == [] and store.is_new():
        return  # killed before the first commit: still no store (reads say "no store at")
    assert store.check() == []
    rows = store.observations().to_dicts()
    assert rows in (old, new), "the store holds a mix of two states"


@pytest.mark.parametrize("point", ["locked", "table-created", "before-commit", "after-commit"])
def test_first_import_killed_at_each_point(tmp_path, point):
    new = imported_state(tmp_path, "reference", [MONTHLY[0]])
    folder = tmp_path / "store"
    process = start_import(folder, [MONTHLY[0]], crash_at=point)
    assert process.wait(timeout=300) == -signal.SIGKILL
    assert_sound_and_old_or_new(folder, [], new)
    # and the next import works
    assert start_import(folder, [MONTHLY[0]]).wait(timeout=300) == 0
    assert store_state(folder)[1] == new


@pytest.mark.parametrize("point", ["locked", "before-commit", "after-commit"])
def test_later_import_killed_at_each_point(tmp_path, point):
    folder = tmp_path / "store"
    assert start_import(folder, [MONTHLY[0]]).wait(timeout=300) == 0
    old = store_state(folder)[1]
    new = imported_state(tmp_path, "reference", [MONTHLY[0], MONTHLY[1]])
    process = start_import(folder, [MONTHLY[1]], crash_at=point)
    assert process.wait(timeout=300) == -signal.SIGKILL
    assert_sound_and_old_or_new(folder, old, new)
    # A killed process leaves no lock behind: the lock dies with it.
    assert start_import(folder, [MONTHLY[1]]).wait(timeout=300) == 0
    assert store_state(folder)[1] == new


@pytest.mark.parametrize("after", [0.4, 0.9, 1.4, 2.0, 2.6])
def test_import_killed_at_arbitrary_moments(tmp_path, after):
    """Killed while reading, validating or writing: wherever the timer lands."""
    folder = tmp_path / "store"
    assert start_import(folder, MONTHLY[:2]).wait(timeout=300) == 0
    old = store_state(folder)[1]
    files = [*MONTHLY[2:], WORKBOOK]
    reference = tmp_path / "reference"  # the same two imports, uninterrupted
    assert start_import(reference, MONTHLY[:2]).wait(timeout=300) == 0
    assert start_import(reference, files).wait(timeout=300) == 0
    new = store_state(reference)[1]
    process = start_import(folder, files)
    try:
        process.wait(timeout=after)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    assert_sound_and_old_or_new(folder, old, new)
