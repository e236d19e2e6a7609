"""Workspace methods on extracts and the store: validate, import, history, diff, export, the
reference tables, check and compact. Mixed into :class:`~csc_perf.app.workspace.Workspace`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

from csc_perf.app.arguments import authority_argument, month_argument
from csc_perf.app.indicators import definitions_frame
from csc_perf.app.notes import Note
from csc_perf.app.outcomes import ImportResult, ReferenceImport, StoreCheck
from csc_perf.app.reference import BENCHMARK_KEY, POPULATION_KEY, benchmarks_by_year, read_ees_files
from csc_perf.app.results import indicator_ids
from csc_perf.definitions.model import Definitions
from csc_perf.errors import InvalidDataError, StoreError, UsageError
from csc_perf.ingest.report import ValidationReport
from csc_perf.methods.derived import population_frame
from csc_perf.methods.suppression import suppress_observations
from csc_perf.model.calendar import month_label
from csc_perf.render.messages import replaced_lines
from csc_perf.store.core import Store
from csc_perf.store.layout import REFERENCE_TABLES
from csc_perf.store.reading import parse_as_of

#: ``as_of`` as the API takes it: a version number, or a date (as text, or a date object).
AsOf = str | int | date | datetime | None
#: A file to read: a path as text or a :class:`~pathlib.Path`.
FileArg = str | Path
#: The files a method reads: a list of them, or one.
Files = Sequence[FileArg] | FileArg

#: The columns of :meth:`StoreCommands.history`, one row per version.
HISTORY_SCHEMA = {
    "version": pl.Int64,
    "time": pl.String,
    "operation": pl.String,
    "files": pl.String,
    "sha256": pl.String,
    "rows": pl.Int64,
    "months": pl.String,
    "inserted": pl.Int64,
    "updated": pl.Int64,
    "unchanged": pl.Int64,
}


@dataclass(frozen=True)
class Reading:
    """How extracts are read: the reading options of :meth:`StoreCommands.validate`."""

    sheet: str | Sequence[str] | None = None
    encoding: str | None = None
    shape: str | None = None
    month: str | date | None = None
    authority: str | None = None
    ignore_columns: Sequence[str] | None = ()


class StoreCommands:
    """The extract and store half of :class:`~csc_perf.app.workspace.Workspace` (it uses
    ``self.definitions``, ``self.store``, ``self.config`` and ``self.note``)."""

    definitions: Definitions
    store: Store
    notes: list[Note]

    # -- extracts ----------------------------------------------------------------------
    def validate(
        self,
        files: Files,
        *,
        sheet: str | Sequence[str] | None = None,
        encoding: str | None = None,
        shape: str | None = None,
        month: str | date | None = None,
        authority: str | None = None,
        ignore_columns: Sequence[str] = (),
    ) -> ValidationReport:
        """Check extracts against the definitions; nothing is written.

        ``sheet`` reads only that sheet (or those) of a workbook, ``encoding`` is the text
        encoding of CSV files, ``shape`` (long, wide, month) overrides the detected one,
        ``month`` is the month of a one-month extract, ``authority`` the code for rows
        without one, ``ignore_columns`` wide-sheet columns to skip on purpose. When the store
        can be read, its figures count for required indicators and derived figures are
        checked with its earlier months. Returns the
        :class:`~csc_perf.ingest.validation.ValidationReport` (an unreadable file is an
        issue, not an exception); raises :class:`UsageError` for a bad argument."""
        self.notes = []
        try:
            self.store.check_is_store()
            readable = True
        except StoreError:
            readable = False  # checked without the store's figures
        reading = Reading(sheet, encoding, shape, month, authority, ignore_columns)
        return self._validation(files, reading, with_store=readable)

    def import_files(
        self,
        files: Files,
        *,
        dry_run: bool = False,
        sheet: str | Sequence[str] | None = None,
        encoding: str | None = None,
        shape: str | None = None,
        month: str | date | None = None,
        authority: str | None = None,
        ignore_columns: Sequence[str] = (),
        on_validated: Callable[[ValidationReport], None] | None = None,
    ) -> ImportResult:
        """Validate extracts (as :meth:`validate`, with the store's figures) and, if there
        is no error, store them as one atomic commit; with ``dry_run`` only say what would
        change. ``on_validated`` is called with the validation report before anything is
        written (the command line prints its issues then).

        Returns an :class:`ImportResult`; figures it replaced are left in :attr:`notes`.
        Raises :class:`InvalidDataError` (carrying the report) when an extract has errors,
        :class:`UsageError` for a bad argument, :class:`StoreError` when the store cannot
        be read or written, :class:`StoreBusyError` when another import holds it."""
        self.notes = []
        self.store.check_is_store()
        reading = Reading(sheet, encoding, shape, month, authority, ignore_columns)
        report = self._validation(files, reading, with_store=True)
        if on_validated is not None:
            on_validated(report)
        return self.import_report(report, dry_run=dry_run)

    def import_report(self, report: ValidationReport, *, dry_run: bool = False) -> ImportResult:
        """Store the observations of an already validated ``report`` (see
        :meth:`import_files`, which validates and then calls this)."""
        self.notes = []
        if not report.valid:
            raise InvalidDataError(
                f"nothing imported: {len(report.errors)} error(s), "
                f"{len(report.warnings)} warning(s)",
                report=report,
            )
        if dry_run:
            plan = self.store.plan(report.observations)
            months = report.observations.get_column("month").unique().to_list()
            counts = (plan.inserted.height, plan.updated.height, plan.unchanged)
            labels = tuple(sorted({month_label(m) for m in months}))
            result = ImportResult(report, plan, False, plan.base_version, *counts, labels, True)
        else:
            done = self.store.commit_import(report.observations, report.files, unique=True)
            counts = (done.inserted, done.updated, done.unchanged)
            result = ImportResult(  # commit_import always gives the plan it compared
                report, done.plan, done.committed, done.version, *counts, tuple(done.months)
            )
        for line in replaced_lines(result.plan, report.files):
            self.note(line)
        return result

    def _validation(self, files: Files, reading: Reading, *, with_store: bool) -> ValidationReport:
        """The report on ``files``; ``with_store``: with the store's figures (if any)."""
        # Imported here, not at the top: the extract readers and checks cost about 40 ms
        # of start-up that every command reading the store alone would pay (issue 15).
        from csc_perf.ingest.shapes import SHAPES
        from csc_perf.ingest.validation import validate_files

        shape = reading.shape
        if shape is not None and shape not in SHAPES:
            raise UsageError(f"--shape {shape!r}: use one of {', '.join(SHAPES)}")
        history = population = None
        indicators = self.definitions.indicators
        wanted = any(i.required or i.formula for i in indicators)
        if with_store and wanted and not self.store.is_new():
            # Figures already stored count for required-missing, and derived figures are
            # checked with the store's earlier months.
            self.store.check_is_store()
            history = self.store.observations(
                columns=("authority", "indicator", "month", "value", "status"), sort=False
            )
            if any(i.formula for i in indicators):
                population = self.store.reference("population")
        return validate_files(
            _listed(files),
            self.definitions,
            authority=authority_argument(reading.authority),
            sheet=reading.sheet,
            encoding=reading.encoding,
            shape=shape,
            month=month_argument(reading.month),
            history=history,
            population=population,
            ignore_columns=reading.ignore_columns or (),
        )

    # -- the store ---------------------------------------------------------------------
    def history(self) -> pl.DataFrame:
        """Every version of the store, oldest first: version, time (UTC, ISO 8601),
        operation, files, their SHA-256, rows, months, and the counts inserted, updated and
        unchanged (:data:`HISTORY_SCHEMA`); version 0 is the store's creation. Raises
        :class:`StoreError` when there is no store."""
        self.notes = []
        return pl.DataFrame(self.store.history(), schema=HISTORY_SCHEMA, orient="row")

    def diff(self, since: AsOf = None, until: AsOf = None) -> pl.DataFrame:
        """The figures that differ between two versions or dates (default: the version
        before the latest, and the latest): authority, indicator, month, old and new value
        and status, ``change`` (revised, added, removed) and the indicator's ``name``.
        Raises :class:`UsageError` for a bad version or date, :class:`StoreError` when there
        is no store or it does not reach back that far."""
        self.notes = []
        changes = self.store.diff(_as_of(since), _as_of(until))
        names = {i.id: i.name for i in self.definitions.indicators}
        return changes.with_columns(
            pl.col("indicator").replace_strict(names, default=None).alias("name")
        )

    def export(
        self,
        *,
        as_of: AsOf = None,
        indicators: Sequence[str] | None = None,
        table: str = "observations",
        suppress: int | None = None,
    ) -> pl.DataFrame:
        """The stored observations (current, or ``as_of`` a version or date), only
        ``indicators`` (ids) when given; with ``suppress`` (the largest count to hide) as
        for publication: counts from 1 to ``suppress`` and the rates and totals that would
        reveal them have status ``suppressed`` and no value (what was suppressed is left in
        :attr:`notes`). ``table="benchmarks"`` or ``"population"`` gives that reference
        table instead. Raises :class:`UsageError` (a bad argument, an unknown indicator, a
        reference table never imported) and :class:`StoreError` (no store)."""
        self.notes = []
        self.store.require()
        if table in REFERENCE_TABLES:
            if as_of not in (None, "") or suppress is not None:
                raise UsageError(f"--as-of and --suppress apply to observations, not {table}")
            return self._reference(table, indicators if table == "benchmarks" else None)
        if table != "observations":
            raise UsageError(f"--table {table!r}: use observations, benchmarks or population")
        moment = _as_of(as_of)
        frame = self.store.observations(moment)
        if frame.height == 0 and isinstance(moment, datetime):
            self._refuse_before_first_import(as_of)
        if suppress is not None:
            if suppress < 1:
                raise UsageError("--suppress-threshold must be at least 1")
            frame, found = suppress_observations(frame, self.definitions, suppress)
            for text in found:
                self.note(f"note: {text}")
        if indicators:
            unknown = sorted(set(indicators) - {i.id for i in self.definitions.indicators})
            if unknown:
                raise UsageError(f"unknown indicator id(s): {', '.join(unknown)}")
            frame = frame.filter(pl.col("indicator").is_in(list(indicators)))
        return frame

    def _refuse_before_first_import(self, as_of: AsOf) -> None:
        """Raise :class:`StoreError` for a moment ``as_of`` when the store held no figures
        yet (after it was made, before its first import) but holds some later: an empty
        export is then a wrong date, not an answer. The store already refuses a moment
        before its first version with the same words. (Version 0 asked for by number is
        the empty first version ``history`` lists, and is an answer.)"""
        first = next((e for e in self.store.history() if e["rows"] > 0), None)
        if first is not None:
            raise StoreError(
                f"{self.store.path}: cannot read the store as of {as_of}: the store starts at "
                f"{first['time']} (version {first['version']}, its first import)",
                hint="`csc-perf history` lists the versions and their times",
            )

    def _reference(self, table: str, indicators: Sequence[str] | None = None) -> pl.DataFrame:
        reference = self.store.reference(table)
        if reference is None:
            raise UsageError(f"no {table} in the store", hint=f"csc-perf {table} import FILE")
        if indicators:
            reference = reference.filter(pl.col("indicator").is_in(list(indicators)))
        return reference

    def check(self) -> StoreCheck:
        """Verify the store: every version kept and every commit whole, the marker's latest
        version reached, the schema, data files present and whole, one figure per
        authority, indicator and month. Returns a :class:`StoreCheck` (its ``problems``;
        the version when sound); raises :class:`StoreError` when there is no store."""
        self.notes = []
        problems = tuple(self.store.check())
        version = None if problems else self.store.version()
        return StoreCheck(self.store.path, problems, version)

    def compact(self) -> int | None:
        """Merge the store's small data files into larger ones, as a new version (figures
        and history unchanged; nothing deleted). Returns that version, or None when there
        was nothing to compact. Raises :class:`StoreError` and :class:`StoreBusyError`."""
        self.notes = []
        return self.store.compact()

    def definitions_table(self, theme: str | None = None) -> pl.DataFrame:
        """The indicator definitions, one row per indicator (of ``theme`` when given); see
        :func:`~csc_perf.app.indicators.definitions_frame`."""
        self.notes = []
        return definitions_frame(self.definitions, theme)

    # -- reference tables --------------------------------------------------------------
    def import_benchmarks(
        self, files: Files, *, progress: Callable[[str, int, int], None] | None = None
    ) -> ReferenceImport:
        """Read DfE EES files and LAIT long files (Parquet, CSV, Excel) and store every
        authority's, region's and England's figures for the indicators whose ``benchmark``
        they hold, as one commit (re-importing replaces). A rate from counts (``benchmark =
        { formula = ... }``) divides by the population estimates already imported (and those
        in indicators.toml). ``progress(step, done, total)`` hears how a LAIT file's read
        goes. Warnings (a file with no such column, rows skipped) are left in
        :attr:`notes`. Raises :class:`UsageError` (a file that cannot be read; no file had a
        benchmark column), :class:`InvalidDataError` (a bad cell), :class:`StoreError`."""
        self.notes = []
        self.store.check_is_store()
        population = population_frame(
            self.definitions, None if self.store.is_new() else self.store.reference("population")
        )
        data, info = read_ees_files(
            "benchmarks", _listed(files), self.definitions, self.note, population, progress
        )
        if data.height == 0:
            raise UsageError("nothing to import: no file had a benchmark column")
        version = self.store.replace_reference("benchmarks", data, BENCHMARK_KEY, info)
        return ReferenceImport("benchmarks", version, data)

    def import_population(self, files: Files) -> ReferenceImport:
        """Read the DfE EES file of ONS mid-year estimates and store children aged 0-17 for
        every authority, region and England, as one commit (re-importing replaces). Errors
        and notes as :meth:`import_benchmarks`."""
        self.notes = []
        self.store.check_is_store()
        data, info = read_ees_files("population", _listed(files), self.definitions, self.note)
        data = data.unique(subset=list(POPULATION_KEY), keep="last", maintain_order=True)
        version = self.store.replace_reference("population", data, POPULATION_KEY, info)
        return ReferenceImport("population", version, data)

    def benchmarks(self, indicator: str, *, authority: str | None = None) -> pl.DataFrame:
        """An indicator's (id, name or alias) benchmarks by year: the authority's figure
        (default: the workspace's), its statistical neighbours' average and how many had a
        figure, its region's and England's. Raises :class:`UsageError` (an unknown
        indicator or authority, no benchmarks imported)."""
        self.notes = []
        (found,) = indicator_ids(self.definitions, indicator) or [""]  # suggests as trend
        table = self._reference("benchmarks")
        code = authority_argument(authority) or self.definitions.workspace.authority
        return benchmarks_by_year(table, self.definitions, found, code)


def _as_of(value: AsOf) -> int | datetime | None:
    """A version number or a moment; raises :class:`UsageError` for anything else."""
    return None if value is None else parse_as_of(str(value))


def _listed(files: Files) -> list[FileArg]:
    """``files`` as a list (one path given alone is a list of one). Raises
    :class:`UsageError` for none, or for something that is not a path."""
    listed = [files] if isinstance(files, (str, Path)) else list(files)
    if not listed:
        raise UsageError("no files given")
    for item in listed:
        if not isinstance(item, (str, Path)):
            raise UsageError(f"{item!r} is not a file path")
    return listed
