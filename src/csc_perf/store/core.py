"""The :class:`Store`: every accepted import, kept, in a Delta Lake table.

Each import is one Delta commit (a MERGE on authority, indicator and month) carrying its own
record (files, SHA-256, rows, months, what changed) in the commit metadata, so
``csc-perf history`` and ``--as-of VERSION|DATE`` come from Delta's log. The table is
readable by DuckDB, Spark or Fabric as it is. The folder's layout is in
:mod:`csc_perf.store.layout`; the import policy in :mod:`csc_perf.store.importing`.
"""

from __future__ import annotations

from csc_perf.store.checking import Checks
from csc_perf.store.compaction import Compaction
from csc_perf.store.history import History
from csc_perf.store.importing import Imports


class Store(Imports, History, Checks, Compaction):
    """A csc-perf store folder. Opening never writes; writing takes the lock.

    Every method that opens the store first checks that its log is whole (see
    :func:`csc_perf.store.delta_log.inspect_log`) and raises :class:`StoreError` if it is
    not; reading methods raise :class:`StoreError` ("no store at PATH") when nothing has
    been stored there yet.

    Its methods live in one module per job (opening, reading, importing, reference tables,
    history, checking, compaction), each a part this class is made of.
    """
