"""Where each row of a LAIT long file belongs: its level, authority and region.

``LA Number`` says where a row belongs: an authority's DfE LA number (852 Southampton; one
of :func:`~csc_perf.model.authorities.la_number_names`, which holds LAIT's historical
authorities too, e.g. 837 ``Bournemouth (Pre LG)``), or an ONS code (``E06000045``, read as
the EES path reads it), or LAIT's own numbers for England (970) and the regions (980-990,
:data:`LAIT_AREA_NUMBERS`). A row without ``LA Number`` is England or a region by its ``LA and
Regions`` name; any other row without one is refused, as is a number that is not whole or
not a known authority, a name that contradicts the number, and an authority's ``Region``
that is not one of England's nine regions (or LAIT's ``Inner London`` / ``Outer London``).
London's halves (987, 988) are not a level csc-perf stores: skipped and counted. Each
distinct (number, name, region) is read once, so the 600,000-row file costs 170 look-ups.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

import polars as pl

from csc_perf.errors import ExtractReadError
from csc_perf.ingest.ees_geography import NATIONAL
from csc_perf.model.authorities import la_number_names, normalise_authority

#: LAIT region names (compared without case or extra spaces) -> ONS region codes, as EES
#: files give them; an authority's ``Region`` may also be LAIT's half of London.
REGION_CODES = {
    "north east": "E12000001",
    "north west": "E12000002",
    "yorkshire and the humber": "E12000003",
    "east midlands": "E12000004",
    "west midlands": "E12000005",
    "east of england": "E12000006",
    "london": "E12000007",
    "south east": "E12000008",
    "south west": "E12000009",
}
AUTHORITY_REGIONS = {**REGION_CODES, "inner london": "E12000007", "outer london": "E12000007"}
#: LAIT's ``LA Number`` of England and of each region, with the area's name.
LAIT_AREA_NUMBERS = {
    970: "england",
    **{980 + i: region for i, region in enumerate(list(REGION_CODES)[:6])},
    986: "london",
    987: "london (inner)",
    988: "london (outer)",
    989: "south east",
    990: "south west",
}
#: Areas LAIT gives that are not a level csc-perf stores (London's halves).
NOT_STORED_AREAS = ("london (inner)", "london (outer)")
HINT = (
    "give each row its LA Number (e.g. 852; 970 England, 980-990 the regions, as LAIT "
    "numbers them), the authority's name in LA and Regions and its region in Region, as "
    "LAIT's download has them; or remove the row"
)
_WHOLE = re.compile(r"^0*(\d+)(?:\.0*)?$")
_NUMBER = re.compile(r"^[+-]?\d*\.?\d+$")
#: Words a council's name may carry or lack (``Bedford Borough``, ``County Durham``,
#: ``Herefordshire, County of``, ``Dorset (Pre LG)``) without naming another council.
_NAME_NOISE = {"borough", "city", "county", "council", "of", "the", "pre", "lg", "royal"}


class Place(NamedTuple):
    """Where a row belongs, or why it belongs nowhere (``problem``)."""

    level: str | None = None
    authority: str | None = None
    region_code: str | None = None
    problem: str | None = None


def _key(text: str | None) -> str:
    return " ".join((text or "").lower().split())


def _name_key(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and ")).split()
    return " ".join(w for w in words if w not in _NAME_NOISE)


def place(number: str | None, area: str | None, region: str | None) -> Place:
    """Where a row with this ``LA Number``, ``LA and Regions`` and ``Region`` belongs."""
    number, name = (number or "").strip(), _key(area)
    if not number:
        if name == "england":
            return Place("national", NATIONAL)
        if name in REGION_CODES:
            return Place("region", REGION_CODES[name], REGION_CODES[name])
        if name in NOT_STORED_AREAS:
            return Place("skip")
        given = f" (LA and Regions {area!r})" if name else ""
        return Place(problem=f"column 'LA Number' is blank{given}: no authority, region or England")
    whole = _WHOLE.match(number)
    if whole and int(whole.group(1)) in LAIT_AREA_NUMBERS:
        expected = LAIT_AREA_NUMBERS[int(whole.group(1))]
        if name and name != expected:
            return _contradiction(area, number, expected.title())
        if expected == "england":
            return Place("national", NATIONAL)
        if expected in NOT_STORED_AREAS:
            return Place("skip")
        return Place("region", REGION_CODES[expected], REGION_CODES[expected])
    code = normalise_authority(whole.group(1) if whole else number)
    if code == NATIONAL or code in REGION_CODES.values():
        level = "national" if code == NATIONAL else "region"
        return Place(level, code, None if code == NATIONAL else code)
    names = la_number_names().get(code or "")
    if names is None:
        what = (
            "is not a known LA number"
            if whole or code
            else "is not a whole LA number"
            if _NUMBER.match(number)
            else "is not an LA number or ONS code"
        )
        return Place(problem=f"column 'LA Number': {number!r} {what}")
    if name and _name_key(area or "") not in {_name_key(n) for n in names}:
        return _contradiction(area, number, names[0])
    region_code = AUTHORITY_REGIONS.get(_key(region))
    if region_code is None:
        given = f"{region!r} is not one of England's nine regions" if region else "is blank"
        return Place(problem=f"column 'Region' (LA Number {code}): {given}")
    return Place("la", code, region_code)


def _contradiction(area: str | None, number: str, expected: str) -> Place:
    return Place(
        problem=f"column 'LA and Regions': {area!r} contradicts LA Number {number!r} ({expected})"
    )


def with_areas(rows: pl.DataFrame, name: str, note: Callable[[str], None]) -> pl.DataFrame:
    """``rows`` (from :func:`~csc_perf.ingest.lait.read_lait`) with ``level``,
    ``authority``, ``name`` and ``region_code``; London's halves skipped (counted in a
    ``note``). Raises :class:`ExtractReadError` (``authority-invalid``) naming the first row
    that belongs nowhere (see :func:`place`)."""
    key = ["_n", "_a", "_r"]
    rows = rows.with_columns(
        pl.col("la_number").fill_null("").alias("_n"),
        pl.col("area").fill_null("").alias("_a"),
        pl.col("region").fill_null("").alias("_r"),
    )
    distinct = rows.group_by(key).agg(pl.col("_row").min(), pl.len().alias("_count"))
    places = [place(n, a, r) for n, a, r in distinct.select(key).iter_rows()]
    distinct = distinct.with_columns(
        pl.Series("level", [p.level for p in places], dtype=pl.String),
        pl.Series("authority", [p.authority for p in places], dtype=pl.String),
        pl.Series("region_code", [p.region_code for p in places], dtype=pl.String),
        pl.Series("_problem", [p.problem for p in places], dtype=pl.String),
    )
    bad = distinct.filter(pl.col("_problem").is_not_null()).sort("_row")
    refuse(bad, name, lambda r: r["_problem"], "authority-invalid", HINT, bad["_count"].sum())
    skipped = distinct.filter(pl.col("level") == "skip")
    if skipped.height:
        areas = ", ".join(sorted(skipped.get_column("_a").unique().to_list()))
        count = skipped.get_column("_count").sum()
        note(f"{name}: {count} rows of {areas} not stored (not a region csc-perf stores)")
    return (
        rows.join(distinct.drop("_row", "_count", "_problem"), on=key, how="left")
        .filter(pl.col("level") != "skip")
        .with_columns(pl.col("area").alias("name"))
        .drop(key)
    )


def refuse(
    bad: pl.DataFrame,
    name: str,
    what: Callable[[dict], str],
    code: str,
    hint: str,
    rows: int | None = None,
) -> None:
    """Refuse the file for the first of the ``bad`` rows (``what`` says what is wrong with
    it), counting the others (``rows`` of them in all, when each of ``bad`` stands for
    several)."""
    if not bad.height:
        return
    first = bad.row(0, named=True)
    others = (rows if rows is not None else bad.height) - 1
    more = f" (and {others} more row{'s' if others > 1 else ''})" if others > 0 else ""
    raise ExtractReadError(
        f"{name}, row {first['_row']}: {what(first)}{more}",
        code=code,
        file=name,
        row=first["_row"],
        hint=hint,
    )
