"""``indicators.toml`` -> typed, validated indicator definitions.

The file has three parts::

    [workspace]                 # optional: authority code and name, store location
    [[theme]]                   # the report's sections, in report order
    [[indicator]]               # one per indicator, in report order

Every problem found on load is collected (not just the first) and raised together as a
:class:`~csc_perf.errors.DefinitionsError`; each names its key path (``indicator[12].target``)
and, where it can be found, the line in the file. Nothing in the file is ever executed.
"""

from __future__ import annotations

import difflib
import math
import re
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from csc_perf.errors import DefinitionsError
from csc_perf.model.calendar import MonthError, parse_month
from csc_perf.model.options import SpcOptions

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

UNITS = ("count", "percent", "rate", "average")
MEASURES = ("flow", "snapshot", "percentage", "ratio")
POLARITIES = ("higher", "lower", "range", "none")
AMBER_KINDS = ("absolute", "relative", "threshold")
SEVERITIES = ("warning", "error")

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_SPACES = re.compile(r"\s+")

TOP_KEYS = {"workspace", "theme", "indicator", "population", "benchmarks"}
POPULATION_KEYS = {"year_lag", "year", "estimates"}
WORKSPACE_KEYS = {"authority", "authority_name", "store"}
THEME_KEYS = {"id", "name", "outcome"}
INDICATOR_KEYS = {
    "id",
    "name",
    "aliases",
    "theme",
    "unit",
    "measure",
    "polarity",
    "target",
    "amber",
    "stretch",
    "valid_range",
    "out_of_range",
    "decimals",
    "required",
    "description",
    "no_change",
    "spc",
    "formula",
    "tolerance",
    "benchmark",
}
SPC_KEYS = {
    "enabled",
    "min_points",
    "shift_run",
    "trend_run",
    "baseline_points",
    "recalculate_from",
    "exclude",
    "screen",
    "conflict",
}
TARGET_KEYS = {"from", "value", "low", "high"}


_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
# Letters that look the same as Latin ones (Unicode's confusables, for the scripts a name
# pasted from a web page or a PDF picks up: Cyrillic and Greek) and the dashes Word makes.
# NFKC does not fold these; without them "Number of referrаls" (a Cyrillic а) would be a
# second indicator.
_CONFUSABLES = str.maketrans(
    {
        **dict(zip("аеорсхуіјѕԁӏһԛԝ", "aeopcxyijsdlhqw", strict=True)),
        **dict(zip("АВЕКМНОРСТХІЈЅ", "ABEKMHOPCTXIJS", strict=True)),
        **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧοιν", "ABEZHIKMNOPTYXoiv", strict=True)),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    }
)


def normalise_name(text: str) -> str:
    """The key indicators are matched on (and ids, names and aliases must be unique on):
    Unicode NFKC (full-width letters, ligatures, no-break spaces made plain), invisible
    format characters removed (zero-width spaces and joiners, byte-order marks, soft
    hyphens, direction marks), look-alike Cyrillic and Greek letters made Latin, dashes made
    hyphens, curly quotes made straight (Excel's autocorrect turns children's into
    children’s), runs of whitespace made one space, case folded."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = "".join(c for c in text if unicodedata.category(c) != "Cf")
        text = text.translate(_CONFUSABLES).translate(_QUOTES)
    return _SPACES.sub(" ", text).strip().casefold()


@dataclass(frozen=True)
class Target:
    """A target in force from ``from_month`` (None: from the start) on.

    ``value`` for polarity higher/lower; ``low`` and ``high`` for polarity range.
    """

    from_month: date | None
    value: float | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class AmberRule:
    """How far from the target a value may fall and still be amber.

    ``absolute``: within ``value`` units (percentage points for percentages);
    ``relative``: within ``value`` x target; ``threshold``: up to the explicit value.
    """

    kind: str
    value: float


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    aliases: tuple[str, ...]
    themes: tuple[str, ...]
    unit: str
    measure: str
    polarity: str
    targets: tuple[Target, ...] = ()
    amber: AmberRule | None = None
    stretch: float | None = None
    valid_min: float | None = None
    valid_max: float | None = None
    out_of_range: str = "warning"
    decimals: int = 0
    required: bool = False
    description: str = ""
    no_change: float = 0.0
    spc: SpcOptions = field(default_factory=SpcOptions)
    formula: str | None = None
    tolerance: float = 0.03
    # DfE columns that hold this indicator's annual figures, each with the values other
    # columns must have on the row (for files with a breakdown, such as population_type).
    benchmark: tuple[BenchmarkSource, ...] = ()

    @property
    def formula_node(self):
        """The parsed formula (None for an indicator that is not derived)."""
        from csc_perf.definitions.formulas import parse_formula

        return None if self.formula is None else parse_formula(self.formula)

    def target_for(self, month: date) -> Target | None:
        """The target in force in ``month`` (targets may change from a given month)."""
        current = None
        for target in self.targets:
            if target.from_month is None or target.from_month <= month:
                current = target
        return current


@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    outcome: str = ""


@dataclass(frozen=True)
class Workspace:
    authority: str = ""
    authority_name: str = ""
    store: str = "store"


@dataclass(frozen=True)
class BenchmarkSource:
    """A DfE EES column holding an indicator's annual figures, and the row filter."""

    column: str
    where: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Population:
    """Children aged 0-17 for the workspace's authority, by mid-year estimate year, and the
    rule for which estimate a month uses: a month in financial year Y/Y+1 uses the
    estimate of year Y - ``year_lag`` (default 2: October 2024, in 2024/25, uses mid-2022,
    as the reference report does). ``year`` instead fixes one estimate for every month."""

    year_lag: int = 2
    estimates: tuple[tuple[int, float], ...] = ()
    year: int | None = None  # one estimate year for every month, when set


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


@dataclass(frozen=True)
class Definitions:
    """All indicator definitions of a workspace, in report order."""

    indicators: tuple[Indicator, ...]
    themes: tuple[Theme, ...]
    workspace: Workspace = field(default_factory=Workspace)
    source: str = ""
    population: Population = field(default_factory=Population)
    benchmarks: dict = field(default_factory=dict)
    _lookup: dict[str, Indicator] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for indicator in self.indicators:
            for key in (indicator.id, indicator.name, *indicator.aliases):
                self._lookup.setdefault(normalise_name(key), indicator)

    def __getitem__(self, indicator_id: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        raise KeyError(indicator_id)

    def match(self, text: str) -> Indicator | None:
        """The indicator whose id, name or alias is ``text`` (case and spaces ignored)."""
        return self._lookup.get(normalise_name(text))

    def lookup_table(self) -> dict[str, str]:
        """Normalised id/name/alias -> indicator id."""
        return {key: indicator.id for key, indicator in self._lookup.items()}

    def suggest(self, text: str, n: int = 3) -> list[str]:
        """The closest indicator names to an unknown ``text``, best first."""
        keys = list(self._lookup)
        close = difflib.get_close_matches(normalise_name(text), keys, n=n * 3, cutoff=0.6)
        names: list[str] = []
        for key in close:
            name = self._lookup[key].name
            if name not in names:
                names.append(name)
        return names[:n]

    def theme(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(theme_id)


def load_definitions(path: str | Path) -> Definitions:
    """Read and validate a definitions file.

    Raises :class:`DefinitionsError` listing every problem (syntax, unknown keys, wrong
    types, duplicates, impossible amber bands, targets outside the valid range), and
    :class:`~csc_perf.errors.ConfigError` when the file cannot be read.
    """
    from csc_perf.errors import ConfigError

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: definitions file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the definitions file ({exc})") from None
    return parse_definitions(text, source=str(path))


def parse_definitions(text: str, source: str = "<string>") -> Definitions:
    """Validate definitions given as TOML text; see :func:`load_definitions`."""
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
    lines = _LineIndex(text)
    untrusted = _numbers_and_depth(data, lines)
    if untrusted:
        # Checked before anything else reads the values: a NaN target would compare false
        # with everything and rate every value GREEN.
        raise DefinitionsError(source, untrusted)
    checker = _Checker(lines)
    definitions = checker.check(data, source)
    if checker.problems:
        raise DefinitionsError(source, checker.problems)
    return definitions


class _LineIndex:
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
        if key is not None:
            found = self.keys.get((table, index), {}).get(key)
            if found:
                return found
        return self.headers.get((table, index))


MAX_DEPTH = 8  # the deepest real value, indicator[0].benchmark[0].where.x, is 6 levels


def _numbers_and_depth(data: dict[str, Any], lines: _LineIndex) -> list[Problem]:
    """Problems with values that no check below may see: a number that is not finite (nan,
    inf) and nesting deeper than :data:`MAX_DEPTH`. Walked without recursion.

    ``inf`` is allowed in one place, where it means "no bound": ``valid_range = [0, inf]``
    (and ``-inf`` as the minimum)."""
    problems: list[Problem] = []
    stack: list[tuple[str, Any, int, tuple[str, int]]] = [("", data, 0, ("", 0))]
    while stack:
        path, value, depth, table = stack.pop()
        key = path.split(".")[1].split("[")[0] if "." in path else None
        if depth > MAX_DEPTH:
            problems.append(
                Problem(
                    path,
                    f"is nested more than {MAX_DEPTH} levels deep; indicators.toml never "
                    "needs that: check the brackets",
                    lines.line(table[0], table[1], key),
                )
            )
            continue
        if isinstance(value, dict):
            for key, item in value.items():
                child_table = table
                if depth == 0:
                    child_table = (str(key), 0)
                stack.append((f"{path}.{key}" if path else str(key), item, depth + 1, child_table))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                child_table = (table[0], index) if depth == 1 else table
                stack.append((f"{path}[{index}]", item, depth + 1, child_table))
        elif isinstance(value, float) and not math.isfinite(value):
            bound = re.fullmatch(r"indicator\[\d+\]\.valid_range\[(0|1)\]", path)
            if bound and math.isinf(value) and (value > 0) == (bound.group(1) == "1"):
                continue
            problems.append(
                Problem(
                    path,
                    f"{value} is not a number csc-perf can use: give a finite number"
                    + (
                        " (valid_range takes -inf as min or inf as max: no bound)"
                        if ".valid_range" in path
                        else ""
                    ),
                    lines.line(table[0], table[1], key),
                )
            )
    problems.sort(key=lambda p: (p.line or 0, p.path))
    return problems


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Checker:
    def __init__(self, lines: _LineIndex) -> None:
        self.lines = lines
        self.problems: list[Problem] = []

    def add(self, path: str, message: str, line: int | None) -> None:
        self.problems.append(Problem(path, message, line))

    def check(self, data: dict[str, Any], source: str) -> Definitions:
        for key in data:
            if key not in TOP_KEYS:
                self.add(key, _unknown_key(key, TOP_KEYS), self.lines.line(key, 0))
        workspace = self._workspace(data.get("workspace", {}))
        themes = self._themes(data.get("theme", []))
        indicators = self._indicators(data.get("indicator", []), {t.id for t in themes})
        self._formulas(indicators, data.get("indicator", []))
        population = self._population(data.get("population", {}))
        benchmarks = self._benchmarks(data.get("benchmarks", {}))
        return Definitions(
            indicators=tuple(indicators),
            themes=tuple(themes),
            workspace=workspace,
            source=source,
            population=population,
            benchmarks=benchmarks,
        )

    def _population(self, raw: Any) -> Population:
        line = self.lines.line("population", 0)
        if not isinstance(raw, dict):
            self.add("population", "must be a table", line)
            return Population()
        for key in raw:
            if key not in POPULATION_KEYS:
                self.add(
                    f"population.{key}",
                    _unknown_key(key, POPULATION_KEYS),
                    self.lines.line("population", 0, key),
                )
        lag = raw.get("year_lag", 2)
        if not isinstance(lag, int) or isinstance(lag, bool) or not 0 <= lag <= 5:
            self.add(
                "population.year_lag",
                "must be a whole number from 0 to 5",
                self.lines.line("population", 0, "year_lag"),
            )
            lag = 2
        estimates: list[tuple[int, float]] = []
        table = raw.get("estimates", {})
        if not isinstance(table, dict):
            self.add("population.estimates", 'must be a table such as { "2022" = 49978 }', line)
            table = {}
        for year, value in table.items():
            where = f"population.estimates.{year}"
            if not (str(year).isdigit() and 1990 <= int(year) <= 2100):
                self.add(where, f"{year!r} is not a year", line)
            elif not _is_number(value) or value <= 0:
                self.add(where, "must be a positive number of children", line)
            else:
                estimates.append((int(year), float(value)))
        fixed = raw.get("year")
        if fixed is not None and (not isinstance(fixed, int) or not 1990 <= fixed <= 2100):
            self.add(
                "population.year",
                "must be a year such as 2022",
                self.lines.line("population", 0, "year"),
            )
            fixed = None
        return Population(lag, tuple(sorted(estimates)), fixed)

    def _benchmarks(self, raw: Any) -> dict:
        line = self.lines.line("benchmarks", 0)
        if not isinstance(raw, dict):
            self.add("benchmarks", "must be a table", line)
            return {}
        known = {"neighbours", "average"}
        for key in raw:
            if key not in known:
                self.add(
                    f"benchmarks.{key}",
                    _unknown_key(key, known),
                    self.lines.line("benchmarks", 0, key),
                )
        neighbours = raw.get("neighbours", "2021")
        if neighbours not in ("2021", "2025"):
            self.add("benchmarks.neighbours", "must be '2021' or '2025' (the DfE model)", line)
            neighbours = "2021"
        average = raw.get("average", "mean")
        if average not in ("mean", "median"):
            self.add("benchmarks.average", "must be 'mean' or 'median'", line)
            average = "mean"
        return {"neighbours": neighbours, "average": average}

    def _formulas(self, indicators: list[Indicator], raw: Any) -> None:
        """Type-check every formula against the ids, and look for cycles."""
        from csc_perf.definitions.formulas import check_formula, references

        ids = {i.id for i in indicators}
        graph: dict[str, set[str]] = {}
        index_of = {}
        for index, entry in enumerate(raw if isinstance(raw, list) else []):
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                index_of[entry["id"]] = index
        for indicator in indicators:
            if indicator.formula is None:
                continue
            index = index_of.get(indicator.id, 0)
            where = f"indicator[{index}] ({indicator.id}).formula"
            line = self.lines.line("indicator", index, "formula")
            node = indicator.formula_node
            for message in check_formula(node, ids):
                self.add(where, message, line)
            graph[indicator.id] = references(node) & ids
        # Cycles: a derived indicator may not depend on itself, directly or not.
        state: dict[str, int] = {}

        def visit(node: str, path: list[str]) -> None:
            state[node] = 1
            for nxt in sorted(graph.get(node, ())):
                if state.get(nxt) == 1:
                    cycle = [*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt]
                    index = index_of.get(node, 0)
                    self.add(
                        f"indicator[{index}] ({node}).formula",
                        "formulas refer to each other in a cycle: " + " -> ".join(cycle),
                        self.lines.line("indicator", index, "formula"),
                    )
                elif state.get(nxt) is None:
                    visit(nxt, [*path, nxt])
            state[node] = 2

        for node in sorted(graph):
            if state.get(node) is None:
                visit(node, [node])

    # -- workspace -------------------------------------------------------------------
    def _workspace(self, raw: Any) -> Workspace:
        if not isinstance(raw, dict):
            self.add("workspace", "must be a table", self.lines.line("workspace", 0))
            return Workspace()
        for key in raw:
            if key not in WORKSPACE_KEYS:
                line = self.lines.line("workspace", 0, key)
                self.add(f"workspace.{key}", _unknown_key(key, WORKSPACE_KEYS), line)
        values: dict[str, str] = {}
        for key in ("authority", "authority_name", "store"):
            if key not in raw:
                continue
            value = raw[key]
            if key == "authority" and isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str):
                line = self.lines.line("workspace", 0, key)
                self.add(f"workspace.{key}", f"must be a string, not {_type(value)}", line)
                continue
            if key == "authority":
                from csc_perf.model.authorities import HINT, normalise_authority

                code = normalise_authority(value)
                if code is None:
                    line = self.lines.line("workspace", 0, key)
                    self.add(
                        "workspace.authority", f"{value!r} is not an authority code: {HINT}", line
                    )
                    continue
                value = code
            values[key] = value
        return Workspace(**values)

    # -- themes ----------------------------------------------------------------------
    def _themes(self, raw: Any) -> list[Theme]:
        themes: list[Theme] = []
        if not isinstance(raw, list):
            self.add("theme", "must be an array of tables ([[theme]])", self.lines.line("theme", 0))
            return themes
        seen: set[str] = set()
        for index, entry in enumerate(raw):
            path = f"theme[{index}]"
            if not isinstance(entry, dict):
                self.add(path, "must be a table", self.lines.line("theme", index))
                continue
            for key in entry:
                if key not in THEME_KEYS:
                    line = self.lines.line("theme", index, key)
                    self.add(f"{path}.{key}", _unknown_key(key, THEME_KEYS), line)
            theme_id = self._string(entry, "id", path, "theme", index, required=True)
            name = self._string(entry, "name", path, "theme", index, required=True)
            outcome = self._string(entry, "outcome", path, "theme", index) or ""
            if theme_id is None or name is None:
                continue
            if not _ID.match(theme_id):
                line = self.lines.line("theme", index, "id")
                self.add(f"{path}.id", f"{theme_id!r} is not a snake_case id", line)
            if theme_id in seen:
                line = self.lines.line("theme", index, "id")
                self.add(f"{path}.id", f"duplicate theme id {theme_id!r}", line)
            seen.add(theme_id)
            themes.append(Theme(theme_id, name, outcome))
        return themes

    # -- indicators ------------------------------------------------------------------
    def _indicators(self, raw: Any, theme_ids: set[str]) -> list[Indicator]:
        indicators: list[Indicator] = []
        if not isinstance(raw, list):
            line = self.lines.line("indicator", 0)
            self.add("indicator", "must be an array of tables ([[indicator]])", line)
            return indicators
        if not raw:
            self.add("indicator", "no indicators are defined", None)
        owners: dict[str, tuple[str, str]] = {}  # normalised key -> (path, id)
        for index, entry in enumerate(raw):
            indicator = self._indicator(index, entry, theme_ids)
            if indicator is None:
                continue
            path = f"indicator[{index}]"
            keys = [("id", indicator.id), ("name", indicator.name)]
            keys += [(f"aliases[{i}]", a) for i, a in enumerate(indicator.aliases)]
            own: set[str] = set()
            for key_path, text in keys:
                key = normalise_name(text)
                if key in own:
                    continue
                own.add(key)
                if key in owners:
                    other_path, other_id = owners[key]
                    line = self.lines.line("indicator", index, key_path.split("[")[0])
                    self.add(
                        f"{path}.{key_path}",
                        f"{text!r} is already used by {other_path} ({other_id}); ids, names "
                        "and aliases must be unique (ignoring case, spaces, invisible characters "
                        "and look-alike letters)",
                        line,
                    )
                else:
                    owners[key] = (path, indicator.id)
            indicators.append(indicator)
        return indicators

    def _indicator(self, index: int, entry: Any, theme_ids: set[str]) -> Indicator | None:
        path = f"indicator[{index}]"

        def line(key: str | None = None) -> int | None:
            return self.lines.line("indicator", index, key)

        if not isinstance(entry, dict):
            self.add(path, "must be a table", line())
            return None
        before = len(self.problems)
        ind_id = self._string(entry, "id", path, "indicator", index, required=True)
        if ind_id is not None and not _ID.match(ind_id):
            self.add(f"{path}.id", f"{ind_id!r} is not a snake_case id", line("id"))
        label = f"{path} ({ind_id})" if ind_id else path
        for key in entry:
            if key not in INDICATOR_KEYS:
                self.add(f"{label}.{key}", _unknown_key(key, INDICATOR_KEYS), line(key))
        name = self._string(entry, "name", label, "indicator", index, required=True)
        aliases = self._string_list(entry, "aliases", label, index)
        themes = self._themes_of(entry, label, index, theme_ids)
        unit = self._choice(entry, "unit", UNITS, label, index, required=True)
        measure = self._choice(entry, "measure", MEASURES, label, index, required=True)
        polarity = self._choice(entry, "polarity", POLARITIES, label, index, required=True)
        out_of_range = self._choice(entry, "out_of_range", SEVERITIES, label, index) or "warning"
        decimals = entry.get("decimals", 0)
        if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 6:
            self.add(f"{label}.decimals", "must be a whole number from 0 to 6", line("decimals"))
            decimals = 0
        required = entry.get("required", False)
        if not isinstance(required, bool):
            self.add(
                f"{label}.required",
                f"must be true or false, not {_type(required)}",
                line("required"),
            )
            required = False
        description = self._string(entry, "description", label, "indicator", index) or ""
        no_change = entry.get("no_change", 0.0)
        if not _is_number(no_change) or no_change < 0:
            self.add(
                f"{label}.no_change",
                "must be a number >= 0 (percentage points for percentages, % otherwise)",
                line("no_change"),
            )
            no_change = 0.0

        spc = self._spc(entry, label, index)
        formula = self._string(entry, "formula", label, "indicator", index)
        if formula is not None:
            from csc_perf.definitions.formulas import FormulaError, parse_formula

            try:
                parse_formula(formula)
            except FormulaError as exc:
                shown = (
                    formula
                    if len(formula) <= 60
                    else f"{formula[:60]}... ({len(formula)} characters)"
                )
                self.add(f"{label}.formula", f"{shown!r}: {exc}", line("formula"))
        tolerance = entry.get("tolerance", 0.03)
        if not _is_number(tolerance) or not 0 <= tolerance < 1:
            self.add(
                f"{label}.tolerance",
                "must be a fraction from 0 to 1 (0.03 for 3%)",
                line("tolerance"),
            )
            tolerance = 0.03
        benchmark = self._benchmark(entry, label, line("benchmark"))
        valid_min, valid_max = self._valid_range(entry, unit, label, index)
        targets = self._targets(entry, polarity, label, index)
        amber = self._amber(entry, polarity, targets, label, index)
        stretch = self._stretch(entry, polarity, targets, label, index)

        bounds = [
            (f"{label}.target", "target", n)
            for t in targets
            for n in (t.value, t.low, t.high)
            if n is not None
        ]
        if stretch is not None:
            bounds.append((f"{label}.stretch", "stretch", stretch))
        for where, key, number in bounds:
            if (valid_min is not None and number < valid_min) or (
                valid_max is not None and number > valid_max
            ):
                self.add(
                    where,
                    f"{_fmt(number)} is outside the valid range "
                    f"[{_fmt(valid_min)}, {_fmt(valid_max)}]",
                    line(key),
                )
        if len(self.problems) > before or None in (ind_id, name, unit, measure, polarity):
            return None
        assert ind_id and name and unit and measure and polarity
        return Indicator(
            id=ind_id,
            name=name,
            aliases=tuple(aliases),
            themes=tuple(themes),
            unit=unit,
            measure=measure,
            polarity=polarity,
            targets=tuple(targets),
            amber=amber,
            stretch=stretch,
            valid_min=valid_min,
            valid_max=valid_max,
            out_of_range=out_of_range,
            decimals=decimals,
            required=required,
            description=description,
            no_change=float(no_change),
            spc=spc,
            formula=formula,
            tolerance=float(tolerance),
            benchmark=tuple(benchmark),
        )

    def _spc(self, entry: dict, label: str, index: int) -> SpcOptions:
        raw = entry.get("spc", {})
        line = self.lines.line("indicator", index, "spc")
        path = f"{label}.spc"
        if not isinstance(raw, dict):
            self.add(path, "must be a table such as { screen = true }", line)
            return SpcOptions()
        values: dict[str, Any] = {}
        for key, value in raw.items():
            where = f"{path}.{key}"
            if key not in SPC_KEYS:
                self.add(where, _unknown_key(key, SPC_KEYS), line)
            elif key in ("enabled", "screen"):
                if not isinstance(value, bool):
                    self.add(where, f"must be true or false, not {_type(value)}", line)
                else:
                    values[key] = value
            elif key in ("shift_run", "trend_run"):
                if not isinstance(value, int) or isinstance(value, bool) or not 6 <= value <= 8:
                    self.add(where, "must be a whole number from 6 to 8", line)
                else:
                    values[key] = value
            elif key in ("min_points", "baseline_points"):
                if not isinstance(value, int) or isinstance(value, bool) or value < 2:
                    self.add(where, "must be a whole number of at least 2", line)
                else:
                    values[key] = value
            elif key == "conflict":
                if value not in ("improvement", "concern"):
                    self.add(where, "must be 'improvement' or 'concern'", line)
                else:
                    values[key] = value
            else:  # recalculate_from, exclude: lists of months
                months = []
                for item in value if isinstance(value, list) else [None]:
                    try:
                        months.append(parse_month(item))
                    except MonthError:
                        self.add(
                            where, f"{item!r} is not a month (use a list like ['2024-04'])", line
                        )
                values[key] = tuple(months)
        return SpcOptions(**values)

    def _benchmark(self, entry: dict, label: str, line: int | None) -> tuple:
        raw = entry.get("benchmark", [])
        items = raw if isinstance(raw, list) else [raw]
        sources = []
        for item in items:
            if isinstance(item, str) and item.strip():
                sources.append(BenchmarkSource(item.strip()))
                continue
            if isinstance(item, dict) and isinstance(item.get("column"), str):
                unknown = set(item) - {"column", "where"}
                where = item.get("where", {})
                if unknown:
                    self.add(f"{label}.benchmark", f"unknown key(s) {sorted(unknown)}", line)
                elif not isinstance(where, dict) or not all(
                    isinstance(v, str) for v in where.values()
                ):
                    self.add(f"{label}.benchmark.where", "must map column names to text", line)
                else:
                    sources.append(BenchmarkSource(item["column"], tuple(sorted(where.items()))))
                continue
            self.add(
                f"{label}.benchmark",
                'must be a DfE column name, or { column = "...", where = { col = "value" } }, '
                "or a list of them",
                line,
            )
        return tuple(sources)

    def _themes_of(self, entry: dict, label: str, index: int, theme_ids: set[str]) -> list[str]:
        raw = entry.get("theme")
        line = self.lines.line("indicator", index, "theme")
        if raw is None:
            self.add(f"{label}.theme", "is required (a theme id or a list of theme ids)", line)
            return []
        values = [raw] if isinstance(raw, str) else raw
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) for v in values)
        ):
            self.add(f"{label}.theme", "must be a theme id or a non-empty list of theme ids", line)
            return []
        for value in values:
            if value not in theme_ids:
                close = difflib.get_close_matches(value, sorted(theme_ids), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                self.add(f"{label}.theme", f"unknown theme {value!r}{hint}", line)
        if len(set(values)) != len(values):
            self.add(f"{label}.theme", "lists a theme twice", line)
        return list(values)

    def _valid_range(
        self, entry: dict, unit: str | None, label: str, index: int
    ) -> tuple[float | None, float | None]:
        default = (0.0, 100.0) if unit == "percent" else (0.0, None)
        if "valid_range" not in entry:
            return default
        raw = entry["valid_range"]
        line = self.lines.line("indicator", index, "valid_range")
        if not isinstance(raw, list) or len(raw) != 2 or not all(_is_number(v) for v in raw):
            self.add(f"{label}.valid_range", "must be [min, max] with two numbers", line)
            return default
        low, high = float(raw[0]), float(raw[1])
        if math.isinf(high):
            high = None  # type: ignore[assignment]
        if math.isinf(low):
            low = None  # type: ignore[assignment]
        if low is not None and high is not None and low > high:
            self.add(f"{label}.valid_range", f"min {_fmt(low)} is above max {_fmt(high)}", line)
        return low, high

    def _targets(self, entry: dict, polarity: str | None, label: str, index: int) -> list[Target]:
        if "target" not in entry:
            if polarity == "range":
                line = self.lines.line("indicator", index, "polarity")
                self.add(f"{label}.target", "polarity 'range' needs a target {low, high}", line)
            return []
        raw = entry["target"]
        line = self.lines.line("indicator", index, "target")
        if polarity == "none":
            self.add(
                f"{label}.target",
                "polarity 'none' (monitored only) cannot have a target: set polarity to "
                "higher, lower or range",
                line,
            )
            return []
        steps = raw if isinstance(raw, list) else [raw]
        targets: list[Target] = []
        for step_index, step in enumerate(steps):
            where = f"{label}.target" + (f"[{step_index}]" if isinstance(raw, list) else "")
            if _is_number(step) and polarity != "range" and not isinstance(raw, list):
                targets.append(Target(None, value=float(step)))
                continue
            if not isinstance(step, dict):
                if isinstance(raw, list):
                    self.add(
                        where,
                        'each step must be a table such as { from = "2025-04", value = 95 }',
                        line,
                    )
                else:
                    expected = "{low = N, high = N}" if polarity == "range" else "a number"
                    self.add(where, f"must be {expected} or a list of {{from, ...}} steps", line)
                continue
            for key in step:
                if key not in TARGET_KEYS:
                    self.add(f"{where}.{key}", _unknown_key(key, TARGET_KEYS), line)
            from_month = None
            if "from" in step:
                try:
                    from_month = parse_month(step["from"])
                except MonthError:
                    self.add(
                        f"{where}.from", f"{step['from']!r} is not a month (use 2024-04)", line
                    )
            elif isinstance(raw, list) and step_index > 0:
                self.add(f"{where}.from", "every target after the first needs 'from'", line)
            if polarity == "range":
                low, high = step.get("low"), step.get("high")
                if not (_is_number(low) and _is_number(high)):
                    self.add(where, "polarity 'range' needs numbers low and high", line)
                    continue
                if low > high:
                    self.add(where, f"low {_fmt(low)} is above high {_fmt(high)}", line)
                    continue
                targets.append(Target(from_month, low=float(low), high=float(high)))
            else:
                value = step.get("value")
                if not _is_number(value):
                    self.add(f"{where}.value", f"must be a number, not {_type(value)}", line)
                    continue
                targets.append(Target(from_month, value=float(value)))
        months = [t.from_month for t in targets if t.from_month is not None]
        if months != sorted(set(months)):
            self.add(f"{label}.target", "steps must be in increasing 'from' order", line)
        return targets

    def _amber(
        self, entry: dict, polarity: str | None, targets: list[Target], label: str, index: int
    ) -> AmberRule | None:
        if "amber" not in entry:
            return None
        raw = entry["amber"]
        line = self.lines.line("indicator", index, "amber")
        path = f"{label}.amber"
        if not isinstance(raw, dict) or len(raw) != 1:
            self.add(path, "must be one of {absolute = N}, {relative = F}, {threshold = N}", line)
            return None
        ((kind, value),) = raw.items()
        if kind not in AMBER_KINDS:
            self.add(f"{path}.{kind}", _unknown_key(kind, set(AMBER_KINDS)), line)
            return None
        if not _is_number(value):
            self.add(f"{path}.{kind}", f"must be a number, not {_type(value)}", line)
            return None
        value = float(value)
        if not targets:
            self.add(path, "an amber rule needs a target", line)
            return None
        if kind in ("absolute", "relative") and value < 0:
            self.add(f"{path}.{kind}", f"{_fmt(value)} is negative: the amber band is empty", line)
        if kind == "relative" and value >= 1:
            self.add(
                f"{path}.relative",
                f"{_fmt(value)} is a fraction of the target; {_fmt(value)} would make every "
                "value amber (did you mean a percentage? use 0.05 for 5%)",
                line,
            )
        if kind == "threshold":
            if polarity == "range":
                self.add(path, "a range target takes {absolute = N} or {relative = F}", line)
            for target in targets:
                if target.value is None:
                    continue
                if polarity == "higher" and value > target.value:
                    self.add(
                        f"{path}.threshold",
                        f"{_fmt(value)} is above the target {_fmt(target.value)}; with higher "
                        "is better the amber floor must be at or below the target",
                        line,
                    )
                if polarity == "lower" and value < target.value:
                    self.add(
                        f"{path}.threshold",
                        f"{_fmt(value)} is below the target {_fmt(target.value)}; with lower "
                        "is better the amber ceiling must be at or above the target",
                        line,
                    )
        return AmberRule(kind, value)

    def _stretch(
        self, entry: dict, polarity: str | None, targets: list[Target], label: str, index: int
    ) -> float | None:
        if "stretch" not in entry:
            return None
        raw = entry["stretch"]
        line = self.lines.line("indicator", index, "stretch")
        if not _is_number(raw):
            self.add(f"{label}.stretch", f"must be a number, not {_type(raw)}", line)
            return None
        if polarity not in ("higher", "lower") or not targets:
            self.add(
                f"{label}.stretch",
                "a stretch target needs polarity higher or lower and a target",
                line,
            )
            return None
        for target in targets:
            assert target.value is not None
            worse = raw < target.value if polarity == "higher" else raw > target.value
            if worse:
                self.add(
                    f"{label}.stretch",
                    f"{_fmt(raw)} is not beyond the target {_fmt(target.value)} in the better "
                    f"direction ({polarity} is better)",
                    line,
                )
        return float(raw)

    # -- scalar helpers --------------------------------------------------------------
    def _string(
        self, entry: dict, key: str, path: str, table: str, index: int, required: bool = False
    ) -> str | None:
        line = self.lines.line(table, index, key)
        if key not in entry:
            if required:
                self.add(f"{path}.{key}", "is required", self.lines.line(table, index))
            return None
        value = entry[key]
        if not isinstance(value, str):
            self.add(f"{path}.{key}", f"must be a string, not {_type(value)}", line)
            return None
        if required and not value.strip():
            self.add(f"{path}.{key}", "must not be empty", line)
            return None
        return value

    def _string_list(self, entry: dict, key: str, path: str, index: int) -> list[str]:
        raw = entry.get(key, [])
        if not isinstance(raw, list) or not all(isinstance(v, str) and v.strip() for v in raw):
            line = self.lines.line("indicator", index, key)
            self.add(f"{path}.{key}", "must be a list of non-empty strings", line)
            return []
        return list(raw)

    def _choice(
        self,
        entry: dict,
        key: str,
        choices: Iterable[str],
        path: str,
        index: int,
        required: bool = False,
    ) -> str | None:
        choices = tuple(choices)
        line = self.lines.line("indicator", index, key)
        if key not in entry:
            if required:
                self.add(
                    f"{path}.{key}",
                    f"is required (one of {', '.join(choices)})",
                    self.lines.line("indicator", index),
                )
            return None
        value = entry[key]
        if value not in choices:
            self.add(f"{path}.{key}", f"{value!r} is not one of {', '.join(choices)}", line)
            return None
        return value


def _unknown_key(key: str, known: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key {key!r}{hint}"


def _type(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _fmt(value: float | None) -> str:
    if value is None:
        return "inf"
    return f"{value:g}"
