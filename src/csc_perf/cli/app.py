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

from csc_perf.errors import CscPerfError, ExitCode
from csc_perf.model.version import __version__
from csc_perf.render.output import FORMATS, REPORT_FORMATS, VALIDATION_FORMATS

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
    raw_csv: bool = False
    no_bom: bool = False


def _version(value: bool) -> None:
    if value:
        typer.echo(f"csc-perf {__version__}")
        raise typer.Exit(0)


# The global options, declared once. They are accepted before the command
# (`csc-perf --store S rag`) and after it (`csc-perf rag --store S`): every command gets a
# copy of each (see add_global_options). Given in both places, the one after the command
# wins; a flag is on if given in either. Environment variables apply before the command only,
# so an explicit option always beats them.
ConfigOption = Annotated[
    str | None,
    typer.Option(
        "--config",
        envvar="CSC_PERF_CONFIG",
        help="Definitions file (default: indicators.toml here or in a folder above).",
    ),
]
StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="CSC_PERF_STORE",
        help="Store folder (default: 'store' beside indicators.toml).",
    ),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="Only errors on stderr (no progress, no warnings).")
]
NoColorOption = Annotated[bool, typer.Option("--no-color", help="No colour (also NO_COLOR).")]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")]
RawCsvOption = Annotated[
    bool,
    typer.Option(
        "--raw-csv",
        help="In CSV files written with -o, leave cells starting with = + - @ as they are "
        "(by default they get a leading ' so a spreadsheet cannot run them).",
    ),
]
NoBomOption = Annotated[
    bool,
    typer.Option(
        "--no-bom",
        help="Write CSV files given with -o as UTF-8 without a byte-order mark (by default "
        "they start with one, so Excel reads names with – or é correctly).",
    ),
]
GLOBAL_OPTIONS: dict[str, Any] = {
    "config": ConfigOption,
    "store": StoreOption,
    "quiet": QuietOption,
    "no_color": NoColorOption,
    "debug": DebugOption,
    "raw_csv": RawCsvOption,
    "no_bom": NoBomOption,
}


@app.callback()
def main_options(
    config: ConfigOption = None,
    store: StoreOption = None,
    quiet: QuietOption = False,
    no_color: NoColorOption = False,
    debug: DebugOption = False,
    raw_csv: RawCsvOption = False,
    no_bom: NoBomOption = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    _current.clear()
    _apply(
        Settings(
            config=config,
            store=store,
            debug=debug,
            quiet=quiet,
            no_color=no_color,
            raw_csv=raw_csv,
            no_bom=no_bom,
        )
    )


def _apply(chosen: Settings) -> None:
    from csc_perf.render import output, terminal

    terminal.configure(no_color=chosen.no_color, quiet=chosen.quiet)
    output.configure(formula_guard=not chosen.raw_csv, bom=not chosen.no_bom)
    _current.clear()
    _current.append(chosen)


def _after_command(annotation: Any) -> Any:
    """A global option's declaration for use after the command: the same names, type and
    help, but no environment variable (that is read once, before the command)."""
    import copy
    from typing import get_args

    kind, info = get_args(annotation)
    info = copy.copy(info)
    info.envvar = None
    return Annotated[kind, info]


def with_global_options(fn: F) -> F:
    """``fn`` (a command) also taking the global options; values given after the command
    are merged into settings() before it runs."""
    import inspect

    if getattr(fn, "_global_options", False):
        return fn
    signature = inspect.signature(fn, eval_str=True)
    clash = set(signature.parameters) & set(GLOBAL_OPTIONS)
    if clash:  # pragma: no cover - a programming error, caught by the tests of every command
        raise TypeError(f"{fn.__name__} declares global option(s) {sorted(clash)} itself")
    extra = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=None if name in ("config", "store") else False,
            annotation=_after_command(annotation),
        )
        for name, annotation in GLOBAL_OPTIONS.items()
    ]

    @functools.wraps(fn)
    def command(*args: Any, **kwargs: Any) -> Any:
        after = {name: kwargs.pop(name) for name in GLOBAL_OPTIONS if name in kwargs}
        before = settings()
        _apply(
            Settings(
                config=after.get("config") or before.config,
                store=after.get("store") or before.store,
                **{
                    name: bool(after.get(name)) or getattr(before, name)
                    for name in ("debug", "quiet", "no_color", "raw_csv", "no_bom")
                },
            )
        )
        return fn(*args, **kwargs)

    command.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), *extra]
    )
    command._global_options = True  # type: ignore[attr-defined]
    return command  # type: ignore[return-value]


def add_global_options(typer_app: typer.Typer) -> None:
    """Give every command of ``typer_app`` and its sub-apps the global options (run once,
    after the command modules have registered their commands)."""
    for info in typer_app.registered_commands:
        if info.callback is not None:
            info.callback = with_global_options(info.callback)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            add_global_options(group.typer_instance)


# The global options of the running command (one command runs per process or test call).
_current: list[Settings] = []


def settings() -> Settings:
    return _current[-1] if _current else Settings()


def handles_errors(fn: F) -> F:
    """Turn csc-perf errors into a message on stderr and the documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from csc_perf.render import terminal

        try:
            with terminal.progress_bar():
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
            from csc_perf.model.secrets import without_secrets

            text = (str(exc).strip().splitlines() or [""])[0]  # not a library's debug dump
            terminal.error(
                f"internal error: {type(exc).__name__}: {without_secrets(text)}\n"
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
def format_option(formats: tuple[str, ...]) -> Any:
    """The --format option of a command that writes ``formats`` (its help lists them)."""
    names = ", ".join(formats[:-1]) + f" or {formats[-1]}"
    return Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help=f"{names} (default: table on a terminal, else csv; or from -o's suffix).",
        ),
    ]


FormatOption = format_option(FORMATS)
ValidationFormatOption = format_option(VALIDATION_FORMATS)
ReportFormatOption = format_option(REPORT_FORMATS)
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


def open_workspace(wait: float | None = None):
    """The workspace of this run (``--config``, ``--store`` or their defaults)."""
    from csc_perf.app.workspace import Workspace

    chosen = settings()
    if wait is None:
        return Workspace.open(config=chosen.config, store=chosen.store)
    return Workspace.open(config=chosen.config, store=chosen.store, wait=wait)
