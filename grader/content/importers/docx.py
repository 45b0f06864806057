"""Word (.docx) documents as markdown, for the markdown parser.

Headings become ``#`` lines, numbered paragraphs ``1.`` lines (numbered per list style, so the
numbering runs on across the answers between questions, as Word shows it), bulleted paragraphs
``-`` items (indented under a numbered question), tables markdown tables.
"""

from __future__ import annotations

import re
from pathlib import Path


def docx_to_markdown(path: Path) -> str:
    """The document's text as markdown, in body order."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    counters: dict[str, int] = {}
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "tbl":
            table = Table(child, document)
            rows = [[" ".join(cell.text.split()) for cell in row.cells] for row in table.rows]
            if rows:
                lines.append("")
                lines.append("| " + " | ".join(rows[0]) + " |")
                lines.append("|" + "---|" * len(rows[0]))
                lines.extend("| " + " | ".join(row) + " |" for row in rows[1:])
                lines.append("")
            continue
        if tag != "p":
            continue
        paragraph = Paragraph(child, document)
        text = " ".join(paragraph.text.split())
        style = paragraph.style.name if paragraph.style is not None else ""
        if not text:
            lines.append("")
        elif style.startswith("Heading"):
            level = style.removeprefix("Heading").strip()
            lines.extend(["#" * (int(level) if level.isdigit() else 1) + " " + text, ""])
        elif style.startswith("List Number"):
            counters[style] = counters.get(style, 0) + 1
            indent = "   " * (_level(style) - 1)
            # A number typed inside a numbered paragraph ("1. What is ...", Word showing
            # "1. 1. What is ...") is no part of the question.
            lines.append(f"{indent}{counters[style]}. {_TYPED_NUMBER.sub('', text, count=1)}")
        elif style.startswith("List Bullet") or _numbered_by_direct_format(paragraph):
            indent = "   " * _level(style)
            lines.append(f"{indent}- {text}")
        else:
            lines.extend([text, ""])
    return "\n".join(lines).strip() + "\n"


_TYPED_NUMBER = re.compile(r"^(?:Q(?:uestion)?\s*)?\d{1,4}[.):]\s+", re.IGNORECASE)


def _level(style: str) -> int:
    """ "List Number 2" is the second level; "List Number" the first."""
    last = style.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 1


def _numbered_by_direct_format(paragraph: object) -> bool:
    """A list paragraph formatted by hand (numbering on the paragraph, not its style)."""
    p = getattr(paragraph, "_p", None)
    return p is not None and p.pPr is not None and p.pPr.numPr is not None
