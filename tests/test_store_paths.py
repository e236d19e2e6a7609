"""A store in a folder whose path has spaces, non-ASCII letters, # or ? works with every
command; Windows paths reach the Delta library as file:// URLs; the Windows lock branch."""

from __future__ import annotations

import csv
import io
from pathlib import PurePosixPath, PureWindowsPath
from types import SimpleNamespace

import pytest

from conftest import MONTHLY, store_state

FOLDERS = ["a b", "é", "#", "?", "100%", "Childrens Services/Performance 2024"]


@pytest.mark.parametrize("name", FOLDERS)
def test_every_command_works_in_an_awkward_folder(cli, workspace, name):
    store = workspace / name / "store"
    first = cli("--store", store, "import", MONTHLY[0])
    assert first.exit_code == 0, first.stderr
    assert "imported as version 1" in first.stderr
    second = cli("--store", store, "import", MONTHLY[1])
    assert second.exit_code == 0, second.stderr
    assert "imported as version 2" in second.stderr

    history = cli("--store", store, "history", "--format", "csv")
    assert history.exit_code == 0, history.stderr
    assert [r["version"] for r in csv.DictReader(io.StringIO(history.stdout))] == ["0", "1", "2"]
    exported = cli("--store", store, "export", "--format", "csv")
    assert exported.exit_code == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert {r["month"] for r in rows} == {"2023-10-01", "2023-11-01"}
    as_of = cli("--store", store, "export", "--as-of", "1", "--format", "csv")
    assert {r["month"] for r in csv.DictReader(io.StringIO(as_of.stdout))} == {"2023-10-01"}
    rag = cli("--store", store, "rag", "--month", "2023-11", "--format", "csv")
    assert rag.exit_code == 0, rag.stderr
    assert "referrals" in rag.stdout
    diff = cli("--store", store, "history", "--diff", "--format", "csv")
    assert diff.exit_code == 0, diff.stderr
    compact = cli("--store", store, "store", "compact")
    assert compact.exit_code == 0, compact.stderr
    check = cli("--store", store, "store", "check")
    assert check.exit_code == 0, check.stderr
    assert "sound (version 3)" in check.stderr
    assert store_state(store)[1] == rows_as_stored(rows)


def rows_as_stored(rows):
    """The CSV export read back in the store's own types, for comparison."""
    from datetime import date

    def number(text):
        return None if text == "" else float(text)

    return [
        {
            "authority": r["authority"],
            "indicator": r["indicator"],
            "month": date.fromisoformat(r["month"]),
            "value": number(r["value"]),
            "status": r["status"],
            "source_file": r["source_file"],
            "source_sheet": r["source_sheet"] or None,
            "source_row": int(r["source_row"]),
        }
        for r in rows
    ]


@pytest.mark.parametrize("name", ["%20", "x%2Fy", "50%41"])
def test_a_folder_the_delta_library_cannot_reopen_is_refused_before_writing(cli, workspace, name):
    store = workspace / name / "store"
    result = cli("--store", store, "import", MONTHLY[0])
    assert result.exit_code == 2
    assert "cannot use a store folder whose path contains" in result.stderr
    assert not (workspace / name).exists()


def test_posix_locations_are_file_urls_encoded_once(tmp_path):
    from csc_perf.store.delta_table import table_location

    assert table_location(PurePosixPath("/srv/csc/store/observations")) == (
        "file:///srv/csc/store/observations"
    )
    assert table_location(PurePosixPath("/srv/Childrens Services/é #1?/store")) == (
        "file:///srv/Childrens%20Services/%C3%A9%20%231%3F/store"
    )
    relative = table_location(PurePosixPath("store"))
    assert relative.startswith("file:///") and relative.endswith("/store")


@pytest.mark.parametrize(
    ("path", "location"),
    [
        (
            r"C:\Users\Jane Smith\OneDrive - Council\Performance\store\observations",
            "file:///C:/Users/Jane%20Smith/OneDrive%20-%20Council/Performance/store/observations",
        ),
        (r"D:\csc\store", "file:///D:/csc/store"),
        (
            "D:/Childrens Services/Performance 2024/store",
            "file:///D:/Childrens%20Services/Performance%202024/store",
        ),
        (r"\\server\share\csc\store", "file://server/share/csc/store"),
        (
            r"\\fs01\Childrens Services\é#?\store",
            "file://fs01/Childrens%20Services/%C3%A9%23%3F/store",
        ),
    ],
)
def test_windows_paths_reach_delta_as_file_urls(path, location):
    from csc_perf.store.delta_table import table_location

    assert table_location(PureWindowsPath(path)) == location


def test_windows_percent_escape_is_refused():
    from csc_perf.errors import StoreError
    from csc_perf.store.delta_table import check_location

    check_location(PureWindowsPath(r"C:\Users\Jane Smith\100% done"))
    with pytest.raises(StoreError, match="'%20'"):
        check_location(PureWindowsPath(r"C:\Users\Jane%20Smith\store"))


class FakeMsvcrt:
    """msvcrt.locking as Windows does it: one byte at the current position, LK_NBLCK fails
    with OSError while another handle holds it."""

    LK_NBLCK, LK_UNLCK = 2, 0

    def __init__(self):
        self.holder = None
        self.calls = []

    def locking(self, fd, mode, nbytes):
        self.calls.append((fd, mode, nbytes))
        if mode == self.LK_NBLCK:
            if self.holder is not None:
                raise PermissionError(13, "Permission denied")
            self.holder = fd
        elif mode == self.LK_UNLCK:
            assert self.holder == fd
            self.holder = None


def test_windows_lock_branch(tmp_path):
    from csc_perf.store.locking import _try_lock, _unlock

    msvcrt = FakeMsvcrt()
    with open(tmp_path / ".lock", "a+b") as first, open(tmp_path / ".lock", "a+b") as second:
        first.write(b"x")
        first.flush()
        assert _try_lock(first, msvcrt) is True
        assert first.tell() == 0  # always the first byte, whatever was read or written
        assert _try_lock(second, msvcrt) is False
        _unlock(first, msvcrt)
        assert _try_lock(second, msvcrt) is True
        _unlock(second, msvcrt)
    assert [c[1:] for c in msvcrt.calls] == [(2, 1), (2, 1), (0, 1), (2, 1), (0, 1)]


def test_posix_lock_branch_with_the_same_helpers(tmp_path):
    import fcntl

    from csc_perf.store.locking import _try_lock, _unlock

    with open(tmp_path / ".lock", "a+b") as first, open(tmp_path / ".lock", "a+b") as second:
        assert _try_lock(first, fcntl)
        assert not _try_lock(second, fcntl)
        _unlock(first, fcntl)
        assert _try_lock(second, fcntl)
        _unlock(second, fcntl)
    assert SimpleNamespace  # keep the import for readers extending the fake


def test_a_relative_store_path_under_a_percent_escape_is_refused(cli, workspace, monkeypatch):
    inside = workspace / "%20"
    inside.mkdir()
    monkeypatch.chdir(inside)
    result = cli(
        "--config", workspace / "indicators.toml", "--store", "store", "import", MONTHLY[0]
    )
    assert result.exit_code == 2
    assert "cannot use a store folder whose path contains '%20'" in result.stderr
    assert list(inside.iterdir()) == []
