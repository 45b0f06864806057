"""The trap set, graded by the real model: every verdict as expected (known gaps fail strictly)."""

from __future__ import annotations

import pytest

from grader.evaluation.seed import SeedAnswer, load_seed_answers
from grader.rubrics.schema import Rubric
from grader.scoring.scorer import Scorer
from tests.conftest import REPO_ROOT

SEED = load_seed_answers(REPO_ROOT / "tests" / "data" / "seed_answers.yaml")


def _case(answer: SeedAnswer) -> object:
    marks = [pytest.mark.xfail(reason=answer.known_gap, strict=True)] if answer.known_gap else []
    return pytest.param(answer, id=f"{answer.trap}:{answer.answer[:40]}", marks=marks)


def test_the_trap_set_covers_every_trap_and_every_question(seed_rubrics: dict[str, Rubric]) -> None:
    traps = {a.trap for a in SEED}
    assert {
        "swapped",
        "negated",
        "restated-question",
        "keyword-salad",
        "off-topic",
        "paraphrase",
    } <= traps
    assert {a.question for a in SEED} == set(seed_rubrics)


@pytest.mark.parametrize("answer", [_case(a) for a in SEED])
def test_verdict(real_scorer: Scorer, seed_rubrics: dict[str, Rubric], answer: SeedAnswer) -> None:
    grade = real_scorer.grade(seed_rubrics[answer.question], answer.answer)
    assert answer.expected(grade.verdict, grade.score, grade.needs_review), grade.model_dump_json(
        indent=1
    )


def test_a_swapped_comparison_names_the_swap(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    rubric = seed_rubrics["write-any-two-differences-between-rnn-and-cnn"]
    grade = real_scorer.grade(
        rubric,
        "RNNs mostly process images of a fixed size, whereas CNNs can process sequences of variable length.",
    )
    assert any(c.note == "roles swapped" for c in grade.criteria)
    assert any(m.id.startswith("swapped-") for m in grade.misconceptions_triggered)


def test_evidence_is_the_matching_span(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    rubric = seed_rubrics["what-is-echo-state-network"]
    grade = real_scorer.grade(
        rubric,
        "It is a recurrent network from reservoir computing. Only the readout weights are trained.",
    )
    readout = next(c for c in grade.criteria if c.id == "weights-output-neurons-readout")
    assert readout.evidence == "Only the readout weights are trained"


def test_bad_input_never_scores_high(real_scorer: Scorer, seed_rubrics: dict[str, Rubric]) -> None:
    rubric = seed_rubrics["what-are-the-challenges-of-long-term-dependencies"]
    answers = [
        "Vanishing gradients " * 240,  # long repetition, under the limit
        "\x00\x01\x02 binary \xff\xfe junk \x7f",
        "Les gradients qui disparaissent et qui explosent.",
        "梯度消失和梯度爆炸",
    ]
    for grade in real_scorer.grade_many([(rubric, a) for a in answers]):
        assert 0.0 <= grade.score <= 1.0
    non_english = real_scorer.grade_many([(rubric, a) for a in answers[2:]])
    assert all(g.verdict != "correct" or g.needs_review for g in non_english)


def test_an_instructors_phrasings_give_an_own_words_answer_its_marks(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    # "a generator network" shares only its word family with "generative models": partial
    # credit and a review without phrasings, full marks with the instructor's.
    (gap,) = [a for a in SEED if a.answer.startswith("A generator network that produces")]
    rubric = seed_rubrics[gap.question]
    unedited = real_scorer.grade(rubric, gap.answer)
    assert unedited.verdict != "correct"
    phrasings = {
        "generative-models": ["a generator network"],
        "discriminative-models": ["a discriminator network"],
    }
    edited = rubric.model_copy(
        update={
            "criteria": [
                c.model_copy(update={"phrasings": phrasings[c.id]}) for c in rubric.criteria
            ]
        }
    )
    edited_grade = real_scorer.grade(edited, gap.answer)
    assert edited_grade.verdict == "correct"
    assert edited_grade.points > unedited.points


def test_feedback_points_to_the_demo_when_a_point_is_missed(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    rubric = seed_rubrics["what-are-the-challenges-of-long-term-dependencies"]
    partial = real_scorer.grade(rubric, "The gradients vanish.")
    assert "See it happen: /demos/long-term-dependencies" in partial.feedback
    assert partial.demo is not None
    assert partial.demo.plot_url == "/demos/long-term-dependencies/plot.png"
    complete = real_scorer.grade(rubric, "Vanishing and exploding gradients.")
    assert "demo" not in complete.feedback
    assert complete.demo is not None  # the link is always in the grade, the nudge only when needed
