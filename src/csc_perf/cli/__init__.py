"""The ``csc-perf`` command line: parse options, call the library, render."""

from __future__ import annotations

import os
import sys

from csc_perf.cli import chart, data, maintenance, reference, reports, workspace  # noqa: F401  (registers the commands)
from csc_perf.cli.app import add_global_options, app, quiet_closed_stdout

# Global options (--store, --config, --quiet, ...) are accepted after the command too.
add_global_options(app)

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script and ``python -m csc_perf``."""
    if "--debug" not in (sys.argv[1:] if argv is None else argv):
        os.environ["RUST_BACKTRACE"] = "0"  # a Rust panic is an error message, not a trace
    try:
        app(args=argv, prog_name="csc-perf")
    except BrokenPipeError:
        quiet_closed_stdout()
        sys.exit(0)
    finally:
        # A reader that went away (`csc-perf export | head -1`) is not an error.
        try:
            sys.stdout.flush()
        except (BrokenPipeError, ValueError):
            quiet_closed_stdout()
