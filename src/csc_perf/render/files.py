"""Writing a file so that a reader never sees half of it: the one atomic write every output
of csc-perf goes through (reports, charts, exports, indicators.toml edits). Imports nothing
heavy: the command line's boundary (:mod:`csc_perf.render.output`) uses it at start-up."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from csc_perf.errors import UsageError


def write_file_atomically(path: Path, data: bytes, *, keep_mode: bool = False) -> None:
    """Write to a temporary file in the same folder, then rename over ``path``.

    A symlink is followed (its target is replaced); a FIFO, device or other special file is
    written straight through, never replaced. The file gets the usual permissions (umask),
    or with ``keep_mode`` those of the file it replaces (and its owner, where allowed).
    """
    import stat

    if path.is_symlink():
        path = path.resolve()
    if path.is_dir():
        raise UsageError(f"-o {path}: is a folder")
    if path.exists() and not stat.S_ISREG(path.stat().st_mode):
        with open(path, "wb") as handle:  # a pipe or a device such as /dev/stdout
            handle.write(data)
        return
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"-o {path}: the folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        umask = os.umask(0)
        os.umask(umask)
        old = path.stat() if keep_mode and path.exists() else None
        os.fchmod(fd, 0o666 & ~umask if old is None else stat.S_IMODE(old.st_mode))
        if old is not None:
            with contextlib.suppress(OSError):  # only root may give a file away
                os.fchown(fd, old.st_uid, old.st_gid)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
