"""A full disk (or a file-size limit) during an import: exit 2, a plain message, no Rust
panic text, and the store exactly as it was."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, WORKBOOK, store_state

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")


def run_limited(workspace: Path, limit: int, *args) -> subprocess.CompletedProcess:
    """csc-perf with files limited to ``limit`` bytes: writing past it fails with EFBIG, as
    a full disk fails with ENOSPC (SIGXFSZ ignored, so the write returns the error)."""

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {
        **os.environ,
        "CSC_PERF_CONFIG": str(ROOT / "indicators.toml"),
        "CSC_PERF_STORE": str(workspace / "store"),
        "RUST_BACKTRACE": "1",  # as some analysts' shells have it
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "csc_perf", *map(str, args)],
        cwd=workspace,
        env=env,
        preexec_fn=limited,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_no_rust_text(stderr: str) -> None:
    for text in ("panicked", "backtrace", "Traceback", "RUST_BACKTRACE", "tokio"):
        assert text not in stderr, stderr


def test_disk_full_during_import_changes_nothing(seeded_workspace):
    folder = seeded_workspace / "store"
    before = store_state(folder)
    result = run_limited(seeded_workspace, 3000, "import", WORKBOOK)
    assert result.returncode == 2, result.stderr
    assert "error: no space left writing the store; nothing was changed" in result.stderr
    assert_no_rust_text(result.stderr)
    assert store_state(folder) == before
    from csc_perf.store.core import Store

    assert Store(folder).check() == []


def test_disk_full_in_the_first_import_leaves_an_empty_sound_store(workspace):
    result = run_limited(workspace, 3000, "import", WORKBOOK)
    assert result.returncode == 2, result.stderr
    assert "no space left writing the store; nothing was changed" in result.stderr
    assert_no_rust_text(result.stderr)
    from csc_perf.store.core import Store

    # The empty table (version 0) was made before the data failed to write: no figure.
    store = Store(workspace / "store")
    assert store.check() == []
    assert store_state(workspace / "store") == (0, [])
