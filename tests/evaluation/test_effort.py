"""The simulated instructor of `grader eval effort`: actions, splits, agreement."""

from __future__ import annotations

import numpy as np

from grader.evaluation.course_data import CourseInputs
from grader.evaluation.effort import kept_defaults, simulate, simulate_question


def _class(copies: int) -> tuple[np.ndarray, np.ndarray]:
    """Two kinds of answer, ``copies`` near-copies of each: right ones (1.0) and wrong (0.0)."""
    rng = np.random.default_rng(0)
    right = np.array([1.0, 0.0, 0.0]) + rng.normal(0, 0.01, (copies, 3))
    wrong = np.array([0.0, 1.0, 0.0]) + rng.normal(0, 0.01, (copies, 3))
    vectors = np.vstack([right, wrong]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors, np.array([1.0] * copies + [0.0] * copies)


def _one_question(vectors: np.ndarray, gold: np.ndarray, machine: np.ndarray) -> CourseInputs:
    """One question's answers as the effort simulation reads them (the machine's shares)."""
    count = len(gold)
    return CourseInputs(
        questions=["q"] * count, gold=gold, rubric=machine, reference=np.full(count, 0.5),
        vectors=vectors, scale=1.0, rubric_source="test",
    )  # fmt: skip


def test_a_class_of_two_kinds_of_answer_is_graded_in_two_actions() -> None:
    vectors, gold = _class(10)
    rubric, reference = np.full(20, 0.5), np.full(20, 0.5)
    run = simulate_question(gold, rubric, reference, vectors, "agglomerative", 0.8)
    assert run.actions == 2 and run.splits == 0 and run.graded_by_group == 18
    assert run.agreed == 20
    one_by_one = simulate_question(gold, rubric, reference, vectors, "singletons", 0.0)
    assert one_by_one.graded_by_group == 0
    assert one_by_one.actions + one_by_one.auto_accepted == 20


def test_a_member_graded_differently_from_its_representative_is_split_off() -> None:
    vectors, gold = _class(5)
    gold[1] = 0.5  # alike in words, graded apart: the instructor unticks it
    rubric, reference = np.full(10, 0.5), np.full(10, 0.5)
    run = simulate_question(gold, rubric, reference, vectors, "incremental", 0.8)
    assert run.splits == 1
    assert run.actions == 2 + 1 + 1  # two groups, one split, the split-off answer graded
    assert run.agreed == 10  # every grade within a tenth of the gold grade


def test_the_totals_count_every_question_and_compare_with_one_by_one() -> None:
    vectors, gold = _class(6)
    questions = ["a"] * 6 + ["b"] * 6  # each question gets one kind of answer
    rubric, reference = np.full(12, 0.5), np.full(12, 0.5)
    inputs = CourseInputs(questions, gold, rubric, reference, vectors, 1.0, "test")
    summary = simulate(inputs, "agglomerative", 0.8)
    assert summary["questions"] == 2 and summary["answers"] == 12
    assert summary["actions"] == 2
    assert summary["actions_share_of_one_by_one"] == round(2 / 12, 4)
    assert summary["agreement"] == 1.0


def test_keeping_the_defaults_spreads_a_grade_only_to_members_the_machine_graded_alike() -> None:
    vectors, gold = _class(5)
    # One answer alike in words to the right ones is wrong, and the machine says so.
    gold[1] = 0.0
    machine = np.where(gold >= 0.5, 0.9, 0.1)
    inputs = _one_question(vectors, gold, machine)
    kept = kept_defaults(inputs, 0.8)
    # Before: the wrong answer took its group's grade (one of ten off); now it is held back and
    # graded on its own, one more action.
    assert kept["every_member"] == {
        "actions": 2, "actions_share_of_one_by_one": 0.2, "off_by_more_than_a_quarter": 0.1,
    }  # fmt: skip
    assert kept["alike_members"] == {
        "actions": 3, "actions_share_of_one_by_one": 0.3, "off_by_more_than_a_quarter": 0.0,
    }  # fmt: skip
    # The machine was right on both representatives: nothing corrected, the same as alike.
    assert kept["alike_uncorrected"] == kept["alike_members"]


def test_a_correction_of_the_machine_on_the_representative_is_not_spread() -> None:
    """The machine gives every answer of a group of right answers "missed"; one of them is
    wrong after all. Alike members take a corrected grade, the wrong one included (one off);
    holding them back when the representative's grade corrected the machine leaves none off,
    at one action per member."""
    vectors, gold = _class(5)
    gold[1] = 0.0  # alike in words to the right ones, graded wrong
    machine = np.full(10, 0.1)  # "missed" everywhere: wrong on the right answers
    inputs = _one_question(vectors, gold, machine)
    kept = kept_defaults(inputs, 0.8)
    assert kept["alike_members"]["off_by_more_than_a_quarter"] == 0.1
    assert kept["alike_members"]["actions"] == 2
    assert kept["alike_uncorrected"]["off_by_more_than_a_quarter"] == 0.0
    # The right group's representative was corrected (its 4 others graded on their own); the
    # wrong group's was not (the machine said "missed" and was right).
    assert kept["alike_uncorrected"]["actions"] == 2 + 4


def test_a_member_the_machine_graded_far_from_its_representative_is_held_back() -> None:
    """The machine finds the key point in every right answer; in one it barely does (0.55
    against 0.95), and that one is graded a quarter of the marks after all. The same verdict
    spreads the representative's grade to it (one off); its points hold it back (one more
    action, none off)."""
    vectors, gold = _class(5)
    gold[1] = 0.25
    machine = np.where(gold >= 0.5, 0.95, 0.05)
    machine[1] = 0.55
    inputs = _one_question(vectors, gold, machine)
    kept = kept_defaults(inputs, 0.8)
    assert kept["alike_uncorrected"]["off_by_more_than_a_quarter"] == 0.1
    assert kept["alike_uncorrected"]["actions"] == 2
    assert kept["alike_in_points"]["off_by_more_than_a_quarter"] == 0.0
    assert kept["alike_in_points"]["actions"] == 3


def test_a_member_whose_words_trade_roles_with_its_representatives_is_held_back() -> None:
    """A swap is alike in words and the machine may grade it alike (0.9 everywhere here): with
    the answers' texts, it is held back (one more action, none off); without them (a set read
    before the texts were kept), it takes its group's grade."""
    vectors, gold = _class(5)
    gold[1] = 0.0
    vectors[1] = np.array([1.0, 0.05, 0.0]) / np.linalg.norm([1.0, 0.05, 0.0])  # not the centre
    machine = np.full(10, 0.9)
    answers = ["A generator creates new data and a discriminator labels it."] * 10
    answers[1] = "A discriminator creates new data and a generator labels it."
    inputs = _one_question(vectors, gold, machine)
    kept = kept_defaults(inputs, 0.8)
    assert kept["alike_in_points"]["off_by_more_than_a_quarter"] == 0.1
    assert kept["alike_in_roles"] == kept["alike_in_points"]
    with_texts = CourseInputs(
        inputs.questions, gold, machine, inputs.reference, vectors, 1.0, "test", tuple(answers)
    )
    kept = kept_defaults(with_texts, 0.8)
    assert kept["alike_in_points"]["off_by_more_than_a_quarter"] == 0.1
    assert kept["alike_in_roles"]["off_by_more_than_a_quarter"] == 0.0
    assert kept["alike_in_roles"]["actions"] == kept["alike_in_points"]["actions"] + 1
