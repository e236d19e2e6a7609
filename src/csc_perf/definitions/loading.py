"""``indicators.toml`` -> typed, validated indicator definitions.

The file has three parts::

    [workspace]                 # optional: authority code and name, store location
    [[theme]]                   # the report's sections, in report order
    [[indicator]]               # one per indicator, in report order

Every problem found on load is collected (not just the first) and raised together as a
:class:`~csc_perf.errors.DefinitionsError`; each names its key path (``indicator[12].target``)
and, where it can be found, the line in the file. Nothing in the file is ever executed.
This module reads the file and its TOML; the meaning checks are in
:mod:`~csc_perf.definitions.checks`, the result's types in :mod:`~csc_perf.definitions.model`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from csc_perf.definitions.checks import MAX_DEPTH, check_definitions
from csc_perf.definitions.model import (
    Definitions,
)
from csc_perf.definitions.problems import LineIndex, Problem
from csc_perf.errors import ConfigError, DefinitionsError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


def load_definitions(path: str | Path) -> Definitions:
    """Read and validate a definitions file.

    Raises :class:`DefinitionsError` listing every problem (syntax, unknown keys, wrong
    types, duplicates, impossible amber bands, targets outside the valid range), and
    :class:`~csc_perf.errors.ConfigError` when the file cannot be read.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: definitions file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the definitions file ({exc})") from None
    return parse_definitions(text, source=str(path))


def parse_definitions(text: str, source: str = "<string>") -> Definitions:
    """Validate definitions given as TOML text; see :func:`load_definitions`.

    ``source`` names the text in problems (the file's path). Raises
    :class:`DefinitionsError`, for a syntax error with its line.
    """
    try:
        data = tomllib.loads(text)
    except RecursionError:
        problem = Problem(
            "(syntax)",
            f"values are nested too deeply (indicators.toml needs at most {MAX_DEPTH} levels)",
        )
        raise DefinitionsError(source, [problem]) from None
    except tomllib.TOMLDecodeError as exc:
        # Python < 3.14 gives the position only inside the message: "... (at line 3, column 9)"
        position = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = getattr(exc, "lineno", None) or (int(position.group(1)) if position else None)
        message = str(exc) if position is None else str(exc)[: position.start()].strip()
        problem = Problem("(syntax)", f"invalid TOML: {message}", line)
        raise DefinitionsError(source, [problem]) from None
    return check_definitions(data, LineIndex(text), source)
