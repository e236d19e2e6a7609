"""report --fy, --no-spc and the report table on a narrow terminal, on the example workspace.

Every expected figure is worked out here from the example extracts (the monthly CSVs and the
workbook's Oct-22 column, read with csv and openpyxl) and from indicators.toml, following the
rules the definitions and csc_perf.methods.financial_years document: a financial year runs
April to March; a flow is the sum of its months, a percentage or ratio the mean, a snapshot
March's figure; a derived indicator is its formula applied to its inputs' yearly figures. A
year is partial when a flow or mean has fewer than 12 months or a snapshot has no March.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import shutil
from datetime import date, datetime

import openpyxl
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from conftest import MONTHLY, ROOT, WORKBOOK

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PARTIAL_NOTE = "* a financial year with fewer than 12 months of figures (partial)"


# --- the example figures, read without csc_perf ----------------------------------------------


def _number(cell) -> float | None:
    """A cell as the report prints it (``87%``, ``4266``, ``14.24``, blank) as a number."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, str):
        return float(cell.strip().rstrip("%").replace(",", ""))
    return float(cell)


def _header_month(cell) -> date | None:
    if isinstance(cell, datetime):
        return cell.date().replace(day=1)
    if isinstance(cell, str) and re.fullmatch(r"[A-Z][a-z]{2}-\d{2}", cell):
        return datetime.strptime(cell, "%b-%y").date()
    return None


@functools.cache
def figures() -> dict[tuple[str, date], float]:
    """(indicator name as printed, month) -> figure: the monthly CSVs (Oct-23 .. Oct-24),
    then the workbook's month columns (which add Oct-22 for its first five sheets)."""
    out: dict[tuple[str, date], float] = {}
    for path in MONTHLY:
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                value = _number(row["Value"])
                if value is not None:
                    month = datetime.strptime(row["Month"], "%Y-%m").date()
                    out[(row["Indicator"], month)] = value
    book = openpyxl.load_workbook(WORKBOOK, read_only=True, data_only=True)
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        months = [_header_month(cell) for cell in rows[0]]
        for row in rows[1:]:
            for month, cell in zip(months, row, strict=False):
                if month is not None and _number(cell) is not None:
                    out[(row[0], month)] = _number(cell)
    book.close()
    return out


@functools.cache
def toml() -> dict:
    return tomllib.loads((ROOT / "indicators.toml").read_text(encoding="utf-8"))


def indicator(indicator_id: str) -> dict:
    return next(i for i in toml()["indicator"] if i["id"] == indicator_id)


def series(indicator_id: str, first: date, last: date) -> dict[date, float]:
    """The indicator's figures from ``first`` to ``last`` (months without one left out)."""
    name = indicator(indicator_id)["name"]
    return {m: v for (n, m), v in figures().items() if n == name and first <= m <= last}


# indicators.toml fixes the population year for every month (year = 2022: 49,978).
POPULATION = toml()["population"]["estimates"][str(toml()["population"]["year"])]
FY_2022_23 = (date(2022, 4, 1), date(2023, 3, 1))
FY_2023_24 = (date(2023, 4, 1), date(2024, 3, 1))


def by_hand(indicator_id: str, year: tuple[date, date]) -> tuple[float | None, bool | None]:
    """(value, partial) of a non-derived indicator's financial year, by its measure."""
    measure = indicator(indicator_id)["measure"]
    months = series(indicator_id, *year)
    if not months:
        return None, None
    if measure == "flow":
        return sum(months.values()), len(months) < 12
    if measure == "snapshot":
        last = max(months)
        return months[last], last.month != 3
    return sum(months.values()) / len(months), len(months) < 12  # percentage, ratio: the mean


@pytest.fixture(scope="module")
def fy_report(full_store_template, tmp_path_factory):
    """``report --fy`` on the example workspace in csv, json, md and table formats (run once
    for the module: the figures are read many times)."""
    from conftest import Cli

    folder = tmp_path_factory.mktemp("fy")
    shutil.copyfile(ROOT / "indicators.toml", folder / "indicators.toml")
    shutil.copytree(full_store_template, folder / "store")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        for name in ("CSC_PERF_CONFIG", "CSC_PERF_STORE", "NO_COLOR"):
            patch.delenv(name, raising=False)
        patch.setenv("COLUMNS", "400")  # wide enough for every column, both years included
        cli = Cli()
        return {f: cli("report", "--fy", "--format", f) for f in ("csv", "json", "md", "table")}


def _json_rows(result) -> dict[str, dict]:
    return {r["indicator"]: r for r in json.loads(result.stdout)}


# --- 1. report --fy ----------------------------------------------------------------------------


def test_fy_runs_and_says_what_the_star_means(fy_report):
    for result in fy_report.values():
        assert result.exit_code == 0, result.stderr
        # Every example year is partial (the extracts start in October), so the note is given.
        assert PARTIAL_NOTE in result.stderr.splitlines()


def test_fy_columns_are_the_two_years_ended_before_the_month(fy_report):
    # October 2024: the latest year ended is April 2023 - March 2024, and the one before.
    frame = pl.read_csv(io.StringIO(fy_report["csv"].stdout))
    fy = [c for c in frame.columns if c.startswith("fy_")]
    assert fy == ["fy_2022_23", "fy_2022_23_partial", "fy_2023_24", "fy_2023_24_partial"]


# Indicators of every measure: flows, a percentage and ratios (means), snapshots, and
# indicators with blank months (children open to statutory teams and the caseholder average
# are blank from Oct-23 to Dec-23; the workforce sheet has no Oct-22 column at all).
BASE_INDICATORS = [
    "contacts",  # flow
    "early_help_referrals",  # flow
    "new_cla",  # flow
    "cin_reviews_in_time",  # percentage: mean
    "re_referrals",  # percentage: mean
    "sw_average_caseload",  # ratio: mean
    "caseholder_average_caseload",  # ratio, three months in 2023/24
    "children_in_care",  # snapshot
    "cla_ifa",  # snapshot
    "children_open_to_statutory_teams",  # snapshot, March present although Oct-Dec blank
    "children_held_by_sw",  # snapshot, no Oct-22 (workforce)
]


@pytest.mark.parametrize("indicator_id", BASE_INDICATORS)
def test_fy_values_of_monthly_indicators_by_hand(fy_report, indicator_id):
    rows = _json_rows(fy_report["json"])
    row = rows[indicator_id]
    for column, year in (("fy_2022_23", FY_2022_23), ("fy_2023_24", FY_2023_24)):
        value, partial = by_hand(indicator_id, year)
        if value is None:
            assert row[column] is None
            assert row[f"{column}_partial"] is None
        else:
            assert row[column] == pytest.approx(value), column
            assert row[f"{column}_partial"] is partial, column


def test_fy_hand_figures_spelled_out(fy_report):
    """A few of the above with the sums written out from the extracts, so a mistake in the
    helper above cannot hide one in the code."""
    rows = _json_rows(fy_report["json"])
    # contacts, Oct-23 .. Mar-24: six months of a flow, partial.
    assert rows["contacts"]["fy_2023_24"] == 1923 + 1763 + 1459 + 2018 + 1818 + 1780
    assert rows["contacts"]["fy_2023_24_partial"] is True
    # 2022/23 holds only the workbook's Oct-22 (1,488): partial.
    assert rows["contacts"]["fy_2022_23"] == 1488
    assert rows["contacts"]["fy_2022_23_partial"] is True
    # children in our care: a snapshot, March 2024's 490; a year with its March is whole.
    assert rows["children_in_care"]["fy_2023_24"] == 490
    assert rows["children_in_care"]["fy_2023_24_partial"] is False
    # ... and 2022/23 has only Oct-22 (552), no March: partial.
    assert rows["children_in_care"]["fy_2022_23"] == 552
    assert rows["children_in_care"]["fy_2022_23_partial"] is True
    # CIN reviews in time: a percentage, the mean of Oct-23 .. Mar-24 (70% 76% 81% 70% 70%
    # 87% in the extracts), partial.
    assert rows["cin_reviews_in_time"]["fy_2023_24"] == pytest.approx(
        (70 + 76 + 81 + 70 + 70 + 87) / 6
    )
    assert rows["cin_reviews_in_time"]["fy_2023_24_partial"] is True
    # Workforce has no Oct-22: no 2022/23 figure at all.
    assert rows["sw_average_caseload"]["fy_2022_23"] is None


def test_fy_derived_indicators_from_their_inputs_years(fy_report):
    rows = _json_rows(fy_report["json"])
    march = date(2024, 3, 1)
    cic = series("children_in_care", march, march)[march]
    ifa = series("cla_ifa", march, march)[march]
    contacts_year = sum(series("contacts", *FY_2023_24).values())
    # A snapshot rate: March's count over the population, per 10,000; whole (March is there).
    assert rows["children_in_care_rate"]["fy_2023_24"] == pytest.approx(cic / POPULATION * 1e4)
    assert rows["children_in_care_rate"]["fy_2023_24_partial"] is False
    # A percentage with a formula: March's counts, not the mean of the monthly percentages.
    assert rows["cla_ifa_pct"]["fy_2023_24"] == pytest.approx(ifa / cic * 100)
    assert rows["cla_ifa_pct"]["fy_2023_24_partial"] is False
    # A rolling 12-month rate: the year's sum of its counts (six months here), partial.
    assert rows["contacts_rate"]["fy_2023_24"] == pytest.approx(contacts_year / POPULATION * 1e4)
    assert rows["contacts_rate"]["fy_2023_24_partial"] is True


def test_fy_csv_partial_flags(fy_report):
    with io.StringIO(fy_report["csv"].stdout) as handle:
        rows = {r["indicator"]: r for r in csv.DictReader(handle)}
    assert rows["contacts"]["fy_2023_24_partial"] == "true"
    assert rows["children_in_care"]["fy_2023_24_partial"] == "false"
    assert rows["children_in_care"]["fy_2022_23_partial"] == "true"
    assert rows["sw_average_caseload"]["fy_2022_23"] == ""  # no figure: empty, not 0


def _md_rows(text: str) -> dict[str, list[str]]:
    """Indicator name -> its Markdown table cells (the last table a name appears in)."""
    out = {}
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            out[cells[0]] = cells
    return out


def test_fy_markdown_marks_partial_years_with_a_star(fy_report):
    text = fy_report["md"].stdout
    assert "Southampton 22/23 (own data)" in text and "Southampton 23/24 (own data)" in text
    rows = _md_rows(text)
    contacts = rows[indicator("contacts")["name"]]
    assert contacts[-2:] == ["1,488\\*", f"{1923 + 1763 + 1459 + 2018 + 1818 + 1780:,}\\*"]
    cic = rows[indicator("children_in_care")["name"]]
    assert cic[-2:] == ["552\\*", "490"]  # March 2024 is there: not partial, no star
    held = rows[indicator("children_held_by_sw")["name"]]
    assert held[-2] == ""  # no 2022/23 figure: blank


def test_fy_table_marks_partial_years_with_a_star(fy_report):
    rows = report_table_rows(fy_report["table"].stdout)
    contacts = rows[indicator("contacts")["name"]]
    assert contacts["Southampton 23/24 (own data)"] == "10,761*"
    assert contacts["Southampton 22/23 (own data)"] == "1,488*"
    cic = rows[indicator("children_in_care")["name"]]
    assert cic["Southampton 23/24 (own data)"] == "490"
    reviews = rows[indicator("cin_reviews_in_time")["name"]]
    # (70 + 76 + 81 + 70 + 70 + 87) / 6 = 75.67, printed as the indicator's whole percent.
    assert reviews["Southampton 23/24 (own data)"] == "76%*"


# --- 2. --no-spc -------------------------------------------------------------------------------

SPC_FIGURES = ("spc_mean", "spc_lower", "spc_upper", "spc_rule", "spc_variation", "spc_assurance")


def _csv(cli, *args: str) -> pl.DataFrame:
    result = cli(*args, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    return pl.read_csv(io.StringIO(result.stdout), infer_schema_length=None)


def _check_no_spc(with_spc: pl.DataFrame, without: pl.DataFrame, spc_columns: tuple[str, ...]):
    assert without.columns == with_spc.columns
    for column in spc_columns:
        assert column in without.columns
    # The run with SPC has some SPC to lose, or the comparison would prove nothing.
    assert with_spc.get_column("spc_variation").drop_nulls().len() > 0
    for column in spc_columns:
        if column == "spc_note":
            # Says why the columns are empty, on every row with a figure (trend's months
            # before the extracts have neither a figure nor a note).
            notes = without.get_column(column)
            assert set(notes.drop_nulls().to_list()) == {"SPC turned off for this run"}
            if "status" in without.columns:
                notes = notes.filter(without.get_column("status") == "present")
            assert notes.null_count() == 0
        else:
            assert without.get_column(column).null_count() == without.height, column
    others = [c for c in with_spc.columns if c not in spc_columns]
    assert_frame_equal(without.select(others), with_spc.select(others))


def test_no_spc_rag(cli, full_workspace):
    with_spc = _csv(cli, "rag", "--month", "2024-10")
    without = _csv(cli, "rag", "--month", "2024-10", "--no-spc")
    _check_no_spc(with_spc, without, (*SPC_FIGURES, "spc_note"))


def test_no_spc_report(cli, full_workspace):
    with_spc = _csv(cli, "report", "--month", "2024-10")
    without = _csv(cli, "report", "--month", "2024-10", "--no-spc")
    _check_no_spc(with_spc, without, ("spc_variation", "spc_assurance", "spc_note"))


def test_no_spc_trend(cli, full_workspace):
    with_spc = _csv(cli, "trend", "contacts", "--month", "2024-10")
    without = _csv(cli, "trend", "contacts", "--month", "2024-10", "--no-spc")
    _check_no_spc(with_spc, without, (*SPC_FIGURES, "spc_note"))


# --- 3. the report table on a narrow terminal --------------------------------------------------


def report_table_rows(text: str) -> dict[str, dict[str, str]]:
    """Indicator name -> {column header: cell} for every row of the report's Rich tables.

    A row starts on the line with its RAG cell (never blank: "-" without a target); its
    name, folded over several lines, is joined back. Headers folded over lines are joined
    too. A column cut off at the terminal's edge gives what is left of it.
    """
    rows: dict[str, dict[str, str]] = {}
    headers: list[str] = []
    header_lines: list[list[str]] = []
    current: dict[str, str] | None = None

    def finish() -> None:
        if current is not None:
            rows[" ".join(current["Indicator"].split())] = current

    for line in text.splitlines():
        if line.startswith("┏"):
            header_lines = []
        elif line.startswith("┃"):
            header_lines.append([c.strip() for c in line.split("┃")[1:]])
        elif line.startswith("┡"):
            headers = [
                " ".join(p for p in parts if p) for parts in zip(*header_lines, strict=False)
            ]
        elif line.startswith("│"):
            cells = dict(zip(headers, [c.strip() for c in line.split("│")[1:]], strict=False))
            if cells.get("RAG"):
                finish()
                current = cells
            elif current is not None:
                current["Indicator"] += " " + cells.get("Indicator", "")
        elif line.startswith("└"):
            finish()
            current = None
    return rows


def _month_cell(indicator_id: str, month: date) -> str:
    """The figure as the report prints it, from the extract: ``1,928``, ``83%``; blank
    where the extract has none."""
    value = series(indicator_id, month, month).get(month)
    if value is None:
        return ""
    text = f"{value:,.{indicator(indicator_id)['decimals']}f}"
    return text + "%" if indicator(indicator_id)["unit"] == "percent" else text


# Oct-24 from the extract; RAG worked by hand from the target in indicators.toml and its
# amber rule (5 points for percentages, 5% of the target otherwise).
CHECKED_ROWS = {
    "contacts": "-",  # no target
    "referrals_rate": "AMBER",  # 588 vs 581, lower is better: within 5% (610.05)
    "eh_visits_4_weeks": "RED",  # 83% vs 95%, higher is better: 12 points short
    "assessments_in_45_days": "GREEN",  # 84% vs 81%, higher is better
    "cla_ifa": "RED",  # 115 vs 91, lower is better: over 5% above (95.55)
}
ALL_MONTHS = [
    "Oct-22",  # the same month two years back, then the last 13 months
    *("Oct-23", "Nov-23", "Dec-23", "Jan-24", "Feb-24", "Mar-24", "Apr-24"),
    *("May-24", "Jun-24", "Jul-24", "Aug-24", "Sep-24", "Oct-24"),
]


@pytest.mark.parametrize("width", [80, 120, 240])
def test_report_table_at_a_fixed_width(cli, full_workspace, monkeypatch, width):
    # CliRunner's stdout is not a terminal: the width comes from COLUMNS, as a shell sets it.
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("report", "--month", "2024-10", "--format", "table")
    assert result.exit_code == 0, result.stderr
    rows = report_table_rows(result.stdout)
    names = {indicator(i)["name"]: i for i in CHECKED_ROWS}
    assert set(names) <= set(rows)
    shown = [h for h in next(iter(rows.values())) if h in ALL_MONTHS]
    # The month and the same month last year always show (issue 18); the months between are
    # the latest ones, in order, ending with the report's month.
    assert {"Oct-23", "Oct-24"} <= set(shown)
    between = [h for h in shown if h not in ("Oct-22", "Oct-23")]
    assert between == ALL_MONTHS[-len(between) :]
    notice = re.search(r"Left out to fit (\d+) columns", result.stdout)
    if len(shown) < len(ALL_MONTHS):
        assert notice is not None and notice.group(1) == str(width)
        assert "--wide (every column), --format html" in " ".join(result.stdout.split())
    else:
        assert notice is None
    if width == 240:
        assert shown == ALL_MONTHS  # all 13 months and the same month two years back
    for name, indicator_id in names.items():
        row = rows[name]
        assert "RAG" in row and "Oct-24" in row, f"cut off at {width} columns: {list(row)}"
        # Every month shown holds its figure whole (no cell cut mid-number), the RAG whole.
        for header in shown:
            month = datetime.strptime(header, "%b-%y").date()
            assert row[header] == _month_cell(indicator_id, month), (name, header)
        assert row["RAG"] == CHECKED_ROWS[indicator_id], name
    # Direction of travel, whole at every width: contacts rose 1,804 -> 1,928 and fewer is
    # better.
    assert rows[indicator("contacts")["name"]]["DoT"] == "▼ declining"
