"""Workspace methods on extracts and the store: validate, import, history, export, the
reference tables, check and compact. Mixed into :class:`~csc_perf.app.workspace.Workspace`."""

from __future__ import annotations


class StoreCommands:
    """The extract and store half of :class:`~csc_perf.app.workspace.Workspace` (it uses
    ``self.definitions``, ``self.store``, ``self.config`` and ``self.note``)."""
