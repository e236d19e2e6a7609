"""DfE open data: EES tidy CSVs (benchmarks, population) and statistical neighbour groupings.

The reading lives in :mod:`csc_perf.ingest.ees` (the file, periods, figures),
:mod:`csc_perf.ingest.ees_geography` (levels and authorities),
:mod:`csc_perf.ingest.ees_reference` (benchmarks, population),
:mod:`csc_perf.ingest.ees_extract` (a file imported as observations) and
:mod:`csc_perf.ingest.neighbours`; this module only gathers those names under their former
home.
"""

# Re-exported until the merge: callers import these from here.
from csc_perf.ingest.ees import (  # noqa: F401
    EES_SUFFIXES,
    EES_SUPPORTED,
    IDENTIFIERS,
    LEVELS,
    PERIOD_HINT,
    SUPPRESSED_SYMBOLS,
    SYMBOLS,
    check_figures,
    check_readable,
    ees_year,
    read_ees,
)
from csc_perf.ingest.ees_extract import ees_cells  # noqa: F401
from csc_perf.ingest.ees_geography import (  # noqa: F401
    LA_CODE_HINT,
    LEVEL_HINT,
    LEVEL_KEYS,
    MARCH_YEARS,
    NATIONAL,
    NOT_STORED_LEVELS,
    resolve_geography,
    skipped_warning,
)
from csc_perf.ingest.ees_reference import (  # noqa: F401
    BENCHMARK_SCHEMA,
    BREAKDOWNS,
    TOTALS,
    benchmarks_from_ees,
    population_from_ees,
)
from csc_perf.ingest.neighbours import statistical_neighbours  # noqa: F401
