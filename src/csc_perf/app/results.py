"""One results run: choose the months, load the store's figures and reference tables,
compute results, suppress. Every results-reading method of the Workspace starts here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from csc_perf.app.arguments import authority_argument, is_every_authority, month_argument
from csc_perf.definitions.model import Definitions
from csc_perf.errors import NoFiguresError, UsageError
from csc_perf.ingest.neighbours import statistical_neighbours
from csc_perf.methods.rag import RAG_SEVERITY
from csc_perf.methods.results import compute_results, latest_month
from csc_perf.methods.suppression import suppress_results
from csc_perf.model.calendar import add_months, month_label
from csc_perf.model.options import MIN_BASELINE_POINTS
from csc_perf.store.core import Store

#: The ratings ``--fail-on`` takes.
FAIL_ON = ("red", "amber")


@dataclass(frozen=True)
class Choice:
    """What a results run computes: which month and authority, how SPC runs, and whether
    small counts are suppressed (the threshold, or None)."""

    month: str | date | None = None
    authority: str | None = None
    as_of: str | int | None = None
    spc: bool = True
    spc_screen: bool | None = None
    spc_baseline: int | None = None
    suppress: int | None = None

    def spc_overrides(self) -> dict:
        if self.spc_baseline is not None and self.spc_baseline < MIN_BASELINE_POINTS:
            raise UsageError(
                f"--spc-baseline must be at least {MIN_BASELINE_POINTS}: limits need at least"
                f" {MIN_BASELINE_POINTS} points to estimate (as in Making Data Count)"
            )
        return {
            "screen": self.spc_screen,
            "baseline_points": self.spc_baseline,
            "enabled": None if self.spc else False,
        }

    def suppress_threshold(self) -> int | None:
        if self.suppress is not None and self.suppress < 1:
            raise UsageError("--suppress-threshold must be at least 1")
        return self.suppress


@dataclass(frozen=True)
class Run:
    """What a results run loaded and computed."""

    results: pl.DataFrame
    month: date
    authority: str  # a code, or "all"
    observations: pl.DataFrame
    population: pl.DataFrame | None
    notes: tuple[str, ...] = ()


def compute_run(
    store: Store,
    definitions: Definitions,
    choice: Choice,
    *,
    months_back: int = 0,
    extra_months: tuple[int, ...] = (),
    all_months: bool = False,
    allow_all: bool = False,
) -> Run:
    """Results for the chosen month (and ``months_back`` before it, and ``extra_months``
    offsets; with ``all_months`` every stored month up to it, for highlights' history).

    Raises :class:`UsageError` (a bad argument, no authority, an empty store) and
    :class:`NoFiguresError` (a month given with no figures)."""
    overrides = choice.spc_overrides()
    threshold = choice.suppress_threshold()
    observations = store.observations(
        choice.as_of, columns=("authority", "indicator", "month", "value", "status"), sort=False
    )
    every = is_every_authority(choice.authority)
    code = None if every else authority_argument(choice.authority)
    code = code or (None if every else definitions.workspace.authority)
    if not code and not every:
        raise UsageError("no authority: set [workspace] authority or pass --authority")
    if every and not allow_all:
        raise UsageError(
            "--authority all works with rag and trend; this command reports one authority",
            hint="give an authority code, e.g. --authority 852",
        )
    chosen = month_argument(choice.month)
    month = chosen or latest_month(observations, code)
    if month is None:
        raise UsageError(
            f"the store holds no figures for authority {code}",
            hint="import an extract first: csc-perf import FILE",
        )
    if chosen is not None:
        require_figures(observations, month, code)
    months = sorted(
        {add_months(month, -k) for k in range(months_back + 1)}
        | {add_months(month, k) for k in extra_months}
    )
    if all_months:
        stored = observations.get_column("month").unique().to_list()
        months = sorted({m for m in stored if m <= month} | set(months))
    population, benchmarks, neighbours = reference_data(store, definitions)
    results = compute_results(
        observations,
        definitions,
        months=months,
        authority=code,
        spc_overrides=overrides,
        population=population,
        benchmarks=benchmarks,
        neighbours=neighbours,
    )
    notes: tuple[str, ...] = ()
    if threshold is not None:
        own = observations if code is None else observations.filter(pl.col("authority") == code)
        results, found = suppress_results(results, own, definitions, threshold)
        notes = tuple(f"note: {note}" for note in found)
    return Run(results, month, code or "all", observations, population, notes)


def require_figures(observations: pl.DataFrame, month: date, authority: str | None) -> None:
    """Raise :class:`NoFiguresError` (exit 1) when the store holds no figure at all (present
    or suppressed) for the month and authority (``None``: any authority)."""
    held = observations.filter((pl.col("month") == month) & (pl.col("status") != "missing"))
    if authority is not None:
        held = held.filter(pl.col("authority") == authority)
    if held.height:
        return
    latest = latest_month(observations, authority)
    if latest is None:
        raise NoFiguresError(
            f"no figures for {month_label(month)}; the store holds none"
            + (f" for authority {authority}" if authority else ""),
            hint="import an extract first: csc-perf import FILE",
        )
    raise NoFiguresError(
        f"no figures for {month_label(month)}; the latest month is {month_label(latest)}"
    )


def reference_data(store: Store, definitions: Definitions):
    """The store's population and benchmark tables, and the neighbour groupings in use."""
    if store.is_new():
        return None, None, {}
    population = store.reference("population")
    benchmarks = store.reference("benchmarks")
    neighbours = statistical_neighbours(definitions.benchmarks.get("neighbours", "2021"))
    return population, benchmarks, neighbours


def listed(value: str | list[str] | tuple[str, ...] | None) -> list[str] | None:
    """A list of names from one name or several (``themes="visiting"`` is one theme)."""
    if value is None or isinstance(value, str):
        return None if value is None else [value]
    return list(value)


def indicator_ids(definitions: Definitions, wanted: str | list[str] | None) -> list[str] | None:
    """Indicator ids for ids, names or aliases; raises :class:`UsageError` with suggestions."""
    wanted = listed(wanted)
    if not wanted:
        return None
    ids = []
    for text in wanted:
        indicator = definitions.match(text)
        if indicator is None:
            suggestions = definitions.suggest(text)
            hint = (
                ("did you mean " + " or ".join(repr(s) for s in suggestions) + "?")
                if suggestions
                else "`csc-perf indicators` lists them"
            )
            raise UsageError(f"unknown indicator {text!r}", hint=hint)
        ids.append(indicator.id)
    return ids


def check_themes(definitions: Definitions, themes: str | list[str] | None) -> None:
    """Raise :class:`UsageError` for a theme id the definitions do not have."""
    themes = listed(themes)
    known = {t.id for t in definitions.themes}
    for theme in themes or []:
        if theme not in known:
            raise UsageError(f"unknown theme {theme!r}; themes: {', '.join(sorted(known))}")


def select(
    results: pl.DataFrame,
    definitions: Definitions,
    themes: list[str] | None,
    indicators: list[str] | None,
) -> pl.DataFrame:
    """The rows of the given themes and indicators (all when neither is given)."""
    themes = listed(themes)
    check_themes(definitions, themes)
    ids = indicator_ids(definitions, indicators)
    if themes:
        results = results.filter(
            pl.any_horizontal(*[pl.col("themes").str.split(";").list.contains(t) for t in themes])
        )
    if ids:
        results = results.filter(pl.col("indicator").is_in(ids))
    return results


def failing(results: pl.DataFrame, fail_on: str) -> pl.DataFrame:
    """The rows rated ``fail_on`` (red, amber) or worse."""
    if fail_on not in FAIL_ON:
        raise UsageError(f"--fail-on {fail_on!r}: use red or amber")
    threshold = RAG_SEVERITY[fail_on]
    return results.filter(
        pl.col("rag").replace_strict(RAG_SEVERITY, return_dtype=pl.Int64) >= threshold
    )
