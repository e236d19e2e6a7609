"""The store's write lock: one writer at a time, on the ``.lock`` file (readers never wait).

flock on POSIX, msvcrt's byte lock on Windows; the helpers take the lock module as an
argument so that the tests run both branches anywhere.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from csc_perf.errors import StoreBusyError
from csc_perf.store.layout import LOCK


@contextmanager
def holding_lock(folder: Path, wait: float) -> Iterator[None]:
    """Hold the write lock of the store at ``folder`` (created if need be) for the
    with-block, waiting at most ``wait`` seconds for it.

    Raises :class:`StoreBusyError` when another process still holds it by then.
    """
    folder.mkdir(parents=True, exist_ok=True)
    handle = open(folder / LOCK, "a+b")  # noqa: SIM115 - held for the with-block
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        delay = 0.05
        while not _try_lock(handle):
            if time.monotonic() >= deadline:
                raise StoreBusyError(
                    f"{folder}: the store is busy (another import holds it); gave up "
                    f"after {wait:g}s",
                    hint="retry later, or wait longer with --wait SECONDS",
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
        try:
            yield
        finally:
            _unlock(handle)
    finally:
        handle.close()


def _lock_module():
    """fcntl on POSIX, msvcrt on Windows."""
    try:
        import fcntl

        return fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        return msvcrt


def _try_lock(handle, module=None) -> bool:
    """Take the lock without waiting; False when another process holds it."""
    module = module or _lock_module()
    # flock says "held elsewhere" with BlockingIOError; msvcrt with any OSError.
    busy = BlockingIOError if hasattr(module, "flock") else OSError
    try:
        _lock_call(handle, module, take=True)
        return True
    except busy:
        return False


def _unlock(handle, module=None) -> None:
    """Release the lock taken with :func:`_try_lock`."""
    _lock_call(handle, module or _lock_module(), take=False)


def _lock_call(handle, module, *, take: bool) -> None:
    """Take (without waiting) or release the lock on ``handle``'s file."""
    if hasattr(module, "flock"):
        module.flock(handle.fileno(), (module.LOCK_EX | module.LOCK_NB) if take else module.LOCK_UN)
        return
    # msvcrt locks bytes from the current position: always the first byte of the file.
    handle.seek(0)
    module.locking(handle.fileno(), module.LK_NBLCK if take else module.LK_UNLCK, 1)
