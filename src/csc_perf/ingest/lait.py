"""The DfE's Local Authority Interactive Tool (LAIT) long file, read as benchmarks.

LAIT's long download (``lait_bds_long.parquet``, or the CSV or Excel workbook LAIT offers)
has one row per measure, geography and period: ``Short Desc`` (the measure's code, e.g.
``CPP_rate``), ``Data item``, ``Years`` (mixed labels, read by
:mod:`csc_perf.ingest.lait_periods`), ``LA and Regions`` (the area's name), ``Values`` (text:
a figure, ``-`` for none, or a DfE symbol), ``LA Number`` and ``Region``. An indicator takes a
measure with ``benchmark = { lait = "CPP_rate" }``; only mapped measures are read (so a label
or value of a measure no indicator uses never stops an import).

Geography (:mod:`csc_perf.ingest.lait_areas`): ``LA Number`` is the authority (852
Southampton, or its ONS code), one csc-perf knows; 970 or ``England`` is England; the nine
regions (980-990, or by name) are stored under their ONS region codes, as EES files give
them (``South East`` -> E12000008), and each authority's ``Region`` likewise (``Inner
London`` and ``Outer London`` are London, E12000007). LAIT's ``London (Inner)`` and
``London (Outer)`` rows are not a region csc-perf stores: they are skipped and counted.
A row that belongs nowhere is refused, never dropped.
Values: ``-``, ``x``, ``z``, ``:``, ``..`` and blank are missing, ``c``, ``u``, ``k`` and
``low`` suppressed: never a zero. The work is vectorised (Polars over the whole file): the
600,000-row file is read in about a second.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from csc_perf.definitions.formulas import to_expr
from csc_perf.definitions.model import BenchmarkSource, Definitions
from csc_perf.errors import ExtractReadError
from csc_perf.ingest.ees import (
    check_conflicts,
    check_figures,
    check_readable,
    measure_values,
    read_ees_text,
)
from csc_perf.ingest.ees_reference import BENCHMARK_SCHEMA
from csc_perf.ingest.grid import SEMICOLON_HINT
from csc_perf.ingest.lait_areas import refuse, with_areas
from csc_perf.ingest.lait_periods import PERIOD_HINT, parse_lait_period
from csc_perf.methods.benchmarks import computed_figure

#: Progress of a long read: (what is being done, steps done, steps in all).
Progress = Callable[[str, int, int], None]

#: LAIT's column names (compared without case, spaces or underscores) -> the names used here.
COLUMNS = {
    "shortdesc": "measure",
    "years": "period",
    "laandregions": "area",
    "values": "value",
    "lanumber": "la_number",
    "region": "region",
}
#: The columns read, as LAIT spells them.
SPELLINGS = {
    "measure": "Short Desc",
    "period": "Years",
    "area": "LA and Regions",
    "value": "Values",
    "la_number": "LA Number",
    "region": "Region",
}
LAIT_SUFFIXES = (".parquet", ".xlsx", ".xlsm", ".csv", ".txt")
STEPS = ("reading", "measures", "periods", "areas", "values", "checks")


def _canonical(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def is_lait(path: Path) -> bool:
    """Whether ``path`` looks like a LAIT long file: a Parquet file, or a workbook or CSV
    whose header has LAIT's ``Short Desc`` column (an EES CSV has ``time_period``)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return True
    if suffix in (".xlsx", ".xlsm"):
        return True
    if suffix not in (".csv", ".txt"):
        return False
    try:
        with path.open("rb") as handle:
            head = handle.readline(65536)
    except OSError:
        return False
    return b"short desc" in head.lower() or b"short_desc" in head.lower()


def read_lait(path: str | Path, progress: Progress | None = None) -> pl.DataFrame:
    """A LAIT long file (Parquet, CSV or Excel) as text columns ``measure, period, area,
    value, la_number, region`` and ``_row`` (the spreadsheet row; a Parquet file's record
    number). Raises :class:`ExtractReadError` when it cannot be read or lacks LAIT's
    columns."""
    path = Path(path)
    name = str(path)
    if progress:
        progress("reading", 0, len(STEPS))
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame, first = pl.read_parquet(path), 1
        elif suffix in (".xlsx", ".xlsm"):
            frame, first = _read_workbook(path), 2
        else:
            frame, first = _read_csv(path), 2
    except ExtractReadError:
        raise
    except Exception as exc:
        raise ExtractReadError(
            f"{name}: not a readable LAIT file ({type(exc).__name__}: {str(exc)[:200]})",
            code="file-unreadable",
            file=name,
        ) from None
    renames = {c: COLUMNS[_canonical(c)] for c in frame.columns if _canonical(c) in COLUMNS}
    frame = frame.rename(renames)
    missing = [spelt for column, spelt in SPELLINGS.items() if column not in frame.columns]
    if missing:
        raise ExtractReadError(
            f"{name}: not a LAIT long file: no "
            + ", ".join(repr(c) for c in missing)
            + (" column" if len(missing) == 1 else " columns"),
            code="header-missing",
            file=name,
            hint="download LAIT's long data (" + ", ".join(SPELLINGS.values()) + ")",
        )
    return frame.select(
        pl.col(c).cast(pl.String) if c in frame.columns else pl.lit(None, dtype=pl.String).alias(c)
        for c in ("measure", "period", "area", "value", "la_number", "region")
    ).with_row_index("_row", offset=first)


def _read_csv(path: Path) -> pl.DataFrame:
    """A LAIT CSV download as text; refuses one whose header is split by semicolons (a
    spreadsheet saved in a European locale), which would otherwise fail mid-file."""
    text = read_ees_text(path)
    header = text.readline()
    text.seek(0)
    if header.count(";") >= 2 and header.count(";") > header.count(","):
        raise ExtractReadError(
            f"{path}: row 1: the header {header.strip()[:80]!r} is split by semicolons",
            code="header-missing",
            file=str(path),
            row=1,
            hint=SEMICOLON_HINT,
        )
    return pl.read_csv(text, infer_schema=False)


def _read_workbook(path: Path) -> pl.DataFrame:
    """The first worksheet of a LAIT workbook whose header has ``Short Desc``, as text."""
    sheets = pl.read_excel(path, sheet_id=0, engine="calamine", infer_schema_length=0)
    for frame in sheets.values():
        if "shortdesc" in {_canonical(c) for c in frame.columns}:
            return frame
    raise ExtractReadError(
        f"{path}: no worksheet has LAIT's 'Short Desc' column in its first row",
        code="header-missing",
        file=str(path),
        hint="benchmarks import reads DfE EES tidy CSV files, and LAIT's long data as "
        "Parquet, CSV or a workbook whose first row has Short Desc, Years, LA and Regions, "
        "Values",
    )


def lait_sources(definitions: Definitions) -> list[tuple[str, BenchmarkSource]]:
    """(indicator id, source) of each ``benchmark`` that is a LAIT measure or formula."""
    return [
        (indicator.id, source)
        for indicator in definitions.indicators
        for source in indicator.benchmark
        if source.kind in ("lait", "lait_formula")
    ]


def benchmarks_from_lait(
    frame: pl.DataFrame,
    definitions: Definitions,
    name: str = "the LAIT file",
    warnings: list[str] | None = None,
    progress: Progress | None = None,
) -> pl.DataFrame:
    """Long benchmark rows (as :func:`~csc_perf.ingest.ees_reference.benchmarks_from_ees`
    gives them) for every indicator whose ``benchmark`` is a LAIT measure of ``frame`` (from
    :func:`read_lait`), or a ``lait_formula`` over its measures. Raises
    :class:`ExtractReadError` for a used measure's period label that is ambiguous, an area
    that is not an authority, region or England, a value that is neither a figure nor a
    symbol, and two different figures for one area, year and measure."""

    def step(label: str) -> None:
        if progress:
            progress(label, STEPS.index(label), len(STEPS))

    note = warnings.append if warnings is not None else (lambda _: None)
    step("measures")
    sources = lait_sources(definitions)
    codes = sorted({code for _, source in sources for code in source.columns})
    rows = frame.with_columns(pl.col("measure").str.strip_chars()).filter(
        pl.col("measure").is_in(codes)
    )
    if rows.height == 0:
        return _empty()
    step("periods")
    rows = _with_periods(rows, name, note)
    step("areas")
    rows = with_areas(rows, name, note)
    step("values")
    value, status, unreadable = measure_values("value")
    text = pl.col("value").fill_null("").str.strip_chars()
    rows = rows.with_columns(
        value.alias("_value"),
        status.alias("status"),
        (unreadable & (text != "-")).alias("_unreadable"),
        pl.col("value").alias("_cell"),
    ).drop("value")
    rows = rows.rename({"_value": "value"})
    step("checks")
    check_readable(rows, name, "Values")
    check_figures(rows, name, "Values")
    key = ["authority", "level", "year", "measure"]
    # A revised (or final) figure replaces a plain one, a plain one a provisional one.
    rows = rows.filter(pl.col("_rank") == pl.col("_rank").max().over(key))
    check_conflicts(rows.with_columns(pl.lit("Values").alias("_column")), key, ["value"], name)
    rows = rows.unique(subset=key, keep="first", maintain_order=True)
    parts = [_indicator_rows(rows, indicator, source) for indicator, source in sources]
    if progress:
        progress("done", len(STEPS), len(STEPS))
    out = [p for p in parts if p is not None]
    return pl.concat(out) if out else _empty()


AREA = ["authority", "level", "name", "region_code", "year"]


def _indicator_rows(
    rows: pl.DataFrame, indicator: str, source: BenchmarkSource
) -> pl.DataFrame | None:
    """The figures of ``indicator`` from the measure rows: a LAIT measure's own, or its
    ``lait_formula`` computed per area and year (suppressed when an input is suppressed,
    missing when one is missing: never a zero)."""
    used = rows.filter(pl.col("measure").is_in(list(source.columns)))
    if used.height == 0:
        return None
    if source.lait:
        return used.select(*AREA, pl.lit(indicator).alias("indicator"), "value", "status")
    node = source.formula_node
    assert node is not None
    wide = used.pivot(on="measure", index=AREA, values=["value", "status"])
    names = source.columns

    def col(kind: str, code: str) -> pl.Expr:
        column = f"{kind}_{code}"
        return pl.col(column) if column in wide.columns else pl.lit(None, dtype=pl.String)

    statuses = [col("status", c).fill_null("missing") for c in names]
    wide = wide.with_columns(
        *[
            (pl.col(f"value_{c}") if f"value_{c}" in wide.columns else pl.lit(None)).alias(c)
            for c in names
        ],
    )
    computed = computed_figure(to_expr(node, annual=True))
    return wide.select(
        *AREA,
        pl.lit(indicator).alias("indicator"),
        pl.when(pl.all_horizontal([s == "present" for s in statuses]) & computed.is_finite())
        .then(computed)
        .alias("value"),
        pl.when(pl.any_horizontal([s == "suppressed" for s in statuses]))
        .then(pl.lit("suppressed"))
        .when(pl.all_horizontal([s == "present" for s in statuses]) & computed.is_finite())
        .then(pl.lit("present"))
        .otherwise(pl.lit("missing"))
        .alias("status"),
    )


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema={k: getattr(pl, v) for k, v in BENCHMARK_SCHEMA.items()})


def _with_periods(rows: pl.DataFrame, name: str, note: Callable[[str], None]) -> pl.DataFrame:
    """``rows`` with ``year`` and ``_rank`` from each distinct period label (a few dozen,
    read once each); refuses the first ambiguous one."""
    labels = rows.group_by("period").agg(
        pl.col("_row").min(), pl.col("measure").first(), pl.len().alias("_count")
    )
    read = {label: parse_lait_period(label or "") for label in labels.get_column("period")}
    bad = labels.filter(pl.Series([read[p] is None for p in labels.get_column("period")]))
    refuse(
        bad.sort("_row"),
        name,
        lambda r: (
            f"column 'Years': {r['period']!r} (measure {r['measure']}) is not a period "
            "csc-perf reads without guessing"
        ),
        "month-unparseable",
        PERIOD_HINT,
    )
    periods = pl.DataFrame(
        [(label, p.year, p.spans, p.rank) for label, p in read.items() if p is not None],
        schema={"period": pl.String, "year": pl.Int32, "_spans": pl.Int32, "_rank": pl.Int8},
        orient="row",
    )
    rows = rows.join(periods, on="period", how="left")
    spans = rows.filter(pl.col("_spans") > 1).group_by("measure").agg(pl.col("period").unique())
    for measure, labels in spans.sort("measure").iter_rows():
        note(
            f"{name}: {measure}: {', '.join(sorted(labels)[-3:])} each span several years; "
            "each is stored under its last year"
        )
    return rows
