"""Issue 11, item 12: `required-missing` is one line per file and month on import, says
nothing about figures the store already holds or on an unchanged re-import, and `-q`
silences warnings. `validate` still lists every missing indicator.

The shipped definitions mark four indicators required: contacts, referrals, cp_plans and
children_in_care.
"""

from __future__ import annotations

import json
from datetime import date

import polars as pl

from conftest import ROOT, store_state
from csc_perf.definitions.loading import load_definitions
from csc_perf.ingest.validation import validate_files

NAMES = {
    "contacts": "Number of contacts in the month",
    "referrals": "Number of referrals into statutory service in the month",
    "cp_plans": "Number of children subject to CP Plan at end of month",
    "children_in_care": "Number of children in our care",
}


def _extract(path, rows):
    lines = ["Authority,Indicator,Month,Value"]
    lines += [f"{a},{NAMES[i]},{m},{v}" for a, i, m, v in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _required_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "required-missing" in line]


def test_one_line_per_file_and_month(cli, workspace):
    path = _extract(
        workspace / "sept.csv",
        [("852", "contacts", "2024-09", 1900), ("852", "contacts", "2024-08", 1800)],
    )
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    # Three required indicators (referrals, cp_plans, children_in_care) lack each month.
    assert _required_lines(result.stderr) == [
        f"warning required-missing: {path}: 3 required indicators have no figure for 2024-08; "
        f"`csc-perf validate {path}` lists them",
        f"warning required-missing: {path}: 3 required indicators have no figure for 2024-09; "
        f"`csc-perf validate {path}` lists them",
    ]


def test_unchanged_reimport_says_nothing_again(cli, workspace):
    path = _extract(workspace / "sept.csv", [("852", "contacts", "2024-09", 1900)])
    assert len(_required_lines(cli("import", path).stderr)) == 1
    again = cli("import", path)
    assert again.exit_code == 0
    assert "no changes" in again.stderr
    assert _required_lines(again.stderr) == []


def test_figures_the_store_holds_are_not_missing(cli, workspace):
    full = _extract(
        workspace / "full.csv",
        [("852", ind, "2024-09", n) for n, ind in enumerate(NAMES, start=100)],
    )
    first = cli("import", full)
    assert first.exit_code == 0 and _required_lines(first.stderr) == []
    revision = _extract(workspace / "revision.csv", [("852", "contacts", "2024-09", 1901)])
    result = cli("import", revision)
    assert result.exit_code == 0, result.stderr
    assert _required_lines(result.stderr) == []
    # The revision itself is listed (old -> new): one figure replaced.
    assert f"852 contacts 2024-09: 100 -> 1,901 (was from {full}; now {revision}, row 2)" in (
        result.stderr
    )
    validate = cli("validate", revision, "--format", "json")
    assert [i for i in json.loads(validate.stdout) if i["code"] == "required-missing"] == []


def test_validate_lists_every_missing_indicator(cli, workspace):
    path = _extract(workspace / "sept.csv", [("852", "contacts", "2024-09", 1900)])
    result = cli("validate", path, "--format", "json")
    assert result.exit_code == 0
    missing = [i for i in json.loads(result.stdout) if i["code"] == "required-missing"]
    assert [(i["indicator"], i["month"], i["file"]) for i in missing] == [
        ("referrals", "2024-09", str(path)),
        ("cp_plans", "2024-09", str(path)),
        ("children_in_care", "2024-09", str(path)),
    ]


def test_several_authorities_in_one_line(cli, workspace):
    path = _extract(
        workspace / "two.csv",
        [("852", "contacts", "2024-09", 1900), ("850", "contacts", "2024-09", 2100)],
    )
    result = cli("import", path)
    assert _required_lines(result.stderr) == [
        f"warning required-missing: {path}: 3 required indicators have no figure for 2024-09 "
        f"(6 figures across authorities); `csc-perf validate {path}` lists them"
    ]


def test_quiet_silences_warnings_but_not_errors(cli, workspace):
    path = _extract(workspace / "sept.csv", [("852", "contacts", "2024-09", 1900)])
    result = cli("-q", "import", path)
    assert result.exit_code == 0
    assert result.stderr == ""
    revision = _extract(workspace / "rev.csv", [("852", "contacts", "2024-09", 1901)])
    quiet_revision = cli("-q", "import", revision)
    assert quiet_revision.exit_code == 0 and quiet_revision.stderr == ""
    before = store_state(workspace / "store")
    bad = _extract(workspace / "bad.csv", [("852", "contacts", "2024-09", "12.5%")])
    refused = cli("-q", "import", bad)
    assert refused.exit_code == 1
    assert f"error percent-sign-unexpected: {bad}, row 2" in refused.stderr
    assert "warning required-missing" not in refused.stderr
    assert store_state(workspace / "store") == before


def test_library_required_missing_with_history(tmp_path):
    definitions = load_definitions(ROOT / "indicators.toml")
    path = _extract(tmp_path / "sept.csv", [("852", "contacts", "2024-09", 1900)])
    history = pl.DataFrame(
        {
            "authority": ["852", "852", "852"],
            "indicator": ["referrals", "cp_plans", "children_in_care"],
            "month": [date(2024, 9, 1)] * 3,
            "value": [None, 5.0, 400.0],
            "status": ["suppressed", "present", "present"],
        }
    ).with_columns(pl.col("value").cast(pl.Float64))
    alone = validate_files([path], definitions)
    assert [i.indicator for i in alone.warnings] == ["referrals", "cp_plans", "children_in_care"]
    with_store = validate_files([path], definitions, history=history)
    assert with_store.warnings == []
