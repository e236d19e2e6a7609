"""The meaning checks of ``indicators.toml``, from the parsed TOML to :class:`Definitions`.

:func:`check_definitions` first refuses values no check may see (a NaN, nesting too deep),
then checks every part and raises one :class:`~csc_perf.errors.DefinitionsError` listing
every problem, each with its key path and line. This module checks the file's top level,
``[workspace]``, ``[[theme]]``, ``[population]``, ``[benchmarks]``, the uniqueness of
indicator ids, names and aliases, and the formulas; one ``[[indicator]]`` is checked in
:mod:`~csc_perf.definitions.checks_indicator`.
"""

from __future__ import annotations

import math
import re
from typing import Any

from csc_perf.definitions.checks_indicator import check_indicator
from csc_perf.definitions.formulas import check_formula, references
from csc_perf.definitions.model import (
    Definitions,
    Indicator,
    Population,
    Theme,
    Workspace,
    normalise_name,
)
from csc_perf.definitions.problems import (
    Entry,
    Findings,
    LineIndex,
    Problem,
    is_number,
    is_whole_number,
)
from csc_perf.errors import DefinitionsError
from csc_perf.model.authorities import HINT, normalise_authority

TOP_KEYS = {"workspace", "theme", "indicator", "population", "benchmarks"}
POPULATION_KEYS = {"year_lag", "year", "estimates"}
WORKSPACE_KEYS = {"authority", "authority_name", "store", "storage_options"}
THEME_KEYS = {"id", "name", "outcome"}
BENCHMARKS_KEYS = {"neighbours", "average", "population_year_lag"}

MAX_DEPTH = 8  # the deepest real value, indicator[0].benchmark[0].where.x, is 6 levels


def check_definitions(data: dict[str, Any], lines: LineIndex, source: str) -> Definitions:
    """The definitions in ``data`` (the parsed TOML of the file ``source``, whose text
    ``lines`` indexes).

    Raises :class:`DefinitionsError` listing every problem found.
    """
    untrusted = untrusted_values(data, lines)
    if untrusted:
        # Checked before anything else reads the values: a NaN target would compare false
        # with everything and rate every value GREEN.
        raise DefinitionsError(source, untrusted)
    found = Findings(lines)
    found.unknown_keys(data, TOP_KEYS, "", lambda key: lines.line(key, 0))
    workspace = check_workspace(found, data.get("workspace", {}))
    themes = check_themes(found, data.get("theme", []))
    indicators = check_indicators(found, data.get("indicator", []), {t.id for t in themes})
    check_formulas(found, indicators, data.get("indicator", []))
    population = check_population(found, data.get("population", {}))
    benchmarks = check_benchmarks(found, data.get("benchmarks", {}))
    if found.problems:
        raise DefinitionsError(source, found.problems)
    return Definitions(
        indicators=tuple(indicators),
        themes=tuple(themes),
        workspace=workspace,
        source=source,
        population=population,
        benchmarks=benchmarks,
    )


def untrusted_values(data: dict[str, Any], lines: LineIndex) -> list[Problem]:
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


def check_workspace(found: Findings, raw: Any) -> Workspace:
    """The ``[workspace]`` table; the authority code goes through the one authority rule."""
    entry = found.single_table(raw, "workspace")
    if entry is None:
        return Workspace()
    entry.unknown_keys(WORKSPACE_KEYS)
    code = entry.raw.get("authority")
    if isinstance(code, int) and not isinstance(code, bool):
        # authority = 852 (a TOML number) means the code "852"
        entry.raw = {**entry.raw, "authority": str(code)}
    values: dict[str, str] = {}
    for key in ("authority", "authority_name", "store"):
        value = entry.string(key)
        if value is None:
            continue
        if key == "authority":
            code = normalise_authority(value)
            if code is None:
                entry.problem(key, f"{value!r} is not an authority code: {HINT}")
                continue
            value = code
        values[key] = value
    return Workspace(**values, storage_options=_storage_options(entry))


def _storage_options(entry: Entry) -> tuple[tuple[str, str], ...]:
    """``[workspace.storage_options]``: option name -> text (true/false and numbers are
    taken as the text the object-store libraries expect)."""
    raw = entry.raw.get("storage_options", {})
    if not isinstance(raw, dict):
        entry.problem("storage_options", "must be a table of option = value")
        return ()
    options = []
    for name, value in raw.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (int, float)):
            value = str(value)
        if not isinstance(value, str):
            # The value is never shown: it may be a secret.
            entry.problem("storage_options", f"{name!r} must be text, a number or true/false")
            continue
        options.append((str(name), value))
    return tuple(options)


def check_themes(found: Findings, raw: Any) -> list[Theme]:
    """The ``[[theme]]`` tables, in file order; ids must be unique snake_case."""
    themes: list[Theme] = []
    seen: set[str] = set()
    for entry in found.array_of_tables(raw, "theme"):
        entry.unknown_keys(THEME_KEYS)
        theme_id = entry.string("id", required=True)
        name = entry.string("name", required=True)
        outcome = entry.string("outcome") or ""
        if theme_id is None or name is None:
            continue
        entry.snake_case_id(theme_id)
        if theme_id in seen:
            entry.problem("id", f"duplicate theme id {theme_id!r}")
        seen.add(theme_id)
        themes.append(Theme(theme_id, name, outcome))
    return themes


def check_indicators(found: Findings, raw: Any, theme_ids: set[str]) -> list[Indicator]:
    """The ``[[indicator]]`` tables without problems, in file order. Ids, names and
    aliases must be unique across indicators as :func:`normalise_name` sees them."""
    indicators: list[Indicator] = []
    if isinstance(raw, list) and not raw:
        found.add("indicator", "no indicators are defined", None)
    owners: dict[str, tuple[str, str]] = {}  # normalised key -> (path, id)
    for entry in found.array_of_tables(raw, "indicator"):
        path = entry.path  # before check_indicator adds the id to it
        indicator = check_indicator(entry, theme_ids)
        if indicator is None:
            continue
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
                found.add(
                    f"{path}.{key_path}",
                    f"{text!r} is already used by {other_path} ({other_id}); ids, names "
                    "and aliases must be unique (ignoring case, spaces, invisible characters "
                    "and look-alike letters)",
                    entry.line(key_path.split("[")[0]),
                )
            else:
                owners[key] = (path, indicator.id)
        indicators.append(indicator)
    return indicators


def check_formulas(found: Findings, indicators: list[Indicator], raw: Any) -> None:
    """Type-check every formula against the ids, and look for cycles."""
    ids = {i.id for i in indicators}
    graph: dict[str, set[str]] = {}
    index_of = {}
    for index, item in enumerate(raw if isinstance(raw, list) else []):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            index_of[item["id"]] = index
    for indicator in indicators:
        if indicator.formula is None:
            continue
        index = index_of.get(indicator.id, 0)
        where = f"indicator[{index}] ({indicator.id}).formula"
        line = found.lines.line("indicator", index, "formula")
        node = indicator.formula_node
        for message in check_formula(node, ids):
            found.add(where, message, line)
        graph[indicator.id] = references(node) & ids
    # Cycles: a derived indicator may not depend on itself, directly or not.
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt]
                index = index_of.get(node, 0)
                found.add(
                    f"indicator[{index}] ({node}).formula",
                    "formulas refer to each other in a cycle: " + " -> ".join(cycle),
                    found.lines.line("indicator", index, "formula"),
                )
            elif state.get(nxt) is None:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if state.get(node) is None:
            visit(node, [node])


def check_population(found: Findings, raw: Any) -> Population:
    """The ``[population]`` table: which estimate year a month uses, and the estimates."""
    entry = found.single_table(raw, "population")
    if entry is None:
        return Population()
    entry.unknown_keys(POPULATION_KEYS)
    lag = entry.whole_number("year_lag", 2, 0, 5)
    estimates: list[tuple[int, float]] = []
    table = entry.raw.get("estimates", {})
    if not isinstance(table, dict):
        found.add(
            "population.estimates", 'must be a table such as { "2022" = 49978 }', entry.line()
        )
        table = {}
    for year, value in table.items():
        where = f"population.estimates.{year}"
        if not (str(year).isdigit() and 1990 <= int(year) <= 2100):
            found.add(where, f"{year!r} is not a year", entry.line())
        elif not is_number(value) or value <= 0:
            found.add(where, "must be a positive number of children", entry.line())
        else:
            estimates.append((int(year), float(value)))
    fixed = entry.raw.get("year")
    if fixed is not None and not (isinstance(fixed, int) and 1990 <= fixed <= 2100):
        entry.problem("year", "must be a year such as 2022")
        fixed = None
    return Population(lag, tuple(sorted(estimates)), fixed)


def check_benchmarks(found: Findings, raw: Any) -> dict:
    """The ``[benchmarks]`` table: which DfE neighbour model, mean or median, and which
    population estimate a benchmark rate from counts uses."""
    entry = found.single_table(raw, "benchmarks")
    if entry is None:
        return {}
    entry.unknown_keys(BENCHMARKS_KEYS)
    neighbours = entry.raw.get("neighbours", "2021")
    if neighbours not in ("2021", "2025"):
        found.add("benchmarks.neighbours", "must be '2021' or '2025' (the DfE model)", entry.line())
        neighbours = "2021"
    average = entry.raw.get("average", "mean")
    if average not in ("mean", "median"):
        found.add("benchmarks.average", "must be 'mean' or 'median'", entry.line())
        average = "mean"
    # The estimate a rate computed from DfE counts uses; absent: the [population] rule.
    lag = entry.raw.get("population_year_lag")
    if lag is not None and not is_whole_number(lag, 0, 5):
        entry.problem("population_year_lag", "must be a whole number from 0 to 5")
        lag = None
    return {"neighbours": neighbours, "average": average, "population_year_lag": lag}
