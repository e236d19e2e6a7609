"""Where each row of a DfE EES file belongs: its geographic level and authority.

``geographic_level`` is compared without case or spaces; a level not known is refused, and
finer levels (:data:`NOT_STORED_LEVELS`) are skipped with a count. A local authority is its
``old_la_code`` or else its ``new_la_code``; ``time_identifier``, where present, must mean
the year ending 31 March (:data:`MARCH_YEARS`). See :func:`resolve_geography`.
"""

from __future__ import annotations

import polars as pl

from csc_perf.errors import ExtractReadError
from csc_perf.model.authorities import normalise_authority

NATIONAL = "E92000001"
#: ``geographic_level`` (compared without case or extra spaces) -> the level stored.
LEVEL_KEYS = {"national": "national", "regional": "region", "local authority": "la"}
#: Levels DfE files may hold that csc-perf deliberately does not store (they are finer or
#: other than an authority): their rows are skipped with a warning giving the count.
NOT_STORED_LEVELS = (
    "local authority district",
    "parliamentary constituency",
    "ward",
    "local enterprise partnership",
    "mayoral combined authority",
    "english devolved area",
    "local skills improvement plan area",
    "opportunity area",
    "rsc region",
    "planning area",
    "police force area",
    "school",
    "provider",
    "institution",
    "mat",
    "sponsor",
)
#: ``time_identifier`` values (without case) that mean the year ending 31 March.
MARCH_YEARS = ("reporting year", "financial year")
LEVEL_HINT = (
    "geographic_level must be National, Regional or Local authority; correct the cell or "
    "remove the row"
)
LA_CODE_HINT = (
    "give the row its LA number in old_la_code (e.g. 852) or its ONS code in new_la_code "
    "(e.g. E06000045), or remove the row"
)


def comparable(expr: pl.Expr) -> pl.Expr:
    """Text compared without case or extra spaces."""
    return expr.str.strip_chars().str.to_lowercase().str.replace_all(r"\s+", " ")


def resolve_geography(
    frame: pl.DataFrame,
    name: str,
    *,
    row: str = "_row",
    annual: tuple[str, ...] = MARCH_YEARS,
    joint: bool = True,
) -> tuple[pl.DataFrame, list[dict], dict[str, int]]:
    """Each row's stored level (``_level``) and authority (``_authority``).

    Returns the rows that are stored, the problems (``{"code", "message", "row", "column",
    "cell", "hint"}``: a level csc-perf does not know, a local-authority row without a
    readable code, a ``time_identifier`` that is not ``annual``) and the count of rows
    skipped (``{"geographic_level 'Ward'": 3}``). A local authority is its ``old_la_code``
    or, when that is blank or absent, its ``new_la_code`` (an ONS code, stored as the LA
    number); never the workspace's authority. A joint return of two authorities (DfE's
    ``940 / 941``, North and West Northamptonshire) is kept as ``940 / 941`` when ``joint``
    (a benchmark) and otherwise skipped and counted (it is not one authority's figure).
    """

    def col(name: str) -> pl.Expr:
        return pl.col(name) if name in frame.columns else pl.lit(None, dtype=pl.String)

    problems: list[dict] = []
    key = comparable(pl.col("geographic_level").fill_null(""))
    frame = frame.with_columns(
        key.replace_strict(LEVEL_KEYS, default=None).alias("_level"), key.alias("_level_key")
    )

    def refuse(rows: pl.DataFrame, column: str, code: str, what, hint: str) -> None:
        for group in (
            rows.group_by(column, maintain_order=True)
            .agg(pl.col(row).first(), pl.len().alias("_count"))
            .iter_rows(named=True)
        ):
            more = group["_count"] - 1
            problems.append(
                {
                    "code": code,
                    "message": what(group[column])
                    + (f" (and {more} more row{'s' if more > 1 else ''})" if more else ""),
                    "row": group[row],
                    "column": column,
                    "cell": group[column],
                    "hint": hint,
                }
            )

    unknown = frame.filter(
        pl.col("_level").is_null() & ~pl.col("_level_key").is_in(NOT_STORED_LEVELS)
    )
    refuse(
        unknown,
        "geographic_level",
        "authority-invalid",
        lambda v: f"geographic_level {v!r} is not a level csc-perf reads",
        LEVEL_HINT,
    )
    skipped = {
        f"geographic_level {level!r}": count
        for level, count in frame.filter(pl.col("_level_key").is_in(NOT_STORED_LEVELS))
        .group_by("geographic_level", maintain_order=True)
        .len()
        .iter_rows()
    }
    frame = frame.filter(pl.col("_level").is_not_null())
    if "time_identifier" in frame.columns:
        other = frame.filter(~comparable(pl.col("time_identifier").fill_null("")).is_in(annual))
        refuse(
            other,
            "time_identifier",
            "month-unparseable",
            lambda v: f"time_identifier {v!r} is not a year ending 31 March",
            "csc-perf stores annual DfE figures for the year ending 31 March (time_identifier "
            + " or ".join(repr(a.capitalize()) for a in annual)
            + "); download the annual file",
        )
        frame = frame.join(other.select(row), on=row, how="anti")
    la = frame.filter(pl.col("_level") == "la")
    if la.height and "old_la_code" not in frame.columns and "new_la_code" not in frame.columns:
        raise ExtractReadError(
            f"{name}: local-authority rows but no old_la_code or new_la_code column",
            code="header-missing",
            file=name,
            hint="download the tidy CSV again: it names each authority in old_la_code",
        )

    def codes(column: str) -> pl.Series:
        if column not in frame.columns:
            return pl.Series([None] * frame.height, dtype=pl.String)
        texts = frame.get_column(column).str.strip_chars()
        mapping = {}
        for text in texts.unique().drop_nulls().to_list():
            parts = [normalise_authority(p) for p in text.split("/")]
            mapping[text] = (
                normalise_authority(text)
                if len(parts) < 2
                else " / ".join(parts)
                if all(parts)
                else None
            )
        return texts.replace_strict(mapping, default=None, return_dtype=pl.String)

    old, new = codes("old_la_code"), codes("new_la_code")
    frame = frame.with_columns(
        old.alias("_old"),
        new.alias("_new"),
        col("old_la_code").alias("_old_text"),
        col("new_la_code").alias("_new_text"),
    )
    given = pl.col("_old_text").fill_null("").str.strip_chars().str.len_chars() > 0
    bad = frame.filter(
        (pl.col("_level") == "la")
        & ((given & pl.col("_old").is_null()) | (~given & pl.col("_new").is_null()))
    )
    if bad.height:
        bad = bad.with_columns(
            pl.when(given).then(pl.col("_old_text")).otherwise(pl.col("_new_text")).alias("_code")
        )
        column = "old_la_code" if "old_la_code" in frame.columns else "new_la_code"
        refuse(
            bad.with_columns(pl.col("_code").fill_null("").alias(column)),
            column,
            "authority-invalid",
            lambda v: (
                f"{v!r} is not an authority code"
                if v
                else "a Local authority row without an authority code (old_la_code and "
                "new_la_code are blank)"
            ),
            LA_CODE_HINT,
        )
        frame = frame.join(bad.select(row), on=row, how="anti")
    if not joint:
        pair = frame.filter(
            (pl.col("_level") == "la") & pl.coalesce("_old", "_new").str.contains("/")
        )
        for code, count in pair.group_by("_old_text", maintain_order=True).len().iter_rows():
            skipped[f"joint return {code!r} (not one authority's figure)"] = count
        frame = frame.join(pair.select(row), on=row, how="anti")
    frame = frame.with_columns(
        pl.when(pl.col("_level") == "la")
        .then(pl.coalesce("_old", "_new"))
        .when(pl.col("_level") == "region")
        .then(col("region_code"))
        .when(pl.col("_level") == "national")
        .then(pl.coalesce(col("country_code"), pl.lit(NATIONAL)))
        .alias("_authority"),
        pl.when(pl.col("_level") == "la")
        .then(col("la_name"))
        .when(pl.col("_level") == "region")
        .then(col("region_name"))
        .otherwise(pl.coalesce(col("country_name"), pl.lit("England")))
        .alias("_name"),
        col("region_code").alias("_region_code"),
    )
    problems.sort(key=lambda p: p["row"])
    return frame, problems, skipped


def raise_first(problems: list[dict], name: str) -> None:
    """Refuse a file with the first of its ``problems`` (the others are counted)."""
    if not problems:
        return
    first = problems[0]
    more = len(problems) - 1
    raise ExtractReadError(
        f"{name}, row {first['row']}, column {first['column']!r}: {first['message']}"
        + (f"; and {more} more problem{'s' if more > 1 else ''}" if more else ""),
        code=first["code"],
        file=name,
        row=first["row"],
        hint=first.get("hint"),
    )


def skipped_warning(name: str, skipped: dict[str, int]) -> str | None:
    """A warning naming the levels whose rows were skipped, with counts, or None."""
    if not skipped:
        return None
    parts = ", ".join(f"{n} row{'s' if n > 1 else ''} at {level}" for level, n in skipped.items())
    return (
        f"{name}: {parts} not stored (csc-perf stores National, Regional and Local authority "
        "rows only)"
    )


def geography(frame: pl.DataFrame, name: str) -> tuple[pl.DataFrame, dict[str, int]]:
    """The rows :func:`resolve_geography` stores and the counts skipped; raises
    :class:`ExtractReadError` for the first problem."""
    rows, problems, skipped = resolve_geography(frame, name)
    raise_first(problems, name)
    return rows, skipped
