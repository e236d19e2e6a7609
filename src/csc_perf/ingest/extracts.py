"""Reading extracts: CSV, Excel (.xlsx) and Parquet files, in long, wide or one-month shape.

Reading is in two steps, both pure apart from the file read:

1. :func:`~csc_perf.ingest.tables.read_tables` turns a file into
   :class:`~csc_perf.ingest.raw.RawTable` objects (one per CSV/Parquet file, one per
   worksheet), every cell as text, with the row numbers a spreadsheet user sees;
2. :func:`~csc_perf.ingest.shapes.table_cells` detects the shape from the header (with
   :mod:`csc_perf.ingest.headers`) or takes ``shape``, and returns the cells as a long frame:
   one row per (indicator text, month text, cell text) with its position (file, sheet, row,
   column). :mod:`csc_perf.ingest.validation` parses and checks them.

This module only gathers those names under their former home.
"""

# Re-exported until the merge: callers import these from here.
from csc_perf.ingest.grid import clip_formula  # noqa: F401
from csc_perf.ingest.headers import (  # noqa: F401
    AUTHORITY_HEADERS,
    INDICATOR_HEADERS,
    MONTH_HEADERS,
    REPORT_COLUMNS,
    VALUE_HEADERS,
    header_month,
    is_report_column,
    month_with_words,
)
from csc_perf.ingest.raw import RawTable, SourceFile  # noqa: F401
from csc_perf.ingest.shapes import SHAPES, TableCells, table_cells  # noqa: F401
from csc_perf.ingest.tables import (  # noqa: F401
    CSV_SUFFIXES,
    EXCEL_SUFFIXES,
    PARQUET_SUFFIXES,
    SUPPORTED_HINT,
    read_tables,
)
