"""The ``csc-perf`` command line: parse options, call the library, render."""

from __future__ import annotations

import sys

from . import data, workspace  # noqa: F401  (registers the commands)
from .app import app, quiet_closed_stdout

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script and ``python -m csc_perf``."""
    try:
        code = app(args=argv, prog_name="csc-perf", standalone_mode=False)
    except BrokenPipeError:
        quiet_closed_stdout()
        code = 0
    except KeyboardInterrupt:
        code = 130
    except Exception as exc:  # click's usage errors and aborts
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            code = exc.exit_code
        elif isinstance(exc, click.exceptions.Abort):
            code = 130
        else:
            raise
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_closed_stdout()
    sys.exit(code if isinstance(code, int) else 0)
