"""The layer rule of docs/architecture.md, read from the code's imports (with ``ast``).

cli -> app -> {ingest, store, methods, render} -> definitions -> model. Never model ->
anything, render -> methods, store -> ingest, or a lower layer importing a higher one.
Imports under ``if TYPE_CHECKING:`` are for annotations only and are not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "csc_perf"

#: Which layers each layer may import (besides itself).
ALLOWED = {
    "model": set(),
    "definitions": {"model"},
    "methods": {"model", "definitions"},
    # ingest checks derived figures with the same derivation results use (one place decides)
    "ingest": {"model", "definitions", "methods"},
    "store": {"model"},
    "render": {"model", "definitions"},
    "app": {"model", "definitions", "methods", "ingest", "store", "render"},
    "cli": {"model", "app", "render"},
    "package": {"model", "definitions", "ingest", "store", "app", "cli"},
}


def layer(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "csc_perf":
        raise ValueError(module)
    if len(parts) == 1 or parts[1] in ("__main__",):
        return "package"
    if parts[1] == "errors":
        return "model"  # the one table of exit codes, used by every layer
    return parts[1]


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every csc_perf import that runs (anywhere in the file)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).rsplit(".", 0 if path.name == "__init__.py" else 1)[0]
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.extend((child.lineno, a.name) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    name = ".".join([*base, child.module] if child.module else base)
                else:
                    name = child.module or ""
                found.append((child.lineno, name))
            visit(child)

    visit(tree)
    return [(line, name) for line, name in found if name.split(".")[0] == "csc_perf"]


def violations() -> list[str]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        here = layer(module_name(path))
        for line, name in imports(path):
            there = layer(name)
            if name == "csc_perf":
                continue  # the package itself: only __version__ and lazy names
            if there != here and there not in ALLOWED[here]:
                out.append(f"{path.relative_to(SRC)}:{line}: {here} -> {there} ({name})")
    return out


def test_every_module_belongs_to_a_layer():
    for path in SRC.rglob("*.py"):
        assert layer(module_name(path)) in ALLOWED, path


def test_imports_point_down_the_layers():
    assert violations() == []


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        ("cli", "app", True),
        ("app", "render", True),
        ("render", "methods", False),
        ("store", "ingest", False),
        ("model", "definitions", False),
        ("methods", "app", False),
    ],
)
def test_the_rule_itself(source, target, allowed):
    assert (target in ALLOWED[source]) is allowed


def test_the_reader_sees_deferred_imports_and_skips_type_checking():
    probe = SRC / "render" / "markdown.py"
    names = {name for _, name in imports(probe)}
    assert "csc_perf.model.calendar" in names  # at the top
    assert "csc_perf.app.report" not in names  # under TYPE_CHECKING: not counted
    deferred = {name for _, name in imports(SRC / "render" / "output.py")}
    assert "csc_perf.render.html" in deferred  # inside a function
