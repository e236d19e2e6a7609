"""Reading the names in extract cells: authority codes and indicator names, with the checks
on them (``authority-invalid``, ``indicator-unknown``, and ``header-duplicate`` for two
indicator columns that disagree on a row)."""

from __future__ import annotations

import shlex

import polars as pl

from csc_perf.definitions.model import Definitions, normalise_name
from csc_perf.ingest.checks.places import first_of_each
from csc_perf.ingest.report import ERROR, Issue, clip
from csc_perf.ingest.shapes import TableCells
from csc_perf.model.authorities import HINT as AUTHORITY_HINT
from csc_perf.model.authorities import normalise_authority


def read_authorities(cells: pl.DataFrame, authority: str) -> pl.DataFrame:
    """``cells`` with ``authority_text`` in stored form (852, not 852.0 or 0852), a blank
    being ``authority``; where a text is not an authority code it is null, and the text is
    kept in ``_authority_given`` for :func:`authority_invalid`.

    Each distinct text is read once; a file whose codes are all in stored form (a national
    file of 153 authorities, millions of rows) costs one ``unique`` and no rewrite (and gets
    no ``_authority_given``)."""
    texts = cells.get_column("authority_text").unique().to_list()
    codes = {t: normalise_authority(t) for t in texts if t}
    if all(t and codes[t] == t for t in texts):
        return cells
    given = pl.when(pl.col("authority_text").str.len_chars() > 0).then(pl.col("authority_text"))
    return cells.with_columns(given.alias("_authority_given")).with_columns(
        pl.when(pl.col("_authority_given").is_null())
        .then(pl.lit(authority))
        .otherwise(
            pl.col("_authority_given").replace_strict(codes, default=None, return_dtype=pl.String)
        )
        .alias("authority_text")
    )


def authority_invalid(cells: pl.DataFrame) -> list[Issue]:
    """``authority-invalid``: an authority cell that is not a code, once per text and sheet
    (``cells`` as :func:`read_authorities` returns them)."""
    if "_authority_given" not in cells.columns:
        return []
    bad = cells.filter(
        pl.col("_authority_given").is_not_null() & pl.col("authority_text").is_null()
    )
    issues = []
    for group in first_of_each(bad, ["file", "sheet", "_authority_given"]):
        text = group["_authority_given"]
        column = group["authority_column"] or "authority"
        issues.append(
            Issue.at(
                "authority-invalid",
                ERROR,
                f"{clip(text)!r} is not an authority code{group['_more']}; {AUTHORITY_HINT}",
                file=group["file"],
                sheet=group["sheet"],
                row=group["row"],
                column=column,
                cell=clip(text),
                column_shown=True,
            )
        )
    return issues


def read_indicators(cells: pl.DataFrame, definitions: Definitions) -> pl.DataFrame:
    """``cells`` with ``indicator``: the id ``indicator_text`` names (by id, name or alias,
    ignoring case and runs of spaces), null when it names none.

    Each distinct text is read once; when every text is an id as it is (a national file),
    the column is the texts themselves, not a rewrite of millions of them."""
    lookup = definitions.lookup_table()
    texts = cells.get_column("indicator_text").drop_nulls().unique().to_list()
    matched = {t: lookup.get(normalise_name(t)) for t in texts}
    if all(matched[t] == t for t in texts):
        return cells.with_columns(pl.col("indicator_text").alias("indicator"))
    return cells.with_columns(
        pl.col("indicator_text")
        .replace_strict(matched, default=None, return_dtype=pl.String)
        .alias("indicator")
    )


def indicator_unknown(cells: pl.DataFrame, definitions: Definitions) -> list[Issue]:
    """``indicator-unknown``: a row whose indicator text names no indicator (or is blank),
    once per text and sheet, with the names it may have meant."""
    issues = []
    unknown = cells.filter(pl.col("indicator").is_null())
    for group in first_of_each(unknown, ["file", "sheet", "indicator_text"]):
        text = group["indicator_text"]
        if not text:
            detail = "the row has figures but no indicator name"
        else:
            detail = f"unknown indicator {text!r}{group['_more']}{_unknown_hint(text, definitions)}"
        issues.append(
            Issue.at(
                "indicator-unknown",
                ERROR,
                detail,
                file=group["file"],
                sheet=group["sheet"],
                row=group["row"],
                column=None,
                cell=text,
            )
        )
    return issues


def _unknown_hint(text: str, definitions: Definitions) -> str:
    """What an unknown indicator text may have meant, and how to make the best guess stick:
    the alias to add, and the command that adds it."""
    suggestions = definitions.suggest(text)
    if not suggestions:
        return "; add it to indicators.toml (as a new indicator or an alias)"
    best = definitions.match(suggestions[0])
    guessed = " or ".join(repr(s) for s in suggestions)
    if best is None:  # pragma: no cover - a suggestion is always an id or a name
        return f"; did you mean {guessed}?"
    return (
        f"; did you mean {guessed}? If {suggestions[0]!r}, make it stick: add {text!r} to "
        f"`aliases` of `{best.id}` in indicators.toml, or run "
        f"csc-perf indicators --add-alias {best.id} {shell_quoted(text)}"
    )


def shell_quoted(text: str) -> str:
    """``text`` as one shell word a user can paste: in single quotes, or double quotes for
    a text with an apostrophe (children's) and nothing a shell expands."""
    if "'" in text and not any(c in text for c in '"$`\\!'):
        return f'"{text}"'
    return shlex.quote(text)


def indicator_disagreements(
    cells: TableCells, file: str, sheet: str | None, definitions: Definitions
) -> list[Issue]:
    """``header-duplicate``: a row whose indicator column and a second one (Indicator and ID)
    name two different indicators: only the first is read, so the figure could be filed
    under the wrong one. Texts that name no indicator (a local reference, a description)
    are not compared."""
    others = cells.other_indicators
    if others is None or others.height == 0:
        return []
    lookup = definitions.lookup_table()
    texts = pl.concat([others.get_column("indicator_text"), others.get_column("other_text")])
    matched = {t: lookup.get(normalise_name(t)) for t in texts.drop_nulls().unique().to_list()}

    def resolve(name: str) -> pl.Expr:
        return pl.col(name).replace_strict(matched, default=None, return_dtype=pl.String)

    differ = (
        others.with_columns(
            resolve("indicator_text").alias("_a"), resolve("other_text").alias("_b")
        )
        .filter(
            pl.col("_a").is_not_null() & pl.col("_b").is_not_null() & (pl.col("_a") != pl.col("_b"))
        )
        .sort("row")
    )
    issues = []
    for row in differ.iter_rows(named=True):
        issues.append(
            Issue.at(
                "header-duplicate",
                ERROR,
                f"the indicator column says {clip(row['indicator_text'])!r} "
                f"({row['_a']}) but column {row['column']!r} says {clip(row['other_text'])!r} "
                f"({row['_b']}); only one is read: correct the row, or skip column "
                f"{row['column']!r} on purpose with --ignore-column {row['column']!r}",
                file=file,
                sheet=sheet,
                row=row["row"],
                column=row["column"],
                cell=clip(row["other_text"]),
            )
        )
    return issues
