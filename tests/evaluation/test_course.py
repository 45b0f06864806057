"""`grader eval course`'s simulation: the course model and the nearest-neighbour baseline are
measured on answers nobody graded; the public sets' samples are seeded."""

from __future__ import annotations

import numpy as np

from grader.evaluation.course import simulate
from grader.evaluation.course_data import sample_per_question
from grader.learning.graded import GradedAnswer, reference_rubric


def test_answers_alike_to_graded_ones_are_graded_like_them() -> None:
    rng = np.random.default_rng(1)
    kinds = rng.integers(0, 2, 120)  # right (1) or wrong (0), each its own direction
    vectors = np.where(kinds[:, None] == 1, [1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
    vectors = (vectors + rng.normal(0, 0.05, (120, 3))).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    gold = kinds.astype(float)
    rubric = np.clip(gold * 0.4 + rng.uniform(0, 0.6, 120), 0, 1)  # a noisy rubric grade
    questions = ["a"] * 60 + ["b"] * 60
    result = simulate(questions, gold, rubric, np.full(120, 0.5), vectors, budget=10, draws=2)
    assert result["answers_predicted"] == 2 * (120 - 20)
    nearest = result["neighbours_only"]["pearson_r"]
    assert nearest > 0.95 > result["rubric_only"]["pearson_r"]
    assert result["adapted_everywhere"]["pearson_r"] > result["rubric_only"]["pearson_r"]


def test_a_sample_keeps_at_most_so_many_answers_a_question_the_same_every_time() -> None:
    rubrics = [reference_rubric(q, f"Question {q}?", "The answer.") for q in ("a", "b")]
    items = [GradedAnswer(rubrics[i % 2], f"answer {i}", 1.0, rubrics[i % 2].id) for i in range(50)]
    sample = sample_per_question(items, 10)
    assert len(sample) == 20
    assert sample == sample_per_question(items, 10)
    assert [i.answer for i in sample] == [i.answer for i in items if i in sample]  # in order
    assert sample_per_question(items, None) is items
