"""Issue 18 item 6: ``export --as-of`` a moment when the store held no figures yet is a
wrong date (exit 2, "the store starts at ..."), not an empty answer."""

from __future__ import annotations

import json
from datetime import datetime, timezone


def made_long_before_its_first_import(store) -> None:
    """Date the store's creation (version 0, no figures) back to 1 June 2020, as for a
    store made by a first import attempt long before the first figures went in."""
    log = store / "observations" / "_delta_log" / f"{0:020d}.json"
    lines = log.read_text("utf-8").splitlines()
    stamp = int(datetime(2020, 6, 1, tzinfo=timezone.utc).timestamp() * 1000)
    for i, line in enumerate(lines):
        action = json.loads(line)
        if "commitInfo" in action:
            action["commitInfo"]["timestamp"] = stamp
            lines[i] = json.dumps(action)
    log.write_text("\n".join(lines) + "\n", "utf-8")


def test_a_date_before_the_first_import_exits_2(cli, seeded_workspace):
    made_long_before_its_first_import(seeded_workspace / "store")
    result = cli("export", "--as-of", "2021-01-01", "--format", "csv")
    assert result.exit_code == 2, result.stdout
    assert "cannot read the store as of 2021-01-01: the store starts at" in result.stderr
    assert "(version 1, its first import)" in result.stderr
    assert result.stdout == ""
    # Before the store was made at all: the store's own check, the same words.
    early = cli("export", "--as-of", "2019-01-01", "--format", "csv")
    assert early.exit_code == 2
    assert "the store starts at 2020-06-01T00:00:00+00:00" in early.stderr


def test_version_0_by_number_is_the_empty_first_version(cli, seeded_workspace):
    # A version asked for by number is the one `history` lists: version 0 made the store,
    # empty (tests/test_workspace_api.py expects the same of the API).
    result = cli("export", "--as-of", "0", "--format", "csv")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 1  # the header
    # The first import's version: the October 2023 extract's 70 figures.
    whole = cli("export", "--as-of", "1", "--format", "csv")
    assert whole.exit_code == 0
    assert len(whole.stdout.splitlines()) == 1 + 70


def test_the_check_is_on_the_store_not_the_filtered_rows(cli, seeded_workspace):
    # The refusal is about the date: one indicator's figures at version 1 are an answer.
    result = cli("export", "--as-of", "1", "--indicator", "contacts", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1 + 1
