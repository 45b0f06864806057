"""What a group member's answer says differently from its representative's, word by word."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_WORDS = re.compile(r"\S+\s*")


@dataclass(frozen=True)
class Piece:
    text: str
    differs: bool  # not in the representative's answer at this place


def differences(representative: str, member: str) -> list[Piece]:
    """The member's answer in pieces, those that differ from the representative's marked
    (case and punctuation beside a word are not a difference)."""
    theirs = _WORDS.findall(member)
    ours = [_key(w) for w in _WORDS.findall(representative)]
    matcher = difflib.SequenceMatcher(a=ours, b=[_key(w) for w in theirs], autojunk=False)
    pieces: list[Piece] = []
    for tag, _, _, start, end in matcher.get_opcodes():
        if start == end:
            continue
        text = "".join(theirs[start:end])
        differs = tag != "equal"
        if pieces and pieces[-1].differs == differs:
            pieces[-1] = Piece(pieces[-1].text + text, differs)
        else:
            pieces.append(Piece(text, differs))
    return pieces


def _key(word: str) -> str:
    return word.strip().strip(".,;:!?\"'()").lower()
