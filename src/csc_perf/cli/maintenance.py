"""Commands that look after the store: store check, store compact."""

from __future__ import annotations

import typer

from csc_perf.cli.app import app, handles_errors, open_workspace
from csc_perf.cli.options import WaitOption
from csc_perf.errors import ExitCode

store_app = typer.Typer(help="Look after the store: check it, compact it.", no_args_is_help=True)
app.add_typer(store_app, name="store")


@store_app.command("check")
@handles_errors
def store_check() -> None:
    """Verify the store: every version kept and every commit whole (it names a damaged or
    missing version), the marker's latest version reached, schema as expected, data files
    present and whole, one figure per authority/indicator/month. Exit 0 sound, 1 with
    problems, 2 when there is no store at the path."""
    from csc_perf.render import messages, terminal

    checked = open_workspace().check()
    if not checked.sound:
        messages.print_store_problems(checked.path, checked.problems)
        raise typer.Exit(int(ExitCode.INVALID))
    version = "" if checked.version is None else f" (version {checked.version})"
    terminal.say(f"{checked.path}: sound{version}")


@store_app.command("compact")
@handles_errors
def store_compact(wait: WaitOption = 30.0) -> None:
    """Merge the store's small data files (one per import) into larger ones, as a new
    version. The figures and the history that --as-of reads are unchanged; nothing is
    deleted (no vacuum)."""
    from csc_perf.render import terminal

    version = open_workspace(wait).compact()
    if version is None:
        terminal.say("nothing to compact")
    else:
        terminal.say(f"compacted as version {version}; figures and history unchanged")
