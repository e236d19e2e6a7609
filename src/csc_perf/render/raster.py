"""SVG to PNG for the chart files: through resvg-py when it is installed (``pip install
'csc-perf[png]'``: a small wheel, no browser), else headless Chromium when it is on the
machine, else a clear error naming both. SVG itself needs neither.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import ModuleType

from csc_perf.errors import UsageError

#: Chromium's names on the usual systems, looked up on PATH in this order.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: How long Chromium may take to draw one chart.
CHROMIUM_TIMEOUT_SECONDS = 120
NO_RASTERISER = "PNG needs resvg-py or Chromium, and neither is installed"
NO_RASTERISER_HINT = (
    "pip install 'csc-perf[png]' (or pip install resvg-py), or install Chromium "
    "(e.g. apt-get install chromium); SVG needs neither: -o FILE.svg"
)


def resvg_module() -> ModuleType | None:
    """The resvg-py module, or None when it is not installed."""
    try:
        return importlib.import_module("resvg_py")
    except ImportError:
        return None


def chromium_path() -> str | None:
    """The Chromium (or Chrome) on PATH, or None."""
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


def rasteriser() -> str | None:
    """Which way PNG is made here: ``resvg``, ``chromium``, or None for neither."""
    if resvg_module() is not None:
        return "resvg"
    return "chromium" if chromium_path() else None


def require_rasteriser() -> str:
    """:func:`rasteriser`'s answer; raises :class:`UsageError` (exit 2) when there is none,
    so a command can refuse PNG before it writes anything."""
    found = rasteriser()
    if found is None:
        raise UsageError(NO_RASTERISER, hint=NO_RASTERISER_HINT)
    return found


def svg_to_png(svg: str, width: int, height: int, *, scale: float = 2.0) -> bytes:
    """The PNG of ``svg`` (a document of ``width`` x ``height`` user units) at ``scale``
    pixels per unit, on white. Raises :class:`UsageError` (exit 2) when neither resvg-py nor
    Chromium is installed, or when Chromium fails."""
    if scale <= 0:
        raise UsageError(f"scale {scale}: must be more than 0")
    resvg = resvg_module()
    if resvg is not None:
        return bytes(resvg.svg_to_bytes(svg_string=svg, zoom=scale, background="#ffffff"))
    browser = chromium_path()
    if browser is not None:
        return chromium_png(browser, svg, width, height, scale)
    raise UsageError(NO_RASTERISER, hint=NO_RASTERISER_HINT)


def chromium_png(browser: str, svg: str, width: int, height: int, scale: float) -> bytes:
    """A screenshot of ``svg`` in headless Chromium: no network features, a throw-away
    profile, the window the SVG's size. Raises :class:`UsageError` when it fails."""
    with tempfile.TemporaryDirectory(prefix="csc-perf-chart-") as folder:
        page, shot = Path(folder) / "chart.svg", Path(folder) / "chart.png"
        page.write_text(svg, encoding="utf-8")
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={Path(folder) / 'profile'}",
            f"--window-size={width},{height}",
            f"--force-device-scale-factor={scale:g}",
            "--default-background-color=ffffffff",
            f"--screenshot={shot}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT_SECONDS
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise UsageError(f"Chromium could not draw the PNG: {exc}") from None
        if done.returncode != 0 or not shot.is_file():
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise UsageError(
                f"Chromium could not draw the PNG (exit {done.returncode}): {last}",
                hint="pip install resvg-py draws PNG without a browser",
            )
        return shot.read_bytes()
