"""The monthly report as one model, built once, read by every renderer.

A :class:`Report` holds the month layout (the seed's columns: the same month two years
back, then the last 13 months), the report frame (one row per theme and indicator), the
results it came from, the ranked highlights and the comparison columns (the authority's
financial years, the published benchmarks). The terminal, Markdown, HTML and Excel views
only render it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from csc_perf.definitions.model import Definitions
from csc_perf.methods.benchmarks import benchmark_year_expr
from csc_perf.methods.highlights import Highlight, build_highlights
from csc_perf.methods.matrix import spc_matrix
from csc_perf.model.calendar import add_months

#: The columns of the report frame after the month columns.
REPORT_COLUMNS = (
    "target",
    "target_low",
    "target_high",
    "rag",
    "direction",
    "spc_variation",
    "spc_assurance",
    "unit",
    "decimals",
    "spc_note",
    "suppressed",
)


@dataclass(frozen=True)
class Report:
    """The report for one authority and month.

    ``frame`` has ``theme, indicator, name``, one column per month of ``months`` (ISO
    labels, ``2024-10``), then :data:`REPORT_COLUMNS`, then the comparison columns
    (``fy_2023_24``, ``la_…``, ``sn_…``, ``region_…``, ``england_…``) and ``revised`` when
    asked for. ``comparisons`` pairs each comparison column with its header in the seed's
    wording. ``results`` is the results frame the report came from (every stored month up
    to ``month``: suppressed cells, the charts' series, the Results sheet). ``matrix`` is
    the month's SPC summary matrix of the indicators shown
    (:func:`~csc_perf.methods.matrix.spc_matrix`)."""

    definitions: Definitions
    authority: str
    month: date
    months: tuple[date, ...]
    frame: pl.DataFrame
    results: pl.DataFrame
    highlights: tuple[Highlight, ...]
    comparisons: tuple[tuple[str, str], ...] = ()
    matrix: pl.DataFrame | None = None

    @property
    def themes(self) -> list:
        """The definitions' themes that have a row in the report, in order."""
        shown = set(self.frame.get_column("theme").to_list()) if self.frame.height else set()
        return [t for t in self.definitions.themes if t.id in shown]

    def theme_rows(self, theme_id: str) -> list[dict]:
        """The report rows of one theme, as dicts."""
        return list(self.frame.filter(pl.col("theme") == theme_id).iter_rows(named=True))

    def theme_highlights(self, theme_id: str, top: int | None = None) -> list[Highlight]:
        """The theme's highlights, most important first (the first ``top``)."""
        mine = [h for h in self.highlights if h.theme == theme_id]
        return mine if top is None else mine[:top]

    # The writers load when a format is asked for: a `rag` run, which builds no report,
    # never pays for xlsxwriter (start-up is part of the speed budget, see benchmarks/).
    def to_markdown(self) -> str:
        """The report as Markdown: a heading and a pipe table per theme."""
        from csc_perf.render import markdown

        return markdown.report_markdown(self)

    def to_html(self, title: str | None = None) -> str:
        """The report as one self-contained HTML document (text; encode it as UTF-8)."""
        from csc_perf.render import html

        return html.report_html(self, title=title)

    def to_xlsx(self, path: str | Path | None = None) -> bytes:
        """The report as the bytes of an .xlsx workbook; written to ``path`` if given."""
        from csc_perf.render import xlsx
        from csc_perf.render.files import write_file_atomically

        data = xlsx.report_xlsx(self)
        if path is not None:
            write_file_atomically(Path(path), data)
        return data

    def to_rich(self):
        """The report as Rich tables for a terminal."""
        from csc_perf.render import terminal_report

        return terminal_report.report_tables(self)


def report_months(month: date) -> list[date]:
    """The seed's columns: the same month two years back, then the last 13 months."""
    return [add_months(month, -24), *[add_months(month, k) for k in range(-12, 1)]]


def report_frame(results: pl.DataFrame, definitions: Definitions, month: date) -> pl.DataFrame:
    """The report's layout as data: per theme and indicator, one column per month (ISO
    labels), then target, RAG and direction of travel (against the previous month)."""
    months = report_months(month)
    current = results.filter(pl.col("month") == month)
    values = (
        results.filter(pl.col("month").is_in(months))
        .with_columns(pl.col("month").dt.strftime("%Y-%m").alias("label"))
        .pivot(on="label", index="indicator", values="value")
    )
    for m in months:
        label = m.strftime("%Y-%m")
        if label not in values.columns:
            values = values.with_columns(pl.lit(None, dtype=pl.Float64).alias(label))
    # Months whose figure is suppressed (shown as c), per indicator.
    hidden = (
        results.filter(pl.col("month").is_in(months) & (pl.col("status") == "suppressed"))
        .group_by("indicator")
        .agg(pl.col("month").dt.strftime("%Y-%m").sort().str.join(";").alias("suppressed"))
    )
    values = values.join(hidden, on="indicator", how="left")
    rows = [
        current.filter(pl.col("themes").str.split(";").list.contains(theme.id)).select(
            pl.lit(theme.id).alias("theme"),
            "indicator",
            "name",
            "unit",
            "decimals",
            "target",
            "target_low",
            "target_high",
            "rag",
            pl.col("direction_previous").alias("direction"),
            "spc_variation",
            "spc_assurance",
            "spc_note",
        )
        for theme in definitions.themes
    ]
    if not rows:
        return pl.DataFrame()
    frame = pl.concat(rows).join(values, on="indicator", how="left", maintain_order="left")
    return frame.select(
        "theme", "indicator", "name", *[m.strftime("%Y-%m") for m in months], *REPORT_COLUMNS
    )


def add_comparisons(
    frame: pl.DataFrame,
    results: pl.DataFrame,
    month: date,
    *,
    financial_years: pl.DataFrame | None = None,
    benchmarks: bool = False,
) -> pl.DataFrame:
    """The report frame with the seed's comparison columns: the authority's own financial
    years from its monthly figures (``fy_2022_23``, with ``fy_2022_23_partial``), and the
    published benchmarks (``la_``, ``sn_``, ``region_``, ``england_`` per year)."""
    ended = pl.DataFrame({"month": [month]}).select(benchmark_year_expr()).item()
    years = [ended - 1, ended]  # years ending 31 March: the two latest ended before the month

    def suffix(year_ending: int) -> str:
        return f"{year_ending - 1}_{year_ending % 100:02d}"

    if financial_years is not None:
        for year in years:
            part = financial_years.filter(pl.col("financial_year") == year - 1).select(
                "indicator",
                pl.col("value").alias(f"fy_{suffix(year)}"),
                pl.col("partial").alias(f"fy_{suffix(year)}_partial"),
            )
            frame = frame.join(part, on="indicator", how="left", maintain_order="left")
    if benchmarks:
        current = results.filter(pl.col("month") == month)
        for prefix, column in (
            ("la", "la_value"),
            ("sn", "sn_value"),
            ("region", "region_value"),
            ("england", "england_value"),
        ):
            picked = current.select(
                "indicator",
                pl.col(f"{column}_previous").alias(f"{prefix}_{suffix(years[0])}"),
                pl.col(column).alias(f"{prefix}_{suffix(years[1])}"),
            ).unique(subset=["indicator"])
            frame = frame.join(picked, on="indicator", how="left", maintain_order="left")
    return frame


_COMPARISON = re.compile(r"^(fy|la|sn|region|england)_(\d{4})_(\d{2})$")


def comparison_columns(
    frame: pl.DataFrame,
    authority_name: str = "",
    neighbour_average: str = "mean",
    region_name: str = "",
) -> list[tuple[str, str]]:
    """(column, header) of the comparison columns in a report frame, in the seed's wording;
    the neighbours' header says which average is shown (``23/24 Stat Neighbours (mean)``),
    the region's names the region when known (``South East 22/23``, else ``Region 22/23``)."""
    own = authority_name or "Own"
    words = {
        "fy": f"{own} {{y}} (own data)",
        "la": f"{own} {{y}}",
        "sn": f"{{y}} Stat Neighbours ({neighbour_average})",
        "region": f"{region_name or 'Region'} {{y}}",
        "england": "England {y}",
    }
    out = []
    for column in frame.columns:
        match = _COMPARISON.match(column)
        if match:
            year = f"{match.group(2)[2:]}/{match.group(3)}"
            out.append((column, words[match.group(1)].format(y=year)))
    return out


def build_report(
    results: pl.DataFrame,
    definitions: Definitions,
    month: date,
    *,
    authority: str | None = None,
    themes: list[str] | None = None,
    financial_years: pl.DataFrame | None = None,
    benchmarks: bool = False,
    revised: pl.DataFrame | None = None,
    region_name: str = "",
) -> Report:
    """The :class:`Report` from a results frame (every month up to ``month``). ``themes``
    keeps only those themes; ``financial_years`` (from
    :func:`~csc_perf.methods.financial_years.financial_year_values`, one authority) and
    ``benchmarks`` add the comparison columns; ``revised`` (``indicator, revised``) marks
    figures revised since an earlier version; ``region_name`` heads the region's columns."""
    frame = report_frame(results, definitions, month)
    if themes:
        frame = frame.filter(pl.col("theme").is_in(themes))
    if financial_years is not None or benchmarks:
        frame = add_comparisons(
            frame, results, month, financial_years=financial_years, benchmarks=benchmarks
        )
    if revised is not None:
        frame = frame.join(revised, on="indicator", how="left", maintain_order="left")
    shown = frame.get_column("indicator").unique().to_list() if frame.height else []
    current = results.filter((pl.col("month") == month) & pl.col("indicator").is_in(shown))
    return Report(
        definitions=definitions,
        authority=authority or definitions.workspace.authority,
        month=month,
        months=tuple(report_months(month)),
        frame=frame,
        results=results,
        highlights=tuple(build_highlights(results, definitions, month)),
        comparisons=tuple(
            comparison_columns(
                frame,
                definitions.workspace.authority_name,
                definitions.benchmarks.get("average", "mean"),
                region_name,
            )
        ),
        matrix=spc_matrix(current),
    )
