"""The typed error of the Workspace's import methods (with :mod:`csc_perf.errors`'s codes).

Kept here, beside the application that raises it, until it joins csc_perf/errors.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from csc_perf.errors import CscPerfError, ExitCode

if TYPE_CHECKING:  # pragma: no cover
    from csc_perf.ingest.validation import ValidationReport


class InvalidDataError(CscPerfError):
    """Data with errors: nothing was written. ``report`` is the
    :class:`~csc_perf.ingest.validation.ValidationReport` of the extracts (None for a DfE EES
    file with a bad cell). Exit 1; exit 2 when an extract could not be read at all."""

    exit_code = ExitCode.INVALID

    def __init__(
        self, message: str, *, report: ValidationReport | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.report = report
        if report is not None:
            self.exit_code = report_exit_code(report)


def report_exit_code(report: ValidationReport) -> ExitCode:
    """0 valid (warnings allowed), 1 invalid, 2 when a file could not be read at all."""
    if report.unreadable:
        return ExitCode.USAGE
    return ExitCode.OK if report.valid else ExitCode.INVALID
