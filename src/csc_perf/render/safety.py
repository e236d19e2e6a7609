"""Guards for text that leaves csc-perf in files other programs interpret.

Spreadsheet programs treat a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` as a
formula (and some strip a leading tab or carriage return first), so a hostile indicator name
such as ``=HYPERLINK("http://...")`` in ``indicators.toml`` or an extract could run when a
reader opens the workbook or a CSV file. :func:`neutralise` prefixes such text with ``'``
(OWASP's advice for CSV injection), which every spreadsheet shows as plain text.

Only text is neutralised: a negative *number* is written as a number and never passes
through here.
"""

from __future__ import annotations

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
