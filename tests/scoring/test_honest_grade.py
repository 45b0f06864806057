"""Issue 9's examples, graded by the real model: each pins the behaviour named in its test."""

from __future__ import annotations

import re

from grader.rubrics.schema import Rubric
from grader.scoring.feedback import readable_criterion
from grader.scoring.scorer import Scorer

RNN_CNN = "write-any-two-differences-between-rnn-and-cnn"
ATTENTION = "give-a-real-world-application-of-visual-attention"
LONG_TERM = "what-are-the-challenges-of-long-term-dependencies"
ESN = "what-is-echo-state-network"


def test_a_correct_answer_is_not_told_it_misses_the_point_it_made(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    grade = real_scorer.grade(
        seed_rubrics[ATTENTION],
        "Reading house numbers in Google Street View images: the attention model focuses on "
        "the digits",
    )
    assert grade.criteria[0].met and grade.points >= 0.7
    assert "Missing" not in grade.feedback and "Good:" in grade.feedback


def test_the_readme_example_earns_what_its_credits_say(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    grade = real_scorer.grade(seed_rubrics[LONG_TERM], "Vanishing and exploding gradients.")
    assert grade.points == sum(c.credit * c.points for c in grade.criteria)
    assert grade.points >= 1.5 and grade.verdict == "correct"


def test_each_sentence_is_credited_to_the_difference_it_states(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    grid = "A CNN is built for grid-shaped data like images, whereas an RNN is built for sequences"
    fixed = "RNNs also accept sequences of variable length, while CNNs mostly work on inputs of a fixed size"
    grade = real_scorer.grade(seed_rubrics[RNN_CNN], f"{grid}. {fixed}.")
    by_id = {c.id: c for c in grade.criteria}
    assert by_id["neural-network-specialized-processing"].evidence == grid
    assert by_id["mostly-process-images-fixed"].evidence == fixed
    assert by_id["process-images-large-width"].evidence is None


def test_a_freely_worded_swap_triggers_the_swapped_role_misconception(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    grade = real_scorer.grade(
        seed_rubrics[RNN_CNN], "RNN is used for images and CNN is used for sequences of text"
    )
    assert grade.points == 0
    assert any(m.id.startswith("swapped-") for m in grade.misconceptions_triggered)
    assert any(c.note == "roles swapped" for c in grade.criteria)


def test_a_denial_in_free_words_is_refused(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    grade = real_scorer.grade(
        seed_rubrics[LONG_TERM],
        "There are no gradient problems with long term dependencies; the only issue is memory use.",
    )
    assert grade.points <= 0.2
    assert all(c.note == "negated" for c in grade.criteria)
    assert "You denied a key point" in grade.feedback


def test_feedback_is_readable_text(real_scorer: Scorer, seed_rubrics: dict[str, Rubric]) -> None:
    rubric = seed_rubrics[RNN_CNN]
    grade = real_scorer.grade(rubric, "CNNs handle large images; RNNs handle long sequences.")
    assert "Missing" in grade.feedback
    assert "\\ldots" not in grade.feedback and "\\tau" not in grade.feedback
    shown = [readable_criterion(c) for c in rubric.criteria]
    assert any("x(1), …, x(τ)" in text for text in shown)  # LaTeX became text
    for quoted in re.findall(r"“([^”]*)”", grade.feedback):
        if quoted.endswith("…"):  # cut at a word boundary of one criterion's text
            head = quoted[:-1]
            whole = next(text for text in shown if text.startswith(head))
            assert whole[len(head)] in " ,;:."


def test_an_instructors_criterion_hint_is_shown_even_when_the_verdict_is_correct(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    rubric = seed_rubrics[ESN]
    hinted = rubric.model_copy(
        update={
            "criteria": [
                c.model_copy(update={"hint": f"Hint for {c.id}."}) for c in rubric.criteria
            ]
        }
    )
    grade = real_scorer.grade(
        hinted,
        "An echo state network is a recurrent neural network from reservoir computing. Its input "
        "and reservoir weights are random and stay fixed, only the output readout weights are "
        "trained, and the reservoir is sparsely connected.",
    )
    missed = [c for c in grade.criteria if not c.met]
    if missed:
        assert grade.hint == f"Hint for {missed[0].id}."
    partial = real_scorer.grade(hinted, "It is a recurrent network used in reservoir computing.")
    first_missed = next(c for c in partial.criteria if not c.met)
    assert partial.hint == f"Hint for {first_missed.id}."
    assert partial.demo is not None and partial.demo.url == "/demos/echo-state-network"
    assert "/demos/echo-state-network" in partial.feedback
