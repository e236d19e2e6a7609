"""The few files the store reads itself, wherever the store is: a table's log (listed, one
commit read) and its data files' ends (to see a missing or cut-short file). A local folder
is read with the operating system; object storage with ``obstore``, the Python face of the
same Rust ``object_store`` library the Delta library writes with, so both take the same
storage options and read the same environment variables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from csc_perf.errors import StoreError
from csc_perf.store.library_errors import first_line
from csc_perf.store.location import ObjectLocation

# Storage options that obstore takes as client options rather than as the store's config.
_CLIENT_OPTIONS = frozenset(
    {
        "allow_http",
        "allow_invalid_certificates",
        "connect_timeout",
        "http1_only",
        "http2_only",
        "pool_idle_timeout",
        "proxy_url",
        "timeout",
        "user_agent",
    }
)


# The object csc-perf makes once under a store's prefix to see that conditional writes work.
CONDITIONAL_CHECK = "_csc_perf_conditional_write_check"


class LogFiles(Protocol):
    """A Delta table's ``_delta_log``, as the store reads it."""

    where: str

    def exists(self) -> bool:
        """True when the log holds at least one file."""

    def listing(self) -> list[tuple[str, int, int]]:
        """(name, size, modification stamp) of each file in the log, by name."""

    def read_text(self, name: str) -> str:
        """One file of the log, as text (UTF-8)."""

    def data_file(self, relative: str) -> str:
        """Where a data file the log names (relative to the table) is, for messages."""


@dataclass
class LocalLog:
    """A log in a local folder."""

    folder: Path

    @property
    def where(self) -> str:
        return str(self.folder)

    def exists(self) -> bool:
        return self.folder.is_dir()

    def listing(self) -> list[tuple[str, int, int]]:
        with os.scandir(self.folder) as entries:
            found = [(e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in entries]
        return sorted(found)

    def read_text(self, name: str) -> str:
        with open(self.folder / name, encoding="utf-8") as handle:
            return handle.read()

    def data_file(self, relative: str) -> str:
        return str(self.folder.parent / relative)


class ObjectFiles:
    """The objects under one prefix of an object store (a store's root), read with obstore."""

    def __init__(self, root: ObjectLocation) -> None:
        import obstore.store  # only for stores on object storage: 13 ms of start-up

        options = root.storage_options()
        config = {k: v for k, v in options.items() if k.lower() not in _CLIENT_OPTIONS}
        client = {k.lower(): v for k, v in options.items() if k.lower() in _CLIENT_OPTIONS}
        self.root = root
        try:
            self._store = obstore.store.from_url(
                root.uri + "/", config=config or None, client_options=client or None
            )
        except Exception as exc:  # a bad option or URI: named, never with its value
            raise StoreError(
                f"{root}: cannot open the object store ({first_line(exc)})",
                hint="check the store URI and the storage options / environment variables",
            ) from None

    def listing(self, prefix: str) -> list[tuple[str, int, int]]:
        """(name, size, modification stamp) of the objects directly under ``prefix``."""
        import obstore

        found = obstore.list_with_delimiter(self._store, prefix.rstrip("/") + "/")
        rows = []
        for meta in found["objects"]:
            name = str(meta["path"]).rsplit("/", 1)[-1]
            stamp = int(meta["last_modified"].timestamp() * 1e9)
            rows.append((name, int(meta["size"]), stamp))
        return sorted(rows)

    def has_prefix(self, prefix: str) -> bool:
        """True when at least one object lies under ``prefix``."""
        import obstore

        found = obstore.list_with_delimiter(self._store, prefix.rstrip("/") + "/")
        return bool(found["objects"] or found["common_prefixes"])

    def read(self, relative: str) -> bytes:
        """One object's bytes."""
        import obstore

        return bytes(obstore.get(self._store, relative).bytes())

    def ends(self, relative: str) -> tuple[int, bytes, bytes] | None:
        """(size, first 4 bytes, last 4 bytes) of an object, or None when there is none."""
        import obstore

        try:
            size = int(obstore.head(self._store, relative)["size"])
        except FileNotFoundError:
            return None
        if size < 8:
            return size, b"", b""
        head, tail = obstore.get_ranges(self._store, relative, starts=[0, size - 4], ends=[4, size])
        return size, bytes(head), bytes(tail)

    def honours_conditional_writes(self) -> bool:
        """True when the object store refuses to create an object that already exists
        (``If-None-Match: *``), which Delta's commits rely on: of two writers making the
        same version, one must fail. Checked on one small object under the prefix
        (``_csc_perf_conditional_write_check``), made once and never changed."""
        import obstore
        from obstore.exceptions import AlreadyExistsError, PreconditionError

        for _ in range(2):  # made now (or already there): a second create must be refused
            try:
                obstore.put(self._store, CONDITIONAL_CHECK, b"csc-perf\n", mode="create")
            except (AlreadyExistsError, PreconditionError):
                return True
        return False

    def relative(self, uri: str) -> str:
        """``uri`` (under the root) as a path relative to the root."""
        return uri[len(self.root.uri) + 1 :] if uri.startswith(self.root.uri + "/") else uri


@dataclass
class ObjectLog:
    """A table's log on object storage: ``table`` is the table's name under the root."""

    files: ObjectFiles
    table: str

    @property
    def where(self) -> str:
        return f"{self.files.root}/{self.table}/_delta_log"

    def exists(self) -> bool:
        return self.files.has_prefix(f"{self.table}/_delta_log")

    def listing(self) -> list[tuple[str, int, int]]:
        return self.files.listing(f"{self.table}/_delta_log")

    def read_text(self, name: str) -> str:
        return self.files.read(f"{self.table}/_delta_log/{name}").decode("utf-8")

    def data_file(self, relative: str) -> str:
        return f"{self.files.root}/{self.table}/{relative}"


def as_log(log: Path | LogFiles) -> LogFiles:
    """A local folder as a :class:`LocalLog`; a log object as it is."""
    return LocalLog(log) if isinstance(log, Path) else log
