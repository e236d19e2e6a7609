"""The extract-and-store half of the Python API, through ``csc_perf.Workspace`` alone: validate,
import, history, diff, export, the reference tables, check and compact, and the typed errors.

The expected counts come from the files themselves (examples/README.md: each monthly CSV has
one row per indicator, all of indicators.toml's, each once), read here with the csv module.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest

import csc_perf
from conftest import EXAMPLES, FIXTURES, MONTHLY, ROOT
from csc_perf.app.data import ImportResult, InvalidDataError
from csc_perf.errors import (
    ConfigError,
    CscPerfError,
    ExitCode,
    StoreBusyError,
    StoreError,
    UsageError,
)

DFE = FIXTURES / "dfe"
BAD = FIXTURES / "bad"
ONS = next(DFE.glob("ons_*.csv"))
KEY = ["authority", "indicator", "month"]


def rows_of(path: Path) -> list[dict[str, str]]:
    """The data rows of a CSV extract, as the csv module reads them."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def month_of(path: Path) -> str:
    """``csc-extract-2023-10.csv`` -> ``2023-10`` (examples/README.md names them so)."""
    return path.stem.removeprefix("csc-extract-")


@pytest.fixture
def ws(tmp_path, monkeypatch):
    """The example workspace (indicators.toml beside extracts/), copied, opened by folder."""
    for name in ("CSC_PERF_CONFIG", "CSC_PERF_STORE"):
        monkeypatch.delenv(name, raising=False)
    shutil.copyfile(ROOT / "indicators.toml", tmp_path / "indicators.toml")
    shutil.copytree(EXAMPLES, tmp_path / "extracts")
    return csc_perf.Workspace.open(tmp_path)


@pytest.fixture
def monthly(ws) -> list[Path]:
    return sorted((ws.config.parent / "extracts" / "monthly").glob("*.csv"))


def test_the_example_extracts_are_what_the_readme_says(ws, monthly):
    # 13 files, Oct-23 to Oct-24, each with every indicator of indicators.toml once.
    text = ws.config.read_text(encoding="utf-8")
    declared = [line for line in text.splitlines() if line.strip() == "[[indicator]]"]
    assert [month_of(p) for p in monthly][0::12] == ["2023-10", "2024-10"]
    assert len(monthly) == 13 == len(MONTHLY)
    for path in monthly:
        rows = rows_of(path)
        assert len(rows) == len(declared) == len(ws.definitions.indicators) == 70
        assert {r["Month"] for r in rows} == {month_of(path)}


def test_validate_reads_every_figure_and_writes_nothing(ws, monthly):
    report = ws.validate([monthly[0]])
    assert report.valid and not report.errors
    assert report.observations.height == len(rows_of(monthly[0]))
    assert report.observations.get_column("month").unique().to_list() == [date(2023, 10, 1)]
    assert report.issues_frame().columns[:3] == ["code", "severity", "message"]
    assert ws.store.is_new() and not ws.store.path.exists()
    alone = ws.validate(str(monthly[0]))  # one file need not be in a list
    assert alone.observations.equals(report.observations)


def test_validate_takes_the_reading_options(ws):
    one_month = BAD / "one-month.csv"  # indicator, value: the month is not in the file
    without = ws.validate([one_month])
    assert not without.valid and without.unreadable
    assert {i.code for i in without.errors} == {"month-required"}
    given = ws.validate([one_month], month="2024-10")
    assert given.valid
    assert given.observations.height == len(rows_of(one_month))
    assert given.observations.get_column("month").unique().to_list() == [date(2024, 10, 1)]
    assert ws.validate([one_month], month=date(2024, 10, 15)).valid
    assert set(
        ws.validate([one_month], month="Oct-24", authority="0852").observations["authority"]
    ) == {"852"}


def test_import_stores_an_extract_once(ws, monthly):
    first = monthly[0]
    done = ws.import_files([first])
    assert isinstance(done, ImportResult)
    assert done.committed and not done.dry_run
    assert (done.version, done.inserted, done.updated, done.unchanged) == (1, 70, 0, 0)
    assert done.inserted == len(rows_of(first))
    assert done.months == (month_of(first),)
    assert done.report.valid and done.changed_months == {month_of(first)}
    assert ws.notes == []

    again = ws.import_files([first])
    assert not again.committed
    assert (again.version, again.inserted, again.updated) == (1, 0, 0)
    assert again.unchanged == len(rows_of(first))
    assert again.changed_months == set()


def test_dry_run_says_what_would_change_and_writes_nothing(ws, monthly):
    done = ws.import_files([monthly[0]], dry_run=True)
    assert done.dry_run and not done.committed
    assert (done.inserted, done.updated, done.unchanged) == (len(rows_of(monthly[0])), 0, 0)
    changes = done.changes
    assert changes.height == done.inserted
    assert set(changes.get_column("change")) == {"insert"}
    assert changes.columns[:4] == ["change", "authority", "indicator", "month"]
    assert ws.store.is_new()


def test_every_import_is_one_version_and_export_gives_back_what_was_imported(ws, monthly):
    imported = []
    for number, path in enumerate(monthly, start=1):
        done = ws.import_files([path])
        assert (done.version, done.inserted) == (number, len(rows_of(path)))
        imported.append(done.report.observations)

    history = ws.history()
    # Version 0 is the store's creation; then one row per import, naming its file.
    assert history.height == len(monthly) + 1
    imports = history.filter(pl.col("operation") == "import")
    assert imports.get_column("version").to_list() == list(range(1, len(monthly) + 1))
    assert imports.get_column("files").to_list() == [p.name for p in monthly]
    assert imports.get_column("rows").to_list() == [len(rows_of(p)) for p in monthly]
    assert imports.get_column("months").to_list() == [month_of(p) for p in monthly]
    assert history.schema["sha256"] == pl.String and history.schema["inserted"] == pl.Int64

    everything = ws.export()
    expected = pl.concat(imported).sort(KEY)
    assert everything.height == sum(len(rows_of(p)) for p in monthly)
    assert everything.select(expected.columns).equals(expected)

    first = ws.export(as_of=1)
    assert first.equals(ws.export(as_of="1"))
    assert first.select(expected.columns).equals(imported[0].sort(KEY))
    assert ws.export(as_of=0).height == 0

    referrals = ws.export(indicators=["referrals"])
    assert set(referrals.get_column("indicator")) == {"referrals"}
    assert referrals.height == len(monthly)


def test_a_revised_figure_is_a_note_and_a_diff(ws, monthly, tmp_path):
    first = monthly[0]
    ws.import_files([first])
    rows = rows_of(first)
    referrals = next(
        r for r in rows if r["Indicator"].startswith("Number of referrals into statutory")
    )
    old = referrals["Value"]
    referrals["Value"] = str(int(old) + 1)
    revised = tmp_path / "revised.csv"
    with revised.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["Indicator", "Month", "Value"])
        writer.writeheader()
        writer.writerows(rows)

    done = ws.import_files([revised])
    assert (done.version, done.inserted, done.updated, done.unchanged) == (2, 0, 1, len(rows) - 1)
    assert [n.level for n in ws.notes] == ["warning", "warning"]
    assert ws.notes[0].text == "replaced 1 stored figure(s) (old -> new):"
    assert f"852 referrals 2023-10: {old} -> {int(old) + 1}" in ws.notes[1].text
    assert done.changes.get_column("change").to_list() == ["update"]

    for changes in (ws.diff(), ws.diff(since=1, until=2), ws.diff(since="1")):
        row = changes.row(0, named=True)
        assert changes.height == 1
        assert (row["indicator"], row["change"]) == ("referrals", "revised")
        assert (row["old_value"], row["new_value"]) == (float(old), float(old) + 1)
        assert row["name"] == ws.definitions.match("referrals").name
    assert ws.diff(since=0, until=1).height == len(rows)


def test_an_extract_with_errors_raises_with_its_report_and_writes_nothing(ws):
    seen = []
    with pytest.raises(InvalidDataError) as caught:
        ws.import_files([BAD / "negative-count.csv"], on_validated=seen.append)
    error = caught.value
    assert isinstance(error, CscPerfError)
    assert error.exit_code == ExitCode.INVALID
    assert [i.code for i in error.report.errors] == ["count-negative"]
    assert str(error) == "nothing imported: 1 error(s), 0 warning(s)"
    assert seen == [error.report]
    assert ws.store.is_new()

    with pytest.raises(InvalidDataError) as unreadable:
        ws.import_files([BAD / "binary-garbage.csv"])
    assert unreadable.value.exit_code == ExitCode.USAGE  # a file that cannot be read at all


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ws, f: ws.validate([f], shape="sideways"), "--shape 'sideways'"),
        (lambda ws, f: ws.import_files([f], month="someday"), "--month 'someday'"),
        (lambda ws, f: ws.validate([f], authority="nowhere"), "--authority 'nowhere'"),
    ],
)
def test_bad_arguments_are_usage_errors(ws, monthly, call, message):
    with pytest.raises(UsageError, match=message):
        call(ws, monthly[0])
    assert ws.store.is_new()


def test_reading_an_empty_store_is_a_store_error(ws):
    for call in (ws.history, ws.export, ws.diff):
        with pytest.raises(StoreError, match="no store at"):
            call()


def test_export_arguments(ws, monthly):
    ws.import_files([monthly[0]])
    with pytest.raises(UsageError, match="unknown indicator id"):
        ws.export(indicators=["not_an_indicator"])
    with pytest.raises(UsageError, match="--table 'cells'"):
        ws.export(table="cells")
    with pytest.raises(UsageError, match="no benchmarks in the store"):
        ws.export(table="benchmarks")
    with pytest.raises(UsageError, match="apply to observations"):
        ws.export(table="population", as_of=1)
    with pytest.raises(UsageError, match="at least 1"):
        ws.export(suppress=0)
    with pytest.raises(UsageError, match="neither a version number nor a date"):
        ws.export(as_of="yesterday")
    with pytest.raises(StoreError, match="versions run from 0 to 1"):
        ws.export(as_of=5)


def test_suppression_for_publication(ws, monthly):
    ws.import_files([monthly[0]])
    counts = [i.id for i in ws.definitions.indicators if i.unit == "count"]
    plain = ws.export()
    small = plain.filter(
        pl.col("indicator").is_in(counts)
        & pl.col("value").is_between(1, 5)
        & (pl.col("status") == "present")
    )
    hidden = ws.export(suppress=5)
    assert hidden.height == plain.height
    marked = hidden.join(small.select(KEY), on=KEY).get_column("status")
    assert marked.to_list() == ["suppressed"] * small.height
    assert all(n.text.startswith("note: ") for n in ws.notes)


def test_a_busy_store_is_a_busy_error(ws, monthly):
    ws.import_files([monthly[0]])
    impatient = csc_perf.Workspace.open(ws.config, wait=0)
    with ws.store.lock(), pytest.raises(StoreBusyError):
        impatient.import_files([monthly[1]])
    assert ws.history().height == 2  # creation and the first import only


def test_no_workspace_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.delenv("CSC_PERF_CONFIG", raising=False)
    with pytest.raises(ConfigError):
        csc_perf.Workspace.open(tmp_path / "nothing-here")


def test_a_folder_that_is_not_a_store_is_refused(ws, monthly):
    other = csc_perf.Workspace.open(ws.config, store=BAD / "not-a-store")
    with pytest.raises(StoreError, match="not a csc-perf store"):
        other.import_files([monthly[0]])
    assert other.validate([monthly[0]]).valid  # validating does not need the store


def test_population_and_benchmarks(ws):
    with open(ONS, encoding="utf-8-sig", newline="") as handle:
        years = {row["time_period"][:4] for row in csv.DictReader(handle)}
    population = ws.import_population([ONS])
    assert (population.table, population.version) == ("population", 0)
    assert set(population.frame.get_column("year").cast(pl.String)) <= years
    assert ws.export(table="population").height == population.frame.height

    # The population file has no benchmark column: a warning, then nothing to import.
    with pytest.raises(UsageError, match="nothing to import"):
        ws.import_benchmarks([ONS])
    assert [n.text for n in ws.notes] == [
        f"warning: {ONS}: no column of this file is a `benchmark` of any indicator in "
        "indicators.toml"
    ]

    ees = sorted(p for p in DFE.glob("*.csv") if p != ONS)
    benchmarks = ws.import_benchmarks(ees)
    assert benchmarks.version == 0 and benchmarks.frame.height > 0
    stored = ws.export(table="benchmarks", indicators=["children_in_care_rate"])
    assert set(stored.get_column("indicator")) == {"children_in_care_rate"}
    by_year = ws.benchmarks("children_in_care_rate")
    assert by_year.columns[:3] == ["year", "financial_year", "authority"]
    assert by_year.get_column("year").is_sorted()
    with pytest.raises(UsageError, match="unknown indicator"):
        ws.benchmarks("not an indicator")

    with pytest.raises(InvalidDataError) as bad_cell:
        ws.import_benchmarks([BAD / "ees-unreadable-period.csv"])
    assert bad_cell.value.exit_code == ExitCode.INVALID
    assert str(bad_cell.value).startswith("month-unparseable: ")
    with pytest.raises(UsageError, match="binary data"):
        ws.import_population([BAD / "binary-garbage.csv"])


def test_check_and_compact(ws, monthly):
    for path in monthly[:3]:
        ws.import_files([path])
    before = ws.export()
    checked = ws.check()
    assert checked.sound and checked.problems == () and checked.version == 3
    assert ws.compact() == 4
    assert ws.compact() is None  # nothing left to merge
    assert ws.check().version == 4
    assert ws.export().equals(before)


def test_the_definitions_table(ws):
    table = ws.definitions_table()
    assert table.height == len(ws.definitions.indicators)
    assert table.get_column("id").to_list() == [i.id for i in ws.definitions.indicators]
    visiting = ws.definitions_table("visiting")
    assert 0 < visiting.height < table.height
    with pytest.raises(UsageError, match="unknown theme"):
        ws.definitions_table("not_a_theme")


def test_init_and_the_demo(tmp_path):
    from csc_perf.app.setup import demo_workspace, import_examples, init_workspace

    made = init_workspace(tmp_path / "new")
    # Issue 18: Taplo's schema directive, a blank line, then the template as shipped.
    directive = b"#:schema ./indicators.schema.json\n\n"
    assert made.read_bytes() == directive + (ROOT / "indicators.toml").read_bytes()
    with pytest.raises(UsageError, match="already exists"):
        init_workspace(tmp_path / "new")
    with (
        pytest.raises(UsageError, match="already holds a workspace"),
        demo_workspace(tmp_path / "new"),
    ):
        pass

    with demo_workspace(tmp_path / "demo") as demo:
        done = list(import_examples(demo))
        assert [p.name for p, _ in done][:13] == [p.name for p in MONTHLY]
        assert [r.version for _, r in done] == list(range(1, 15))
        assert sum(r.inserted for _, r in done) == demo.export().height
    assert (tmp_path / "demo" / "indicators.toml").exists()
