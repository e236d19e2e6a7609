"""The report as Markdown: a heading and a pipe table per theme, its highlights below."""

from __future__ import annotations

from csc_perf.model.calendar import report_label
from csc_perf.render.document import ReportDocument
from csc_perf.render.results import (
    RAG_STYLE,
    comparison_cell,
    direction_word,
    format_target,
    report_cells,
    spc_words,
)
from csc_perf.render.safety import markdown_text


def report_markdown(report: ReportDocument, per_theme: int = 3) -> str:
    """The report as Markdown: a heading and a pipe table per theme."""
    months = report.months
    extra = report.comparisons
    out = [f"# Performance report: {report.month:%B %Y}", ""]
    for theme in report.themes:
        header = [
            "Indicator",
            *[report_label(m) for m in months],
            "Target",
            "RAG",
            "DoT",
            "SPC",
            *[h for _, h in extra],
        ]
        out += [f"## {markdown_text(theme.name)}", ""]
        out.append("| " + " | ".join(markdown_text(h) for h in header) + " |")
        out.append("| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |")
        for row in report.theme_rows(theme.id):
            symbol, word = direction_word(row)
            rag = RAG_STYLE.get(row["rag"], (row["rag"], ""))[0]
            cells = [
                row["name"],
                *report_cells(row, months),
                format_target(row),
                rag,
                f"{symbol} {word}".strip(),
                spc_words(row),
                *[comparison_cell(row, column) for column, _ in extra],
            ]
            out.append("| " + " | ".join(markdown_text(c) for c in cells) + " |")
        out.append("")
        out += highlights_markdown(report.theme_highlights(theme.id, per_theme))
    return "\n".join(out)


def highlights_markdown(mine: list) -> list[str]:
    """Highlights as Markdown bullet points (a blank line after them)."""
    return [f"- {markdown_text(h.sentence, starts_line=True)}" for h in mine] + (
        [""] if mine else []
    )
