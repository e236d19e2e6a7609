"""The application layer: the :class:`~csc_perf.app.workspace.Workspace` API and the
report model every renderer reads."""
