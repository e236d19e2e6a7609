"""The public API: a :class:`Workspace` is one ``indicators.toml`` and its store.

>>> ws = Workspace.open("path/to/workspace")          # doctest: +SKIP
>>> ws.results(month="2024-10")                        # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from csc_perf.app.data import StoreCommands
from csc_perf.app.notes import Note
from csc_perf.app.paths import find_config, store_path
from csc_perf.definitions.loading import Definitions, load_definitions
from csc_perf.store.core import DEFAULT_WAIT_SECONDS, Store


class Workspace(StoreCommands):
    """Definitions and a store, and every job csc-perf does on them.

    Each method takes the values the command line takes (months as ``2024-10`` or a
    :class:`datetime.date`, ``as_of`` as a version number or a date, ``authority="all"``) and
    raises the typed errors of :mod:`csc_perf.errors` that the command line maps to exit
    codes. Notes for the reader (a figure replaced, a suppression) collect in :attr:`notes`,
    cleared at the start of each call.
    """

    def __init__(self, definitions: Definitions, store: Store, config: Path | None = None):
        self.definitions = definitions
        self.store = store
        self.config = config
        self.notes: list[Note] = []

    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        *,
        config: str | Path | None = None,
        store: str | Path | None = None,
        wait: float = DEFAULT_WAIT_SECONDS,
    ) -> Workspace:
        """Open the workspace at ``path`` (a folder holding ``indicators.toml``, or the file
        itself); without one, ``config`` or ``$CSC_PERF_CONFIG`` or the first
        ``indicators.toml`` from the current folder up. The store is ``store``, else
        ``$CSC_PERF_STORE``, else ``[workspace] store`` beside the definitions. ``wait`` is how
        long a write waits for a busy store. Raises :class:`~csc_perf.errors.ConfigError` or
        :class:`~csc_perf.errors.DefinitionsError`."""
        found = find_config(config if config is not None else path)
        definitions = load_definitions(found)
        location = store_path(store, found, definitions.workspace.store)
        return cls(definitions, Store(location, wait=wait), found)

    def note(self, text: str, level: str = "warning") -> None:
        """Leave a note for the reader of this call's result."""
        self.notes.append(Note(text, level))
