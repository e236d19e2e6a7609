"""Publication suppression: counts 1-5 as c, rates from them, totals, rolling notes."""

from __future__ import annotations

import io
import json
from datetime import date

import polars as pl

from csc_perf.definitions.loading import parse_definitions
from csc_perf.methods.suppression import suppress_observations, suppressed_keys

TEXT = """
[workspace]
authority = "852"  # issue 11: a real LA code ("1" is refused now)
[population]
year = 2022
estimates = { "2022" = 10000 }
[[theme]]
id = "t"
name = "T"
[[indicator]]
id = "boys"
name = "Boys"
theme = "t"
unit = "count"
measure = "snapshot"
polarity = "none"
[[indicator]]
id = "girls"
name = "Girls"
theme = "t"
unit = "count"
measure = "snapshot"
polarity = "none"
[[indicator]]
id = "others"
name = "Others"
theme = "t"
unit = "count"
measure = "snapshot"
polarity = "none"
[[indicator]]
id = "total"
name = "Total"
theme = "t"
unit = "count"
measure = "snapshot"
polarity = "none"
formula = "boys + girls + others"
[[indicator]]
id = "boys_rate"
name = "Boys per 10,000"
theme = "t"
unit = "rate"
measure = "snapshot"
polarity = "none"
formula = "boys / population * 10000"
[[indicator]]
id = "starts"
name = "Starts"
theme = "t"
unit = "count"
measure = "flow"
polarity = "none"
[[indicator]]
id = "starts_rate"
name = "Starts rate"
theme = "t"
unit = "rate"
measure = "flow"
polarity = "none"
formula = "rolling_sum(starts, 2) / population * 10000"
"""


def observations(rows):
    return pl.DataFrame(
        [("852", i, m, v, "present") for i, m, v in rows],
        schema={
            "authority": pl.String,
            "indicator": pl.String,
            "month": pl.Date,
            "value": pl.Float64,
            "status": pl.String,
        },
        orient="row",
    )


M = date(2024, 10, 1)


def test_primary_rate_and_secondary_suppression():
    definitions = parse_definitions(TEXT)
    obs = observations(
        [("boys", M, 3), ("girls", M, 40), ("others", M, 12), ("total", M, 55), ("boys_rate", M, 3)]
    )
    keys, _ = suppressed_keys(obs, definitions)
    hidden = set(keys.get_column("indicator"))
    # 3 boys is a small count; the boys' rate reveals it; with the total shown, the next
    # smallest part (12 others) is hidden too so 55 - 40 - 12 cannot give it away.
    assert hidden == {"boys", "boys_rate", "others"}
    shown, _ = suppress_observations(obs, definitions)
    rows = {r["indicator"]: (r["value"], r["status"]) for r in shown.iter_rows(named=True)}
    assert rows["boys"] == (None, "suppressed")
    assert rows["girls"] == (40.0, "present")
    assert rows["total"] == (55.0, "present")


def test_zero_and_six_are_not_suppressed_and_the_threshold_is_configurable():
    definitions = parse_definitions(TEXT)
    obs = observations([("boys", M, 0), ("girls", M, 6), ("others", M, 9)])
    assert suppressed_keys(obs, definitions)[0].height == 0
    assert set(suppressed_keys(obs, definitions, threshold=6)[0].get_column("indicator")) == {
        "girls"
    }


def test_rolling_figures_that_reveal_a_month_get_a_note():
    definitions = parse_definitions(TEXT)
    aug, sep = date(2024, 8, 1), date(2024, 9, 1)
    obs = observations(
        [
            ("starts", aug, 20),
            ("starts", sep, 30),
            ("starts", M, 4),
            ("starts_rate", sep, 50),
            ("starts_rate", M, 34),
        ]
    )
    keys, notes = suppressed_keys(obs, definitions)
    hidden = set(keys.select("indicator", "month").iter_rows())
    # October's 4 starts are hidden; the 2-month rolling rate (30 + 4 = 34) is not a small
    # number, so it stays, but with September's 50 (20 + 30) it reveals 4 = 34 - 50 + 20.
    assert ("starts", M) in hidden and ("starts_rate", M) not in hidden
    assert len(notes) == 1
    assert notes[0].startswith("Starts rate: the rolling figures for 2024-09 and 2024-10")


def test_a_rolling_rate_of_a_small_total_is_hidden():
    definitions = parse_definitions(TEXT)
    obs = observations([("starts", date(2024, 9, 1), 1), ("starts", M, 2), ("starts_rate", M, 3)])
    hidden = set(suppressed_keys(obs, definitions)[0].get_column("indicator"))
    assert hidden == {"starts", "starts_rate"}


def test_cli_suppress_on_rag_report_and_export(cli, full_workspace):
    # "Number of CLA achieved CAO or SGO" is 3 in October 2024 and 1 in September.
    rag = json.loads(cli("rag", "--suppress", "--format", "json").stdout)
    row = next(r for r in rag if r["indicator"] == "cla_cao_sgo")
    assert (row["value"], row["status"], row["rag"]) == (None, "suppressed", "no data")
    assert row["previous_value"] is None and row["change_previous"] is None
    zero = next(r for r in rag if r["indicator"] == "new_cla_uasc")
    assert zero["value"] == 0  # zero is not suppressed
    report = cli("report", "--suppress", "--format", "md", "--theme", "birth_families").stdout
    line = next(x for x in report.splitlines() if x.startswith("| Number of CLA achieved CAO"))
    assert "| 7 |" in line and "| c |" in line  # Jun-24's 7 stays; the small ones are c
    exported = pl.read_csv(io.StringIO(cli("export", "--suppress", "-f", "csv").stdout))
    small = exported.filter(
        (pl.col("indicator") == "cla_cao_sgo") & (pl.col("status") == "present")
    )
    assert small.get_column("value").min() > 5
    unsuppressed = json.loads(cli("rag", "--format", "json").stdout)
    assert next(r for r in unsuppressed if r["indicator"] == "cla_cao_sgo")["value"] == 3
