"""Guards for text from data (names, file names, cells) on its way to a program that could
interpret it: a spreadsheet, a terminal, a Markdown renderer.

Spreadsheet programs treat a cell whose text starts with one of :data:`FORMULA_STARTS`
(``=``, ``+``, ``-``, ``@``; some strip a leading tab or carriage return first) as a
formula, so a hostile indicator name such as ``=HYPERLINK("http://...")`` could run when a
reader opens a CSV file. :func:`neutralise` is the rule for CSV files written with ``-o``:
such text gets a leading ``'`` (OWASP's advice for CSV injection; ``guard_formulas`` in
``output`` applies it column by column). The Excel workbook has cell formats instead: its
text stays as written and gets the quote-prefix format. Only text is guarded: a negative
*number* is written as a number.

A terminal obeys escape sequences (a window title, clear screen, OSC 8 hyperlinks) that
start with ESC or a C1 control character. :func:`visible_controls` shows such characters
as escapes (``\\x1b``); the terminal consoles apply it to everything they print.

:func:`markdown_text` makes text inert in the Markdown report.
"""

from __future__ import annotations

import html
import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` made safe for a spreadsheet cell: ``'`` in front if it could start a formula.

    >>> neutralise("=1+1")
    "'=1+1"
    >>> neutralise("Number of contacts")
    'Number of contacts'
    """
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


# Characters a terminal acts on instead of showing: C0 controls (but tab and newline), DEL,
# C1 controls (U+0080-U+009F, which some terminals obey even when UTF-8 encoded), and the
# bidirectional embeddings, overrides and isolates that reorder what is shown ("Trojan
# Source"). ESC starts every escape sequence: titles (OSC 0), clear screen, OSC 8 links.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible_controls(text: str) -> str:
    """``text`` with every control character shown as an escape, so a terminal prints it
    instead of obeying it; tab and newline are kept.

    >>> visible_controls("a\\x1b]0;pwned\\x07b")
    'a\\\\x1b]0;pwned\\\\x07b'
    """
    return _CONTROLS.sub(_visible, text) if _CONTROLS.search(text) else text


# Markdown: characters that start inline syntax (code, emphasis, links and images,
# strikethrough, table cells) are backslash-escaped; HTML is written as entities, which
# every Markdown dialect shows as text; line breaks are folded to a space so a cell or a
# bullet stays on its line.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")
_MARKDOWN_ENTITIES = {"<": "&lt;", ">": "&gt;"}
# A bare & ("C&F") reads as itself in Markdown; only one that would start a character
# reference ("&lt;", "&#60;") is escaped.
_MARKDOWN_REFERENCE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]")
_BLOCK_START = re.compile(r"^(\s*)(?:([#>+=-])|(\d+)([.)]))")


def markdown_text(text: str, *, starts_line: bool = False) -> str:
    """``text`` as inert Markdown inline content: shown as written, never a link, an image,
    HTML, or a new table cell or row; with ``starts_line`` (a bullet's text), never a
    heading, quote or list either.

    >>> markdown_text("<b>a|b</b>\\n[x](http://e)")
    '&lt;b&gt;a\\\\|b&lt;/b&gt; \\\\[x\\\\](http://e)'
    """
    text = _LINE_BREAKS.sub(" ", text)
    text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
    text = _MARKDOWN_REFERENCE.sub("&amp;", text)
    text = "".join(_MARKDOWN_ENTITIES.get(c, c) for c in text)
    # A heading, quote, list or setext underline at the start of a line (a bullet's text).
    if starts_line:
        text = _BLOCK_START.sub(_escape_block_start, text, count=1)
    return visible_controls(text)


def _escape_block_start(match: re.Match[str]) -> str:
    indent, marker, number, delimiter = match.groups()
    return indent + ("\\" + marker if marker else number + "\\" + delimiter)


def html_escape(text: object) -> str:
    """Text for an HTML element or a double-quoted attribute (None is empty)."""
    return html.escape("" if text is None else str(text), quote=True)
