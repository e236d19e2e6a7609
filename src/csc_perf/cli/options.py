"""Options and helpers shared by the commands on extracts and the store, declared once."""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from csc_perf.cli.app import (
    AuthorityOption,
    EncodingOption,
    IgnoreColumnOption,
    MonthOption,
    ShapeOption,
    SheetOption,
)
from csc_perf.errors import UsageError

T = TypeVar("T")

WaitOption = Annotated[
    float, typer.Option("--wait", help="Seconds to wait for a busy store before exit 75.")
]
ThresholdOption = Annotated[
    int, typer.Option("--suppress-threshold", help="The largest count suppressed.")
]


def option_group(options: dict[str, tuple[Any, Any]], build: Callable[..., dict]):
    """A decorator giving a command the ``options`` (name -> (annotation, default)), declared
    once here; their values reach the command as one ``run`` dict of Workspace arguments,
    made by ``build``."""

    def decorate(fn):
        signature = inspect.signature(fn, eval_str=True)
        own = [p for p in signature.parameters.values() if p.name != "run"]
        extra = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a)
            for name, (a, d) in options.items()
        ]

        @functools.wraps(fn)
        def command(*args: Any, **kwargs: Any) -> Any:
            values = {name: kwargs.pop(name) for name in options}
            run = {**kwargs.pop("run", {}), **build(**values)}
            return fn(*args, run=run, **kwargs)

        command.__signature__ = signature.replace(parameters=[*own, *extra])  # type: ignore[attr-defined]
        return command

    return decorate


#: How extracts are read (validate, import): the values reach the command as ``run``, the
#: keyword arguments of Workspace.validate and Workspace.import_files.
read_options = option_group(
    {
        "sheet": (SheetOption, None),
        "encoding": (EncodingOption, None),
        "shape": (ShapeOption, None),
        "month": (MonthOption, None),
        "authority": (AuthorityOption, None),
        "ignore_column": (IgnoreColumnOption, None),
    },
    lambda sheet, encoding, shape, month, authority, ignore_column: {
        "sheet": sheet,
        "encoding": encoding,
        "shape": shape,
        "month": month,
        "authority": authority,
        "ignore_columns": ignore_column or (),
    },
)


def checked_wait(seconds: float) -> float:
    """``--wait`` as given; raises :class:`UsageError` unless it is 0 or more seconds."""
    if not math.isfinite(seconds) or seconds < 0:
        raise UsageError(f"--wait {seconds}: give a number of seconds, 0 or more")
    return seconds


def noted(workspace: Any, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``call(*args, **kwargs)`` (a method of ``workspace``), then the notes it left on
    stderr: also when it fails, before the error (as the warnings of the files read before
    the one that failed)."""
    try:
        return call(*args, **kwargs)
    finally:
        show_notes(workspace)


def show_notes(workspace: Any) -> None:
    """The notes the last Workspace call left, on stderr."""
    from csc_perf.render import terminal

    for note in workspace.notes:
        (terminal.warn if note.level == "warning" else terminal.say)(note.text)
