"""Arguments as the command line and the API take them: one parser each, one message each.

Months are ``2024-10``, ``Oct-24`` or a :class:`datetime.date`; authorities a code
(``852``, ``0852``, an ONS code) or ``"all"`` where a command ranks every authority.
"""

from __future__ import annotations

from datetime import date

from csc_perf.errors import UsageError
from csc_perf.model.authorities import HINT, normalise_authority
from csc_perf.model.calendar import MonthError, parse_month


def month_argument(value: str | date | None, option: str = "--month") -> date | None:
    """The first day of the month given; None when not given. Raises :class:`UsageError`."""
    if value is None or isinstance(value, date):
        return None if value is None else value.replace(day=1)
    try:
        return parse_month(value)
    except MonthError:
        raise UsageError(f"{option} {value!r} is not a month (use 2024-10 or Oct-24)") from None


def authority_argument(text: str | None, option: str = "--authority") -> str | None:
    """An authority in stored form (``0852`` -> ``852``); None when not given. Raises
    :class:`UsageError` when it is not an authority code."""
    if text is None:
        return None
    code = normalise_authority(str(text))
    if code is None:
        raise UsageError(f"{option} {text!r} is not an authority code", hint=HINT)
    return code


def is_every_authority(text: str | None) -> bool:
    """True for ``--authority all``."""
    return text is not None and str(text).strip().lower() == "all"
