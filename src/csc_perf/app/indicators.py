"""The indicator definitions as a table (``csc-perf indicators``), checking a definitions
file (``csc-perf indicators --check``), adding an alias to it (``--add-alias``) and its
JSON Schema (``--schema``)."""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from csc_perf.definitions.loading import load_definitions, parse_definitions
from csc_perf.definitions.model import Definitions, Indicator
from csc_perf.definitions.schema import shipped_schema_text
from csc_perf.errors import DefinitionsError, UsageError
from csc_perf.render.files import write_file_atomically

#: Control characters (tab, newline, ESC ...): an alias typed on the command line is one line
#: of plain text. (``--check`` lets a file's names hold them: every view shows them inertly,
#: and tests/test_inert_text.py loads such names to prove it.)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")

#: The columns of :func:`definitions_frame`, one row per indicator.
DEFINITIONS_SCHEMA = {
    "id": pl.String,
    "name": pl.String,
    "theme": pl.String,
    "unit": pl.String,
    "measure": pl.String,
    "polarity": pl.String,
    "target": pl.String,
    "amber": pl.String,
    "valid_min": pl.Float64,
    "valid_max": pl.Float64,
    "decimals": pl.Int64,
    "required": pl.Boolean,
    "aliases": pl.String,
}


def check_definitions(path: str | Path) -> Definitions:
    """The definitions in ``path``, checked. Raises
    :class:`~csc_perf.errors.DefinitionsError` listing every problem (see
    :func:`problems_frame`) and :class:`~csc_perf.errors.ConfigError` when there is no file."""
    return load_definitions(path)


def definitions_schema_text() -> str:
    """The JSON Schema of ``indicators.toml`` shipped with csc-perf, as JSON text (the
    file ``indicators.schema.json`` that ``csc-perf init`` writes beside a new workspace's
    definitions)."""
    return shipped_schema_text()


def problems_frame(error: DefinitionsError) -> pl.DataFrame:
    """The problems of a definitions file, one row each: key path, message, line."""
    return pl.DataFrame(
        [p.as_dict() for p in error.problems],
        schema={"path": pl.String, "message": pl.String, "line": pl.Int64},
        orient="row",
    )


def definitions_frame(definitions: Definitions, theme: str | None = None) -> pl.DataFrame:
    """One row per indicator (of ``theme`` when given): id, name, themes, unit, measure,
    polarity, targets, amber rule, valid range, decimals, required, aliases
    (:data:`DEFINITIONS_SCHEMA`). Raises :class:`UsageError` for an unknown theme."""
    rows = [_definition_row(i) for i in definitions.indicators]
    frame = pl.DataFrame(rows, schema=DEFINITIONS_SCHEMA, orient="row")
    if theme is None:
        return frame
    if theme not in {t.id for t in definitions.themes}:
        known = ", ".join(t.id for t in definitions.themes)
        raise UsageError(f"unknown theme {theme!r}; themes: {known}")
    return frame.filter(pl.col("theme").str.split(";").list.contains(theme))


def _definition_row(indicator: Indicator) -> dict:
    return {
        "id": indicator.id,
        "name": indicator.name,
        "theme": ";".join(indicator.themes),
        "unit": indicator.unit,
        "measure": indicator.measure,
        "polarity": indicator.polarity,
        "target": _target_text(indicator),
        "amber": (
            None if indicator.amber is None else f"{indicator.amber.kind} {indicator.amber.value:g}"
        ),
        "valid_min": indicator.valid_min,
        "valid_max": indicator.valid_max,
        "decimals": indicator.decimals,
        "required": indicator.required,
        "aliases": ";".join(indicator.aliases),
    }


def _target_text(indicator: Indicator) -> str | None:
    """The targets as ``95``, ``10-20`` or ``90 from 2024-04``, ``;``-separated."""
    parts = []
    for t in indicator.targets:
        value = f"{t.low:g}-{t.high:g}" if t.value is None else f"{t.value:g}"
        parts.append(value if t.from_month is None else f"{value} from {t.from_month:%Y-%m}")
    return "; ".join(parts) or None


@dataclass(frozen=True)
class AliasAdded:
    """What :func:`add_alias` did: ``added`` is False when ``alias`` already named
    ``indicator`` (the file is left as it was)."""

    path: Path
    indicator: str
    alias: str
    added: bool


def add_alias(path: str | Path, indicator_id: str, alias: str) -> AliasAdded:
    """Add ``alias`` to the ``aliases`` of the indicator ``indicator_id`` in the definitions
    file ``path``, so an extract's row label matches it from now on.

    Only that line changes (an ``aliases`` line is added after ``name`` when there is none):
    every comment, blank line and the layout stay byte for byte (tomlkit keeps them); the
    file is replaced atomically, keeping its mode (and owner where allowed), and only when
    the result still loads. Raises :class:`UsageError` for an unknown id, a blank alias, one
    with a control character or one that already names another indicator, a file without
    write permission (its mode, not who runs: root may write anything) or one that cannot
    be written; :class:`DefinitionsError` when the file has problems to fix first."""
    path = Path(path)
    definitions = load_definitions(path)
    alias = alias.strip()
    if not alias:
        raise UsageError("--add-alias: the alias is blank")
    if CONTROL_CHARACTERS.search(alias):
        raise UsageError(
            f"--add-alias: {alias!r} contains a control character (a tab, a newline, ESC "
            "...); an alias is one line of plain text"
        )
    if not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise UsageError(
            f"--add-alias: {path} is read-only; left as it is",
            hint=f"make it writable first (chmod u+w {path.name}) if it should change",
        )
    try:
        indicator = definitions[indicator_id]
    except KeyError:
        suggestions = definitions.suggest(indicator_id)
        raise UsageError(
            f"--add-alias: {path} has no indicator with id {indicator_id!r}",
            hint=(
                "did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
                if suggestions
                else "`csc-perf indicators` lists the ids"
            ),
        ) from None
    named = definitions.match(alias)
    if named is not None and named.id != indicator.id:
        raise UsageError(
            f"--add-alias: {alias!r} already names the indicator {named.id!r} "
            f"({named.name!r}); an alias can name only one indicator",
            hint=f"remove it from {named.id!r} first if it belongs to {indicator.id!r}",
        )
    if named is not None:
        return AliasAdded(path, indicator.id, alias, added=False)
    raw = path.read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    text = _with_alias(raw[len(bom) :].decode("utf-8"), indicator.id, alias)
    parse_definitions(text, source=str(path))  # never write a file that no longer loads
    try:
        write_file_atomically(path, bom + text.encode("utf-8"), keep_mode=True)
    except OSError as exc:  # name the file the analyst knows, not the temporary one
        raise UsageError(f"--add-alias: cannot write {path}: {exc.strerror or exc}") from None
    return AliasAdded(path, indicator.id, alias, added=True)


def _with_alias(text: str, indicator_id: str, alias: str) -> str:
    """The TOML ``text`` with ``alias`` appended to that indicator's ``aliases``."""
    # Imported here, not at the top: tomlkit costs about 30 ms of start-up that every
    # command would pay for the one that edits indicators.toml (issue 15).
    import tomlkit

    document = tomlkit.parse(text)
    for table in document.get("indicator", []):
        if table.get("id") != indicator_id:
            continue
        if "aliases" in table:
            table["aliases"].append(alias)
        else:
            # After `name`, where the shipped file keeps them (tomlkit has no public insert;
            # should its private one go, the line goes at the table's end, still valid).
            insert_after = getattr(table.value, "_insert_after", None)
            if insert_after is None:
                table.add("aliases", [alias])
            else:
                insert_after("name", "aliases", [alias])
            # The new line ends as the file's lines do (CRLF from Windows Notepad).
            table["aliases"].trivia.trail = "\r\n" if "\r\n" in text else "\n"
        return document.as_string()
    raise UsageError(f"--add-alias: no [[indicator]] with id = {indicator_id!r} in the file")
