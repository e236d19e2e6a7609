"""Cron and scripts can trust the exit code (issue 12, items 12, 13 and 15).

- A results command asked for a month the store holds no figures for exits 1, so a failed
  upstream import cannot pass a ``--fail-on`` check.
- ``--fail-on`` names the indicators that met it.
- A format error lists the formats of the command that was run.
"""

from __future__ import annotations

import io

import polars as pl
import pytest

RESULTS_COMMANDS = [
    ["rag", "--fail-on", "red"],
    ["rag", "--authority", "all"],
    ["report"],
    ["trend", "early_help_referrals"],
    ["summary"],
]


@pytest.mark.parametrize("args", RESULTS_COMMANDS, ids=" ".join)
@pytest.mark.parametrize("month", ["2025-03", "Mar-25", "2020-01"])
def test_a_month_never_imported_exits_1(full_workspace, cli, args, month):
    result = cli(*args, "--month", month, "--format", "csv")
    assert result.exit_code == 1
    iso = "2025-03" if month != "2020-01" else "2020-01"
    # The example extracts end in October 2024.
    assert result.stderr == f"error: no figures for {iso}; the latest month is 2024-10\n"
    assert result.stdout == ""


@pytest.mark.parametrize("args", [["chart", "early_help_referrals"], ["chart", "--all", "-o", "d"]])
def test_a_chart_of_a_month_never_imported_exits_1(full_workspace, cli, args):
    result = cli(*args, "--month", "2025-03")
    assert result.exit_code == 1
    assert result.stderr == "error: no figures for 2025-03; the latest month is 2024-10\n"
    assert result.stdout == ""
    assert not (full_workspace / "d").exists()


def test_a_workspace_without_a_store_asked_for_a_month_exits_2(workspace, cli):
    # No import has run: there is no store at all, which is an I/O error (issue 12 item 4),
    # not an empty store whose month has no figures.
    result = cli("rag", "--month", "2024-10", "--fail-on", "red")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: no store at {workspace / 'store'}\n")
    assert result.stdout == ""
    assert not (workspace / "store").exists()


def test_a_month_with_figures_still_exits_0(full_workspace, cli):
    result = cli("rag", "--month", "2024-09", "--format", "csv")
    assert result.exit_code == 0
    assert result.stderr == ""
    frame = pl.read_csv(io.StringIO(result.stdout))
    assert frame.get_column("month").unique().to_list() == ["2024-09-01"]


def test_a_month_of_another_authority_only_is_no_figures(full_workspace, cli):
    """Figures for a different authority do not count as this authority's month."""
    other = full_workspace / "other.csv"
    other.write_text(
        "Authority,Indicator,Month,Value\n999,Number of referrals into Early Help,2024-11,7\n",
        encoding="utf-8",
    )
    assert cli("import", other).exit_code == 0
    mine = cli("rag", "--month", "2024-11", "--format", "csv")
    assert mine.exit_code == 1
    assert mine.stderr == "error: no figures for 2024-11; the latest month is 2024-10\n"
    every = cli("rag", "--month", "2024-11", "--authority", "all", "--format", "csv")
    assert every.exit_code == 0, every.output


def test_fail_on_names_the_indicators(full_workspace, cli):
    result = cli("rag", "--month", "2024-10", "--fail-on", "red", "--format", "csv")
    assert result.exit_code == 1
    red = pl.read_csv(io.StringIO(result.stdout)).filter(pl.col("rag") == "red")
    lines = result.stderr.splitlines()
    assert lines[0] == f"--fail-on red: {red.height} indicator(s) at red or worse:"
    listed = lines[1:]
    assert len(listed) == red.height
    # From the seed report, October 2024 (README): visits 83% against 95%; the rate of
    # children in our care 94 against 87, lower is better.
    assert (
        "  eh_visits_4_weeks (red): Percentage of children open to Early Help with a visit "
        "in the last 4 weeks"
    ) in listed
    assert "  children_in_care_rate (red): Rate of children in our care per 10,000" in listed
    # Re-referrals, 19% against 20% with lower better, is green: not listed.
    assert not any(line.split()[0] == "re_referrals" for line in listed)


def test_fail_on_amber_lists_amber_and_red_with_authority_when_all(full_workspace, cli):
    result = cli(
        "rag", "--month", "2024-10", "--fail-on", "amber", "--authority", "all", "--format", "csv"
    )
    assert result.exit_code == 1
    shown = pl.read_csv(io.StringIO(result.stdout), schema_overrides={"authority": pl.String})
    failing = shown.filter(pl.col("rag").is_in(["amber", "red"]))
    lines = result.stderr.splitlines()
    assert lines[0] == f"--fail-on amber: {failing.height} indicator(s) at amber or worse:"
    expected = {
        f"  {r['authority']} {r['indicator']} ({r['rag']}): {r['name']}"
        for r in failing.iter_rows(named=True)
    }
    assert set(lines[1:]) == expected
    assert any(" (amber): " in line for line in lines[1:])


# -- format errors list the command's own formats -----------------------------------------
def test_report_format_error_lists_what_report_writes(full_workspace, cli):
    result = cli("report", "--format", "pdf")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: unknown format 'pdf'; use one of: table, md, html, xlsx, csv, tsv, json, "
        "jsonl, parquet\n"
    )
    by_suffix = cli("report", "-o", "report.pdf")
    assert by_suffix.exit_code == 2
    assert by_suffix.stderr == (
        "error: -o report.pdf: cannot tell the format from '.pdf'\n"
        "hint: add --format (md, html, xlsx, csv, tsv, json, jsonl, parquet)\n"
    )
    assert not (full_workspace / "report.pdf").exists()


def test_report_still_writes_each_of_its_formats(full_workspace, cli):
    for fmt in ("md", "html", "csv", "json"):
        result = cli("report", "--format", fmt)
        assert result.exit_code == 0, (fmt, result.output)
    assert cli("report", "-o", "r.md").exit_code == 0
    assert (full_workspace / "r.md").read_text(encoding="utf-8").startswith("# Performance")
    assert cli("report", "-o", "r.xlsx").exit_code == 0
    assert (full_workspace / "r.xlsx").read_bytes()[:2] == b"PK"


@pytest.mark.parametrize(
    ("args", "formats"),
    [
        (["validate", "x.csv"], "table, csv, tsv, json, jsonl"),
        (["rag"], "table, csv, tsv, json, jsonl, parquet"),
        (["export"], "table, csv, tsv, json, jsonl, parquet"),
    ],
)
def test_other_commands_list_their_own_formats(full_workspace, cli, args, formats):
    result = cli(*args, "--format", "md")
    assert result.exit_code == 2
    assert result.stderr == f"error: unknown format 'md'; use one of: {formats}\n"


def test_format_help_lists_the_commands_formats(cli):
    validate = " ".join(cli("validate", "--help").stdout.split())
    assert "table, csv, tsv, json or jsonl" in validate
    assert "jsonl or parquet" not in validate
    report = " ".join(cli("report", "--help").stdout.split())
    assert "table, md, html, xlsx, csv, tsv, json, jsonl or parquet" in report
