"""The Delta table on disk, below the store: where it is in the form the Delta library
expects (one function for every kind of path), its data files and whether they are whole,
which Delta features it uses, and how csc-perf commits to it (its own record in each
commit, logs kept). The log itself is read in :mod:`csc_perf.store.delta_log`.

Nothing here knows about observations or imports.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path, PurePath, PureWindowsPath
from typing import Any
from urllib.parse import quote, unquote, urlparse

from deltalake import CommitProperties, PostCommitHookProperties

# urllib.request's own choice of url2pathname, without importing urllib.request (and with it
# http, ssl and email: 35 ms of every command's start-up).
if os.name == "nt":  # pragma: no cover - Windows
    from nturl2path import url2pathname
else:
    from urllib.parse import unquote as url2pathname

from csc_perf.errors import StoreError

# The commit-metadata key of csc-perf's own record of each commit.
METADATA_KEY = "csc_perf"
# Reader features a plain Parquet scan of the file list handles; anything else (deletion
# vectors, column mapping...) would make it return wrong rows, so such a table is refused.
SUPPORTED_READER_FEATURES = frozenset({"timestampNtz", "vacuumProtocolCheck"})

# -- where the store is, in the form the Delta library expects ---------------------------
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
# Characters the Delta library cannot take in a local path: it parses the location as a URL
# twice, and [ ] ^ | are not allowed in one; control characters not in a path.
_UNUSABLE = re.compile(r"[\[\]^|\x00-\x1f\x7f]")


def table_location(path: PurePath) -> str:
    """The ``file://`` URL of a table folder, as delta-rs wants it: the absolute path with
    spaces, non-ASCII letters, ``#``, ``?`` and ``%`` percent-encoded once. Windows paths
    (``C:\\Users\\Jane Smith\\OneDrive - Council``, ``\\\\server\\share\\csc``) become
    ``file:///C:/Users/Jane%20Smith/...`` and ``file://server/share/csc``. The one place a
    path becomes a location."""
    if isinstance(path, PureWindowsPath):
        if not path.is_absolute():
            path = Path(os.path.abspath(path))  # pragma: no cover - Windows only
        segments = "/".join(quote(part, safe="") for part in path.parts[1:])
        drive = path.drive
        if drive.startswith("\\\\"):  # UNC share: \\server\share -> file://server/share
            host, _, share = drive[2:].partition("\\")
            return f"file://{host}/{quote(share, safe='')}/{segments}".rstrip("/")
        return f"file:///{drive}/{segments}".rstrip("/")
    # resolve(), not abspath(): "link/../x" is where the operating system puts the marker
    # (after the symlink), so the table must go there too.
    absolute = Path(path).resolve()
    return "file://" + quote(absolute.as_posix(), safe="/")


def check_location(path: PurePath | object) -> None:
    """Refuse, before anything is written, a folder the Delta library cannot open again.

    delta-rs decodes a table's location twice, so a folder named like ``%20`` or ``50%41``
    (a ``%`` followed by two hex digits) would be written once and then never read back.
    A location on object storage (anything but a path) is left to the Delta library.
    """
    if not isinstance(path, PurePath):
        return
    absolute = os.path.abspath(path)
    found = _PERCENT_ESCAPE.search(absolute) or _UNUSABLE.search(absolute)
    if found is None and os.sep == "/" and not isinstance(path, PureWindowsPath):
        found = re.search(r"\\", absolute)
    if found:
        raise StoreError(
            f"{path}: the Delta Lake library cannot use a store folder whose path contains "
            f"{found.group(0)!r}"
            + (" (it reads it as an escaped character)" if found.group(0)[0] == "%" else ""),
            hint="rename that folder, or give --store a path without "
            + (
                "'%' followed by two letters or digits"
                if found.group(0)[0] == "%"
                else "[ ] ^ |, backslashes or control characters"
            ),
        )


def data_files(table, folder: PurePath | object) -> list[str]:
    """Where a table version's data files are: local paths for a table in a local folder
    (delta-rs lists them percent-encoded), URIs for one on object storage."""
    if not isinstance(folder, PurePath):
        return list(table.file_uris())
    return [str(_local_path(uri, folder)) for uri in table.file_uris()]


def _local_path(uri: str, folder: Path) -> Path:
    if uri.startswith("file:"):
        parsed = urlparse(uri)
        netloc = f"//{parsed.netloc}" if parsed.netloc else ""
        return Path(url2pathname(netloc + parsed.path))
    if "://" in uri:
        raise StoreError(f"{folder}: a data file is outside the store folder ({uri})")
    return Path(unquote(uri))


# -- the table's files and features -------------------------------------------------------
def refuse_unsupported(table, where: object, partitions: Sequence[str] = ()) -> None:
    """Refuse a table that needs a Delta feature the plain Parquet scan would get wrong:
    deletion vectors (it would return deleted rows), column mapping, partitions other than
    ``partitions`` (which the reader handles), or a newer reader protocol (written by
    another engine)."""
    protocol = table.protocol()
    features = set(protocol.reader_features or [])
    unsupported = sorted(features - SUPPORTED_READER_FEATURES)
    reason = None
    if unsupported:
        reason = "it uses the Delta feature(s) " + ", ".join(unsupported)
    elif protocol.min_reader_version not in (1, 3):
        reason = f"it needs Delta reader version {protocol.min_reader_version}"
    else:
        metadata = table.metadata()
        if metadata.partition_columns and list(metadata.partition_columns) != list(partitions):
            reason = "it is partitioned by " + ", ".join(metadata.partition_columns)
        elif metadata.configuration.get("delta.columnMapping.mode", "none") != "none":
            reason = "it uses column mapping"
    if reason:
        raise StoreError(
            f"{where}: csc-perf cannot read this table: {reason} (written by another "
            "engine?); reading it as plain files would give wrong figures",
            hint="export it from that engine without these features, or import its figures "
            "into a new store",
        )


def data_file_problems(
    files: Sequence[str],
    which: str = "the current version",
    ends: Callable[[str], tuple[int, bytes, bytes] | None] | None = None,
) -> list[str]:
    """Data files that are missing, empty or not whole Parquet files (checked by their
    magic bytes, so a damaged file is named instead of crashing the reader). ``ends`` reads
    a file's size and first and last 4 bytes (None: missing); local files by default."""
    problems = []
    for path in files:
        try:
            found = (ends or _local_ends)(path)
        except OSError as exc:
            problems.append(f"a data file of {which} cannot be read: {path} ({exc})")
            continue
        if found is None:
            problems.append(f"a data file of {which} is missing: {path}")
            continue
        size, head, tail = found
        if size == 0:
            problems.append(f"a data file of {which} is empty (0 bytes): {path}")
        elif size < 12 or head != b"PAR1" or tail != b"PAR1":
            problems.append(f"a data file of {which} is not a whole Parquet file: {path}")
    return problems


def _local_ends(name: str) -> tuple[int, bytes, bytes] | None:
    """(size, first 4 bytes, last 4 bytes) of a local file, or None when it is missing."""
    path = Path(name)
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            head = handle.read(4)
            handle.seek(max(size - 4, 0))
            tail = handle.read(4)
    except FileNotFoundError:
        return None
    return size, head, tail


# -- how csc-perf commits -------------------------------------------------------------------
def commit_record(info: dict[str, Any]) -> CommitProperties:
    """A commit's properties carrying csc-perf's own record of it (``info``, as JSON)."""
    return CommitProperties(custom_metadata={METADATA_KEY: json.dumps(info)})


def keep_logs() -> PostCommitHookProperties:
    """Post-commit hooks that checkpoint but never delete commit files."""
    return PostCommitHookProperties(create_checkpoint=True, cleanup_expired_logs=False)
