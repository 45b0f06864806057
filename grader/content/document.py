"""What a parsed source Q&A document is made of: questions and the blocks of their answers."""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.errors import ContentError


@dataclass(frozen=True)
class Paragraph:
    """Running text (lines joined with spaces)."""

    text: str
    line: int


@dataclass(frozen=True)
class BulletList:
    """A bulleted (or inner numbered) list; one string per item."""

    items: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Table:
    """A markdown table: its header cells and its body rows (same width as the header)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    line: int


@dataclass(frozen=True)
class Math:
    """A display-math block (``$$ ... $$``); kept in the reference answer, never a key point."""

    tex: str
    line: int


Block = Paragraph | BulletList | Table | Math


@dataclass(frozen=True)
class Mark:
    """A point of a marking scheme ("1P for the drawback", "[1] the gradient vanishes",
    "0.5 P for a sensible choice out of: A, B, C"): what earns it, and the choices it lists."""

    points: float
    text: str
    line: int
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """One numbered question of the source document with its model answer.

    ``id`` is a slug of the prompt, so it survives renumbering and re-imports; ``answer`` is the
    model answer's markdown as the instructor wrote it, ``blocks`` its structure.
    """

    id: str
    number: int
    prompt: str
    answer: str
    blocks: tuple[Block, ...]
    line: int
    heading: str | None = None
    # Other correct answers ("Also accepted: ..."): phrasings of the answer, never new points.
    alternatives: tuple[str, ...] = ()
    # Grading notes for the instructor ("0.5 P for a sensible choice", "[accept synonyms]").
    notes: tuple[str, ...] = ()
    points: float | None = None  # the question's marks, where the document states them
    # The marking scheme's points, where the document allots them line by line.
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True)
class LayoutNote:
    """Something the parser assumed about a document's layout, with the line it concerns."""

    line: int
    message: str


@dataclass(frozen=True)
class ParsedDocument:
    """The questions of a document and what the parser had to assume to read them."""

    questions: list[Question]
    notes: list[LayoutNote]
    # Questions that could not be read (each error names its line); the others were.
    skipped: list[ContentError] = field(default_factory=list)
