"""The Delta Lake store: commits, history, as-of reads, checks and compaction.

One :class:`Store` class is the public face. It is assembled from small classes, one module
per job, each inheriting the parts it uses: :mod:`~csc_perf.store.opening` (the folder,
its marker and log verified, the table; the base of all), :mod:`~csc_perf.store.writing`
(what every write does under the lock), :mod:`~csc_perf.store.reading`,
:mod:`~csc_perf.store.importing`, :mod:`~csc_perf.store.reference`,
:mod:`~csc_perf.store.history`, :mod:`~csc_perf.store.checking` and
:mod:`~csc_perf.store.compaction`. Mixins rather than composition because the jobs call
one another on the same open store (an import plans by reading, the check reads the
observations and the reference tables, every write verifies first) and share its state
(the path, the wait, the cached verification of the log): as parts of one object they do
so through ``self``, where separate objects would each need the others handed in. Below
the class, :mod:`~csc_perf.store.delta_table`, :mod:`~csc_perf.store.delta_log`,
:mod:`~csc_perf.store.marker`, :mod:`~csc_perf.store.locking` and
:mod:`~csc_perf.store.library_errors` know nothing of observations.

The store imports only the model (``csc_perf.model``, ``csc_perf.errors``).
"""

from csc_perf.store.core import Store
from csc_perf.store.delta_table import check_location, table_location
from csc_perf.store.importing import ImportPlan, ImportResult
from csc_perf.store.layout import DEFAULT_WAIT_SECONDS, HISTORY_PROPERTIES

# The lock helpers are exported for the tests, which drive both branches (flock, msvcrt).
from csc_perf.store.locking import _try_lock, _unlock
from csc_perf.store.reading import parse_as_of

__all__ = [
    "DEFAULT_WAIT_SECONDS",
    "HISTORY_PROPERTIES",
    "ImportPlan",
    "ImportResult",
    "Store",
    "_try_lock",
    "_unlock",
    "check_location",
    "parse_as_of",
    "table_location",
]
