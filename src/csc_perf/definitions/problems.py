"""What the definitions checks found, and where: the tools every check module shares.

A :class:`Problem` names its key path (``indicator[12] (referrals).target``) and the line of
the file; :class:`LineIndex` finds that line in the TOML text; :class:`Findings` collects
the problems of one file (every one is reported, not just the first); :class:`Entry` is
one table of the file under check, with the typed reads (a string, a choice, a whole
number, ...) that report a problem in the file's own words when the value is wrong.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from csc_perf.definitions.model import ID_PATTERN

_ID = re.compile(ID_PATTERN)


@dataclass(frozen=True)
class Problem:
    """One problem in a definitions file."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.path}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "message": self.message, "line": self.line}


class LineIndex:
    """Finds the line of a key path in the TOML text, so problems can say where they are."""

    _HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z_]+)\s*\]\]")
    _TABLE = re.compile(r"^\s*\[\s*([A-Za-z_.]+)\s*\]")
    _KEY = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=")

    def __init__(self, text: str) -> None:
        # (table, index) -> {key: line}, and the line of each table header
        self.keys: dict[tuple[str, int], dict[str, int]] = {}
        self.headers: dict[tuple[str, int], int] = {}
        counts: dict[str, int] = {}
        current: tuple[str, int] = ("", 0)
        self.keys[current] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            header = self._HEADER.match(line)
            table = self._TABLE.match(line) if not header else None
            if header:
                name = header.group(1)
                index = counts.get(name, 0)
                counts[name] = index + 1
                current = (name, index)
                self.headers[current] = number
                self.keys.setdefault(current, {})
            elif table:
                current = (table.group(1), 0)
                self.headers[current] = number
                self.keys.setdefault(current, {})
            else:
                key = self._KEY.match(line)
                if key:
                    self.keys.setdefault(current, {}).setdefault(key.group(1), number)

    def line(self, table: str, index: int, key: str | None = None) -> int | None:
        """The line of ``key`` in table ``table`` number ``index`` (0 for a single
        ``[table]``), or of the table's header when the key is not written there; None
        when neither is found."""
        if key is not None:
            found = self.keys.get((table, index), {}).get(key)
            if found:
                return found
        return self.headers.get((table, index))


class Findings:
    """The problems found in one definitions file, in the order the checks found them."""

    def __init__(self, lines: LineIndex) -> None:
        self.lines = lines
        self.problems: list[Problem] = []

    def add(self, path: str, message: str, line: int | None) -> None:
        self.problems.append(Problem(path, message, line))

    def single_table(self, raw: Any, name: str) -> Entry | None:
        """The ``[name]`` table as an :class:`Entry`; None, and a problem, when the value
        at ``name`` is not a table."""
        if isinstance(raw, dict):
            return Entry(self, raw, name, 0, name)
        self.add(name, "must be a table", self.lines.line(name, 0))
        return None

    def array_of_tables(self, raw: Any, name: str) -> Iterator[Entry]:
        """Each table of the ``[[name]]`` array as an :class:`Entry` (key path
        ``name[index]``), in file order; a problem for anything that is not a table."""
        if not isinstance(raw, list):
            self.add(name, f"must be an array of tables ([[{name}]])", self.lines.line(name, 0))
            return
        for index, item in enumerate(raw):
            path = f"{name}[{index}]"
            if isinstance(item, dict):
                yield Entry(self, item, name, index, path)
            else:
                self.add(path, "must be a table", self.lines.line(name, index))

    def unknown_keys(
        self, raw: dict, known: set[str], path: str, line_of: Callable[[str], int | None]
    ) -> None:
        """A problem for each key of table ``raw`` (at key path ``path``, "" for the top of
        the file) that is not in ``known``, with the closest known key as a hint."""
        for key in raw:
            if key not in known:
                self.add(f"{path}.{key}" if path else key, unknown_key(key, known), line_of(key))


class Entry:
    """One table of the file under check: ``[table]`` (``index`` 0) or the ``index``-th
    ``[[table]]``, whose problems are reported under key path ``path``.

    The typed reads return the value, or (after adding a problem when the value is there
    but wrong) None or the given default."""

    def __init__(self, found: Findings, raw: dict, table: str, index: int, path: str) -> None:
        self.found = found
        self.raw = raw
        self.table = table
        self.index = index
        self.path = path

    def line(self, key: str | None = None) -> int | None:
        """The line of ``key`` in this table, else of its header."""
        return self.found.lines.line(self.table, self.index, key)

    def problem(self, key: str, message: str) -> None:
        """A problem with ``key`` of this table, at the key's line."""
        self.found.add(f"{self.path}.{key}", message, self.line(key))

    def unknown_keys(self, known: set[str]) -> None:
        self.found.unknown_keys(self.raw, known, self.path, self.line)

    def snake_case_id(self, value: str) -> None:
        """A problem when the ``id`` ``value`` is not a snake_case id."""
        if not _ID.match(value):
            self.problem("id", f"{value!r} is not a snake_case id")

    def string(self, key: str, required: bool = False) -> str | None:
        """The text at ``key``; a required one must be there and not blank."""
        if key not in self.raw:
            if required:
                self.found.add(f"{self.path}.{key}", "is required", self.line())
            return None
        value = self.raw[key]
        if not isinstance(value, str):
            self.problem(key, f"must be a string, not {type_name(value)}")
            return None
        if required and not value.strip():
            self.problem(key, "must not be empty")
            return None
        return value

    def string_list(self, key: str) -> list[str]:
        """The list of non-empty strings at ``key`` (empty when the key is not there)."""
        raw = self.raw.get(key, [])
        if not isinstance(raw, list) or not all(isinstance(v, str) and v.strip() for v in raw):
            self.problem(key, "must be a list of non-empty strings")
            return []
        return list(raw)

    def choice(self, key: str, choices: Iterable[str], required: bool = False) -> str | None:
        """The value at ``key``, which must be one of ``choices``."""
        choices = tuple(choices)
        if key not in self.raw:
            if required:
                self.found.add(
                    f"{self.path}.{key}", f"is required (one of {', '.join(choices)})", self.line()
                )
            return None
        value = self.raw[key]
        if value not in choices:
            self.problem(key, f"{value!r} is not one of {', '.join(choices)}")
            return None
        return value

    def boolean(self, key: str, default: bool) -> bool:
        """true or false at ``key``, ``default`` when it is not there (or is wrong)."""
        value = self.raw.get(key, default)
        if isinstance(value, bool):
            return value
        self.problem(key, boolean_rule(value))
        return default

    def whole_number(self, key: str, default: int, low: int, high: int | None = None) -> int:
        """A whole number from ``low`` to ``high`` (no upper bound when None) at ``key``."""
        value = self.raw.get(key, default)
        if is_whole_number(value, low, high):
            return value
        self.problem(key, whole_number_rule(low, high))
        return default

    def number(self, key: str, default: float, accept: Callable[[Any], bool], rule: str) -> float:
        """The number at ``key`` as a float, when ``accept`` takes it; else the problem
        ``rule`` (what the number must be) and ``default``."""
        value = self.raw.get(key, default)
        if is_number(value) and accept(value):
            return float(value)
        self.problem(key, rule)
        return default


def is_number(value: Any) -> bool:
    """An int or float that TOML gave, and not true/false (a bool is an int in Python)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_whole_number(value: Any, low: int, high: int | None = None) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and low <= value
        and (high is None or value <= high)
    )


def whole_number_rule(low: int, high: int | None) -> str:
    if high is None:
        return f"must be a whole number of at least {low}"
    return f"must be a whole number from {low} to {high}"


def boolean_rule(value: Any) -> str:
    return f"must be true or false, not {type_name(value)}"


def number_rule(value: Any) -> str:
    return f"must be a number, not {type_name(value)}"


def unknown_key(key: str, known: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key {key!r}{hint}"


def type_name(value: Any) -> str:
    """How a problem names the TOML type of ``value`` ("a string", "a table", ...)."""
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def fmt(value: float | None) -> str:
    """A number as a problem shows it (``95``, ``0.05``); None, an open bound, as inf."""
    if value is None:
        return "inf"
    return f"{value:g}"
