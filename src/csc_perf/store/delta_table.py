"""The Delta table on disk, below the store: where it is in the form the Delta library
expects (one function for every kind of path), whether its log is whole, which Delta
features it uses, and the errors that come from the library's Rust side.

Kept apart from :mod:`csc_perf.store.core` (imports, history, checks) so that each does one
job; nothing here knows about observations or imports.
"""

from __future__ import annotations

import errno
import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath, PureWindowsPath
from urllib.parse import quote, unquote

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


def check_location(path: PurePath) -> None:
    """Refuse, before anything is written, a folder the Delta library cannot open again.

    delta-rs decodes a table's location twice, so a folder named like ``%20`` or ``50%41``
    (a ``%`` followed by two hex digits) would be written once and then never read back.
    """
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


def data_files(table, folder: Path) -> list[str]:
    """Local paths of a table version's data files (delta-rs lists them percent-encoded)."""
    return [str(_local_path(uri, folder)) for uri in table.file_uris()]


def _local_path(uri: str, folder: Path) -> Path:
    if uri.startswith("file:"):
        from urllib.parse import urlparse
        from urllib.request import url2pathname

        parsed = urlparse(uri)
        netloc = f"//{parsed.netloc}" if parsed.netloc else ""
        return Path(url2pathname(netloc + parsed.path))
    if "://" in uri:
        raise StoreError(f"{folder}: a data file is outside the store folder ({uri})")
    return Path(unquote(uri))


# -- is the log whole? ---------------------------------------------------------------------
_COMMIT = re.compile(r"(\d{20})\.json")
_CHECKPOINT = re.compile(r"(\d{20})\.checkpoint(?:\.\d+\.\d+)?(?:\.[0-9a-f-]+)?\.parquet")
# Names the engines give the number of files a commit adds and removes.
_ADDED = ("num_added_files", "num_target_files_added", "numFilesAdded", "numAddedFiles")
_REMOVED = ("num_removed_files", "num_target_files_removed", "numFilesRemoved", "numRemovedFiles")


@dataclass
class LogState:
    """What :func:`inspect_log` found: the latest version (None: no commit at all), the
    first version still in the log, and the problems (empty: whole)."""

    latest: int | None
    first: int
    problems: list[str]


def inspect_log(
    log: Path, *, recorded: int | None = None, deep: bool = False, parse: bool = True
) -> LogState:
    """Check a Delta table's ``_delta_log``: versions numbered without a gap, no empty,
    unparsable or incomplete commit file (fewer actions than its own metrics count, a
    ``csc_perf`` record of another version), and the log not behind ``recorded``, the
    latest version the store marker recorded (a log *ahead* of it is an interrupted
    update of the marker, not damage).

    ``deep`` parses every commit and counts versions that Delta's log clean-up removed
    before a checkpoint as a problem; otherwise only the commits the latest checkpoint does
    not cover are parsed (what every command does on open: a listing and a few small files).
    """
    commits: dict[int, os.DirEntry] = {}
    checkpoints: set[int] = set()
    with os.scandir(log) as entries:
        for entry in entries:
            found = _COMMIT.fullmatch(entry.name)
            if found:
                commits[int(found.group(1))] = entry
                continue
            found = _CHECKPOINT.fullmatch(entry.name)
            if found:
                checkpoints.add(int(found.group(1)))
    if not commits and not checkpoints:
        return LogState(None, 0, [f"{log} holds no commit"])
    latest = max(commits.keys() | checkpoints)
    first = min(commits) if commits else latest
    if not parse:
        return LogState(latest, first, [])
    problems: list[str] = []
    if recorded is not None and latest < recorded:
        lost = f"{latest + 1}" if recorded == latest + 1 else f"{latest + 1} to {recorded}"
        problems.append(
            f"version {lost} is missing: the store recorded version {recorded} but its log "
            f"ends at version {latest} (the latest commit file was deleted)"
        )
    base = max((c for c in checkpoints if c <= latest), default=None)
    if first > 0:
        if base is None or first > base + 1:
            problems.append(
                f"versions 0 to {first - 1} are missing from {log} and no checkpoint covers "
                "them: the table cannot be read"
            )
        elif deep:
            problems.append(
                f"versions 0 to {first - 1} were removed from {log} by Delta's log clean-up "
                "(before this store kept its history): --as-of cannot read them"
            )
    gaps = [v for v in range(first, latest + 1) if v not in commits]
    if gaps:
        shown = f"{gaps[:10]}" + (" ..." if len(gaps) > 10 else "")
        problems.append(
            f"the history has a gap: version(s) {shown} missing from {log} (commit file "
            "deleted), so the versions after it cannot be trusted"
        )
    start = 0 if deep or base is None else base + 1
    for version in sorted(v for v in commits if v >= start):
        # Parsing every action of every commit is for `store check`; on open, the latest
        # commit is parsed whole and the others' lines checked for shape (a cut line does not
        # end with '}') and counted against their own metrics: a fraction of the cost.
        problem = _commit_problem(commits[version], version, whole=deep or version == latest)
        if problem:
            problems.append(problem)
    return LogState(latest, first, problems)


def commit_infos(log: Path) -> list[tuple[int, dict]]:
    """(version, commitInfo) of every commit file in a log, oldest first."""
    found = []
    with os.scandir(log) as entries:
        commits = sorted(
            (int(m.group(1)), e.path) for e in entries if (m := _COMMIT.fullmatch(e.name))
        )
    for version, path in commits:
        info: dict = {}
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith('{"commitInfo"'):
                    try:
                        info = json.loads(line).get("commitInfo") or {}
                    except ValueError:
                        info = {}
                    break
        found.append((version, info))
    return found


def _commit_problem(entry: os.DirEntry, version: int, *, whole: bool = True) -> str | None:
    """What is wrong with one commit file, or None. ``whole``: parse every line as JSON;
    otherwise check each line's shape (a cut line does not end with ``}``) and read the
    counts from the commit's metrics with a pattern: enough to see a truncated file, at a
    fraction of the cost."""
    name = entry.name
    try:
        with open(entry.path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        return f"version {version}: the commit file {name} cannot be read ({exc})"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return f"version {version}: the commit file {name} is empty"
    damaged = f"version {version}: the commit file {name} is damaged (line {{}} is not whole "
    damaged += "JSON; truncated?)"
    counts = {"add": 0, "remove": 0}
    info_line = None
    for number, line in enumerate(lines, start=1):
        if whole:
            try:
                action = json.loads(line)
            except ValueError:
                return damaged.format(number)
            if not isinstance(action, dict):
                return damaged.format(number)
        elif not (line[0] == "{" and line[-1] == "}"):
            return damaged.format(number)
        if line.startswith('{"commitInfo"'):
            info_line = line
        elif line.startswith('{"add"'):
            counts["add"] += 1
        elif line.startswith('{"remove"'):
            counts["remove"] += 1
    if info_line is None:
        return None
    for kind, keys in (("add", _ADDED), ("remove", _REMOVED)):
        for key in keys:
            found = re.search(f'"{key}":(\\d+)', info_line)
            if found and int(found.group(1)) != counts[kind]:
                return (
                    f"version {version}: the commit file {name} is incomplete (it lists "
                    f"{counts[kind]} {kind} action(s) of the {found.group(1)} it counts; "
                    "truncated?)"
                )
    if whole:
        raw = json.loads(info_line)["commitInfo"].get(METADATA_KEY)
        if isinstance(raw, str):
            try:
                record = json.loads(raw)
            except ValueError:
                return f"version {version}: the csc-perf record in {name} is damaged"
            if isinstance(record, dict) and record.get("version", version) != version:
                return (
                    f"version {version}: the commit file {name} holds the record of version "
                    f"{record['version']} (renamed or copied from elsewhere?)"
                )
    return None


def refuse_unsupported(table, where: Path) -> None:
    """Refuse a table that needs a Delta feature the plain Parquet scan would get wrong:
    deletion vectors (it would return deleted rows), column mapping, partitions, or a
    newer reader protocol (written by another engine)."""
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
        if metadata.partition_columns:
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


def added_files(log: Path) -> dict[str, int]:
    """Every data file any commit of a table added (local path -> the version that added
    it), from the ``add`` actions of its log. The store never deletes one, so each must
    still be there for ``--as-of`` to read the versions that hold it."""
    folder = log.parent
    found: dict[str, int] = {}
    with os.scandir(log) as entries:
        commits = sorted(
            (int(m.group(1)), e.path) for e in entries if (m := _COMMIT.fullmatch(e.name))
        )
    for version, path in commits:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if not line.startswith('{"add"'):
                    continue
                try:
                    relative = json.loads(line)["add"]["path"]
                except (ValueError, KeyError, TypeError):
                    continue  # a damaged commit is reported by inspect_log
                found.setdefault(str(folder / unquote(relative)), version)
    return found


def _data_file_problems(files: Sequence[str], which: str = "the current version") -> list[str]:
    """Data files that are missing, empty or not whole Parquet files (checked by their
    magic bytes, so a damaged file is named instead of crashing the reader)."""
    problems = []
    for name in files:
        path = Path(name)
        try:
            size = path.stat().st_size
            with open(path, "rb") as handle:
                head = handle.read(4)
                handle.seek(max(size - 4, 0))
                tail = handle.read(4)
        except FileNotFoundError:
            problems.append(f"a data file of {which} is missing: {path}")
            continue
        except OSError as exc:
            problems.append(f"a data file of {which} cannot be read: {path} ({exc})")
            continue
        if size == 0:
            problems.append(f"a data file of {which} is empty (0 bytes): {path}")
        elif size < 12 or head != b"PAR1" or tail != b"PAR1":
            problems.append(f"a data file of {which} is not a whole Parquet file: {path}")
    return problems


# -- errors from the Rust side ---------------------------------------------------------------
def _keep_logs():
    """Post-commit hooks that checkpoint but never delete commit files."""
    from deltalake import PostCommitHookProperties

    return PostCommitHookProperties(create_checkpoint=True, cleanup_expired_logs=False)


def _reraise_interrupts(exc: BaseException) -> None:
    """Re-raise Ctrl-C and exits; anything else (a pyo3 PanicException derives from
    BaseException) is for the caller to turn into a message."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc


_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        return True
    text = str(exc)
    return any(f"(os error {n})" in text for n in _FULL_ERRNOS) or any(
        words in text for words in ("No space left", "File too large", "Disk quota exceeded")
    )


_PANIC_START = re.compile(r"^thread '.*'(?: \(\d+\))? panicked at ")


@contextmanager
def _rust_panic_text_held_back() -> Iterator[None]:
    """Keep Rust's panic report (``thread '...' panicked at ...``, its message and any
    backtrace) off the user's stderr while a Delta or Polars call runs; anything else written
    to stderr meanwhile is passed on. The panic itself reaches Python as an exception."""
    import tempfile

    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real stderr (embedded, captured)
        yield
        return
    try:
        held = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    except OSError:
        os.close(saved)
        yield
        return
    os.dup2(held.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        held.seek(0)
        text = held.read().decode("utf-8", "replace")
        held.close()
        kept = _without_panic_text(text)
        if kept:
            os.write(2, kept.encode("utf-8"))


def _without_panic_text(text: str) -> str:
    """``text`` without Rust panic reports: the ``panicked at`` line, the message line after
    it, a backtrace (indented lines) and the ``note:`` lines."""
    kept: list[str] = []
    skipping = message = False
    for line in text.splitlines(keepends=True):
        if _PANIC_START.match(line):
            skipping = message = True
            continue
        if skipping:
            if message:
                message = False
                continue
            if line.startswith(("stack backtrace:", " ", "note: ")):
                continue
            skipping = False
        kept.append(line)
    return "".join(kept)
