"""Every validation code, each with a broken fixture: the exit code, the message, and that
the store did not change (for errors) or took the file (for warnings).

The fixtures are in tests/fixtures/bad/; those built from the seed report say so.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES, store_state

BAD = FIXTURES / "bad"

# (fixture, extra options, exit code, code, a fragment of the message that names where)
ERRORS = [
    ("empty.csv", [], 1, "file-empty", "empty.csv: the file is empty"),
    ("header-only.csv", [], 1, "file-empty", "header-only.csv: has a header (row 1) but no data"),
    ("binary-garbage.csv", [], 2, "file-unreadable", "binary-garbage.csv: the file holds binary"),
    (
        "not-a-workbook.xlsx",
        [],
        2,
        "file-unreadable",
        "not-a-workbook.xlsx: not a readable .xlsx workbook",
    ),
    ("ragged-row.csv", [], 2, "file-unreadable", "ragged-row.csv: row 2: 4 cells but the header"),
    ("cp1252.csv", [], 2, "encoding-error", "cp1252.csv: line 6: byte 0xa3 is not valid utf-8"),
    ("utf16.csv", [], 2, "encoding-error", "utf16.csv: the file is UTF-16 encoded"),
    ("no-header.csv", [], 1, "header-missing", "no-header.csv: row 1: the header ('foo', 'bar')"),
    (
        "duplicate-headers.csv",
        [],
        1,
        "header-duplicate",
        "duplicate-headers.csv, row 1: two columns are headed 'Value'",
    ),
    (
        "duplicate-month-columns.csv",
        [],
        1,
        "header-duplicate",
        "column '2024-10' is the same month as column 'Oct-24'",
    ),
    ("one-month.csv", [], 2, "month-required", "one-month.csv: a one-month extract"),
    (
        "unknown-indicator.csv",
        [],
        1,
        "indicator-unknown",
        "unknown-indicator.csv, row 6: unknown indicator 'Number of referals into Early Help'; "
        "did you mean 'Number of referrals into Early Help'",
    ),
    (
        "garbled-cell.csv",
        [],
        1,
        "value-unparseable",
        "garbled-cell.csv, row 2, column 'Oct-22': \"Ī _'\" is not a number",
    ),
    ("bad-month.csv", [], 1, "month-unparseable", "bad-month.csv, row 2: month 'Octember-24'"),
    (
        "bad-month-header.csv",
        [],
        1,
        "month-unparseable",
        "bad-month-header.csv, row 1: column header 'Oct-2x' looks like a month",
    ),
    ("future-month.csv", [], 1, "month-future", "future-month.csv, row 2: month 2099-01 is in"),
    ("month-before-2000.csv", [], 1, "month-too-early", "row 2: month 1999-12 is before 2000"),
    (
        "children-in-care-conflict.csv",
        [],
        1,
        "duplicate-conflict",
        "children-in-care-conflict.csv, row 3, column 'Oct-22': 'Number of children in our care' "
        "for 2022-10 is '552' here but '548' at row 2, column 'Oct-22'",
    ),
    (
        "negative-count.csv",
        [],
        1,
        "count-negative",
        "negative-count.csv, row 6, column 'Value': 'Number of new CLA in month' for 2024-10: "
        "'-2' is negative",
    ),
]


@pytest.mark.parametrize(("name", "options", "exit_code", "code", "message"), ERRORS)
def test_error_leaves_store_unchanged(
    cli, seeded_workspace, name, options, exit_code, code, message
):
    before = store_state(seeded_workspace / "store")
    result = cli("import", BAD / name, *options)
    assert result.exit_code == exit_code, result.output
    assert f"error {code}: " in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert "nothing imported" in result.stderr
    assert store_state(seeded_workspace / "store") == before


@pytest.mark.parametrize(("name", "options", "exit_code", "code", "message"), ERRORS)
def test_validate_reports_the_same_code_as_json(
    cli, workspace, name, options, exit_code, code, message
):
    import json

    result = cli("validate", BAD / name, *options, "--format", "json")
    assert result.exit_code == exit_code
    issues = json.loads(result.stdout)
    assert code in {i["code"] for i in issues}
    issue = next(i for i in issues if i["code"] == code)
    assert set(issue) == {
        "code",
        "severity",
        "message",
        "file",
        "sheet",
        "row",
        "column",
        "cell",
        "indicator",
        "month",
    }
    assert issue["severity"] == "error"
    assert issue["file"].endswith(name)


def test_value_unparseable_names_cell_and_indicator(cli, workspace):
    import json

    result = cli("validate", BAD / "garbled-cell.csv", "--format", "json")
    (issue,) = [i for i in json.loads(result.stdout) if i["code"] == "value-unparseable"]
    assert issue["row"] == 2
    assert issue["column"] == "Oct-22"
    assert issue["cell"] == "Ī _'"
    assert issue["indicator"] == "assessments_in_45_days"
    assert issue["month"] == "2022-10"


def test_conflict_from_the_seed_names_both_places(cli, workspace):
    import json

    result = cli("validate", BAD / "children-in-care-conflict.csv", "--format", "json")
    conflicts = [i for i in json.loads(result.stdout) if i["code"] == "duplicate-conflict"]
    # Oct-22 548 vs 552 and Oct-23 503 vs 504, as the seed's two tables print them.
    assert {(i["month"], i["cell"]) for i in conflicts} == {("2022-10", "552"), ("2023-10", "504")}


def test_percentage_over_100_is_a_warning_and_is_imported(cli, seeded_workspace):
    # The seed's "Percentage of Strategy discussions resulting in Section 47" is 106 in Oct-24.
    before_version, _ = store_state(seeded_workspace / "store")
    result = cli("import", BAD / "percentage-over-100.csv")
    assert result.exit_code == 0, result.output
    assert "warning value-out-of-range: " in result.stderr
    assert "'106' is outside the valid range [0, 100]" in result.stderr
    version, rows = store_state(seeded_workspace / "store")
    assert version == before_version + 1
    assert {"indicator": "strategy_to_s47", "value": 106.0} in [
        {"indicator": r["indicator"], "value": r["value"]} for r in rows
    ]


def test_out_of_range_can_be_an_error_per_indicator(cli, seeded_workspace):
    toml = seeded_workspace / "indicators.toml"
    text = toml.read_text(encoding="utf-8")
    start = text.index('id = "strategy_to_s47"')
    end = text.index("[[indicator]]", start)
    block = text[start:end]
    assert 'out_of_range = "warning"' in block
    toml.write_text(
        text[:start] + block.replace('"warning"', '"error"') + text[end:], encoding="utf-8"
    )
    before = store_state(seeded_workspace / "store")
    result = cli("import", BAD / "percentage-over-100.csv")
    assert result.exit_code == 1, result.stderr
    assert "error value-out-of-range: " in result.stderr
    assert store_state(seeded_workspace / "store") == before


def test_required_missing_is_a_warning(cli, seeded_workspace):
    result = cli("import", BAD / "required-missing.csv")
    assert result.exit_code == 0
    # issue 11: the message now names the file (one line per file and month)
    assert (
        f"warning required-missing: {BAD / 'required-missing.csv'}: required indicator "
        "'Number of children subject to CP Plan at end of month' has no value for 2024-10"
        in result.stderr
    )


def test_cp1252_imports_with_the_flag(cli, seeded_workspace):
    result = cli("import", BAD / "cp1252.csv", "--encoding", "cp1252")
    assert result.exit_code == 0, result.stderr


def test_one_month_extract_imports_with_month(cli, seeded_workspace):
    result = cli("import", BAD / "one-month.csv", "--month", "Sep-24")
    assert result.exit_code == 0, result.stderr
    rows = store_state(seeded_workspace / "store")[1]
    contacts = [r for r in rows if r["indicator"] == "contacts" and str(r["month"]) == "2024-09-01"]
    assert [r["value"] for r in contacts] == [1928.0]


def test_validate_exit_zero_on_clean_file(cli, workspace):
    from conftest import MONTHLY

    result = cli("validate", MONTHLY[-1], "--format", "csv")
    # Oct-24 carries the seed's 106% (a warning), nothing else.
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "code,severity,message,file,sheet,row,column,cell,indicator,month"
    assert [line.split(",")[0] for line in lines[1:]] == ["value-out-of-range"]
