"""A Delta table's log (``_delta_log``), read as files: whether it is whole (versions
without a gap, no empty, cut or foreign commit), each commit's ``commitInfo``, and every
data file its commits added. Nothing here opens the table with the Delta library, so a
damaged log is named instead of crashing it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from csc_perf.store.delta_table import METADATA_KEY
from csc_perf.store.log_files import LogFiles, as_log

# A commit file's name: its version, 20 digits.
COMMIT_FILE = re.compile(r"(\d{20})\.json")
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
    log: Path | LogFiles, *, recorded: int | None = None, deep: bool = False, parse: bool = True
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
    log = as_log(log)
    commits: dict[int, str] = {}
    checkpoints: set[int] = set()
    for name, _size, _stamp in log.listing():
        found = COMMIT_FILE.fullmatch(name)
        if found:
            commits[int(found.group(1))] = name
            continue
        found = _CHECKPOINT.fullmatch(name)
        if found:
            checkpoints.add(int(found.group(1)))
    if not commits and not checkpoints:
        return LogState(None, 0, [f"{log.where} holds no commit"])
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
                f"versions 0 to {first - 1} are missing from {log.where} and no checkpoint covers "
                "them: the table cannot be read"
            )
        elif deep:
            problems.append(
                f"versions 0 to {first - 1} were removed from {log.where} by Delta's log clean-up "
                "(before this store kept its history): --as-of cannot read them"
            )
    gaps = [v for v in range(first, latest + 1) if v not in commits]
    if gaps:
        shown = f"{gaps[:10]}" + (" ..." if len(gaps) > 10 else "")
        problems.append(
            f"the history has a gap: version(s) {shown} missing from {log.where} (commit file "
            "deleted), so the versions after it cannot be trusted"
        )
    start = 0 if deep or base is None else base + 1
    for version in sorted(v for v in commits if v >= start):
        # Parsing every action of every commit is for `store check`; on open, the latest
        # commit is parsed whole and the others' lines checked for shape (a cut line does not
        # end with '}') and counted against their own metrics: a fraction of the cost.
        problem = _commit_problem(log, commits[version], version, whole=deep or version == latest)
        if problem:
            problems.append(problem)
    return LogState(latest, first, problems)


def commit_infos(log: Path | LogFiles) -> list[tuple[int, dict]]:
    """(version, commitInfo) of every commit file in a log, oldest first."""
    log = as_log(log)
    found = []
    for version, name in _commit_names(log):
        info: dict = {}
        for line in log.read_text(name).splitlines():
            if line.startswith('{"commitInfo"'):
                try:
                    info = json.loads(line).get("commitInfo") or {}
                except ValueError:
                    info = {}
                break
        found.append((version, info))
    return found


def _commit_problem(log: LogFiles, name: str, version: int, *, whole: bool = True) -> str | None:
    """What is wrong with one commit file, or None. ``whole``: parse every line as JSON;
    otherwise check each line's shape (a cut line does not end with ``}``) and read the
    counts from the commit's metrics with a pattern: enough to see a truncated file, at a
    fraction of the cost."""
    try:
        text = log.read_text(name)
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


def added_files(log: Path | LogFiles) -> dict[str, int]:
    """Every data file any commit of a table added (its location: a local path or a URI ->
    the version that added it), from the ``add`` actions of its log. The store never
    deletes one, so each must still be there for ``--as-of`` to read the versions that hold
    it."""
    log = as_log(log)
    found: dict[str, int] = {}
    for version, name in _commit_names(log):
        for line in log.read_text(name).splitlines():
            if not line.startswith('{"add"'):
                continue
            try:
                relative = json.loads(line)["add"]["path"]
            except (ValueError, KeyError, TypeError):
                continue  # a damaged commit is reported by inspect_log
            found.setdefault(log.data_file(unquote(relative)), version)
    return found


def _commit_names(log: LogFiles) -> list[tuple[int, str]]:
    """(version, file name) of every commit file in a log, oldest first."""
    return sorted(
        (int(m.group(1)), name)
        for name, _size, _stamp in log.listing()
        if (m := COMMIT_FILE.fullmatch(name))
    )
