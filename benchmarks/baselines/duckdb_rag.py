"""Baseline: the RAG computation of ``polars_rag.py`` written in DuckDB SQL (duckdb_rag.sql).

    python benchmarks/baselines/duckdb_rag.py OBS.parquet DEFS.csv DERIVED.csv \
        --month 2024-12 [-o OUT.csv]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

SQL = Path(__file__).with_name("duckdb_rag.sql")


def quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("observations")
    parser.add_argument("definitions")
    parser.add_argument("derived")
    parser.add_argument("--month", required=True, help="YYYY-MM")
    parser.add_argument("-o", "--output", default="-")
    args = parser.parse_args()
    year, month = (int(x) for x in args.month.split("-")[:2])
    con = duckdb.connect()
    con.execute(f"CREATE TEMP MACRO m() AS {year * 12 + month - 1}")
    con.execute(f"CREATE TEMP VIEW obs AS SELECT * FROM read_parquet({quoted(args.observations)})")
    con.execute(
        f"CREATE TEMP TABLE defs AS SELECT * FROM read_csv({quoted(args.definitions)}, "
        "all_varchar = true, header = true)"
    )
    con.execute(
        f"CREATE TEMP TABLE derived AS SELECT * FROM read_csv({quoted(args.derived)}, "
        "header = true, types = {'authority': 'VARCHAR', 'population': 'DOUBLE'})"
    )
    *setup, query = [s for s in SQL.read_text(encoding="utf-8").split(";") if s.strip()]
    for statement in setup:
        con.execute(statement)
    target = "/dev/stdout" if args.output == "-" else args.output
    con.execute(f"COPY ({query}) TO {quoted(target)} (FORMAT csv, HEADER)")


if __name__ == "__main__":
    main()
