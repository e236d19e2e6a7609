"""The store marker, ``csc-perf-store.json``: it says a folder is a csc-perf store (its format)
and records the latest version of each table, so that a deleted latest commit is noticed.
It is always replaced whole (written beside and renamed), never edited in place.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from csc_perf.errors import StoreError
from csc_perf.store.layout import CHECK_HINT, FORMAT, MARKER


def read_marker(folder: Path) -> dict[str, Any]:
    """The marker of the store at ``folder``, checked: a JSON object of this format, its
    recorded version (when there is one) a whole number from 0.

    Raises :class:`StoreError` when there is no marker ("not a csc-perf store"), or it is
    unreadable or of another format.
    """
    marker = folder / MARKER
    if not marker.is_file():
        raise StoreError(
            f"{folder}: this folder is not a csc-perf store (no {MARKER})",
            hint="point --store (or CSC_PERF_STORE) at a store folder, or at a new one",
        )
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"{marker}: unreadable store marker ({exc})", hint=CHECK_HINT) from None
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        raise StoreError(f"{marker}: unsupported store format {info!r}", hint=CHECK_HINT)
    version = info.get("version")  # absent in markers written before it was recorded
    if version is not None and (type(version) is not int or version < 0):
        raise StoreError(
            f"{marker}: unreadable store marker (version {version!r})", hint=CHECK_HINT
        )
    return info


def recorded_reference_version(info: dict[str, Any], name: str) -> int | None:
    """The version of reference table ``name`` that marker ``info`` recorded, if any."""
    recorded = info.get("reference_versions", {})
    version = recorded.get(name) if isinstance(recorded, dict) else None
    return version if type(version) is int else None


def write_atomically(path: Path, content: dict) -> None:
    """Write JSON beside ``path`` and rename it into place (flushed to disk first)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(content) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
