"""HTML fragments (Moodle's question text and grader information) as markdown-like text."""

from __future__ import annotations

from html.parser import HTMLParser

_BLOCKS = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "ul", "ol"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.lists: list[list[int]] = []  # per open list: [is numbered, next number]

    def _break(self) -> None:
        if self.lines[-1].strip():
            self.lines.append("")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("ul", "ol"):
            self._break()
            self.lists.append([tag == "ol", 1])
        elif tag == "li":
            self._break()
            numbered = self.lists and self.lists[-1][0]
            if numbered:
                self.lines[-1] = f"{self.lists[-1][1]}. "
                self.lists[-1][1] += 1
            else:
                self.lines[-1] = "- "
        elif tag in ("td", "th"):
            self.lines[-1] += " | "
        elif tag in _BLOCKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self._break()
        elif tag in _BLOCKS or tag == "li":
            self._break()

    def handle_data(self, data: str) -> None:
        if not data.strip():
            self.lines[-1] += " " if data else ""
            return
        # The spaces around a run of text part it from its neighbours' ("values in <b>(0, 1)</b>"
        # read "values in(0, 1)" without them); runs of spaces become one when lines are joined.
        before = " " if data[0].isspace() else ""
        after = " " if data[-1].isspace() else ""
        self.lines[-1] += before + " ".join(data.split()) + after


def html_to_text(html: str) -> str:
    """Paragraphs on their own lines, list items as "- " or "1. ", tags and entities gone."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    lines = [" ".join(line.split()) for line in collector.lines]
    return "\n".join(line for line in lines if line).strip()
