"""Importing the examples into the Delta store, export, history, revisions, as-of, locking."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys

import polars as pl
import pytest

from conftest import MONTHLY, WORKBOOK, store_state
from seed_tables import expected_values, seed_cells


def export_frame(cli, *args) -> pl.DataFrame:
    result = cli("export", "--format", "csv", *args)
    assert result.exit_code == 0, result.stderr
    return pl.read_csv(io.StringIO(result.stdout), try_parse_dates=True)


def test_every_example_extract_imports_cleanly(cli, workspace):
    for path in [*MONTHLY, WORKBOOK]:
        result = cli("import", path)
        assert result.exit_code == 0, result.stderr
        assert "error" not in result.stderr
    assert len(MONTHLY) == 13  # Oct-23 .. Oct-24


def test_export_returns_every_seed_figure(cli, full_workspace, definitions):
    frame = export_frame(cli)
    stored = {
        (definitions[r["indicator"]].name, f"{r['month']:%Y-%m}"): (r["value"], r["status"])
        for r in frame.iter_rows(named=True)
    }
    expected = expected_values()
    assert len(expected) > 900
    checked = 0
    for (name, month), value in expected.items():
        stored_value, status = stored.get((name, month), (None, "absent"))
        if value is None:
            # blank or garbled in the report: missing in the store (or not exported at all)
            assert stored_value is None and status in ("missing", "absent"), (name, month)
        else:
            assert stored_value == pytest.approx(value), (name, month)
            assert status == "present"
            checked += 1
    assert checked > 900


@pytest.mark.parametrize(
    ("indicator", "month", "value"),
    [
        # Typed from the seed report.
        ("early_help_referrals", "2024-10", 196),
        ("early_help_referrals", "2024-09", 100),
        ("referrals", "2024-10", 403),
        ("referrals", "2024-09", 305),
        ("referrals_rate", "2024-10", 588),
        ("contacts_rate", "2022-10", 4266),
        ("s47_enquiries", "2024-10", 134),
        ("strategy_to_s47", "2024-10", 106),
        ("children_in_care", "2024-10", 468),
        ("cla_ifa", "2023-10", 141),
        ("cla_ifa", "2024-10", 115),
        ("cla_childrens_homes", "2023-10", 39),
        ("cla_childrens_homes", "2024-10", 31),
        ("sw_average_caseload", "2024-10", 14.24),
        ("sw_average_caseload", "2024-01", 17.73),
        ("eh_visits_4_weeks", "2024-10", 83),
        ("cin_visits_6_weeks", "2023-10", 96),
        ("care_leaver_supervision", "2024-10", 83),
        ("re_referrals", "2024-10", 19),
        ("repeat_cp_plans", "2022-10", 31),
    ],
)
def test_export_spot_checks(cli, full_workspace, indicator, month, value):
    frame = export_frame(cli, "--indicator", indicator)
    row = frame.filter(pl.col("month").dt.strftime("%Y-%m") == month)
    assert row.get_column("value").to_list() == [pytest.approx(value)]


def test_missing_is_stored_as_missing_not_zero(cli, full_workspace):
    frame = export_frame(cli, "--indicator", "initial_health_assessments")
    by_month = {f"{r['month']:%Y-%m}": r for r in frame.iter_rows(named=True)}
    # "the health information for September and October were not yet shared"
    assert by_month["2024-10"]["value"] is None
    assert by_month["2024-10"]["status"] == "missing"
    assert by_month["2024-08"]["value"] == 67
    # The garbled Oct-22 cell of assessments within 45 days is missing in the examples.
    frame = export_frame(cli, "--indicator", "assessments_in_45_days")
    oct22 = frame.filter(pl.col("month").dt.strftime("%Y-%m") == "2022-10")
    assert oct22.get_column("status").to_list() == ["missing"]


def test_seed_reader_sees_the_known_disagreement():
    cells = seed_cells()
    assert sorted(cells[("Number of children in our care", "2022-10")]) == ["548", "552", "552"]


def test_reimport_changes_nothing_and_says_so(cli, full_workspace):
    before = store_state(full_workspace / "store")
    result = cli("import", MONTHLY[-1])
    assert result.exit_code == 0
    assert "no changes: nothing in these 70 observation(s) differs from the store" in result.stderr
    assert store_state(full_workspace / "store") == before


def test_revision_replaces_value_and_keeps_old_with_as_of(cli, full_workspace, tmp_path):
    version_before, _ = store_state(full_workspace / "store")
    revised = tmp_path / "revised-2024-09.csv"
    text = MONTHLY[-2].read_text(encoding="utf-8")  # Sep-24
    line = "Percentage of CLA for whom a visit has taken place within agreed timescales,2024-09,89%"
    assert line in text
    revised.write_text(text.replace(line, line.replace("89%", "91%")), encoding="utf-8")

    dry = cli("import", revised, "--dry-run", "--format", "csv")
    assert dry.exit_code == 0
    assert "would insert 0 and update 1 observation(s); 69 unchanged" in dry.stderr
    changes = pl.read_csv(io.StringIO(dry.stdout))
    assert changes.select("change", "indicator", "old_value", "new_value").rows() == [
        ("update", "cla_visits", 89.0, 91.0)
    ]
    assert store_state(full_workspace / "store")[0] == version_before

    result = cli("import", revised)
    assert result.exit_code == 0
    assert f"imported as version {version_before + 1}: 0 new, 1 updated, 69 unchanged" in (
        result.stderr
    )
    current = export_frame(cli, "--indicator", "cla_visits")
    old = export_frame(cli, "--indicator", "cla_visits", "--as-of", str(version_before))
    month = pl.col("month").dt.strftime("%Y-%m") == "2024-09"
    assert current.filter(month).get_column("value").to_list() == [91.0]
    assert old.filter(month).get_column("value").to_list() == [89.0]


def test_missing_cell_never_erases_a_figure(cli, full_workspace, tmp_path):
    blanked = tmp_path / "blank.csv"
    blanked.write_text(
        "Indicator,Month,Value\nNumber of contacts in the month,2024-10,\n", encoding="utf-8"
    )
    result = cli("import", blanked)
    assert result.exit_code == 0
    assert "no changes" in result.stderr
    frame = export_frame(cli, "--indicator", "contacts")
    oct24 = frame.filter(pl.col("month").dt.strftime("%Y-%m") == "2024-10")
    assert oct24.get_column("value").to_list() == [1928.0]


def test_history_lists_every_import(cli, workspace):
    for path in MONTHLY[:2]:
        assert cli("import", path).exit_code == 0
    result = cli("history", "--format", "json")
    entries = json.loads(result.stdout)
    imports = [e for e in entries if e["operation"] == "import"]
    assert [e["version"] for e in imports] == [1, 2]
    assert imports[0]["files"] == MONTHLY[0].name
    assert imports[0]["sha256"] == hashlib.sha256(MONTHLY[0].read_bytes()).hexdigest()
    assert imports[0]["rows"] == 70
    assert imports[0]["months"] == "2023-10"
    assert imports[1]["inserted"] == 70
    assert {"time", "updated", "unchanged"} <= set(imports[0])


def test_as_of_date_and_bad_as_of(cli, full_workspace):
    import datetime as dt

    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert export_frame(cli, "--as-of", tomorrow).height == export_frame(cli).height
    result = cli("export", "--as-of", "last tuesday")
    assert result.exit_code == 2
    assert "--as-of 'last tuesday' is neither a version number nor a date" in result.stderr
    result = cli("export", "--as-of", "999")
    assert result.exit_code == 2
    assert "cannot read the store as of 999" in result.stderr


def test_export_formats(cli, full_workspace, tmp_path):
    jsonl = cli("export", "--format", "jsonl", "--indicator", "contacts")
    rows = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert {"authority", "indicator", "month", "value", "status"} <= set(rows[0])
    assert rows[0]["authority"] == "852"
    target = tmp_path / "obs.parquet"
    result = cli("export", "-o", target)
    assert result.exit_code == 0
    frame = pl.read_parquet(target)
    assert frame.height == export_frame(cli).height
    assert not list(tmp_path.glob(".obs.parquet.*"))  # no temporary file left behind


def test_not_a_store_is_refused(cli, workspace, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "cat.jpg").write_bytes(b"\xff\xd8")
    result = cli("--store", folder, "import", MONTHLY[0])
    assert result.exit_code == 2
    assert "this folder is not a csc-perf store" in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["cat.jpg"]


def test_busy_store_gives_exit_75(cli, seeded_workspace):
    from csc_perf.store.core import Store

    before = store_state(seeded_workspace / "store")
    with Store(seeded_workspace / "store").lock():
        result = cli("import", MONTHLY[1], "--wait", "0")
    assert result.exit_code == 75
    assert "the store is busy" in result.stderr
    assert store_state(seeded_workspace / "store") == before


def test_concurrent_imports_lose_nothing(workspace):
    """Several processes at once (different months, and the same month twice)."""
    env = {
        **os.environ,
        "CSC_PERF_CONFIG": str(workspace / "indicators.toml"),
        "CSC_PERF_STORE": str(workspace / "store"),
    }
    files = [MONTHLY[0], MONTHLY[1], MONTHLY[2], MONTHLY[2]]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "csc_perf", "import", str(f), "--wait", "120"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for f in files
    ]
    outcomes = [(p.wait(timeout=300), p.stderr.read().decode()) for p in procs]
    assert all(code == 0 for code, _ in outcomes), outcomes
    from csc_perf.store.core import Store

    store = Store(workspace / "store")
    imports = [e for e in store.history() if e["operation"] == "import"]
    assert len(imports) == 3  # the second copy of the same month changed nothing
    assert sum(e["inserted"] for e in imports) == 210
    assert store.observations().height == 210
    assert sum("no changes" in err for _, err in outcomes) == 1
