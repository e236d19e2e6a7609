"""Text from data is inert in the files csc-perf writes for people (issue 12, items 9-11):
the Markdown report, the Excel report, and CSV files written with ``-o``.
"""

from __future__ import annotations

import io
import re

import polars as pl
import pytest

from test_inert_text import toml_string

BOM = b"\xef\xbb\xbf"
NAME = "Number of referrals into Early Help"


def rename(workspace, indicator_name: str, new_name: str, theme_name: str | None = None):
    """Give an indicator (and optionally the family_help theme) a new name in the
    workspace's indicators.toml, keeping the old name as an alias so the store matches."""
    config = workspace / "indicators.toml"
    text = config.read_text(encoding="utf-8")
    old = f'name = "{indicator_name}"\naliases = ['
    assert old in text
    text = text.replace(old, f'name = {toml_string(new_name)}\naliases = ["{indicator_name}", ', 1)
    if theme_name is not None:
        theme = 'name = "Right support at the right time – Family Help"'
        text = text.replace(theme, f"name = {toml_string(theme_name)}", 1)
    config.write_text(text, encoding="utf-8")


# -- item 9: the Markdown report ----------------------------------------------------------
HOSTILE_MD = (
    "# Referrals <script>alert(1)</script> <svg onload=alert(1)> a|b [click](http://evil.example/)"
    " ![x](http://evil.example/x.png) `code` *em* ~~gone~~\nsecond line\r\nthird"
)


def render_markdown(text: str):
    """(HTML, tokens) as a CommonMark renderer with GitHub tables and raw HTML allowed
    shows it."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    return md.render(text), md.parse(text)


def tables(tokens) -> list[list[list[str]]]:
    """Each table as rows of cell texts (header row first)."""
    out, table, row, cell = [], None, None, None
    for token in tokens:
        if token.type == "table_open":
            table = []
        elif token.type == "table_close":
            out.append(table)
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            table.append(row)
        elif token.type in ("th_open", "td_open"):
            cell = []
        elif token.type in ("th_close", "td_close"):
            row.append("".join(cell))
        elif token.type == "inline" and cell is not None:
            cell.append(token.content)
    return out


def test_markdown_report_shows_hostile_names_as_text(full_workspace, cli, definitions):
    rename(full_workspace, NAME, HOSTILE_MD, theme_name="Family <b>Help</b> | [x](http://e/)")
    # The theme's top highlight in October 2024 (its sentence starts with the name).
    rename(full_workspace, "Number of children with Child in Need Plan (CWD)", "# CWD <i>x</i>")
    result = cli("report", "--month", "2024-10", "-o", "report.md")
    assert result.exit_code == 0, result.output
    text = (full_workspace / "report.md").read_text(encoding="utf-8")
    html, tokens = render_markdown(text)

    # No HTML, link or image from the data; the only headings are the report's own.
    for tag in ("<script", "<svg", "<a ", "<img", "<b>", "<code", "<em", "<s>", "<del"):
        assert tag not in html, tag
    headings = re.findall(r"<h(\d)>", html)
    assert headings == ["1"] + ["2"] * 8  # the title, then the eight themes
    assert "<h2>Family &lt;b&gt;Help&lt;/b&gt; | [x](http://e/)</h2>" in html

    # The name's newlines are folded: the table keeps one row per indicator, every row as
    # wide as the header, and the name reads as written.
    family_help = tables(tokens)[0]
    width = len(family_help[0])
    assert width == 19  # indicator, 14 months, target, RAG, DoT, SPC
    assert all(len(row) == width for row in family_help)
    members = [i for i in definitions.indicators if "family_help" in i.themes]
    assert len(family_help) == 1 + len(members)  # the header, one row per indicator
    shown = "<td>" + (
        "# Referrals &lt;script&gt;alert(1)&lt;/script&gt; &lt;svg onload=alert(1)&gt; a|b "
        "[click](http://evil.example/) ![x](http://evil.example/x.png) `code` *em* ~~gone~~ "
        "second line third</td>"
    )
    assert shown in html
    # The bullet under the theme (the indicator's highlight) is a list item, not a heading.
    assert "<li># CWD &lt;i&gt;x&lt;/i&gt; decreased to 202 in October 2024" in html


def test_markdown_escaping_reads_back_exactly():
    from markdown_it import MarkdownIt

    from csc_perf.render.safety import markdown_text

    md = MarkdownIt("commonmark").enable("table")
    for text in [
        "a|b",
        "[x](y)",
        "<i>",
        "&amp;",
        "C&F",
        "&#60;",
        "*a* _b_",
        "\\",
        "# h",
        "1. one",
        "- x",
        "`c`",
    ]:
        html = md.render(f"- {markdown_text(text, starts_line=True)}")
        plain = html.replace("<ul>\n<li>", "").replace("</li>\n</ul>\n", "")
        expected = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert plain == expected, (text, html)


# -- item 10: the Excel report ------------------------------------------------------------
def test_no_excel_cell_starts_with_an_apostrophe(full_workspace, cli, definitions):
    import openpyxl

    rename(full_workspace, NAME, '=HYPERLINK("http://evil.example/","x")')
    assert cli("report", "--month", "2024-10", "-o", "report.xlsx").exit_code == 0
    book = openpyxl.load_workbook(full_workspace / "report.xlsx")
    texts = [c for sheet in book for row in sheet.iter_rows() for c in row if c.data_type == "s"]
    assert texts
    assert [c.coordinate for c in texts if c.value.startswith("'")] == []
    assert not [c for c in texts if c.data_type == "f"]
    # A RAG cell without a target reads "-" (the seed's grey): one per theme row of an
    # indicator with no target or polarity none, 28 in the example definitions.
    no_target = sum(
        len(i.themes) for i in definitions.indicators if not i.targets or i.polarity == "none"
    )
    assert no_target == 28
    rag_cells = []
    for sheet in book.worksheets[:8]:
        column = next(c.column for c in sheet[2] if c.value == "RAG")
        rag_cells += [sheet.cell(r, column) for r in range(3, sheet.max_row + 1)]
    dashes = [c for c in rag_cells if c.value == "-"]
    assert len(dashes) == no_target
    assert all(c.quotePrefix for c in dashes)  # still text if edited in Excel
    # The formula-like name: text, exactly as written.
    names = [c for c in texts if c.value == '=HYPERLINK("http://evil.example/","x")']
    assert len(names) >= 3 and all(c.quotePrefix for c in names)


# -- item 11: CSV files for Excel start with a byte-order mark ------------------------------
def test_csv_files_written_with_o_start_with_a_bom(full_workspace, cli):
    rename(full_workspace, NAME, "Référrals – Early Help")
    for args in (
        ["export"],
        ["indicators"],
        ["rag", "--month", "2024-10"],
        ["report", "--month", "2024-10", "--format", "csv"],
        ["summary", "--month", "2024-10", "--format", "csv"],
        ["history"],
    ):
        target = full_workspace / "out.csv"
        result = cli(*args, "-o", target)
        assert result.exit_code == 0, (args, result.output)
        data = target.read_bytes()
        assert data[:3] == BOM, args
        assert data[3:4] != b"\xef"  # one mark, not two
        frame = pl.read_csv(io.BytesIO(data[3:]), infer_schema=False)
        assert frame.columns[0] in ("authority", "id", "theme", "rank", "version"), args
    names = pl.read_csv(full_workspace / "out.csv", infer_schema=False)
    assert names.columns[0] == "version"  # Polars reads the BOM too
    indicators = full_workspace / "indicators.csv"
    assert cli("indicators", "-o", indicators).exit_code == 0
    assert "Référrals – Early Help".encode() in indicators.read_bytes()
    tsv = full_workspace / "out.tsv"
    assert cli("export", "-o", tsv).exit_code == 0
    assert tsv.read_bytes()[:3] == BOM


@pytest.mark.parametrize("args", [["--format", "csv"], ["-o", "-"], ["--format", "tsv"]])
def test_stdout_has_no_bom(full_workspace, cli, args):
    result = cli("export", *args)
    assert result.exit_code == 0
    assert result.stdout_bytes[:9] == b"authority"


def test_no_bom_turns_it_off(full_workspace, cli):
    target = full_workspace / "out.csv"
    for args in (["--no-bom", "export", "-o", target], ["export", "-o", target, "--no-bom"]):
        result = cli(*args)
        assert result.exit_code == 0, result.output
        assert target.read_bytes()[:9] == b"authority", args


def test_other_files_have_no_bom(full_workspace, cli):
    for name, args in (
        ("out.json", []),
        ("out.jsonl", []),
        ("report.md", ["report"]),
        ("report.html", ["report"]),
        ("table.txt", ["--format", "table"]),
    ):
        target = full_workspace / name
        command = args if args and args[0] == "report" else ["export", *args]
        assert cli(*command, "-o", target).exit_code == 0, name
        assert target.read_bytes()[:3] != BOM, name
