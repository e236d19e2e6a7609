"""The Typer application, its global options, and the error handling every command shares.

Only Typer and the standard library are imported here: ``csc-perf --help`` must stay fast.
Commands import Polars and the rest inside their bodies.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import typer

from .. import __version__
from ..errors import CscPerfError, ExitCode

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="csc-perf",
    help="Monthly performance reporting for children's social care: import, validate, "
    "store and report indicator extracts.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclass
class Settings:
    config: str | None = None
    store: str | None = None
    debug: bool = False
    quiet: bool = False
    no_color: bool = False


def _version(value: bool) -> None:
    if value:
        typer.echo(f"csc-perf {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    config: Annotated[
        str | None,
        typer.Option(
            "--config",
            envvar="CSC_PERF_CONFIG",
            help="Definitions file (default: indicators.toml here or in a folder above).",
        ),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            envvar="CSC_PERF_STORE",
            help="Store folder (default: 'store' beside indicators.toml).",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only errors and warnings on stderr.")
    ] = False,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="No colour (also NO_COLOR).")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    raw_csv: Annotated[
        bool,
        typer.Option(
            "--raw-csv",
            help="In CSV files written with -o, leave cells starting with = + - @ as they are "
            "(by default they get a leading ' so a spreadsheet cannot run them).",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    from ..render import output, terminal

    terminal.configure(no_color=no_color, quiet=quiet)
    output.configure(formula_guard=not raw_csv)
    _current.clear()
    _current.append(
        Settings(config=config, store=store, debug=debug, quiet=quiet, no_color=no_color)
    )


# The global options of the running command (one command runs per process or test call).
_current: list[Settings] = []


def settings() -> Settings:
    return _current[-1] if _current else Settings()


def handles_errors(fn: F) -> F:
    """Turn csc-perf errors into a message on stderr and the documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ..render import terminal

        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except CscPerfError as exc:
            if settings().debug:
                raise
            terminal.error(f"error: {exc}")
            raise typer.Exit(int(exc.exit_code)) from None
        except BrokenPipeError:
            quiet_closed_stdout()
            raise typer.Exit(0) from None
        except OSError as exc:  # a file or folder the command was pointed at
            if settings().debug:
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            terminal.error(f"error: {where}{exc.strerror or exc}")
            raise typer.Exit(int(ExitCode.USAGE)) from None
        except KeyboardInterrupt:
            terminal.error("interrupted")
            raise typer.Exit(130) from None
        except Exception as exc:
            if settings().debug or os.environ.get("CSC_PERF_DEBUG"):
                raise
            terminal.error(
                f"internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in csc-perf; run again with --debug for the traceback."
            )
            raise typer.Exit(int(ExitCode.INTERNAL)) from None

    return wrapper  # type: ignore[return-value]


def quiet_closed_stdout() -> None:
    """After the reader of a pipe went away, stop Python complaining at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


# Shared option types, so every command spells them the same way.
FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        help="table, csv, tsv, json, jsonl or parquet (default: table on a terminal, else csv).",
    ),
]
OutputOption = Annotated[
    str | None, typer.Option("--output", "-o", help="Write to FILE ('-' for stdout).")
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Read the store as it was at VERSION or DATE (2024-11-05)."),
]
SheetOption = Annotated[
    list[str] | None,
    typer.Option("--sheet", help="Read only this sheet of an Excel workbook (repeatable)."),
]
EncodingOption = Annotated[
    str | None,
    typer.Option("--encoding", help="Text encoding of CSV files (default UTF-8; e.g. cp1252)."),
]
ShapeOption = Annotated[
    str | None,
    typer.Option("--shape", help="long, wide or month (default: detected from the header)."),
]
MonthOption = Annotated[
    str | None,
    typer.Option("--month", help="The month of a one-month extract (2024-10 or Oct-24)."),
]
IgnoreColumnOption = Annotated[
    list[str] | None,
    typer.Option(
        "--ignore-column",
        help="Skip this column of a wide sheet on purpose (its header; repeatable). Columns "
        "that are neither months nor known report columns are otherwise an error.",
    ),
]
AuthorityOption = Annotated[
    str | None,
    typer.Option("--authority", help="Authority code for rows without one (default: workspace)."),
]
