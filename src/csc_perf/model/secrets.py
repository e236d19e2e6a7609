"""Secrets that must never be shown: the storage options' keys and tokens, and those of the
environment variables the object-store clients read. Every message made from a library's
text goes through :func:`without_secrets`.
"""

from __future__ import annotations

import os

# Values that must never be shown (storage options' secrets): replaced in library text.
_SECRETS: set[str] = set()


def hold_back_secret(value: str) -> None:
    """Never show ``value`` (a key, token or password from the storage options) in a
    message made from a library's text: :func:`first_line` replaces it with ``***``."""
    if len(value) >= 4:
        _SECRETS.add(value)


def without_secrets(text: str) -> str:
    """``text`` with every held-back secret (and any from the environment) replaced."""
    for secret in _SECRETS | _environment_secrets():
        text = text.replace(secret, "***")
    return text


def _environment_secrets() -> set[str]:
    """Secret values of the environment variables the object-store clients read."""
    names = (
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AZURE_STORAGE_ACCOUNT_KEY",
        "AZURE_STORAGE_KEY",
        "AZURE_STORAGE_ACCESS_KEY",
        "AZURE_STORAGE_SAS_KEY",
        "AZURE_STORAGE_SAS_TOKEN",
        "AZURE_STORAGE_TOKEN",
        "AZURE_STORAGE_CLIENT_SECRET",
        "AZURE_CLIENT_SECRET",
        "GOOGLE_SERVICE_ACCOUNT_KEY",
    )
    return {v for n in names if len(v := os.environ.get(n, "")) >= 4}
