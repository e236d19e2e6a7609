"""Chart files: the Making Data Count XmR chart of one indicator, as a frame the renderers
draw (:mod:`csc_perf.render.chart_svg`, :mod:`csc_perf.render.raster`).

The SPC figures come from the one results run (:func:`csc_perf.app.results.compute_run`):
the chart reads ``spc_mean``, ``spc_lower``, ``spc_upper`` and ``spc_variation`` per month
and computes no SPC of its own. What it adds is layout: every month from the indicator's
first figure to the month asked for (a missing month is a gap), the phase of each month
(a recalculation starts a new one), which months are excluded (ghosted) and which make a
fixed baseline, and each phase's lines spread over all its months so they step at a
recalculation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from csc_perf.app.results import Choice, Run, check_themes, indicator_ids, listed
from csc_perf.definitions.model import Definitions, Indicator
from csc_perf.errors import NoFiguresError, UsageError
from csc_perf.methods.spc import month_index, spc_params
from csc_perf.model.calendar import month_label

if TYPE_CHECKING:  # pragma: no cover
    from csc_perf.app.notes import Note

#: The columns of :attr:`Chart.frame`, one row per month.
CHART_COLUMNS = (
    "month",
    "value",
    "status",
    "target",
    "target_low",
    "target_high",
    "phase",
    "excluded",
    "baseline",
    "spc_mean",
    "spc_lower",
    "spc_upper",
    "sigma2_lower",
    "sigma2_upper",
    "spc_rule",
    "spc_variation",
    "spc_note",
)
#: What the chart adds to the results' columns (the rest it reads, by month).
_LAYOUT_COLUMNS = ("phase", "excluded", "baseline", "sigma2_lower", "sigma2_upper")
_RESULT_COLUMNS = tuple(c for c in CHART_COLUMNS if c not in _LAYOUT_COLUMNS)
#: Image formats a chart is written in, by file suffix.
CHART_FORMATS = {".svg": "svg", ".png": "png"}


@dataclass(frozen=True)
class Chart:
    """The XmR chart of one indicator for one authority, up to ``month``.

    ``frame`` has :data:`CHART_COLUMNS`, one row per month from the indicator's first figure
    (present or suppressed) to ``month``, oldest first; empty when it has none. Per month:
    the value (null for a gap), its status, the target in force, the ``phase`` (0, then one
    more at each recalculation), ``excluded`` (shown, not used by SPC), ``baseline`` (one of
    a fixed baseline's points), the phase's mean, process limits and 2-sigma lines (on every
    month of a phase that has limits, so the lines run through gaps and step at a
    recalculation), and the point's rules, variation and note from the results frame.
    ``note`` says why the latest phase has no limits (None when it has them)."""

    indicator: str
    name: str
    unit: str
    decimals: int
    polarity: str
    authority: str
    authority_name: str
    month: date
    baseline_points: int | None
    frame: pl.DataFrame
    note: str | None = None

    def to_svg(self, path: str | Path | None = None, *, sigma_lines: bool = True) -> str:
        """The chart as an SVG document (text), 960 x 540; written atomically to ``path`` if
        given. ``sigma_lines=False`` leaves out the faint 2-sigma lines."""
        from csc_perf.render.chart_svg import chart_svg

        svg = chart_svg(self, sigma_lines=sigma_lines)
        if path is not None:
            _write(Path(path), svg.encode("utf-8"))
        return svg

    def to_png(
        self, path: str | Path | None = None, *, scale: float = 2.0, sigma_lines: bool = True
    ) -> bytes:
        """The chart as PNG bytes (``scale`` x the SVG's 960 x 540: 1920 x 1080 by default),
        through resvg-py or headless Chromium; written atomically to ``path`` if given.
        Raises :class:`~csc_perf.errors.UsageError` when neither is installed."""
        from csc_perf.render.chart_svg import HEIGHT, WIDTH
        from csc_perf.render.raster import svg_to_png

        data = svg_to_png(self.to_svg(sigma_lines=sigma_lines), WIDTH, HEIGHT, scale=scale)
        if path is not None:
            _write(Path(path), data)
        return data

    def write(self, path: str | Path, fmt: str | None = None, *, sigma_lines: bool = True) -> Path:
        """Write the chart atomically to ``path`` as ``fmt`` (``svg`` or ``png``; default:
        from the suffix, else SVG). Returns the path written. Raises
        :class:`~csc_perf.errors.UsageError` when ``fmt`` and a ``.svg`` / ``.png`` suffix
        disagree (PNG bytes in a .svg file would open as neither)."""
        path = Path(path)
        named = CHART_FORMATS.get(path.suffix.lower())
        if fmt is not None and named is not None and fmt != named:
            raise UsageError(f"{path.name} is a .{named} name, and the format asked is {fmt}")
        fmt = fmt or named or "svg"
        if fmt == "png":
            self.to_png(path, sigma_lines=sigma_lines)
        else:
            self.to_svg(path, sigma_lines=sigma_lines)
        return path


def _write(path: Path, data: bytes) -> None:
    from csc_perf.render.files import write_file_atomically

    write_file_atomically(path, data)


class ChartCommands:
    """The Workspace's chart methods (a mixin: :class:`~csc_perf.app.workspace.Workspace`
    provides ``definitions`` and ``_run``)."""

    definitions: Definitions
    notes: list[Note]
    _run: Callable[..., Run]

    def chart(
        self,
        indicator: str,
        month: str | date | None = None,
        *,
        authority: str | None = None,
        as_of: str | int | None = None,
        spc: bool = True,
        spc_screen: bool | None = None,
        spc_baseline: int | None = None,
    ) -> Chart:
        """The Making Data Count XmR chart of one indicator (id, name or alias) up to
        ``month`` (default: the latest with figures): every month from its first figure.
        Other arguments as :meth:`results`. Raises :class:`~csc_perf.errors.UsageError`
        (an unknown indicator, a bad argument) and :class:`~csc_perf.errors.NoFiguresError`
        (no figures for ``month``, or none for this indicator up to it: a chart of nothing
        is not drawn; :meth:`charts` draws one that says so)."""
        (wanted,) = indicator_ids(self.definitions, [indicator]) or [indicator]
        choice = Choice(month, authority, as_of, spc, spc_screen, spc_baseline)
        run = self._run(choice, all_months=True)
        made = build_chart(run, self.definitions, self.definitions[wanted], choice)
        if not made.frame.height:
            raise_no_figures(run, wanted)
        return made

    def charts(
        self,
        month: str | date | None = None,
        *,
        themes: str | list[str] | None = None,
        indicators: str | list[str] | None = None,
        authority: str | None = None,
        as_of: str | int | None = None,
        spc: bool = True,
        spc_screen: bool | None = None,
        spc_baseline: int | None = None,
    ) -> list[Chart]:
        """One chart per indicator (only ``themes`` / ``indicators`` when given), in the
        definitions' order, from one results run: an indicator without limits or without
        figures still gets its chart, with its note. Arguments as :meth:`chart`."""
        themes = listed(themes)
        check_themes(self.definitions, themes)
        ids = indicator_ids(self.definitions, indicators)
        chosen = [
            i
            for i in self.definitions.indicators
            if (not themes or set(i.themes) & set(themes)) and (not ids or i.id in ids)
        ]
        choice = Choice(month, authority, as_of, spc, spc_screen, spc_baseline)
        run = self._run(choice, all_months=True)
        return [build_chart(run, self.definitions, indicator, choice) for indicator in chosen]


def raise_no_figures(run: Run, indicator: str) -> None:
    """Raise :class:`NoFiguresError` (exit 1, as a results command asked for a month with no
    figures): ``indicator`` has no figure up to the run's month; the hint names its first
    stored month after it, when the store holds one."""
    held = run.observations.filter(
        (pl.col("indicator") == indicator)
        & (pl.col("authority") == run.authority)
        & (pl.col("status") != "missing")
    )
    first = held.get_column("month").min() if held.height else None
    raise NoFiguresError(
        f"no figures for {indicator} up to {month_label(run.month)}",
        hint=f"its first figure is for {month_label(first)}" if first else None,
    )


def build_chart(run: Run, definitions: Definitions, indicator: Indicator, choice: Choice) -> Chart:
    """The :class:`Chart` of ``indicator`` from a results run (one authority)."""
    options = indicator.spc.merged(**choice.spc_overrides())
    params = spc_params({indicator.id: options}, {indicator.id: indicator.polarity}).row(
        0, named=True
    )
    series = (
        run.results.filter(pl.col("indicator") == indicator.id)
        .filter(pl.col("month") <= run.month)
        .select(_RESULT_COLUMNS)
        .sort("month")
    )
    held = series.filter(pl.col("status") != "missing")
    if held.height:
        months = pl.date_range(held.item(0, "month"), run.month, "1mo", eager=True)
        frame = pl.DataFrame({"month": months}).join(series, on="month", how="left")
        frame = _with_targets(frame, indicator).with_columns(pl.col("status").fill_null("missing"))
        frame = _with_layout(frame, params)
    else:
        frame = pl.DataFrame(schema={c: _dtype(c, series) for c in CHART_COLUMNS})
    workspace = definitions.workspace
    return Chart(
        indicator=indicator.id,
        name=indicator.name,
        unit=indicator.unit,
        decimals=indicator.decimals,
        polarity=indicator.polarity,
        authority=run.authority,
        authority_name=workspace.authority_name if run.authority == workspace.authority else "",
        month=run.month,
        baseline_points=params["baseline_points"],
        frame=frame.select(CHART_COLUMNS),
        note=_note(frame),
    )


def _with_targets(frame: pl.DataFrame, indicator: Indicator) -> pl.DataFrame:
    """The target in force on the months the results have no row for (the store holds no
    month there), so the target line runs through a gap as the mean does."""
    targets = {"target": [], "target_low": [], "target_high": []}
    for month in frame.get_column("month").to_list():
        found = indicator.target_for(month)
        targets["target"].append(found.value if found else None)
        targets["target_low"].append(found.low if found else None)
        targets["target_high"].append(found.high if found else None)
    absent = pl.col("status").is_null()
    return frame.with_columns(
        pl.when(absent).then(pl.Series(c, v, pl.Float64)).otherwise(pl.col(c)).alias(c)
        for c, v in targets.items()
    )


def _with_layout(frame: pl.DataFrame, params: dict) -> pl.DataFrame:
    """``frame`` (every month, the results' columns) with phase, excluded, baseline, and the
    phase's lines on each of its months."""
    starts = params["recalculate_from"] or []
    excluded = set(params["exclude"] or [])
    index = [month_index(m) for m in frame.get_column("month").to_list()]
    frame = frame.with_columns(
        pl.Series("phase", [sum(1 for s in starts if s <= mi) for mi in index], pl.Int64),
        pl.Series("excluded", [mi in excluded for mi in index], pl.Boolean),
    ).with_columns(
        (pl.col("excluded") & (pl.col("status") == "present")).alias("excluded"),
    )
    used = (pl.col("status") == "present") & ~pl.col("excluded")
    baseline_points = params["baseline_points"]
    position = used.cast(pl.Int64).cum_sum().over("phase")
    baseline = pl.lit(False) if baseline_points is None else used & (position <= baseline_points)
    lines = ("spc_mean", "spc_lower", "spc_upper")
    # A phase's lines are the same on each of its points: spread them over its every month.
    frame = frame.with_columns(
        baseline.alias("baseline"),
        *[pl.col(c).drop_nulls().first().over("phase").alias(c) for c in lines],
    )
    sigma = (pl.col("spc_upper") - pl.col("spc_mean")) / 3
    return frame.with_columns(
        (pl.col("spc_mean") - 2 * sigma).alias("sigma2_lower"),
        (pl.col("spc_mean") + 2 * sigma).alias("sigma2_upper"),
    )


def _note(frame: pl.DataFrame) -> str | None:
    """Why the latest phase has no limits (None when it has them)."""
    if not frame.height:
        return "No figures up to this month"
    last = frame.filter(pl.col("phase") == pl.col("phase").max())
    if last.get_column("spc_mean").is_not_null().any():
        return None
    notes = last.filter(pl.col("spc_note").is_not_null() & ~pl.col("excluded"))
    notes = notes.get_column("spc_note").to_list()
    return "No process limits: " + (notes[-1] if notes else "no figures in this phase")


def _dtype(column: str, series: pl.DataFrame) -> pl.DataType:
    if column in series.columns:
        return series.schema[column]
    return {"phase": pl.Int64(), "excluded": pl.Boolean(), "baseline": pl.Boolean()}.get(
        column, pl.Float64()
    )
