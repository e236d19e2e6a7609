"""Shared fixtures: the repository's definitions, a throw-away workspace, the CLI runner."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from typer.testing import CliRunner

# The object-storage servers (moto, Azurite) for the cloud store's tests.
pytest_plugins = ["cloud_servers"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLES = ROOT / "examples" / "extracts"
MONTHLY = sorted((EXAMPLES / "monthly").glob("*.csv"))
WORKBOOK = EXAMPLES / "report-tables-2024-10.xlsx"

# CI: bounded and derandomised so a failure reproduces; locally: the same bound, random.
settings.register_profile(
    "ci",
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session")
def definitions():
    from csc_perf.definitions.loading import load_definitions

    return load_definitions(ROOT / "indicators.toml")


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    """An empty workspace (the repository's indicators.toml) as the current folder."""
    shutil.copyfile(ROOT / "indicators.toml", tmp_path / "indicators.toml")
    monkeypatch.chdir(tmp_path)
    for name in ("CSC_PERF_CONFIG", "CSC_PERF_STORE", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


class Cli:
    """Runs csc-perf commands in-process, as a user would type them."""

    def __init__(self) -> None:
        from csc_perf.cli import app

        self.app = app
        self.runner = CliRunner()

    def __call__(self, *args: str | os.PathLike, input: str | None = None):
        result = self.runner.invoke(self.app, [str(a) for a in args], input=input)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture(scope="session")
def seeded_store_template(tmp_path_factory) -> Path:
    """A store holding the October 2023 extract, built once and copied per test."""
    from csc_perf.definitions.loading import load_definitions
    from csc_perf.ingest.validation import validate_files
    from csc_perf.store.core import Store

    folder = tmp_path_factory.mktemp("seeded") / "store"
    definitions = load_definitions(ROOT / "indicators.toml")
    report = validate_files([MONTHLY[0]], definitions)
    assert report.valid, report.issues
    Store(folder).commit_import(report.observations, report.files)
    return folder


@pytest.fixture
def seeded_workspace(workspace, seeded_store_template) -> Path:
    shutil.copytree(seeded_store_template, workspace / "store")
    return workspace


def store_state(folder: Path):
    """(version, sorted observations) of a store, to compare before and after a command."""
    from csc_perf.store.core import Store

    store = Store(folder)
    return store.version(), store.observations().to_dicts()


@pytest.fixture(scope="session")
def full_store_template(tmp_path_factory) -> Path:
    """All example extracts imported one by one, as the demo and a council's cron job do."""
    from csc_perf.definitions.loading import load_definitions
    from csc_perf.ingest.validation import validate_files
    from csc_perf.store.core import Store

    folder = tmp_path_factory.mktemp("full") / "store"
    definitions = load_definitions(ROOT / "indicators.toml")
    store = Store(folder)
    for path in [*MONTHLY, WORKBOOK]:
        report = validate_files([path], definitions)
        assert report.valid, [i.message for i in report.errors]
        store.commit_import(report.observations, report.files)
    return folder


@pytest.fixture
def full_workspace(workspace, full_store_template) -> Path:
    shutil.copytree(full_store_template, workspace / "store")
    return workspace
