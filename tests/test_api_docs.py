"""The examples of docs/api.md run, in order, in a copy of the example workspace.

So the API's documentation cannot drift from the API: every ```python block is executed
in one namespace (as a notebook would run them), with the current folder holding
``indicators.toml`` and ``extracts/`` (the example extracts).
"""

from __future__ import annotations

import re
import shutil

from conftest import EXAMPLES, ROOT

DOC = ROOT / "docs" / "api.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_the_doc_has_examples_of_every_method():
    text = "".join(python_blocks(DOC.read_text(encoding="utf-8")))
    for call in (
        "Workspace.open(",
        ".validate(",
        ".import_files(",
        ".results(",
        ".report(",
        ".to_markdown()",
        ".to_html()",
        ".to_xlsx(",
        ".trend(",
        ".summary(",
        ".history()",
        ".diff(",
        ".export(",
        ".chart(",
        ".matrix(",
        ".to_svg()",
    ):
        assert call in text, call


def test_the_examples_run(workspace, capsys):
    shutil.copytree(EXAMPLES, workspace / "extracts")
    namespace: dict = {"__name__": "docs_api"}
    for number, block in enumerate(python_blocks(DOC.read_text(encoding="utf-8")), start=1):
        code = compile(block, f"docs/api.md block {number}", "exec")
        exec(code, namespace)  # the documentation's own examples, nothing else
    assert (workspace / "report-2024-10.xlsx").exists()
