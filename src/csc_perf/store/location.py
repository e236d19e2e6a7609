"""Where a store lives: a local folder, or a prefix on object storage (``s3://``, ``az://``,
``abfss://``, ``gs://``) with the options its client needs.

A store on object storage is the same three Delta tables under the prefix
(``PREFIX/observations``, ``PREFIX/population``, ``PREFIX/benchmarks``). Credentials and
endpoints come from the standard environment variables the object-store libraries read
(``AWS_*``, ``AZURE_STORAGE_*``, ``GOOGLE_*``) and from ``[workspace.storage_options]``; a URI
carrying a secret is refused, and the options' values are never shown (see
:func:`csc_perf.store.library_errors.hold_back_secret`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from csc_perf.errors import StoreError
from csc_perf.model.secrets import hold_back_secret

# Schemes of the object stores the Delta library writes to, by the cloud they belong to.
SCHEMES = {
    "s3": "aws",
    "s3a": "aws",
    "az": "azure",
    "adl": "azure",
    "azure": "azure",
    "abfs": "azure",
    "abfss": "azure",
    "gs": "google",
    "gcs": "google",
}
# A scheme: two characters at least (``C:`` is a Windows drive).
_SCHEME_START = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# What a prefix may hold: delta-rs percent-encodes other characters when it writes a path and
# again when it reads it, so a space, an accent or a %41 is written once and never found.
_UNUSABLE_IN_PREFIX = re.compile(r"[^A-Za-z0-9._=/-]")
# Option names whose values are secrets (compared without case): never shown anywhere.
_SECRET_WORDS = ("secret", "key", "token", "password", "sas", "credential", "signature")


@dataclass(frozen=True)
class ObjectLocation:
    """A store (or one of its tables) on object storage: ``uri`` without a trailing slash
    and without credentials, and ``options``, the storage options every client of it gets
    (the Delta library, Polars and the log reader)."""

    uri: str
    options: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __truediv__(self, name: str) -> ObjectLocation:
        return ObjectLocation(f"{self.uri}/{name}", self.options)

    def __str__(self) -> str:
        return self.uri

    @property
    def name(self) -> str:
        """The last segment of the URI (a table's name)."""
        return self.uri.rstrip("/").rsplit("/", 1)[-1]

    @property
    def cloud(self) -> str:
        """``aws``, ``azure`` or ``google``."""
        return SCHEMES[self.uri.split("://", 1)[0].lower()]

    def storage_options(self) -> dict[str, str]:
        """The options for the Delta library and Polars. On S3, commits use conditional
        writes (``If-None-Match``: a commit file is created only if no other writer made
        that version first) unless the options choose another way."""
        options = dict(self.options)
        chosen = any(k.lower() in ("conditional_put", "aws_conditional_put") for k in options)
        if self.cloud == "aws" and not chosen and not os.environ.get("AWS_CONDITIONAL_PUT"):
            options["conditional_put"] = "etag"
        return options


def looks_like_uri(text: str) -> bool:
    """True when ``text`` names a location by a scheme (``s3:``, ``az:``, ``file:``...,
    or any ``scheme://``) rather than a folder. ``C:\\x`` is a Windows path: a scheme has
    two letters at least."""
    found = _SCHEME_START.match(text.strip())
    if found is None:
        return False
    return found.group(1).lower() in (*SCHEMES, "file") or text.strip()[found.end() :].startswith(
        "//"
    )


def store_location(
    text: str | Path, options: Mapping[str, str] | None = None
) -> Path | ObjectLocation:
    """``--store``'s value as a location: a URI of a supported object store becomes an
    :class:`ObjectLocation` (with ``options``), ``file:`` URIs and anything without a
    scheme a local :class:`~pathlib.Path`.

    Raises :class:`StoreError` for another scheme (``http://``...), a URI with one slash
    (``s3:/bucket``), credentials, a query string or control characters in it, no bucket or
    container, or a prefix the Delta library cannot read back (anything but letters,
    digits and ``. _ - = /``).
    """
    if isinstance(text, Path):
        return text
    text = text.strip()
    if not looks_like_uri(text):
        return Path(text)
    scheme = text.split(":", 1)[0].lower()
    rest = text[len(scheme) + 1 :]
    if _CONTROL.search(text):
        raise StoreError(
            f"{_shown(text)!r}: a store URI must not hold control characters (a tab?)",
            hint="type the URI again, e.g. s3://council-csc/store",
        )
    if scheme == "file":
        path = urlparse(text).path if rest.startswith("//") else rest
        return Path(unquote(path))
    if scheme not in SCHEMES:
        raise StoreError(
            f"{_shown(text)}: csc-perf cannot keep a store at a {scheme}:// location",
            hint="use a local folder or an s3://, az://, abfss:// or gs:// URI",
        )
    if not rest.startswith("//"):
        raise StoreError(
            f"{text}: a store URI starts with two slashes after {scheme}:",
            hint=f"e.g. {scheme}://bucket/prefix",
        )
    parsed = urlparse(text)
    # abfss://CONTAINER@ACCOUNT.dfs.core.windows.net names a container, not a user.
    named_user = parsed.username is not None and SCHEMES[scheme] != "azure"
    if parsed.password is not None or named_user or parsed.query or parsed.fragment:
        raise StoreError(
            f"{_shown(text)}: a store URI must not carry credentials or a query string",
            hint="give credentials in the environment (AWS_*, AZURE_STORAGE_*, GOOGLE_*) or "
            "in [workspace.storage_options]",
        )
    if not parsed.netloc:
        raise StoreError(
            f"{text}: the URI names no bucket or container",
            hint="e.g. s3://council-csc/store or az://csc/store",
        )
    path = re.sub("/+", "/", parsed.path).rstrip("/")
    unusable = _UNUSABLE_IN_PREFIX.search(path)
    if unusable:
        raise StoreError(
            f"{text}: the Delta Lake library cannot read back a store whose prefix holds "
            f"{unusable.group(0)!r} (it writes and reads such names differently)",
            hint="use letters, digits and . _ - = / in the prefix (e.g. childrens-services/csc)",
        )
    options = {str(k): str(v) for k, v in (options or {}).items()}
    for key, value in options.items():
        if any(word in key.lower() for word in _SECRET_WORDS):
            hold_back_secret(value)
    return ObjectLocation(f"{scheme}://{parsed.netloc}{path}", options)


def _shown(text: str) -> str:
    """A URI as it may be shown: any ``user:password@`` and query string cut off."""
    parsed = urlparse(text)
    host = parsed.netloc.rsplit("@", 1)[-1]
    return f"{parsed.scheme}://{host}{parsed.path}"
