"""Text from data is inert on a terminal: no escape sequence, control character or Rich
markup from an indicator name, theme name, authority cell or file name is obeyed.

Issue 12, items 7 and 8. Each command runs on a (simulated) terminal: Rich forced to
terminal output and csc-perf's stdout check answering yes, so it prints its Rich tables with
colour, exactly as a person sees them. One test runs the real thing in a pseudo-terminal.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import unicodedata

import pytest

# A window title (OSC 0, ended by BEL), clear screen, an OSC 8 hyperlink, a C1 CSI, Rich
# markup that would link or crash, and a bidirectional override.
EVIL = (
    "\x1b]0;pwned\x07 \x1b[2J \x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\ "
    "\x9b31m [link=http://evil.example/]x[/link] [/] \u202egnp.exe"
)
EVIL_AUTHORITY = "[/]\x1b]0;pwned\x07"
EVIL_FILE = "evil\x1b]0;pwned\x07\x1b[2J.csv"
EVIL_STORED_FILE = "stored\x1b]0;pwned\x07\x1b[2J.csv"
# What a person sees instead of the window-title sequence.
SHOWN = "\\x1b]0;pwned"
# Rich's own colours and styles (Select Graphic Rendition), the only escapes allowed out.
SGR = re.compile("\x1b\\[[0-9;]*m")


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (control characters as \\uXXXX escapes)."""
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif unicodedata.category(c) in ("Cc", "Cf"):
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def assert_inert(text: str) -> None:
    """No control character from data in ``text``: only Rich's colour codes, tabs and newlines."""
    bare = SGR.sub("", text)
    obeyed = sorted(
        {
            f"U+{ord(c):04X}"
            for c in bare
            if (unicodedata.category(c) == "Cc" and c not in "\n\t")
            or "\u202a" <= c <= "\u202e"
            or "\u2066" <= c <= "\u2069"
        }
    )
    assert not obeyed, f"control characters reached the terminal: {obeyed}\n{text!r}"
    assert "\x1b]" not in text  # no OSC (title, hyperlink) at all, not even Rich's


@pytest.fixture
def hostile_workspace(full_workspace):
    """The example store with an indicator and a theme named EVIL, an authority code and a
    file name with escape sequences (imported)."""
    config = full_workspace / "indicators.toml"
    text = config.read_text(encoding="utf-8")
    name = "Number of referrals into Early Help"
    text = text.replace(
        f'name = "{name}"\naliases = [',
        f'name = {toml_string(name + " " + EVIL)}\naliases = ["{name}", ',
        1,
    )
    theme = 'name = "Right support at the right time – Family Help"'
    assert theme in text
    text = text.replace(theme, f"name = {toml_string('Family Help ' + EVIL)}", 1)
    config.write_text(text, encoding="utf-8")
    hostile = full_workspace / EVIL_FILE
    hostile.write_text(
        "Authority,Indicator,Month,Value\n"
        f'"{EVIL_AUTHORITY}",{name},2024-09,4\n'
        f'"{EVIL_AUTHORITY}",{name},2024-10,5\n',
        encoding="utf-8",
    )
    return full_workspace


def store_hostile_authority(workspace) -> None:
    """Put figures for EVIL_AUTHORITY in the store, from a file with a hostile name, as
    another program writing the Delta table could: csc-perf's own import refuses an
    authority that is not a code (authority-invalid), so it is committed through the
    library after validation."""
    import polars as pl

    from csc_perf.definitions.loading import load_definitions
    from csc_perf.ingest.validation import validate_files
    from csc_perf.store.core import Store

    name = "Number of referrals into Early Help"
    source = workspace / EVIL_STORED_FILE
    source.write_text(
        f"Authority,Indicator,Month,Value\n852,{name},2024-09,4\n852,{name},2024-10,5\n",
        encoding="utf-8",
    )
    report = validate_files([source], load_definitions(workspace / "indicators.toml"))
    assert report.valid, [i.message for i in report.errors]
    observations = report.observations.with_columns(
        pl.lit(EVIL_AUTHORITY, dtype=pl.String).alias("authority")
    )
    Store(workspace / "store").commit_import(observations, report.files)


@pytest.fixture
def terminal(cli, monkeypatch):
    """The CLI as on a terminal: tables by default, Rich writing colour codes."""
    monkeypatch.setattr("csc_perf.render.output.stdout_is_terminal", lambda: True)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.delenv("NO_COLOR", raising=False)
    return cli


def test_the_fixture_really_is_hostile(hostile_workspace, cli):
    # Without a terminal, stdout is data and stays exact: the names come out as stored.
    store_hostile_authority(hostile_workspace)
    export = cli("export", "--format", "csv")
    assert export.exit_code == 0
    assert "\x1b]0;pwned\x07" in export.stdout  # the hostile file was imported
    indicators = cli("indicators", "--format", "json")
    assert "\\u001b]0;pwned\\u0007" in indicators.stdout


COMMANDS = [
    ["rag", "--month", "2024-10"],
    ["rag", "--month", "2024-10", "--authority", "all"],
    ["report", "--month", "2024-10"],
    ["report", "--month", "2024-10", "--format", "md"],
    ["trend", "early_help_referrals"],
    ["trend", "early_help_referrals", "--authority", "all"],
    ["summary", "--month", "2024-10"],
    ["indicators"],
    ["history"],
    ["export"],
    ["export", "--format", "csv"],
    ["export", "--format", "jsonl"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_no_escape_sequence_from_data_reaches_the_terminal(hostile_workspace, terminal, args):
    if args[0] in ("history", "export") or "all" in args:
        store_hostile_authority(hostile_workspace)
    result = terminal(*args)
    assert result.exit_code == 0, result.output
    assert_inert(result.stdout)
    assert_inert(result.stderr)
    # Shown, not dropped: a person can see what the data holds (JSON and Markdown have their
    # own escapes on top).
    shown = (SHOWN, "\\u001b]0;pwned", "\\x1b\\]0;pwned")
    assert any(form in result.stdout for form in shown)
    if args[0] in ("rag", "report", "trend", "summary") and "md" not in args:
        # (Markdown escapes the brackets; narrower tables fold names)
        assert "[link=http://evil.example/]x[/link]" in result.stdout  # markup is text
    if args[-1] not in ("csv", "jsonl", "md"):
        assert SGR.search(result.stdout), "not rendered as on a terminal"


def test_messages_quoting_file_names_and_cells_are_inert(hostile_workspace, terminal):
    bad = hostile_workspace / ("bad\x1b[2J\x9b.csv")
    bad.write_text(
        "Indicator,Month,Value\n"
        "Number of contacts in the month,2024-10,\x1b]0;pwned\x07\n"
        "\x1b]8;;http://evil.example/\x1b\\[/],2024-10,5\n",
        encoding="utf-8",
    )
    for command in ("validate", "import"):
        result = terminal(command, bad)
        assert result.exit_code == 1, result.output
        assert_inert(result.stdout)
        assert_inert(result.stderr)
        assert "bad\\x1b[2J\\x9b.csv" in result.stderr or "bad\\x1b[2J\\x9b.csv" in result.stdout
    # The error that quotes a hostile authority cell (not a code: refused).
    imported = terminal("import", hostile_workspace / EVIL_FILE)
    assert imported.exit_code == 1
    assert "authority-invalid" in imported.stderr
    assert_inert(imported.stderr)
    assert "[/]\\x1b]0;pwned\\x07" in imported.stderr


def test_fail_on_names_hostile_indicators_inertly(hostile_workspace, terminal):
    result = terminal("rag", "--month", "2024-10", "--fail-on", "amber", "--format", "csv")
    assert result.exit_code == 1
    assert_inert(result.stderr)


def test_rich_markup_in_an_authority_cell_is_text(hostile_workspace, terminal):
    """`[/]` in an authority cell made `export` and `rag --authority all` exit 70."""
    store_hostile_authority(hostile_workspace)
    for args in (["export"], ["rag", "--authority", "all", "--month", "2024-10"]):
        result = terminal(*args)
        assert result.exit_code == 0, result.output
        assert "[/]" in result.stdout
        assert "internal error" not in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_a_real_terminal(hostile_workspace):
    """`csc-perf rag` in a pseudo-terminal, as a person runs it."""
    import pty

    primary, secondary = pty.openpty()
    env = {**os.environ, "COLUMNS": "250", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "csc_perf", "rag", "--month", "2024-10"],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        cwd=hostile_workspace,
        env=env,
    )
    os.close(secondary)
    chunks = []
    while True:
        ready, _, _ = select.select([primary], [], [], 60)
        if not ready:
            process.kill()
            pytest.fail("csc-perf rag did not finish")
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal closed when the process ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert process.wait(timeout=60) == 0
    text = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    assert SGR.search(text), "not rendered as on a terminal"
    assert_inert(text)
    assert SHOWN in text


def test_visible_controls():
    from csc_perf.render.safety import visible_controls

    assert visible_controls("a\x1b[2Jb\x07\x9b\u202e\tc\nd") == "a\\x1b[2Jb\\x07\\x9b\\u202e\tc\nd"
    assert visible_controls("Café – 87%") == "Café – 87%"


def test_the_repository_examples_print_unchanged(full_workspace, terminal):
    """Ordinary names (dashes, accents, brackets) are not escaped."""
    result = terminal("indicators")
    assert result.exit_code == 0
    assert "\\x" not in result.stdout
    assert "early_help_referrals" in result.stdout
