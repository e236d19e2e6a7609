"""The public API: a :class:`Workspace` is one ``indicators.toml`` and its store.

>>> ws = Workspace.open("path/to/workspace")          # doctest: +SKIP
>>> ws.results(month="2024-10")                        # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from csc_perf.app.charts import ChartCommands
from csc_perf.app.data import StoreCommands
from csc_perf.app.notes import Note
from csc_perf.app.paths import find_config, store_path
from csc_perf.app.reference import region_name
from csc_perf.app.report import Report, build_report
from csc_perf.app.results import (
    Choice,
    Run,
    check_themes,
    compute_run,
    indicator_ids,
    listed,
    select,
)
from csc_perf.definitions.loading import load_definitions
from csc_perf.definitions.model import Definitions
from csc_perf.errors import UsageError
from csc_perf.methods.financial_years import financial_year_values
from csc_perf.methods.highlights import Highlight, build_highlights, highlights_frame
from csc_perf.methods.matrix import spc_matrix
from csc_perf.methods.spc_results import series_gaps
from csc_perf.model.calendar import report_label
from csc_perf.store.core import Store
from csc_perf.store.layout import DEFAULT_WAIT_SECONDS
from csc_perf.store.reading import parse_as_of

#: The columns of a summary before the figures behind each sentence.
SUMMARY_COLUMNS = (
    "rank",
    "theme",
    "indicator",
    "name",
    "month",
    "sentence",
    "tier",
    "strength",
    "change_size",
)


@dataclass(frozen=True)
class Summary:
    """The month's highlights, most important first. ``frame`` has :data:`SUMMARY_COLUMNS`
    then the figures behind each sentence (one column each)."""

    month: date
    highlights: tuple[Highlight, ...]
    frame: pl.DataFrame

    def nested_frame(self) -> pl.DataFrame:
        """:data:`SUMMARY_COLUMNS` and the figures as one struct column ``figures`` (for
        JSON, where each sentence's figures differ)."""
        if not self.frame.height:
            return self.frame
        figures = [c for c in self.frame.columns if c not in SUMMARY_COLUMNS]
        return self.frame.select(*SUMMARY_COLUMNS, pl.struct(figures).alias("figures"))


class Workspace(StoreCommands, ChartCommands):
    """Definitions and a store, and every job csc-perf does on them.

    Each method takes the values the command line takes (months as ``2024-10`` or a
    :class:`datetime.date`, ``as_of`` as a version number or a date, ``authority="all"``) and
    raises the typed errors of :mod:`csc_perf.errors` that the command line maps to exit
    codes. Notes for the reader (a figure replaced, a suppression) collect in :attr:`notes`,
    cleared at the start of each call.
    """

    def __init__(self, definitions: Definitions, store: Store, config: Path | None = None):
        self.definitions = definitions
        self.store = store
        self.config = config
        self.notes: list[Note] = []

    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        *,
        config: str | Path | None = None,
        store: str | Path | None = None,
        wait: float = DEFAULT_WAIT_SECONDS,
    ) -> Workspace:
        """Open the workspace at ``path`` (a folder holding ``indicators.toml``, or the file
        itself); without one, ``config`` or ``$CSC_PERF_CONFIG`` or the first
        ``indicators.toml`` from the current folder up. The store is ``store``, else
        ``$CSC_PERF_STORE``, else ``[workspace] store`` beside the definitions. ``wait`` is how
        long a write waits for a busy store. Raises :class:`~csc_perf.errors.ConfigError` or
        :class:`~csc_perf.errors.DefinitionsError`."""
        found = find_config(config if config is not None else path)
        definitions = load_definitions(found)
        location = store_path(store, found, definitions.workspace.store)
        options = dict(definitions.workspace.storage_options)
        return cls(definitions, Store(location, wait=wait, storage_options=options), found)

    def note(self, text: str, level: str = "warning") -> None:
        """Leave a note for the reader of this call's result."""
        self.notes.append(Note(text, level))

    # -- results ---------------------------------------------------------------------------
    def _run(self, choice: Choice, **months) -> Run:
        self.notes = []
        run = compute_run(self.store, self.definitions, choice, **months)
        for text in run.notes:
            self.note(text)
        return run

    def results(
        self,
        month: str | date | None = None,
        *,
        authority: str | None = None,
        as_of: str | int | None = None,
        themes: list[str] | None = None,
        indicators: list[str] | None = None,
        spc: bool = True,
        spc_screen: bool | None = None,
        spc_baseline: int | None = None,
        suppress: int | None = None,
    ) -> pl.DataFrame:
        """Results for one month (default: the latest with figures), one row per indicator
        (per authority with ``authority="all"``), in the results column contract
        (:data:`~csc_perf.model.results.RESULT_COLUMNS`): value, target, RAG, direction of
        travel, SPC, benchmarks, rank. ``themes`` and ``indicators`` (ids, names or aliases)
        narrow it. ``spc=False`` skips SPC (its columns stay, empty); ``spc_screen`` and
        ``spc_baseline`` override the definitions for this call; ``suppress`` is the
        largest count to suppress for publication. Raises :class:`~csc_perf.errors.UsageError`
        and :class:`~csc_perf.errors.NoFiguresError`."""
        choice = Choice(month, authority, as_of, spc, spc_screen, spc_baseline, suppress)
        run = self._run(choice, allow_all=True)
        shown = run.results.filter(pl.col("month") == run.month)
        return select(shown, self.definitions, themes, indicators)

    def report(
        self,
        month: str | date | None = None,
        *,
        authority: str | None = None,
        as_of: str | int | None = None,
        themes: list[str] | None = None,
        fy: bool = False,
        benchmarks: bool = False,
        revised_since: str | int | None = None,
        spc: bool = True,
        spc_screen: bool | None = None,
        spc_baseline: int | None = None,
        suppress: int | None = None,
    ) -> Report:
        """The monthly report (see :class:`~csc_perf.app.report.Report`): per theme, the
        last 13 months and the same month two years back, target, RAG, direction and SPC,
        with its highlights. ``fy`` adds the authority's last two financial years from its
        monthly figures; ``benchmarks`` the published figures, statistical neighbours,
        region and England; ``revised_since`` (a version or date) marks figures revised
        since. Other arguments as :meth:`results`."""
        choice = Choice(month, authority, as_of, spc, spc_screen, spc_baseline, suppress)
        run = self._run(choice, months_back=12, extra_months=(-24,), all_months=True)
        themes = listed(themes)
        check_themes(self.definitions, themes)
        years = None
        if fy:
            years = financial_year_values(run.observations, self.definitions, run.population)
            years = years.filter(pl.col("authority") == run.authority)
            if years.get_column("partial").any():
                self.note(
                    "* a financial year with fewer than 12 months of figures (partial)", "info"
                )
        revised = None
        if revised_since is not None:
            changes = self.store.diff(parse_as_of(str(revised_since)), None)
            revised = (
                changes.filter(
                    (pl.col("authority") == run.authority) & (pl.col("change") == "revised")
                )
                .group_by("indicator")
                .agg(pl.col("month").dt.strftime("%Y-%m").sort().str.join(";").alias("revised"))
            )
            self.note(
                f"† revised since {revised_since}: {revised.height} indicator(s) "
                "(`csc-perf history --diff` lists old and new figures)",
                "info",
            )
        return build_report(
            run.results,
            self.definitions,
            run.month,
            authority=run.authority,
            themes=themes,
            financial_years=years,
            benchmarks=benchmarks,
            revised=revised,
            region_name=region_name(
                None if self.store.is_new() else self.store.reference("benchmarks"),
                run.authority,
            )
            if benchmarks
            else "",
        )

    def trend(
        self,
        indicator: str,
        *,
        months: int = 25,
        month: str | date | None = None,
        authority: str | None = None,
        as_of: str | int | None = None,
        spc: bool = True,
        spc_screen: bool | None = None,
        spc_baseline: int | None = None,
    ) -> pl.DataFrame:
        """One indicator (id, name or alias) month by month: the ``months`` months ending at
        ``month`` (leading months before its first figure left out), in the results column
        contract. Other arguments as :meth:`results`."""
        if isinstance(months, bool) or not isinstance(months, int) or months < 1:
            raise UsageError("--months must be at least 1")
        choice = Choice(month, authority, as_of, spc, spc_screen, spc_baseline)
        run = self._run(choice, allow_all=True, months_back=months - 1)
        (wanted,) = indicator_ids(self.definitions, [indicator]) or [indicator]
        series = run.results.filter(pl.col("indicator") == wanted).sort("month")
        # Leading months before the first figure are not part of the series.
        present = series.get_column("status") != "missing"
        if present.any():
            series = series.slice(int(present.arg_true()[0]))
        for authority, first, last, count in series_gaps(series):
            span = report_label(first)
            if count > 1:
                span += f" to {report_label(last)}"
            self.note(
                f"{wanted} ({authority}): no figure for "
                f"{span} ({count} month{'s' if count > 1 else ''}); SPC leaves out the moving "
                "ranges next to a gap, as Making Data Count does",
                "info",
            )
        return series

    def summary(
        self,
        month: str | date | None = None,
        *,
        top: int | None = None,
        themes: list[str] | None = None,
        authority: str | None = None,
        as_of: str | int | None = None,
        spc: bool = True,
        spc_screen: bool | None = None,
        spc_baseline: int | None = None,
        suppress: int | None = None,
    ) -> Summary:
        """Plain-English highlights for the month, most important first (the first ``top``;
        only ``themes``). Other arguments as :meth:`results`."""
        if top is not None and top < 1:
            raise UsageError("--top must be at least 1")
        choice = Choice(month, authority, as_of, spc, spc_screen, spc_baseline, suppress)
        run = self._run(choice, all_months=True)
        themes = listed(themes)
        check_themes(self.definitions, themes)
        found = build_highlights(run.results, self.definitions, run.month)
        if themes:
            found = [h for h in found if h.theme in themes]
        if top is not None:
            found = found[:top]
        return Summary(run.month, tuple(found), highlights_frame(found))

    def matrix(
        self,
        month: str | date | None = None,
        *,
        themes: list[str] | None = None,
        indicators: list[str] | None = None,
        authority: str | None = None,
        as_of: str | int | None = None,
        spc: bool = True,
        spc_screen: bool | None = None,
        spc_baseline: int | None = None,
        suppress: int | None = None,
    ) -> pl.DataFrame:
        """The SPC summary matrix for the month (Making Data Count's summary table): one row
        per indicator with ``month, indicator, name, variation, assurance``
        (:data:`~csc_perf.methods.matrix.MATRIX_SCHEMA`), in the matrix's order; variation
        and assurance are ``Enum`` columns whose categories are the grid's rows and columns,
        ``none`` where an indicator has no limits or no assurance. One authority (not
        ``"all"``). Other arguments as :meth:`results`."""
        choice = Choice(month, authority, as_of, spc, spc_screen, spc_baseline, suppress)
        run = self._run(choice)
        shown = run.results.filter(pl.col("month") == run.month)
        return spc_matrix(select(shown, self.definitions, themes, indicators))
