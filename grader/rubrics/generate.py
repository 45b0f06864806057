"""Build a rubric from a parsed question: key points, select rule, swapped-role misconceptions."""

from __future__ import annotations

import re
from typing import Any

from grader.content.document import Question
from grader.content.slug import slugify
from grader.rubrics.keypoints import KeyPoint, key_points
from grader.rubrics.schema import (
    ContrastClaim,
    Criterion,
    Misconception,
    Rubric,
    SelectRule,
    Source,
)

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10,
}  # fmt: skip
# "Write any two differences", "Name three causes", "List 2 advantages".
_ASKED_COUNT = re.compile(
    r"\b(?:any|name|list|give|write|state|mention|describe|explain)\s+(?:any\s+)?"
    r"(\d+|" + "|".join(_NUMBER_WORDS) + r")\b",
    re.IGNORECASE,
)
# "What are the four conditions ...", "Name the three phases ...": a count the question asks.
_THE_COUNT = re.compile(
    r"\b(?:what|which)\s+are\s+the\s+(\d+|" + "|".join(_NUMBER_WORDS) + r")\s+[a-z]",
    re.IGNORECASE,
)
_MORE_COUNTS = re.compile(r"\band\s+(\d+|" + "|".join(_NUMBER_WORDS) + r")\s+[a-z]", re.IGNORECASE)
_STOPWORDS = {
    "a", "an", "the", "of", "and", "or", "to", "in", "on", "for", "by", "with", "is", "are",
    "be", "that", "this", "it", "its", "as", "at", "from", "which", "will", "can", "we", "x",
}  # fmt: skip
_ID_WORDS = 4
# Leading words of a prompt that say what to do, not what it is about.
_AUXILIARY = r"(?:is|are|was|were|does|do|did|can|could|should|would|will|has|have|had|may|must)"
_PROMPT_LEAD = re.compile(
    # "When do gradients vanish", "How can we ...", "In which case is momentum useful": the
    # asking words are no topic (they were: "When", "How", "In").
    r"^(?:(?:(?:in|on|for|at|under)\s+(?:which|what)\s+\w+|what|which|who|why|how|when|where)"
    rf"\s+{_AUXILIARY}\s+"
    r"|what\s+happens\s+(?:when|if|to|after)\s+"
    r"|(?:which|what)\s+"
    r"|(?:write|give|name|list|describe|explain|define|state|mention|compare)\s+"
    r"(?:any\s+)?(?:\d+\s+|(?:" + "|".join(_NUMBER_WORDS) + r")\s+)?)"
    # "Why do we use batch normalization?": the asker and their verb are no subject.
    r"(?:(?:we|you|they|i|one|people)\s+(?:\w+\s+)?(?:by\s+)?(?=\w))?"
    r"(?:the\s+|an?\s+)?",
    re.IGNORECASE,
)
_FIRST_SENTENCE = re.compile(r"(?<=[?.!])\s+")
# Where a prompt's subject ends: the verb or clause that follows it ("scheduling policy | would
# you choose"), or a preposition that starts a qualifier ("a program | that prints ...").
_VERB_TAIL = re.compile(
    r"\s+(?:would|should|could|can|will|do|does|did|is|are|was|were|has|have|had|you|that|"
    r"which|who|when|where|if|because|so|to|need|needs|use|uses|used\s+to|work|works|happen|"
    r"happens|mean|means|matter|matters|briefly|in\s+(?:this|the|your|a|one|two|three|\d+)|"
    r"for\s+(?:this|the|your|a))\b",
    re.IGNORECASE,
)
_TOPIC_WORDS = 7
_DIFFERENCES = re.compile(
    r"^(?:differences?|distinctions?)\s+between\s+(.+?)\s+and\s+(.+)$", re.IGNORECASE
)


# "Give a real world application of X", "Name one example of Y", "Suggest a use case for Z":
# the model answer is one accepted example of many.
_ASKS_FOR_EXAMPLE = re.compile(
    r"\b(?:give|name|list|mention|state|suggest|provide|cite|describe)\s+"
    r"(?:an?|one|any|some|\d+|" + "|".join(_NUMBER_WORDS) + r")\s+"
    r"(?:(?:real[- ]world|real[- ]life|practical|concrete|typical|common|good)\s+)*"
    r"(?:examples?|applications?|use[- ]cases?|uses|instances?)\b"
    r"|\bfor (?:an? )?example\b|\bname one\b",
    re.IGNORECASE,
)


def asks_for_example(prompt: str) -> bool:
    """Whether the prompt asks for an example, an application or one name among many."""
    return _ASKS_FOR_EXAMPLE.search(prompt) is not None


def asked_count(prompt: str) -> int | None:
    """How many items the prompt asks for ("any two" → 2), if it says.

    Counts joined by "and" add up: "give two reasons and one weakness" asks for 3.
    """
    match = _ASKED_COUNT.search(prompt) or _THE_COUNT.search(prompt)
    if match is None:
        return None
    total = _count(match.group(1))
    for more in _MORE_COUNTS.finditer(prompt, match.end()):
        total += _count(more.group(1))
    return total


def _count(word: str) -> int:
    word = word.lower()
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def topic_of(question: Question) -> str:
    """The section heading above the question, else a short subject named by its prompt.

    "Write any two differences between RNN and CNN?" → "RNN vs CNN"; "Which scheduling policy
    would you choose for this server? Give two reasons ..." → "Scheduling policy". Never the
    whole prompt: at most the first sentence, cut before its verb, and a few words.
    """
    if question.heading:
        return question.heading
    first = _FIRST_SENTENCE.split(question.prompt.strip(), maxsplit=1)[0]
    subject = _PROMPT_LEAD.sub("", first).strip(" ?.!:")
    differences = _DIFFERENCES.match(subject)
    if differences:
        subject = f"{differences.group(1)} vs {differences.group(2)}"
    else:
        subject = _VERB_TAIL.split(subject, maxsplit=1)[0].strip(" ,;:")
        words = subject.split()
        if len(words) > _TOPIC_WORDS:
            subject = " ".join(words[:_TOPIC_WORDS])
    subject = subject or " ".join(question.prompt.split()[:_TOPIC_WORDS]).strip(" ?.!:")
    return subject[:1].upper() + subject[1:]


def build_rubric(question: Question, document: str, demo: str = "") -> Rubric:
    """The generated rubric for ``question``, which came from ``document``, linked to ``demo``."""
    if question.marks:
        return _scheme_rubric(question, document, demo)
    count = asked_count(question.prompt)
    points = key_points(question, expected=count)
    if not points:
        points = [KeyPoint(question.answer)]
    if question.alternatives:
        # Other accepted answers are other ways to say the answer, never more points to make.
        # The answer as written ("forget gate and input gate"), unless a contrast has to go:
        # its key points joined read "Forget gate Input gate".
        kept = [p.text for p in points if not p.contrast]
        whole = len(kept) == len(points) or not kept
        points = [KeyPoint(question.answer if whole else " ".join(kept))]
    criteria = _criteria(points, question.alternatives)
    examples = asks_for_example(question.prompt)
    select = SelectRule(any=count) if count is not None and count < len(criteria) else None
    if examples and select is None and len(criteria) > 1:
        select = SelectRule(any=1)
    max_points = float(select.any if select else len(criteria))
    if question.points is not None:
        criteria = _share_points(criteria, question.points, select.any if select else None)
        max_points = question.points
    return _rubric(
        question, document, demo,
        max_points=max_points,
        accepts="examples" if examples else "key-points",
        criteria=criteria,
        select=select,
        misconceptions=_swapped_role_misconceptions(criteria),
        hints=_hints(criteria, select, examples, asked=count),
        notes=list(question.notes),
    )  # fmt: skip


def _scheme_rubric(question: Question, document: str, demo: str) -> Rubric:
    """A question whose document allots its points line by line: one criterion per allotted
    point, with those points; a choice list ("out of: A, B, C") gives that criterion's
    phrasings (any one of them earns it)."""
    criteria = _criteria([KeyPoint(mark.text) for mark in question.marks])
    criteria = [
        c.model_copy(update={"points": mark.points, "phrasings": list(mark.choices)})
        for c, mark in zip(criteria, question.marks, strict=True)
    ]
    total = sum(mark.points for mark in question.marks)
    notes = list(question.notes)
    if question.points is not None and abs(question.points - total) > 1e-9:
        notes.append(
            f"The question says {question.points:g} points; its marking scheme allots "
            f"{total:g} (the rubric follows the scheme)."
        )
    # Students read the reference as the worked answer: the key points, not "1 P for naming
    # ..." (the scheme as written stays with the instructors, in the notes).
    notes.append("Marking scheme: " + " ".join(question.answer.split()))
    worked = "\n".join(f"- {c.text}" for c in criteria)
    return _rubric(
        question, document, demo,
        max_points=total,
        criteria=criteria,
        hints=_hints(criteria, None, examples=False, asked=asked_count(question.prompt)),
        notes=notes,
        reference_answer=worked,
    )  # fmt: skip


def _rubric(question: Question, document: str, demo: str, **parts: Any) -> Rubric:
    """A generated rubric: what every one takes from its question and document, and
    ``parts`` (points, criteria, hints, ...)."""
    given: dict[str, Any] = {"reference_answer": question.answer, **parts}
    return Rubric(
        id=question.id,
        prompt=question.prompt,
        topic=topic_of(question),
        demo=demo,
        source=Source(document=document, number=question.number),
        **given,
    )


def _share_points(criteria: list[Criterion], total: float, counted: int | None) -> list[Criterion]:
    """The document's marks shared out: equally over the counted criteria, adding up exactly."""
    if counted is not None:  # any k of them: each is worth a k-th
        share = total / counted
        return [c.model_copy(update={"points": share}) for c in criteria]
    share = round(total / len(criteria), 2)
    last = round(total - share * (len(criteria) - 1), 2)
    shares = [share] * (len(criteria) - 1) + [last]
    return [c.model_copy(update={"points": p}) for c, p in zip(criteria, shares, strict=True)]


def _criteria(points: list[KeyPoint], alternatives: tuple[str, ...] = ()) -> list[Criterion]:
    used: set[str] = set()
    criteria = []
    for point in points:
        # A contrast is named after its first claim: every row starts with the same subject.
        named_by = point.contrast[0][1] if point.contrast else point.text
        words = [w for w in slugify(named_by, 200).split("-") if w not in _STOPWORDS]
        base = "-".join(words[:_ID_WORDS]) or "point"
        criterion_id, suffix = base, 2
        while criterion_id in used:
            criterion_id, suffix = f"{base}-{suffix}", suffix + 1
        used.add(criterion_id)
        criteria.append(
            Criterion(
                id=criterion_id,
                text=point.text,
                points=1.0,
                phrasings=list(alternatives),
                contrast=[ContrastClaim(subject=s, claim=c) for s, c in point.contrast],
            )
        )
    return criteria


def _swapped_role_misconceptions(criteria: list[Criterion]) -> list[Misconception]:
    """For each contrast, the classic wrong answer: the same claims with the roles exchanged."""
    misconceptions = []
    for criterion in criteria:
        if len(criterion.contrast) < 2:
            continue
        subjects = [claim.subject for claim in criterion.contrast]
        claims = [claim.claim for claim in criterion.contrast]
        rotated = claims[1:] + claims[:1]
        text = "; ".join(f"{s}: {c}" for s, c in zip(subjects, rotated, strict=True))
        misconceptions.append(
            Misconception(
                id=f"swapped-{criterion.id}",
                text=text,
                penalty=criterion.points,
                criterion=criterion.id,
                explanation=f"Exchanges the roles of {' and '.join(subjects)}.",
            )
        )
    return misconceptions


def _hints(
    criteria: list[Criterion], select: SelectRule | None, examples: bool, asked: int | None
) -> list[str]:
    if examples:
        return ["Name one concrete example and say in a few words how it fits the question."]
    contrasts = [c for c in criteria if c.contrast]
    if contrasts:
        names = [claim.subject for claim in contrasts[0].contrast]
        wanted = select.any if select else len(criteria)
        return [
            f"Give {wanted} distinct difference{'s' if wanted > 1 else ''}; for each, say what "
            f"holds for {' and what for '.join(names)}.",
            f"Keep the roles straight: a property of {names[0]} given to {names[1]}, or the "
            "reverse, costs points.",
        ]
    if len(criteria) == 1:
        if len(criteria[0].text.split()) <= 6:  # a term or a short statement
            return ["One precise term or statement is enough."]
        return ["Say what it is and why, in your own words: one central point, with its reason."]
    if select:
        return [f"Any {select.any} of the {len(criteria)} key points earn full marks."]
    if asked == len(criteria):
        return [f"The question asks for {asked}: give each one."]
    return [f"A full answer makes {len(criteria)} separate points; cover each one."]
