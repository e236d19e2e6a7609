"""`store compact` killed with SIGKILL at each fault-injection point leaves a sound store with
the same figures, every earlier version still readable, and compacting again works."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MONTHLY, ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def run(store: Path, *args: str, crash_at: str | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "CSC_PERF_CONFIG": str(ROOT / "indicators.toml"),
        "CSC_PERF_STORE": str(store),
    }
    env.pop("CSC_PERF_CRASH_AT", None)
    if crash_at:
        env["CSC_PERF_CRASH_AT"] = crash_at
    return subprocess.Popen(
        [sys.executable, "-m", "csc_perf", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture(scope="module")
def uncompacted(tmp_path_factory) -> Path:
    """Four monthly imports, each a new data file: something to compact."""
    from csc_perf.definitions.loading import load_definitions
    from csc_perf.ingest.validation import validate_files
    from csc_perf.store.core import Store

    folder = tmp_path_factory.mktemp("uncompacted") / "store"
    definitions = load_definitions(ROOT / "indicators.toml")
    store = Store(folder)
    for path in MONTHLY[:4]:
        report = validate_files([path], definitions)
        store.commit_import(report.observations, report.files)
    return folder


def every_version(folder: Path) -> list:
    from csc_perf.store.core import Store

    store = Store(folder)
    return [store.observations(v).to_dicts() for v in range(5)]


@pytest.mark.parametrize("point", ["locked", "before-commit", "after-commit"])
def test_compact_killed_at_each_point(tmp_path, uncompacted, point):
    from csc_perf.store.core import Store

    folder = tmp_path / "store"
    shutil.copytree(uncompacted, folder)
    versions = every_version(folder)
    process = run(folder, "store", "compact", crash_at=point)
    assert process.wait(timeout=300) == -signal.SIGKILL
    store = Store(folder)
    assert store.check() == []
    assert store.observations().to_dicts() == versions[-1]
    assert every_version(folder) == versions  # --as-of reads every earlier version
    assert store.version() == (5 if point == "after-commit" else 4)  # landed, or not at all
    again = run(folder, "store", "compact")
    assert again.wait(timeout=300) == 0, again.stderr.read()
    assert Store(folder).observations().to_dicts() == versions[-1]
    assert every_version(folder) == versions
    assert Store(folder).version() == 5
    marker = json.loads((folder / "csc-perf-store.json").read_text())
    assert marker == {"format": 1, "version": 5}  # brought up to date under the lock
    assert Store(folder).check() == []
