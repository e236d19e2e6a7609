"""``csc-perf chart``: the Making Data Count XmR chart of an indicator as an SVG or PNG file
(for slides and board packs); ``--all`` writes one per indicator into a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csc_perf.cli.app import OutputOption, app, handles_errors, open_workspace
from csc_perf.cli.options import show_notes
from csc_perf.cli.reports import MonthArg, ThemeOption, run_options
from csc_perf.errors import UsageError

CHART_FORMATS = ("svg", "png")
_SUFFIXES = {".svg": "svg", ".png": "png"}


def chart_format(fmt: str | None, output: str | None, every: bool) -> str:
    """``svg`` or ``png``: as asked, else from -o's suffix (a file, not --all's folder),
    else SVG. Raises :class:`UsageError` for another format or suffix, and when --format and
    a ``.svg`` / ``.png`` suffix disagree (SVG text in x.png opens as neither)."""
    to_file = not every and output and output != "-"
    suffix = Path(output).suffix.lower() if to_file else ""
    if fmt is not None:
        if fmt.lower() not in CHART_FORMATS:
            raise UsageError(f"unknown format {fmt!r}; use svg or png")
        if _SUFFIXES.get(suffix, fmt.lower()) != fmt.lower():
            raise UsageError(
                f"-o {output} is a {suffix} file, and --format asks for {fmt.lower()}",
                hint=f"name it {Path(output).stem}.{fmt.lower()}, or leave out --format",
            )
        return fmt.lower()
    if not to_file:
        return "svg"
    if suffix and suffix not in _SUFFIXES:
        raise UsageError(f"-o {output}: a chart is .svg or .png", hint="or add --format svg|png")
    return _SUFFIXES.get(suffix, "svg")


@app.command()
@handles_errors
@run_options
def chart(
    indicator: Annotated[
        str | None, typer.Argument(help="Indicator id, name or alias (or --all).")
    ] = None,
    every: Annotated[
        bool,
        typer.Option(
            "--all", help="One chart per indicator, written as ID.svg (or .png) in -o DIR."
        ),
    ] = False,
    month: MonthArg = None,
    theme: ThemeOption = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help="svg or png (default: from -o's suffix, else svg)."),
    ] = None,
    output: OutputOption = None,
    no_sigma: Annotated[
        bool, typer.Option("--no-sigma-lines", help="Leave out the faint 2-sigma lines.")
    ] = False,
    run: dict | None = None,
) -> None:
    """The Making Data Count XmR chart of one indicator up to --month: monthly values and
    points coloured by SPC variation (blue improvement, orange concern, purple neither,
    grey common cause), the mean, process limits and 2-sigma lines per phase, the target,
    a fixed baseline, excluded months hollow. SVG always; PNG through resvg-py
    (pip install 'csc-perf[png]') or headless Chromium. -o - writes SVG to stdout.
    """
    from csc_perf.render import output as out
    from csc_perf.render import raster, terminal

    if every == (indicator is not None):
        raise UsageError(
            "give one indicator or --all" if every else "give an indicator id, name or alias",
            hint="`csc-perf indicators` lists them; --all -o DIR writes one per indicator",
        )
    if theme and not every:
        raise UsageError("--theme works with --all")
    chosen = chart_format(fmt, output, every)
    if chosen == "png":
        raster.require_rasteriser()  # before any work, and before --all makes its folder
    ws = open_workspace()
    if not every:
        made = ws.chart(indicator, month, **run)
        show_notes(ws)
        if chosen == "png":
            out.write_bytes(made.to_png(sigma_lines=not no_sigma), output, binary=True)
        else:
            out.write_bytes(made.to_svg(sigma_lines=not no_sigma).encode("utf-8"), output)
        return
    if not output or output == "-":
        raise UsageError("--all writes files: add -o DIR (a folder)")
    folder = Path(output)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"-o {output}: --all needs a folder, and this is a file")
    charts = ws.charts(month, themes=theme, **run)
    show_notes(ws)
    folder.mkdir(parents=True, exist_ok=True)
    for made in charts:
        path = folder / f"{made.indicator}.{chosen}"
        made.write(path, chosen, sigma_lines=not no_sigma)
        if made.note:
            terminal.say(f"{made.indicator}: {made.note}")
    terminal.say(f"wrote {len(charts)} chart(s) to {folder}")
