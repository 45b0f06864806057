"""Answers the English model cannot read: another language or script, code, formulas only.

Such an answer is not wrong for being unreadable: it goes to review with the reason, its
machine grade only provisional. The checks are built so that a short English answer (a few
technical terms: "Overfitting and underfitting", "Gradient descent") is never called foreign:
the language is only judged on four words or more, by a language identifier that ships its
model (``langid``, Lui & Baldwin 2012), and only when it is sure.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from typing import Any

from grader.scoring.text import latex_as_text

# Fewer words than this say too little about their language ("Gradient descent": French 0.95).
MIN_WORDS = 4
# How sure the identifier must be, and how few of the words the English vocabulary may know,
# for an answer to read as another language; measured on graded English answers
# (docs/quality.md, "Answers the grader cannot read").
SURE = 0.99
KNOWN_ENOUGH = 0.9
_CODE = re.compile(
    r"^\s*(def|class|for|while|if|return|import|int|float|void)\b.*[:;{(]"  # a statement
    r"|\w+\s*(\+|-|\*|/|@)?=\s*[\w(\[]+\s*[(\[@*]"  # an assignment from a call or an operator
    r"|\w\.\w+\(|[;{}]\s*$|\)\s*:\s*$",  # a method call, a block's end
    re.MULTILINE,
)
_WORD = re.compile(r"[^\W\d_]+")
_TAG = re.compile(r"<[^>]{1,20}>")  # markup pasted in with an answer ("<br>") is no language
# The languages an answer is told apart from English in, by name (langid knows 97, Breton and
# Volapük among them, and picks odd ones for terse English).
_NAMES = {
    "es": "Spanish", "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "pl": "Polish", "tr": "Turkish", "sv": "Swedish", "da": "Danish",
    "no": "Norwegian", "fi": "Finnish", "cs": "Czech", "ro": "Romanian", "id": "Indonesian",
    "vi": "Vietnamese", "hu": "Hungarian", "ca": "Catalan",
}  # fmt: skip
LANGUAGES = ("en", *_NAMES)
_lock = threading.Lock()


def unreadable(answer: str, known_share: float = 0.0) -> str | None:
    """Why the model cannot read ``answer`` (None when it can). ``known_share``: the share of
    its words the model's English vocabulary holds; the language is only doubted under
    :data:`KNOWN_ENOUGH` (the identifier called "To do one at a time." Portuguese)."""
    letters = [ch for ch in answer if ch.isalpha()]
    visible = [ch for ch in answer if not ch.isspace()]
    if not visible:
        return None
    if letters and _foreign_script_share(letters) > 0.3:
        return "it is written in another script"
    if _symbol_share(visible) >= 0.08 and _CODE.search(answer):
        return "it looks like code"
    if _formulas_only(answer):
        return "it is formulas or symbols only"
    words = _WORD.findall(_TAG.sub(" ", answer))
    if len(words) >= MIN_WORDS and known_share < KNOWN_ENOUGH:
        language, sureness = identify(answer)
        if language != "en" and sureness >= SURE:
            return f"it reads as {language_name(language)}"
    return None


UNREAD = "the grader cannot read this answer"
_FLAGGED = f"review: {UNREAD}: "


def unread_flag(why: str) -> str:
    """The review flag of an answer the model cannot read, with why (pages find it by its
    words and show what follows the colon)."""
    return f"{UNREAD}: {why}"


def provisional(why: str) -> str:
    """What a student is told of a grade the model gave an answer it cannot read."""
    return f"{UNREAD} ({why}): these points are provisional until an instructor grades it"


def unread_in(reasons: list[str]) -> str | None:
    """Why the model could not read the answer, from a grade's reasons (None: it could)."""
    flagged = next((r for r in reasons if r.startswith(_FLAGGED)), None)
    return flagged[len(_FLAGGED) :] if flagged is not None else None


def identify(text: str) -> tuple[str, float]:
    """The language of ``text`` (ISO 639-1, one of :data:`LANGUAGES`) and how sure the
    identifier is (0..1)."""
    language, sureness = _identifier().classify(_TAG.sub(" ", text))
    return str(language), float(sureness)


def warm() -> None:
    """Load the identifier's model now (about a second): at start-up, not in a request."""
    _identifier()


@lru_cache(maxsize=1)
def _identifier() -> Any:  # langid has no type hints
    with _lock:
        from langid.langid import LanguageIdentifier, model

        identifier = LanguageIdentifier.from_modelstring(model, norm_probs=True)
        identifier.set_languages(list(LANGUAGES))
        return identifier


def _foreign_script_share(letters: list[str]) -> float:
    """The share of letters outside the Latin script (Greek letters in formulas included)."""
    foreign = sum(1 for ch in letters if not unicodedata.name(ch, "LATIN").startswith("LATIN"))
    return foreign / len(letters)


def _formulas_only(answer: str) -> bool:
    """Few letters among what is visible, once LaTeX is read as what it writes: the letters
    of "\\frac{\\partial L}{\\partial h_0} \\to 0" are its commands' names, not words."""
    visible = [ch for ch in latex_as_text(answer) if not ch.isspace()]
    letters = [ch for ch in visible if ch.isalpha()]
    return len(visible) >= 3 and len(letters) / len(visible) < 0.4


def _symbol_share(visible: list[str]) -> float:
    return sum(1 for ch in visible if ch in "=()[]{};:@*+-/<>_.,'\"") / len(visible)


def language_name(code: str) -> str:
    """A language's English name, or its code."""
    return _NAMES.get(code, f"another language ({code})")
