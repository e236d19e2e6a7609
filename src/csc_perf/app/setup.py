"""Making a workspace: ``init`` (the template definitions) and ``demo`` (the example
extracts in a throw-away workspace)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from csc_perf.app.data import ImportResult
from csc_perf.app.outcomes import ReferenceImport
from csc_perf.app.paths import CONFIG_NAME, bundled
from csc_perf.app.workspace import Workspace
from csc_perf.definitions.loading import load_definitions
from csc_perf.definitions.schema import SCHEMA_DIRECTIVE, SCHEMA_FILE, shipped_schema_text
from csc_perf.errors import UsageError
from csc_perf.ingest.validation import validate_files
from csc_perf.render.files import write_file_atomically
from csc_perf.store.core import Store

#: The month the demo reports: the example extracts' latest.
DEMO_MONTH = "2024-10"


def init_workspace(folder: str | Path, *, force: bool = False) -> Path:
    """Make a workspace in ``folder`` (created if need be): a copy of the template
    ``indicators.toml`` to edit, its first line Taplo's ``#:schema`` directive, and beside
    it the JSON Schema that directive names (so VS Code's Even Better TOML and other
    Taplo-based editors complete keys and flag mistakes, offline). Returns the TOML's path.
    Raises :class:`UsageError` when the folder already has one and ``force`` is not
    given."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / CONFIG_NAME
    if target.exists() and not force:
        raise UsageError(f"{target} already exists", hint="use --force to overwrite it")
    template = bundled("indicators.toml").read_text(encoding="utf-8")
    if template.startswith("#:schema"):  # a template that names its own schema: ours wins
        template = template.split("\n", 1)[1].lstrip("\n")
    write_file_atomically(folder / SCHEMA_FILE, shipped_schema_text().encode("utf-8"))
    write_file_atomically(target, f"{SCHEMA_DIRECTIVE}\n\n{template}".encode())
    return target


@contextmanager
def demo_workspace(keep: str | Path | None = None) -> Iterator[Workspace]:
    """A new workspace with the template definitions and an empty store: in ``keep`` (kept
    afterwards) or in a temporary folder removed when the ``with`` block ends. Raises
    :class:`UsageError` when ``keep`` already holds a workspace or is not a folder (the demo
    never writes over a real one)."""
    keep = None if keep is None else Path(keep)
    if (
        keep is not None
        and keep.exists()
        and (not keep.is_dir() or (keep / CONFIG_NAME).exists() or (keep / "store").exists())
    ):
        raise UsageError(
            f"--keep {keep}: already holds a workspace or is not a folder",
            hint="give a new folder: the demo never writes over a real workspace",
        )
    with tempfile.TemporaryDirectory(prefix="csc-perf-demo-") as scratch:
        folder = keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / CONFIG_NAME
        shutil.copyfile(bundled("indicators.toml"), config)
        yield Workspace(load_definitions(config), Store(folder / "store"), config)


def import_examples(workspace: Workspace) -> Iterator[tuple[Path, ImportResult]]:
    """Import the bundled example extracts into ``workspace`` as a council's monthly job
    would: month by month, each checked on its own, then the report workbook. Yields each
    file and what its import did. Raises
    :class:`~csc_perf.errors.InvalidDataError` should one have an error."""
    extracts = bundled("extracts")
    monthly = sorted((extracts / "monthly").glob("*.csv"))
    for path in [*monthly, *sorted(extracts.glob("*.xlsx"))]:
        yield path, workspace.import_report(validate_files([path], workspace.definitions))


def import_example_benchmarks(workspace: Workspace) -> list[ReferenceImport]:
    """Import the bundled DfE subsets (``extracts/dfe``: the ONS estimates first, then the
    EES files and the LAIT extract) into ``workspace``, as an analyst would: so that
    ``report --benchmarks`` shows the seed's comparison columns. Returns what each import
    stored."""
    folder = bundled("extracts") / "dfe"
    population = sorted(folder.glob("ons_*.csv"))
    others = sorted(p for p in folder.iterdir() if p.suffix in (".csv", ".parquet"))
    others = [p for p in others if p not in population]
    return [workspace.import_population(population), workspace.import_benchmarks(others)]
