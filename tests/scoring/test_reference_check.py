"""A rubric's own reference answer, graded (grader.scoring.reference_check), with the real model."""

from __future__ import annotations

from grader.rubrics.schema import Rubric
from grader.scoring.reference_check import check_references
from grader.scoring.scorer import Scorer


def test_a_reference_that_makes_its_key_points_passes_and_one_that_does_not_names_them(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    rubric = seed_rubrics["what-are-the-challenges-of-long-term-dependencies"]
    unlike = rubric.model_copy(update={"reference_answer": "The network is too shallow."})
    good, bad = check_references(real_scorer, [rubric, unlike])
    assert good.passed and good.says() == "its reference answer earns 2 of 2, correct"
    assert not bad.passed
    assert bad.says().startswith("its own reference answer earns only 0 of 2, incorrect; not met: ")
    assert "vanishing-gradients (0 of 1 point)" in bad.says()
    assert "exploding-gradients" in bad.says()
