"""The one rule for authority codes: every code that enters csc-perf goes through it.

An authority is stored as its DfE LA number, three digits (``852`` = Southampton), or, for
an area that has none (a region, England, an authority not in the DfE list), its ONS
9-character code upper-cased (``E12000008``, ``E92000001``). Accepted spellings:

* ``852``, `` 852 ``, ``0852``, ``852.0`` (an Excel round trip turns a code into a number)
  -> ``852``;
* ``E06000045`` or ``e06000045`` -> ``852``: an ONS code of a local authority in the DfE
  files (``data/la_codes.csv``) is stored as its LA number, so the same council is never
  two authorities; other well-formed ONS codes (``E12000008``) are kept, upper-cased.

Anything else (``Southampton``, ``85``, ``8520``, ``852.5``) is not an authority code: the
caller refuses it with the place and this hint.
"""

from __future__ import annotations

import csv
import io
import re
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

_LA_NUMBER = re.compile(r"^0*([1-9]\d{2})(?:\.0*)?$")
_ONS_CODE = re.compile(r"^[EeWwSsNn]\d{8}$")

HINT = "use the DfE LA number (e.g. 852) or the ONS code (e.g. E06000045)"


@lru_cache(maxsize=1)
def ons_to_la_number() -> dict[str, str]:
    """ONS code of each local authority in the DfE files -> its DfE LA number."""
    text = (resources.files("csc_perf") / "data" / "la_codes.csv").read_text(encoding="utf-8")
    return {row["new_la_code"]: row["old_la_code"] for row in csv.DictReader(io.StringIO(text))}


@lru_cache(maxsize=1)
def la_number_names() -> dict[str, tuple[str, ...]]:
    """Every DfE LA number csc-perf knows -> the names the DfE files give it (``852`` ->
    ``("Southampton",)``; North Yorkshire's ``815`` has one name under two ONS codes).

    The one list of known authorities: ``data/la_codes.csv``, every authority in the DfE
    children's social care files 2012 to 2025, so it holds authorities since reorganised
    (Bournemouth, Poole and Dorset 835-837 before 2019, Northamptonshire 928 before 2021,
    Cumbria 909 before 2023) as well as today's 153 and every statistical neighbour. Joint
    returns (``940 / 941``) are not one authority and are not listed."""
    text = (resources.files("csc_perf") / "data" / "la_codes.csv").read_text(encoding="utf-8")
    names: dict[str, tuple[str, ...]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        number = row["old_la_code"].strip()
        if _LA_NUMBER.match(number) and row["la_name"] not in names.get(number, ()):
            names[number] = (*names.get(number, ()), row["la_name"])
    return names


def normalise_authority(text: object) -> str | None:
    """The stored form of an authority code, or None when ``text`` is not one.

    ``852``, ``0852``, ``852.0``, `` 852 ``, ``E06000045`` -> ``852``; ``e12000008`` ->
    ``E12000008``; ``Southampton``, ``85``, blank -> None.
    """
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, int):
        text = str(text)
    if not isinstance(text, str):
        return None
    stripped = text.strip()
    number = _LA_NUMBER.match(stripped)
    if number:
        return number.group(1)
    if _ONS_CODE.match(stripped):
        code = stripped.upper()
        return ons_to_la_number().get(code, code)
    return None


def normalise_authority_column(series: pl.Series) -> pl.Series:
    """``series`` of authority texts in stored form: null where a text is not a code (and
    where it was null or blank). Each distinct text is read once, so a national file of
    millions of rows and 153 authorities costs 153 look-ups and one vectorised replace."""
    import polars as pl

    distinct = series.unique().drop_nulls().to_list()
    mapping = {text: normalise_authority(text) for text in distinct}
    if all(mapping[text] == text for text in distinct):
        return series  # already stored form (the usual case): nothing to replace
    return series.replace_strict(mapping, default=None, return_dtype=pl.String)
