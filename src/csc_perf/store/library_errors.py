"""Failures that come from the Delta Lake and Polars libraries' Rust side, turned into
messages: a panic's report kept off the user's terminal, a full disk recognised, and any
other failure made a :class:`StoreError` naming its first line.
"""

from __future__ import annotations

import errno
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from csc_perf.errors import StoreError
from csc_perf.model.secrets import without_secrets


def reraise_interrupts(exc: BaseException) -> None:
    """Re-raise Ctrl-C and exits; anything else (a pyo3 PanicException derives from
    BaseException) is for the caller to turn into a message."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc


def first_line(exc: BaseException) -> str:
    """The first line of an exception's text, or its type's name when it has none; a
    secret of the storage options never appears in it."""
    text = str(exc).strip().splitlines()
    return without_secrets(text[0]) if text else type(exc).__name__


@contextmanager
def failures_as_store_error(error: Callable[[str], StoreError]) -> Iterator[None]:
    """Run a library call; any failure (an exception or a Rust panic) becomes the
    :class:`StoreError` that ``error`` makes from its first line. Ctrl-C, exits and
    :class:`StoreError` itself pass through unchanged."""
    try:
        yield
    except StoreError:
        raise
    except BaseException as exc:
        reraise_interrupts(exc)
        raise error(first_line(exc)) from None


_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def is_disk_full(exc: BaseException) -> bool:
    """True when ``exc`` says the disk (or a quota, or a file-size limit) is full."""
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        return True
    text = str(exc)
    return any(f"(os error {n})" in text for n in _FULL_ERRNOS) or any(
        words in text for words in ("No space left", "File too large", "Disk quota exceeded")
    )


# Words of an object store's refusal for want of permission (S3, Azure, GCS, obstore)...
_DENIED = (
    "AccessDenied",
    "Access Denied",
    "AuthorizationPermissionMismatch",
    "AuthorizationFailure",
    "lacked the necessary privileges",
    "PermissionDenied",
)
# ... and of credentials that are wrong rather than only allowed to read.
_BAD_CREDENTIALS = (
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
    "AuthenticationFailed",
    "ExpiredToken",
    "InvalidToken",
)


def is_access_denied(exc: BaseException) -> bool:
    """True when an object store refused a request for want of permission (and not
    because the credentials themselves are wrong)."""
    text = str(exc)
    if any(code in text for code in _BAD_CREDENTIALS):
        return False
    return isinstance(exc, PermissionError) or any(word in text for word in _DENIED)


_PANIC_START = re.compile(r"^thread '.*'(?: \(\d+\))? panicked at ")


@contextmanager
def rust_panic_text_held_back() -> Iterator[None]:
    """Keep Rust's panic report (``thread '...' panicked at ...``, its message and any
    backtrace) off the user's stderr while a Delta or Polars call runs; anything else written
    to stderr meanwhile is passed on. The panic itself reaches Python as an exception."""
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
