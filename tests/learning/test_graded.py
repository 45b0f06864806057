"""Splitting graded answers by question, for training on one half and calibrating on the other."""

from __future__ import annotations

import pytest

from grader.learning.graded import GradedAnswer, question_half, reference_rubric


def _answers() -> list[GradedAnswer]:
    items = []
    for q in range(40):
        rubric = reference_rubric(f"q{q}", f"Question {q}?", f"reference {q}")
        items += [GradedAnswer(rubric, f"answer {a}", a / 3, f"g{q}") for a in range(4)]
    return items


def test_the_two_halves_split_whole_questions_and_cover_every_answer() -> None:
    items = _answers()
    a, b = question_half(items, "a"), question_half(items, "b")
    questions_a, questions_b = {i.rubric.id for i in a}, {i.rubric.id for i in b}
    assert not questions_a & questions_b  # no question in both
    assert len(a) + len(b) == len(items) and question_half(items, "all") == items
    assert 10 <= len(questions_a) <= 30  # a split, not one side
    # The same questions whatever else is there: a half is a property of the question.
    assert question_half(items[:20], "a") == [i for i in a if i in items[:20]]


def test_an_unknown_half_is_an_error() -> None:
    with pytest.raises(ValueError, match="half must be one of all, a, b"):
        question_half(_answers(), "c")
