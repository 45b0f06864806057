"""Wrong answers made from references, for the judge's training."""

from __future__ import annotations

import random

from grader.learning.judge_negatives import (
    Reference,
    content_words,
    negated,
    shuffled,
    swapped,
    wrong_answers,
)


def test_a_claim_is_denied_after_its_first_auxiliary_or_by_an_opening() -> None:
    assert negated("The gradient is multiplied at every step.") == (
        "The gradient is not multiplied at every step."
    )
    assert negated("Threads share one address space.") == (
        "It is not true that threads share one address space."
    )


def test_roles_are_swapped_between_the_first_and_last_content_word() -> None:
    made = swapped("The decoder reads the output of the encoder.")
    assert made == "The encoder reads the output of the decoder."
    assert swapped("Vanishing gradients") is None  # too few words to swap into a wrong claim


def test_a_shuffle_keeps_every_word_and_changes_their_order() -> None:
    reference = "A reservoir of fixed random weights feeds a trained linear readout."
    made = shuffled(reference, random.Random(0))
    assert made is not None and made != reference
    assert sorted(made.split()) == sorted(reference.split())
    assert shuffled("Vanishing gradients", random.Random(0)) is None
    assert len(content_words(reference)) >= 4


def test_each_reference_gets_each_kind_once_and_another_questions_reference() -> None:
    references = [
        Reference("q1", "The decoder reads the output of the encoder.", "course"),
        Reference("q2", "A stack is last in, first out.", "course"),
        Reference("q3", "Only the readout is trained.", "other course"),
    ]
    made = wrong_answers(references, seed=0)
    kinds = {(r.question, kind) for r, _, kind in made}
    assert ("q1", "roles swapped") in kinds and ("q1", "shuffled") in kinds
    assert ("q1", "another question's reference") in kinds
    others = [answer for r, answer, kind in made if kind == "another question's reference"]
    assert "A stack is last in, first out." in others
    assert not any(r.question == "q3" and k == "another question's reference" for r, _, k in made)
    assert all(answer != r.text for r, answer, _ in made)
