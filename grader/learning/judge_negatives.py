"""Wrong answers made from the data's own references, for training the key-point judge.

Graded sets hold few answers that use a key point's words and still miss it, and a judge that
never sees one learns that the words are the point. Each question's reference gives four such
answers, all graded 0:

- **negated**: the claim denied ("... is not ...", or "It is not true that ...");
- **roles swapped**: two of its content words exchanged ("the encoder reads the decoder's
  output" from "the decoder reads the encoder's output");
- **shuffled**: every word of it, in a random order (all the words, none of the claim);
- **another question's reference**: on the course's topic, another point.

Swaps and shuffles are made only of references with at least four content words: "Vanishing
gradients" shuffled still says it. Nothing here knows a language's grammar beyond English
auxiliaries; a reference in another language gets the "It is not true that" form, which a
judge still learns from.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from grader.scoring.text import STOPWORDS

_AUXILIARY = re.compile(
    r"\b(is|are|was|were|can|will|would|should|must|does|do|did|has|have|may|could)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
MIN_CONTENT_WORDS = 4


@dataclass(frozen=True)
class Reference:
    """One question's reference answer and the group (course) its question belongs to."""

    question: str
    text: str
    course: str


def negated(reference: str) -> str:
    """The reference's claim denied: "not" after its first auxiliary, else a denying opening."""
    match = _AUXILIARY.search(reference)
    if match is not None:
        return f"{reference[: match.end()]} not{reference[match.end() :]}"
    first = reference[:1].lower() + reference[1:]
    return f"It is not true that {first}"


def content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text) if w.lower() not in STOPWORDS and len(w) > 2]


def swapped(reference: str) -> str | None:
    """The first and the last content word exchanged (None when they are fewer than four, or
    the two are the same word)."""
    words = content_words(reference)
    if len(words) < MIN_CONTENT_WORDS or words[0].lower() == words[-1].lower():
        return None
    first, last = words[0], words[-1]
    # Exchange by position: the first occurrence of the first, the last of the last.
    start = reference.find(first)
    end = reference.rfind(last)
    if start < 0 or end <= start:
        return None
    return (
        reference[:start]
        + last
        + reference[start + len(first) : end]
        + first
        + reference[end + len(last) :]
    )


def shuffled(reference: str, rng: random.Random) -> str | None:
    """Every word of the reference in a random order (None when too short to stop meaning)."""
    words = reference.split()
    if len(content_words(reference)) < MIN_CONTENT_WORDS:
        return None
    order = words[:]
    for _ in range(5):  # a shuffle that left the words in place teaches nothing
        rng.shuffle(order)
        if order != words:
            return " ".join(order)
    return None


def wrong_answers(
    references: Sequence[Reference], seed: int = 0
) -> list[tuple[Reference, str, str]]:
    """(reference, wrong answer, how it was made) for every reference: each kind once, where
    it can be made; another question's reference from the same course."""
    rng = random.Random(seed)
    by_course: dict[str, list[Reference]] = {}
    for reference in references:
        by_course.setdefault(reference.course, []).append(reference)
    made: list[tuple[Reference, str, str]] = []
    for reference in references:
        made.append((reference, negated(reference.text), "negated"))
        swap = swapped(reference.text)
        if swap is not None:
            made.append((reference, swap, "roles swapped"))
        shuffle = shuffled(reference.text, rng)
        if shuffle is not None:
            made.append((reference, shuffle, "shuffled"))
        peers = [r for r in by_course[reference.course] if r.text != reference.text]
        if peers:
            made.append((reference, rng.choice(peers).text, "another question's reference"))
    return made
