"""The per-question model: leave-one-out honesty, shrinkage to the prior, coverage."""

from __future__ import annotations

import numpy as np
import pytest

from grader.learning import adapt


def _examples(n: int, seed: int = 0) -> list[adapt.Example]:
    """Answers on a line between a wrong (share 0) and a right (share 1) answer."""
    rng = np.random.default_rng(seed)
    wrong, right = np.eye(8)[0], np.eye(8)[1]
    examples = []
    for i in range(n):
        share = float(rng.integers(0, 5)) / 4
        vector = (1 - share) * wrong + share * right + rng.normal(0, 0.05, 8)
        vector = (vector / np.linalg.norm(vector)).astype(np.float32)
        examples.append(adapt.Example(f"attempt:{i}", share, vector, 0.5, float(vector @ right)))
    return examples


def test_too_few_graded_answers_fit_nothing() -> None:
    with pytest.raises(ValueError, match="8 needed"):
        adapt.fit("q", _examples(adapt.MIN_EXAMPLES - 1))


def test_the_model_learns_what_the_rubric_missed_and_reports_it_held_out() -> None:
    examples = _examples(30)
    model = adapt.fit("q", examples)
    assert model.active  # the rubric said 0.5 for everything; the grades say otherwise
    assert model.report.adapted_mae < model.report.rubric_mae
    vectors = np.vstack([e.vector for e in examples])
    right = np.eye(8, dtype=np.float32)[1]
    high = adapt.predict(model, vectors, 0.5, 1.0, right)
    low = adapt.predict(model, vectors, 0.5, 0.0, np.eye(8, dtype=np.float32)[0])
    assert high.share > 0.75 > 0.25 > low.share
    assert high.neighbours[0][1] >= high.neighbours[-1][1]  # nearest first


def test_an_answer_is_never_its_own_neighbour_when_graded_again() -> None:
    examples = _examples(12)
    model = adapt.fit("q", examples)
    vectors = np.vstack([e.vector for e in examples])
    own = examples[3]
    again = adapt.predict(model, vectors, 0.5, own.reference, own.vector, exclude=own.key)
    assert own.key not in [key for key, _, _ in again.neighbours]
    with_itself = adapt.predict(model, vectors, 0.5, own.reference, own.vector)
    assert with_itself.neighbours[0][0] == own.key


def test_coverage_threshold_keeps_the_target_agreement_with_evidence() -> None:
    confidence = np.linspace(1.0, 0.0, 40)
    agrees = np.arange(40) < 30  # the 30 most confident agreed, the rest did not
    threshold = adapt.coverage_threshold(confidence, agrees)
    assert threshold is not None
    covered = confidence >= threshold
    assert agrees[covered].mean() >= adapt.TARGET_AGREEMENT and covered.sum() >= 25
    # Five out of five is not yet evidence of 90%: nothing is auto-accepted.
    assert adapt.coverage_threshold(confidence[:5], agrees[:5]) is None
    assert adapt.coverage_threshold(confidence, ~agrees) is None


def test_vectors_survive_storage() -> None:
    vectors = np.random.default_rng(0).normal(size=(5, 384)).astype(np.float32)
    back = adapt.unpack(adapt.pack(vectors))
    assert back.shape == vectors.shape and np.allclose(back, vectors, atol=1e-2)
