"""Every version is kept for ever: Delta's checkpoint at version 100 and its 30-day log
retention must not delete the commits that `history` and `--as-of` read."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import date

import polars as pl

from csc_perf.model.schemas import FileSummary

SIXTY_DAYS = 60 * 24 * 3600


def one_import(number: int) -> pl.DataFrame:
    """Import N revises referrals for 2015-01 to N and adds contacts for the N-th month."""
    year, month = divmod(number - 1, 12)
    return pl.DataFrame(
        {
            "authority": ["852", "852"],
            "indicator": ["referrals", "contacts"],
            "month": [date(2015, 1, 1), date(2015 + year, month + 1, 1)],
            "value": [float(number), float(1000 + number)],
            "status": ["present", "present"],
            "source_file": [f"import-{number}.csv"] * 2,
            "source_sheet": [None, None],
            "source_row": [2, 3],
        },
        schema_overrides={"source_sheet": pl.String},
    )


def age(folder, seconds):
    """Make every file of the store look ``seconds`` older, as if written back then."""
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            stat = os.stat(path)
            os.utime(path, (stat.st_atime - seconds, stat.st_mtime - seconds))


def test_history_and_as_of_survive_the_checkpoint_and_log_retention(cli, workspace):
    from csc_perf.store.core import Store

    folder = workspace / "store"
    store = Store(folder)
    for number in range(1, 99):  # versions 1..98, quickly through the library
        summary = FileSummary(f"import-{number}.csv", f"{number:064x}", 2, "long")
        result = store.commit_import(one_import(number), [summary])
        assert result.version == number
    age(folder, SIXTY_DAYS)
    # The last five through the CLI: version 99 is Delta's checkpoint, where its default
    # log clean-up would delete every commit file older than 30 days.
    for number in range(99, 104):
        extract = workspace / f"import-{number}.csv"
        year, month = divmod(number - 1, 12)
        extract.write_text(
            "indicator,month,value\n"
            f"referrals,2015-01,{number}\n"
            f"contacts,{2015 + year}-{month + 1:02d},{1000 + number}\n",
            encoding="utf-8",
        )
        result = cli("import", extract)
        assert result.exit_code == 0, result.stderr
        assert f"imported as version {number}" in result.stderr
    log = folder / "observations" / "_delta_log"
    assert (log / "00000000000000000099.checkpoint.parquet").exists()
    assert (log / "00000000000000000000.json").exists()

    history = cli("history", "--format", "csv")
    assert history.exit_code == 0, history.stderr
    rows = list(csv.DictReader(io.StringIO(history.stdout)))
    assert [int(r["version"]) for r in rows] == list(range(104))
    assert sum(r["operation"] == "import" for r in rows) == 103

    as_of = cli("export", "--as-of", "5", "--format", "csv")
    assert as_of.exit_code == 0, as_of.stderr
    figures = {
        (r["indicator"], r["month"]): float(r["value"])
        for r in csv.DictReader(io.StringIO(as_of.stdout))
    }
    assert figures == {
        ("referrals", "2015-01-01"): 5.0,  # import 5's revision
        ("contacts", "2015-01-01"): 1001.0,
        ("contacts", "2015-02-01"): 1002.0,
        ("contacts", "2015-03-01"): 1003.0,
        ("contacts", "2015-04-01"): 1004.0,
        ("contacts", "2015-05-01"): 1005.0,
    }
    diff = cli("history", "--diff", "--from", "4", "--to", "5", "--format", "csv")
    assert diff.exit_code == 0, diff.stderr
    changes = list(csv.DictReader(io.StringIO(diff.stdout)))
    assert {(c["indicator"], c["old_value"], c["new_value"]) for c in changes} == {
        ("referrals", "4.0", "5.0"),
        ("contacts", "", "1005.0"),
    }
    # compact keeps it all too (it never vacuums), and the store checks sound
    assert cli("store", "compact").exit_code == 0
    assert cli("export", "--as-of", "5", "--format", "csv").stdout == as_of.stdout
    check = cli("store", "check")
    assert check.exit_code == 0, check.stderr
    assert "sound (version 103)" in check.stderr  # each MERGE left one file: nothing to compact


def test_a_store_made_before_gets_the_properties_on_its_next_write(cli, workspace):
    """A store whose table has Delta's defaults (as csc-perf made them before) is given the
    keep-everything properties by its next import, as a commit of its own."""
    from deltalake import DeltaTable

    from csc_perf.store.core import Store
    from csc_perf.store.layout import HISTORY_PROPERTIES

    folder = workspace / "store"
    store = Store(folder)
    store.commit_import(one_import(1), [])

    # Undo what the new code set at creation, as an old store would be.
    log = folder / "observations" / "_delta_log" / "00000000000000000000.json"
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    for action in lines:
        if "metaData" in action:
            action["metaData"]["configuration"] = {}
    log.write_text("\n".join(json.dumps(a) for a in lines))
    assert DeltaTable(store.table_location).metadata().configuration == {}

    extract = workspace / "later.csv"
    extract.write_text("indicator,month,value\nreferrals,2015-02,7\n", encoding="utf-8")
    result = cli("import", extract)
    assert result.exit_code == 0, result.stderr
    assert "imported as version 3" in result.stderr  # version 2 set the properties
    configuration = DeltaTable(store.table_location).metadata().configuration
    assert {k: configuration.get(k) for k in HISTORY_PROPERTIES} == HISTORY_PROPERTIES
    history = cli("history", "--format", "csv")
    operations = [r["operation"] for r in csv.DictReader(io.StringIO(history.stdout))]
    assert operations == ["create", "import", "keep history", "import"]
