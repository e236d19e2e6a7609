"""Reading the months of extract cells, with the checks on them: ``month-unparseable``,
``month-future`` and ``month-too-early``. A file holds few distinct month labels: each is
read once."""

from __future__ import annotations

from datetime import date

import polars as pl

from csc_perf.ingest.checks.places import first_of_each
from csc_perf.ingest.report import ERROR, Issue
from csc_perf.model.calendar import MonthError, month_label, parse_month

EARLIEST_MONTH = date(2000, 1, 1)


def month_problem(label: str, today: date) -> tuple[date | None, tuple[str, str] | None]:
    """The month ``label`` names (None when it names none) and its problem, if any:
    ``(code, detail)``, the code being ``month-unparseable``, ``month-future`` (after the
    month of ``today``) or ``month-too-early`` (before :data:`EARLIEST_MONTH`)."""
    try:
        parsed = parse_month(label)
    except MonthError:
        return None, ("month-unparseable", f"{label!r} is not a month")
    if parsed > date(today.year, today.month, 1):
        return parsed, (
            "month-future",
            f"{month_label(parsed)} is in the future (today is {today.isoformat()})",
        )
    if parsed < EARLIEST_MONTH:
        return parsed, ("month-too-early", f"{month_label(parsed)} is before 2000")
    return parsed, None


def read_months(
    cells: pl.DataFrame, today: date
) -> tuple[pl.DataFrame, dict[str, tuple[str, str]]]:
    """``cells`` with ``month`` (a Date, null when ``month_text`` is not a month), and the
    problem of each label that has one (see :func:`month_problem`)."""
    labels = cells.get_column("month_text").drop_nulls().unique().to_list()
    months: dict[str, date | None] = {}
    problems: dict[str, tuple[str, str]] = {}
    for label in labels:
        months[label], problem = month_problem(label, today)
        if problem:
            problems[label] = problem
    cells = cells.with_columns(
        pl.col("month_text")
        .replace_strict(months, default=None, return_dtype=pl.Date)
        .alias("month")
    )
    return cells, problems


def bad_months(cells: pl.DataFrame, problems: dict[str, tuple[str, str]]) -> list[Issue]:
    """``month-unparseable``, ``month-future``, ``month-too-early``: a month label with a
    problem, once per sheet and column; in a wide table the label is the column's header
    (reported with its column, without a row)."""
    if not problems:
        return []
    bad = cells.filter(pl.col("month_text").is_in(list(problems)))
    issues = []
    for group in first_of_each(bad, ["file", "sheet", "month_column", "month_text"]):
        code, text = problems[group["month_text"]]
        # A wide sheet's month is its column's header (the cell's column is the month's).
        is_header = group["month_column"] is not None and group["month_column"] == group["column"]
        issues.append(
            Issue.at(
                code,
                ERROR,  # all three codes are errors
                f"month {text}{'' if is_header else group['_more']}",
                file=group["file"],
                sheet=group["sheet"],
                row=None if is_header else group["row"],
                column=group["month_column"],
                cell=group["month_text"],
                month=group["month_text"],
                column_shown=is_header,
            )
        )
    return issues


def blank_months(cells: pl.DataFrame) -> list[Issue]:
    """``month-unparseable``: a row with an indicator but a blank month, once per sheet."""
    blank = cells.filter(pl.col("month_text").is_null() & pl.col("indicator").is_not_null())
    return [
        Issue.at(
            "month-unparseable",
            ERROR,
            f"the month cell is blank{group['_more']}",
            file=group["file"],
            sheet=group["sheet"],
            row=group["row"],
            column=group["month_column"],
        )
        for group in first_of_each(blank, ["file", "sheet"])
    ]
