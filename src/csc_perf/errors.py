"""Exit codes and the exceptions that carry them: one table, used by every command.

| code | meaning |
|------|---------|
| 0    | success (warnings allowed) |
| 1    | the data is invalid, or a ``--fail-on`` condition was met |
| 2    | usage, configuration or I/O error (bad option, unreadable file, bad definitions) |
| 70   | internal error (a bug: please report it; run with ``--debug`` for the traceback) |
| 75   | the store is busy (another import holds it); retry later |
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    OK = 0
    INVALID = 1
    USAGE = 2
    INTERNAL = 70
    BUSY = 75


class CscPerfError(Exception):
    """Base class for errors that csc-perf reports to the user without a traceback."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\nhint: {self.hint}"


class UsageError(CscPerfError):
    """A command was called in a way that cannot work (missing option, bad value)."""


class ConfigError(CscPerfError):
    """The workspace or the definitions file cannot be found or used."""


class DefinitionsError(ConfigError):
    """``indicators.toml`` has problems; ``problems`` lists each with its key path and line."""

    def __init__(self, path: str, problems: list) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path}: {len(problems)} problem(s) in the indicator definitions"]
        lines += [f"  {p}" for p in problems]
        super().__init__("\n".join(lines))


class ExtractReadError(CscPerfError):
    """An extract file could not be read at all (missing, undecodable, not a spreadsheet)."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "file-unreadable",
        file: str = "",
        hint=None,
        row: int | None = None,
    ):
        super().__init__(message, hint=hint)
        self.code = code
        self.file = file
        self.row = row


class NoFiguresError(CscPerfError):
    """A results command was asked for a month the store holds no figures for (a failed or
    missing import): exit 1, so a cron job's ``--fail-on`` check cannot pass on nothing."""

    exit_code = ExitCode.INVALID


class InvalidDataError(CscPerfError):
    """Data with errors: nothing was written. ``report`` is the
    :class:`~csc_perf.ingest.validation.ValidationReport` of the extracts (None for a DfE EES
    file with a bad cell). Exit 1; exit 2 when an extract could not be read at all."""

    exit_code = ExitCode.INVALID

    def __init__(self, message: str, *, report: Any = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.report = report
        if report is not None:
            self.exit_code = report_exit_code(report)


def report_exit_code(report: Any) -> ExitCode:
    """For a validation report: 0 valid (warnings allowed), 1 invalid, 2 when a file could not
    be read at all."""
    if report.unreadable:
        return ExitCode.USAGE
    return ExitCode.OK if report.valid else ExitCode.INVALID


class StoreError(CscPerfError):
    """The store folder is not a csc-perf store, or cannot be read or written."""


class StoreBusyError(CscPerfError):
    """Another process holds the store's write lock for longer than the allowed wait."""

    exit_code = ExitCode.BUSY
