"""Issue 18 item 9: what `pipx install` / `uv tool install` get from a clone or a wheel: the
`csc-perf` command, the JSON Schema, the template definitions and the example extracts;
and the README states the Python version pyproject.toml requires."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from importlib import resources

import pytest
import tomllib

from conftest import EXAMPLES, ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))


def minimum_python() -> str:
    """The version in ``requires-python = ">=3.N"``."""
    found = re.fullmatch(r">=\s*(3\.\d+)", PYPROJECT["project"]["requires-python"])
    assert found, PYPROJECT["project"]["requires-python"]
    return found.group(1)


def test_the_readme_states_the_python_pyproject_requires():
    readme = (ROOT / "README.md").read_text("utf-8")
    stated = re.findall(r"Python (3\.\d+)(?: or newer|\+| or later)", readme)
    assert stated, "the README says which Python it needs"
    assert set(stated) == {minimum_python()}


def test_the_schema_is_package_data():
    schema = resources.files("csc_perf.definitions") / "indicators.schema.json"
    assert schema.is_file()
    assert '"$schema": "http://json-schema.org/draft-04/schema#"' in schema.read_text("utf-8")


def test_the_entry_point_is_the_cli():
    assert PYPROJECT["project"]["scripts"] == {"csc-perf": "csc_perf.cli:main"}
    from csc_perf.cli import main

    assert callable(main)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel `pip wheel .` builds from this checkout (a few seconds, with hatchling)."""
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(folder)],
        check=True,
        capture_output=True,
    )
    (built,) = folder.glob("csc_perf-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_has_the_command_the_schema_and_the_bundled_workspace(wheel):
    names = set(wheel.namelist())
    assert "csc_perf/definitions/indicators.schema.json" in names
    shipped = wheel.read("csc_perf/definitions/indicators.schema.json").decode("utf-8")
    from csc_perf.definitions.schema import schema_text

    assert shipped == schema_text()
    assert (
        wheel.read("csc_perf/_bundled/indicators.toml") == (ROOT / "indicators.toml").read_bytes()
    )
    monthly = {p.name for p in (EXAMPLES / "monthly").glob("*.csv")}
    assert {f"csc_perf/_bundled/extracts/monthly/{n}" for n in monthly} <= names
    info = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "csc-perf = csc_perf.cli:main" in wheel.read(info).decode("utf-8")
    metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    text = metadata.decode("utf-8")
    assert f"Requires-Python: >={minimum_python()}" in text
    assert "Requires-Dist: tomlkit" in text
    assert not any(n.startswith("tests/") for n in names)
