"""Names of a workbook's sheets: valid for Excel (at most 31 characters, none of
``[]:*?/\\``, no quote at either end, unique ignoring case) and readable.

A theme's sheet is named by the theme's name, as a manager knows it. A name too long for a
sheet tab is cut at a word boundary with an ellipsis; where two names cut to the same tab
(the seed's "Right support at the right time – Family Help" and "... – Family
Safeguarding"), each shows the part of its name after the heading they share ("Family
Help", "Family Safeguarding": the theme's own name); alike in their words only, each keeps
its start, then ``…`` and the last words that tell it apart ("An extraordinarily… past 31",
"An extraordinarily… 31 too"). The sheet's title row always has the whole name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

#: The longest sheet name Excel accepts.
SHEET_NAME_LIMIT = 31
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
# Readable stand-ins for the characters Excel forbids in a sheet name.
_STAND_INS = str.maketrans({"/": "-", "\\": "-", ":": " -", "[": "(", "]": ")", "*": "", "?": ""})
_SPACES = re.compile(r"\s+")
# What separates a name's parts: "Right support at the right time – Family Help".
_SEPARATOR = re.compile(r"\s+[-–—:]\s+|\s+")
_ELLIPSIS = "…"


def sheet_name(text: str, used: set[str]) -> str:
    """A valid, unique (ignoring case) sheet name made from ``text``; added to ``used``
    (the casefolded names taken). A name already taken gets `` (2)``, `` (3)`` ..."""
    limit = SHEET_NAME_LIMIT
    base = _BAD_SHEET_CHARS.sub("_", text).strip("'").strip()[:limit] or "Sheet"
    name, n = base, 2
    while name.casefold() in used:
        suffix = f" ({n})"
        name, n = base[: limit - len(suffix)] + suffix, n + 1
    used.add(name.casefold())
    return name


def theme_sheet_names(names: Sequence[str], used: set[str]) -> list[str]:
    """Sheet names for themes named ``names`` (in order), each made from its theme's name:
    whole when it fits, else cut at a word boundary with ``…``, else (two cut alike) the
    part of the name after what they share. Unique among themselves and ``used`` (the
    casefolded names taken, which the result's names are added to)."""
    cleaned = [_cleaned(name) for name in names]
    short = [_cut(name) for name in cleaned]
    alike = Counter(s.casefold() for s in short)
    for group_key in [key for key, count in alike.items() if count > 1]:
        # Names the same to the end are told apart by sheet_name's (2), (3) ...
        members = [i for i, s in enumerate(short) if s.casefold() == group_key]
        shared, heading = _shared_words([cleaned[i] for i in members])
        tails = [_cut(cleaned[i][shared:].strip(" -–—:")) for i in members]
        if heading and all(tails) and len({t.casefold() for t in tails}) == len(tails):
            for i, tail in zip(members, tails, strict=True):
                short[i] = tail
            continue
        ends = _telling_ends([cleaned[i] for i in members])
        for i, end in zip(members, ends, strict=True):
            short[i] = _start_and_end(cleaned[i], end) if end else short[i]
    return [sheet_name(s, used) for s in short]


def _cleaned(name: str) -> str:
    """``name`` without the characters a sheet name may not have, spaces made single."""
    return _SPACES.sub(" ", name.translate(_STAND_INS)).strip().strip("'").strip()


def _cut(text: str, limit: int = SHEET_NAME_LIMIT) -> str:
    """``text`` if it fits in ``limit`` characters, else its words up to ``limit - 1``
    characters and ``…`` (a single word too long is cut within it)."""
    if len(text) <= limit:
        return text
    room = limit - len(_ELLIPSIS)
    head = text[: room + 1]
    cut = head.rfind(" ")
    head = head[:cut] if cut > 0 else text[:room]
    return head.rstrip(" ,;-–—:&") + _ELLIPSIS


def _shared_words(names: Iterable[str]) -> tuple[int, bool]:
    """How many leading characters ``names`` share, ending where a part of the name ends
    (at a dash or a colon) when they share one, else where a word ends: the rest is what
    tells them apart ("Family Help", not "Help"); and whether the shared start is such a
    part (a heading the sheet's title row still shows)."""
    names = list(names)
    first = names[0]
    word = part = 0
    for match in _SEPARATOR.finditer(first):
        if not all(name.startswith(first[: match.end()]) for name in names[1:]):
            break
        word = match.end()
        if match.group().strip():
            part = match.end()
    return (part, True) if part else (word, False)


def _telling_ends(names: Sequence[str]) -> list[str]:
    """Each name's last words, two at least (fewer in a shorter name), as many as it takes
    for no other of ``names`` to end the same way; ``""`` where none does (the names are
    the same to the end)."""
    ends = []
    for name in names:
        words = name.split(" ")
        others = [other.casefold() for other in names if other is not name]
        end = ""
        for count in range(min(2, len(words)), len(words) + 1):
            candidate = " ".join(words[-count:])
            if not any(other.endswith(candidate.casefold()) for other in others):
                end = candidate
                break
        ends.append(end)
    return ends


def _start_and_end(name: str, end: str) -> str:
    """The words ``name`` starts with, ``…`` and its ``end``, in a sheet name's 31
    characters (the start alone, cut, when the end leaves no room for a word of it)."""
    room = SHEET_NAME_LIMIT - len(_ELLIPSIS) - 1 - len(end)
    start = name[: room + 1]
    cut = start.rfind(" ")
    if room < 1 or cut <= 0:
        return _cut(name)
    return start[:cut].rstrip(" ,;-–—:&") + _ELLIPSIS + " " + end
