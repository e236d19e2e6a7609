"""Issue 18 item 7: the Excel report's sheets are named by the theme's name, cut to Excel's
31 characters, without the characters Excel forbids, unique (ignoring case, and apart from
the Results, Definitions and reserved History sheets)."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csc_perf.render.sheet_names import theme_sheet_names

RESERVED = {"results", "definitions", "history"}
FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def names(*themes: str) -> list[str]:
    return theme_sheet_names(list(themes), set(RESERVED))


def test_a_name_that_fits_is_the_sheet_name():
    assert names("Performance - Visiting", "Permanent, stable workforce") == [
        "Performance - Visiting",
        "Permanent, stable workforce",
    ]


def test_a_long_name_is_cut_at_a_word_with_an_ellipsis():
    # 56 characters; the words up to 30 characters, then "…" (31 in all at most).
    (name,) = names("Children remain within or return to their birth families")
    assert name == "Children remain within or…"


def test_names_cut_alike_show_what_tells_them_apart():
    assert names(
        "Right support at the right time – Family Help",
        "Right support at the right time – Family Safeguarding",
    ) == ["Family Help", "Family Safeguarding"]


def test_names_alike_in_their_words_keep_their_start_and_a_telling_end():
    # No heading ("... – ") to drop: each keeps the start a manager recognises, then "…"
    # and its last words, enough to tell it from the other (not "31" and "31 too").
    first = "An extraordinarily long theme name that goes on past 31"
    result = names(first, first + " too")
    # The start takes the words that fit beside "… " and the end: 31 characters at most.
    assert result == ["An extraordinarily… past 31", "An extraordinarily long… 31 too"]
    assert all(len(n) <= 31 for n in result)
    # Three alike: each end is one the others do not have.
    three = names(first + " one", first + " two", first + " three")
    assert three == [
        "An extraordinarily long… 31 one",
        "An extraordinarily long… 31 two",
        "An extraordinarily… 31 three",
    ]


def test_the_same_name_twice_gets_a_number():
    assert names("Visiting", "visiting") == ["Visiting", "visiting (2)"]


def test_forbidden_characters_get_readable_stand_ins():
    # "Contacts-Referrals (monthly) - all" is 34 characters: cut after "(monthly)".
    assert names("Contacts/Referrals [monthly]: *all*?") == ["Contacts-Referrals (monthly)…"]
    assert names("Results") == ["Results (2)"]  # the workbook's own sheet keeps its name


@given(st.lists(st.text(min_size=1, max_size=80), min_size=1, max_size=12))
def test_any_names_give_valid_unique_sheet_names(themes):
    result = names(*themes)
    assert len(result) == len(themes)
    folded = [n.casefold() for n in result]
    assert len(set(folded)) == len(folded)
    assert not set(folded) & RESERVED
    for name in result:
        assert 1 <= len(name) <= 31
        assert not FORBIDDEN.search(name)
        assert not name.startswith("'") and not name.endswith("'")


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """A report of two themes whose names are too long and alike, built by the API."""
    import openpyxl

    from conftest import MONTHLY, ROOT
    from csc_perf.app.workspace import Workspace

    folder = tmp_path_factory.mktemp("sheets")
    text = (ROOT / "indicators.toml").read_text("utf-8")
    text = text.replace(
        'name = "Performance - Visiting"',
        'name = "Performance of our social work teams in the month – Visiting"',
    ).replace(
        'name = "Performance - Supervision"',
        'name = "Performance of our social work teams in the month – Supervision / appraisal"',
    )
    (folder / "indicators.toml").write_text(text, "utf-8")
    ws = Workspace.open(folder)
    ws.import_files([MONTHLY[-1]])
    data = ws.report("2024-10").to_xlsx()
    return openpyxl.load_workbook(io.BytesIO(data))


def test_the_workbook_sheets_carry_the_names(book):
    assert book.sheetnames[-2:] == ["Results", "Definitions"]
    themes = book.sheetnames[:-2]
    # Both cut to "Performance of our social work…": each shows its own part ("/" is not
    # allowed in a sheet name).
    assert themes[-2:] == ["Visiting", "Supervision - appraisal"]
    assert themes[:2] == ["Family Help", "Family Safeguarding"]
    # The title row keeps the whole name.
    assert book[themes[-1]]["A1"].value == (
        "Performance of our social work teams in the month – Supervision / appraisal"
    )
