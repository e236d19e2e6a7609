"""Finding the workspace: its definitions file and its store.

The definitions file is ``--config``, else ``$CSC_PERF_CONFIG``, else the first
``indicators.toml`` found from the current folder upward. The store is ``--store``, else
``$CSC_PERF_STORE``, else ``[workspace] store`` (default ``store``) beside the definitions.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from csc_perf.errors import ConfigError
from csc_perf.store.location import looks_like_uri

CONFIG_NAME = "indicators.toml"
CONFIG_ENV = "CSC_PERF_CONFIG"
STORE_ENV = "CSC_PERF_STORE"


def find_config(explicit: str | Path | None = None, start: Path | None = None) -> Path:
    """The definitions file to use; raises :class:`ConfigError` when there is none."""
    chosen = explicit or os.environ.get(CONFIG_ENV)
    if chosen:
        path = Path(chosen)
        if path.is_dir():
            path = path / CONFIG_NAME
        if not path.is_file():
            raise ConfigError(f"{path}: definitions file not found")
        return path
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"no {CONFIG_NAME} in {here} or any folder above it",
        hint="run `csc-perf init` to make a workspace here, or pass --config FILE",
    )


def store_path(
    explicit: str | Path | None, config: Path | None, store_setting: str = "store"
) -> Path | str:
    """Where the store is: ``explicit`` (``--store``), else ``$CSC_PERF_STORE``, else the
    ``[workspace] store`` setting beside ``config``. A URI (``s3://...``) is returned as
    text, for the store to parse; a path as a :class:`~pathlib.Path`."""
    chosen = explicit or os.environ.get(STORE_ENV)
    if chosen:
        return str(chosen).strip() if _is_uri(str(chosen)) else Path(chosen)
    if config is None:
        raise ConfigError("no store given", hint="pass --store PATH or set CSC_PERF_STORE")
    if _is_uri(store_setting or ""):
        return store_setting.strip()
    setting = Path(store_setting or "store")
    return setting if setting.is_absolute() else config.parent / setting


def _is_uri(text: str) -> bool:
    """True for a location named by a scheme (``s3://...``, ``file:...``), which the store
    parses (and refuses when it is wrong: ``s3:/bucket`` never becomes a local folder)."""
    return looks_like_uri(text)


def bundled(name: str) -> Path:
    """A file shipped with the package: the template definitions and the example extracts.

    Installed wheels carry them under ``csc_perf/_bundled``; a source checkout (editable
    install) finds them at the top of the repository.
    """
    package = Path(str(resources.files("csc_perf")))
    inside = package / "_bundled" / name
    if inside.exists():
        return inside
    repo = package.parent.parent
    candidates = {
        "indicators.toml": repo / "indicators.toml",
        "extracts": repo / "examples" / "extracts",
    }
    path = candidates.get(name)
    if path is None or not path.exists():
        raise ConfigError(f"the bundled {name} is missing from this installation")
    return path
