"""The meaning checks of one ``[[indicator]]`` table, to an :class:`Indicator`.

Its targets, amber rule and stretch are checked in
:mod:`~csc_perf.definitions.checks_targets`, its ``spc`` table in
:mod:`~csc_perf.definitions.checks_spc`; what is across indicators (unique names, formula
cycles) in :mod:`~csc_perf.definitions.checks`.
"""

from __future__ import annotations

import difflib
import math

from csc_perf.definitions.checks_spc import check_spc
from csc_perf.definitions.checks_targets import check_amber, check_stretch, check_targets
from csc_perf.definitions.formulas import (
    POPULATION,
    Call,
    FormulaError,
    parse_formula,
    references,
    walk,
)
from csc_perf.definitions.model import (
    BENCHMARK_KINDS,
    MEASURES,
    POLARITIES,
    SEVERITIES,
    UNITS,
    BenchmarkSource,
    Indicator,
    Target,
)
from csc_perf.definitions.problems import Entry, fmt, is_number

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


def check_indicator(entry: Entry, theme_ids: set[str]) -> Indicator | None:
    """The indicator in ``entry`` (an ``[[indicator]]`` table), whose themes must be among
    ``theme_ids``; None when it has a problem (each is added to ``entry.found``).

    From its id on, ``entry.path`` names the indicator as ``indicator[3] (referrals)``.
    """
    before = len(entry.found.problems)
    ind_id = entry.string("id", required=True)
    if ind_id is not None:
        entry.snake_case_id(ind_id)
        entry.path = f"{entry.path} ({ind_id})"
    entry.unknown_keys(INDICATOR_KEYS)
    name = entry.string("name", required=True)
    aliases = entry.string_list("aliases")
    themes = _themes(entry, theme_ids)
    unit = entry.choice("unit", UNITS, required=True)
    measure = entry.choice("measure", MEASURES, required=True)
    polarity = entry.choice("polarity", POLARITIES, required=True)
    out_of_range = entry.choice("out_of_range", SEVERITIES) or "warning"
    decimals = entry.whole_number("decimals", 0, low=0, high=6)
    required = entry.boolean("required", False)
    description = entry.string("description") or ""
    no_change = entry.number(
        "no_change",
        0.0,
        lambda value: value >= 0,
        "must be a number >= 0 (percentage points for percentages, % otherwise)",
    )
    spc = check_spc(entry)
    formula = _formula(entry)
    tolerance = entry.number(
        "tolerance",
        0.03,
        lambda value: 0 <= value < 1,
        "must be a fraction from 0 to 1 (0.03 for 3%)",
    )
    benchmark = _benchmark_sources(entry)
    valid_min, valid_max = _valid_range(entry, unit)
    targets = check_targets(entry, polarity)
    amber = check_amber(entry, polarity, targets)
    stretch = check_stretch(entry, polarity, targets)
    _within_valid_range(entry, targets, stretch, valid_min, valid_max)
    if len(entry.found.problems) > before or None in (ind_id, name, unit, measure, polarity):
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
        no_change=no_change,
        spc=spc,
        formula=formula,
        tolerance=tolerance,
        benchmark=benchmark,
    )


def _themes(entry: Entry, theme_ids: set[str]) -> list[str]:
    """The indicator's ``theme``: one theme id or a list of them, each defined once."""
    raw = entry.raw.get("theme")
    if raw is None:
        entry.problem("theme", "is required (a theme id or a list of theme ids)")
        return []
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        entry.problem("theme", "must be a theme id or a non-empty list of theme ids")
        return []
    for value in values:
        if value not in theme_ids:
            close = difflib.get_close_matches(value, sorted(theme_ids), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            entry.problem("theme", f"unknown theme {value!r}{hint}")
    if len(set(values)) != len(values):
        entry.problem("theme", "lists a theme twice")
    return list(values)


def _formula(entry: Entry) -> str | None:
    """The ``formula`` text, which must parse (ids and cycles are checked across
    indicators, once all are known)."""
    formula = entry.string("formula")
    if formula is not None:
        try:
            parse_formula(formula)
        except FormulaError as exc:
            shown = (
                formula if len(formula) <= 60 else f"{formula[:60]}... ({len(formula)} characters)"
            )
            entry.problem("formula", f"{shown!r}: {exc}")
    return formula


def _benchmark_sources(entry: Entry) -> tuple[BenchmarkSource, ...]:
    """The ``benchmark`` sources: an EES column name, ``{ column, where }``, ``{ formula,
    where }`` (a rate from EES counts), ``{ lait }`` (a LAIT measure), or a list of them."""
    raw = entry.raw.get("benchmark", [])
    line = entry.line("benchmark")
    path = f"{entry.path}.benchmark"
    sources = []
    for item in raw if isinstance(raw, list) else [raw]:
        if isinstance(item, str) and item.strip():
            sources.append(BenchmarkSource(item.strip()))
            continue
        kinds = [k for k in BENCHMARK_KINDS if isinstance(item, dict) and k in item]
        if len(kinds) == 1 and isinstance(item[kinds[0]], str) and item[kinds[0]].strip():
            source = _benchmark_source(entry, item, kinds[0], path, line)
            if source is not None:
                sources.append(source)
            continue
        entry.found.add(
            path,
            'must be a DfE column name, or { column = "...", where = { col = "value" } }, or '
            '{ formula = "referral_count / population * 10000" }, or { lait = "CPP_rate" }, or '
            '{ lait_formula = "ISCP_Conf / Section_47 * 100" } (exactly one of column, '
            "formula, lait, lait_formula), or a list of them",
            line,
        )
    return tuple(sources)


def _benchmark_source(
    entry: Entry, item: dict, kind: str, path: str, line: int | None
) -> BenchmarkSource | None:
    """One ``benchmark`` table of ``kind`` (``column``, ``formula`` or ``lait``), checked;
    None (with the problem added) when it is wrong."""
    allowed = {kind} if kind.startswith("lait") else {kind, "where"}
    unknown = set(item) - allowed
    where = item.get("where", {})
    text = item[kind].strip()
    if unknown:
        entry.found.add(path, f"unknown key(s) {sorted(unknown)} beside {kind!r}", line)
        return None
    if not isinstance(where, dict) or not all(isinstance(v, str) for v in where.values()):
        entry.found.add(f"{path}.where", "must map column names to text", line)
        return None
    if kind in ("formula", "lait_formula"):
        problem = _benchmark_formula_problem(text, lait=kind == "lait_formula")
        if problem:
            entry.found.add(f"{path}.formula", f"{text!r}: {problem}", line)
            return None
    return BenchmarkSource(
        column=text if kind == "column" else "",
        where=tuple(sorted(where.items())),
        formula=text if kind == "formula" else None,
        lait=text if kind == "lait" else None,
        lait_formula=text if kind == "lait_formula" else None,
    )


def _benchmark_formula_problem(text: str, *, lait: bool) -> str | None:
    """What is wrong with a benchmark formula: it must parse, name at least one DfE column
    (or LAIT code), call no function (a DfE figure is already a year's) and, over LAIT
    measures, not use ``population`` (LAIT gives none)."""
    try:
        node = parse_formula(text)
    except FormulaError as exc:
        return str(exc)
    if any(isinstance(n, Call) for n in walk(node)):
        return (
            "a benchmark formula uses DfE columns, population, numbers and + - * / only "
            "(a DfE figure is already the year's)"
        )
    if lait and POPULATION in references(node):
        return "LAIT holds no population: divide by a LAIT measure, or use an EES formula"
    if not references(node) - {POPULATION}:
        return "names no DfE column"
    return None


def _valid_range(entry: Entry, unit: str | None) -> tuple[float | None, float | None]:
    """``valid_range = [min, max]`` (``-inf``/``inf`` for no bound); by default 0 to 100
    for a percentage, 0 up otherwise."""
    default = (0.0, 100.0) if unit == "percent" else (0.0, None)
    if "valid_range" not in entry.raw:
        return default
    raw = entry.raw["valid_range"]
    if not isinstance(raw, list) or len(raw) != 2 or not all(is_number(v) for v in raw):
        entry.problem("valid_range", "must be [min, max] with two numbers")
        return default
    low, high = (None if math.isinf(v) else v for v in (float(raw[0]), float(raw[1])))
    if low is not None and high is not None and low > high:
        entry.problem("valid_range", f"min {fmt(low)} is above max {fmt(high)}")
    return low, high  # None: no bound (-inf or inf)


def _within_valid_range(
    entry: Entry,
    targets: list[Target],
    stretch: float | None,
    valid_min: float | None,
    valid_max: float | None,
) -> None:
    """A problem for each target or stretch figure outside the indicator's valid range."""
    bounds = [("target", n) for t in targets for n in (t.value, t.low, t.high) if n is not None]
    if stretch is not None:
        bounds.append(("stretch", stretch))
    for key, number in bounds:
        if (valid_min is not None and number < valid_min) or (
            valid_max is not None and number > valid_max
        ):
            entry.problem(
                key,
                f"{fmt(number)} is outside the valid range [{fmt(valid_min)}, {fmt(valid_max)}]",
            )
