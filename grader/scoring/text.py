"""Text handling for grading: answer units, content words, negation, subjects, junk detection."""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import snowballstemmer

from grader.scoring import rules

STOPWORDS = frozenset(
    """a about above again all also an and any are as at be because been being below between
    both but by can could did do does down during each for from had has have having how i if
    in into is it its just may me might more most must my of on only or other our out over
    own s same shall should so some such t than that the their them then there these they
    this those through to too under up very was we were what when where whereas which while
    who whom why will with would you your""".split()  # noqa: SIM905 - a word list reads best as text
)
# Cues that flip a statement. Weaker ones ("without", "hardly") are left out on purpose: they
# show up in correct answers far more often than in denials of a key point.
NEGATIONS = frozenset(
    """aint arent cannot cant couldnt didnt doesnt dont hadnt hasnt havent isnt mustnt neednt
    neither never no nor not shouldnt wasnt werent wont wouldnt""".split()  # noqa: SIM905 - a word list reads best as text
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Sentence ends ("..." is an ellipsis inside a sentence, as in "do...while"), lines, semicolons.
_UNIT_BREAK = re.compile(r"(?<!\.\.)(?<=[.!?;])\s+|\n+|\s*;\s*|(?<=[a-z0-9)])\.(?=[A-Z])")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
# Clause boundaries inside a sentence: "A, while B", "A and B" (the latter only between clauses
# long enough to be statements, so "images and videos" stays whole).
_CLAUSE_BREAK = re.compile(r",\s*(?:while|whereas|but|and|so|because)\s+|\s+whereas\s+")
_AND_BREAK = re.compile(r"\s*,?\s+(?:and|or)\s+|\s*,\s+")
_PARENTHETICAL = re.compile(r"\(([^()]{3,80})\)")
_MIN_CLAUSE_WORDS = 3
_LIST_ITEMS = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", re.IGNORECASE)
_MAX_LIST_ITEM_WORDS = 4
# "..., while an" left at the end of one subject's part, before the next subject is named.
_TRAILING_CONNECTORS = re.compile(r"(?:[\s,;]*\b(?:while|whereas|but|and|an|a|the))+\s*$")
_MODIFIER = re.compile(
    r"\b(?:of|in|inside|within|into|from|to|by|for|with|per|between|among|across|than)"
    r"(?:\s+(?:a|an|the|its|their|his|her|one|each|every|that|this|same|other|another))?\s*$",
    re.IGNORECASE,
)
# A clause that opens with "the X of (the) ..." names its subject after "of": "the output of
# an RNN", "each member of the output of a CNN"; not "threads share the memory of their".
_OPENING_OF = re.compile(
    r"(?:^|[,;:]\s*|\b(?:while|whereas|but|and)\s+)"
    r"(?P<phrase>(?:(?:the|a|an|each|every)\s+)?(?:\w+\s+of\s+(?:(?:a|an|the)\s+)?)+)$",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


_LATEX = re.compile(r"\\[A-Za-z]+|[\^_]\{|\$")
# pylatexenc warns on every text whose macro fails its substitution: about the input (a
# rubric's), not the service, and once per grade; what it leaves is cleaned up in readable().
logging.getLogger("pylatexenc.latex2text").setLevel(logging.ERROR)


@lru_cache(maxsize=4096)  # rubric texts, converted on every grade's feedback: ~1 ms each
def readable(text: str) -> str:
    """``text`` with any LaTeX turned into plain text ("x(1), \\ldots, x(\\tau)" → "x(1), …, x(τ)").

    Text without LaTeX markup is returned as it is (a "%" or "&" in prose is no LaTeX).
    """
    return latex_as_text(text)


def latex_as_text(text: str) -> str:
    """:func:`readable`, uncached: for a student's answer, read once (the cache is the
    rubrics')."""
    if not _LATEX.search(text):
        return text
    from pylatexenc.latex2text import LatexNodes2Text

    # A macro whose argument is another unbraced macro ("\\sqrt\\frac{a}{b}") fails its
    # substitution: pylatexenc leaves "%s" placeholders in the text (its warning is quiet, above).
    # They are dropped; the rest converts as usual.
    escaped = re.sub(r"(?<!\\)([%&#])", r"\\\1", text)
    converted = LatexNodes2Text(math_mode="text").latex_to_text(escaped)
    if "%s" not in text:
        converted = converted.replace("%s", "")
    return " ".join(converted.split())


_SUPERSCRIPT = str.maketrans(
    "0123456789+-=()abcdefghijklmnoprstuvwxyzT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᵀ"
)
_SUBSCRIPT = str.maketrans("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SCRIPT = re.compile(r"(\\[A-Za-z]+)?([\^_])(?:\{([^{}]*)\}|([A-Za-z0-9]))")


def shown(text: str) -> str:
    """``text`` as a person reads it in plain text: :func:`readable`, with sub- and
    superscripts in Unicode where every character has one ("\\sum_{k=1}^{6}" → "∑ₖ₌₁⁶",
    "E^{(k)}" → "E⁽ᵏ⁾"; otherwise "_(...)" and "^(...)"). For feedback and labels only: the
    scorer embeds :func:`readable` text."""

    def script(match: re.Match[str]) -> str:
        macro, mark = match.group(1) or "", match.group(2)
        body = match.group(3) if match.group(3) is not None else match.group(4)
        # A macro's name ends where its script starts ("\\sum{}ₖ", not "\\sumₖ").
        before = f"{macro}{{}}" if macro else ""
        plain = body.replace(" ", "")
        converted = plain.translate(_SUPERSCRIPT if mark == "^" else _SUBSCRIPT)
        if all(ch != source for ch, source in zip(converted, plain, strict=True)):
            return before + converted
        return f"{before}{mark}({body})"

    if not _LATEX.search(text):
        return text
    return readable(_SCRIPT.sub(script, text))


def words(text: str) -> list[str]:
    """Lower-case word tokens, apostrophes folded ("isn't" → "isnt")."""
    return [w.replace("'", "") for w in _WORD.findall(text.lower())]


@lru_cache(maxsize=65536)
def light_stem(word: str) -> str:
    """A light suffix stripper that leaves a word ("gradients" → "gradient"): for looking a
    word up in the model's vocabulary."""
    for suffix in ("ations", "ation", "ings", "ing", "edly", "ed", "ies", "es", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The word's Snowball (Porter 2) stem: a word family shares it, so "a generator" uses the
    content word of "generative models" and "discriminator" that of "discriminative"."""
    stemmed: str = _snowball().stemWord(word)
    return stemmed


@lru_cache(maxsize=1)
def _snowball() -> Any:  # snowballstemmer has no type hints
    return snowballstemmer.stemmer("english")


def content_stems(text: str, drop: frozenset[str] = frozenset()) -> list[str]:
    """Stems of the non-stopword words of ``text``, minus those in ``drop``."""
    stems = (stem(w) for w in words(text) if w not in STOPWORDS and w not in NEGATIONS)
    return [s for s in stems if s not in drop]


def demote(text: str, question_stems: frozenset[str]) -> str:
    """The text's content words without the question's own words (question demoting), as
    words, not stems: the demoted text is embedded, and a stem ("exponenti") is no word."""
    return " ".join(
        w
        for w in words(text)
        if w not in STOPWORDS and w not in NEGATIONS and stem(w) not in question_stems
    )


def trigram_cosine(first: str, second: str) -> float:
    """Cosine similarity of the two texts' character-trigram counts (typos barely move it)."""
    a, b = _trigrams(first), _trigrams(second)
    dot = sum(count * b[gram] for gram, count in a.items() if gram in b)
    norm = math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


@lru_cache(maxsize=4096)  # rubric-side texts repeat on every request; callers never mutate
def _trigrams(text: str) -> Counter[str]:
    padded = f" {text.lower()} "
    return Counter(padded[i : i + 3] for i in range(len(padded) - 2))


# A negation word that bounds or widens a claim instead of denying it: "no more than two
# children" says "at most two", "not only X but Y" asserts X, "no matter what" asserts the
# rest. Read as no negation, so such a claim is not refused as its own denial.
_NOT_A_DENIAL = re.compile(
    r"\b(?:no|not)\s+(?:more|less|fewer|greater|larger|smaller|bigger|higher|lower|longer|"
    r"shorter|later|earlier)\s+than\b|\bnot\s+only\b|\bno\s+matter\b",
    re.IGNORECASE,
)


def _without_bounds(text: str) -> str:
    return _NOT_A_DENIAL.sub(" ", text)


def has_negation(text: str) -> bool:
    """Whether the text contains a negation cue ("not", "never", "isn't", ...), other than
    one that only bounds a claim ("no more than two", "not only")."""
    return any(w in NEGATIONS for w in words(_without_bounds(text)))


# Where what a negation governs ends: clause punctuation, or a word that starts a new claim
# ("the gradients do not stay stable, they vanish"; "not X but Y").
_SCOPE_END = re.compile(
    r"[,;:.!?()]|\b(?:but|instead|rather|only|because|since|while|whereas|so|although|though|"
    r"yet|however|unless|except)\b",
    re.IGNORECASE,
)
_NEGATION_CUE = re.compile(
    r"\b(?:" + "|".join(sorted(NEGATIONS, key=len, reverse=True)) + r")\b|n't\b", re.IGNORECASE
)


def negation_scope(text: str) -> str:
    """The words each negation in ``text`` governs, up to the end of its clause, joined.

    "There are no gradient problems with long term dependencies; the only issue is memory"
    gives "gradient problems with long term dependencies".
    """
    folded = _without_bounds(text.replace("'", "").replace("\u2019", ""))
    cues = list(_NEGATION_CUE.finditer(folded))
    scopes = []
    for index, cue in enumerate(cues):
        following = cues[index + 1] if index + 1 < len(cues) else None
        # A scope also ends where the next negation starts its own: the words joined are the
        # same, and "not " x 1,250 is read once, not 1,250 times (0.95 CPU-s an answer).
        rest = folded[cue.end() : following.start() if following else len(folded)]
        end = _SCOPE_END.search(rest)
        scopes.append(rest[: end.start()] if end else rest)
    return " ".join(scope.strip() for scope in scopes)


def sanitize(text: str) -> str:
    """Normalise unicode, drop control characters and collapse runs of spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def kept_text(answer: str, removed: list[str]) -> str:
    """The answer without the parts a trap refused."""
    kept = answer
    for part in sorted(removed, key=len, reverse=True):
        kept = kept.replace(part, " ")
    return " ".join(kept.split()).strip(" .,;")


def split_units(answer: str) -> list[str]:
    """Sentences, bullets and clauses of an answer: the pieces matched against key points.

    Each sentence is kept whole and, when it joins statements ("X, while Y", "X and Y", "X or
    Y" with every side long enough), its clauses are added too, as are parenthetical remarks,
    so a criterion can match any of them.
    """
    units: list[str] = []
    for sentence in _sentences(answer):
        units.append(sentence)
        clauses = _clauses(sentence) if rules.on("clauses") else [sentence]
        if len(clauses) > 1:
            units.extend(clauses)
        units.extend(p.strip() for p in _PARENTHETICAL.findall(sentence) if words(p))
        units.extend(_list_items(sentence))
    return list(dict.fromkeys(units))


def sentence_of(answer: str, part: str) -> str:
    """The answer's sentence that holds ``part`` (a unit of it), else ``part`` itself."""
    return next((s for s in _sentences(answer) if part in s), part)


def sentences(answer: str) -> list[str]:
    """The answer's sentences (lines, bullets and sentence ends split it; semicolons too)."""
    return list(_sentences(answer))


def _sentences(answer: str) -> Iterator[str]:
    for line in answer.splitlines():
        line = _BULLET.sub("", line).strip()
        for sentence in _UNIT_BREAK.split(line):
            sentence = sentence.strip(" .;,")
            if sentence:
                yield sentence


def _clauses(sentence: str) -> list[str]:
    clauses = [c.strip(" .;,") for c in _CLAUSE_BREAK.split(sentence)]
    return [piece for c in clauses for piece in _split_and(c) if piece]


def _list_items(sentence: str) -> list[str]:
    """The items of a list answer ("Atomicity, consistency, isolation and durability"): each a
    unit of its own, so each can make its own key point. Only comma lists of short items."""
    if "," not in sentence:
        return []
    items = [item.strip(" .;:") for item in _LIST_ITEMS.split(sentence)]
    items = [item for item in items if item]
    if len(items) >= 2 and all(1 <= len(words(item)) <= _MAX_LIST_ITEM_WORDS for item in items):
        return items
    return []


def _split_and(clause: str) -> list[str]:
    """Split at "and" or a comma only where every side is long enough to be a statement."""
    parts = _AND_BREAK.split(clause)
    if len(parts) > 1 and all(len(words(p)) >= _MIN_CLAUSE_WORDS for p in parts):
        return parts
    return [clause]


# Words that relate keywords to each other ("push equals enqueue", "left implies parent").
_RELATIONS = frozenset(
    [
        "equals",
        "equal",
        "implies",
        "means",
        "causes",
        "gives",
        "leads",
        "makes",
        "uses",
        "returns",
        "then",
    ]
)


def is_keyword_salad(answer: str) -> bool:
    """Five or more bare keywords: no function or relation word, no list punctuation, no numbers.

    A list is a list (a terse answer), not a salad: comma-separated, or one item per line or
    bullet ("* Hebbian learning\n* Competitive learning": right answers to "name the learning
    rules", capped as salads until measured on DigiKlausur, `grader eval rules`).
    """
    tokens = words(answer)
    if len(tokens) < 5 or re.search(r"[.!?,;:]\s*\S|\d|[-=<>(*•]", answer):
        return False
    if sum(1 for line in answer.splitlines() if line.strip()) > 1:
        return False
    return not any(t in STOPWORDS or t in NEGATIONS or t in _RELATIONS for t in tokens)


@lru_cache(maxsize=4)
def _vocabulary(path: Path) -> frozenset[str]:
    return frozenset(line.strip() for line in path.read_text(encoding="utf-8").splitlines())


def _known(word: str, vocabulary: frozenset[str]) -> bool:
    """In the vocabulary, or built on a word that is ("statically" on "static")."""
    if word in vocabulary or light_stem(word) in vocabulary:
        return True
    return any(
        word[:cut] in vocabulary for cut in range(len(word) - 1, max(3, len(word) * 3 // 5) - 1, -1)
    )


def known_word_ratio(text: str, vocabulary_file: Path | None) -> float:
    """Share of the words the model's vocabulary knows (1.0 when there is too little to judge).

    Gibberish and text in another language score low; an English answer with typos does not.
    """
    tokens = [w for w in words(text) if not w.isdigit()]
    if len(tokens) < 3 or vocabulary_file is None or not vocabulary_file.exists():
        return 1.0
    vocabulary = _vocabulary(vocabulary_file)
    return sum(_known(t, vocabulary) for t in tokens) / len(tokens)


@dataclass(frozen=True)
class SubjectMention:
    """A place where an answer names one side of a comparison."""

    subject: str
    start: int
    end: int


def subject_pattern(subject: str) -> re.Pattern[str]:
    """How an answer may name ``subject``: itself (plural too), or an acronym's expansion.

    "RNN" also matches "recurrent neural network(s)" and "recurrent net(work)s".
    """
    escaped = re.escape(subject)
    options = [rf"{escaped}(?:s|es|'s)?"]
    letters = subject.replace(" ", "")
    acronym = 2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper()
    if acronym and rules.on("acronym-expansion"):
        options.append(r"\s+".join(rf"{letter}\w*" for letter in letters.lower()))
        if letters.endswith("NN") and len(letters) > 2:
            head = r"\s+".join(rf"{letter}\w*" for letter in letters[:-2].lower())
            options.append(rf"{head}\s+net(?:work)?s?")
    return re.compile(rf"\b(?:{'|'.join(options)})\b", re.IGNORECASE)


def find_subjects(text: str, subjects: list[str]) -> list[SubjectMention]:
    """Mentions of any of ``subjects`` in ``text``, in order, without overlaps."""
    mentions: list[SubjectMention] = []
    for subject in subjects:
        for match in subject_pattern(subject).finditer(text):
            mentions.append(SubjectMention(subject, match.start(), match.end()))
    mentions.sort(key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[SubjectMention] = []
    for mention in mentions:
        if not kept or mention.start >= kept[-1].end:
            kept.append(mention)
    return kept


def attributed_segments(text: str, subjects: list[str]) -> list[tuple[str, str]]:
    """Split a unit into ``(subject, what is said of it)`` pieces, one per subject mention.

    "A CNN processes grids, while an RNN processes sequences" gives
    ``[("CNN", "processes grids"), ("RNN", "processes sequences")]``.
    """
    # A subject named as the object of a preposition ("the threads inside a process", "the
    # memory of their process") is not what the clause speaks of: it starts no new part,
    # unless it ends the phrase the clause opens with ("the output of an RNN does not ...").
    mentions: list[SubjectMention] = []
    opens: list[int] = []  # where the words said of each mention start
    for mention in find_subjects(text, subjects):
        if not _MODIFIER.search(text[: mention.start]):
            mentions.append(mention)
            opens.append(mention.start)
        elif rules.on("opening-of") and (opening := _OPENING_OF.search(text[: mention.start])):
            mentions.append(mention)
            opens.append(opening.start("phrase"))
    segments: list[tuple[str, str]] = []
    for index, mention in enumerate(mentions):
        end = opens[index + 1] if index + 1 < len(mentions) else len(text)
        before = text[: mention.start] if index == 0 else text[opens[index] : mention.start]
        rest = f"{before} {text[mention.end : end]}"
        rest = _TRAILING_CONNECTORS.sub("", rest.strip(" ,;.")).strip(" ,;.")
        if len(words(rest)) >= 1:
            segments.append((mention.subject, rest))
    return segments


# "the difference(s) between X and Y", "compare X and/with/to Y", "X vs. Y", "X versus Y",
# "how does X differ from Y", "contrast X with Y": a question that compares two things.
_COMPARISON = [
    re.compile(r"differen\w*\s+between\s+(?P<a>[\w\- ]+?)\s+and\s+(?P<b>[\w\- ]+)", re.I),
    re.compile(
        r"\b(?:compare|contrast)\s+(?P<a>[\w\- ]+?)\s+(?:and|with|to)\s+(?P<b>[\w\- ]+)", re.I
    ),
    re.compile(r"(?P<a>[\w\-]+(?: [\w\-]+)?)\s+(?:vs\.?|versus)\s+(?P<b>[\w\- ]+)", re.I),
    re.compile(
        r"\bhow\s+(?:does|do|is|are)\s+(?:an?\s+|the\s+)?(?P<a>[\w\- ]+?)\s+differ\w*\s+"
        r"from\s+(?P<b>[\w\- ]+)",
        re.I,
    ),
]
_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.I)


def _subject(phrase: str) -> str:
    """A compared thing's name as an answer may write it: no article, one of, singular."""
    name = _ARTICLE.sub("", phrase.strip(" ?.,;:")).strip()
    name = re.split(r"\s+(?:in|of|for|with|when|on|at|and|or)\s+", name)[0].strip()
    if name.isupper():
        return name  # an acronym: its plural is found by subject_pattern
    if name.endswith(("sses", "shes", "ches", "xes")):
        return name[:-2]
    if name.endswith("s") and not name.endswith(("ss", "us", "is")):
        return name[:-1]
    return name


def comparison_subjects(prompt: str) -> list[str]:
    """The two things a comparison question compares ("processes" and "threads"), or []."""
    for pattern in _COMPARISON:
        found = pattern.search(prompt)
        if found:
            first, second = _subject(found["a"]), _subject(found["b"])
            if first and second and first.lower() != second.lower() and len(words(first)) <= 3:
                return [first, second] if len(words(second)) <= 3 else []
    return []


def prose_contrast(text: str, subjects: list[str]) -> list[tuple[str, str]]:
    """A key point written in prose that says something of each compared thing ("a process has
    its own address space, while threads share memory") as (subject, claim) pairs in the
    order of ``subjects``; [] when it does not speak of each of them."""
    claims: dict[str, str] = {}
    for subject, claim in attributed_segments(text, subjects):
        if subject not in claims and len(words(claim)) >= 2:
            claims[subject] = claim
    if len(claims) < len(subjects) or len(subjects) < 2:
        return []
    return [(subject, claims[subject]) for subject in subjects]
