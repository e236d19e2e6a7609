#!/usr/bin/env python3
"""Regenerate the example extracts in ``examples/extracts/`` from the tables transcribed below.

The figures are Southampton City Council's published Children & Learning monthly performance
report for October 2024 (public). Each table below is one table of that report: its month
columns, and per row the indicator name exactly as printed, the month cells exactly as printed
(``"87%"``, ``"87"``, ``"14.24"``, ``""`` for a blank cell) and the non-month cells (Target,
RAG, Direction of travel and, for the first three tables, the benchmark columns) as text.
RAG dots and direction-of-travel arrows did not survive the extraction of the PDF, so those
cells hold only the text the report shows ("-"), and extraction garbage is left out.

The cleaning decisions (see README.md) are applied in code, not by editing the transcription:
``GARBLED_CELLS`` blanks the report's unreadable cells, and ``reconcile`` settles the few
cells where an indicator printed in several tables disagrees with itself, by majority.

Usage (needs only ``xlsxwriter``)::

    python examples/build_examples.py

Running it again rewrites the same bytes: the workbook's created date is fixed and nothing
depends on the clock, the locale or anything outside this folder.
"""

# ruff: noqa: E501 - the transcribed rows are kept as the report prints them, one row to a few lines

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
EXTRACTS = HERE / "extracts"
MONTHLY = EXTRACTS / "monthly"
WORKBOOK = EXTRACTS / "report-tables-2024-10.xlsx"

MONTH_NUMBERS = {
    "Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
    "Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}  # fmt: skip

# The months the report shows: tables 1-5 add Oct-22 (same month last year) before Oct-23.
MONTHS_13 = ["Oct-23", "Nov-23", "Dec-23", "Jan-24", "Feb-24", "Mar-24", "Apr-24",
             "May-24", "Jun-24", "Jul-24", "Aug-24", "Sep-24", "Oct-24"]  # fmt: skip
MONTHS_14 = ["Oct-22", *MONTHS_13]
RAG_DOT = ["Target", "RAG", "Direction of travel"]
BENCHMARKS = ["So'ton 22/23", "So'ton 23/24", "22/23 Stat Neighbours", "23/24 Stat Neighbours",
              "South East 22/23", "South East 23/24", "England 22/23", "England 23/24"]  # fmt: skip

# One entry per report table, in report order. "date_headers": write the month header cells
# as real Excel dates (as some systems export them) instead of text.
# fmt: off
TABLES = [
    {
        "sheet": "Family Help",
        "heading": "Right support at the right time – Family Help",
        "months": MONTHS_14,
        "extra": RAG_DOT + BENCHMARKS,
        "date_headers": True,
        "rows": [
            ("Number of referrals into Early Help",
             ["183", "139", "166", "142", "144", "129", "90", "87", "127", "113", "182", "94", "100", "196"],
             ["", "", "", "[-]", "[-]", "", "", "", "", "-", "-"]),
            ("Number of referrals that were stepped down from CSC (no assessment required)",
             ["48", "16", "23", "18", "36", "24", "15", "15", "20", "21", "17", "13", "12", "33"],
             ["", "-", "", "-", "-", "-", "", "-", "", "", "-"]),
            ("Number of Early Help assessments started",
             ["118", "89", "91", "80", "79", "86", "65", "71", "71", "83", "113", "47", "63", "128"],
             ["", "-", "", "-", "-", "-", "", "-", "", "-", "-"]),
            ("Number of contacts in the month",
             ["1488", "1923", "1763", "1459", "2018", "1818", "1780", "1705", "1714", "1675", "1845", "1491", "1804", "1928"],
             ["", "", "", "", "", "", "", "", "", "", ""]),
            ("Rate of contacts per 10,000 population under 18 years old",
             ["4266", "4166", "4159", "4171", "4207", "4251", "4201", "4233", "4206", "4151", "4161", "4168", "4221", "4233"],
             ["", "-", "", "-", "[-]", "-", "", "-", "", "-", "-"]),
            ("Number of referrals into statutory service in the month",
             ["276", "276", "315", "216", "308", "197", "202", "191", "185", "207", "254", "156", "305", "403"],
             ["", "-", "", "", "", "", "", "", "", "", ""]),
            ("Rate of referrals per 10,000 population under 18 years old",
             ["772", "747", "732", "720", "715", "691", "645", "627", "603", "588", "576", "555", "562", "588"],
             ["581", "", "", "759.8", "614.2", "640.1", "669.1", "654.6", "", "544.5", "518.3"]),
            ("Number of C&F assessments completed",
             ["289", "222", "255", "216", "266", "200", "233", "186", "229", "203", "195", "162", "151", "274"],
             ["", "-", "", "-", "", "-", "", "-", "", "-", ""]),
            ("Rate of assessments per 10,000 population under 18 years old",
             ["775", "756", "736", "716", "707", "685", "651", "627", "588", "573", "550", "530", "515", "525"],
             ["580", "", "", "778.4", "633.1", "628.5", "667.5", "-", "", "557.4", "536.0"]),
            ("Percentage of assessments completed within 45 days",
             ["Ī _'", "87", "92", "81", "89", "90", "85", "83", "88", "85", "80", "82", "67", "84"],
             ["81", "", "", "81.6", "88.1", "81.1", "80.6", "83.0", "", "82.5", "84.5"]),
            ("Number of children with Child in Need Plan (not CWD)",
             ["621", "388", "464", "449", "480", "453", "396", "377", "372", "329", "334", "317", "301", "319"],
             ["-", "-", "", "-", "", "-", "", "-", "", "-", "-"]),
            ("Number of children with Child in Need Plan (CWD)",
             ["223", "237", "230", "228", "221", "222", "212", "213", "209", "209", "212", "222", "223", "202"],
             ["-", "", "", "-", "", "-", "", "", "", "", "-"]),
        ],
    },
    {
        "sheet": "Family Safeguarding",
        "heading": "Right support at the right time – Family Safeguarding",
        "months": MONTHS_14,
        "extra": RAG_DOT + BENCHMARKS,
        "date_headers": False,
        "rows": [
            ("Number of strategy discussions held",
             ["164", "152", "173", "124", "147", "97", "144", "121", "120", "98", "147", "109", "135", "126"],
             ["-", "-", "", "-", "", "-", "", "-", "", "-", "-"]),
            ("Number of Section 47 enquiries completed",
             ["114", "131", "112", "101", "77", "86", "90", "75", "84", "49", "98", "67", "90", "134"],
             ["-", "-", "", "-", "", "-", "", "", "", "-", "-"]),
            ("Rate of Section 47 enquiries completed",
             ["360", "323", "306", "301", "297", "285", "274", "261", "251", "238", "239", "234", "235", "234"],
             ["247", "", "", "352.2", "262.0", "253.0", "287.8", "216.1", "", "191.6", "187.1"]),
            ("Percentage of Strategy discussions resulting in Section 47",
             ["70", "86", "65", "81", "52", "89", "63", "62", "70", "50", "67", "61", "67", "106"],
             ["-", "-", "", "-", "", "-", "", "", "", "-", "-"]),
            ("Percentage of Section 47s resulting in ICPC",
             ["", "19", "30", "13", "25", "20", "18", "23", "20", "22", "16", "20", "14", "28"],
             ["31", "", "", "23.9", "28.4", "31.1", "30.6", "-", "", "33.0", "32.2"]),
            ("Number of children subject to CP Plan at end of month",
             ["315", "311", "320", "309", "304", "307", "276", "257", "256", "249", "221", "234", "214", "227"],
             ["-", "-", "", "-", "", "-", "", "", "", "-", "-"]),
            ("Rate of children subject to CP plans",
             ["64", "62", "64", "62", "61", "60", "56", "52", "51", "50", "44", "47", "43", "46"],
             ["49", "", "", "63.90", "54.80", "52.90", "59.80", "42.9", "", "43.20", "41.60"]),
            ("Number of children in our care",
             ["548", "503", "507", "510", "494", "492", "490", "488", "488", "479", "473", "470", "473", "468"],
             ["-", "-", "", "", "", "-", "", "", "", "", "-"]),
            ("Rate of children in our care per 10,000",
             ["111", "101", "102", "102", "99", "99", "98", "97", "98", "96", "95", "94", "95", "94"],
             ["87", "", "", "114.00", "108.00", "100.90", "100.30", "57.0", "", "70.00", "71.00"]),
            ("Number of children open to the service (Assessment, CIN, CP, CLA, CL)",
             ["2362", "2085", "2111", "2036", "2069", "1986", "1973", "1905", "1865", "1763", "1742", "1713", "1789", "1782"],
             ["-", "-", "", "-", "", "-", "", "", "", "-", "-"]),
            ("Rate of children open to the service (Assessment, CIN, CP, CLA, CL)",
             ["474", "418", "423", "408", "415", "396", "396", "382", "374", "354", "349", "347", "359", "357"],
             ["350", "", "", "524.8", "408.8", "428.8", "436.8", "335.6", "", "642.7", "332.9"]),
        ],
    },
    {
        "sheet": "Localities",
        "heading": "Strong, safe & vibrant localities",
        "months": MONTHS_14,
        "extra": RAG_DOT + BENCHMARKS,
        "date_headers": False,
        "rows": [
            ("Percentage of re-referrals within 12 months",
             ["27%", "21%", "32%", "25%", "30%", "24%", "28%", "26%", "20%", "26%", "21%", "24%", "14%", "19%"],
             ["20%", "", "", "22.0%", "23.2%", "21.3%", "21.0%", "27.9%", "", "22.4%", "21.0%"]),
            ("Percentage of referrals leading to NFA",
             ["3%", "8%", "4%", "5%", "4%", "2%", "4%", "5%", "9%", "13%", "21%", "5%", "16%", "4%"],
             ["7", "", "", "14.3%", "8.6%", "7.6%", "5.8%", "11.9%", "", "7.1%", "6.3%"]),
            ("Percentage of children subject to 2nd or more CP plan",
             ["31%", "32%", "33%", "34%", "37%", "35%", "36%", "38%", "38%", "37%", "38%", "38%", "34%", "36%"],
             ["25%", "", "", "33.1%", "29.3%", "25.1%", "26.8%", "25.1%", "", "24.0%", "24.7%"]),
            ("Percentage of children subject to child protection plans with recent core group held in time",
             ["84%", "84%", "89%", "74%", "88%", "89%", "93%", "88%", "87%", "88%", "96%", "80%", "98%", "90%"],
             ["95%", "", "", "-", "", "-", "", "-", "", "", "-"]),
            ("Percentage of children with Child in Need Plan (not CWD) with CIN review within last 12 weeks",
             ["80%", "70%", "76%", "81%", "70%", "70%", "87%", "87%", "83%", "91%", "92%", "88%", "84%", "73%"],
             ["95%", "", "", "-", "", "-", "", "-", "", "", "-"]),
            ("Percentage of initial health assessments delivered within 20 working days of date child became looked after.",
             ["", "9%", "0%", "33%", "92%", "67%", "80%", "71%", "92%", "100%", "60%", "67%", "", ""],
             ["95%", "", "", "-", "", "-", "", "-", "", "", "-"]),
            ("Percentage of children in care for at least 12 months for whom health assessments are up to date.",
             ["", "79%", "78%", "78%", "83%", "87%", "88%", "94%", "95%", "92%", "100%", "97%", "", ""],
             ["95%", "", "", "90%", "-", "90%", "-", "88%", "-", "89%", "-"]),
        ],
    },
    {
        "sheet": "Birth families",
        "heading": "Children remain within or return to their birth families",
        "months": MONTHS_14,
        "extra": RAG_DOT,
        "date_headers": False,
        "rows": [
            ("Number of children in our care",
             ["552", "504", "507", "510", "494", "492", "490", "488", "489", "479", "474", "470", "473", "468"],
             ["-", "-", ""]),
            ("Rate of children in our care per 10,000",
             ["112", "101", "102", "102", "99", "99", "98", "97", "98", "96", "95", "94", "95", "94"],
             ["87", "", ""]),
            ("Number of new CLA in month",
             ["17", "13", "17", "21", "8", "7", "14", "17", "15", "8", "13", "8", "24", "9"],
             ["11", "", ""]),
            ("Number of new CLA in month who are UASC",
             ["5", "2", "1", "1", "2", "2", "4", "2", "0", "6", "1", "1", "1", "0"],
             ["-", "-", ""]),
            ("Number of Ceased CLA in the month excluding UASC",
             ["12", "13", "10", "15", "17", "6", "15", "18", "9", "17", "15", "9", "20", "13"],
             ["-", "", ""]),
            ("Number of CLA achieved CAO or SGO",
             ["4", "3", "1", "1", "1", "1", "1", "4", "2", "7", "2", "5", "1", "3"],
             ["3.5", "", ""]),
            ("Number of CLA returned home as part of care planning",
             ["0", "6", "6", "5", "9", "1", "4", "4", "1", "0", "5", "0", "10", "6"],
             ["6.5", "", ""]),
            ("Number of CLA placed with parents at the end of the month",
             ["59", "33", "38", "43", "49", "49", "45", "43", "40", "37", "32", "40", "41", "42"],
             ["25", "", ""]),
            ("Number of CLA placed in Connected Carer placements at the end of the month",
             ["59", "41", "51", "56", "54", "57", "65", "73", "68", "65", "68", "64", "60", "56"],
             ["-", "-", ""]),
        ],
    },
    {
        "sheet": "Permanence",
        "heading": "Promote permanence and placement stability",
        "months": MONTHS_14,
        "extra": RAG_DOT,
        "date_headers": False,
        "rows": [
            ("Number of children in our care",
             ["552", "504", "507", "510", "494", "492", "490", "488", "489", "479", "474", "470", "473", "468"],
             ["-", "-", ""]),
            ("Percentage of CLA at end of month with 3 or more placements during the year",
             ["18", "19", "18", "19", "18", "19", "18", "17", "16", "14", "14", "14", "14", "14"],
             ["10", "", ""]),
            ("Number of CLA placed in IFA placements as at the end of the month",
             ["131", "141", "137", "133", "132", "131", "131", "129", "127", "119", "118", "116", "117", "115"],
             ["91", "", ""]),
            ("Percentage of CLA placed in IFA placements as at the end of the month",
             ["23", "28", "27", "26", "27", "27", "27", "26", "26", "25", "25", "25", "25", "25"],
             ["20", "", ""]),
            ("Number of CLA placed in children's homes",
             ["44", "39", "38", "35", "34", "33", "35", "35", "36", "34", "33", "32", "30", "31"],
             ["31", "", ""]),
            ("Percentage of CLA placed in children's homes",
             ["8", "8", "8", "7", "7", "7", "7", "7", "7", "7", "7", "7", "6", "7"],
             ["6", "", ""]),
            ("Number of CLA placed in unregulated/ unregistered settings at the end of the month",
             ["26", "48", "48", "49", "46", "47", "46", "43", "42", "45", "44", "26", "24", "22"],
             ["20", "", ""]),
            ("Percentage of CLA placed in unregulated/ unregistered settings at the end of the month",
             ["5", "10", "9", "10", "9", "10", "9", "9", "9", "9", "9", "5", "5", "5"],
             ["4", "", ""]),
            ("Number of CLA placed for adoption at period end",
             ["41", "17", "15", "13", "13", "16", "15", "13", "12", "11", "13", "14", "18", "20"],
             ["-", "-", ""]),
            ("Number of children placed with SCC foster carers (including connected carers)",
             ["229", "201", "206", "205", "204", "200", "202", "212", "219", "218", "215", "204", "202", "197"],
             ["285", "", ""]),
            ("Percentage of children placed with SCC foster carers (including connected carers)",
             ["41", "40", "41", "40", "41", "41", "41", "43", "45", "46", "45", "43", "43", "42"],
             ["58", "", ""]),
        ],
    },
    {
        "sheet": "Workforce",
        "heading": "Permanent, stable workforce",
        "months": MONTHS_13,
        "extra": RAG_DOT,
        "date_headers": True,
        "rows": [
            ("Total number of children held by social worker",
             ["1166", "1261", "1398", "1365", "1332", "1293", "1228", "1210", "1170", "1127", "1147", "1097", "1111"],
             ["", "", ""]),
            ("Average number of children per qualified Social Worker (1 FTE)",
             ["14.76", "16.33", "17.92", "17.73", "17.76", "17.47", "16.59", "15.71", "14.63", "13.26", "14.34", "13.06", "14.24"],
             ["", "", ""]),
            ("Total number of children open to statutory teams",
             ["", "", "", "2138", "2110", "2087", "2033", "1989", "1920", "1816", "1812", "1809", "1854"],
             ["", "", ""]),
            ("Average number of children per primary caseholder (based on 1 FTE)",
             ["", "", "", "16.00", "15.93", "15.72", "15.26", "14.81", "13.94", "13.11", "12.91", "12.73", "13.19"],
             ["", "", ""]),
            ("Total number of case holders with 20+ children",
             ["34", "43", "48", "44", "44", "41", "41", "32", "23", "27", "35", "43", "42"],
             ["", "", ""]),
            ("Average number of children per worker with 20+ children (1 FTE)",
             ["21.53", "22.16", "22.54", "22.77", "22.84", "22.76", "22.56", "22.75", "24.00", "23.26", "22.66", "22.09", "22.00"],
             ["", "", ""]),
            ("Average number of children per worker in top 40",
             ["21.15", "22.33", "23.05", "23.05", "23.05", "22.83", "22.63", "22.00", "21.75", "21.80", "22.20", "21.98", "22.25"],
             ["", "", ""]),
            ("Percentage of CLA that have been in care for 12+m, with same social worker for last 6 months",
             ["80", "78", "73", "73", "73", "71", "56", "54", "58", "60", "60", "59", "71"],
             ["75", "", ""]),
            ("Percentage of children open for 6+ months that have had 2 or more social workers in the last 6 months",
             ["38%", "36%", "37%", "38%", "38%", "32%", "33%", "34%", "35%", "32%", "33%", "36%", "36%"],
             ["25", "", ""]),
        ],
    },
    {
        # The PDF extraction merged the first two rows' names ("...with a visit in the" /
        # "last 4 weeks Percentage of children with an active..."); they are split here.
        "sheet": "Visiting",
        "heading": "Performance - Visiting",
        "months": MONTHS_13,
        "extra": RAG_DOT,
        "date_headers": False,
        "rows": [
            ("Percentage of children open to Early Help with a visit in the last 4 weeks",
             ["71%", "69%", "62%", "66%", "62%", "74%", "81%", "77%", "77%", "84%", "91%", "86%", "83%"],
             ["95%", "", ""]),
            ("Percentage of children with an active Child in Need Plan (not CWD) visited within last 6 weeks",
             ["96%", "95%", "96%", "95%", "97%", "97%", "98%", "99%", "98%", "99%", "95%", "97%", "98%"],
             ["95%", "", ""]),
            ("Percentage of children with an active Child in Need Plan (not CWD) visited within last 3 weeks",
             ["86%", "85%", "89%", "85%", "87%", "88%", "90%", "94%", "90%", "91%", "86%", "85%", "92%"],
             ["90%", "", ""]),
            ("Percentage of children with an active Child in Need Plan (CWD) visited within agreed timescales",
             ["80%", "82%", "77%", "73%", "74%", "84%", "81%", "79%", "85%", "97%", "92%", "99%", "97%"],
             ["95%", "", ""]),
            ("Percentage of children subject to Child Protection Plan visited within last 10 working days",
             ["88%", "92%", "85%", "93%", "94%", "91%", "92%", "91%", "90%", "89%", "90%", "94%", "95%"],
             ["95%", "", ""]),
            ("Percentage of children subject to Child Protection Plan visited within last 4 weeks",
             ["97%", "99%", "96%", "99%", "98%", "95%", "98%", "99%", "95%", "98%", "97%", "99%", "98%"],
             ["95%", "", ""]),
            ("Percentage of CLA for whom a visit has taken place within agreed timescales",
             ["81%", "85%", "83%", "83%", "79%", "83%", "80%", "85%", "87%", "84%", "85%", "89%", "84%"],
             ["95%", "", ""]),
        ],
    },
    {
        # The report prints this table straight after the Visiting one, with no heading.
        "sheet": "Supervision",
        "heading": "Performance - Supervision",
        "months": MONTHS_13,
        "extra": RAG_DOT,
        "date_headers": False,
        "rows": [
            ("Percentage of children open to Early Help with supervision in timescales",
             ["81%", "68%", "79%", "74%", "87%", "79%", "79%", "78%", "74%", "87%", "89%", "86%", "95%"],
             ["95%", "", ""]),
            ("Percentage of children open for assessment who had supervision in timescales",
             ["100%", "99%", "99%", "99%", "97%", "97%", "96%", "92%", "96%", "95%", "96%", "95%", "96%"],
             ["95%", "", ""]),
            ("Percentage of children with a Child in Need Plan (not CWD) who had supervision within timescales",
             ["89%", "91%", "97%", "88%", "90%", "94%", "88%", "97%", "93%", "93%", "86%", "97%", "94%"],
             ["95%", "", ""]),
            ("Percentage of children open to the Children with Disabiltiies team who had their supervision within timescales",
             ["99%", "99%", "99%", "98%", "99%", "97%", "94%", "93%", "99%", "100%", "100%", "100%", "99%"],
             ["95%", "", ""]),
            ("Percentage of CPP who had their supervision and within timescales",
             ["96%", "94%", "96%", "91%", "96%", "92%", "93%", "96%", "93%", "95%", "84%", "97%", "94%"],
             ["95%", "", ""]),
            ("Percentage of CLA who had their supervision and was within the timescale",
             ["81%", "83%", "83%", "94%", "88%", "81%", "77%", "81%", "81%", "88%", "77%", "84%", "82%"],
             ["95%", "", ""]),
            ("Percentage of Care Leavers who had their supervision and was within the timescale",
             ["83%", "81%", "77%", "90%", "91%", "87%", "87%", "88%", "89%", "86%", "76%", "78%", "83%"],
             ["95%", "", ""]),
        ],
    },
]
# fmt: on

# Cells the report prints as unreadable text: left blank (missing) in the examples.
GARBLED_CELLS = {
    ("Percentage of assessments completed within 45 days", "Oct-22"): "Ī _'",
}

# "Number of children in our care" is printed in three tables and the Family Safeguarding one
# is outvoted in each of the four months where they disagree, so where an indicator is printed
# in only two tables ("Rate of children in our care per 10,000", Oct-22: 111 vs 112) the
# other table's figure is used.
OUTVOTED_TABLE = "Family Safeguarding"


def iso_month(label: str) -> str:
    """``Oct-24`` -> ``2024-10``."""
    name, year = label.split("-")
    return f"20{year}-{MONTH_NUMBERS[name]:02d}"


def month_start(label: str) -> datetime:
    """``Oct-24`` -> ``datetime(2024, 10, 1)``."""
    name, year = label.split("-")
    return datetime(2000 + int(year), MONTH_NUMBERS[name], 1)


def clean_cell(name: str, month: str, cell: str) -> str:
    garbled = GARBLED_CELLS.get((name, month))
    if garbled is not None:
        if cell != garbled:
            raise SystemExit(f"expected the garbled cell {garbled!r} at {name!r} {month}")
        return ""
    return cell


def reconcile(tables: list[dict]) -> tuple[list[str], dict[str, dict[str, str]]]:
    """Return the indicators in definition order and one agreed cell per indicator and month.

    An indicator printed in several tables takes, for each month, the value most of those
    tables give. On a tie (an indicator printed in only two tables), the table that is
    outvoted elsewhere (``OUTVOTED_TABLE``) gives way; any other tie stops the build.
    """
    cells: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for table in tables:
        for name, month_cells, extra in table["rows"]:
            if len(month_cells) != len(table["months"]) or len(extra) != len(table["extra"]):
                raise SystemExit(f"wrong number of cells in {table['sheet']!r}: {name!r}")
            by_month = cells.setdefault(name, {})
            for month, cell in zip(table["months"], month_cells, strict=True):
                by_month.setdefault(month, []).append(
                    (table["sheet"], clean_cell(name, month, cell))
                )
    agreed: dict[str, dict[str, str]] = {}
    for name, by_month in cells.items():
        agreed[name] = {}
        for month, printed in by_month.items():
            votes = [cell for _sheet, cell in printed]
            value, count = Counter(votes).most_common(1)[0]
            if count * 2 <= len(votes):
                rest = {cell for sheet, cell in printed if sheet != OUTVOTED_TABLE}
                if len(rest) != 1:
                    raise SystemExit(f"no majority for {name!r} {month}: {printed}")
                value = rest.pop()
            if len(set(votes)) > 1:
                print(f"reconciled {name!r} {month}: printed {printed}, using {value}")
            agreed[name][month] = value
    return list(cells), agreed


def write_monthly_csvs(order: list[str], agreed: dict[str, dict[str, str]]) -> None:
    MONTHLY.mkdir(parents=True, exist_ok=True)
    for month in MONTHS_13:
        path = MONTHLY / f"csc-extract-{iso_month(month)}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["Indicator", "Month", "Value"])
            for name in order:
                if month in agreed[name]:
                    writer.writerow([name, iso_month(month), agreed[name][month]])


INTEGER = re.compile(r"^-?\d+$")
DECIMAL = re.compile(r"^-?\d+\.(\d+)$")


def write_workbook(tables: list[dict], agreed: dict[str, dict[str, str]]) -> None:
    EXTRACTS.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(WORKBOOK))
    workbook.set_properties(
        {
            "title": "Children's social care performance report tables, October 2024",
            "company": "Southampton City Council (transcribed example)",
            "created": datetime(2024, 11, 1),
        }
    )
    bold = workbook.add_format({"bold": True})
    bold_month = workbook.add_format({"bold": True, "num_format": "mmm-yy"})
    decimal_formats = {
        places: workbook.add_format({"num_format": "0." + "0" * places}) for places in (1, 2)
    }
    for table in tables:
        sheet = workbook.add_worksheet(table["sheet"])
        sheet.set_column(0, 0, 90)
        sheet.set_column(1, len(table["months"]), 9)
        sheet.set_column(len(table["months"]) + 1, len(table["months"]) + len(table["extra"]), 12)
        sheet.write_string(0, 0, "Indicator", bold)
        for col, month in enumerate(table["months"], start=1):
            if table["date_headers"]:
                sheet.write_datetime(0, col, month_start(month), bold_month)
            else:
                sheet.write_string(0, col, month, bold)
        for col, header in enumerate(table["extra"], start=len(table["months"]) + 1):
            sheet.write_string(0, col, header, bold)
        for row, (name, _printed, extra) in enumerate(table["rows"], start=1):
            sheet.write_string(row, 0, name)
            for col, month in enumerate(table["months"], start=1):
                cell = agreed[name][month]
                if cell == "":
                    continue  # a blank report cell stays empty
                if INTEGER.match(cell):
                    sheet.write_number(row, col, int(cell))
                elif match := DECIMAL.match(cell):
                    sheet.write_number(row, col, float(cell), decimal_formats[len(match[1])])
                else:  # "87%": percentages stay the text the report shows
                    sheet.write_string(row, col, cell)
            for col, cell in enumerate(extra, start=len(table["months"]) + 1):
                if cell != "":
                    sheet.write_string(row, col, cell)
    workbook.close()


def main() -> None:
    order, agreed = reconcile(TABLES)
    write_monthly_csvs(order, agreed)
    write_workbook(TABLES, agreed)


if __name__ == "__main__":
    main()
