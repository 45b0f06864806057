"""Scorer mechanics with the fake embedder: selection, penalties, limits, caching."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from grader.rubrics.schema import Criterion, Misconception, Rubric, SelectRule
from grader.scoring.cache import EmbeddingCache
from grader.scoring.calibration import Calibration
from grader.scoring.credit import criterion_features
from grader.scoring.embedder import HashingEmbedder
from grader.scoring.features import CREDIT_FEATURES, JUDGE_FEATURE, TOKEN_FEATURE
from grader.scoring.scorer import AnswerTooLong, Scorer
from grader.scoring.text import kept_text
from grader.scoring.token_recall import TokenVectors


def _rubric(**overrides: object) -> Rubric:
    data: dict[str, object] = {
        "id": "colours",
        "prompt": "Name the colours of the flag?",
        "topic": "flags",
        "max_points": 3,
        "reference_answer": "red white blue",
        "criteria": [
            Criterion(id="red", text="red stripe across the top"),
            Criterion(id="white", text="white band through the middle"),
            Criterion(id="blue", text="blue field along the bottom"),
        ],
    }
    data.update(overrides)
    return Rubric.model_validate(data)


def test_a_full_answer_meets_every_criterion_with_evidence(fake_scorer: Scorer) -> None:
    answer = "A red stripe across the top. A white band through the middle. A blue field along the bottom."
    grade = fake_scorer.grade(_rubric(), answer)
    assert [c.met for c in grade.criteria] == [True, True, True]
    assert grade.criteria[1].evidence == "A white band through the middle"
    assert grade.verdict == "correct"
    assert grade.points == pytest.approx(grade.score * 3, abs=0.01)


def test_missing_points_cost_their_share_and_are_named(fake_scorer: Scorer) -> None:
    grade = fake_scorer.grade(_rubric(), "A red stripe across the top of the flag.")
    assert [c.met for c in grade.criteria] == [True, False, False]
    assert grade.score < 0.6
    assert grade.feedback == (
        "Good: “red stripe across the top”. "
        "Missing: “white band through the middle”; “blue field along the bottom”."
    )
    assert grade.hint is None  # the rubric has no hints
    hinted = _rubric(
        hints=["Think of the stripes."],
        criteria=[
            Criterion(id="red", text="red stripe across the top"),
            Criterion(
                id="white", text="white band through the middle", hint="What is in the middle?"
            ),
            Criterion(id="blue", text="blue field along the bottom"),
        ],
    )
    assert (
        fake_scorer.grade(hinted, "A red stripe across the top.").hint == "What is in the middle?"
    )


def test_select_counts_only_the_best_k(fake_scorer: Scorer) -> None:
    rubric = _rubric(max_points=1, select=SelectRule(any=1))
    grade = fake_scorer.grade(rubric, "A blue field along the bottom.")
    assert grade.verdict == "correct"
    assert [c.selected for c in grade.criteria] == [False, False, True]
    assert "Missing" not in grade.feedback


def test_a_misconception_costs_its_penalty(fake_scorer: Scorer) -> None:
    answer = "A red stripe across the top. A white band through the middle. A blue field along the bottom."
    clean = fake_scorer.grade(_rubric(), answer)
    rubric = _rubric(
        misconceptions=[Misconception(id="green", text="green cross in the corner", penalty=1.5)]
    )
    penalised = fake_scorer.grade(rubric, answer + " A green cross in the corner.")
    assert [m.id for m in penalised.misconceptions_triggered] == ["green"]
    assert penalised.points <= clean.points - 1.0


@pytest.mark.parametrize("answer", ["", "   \n\t ", "\x00\x01\x02", "?!?!"])
def test_empty_answers_get_zero_with_a_reason(fake_scorer: Scorer, answer: str) -> None:
    grade = fake_scorer.grade(_rubric(), answer)
    assert (grade.score, grade.verdict) == (0.0, "incorrect")
    assert grade.reasons[0] == "the answer is empty"


def test_an_answer_over_the_limit_is_refused(fake_scorer: Scorer) -> None:
    with pytest.raises(AnswerTooLong, match="2001 characters; the limit is 2000"):
        fake_scorer.grade(_rubric(), "x" * 2001)


def test_grade_many_keeps_input_order(fake_scorer: Scorer) -> None:
    answers = ["A blue field along the bottom.", "", "A red stripe across the top."]
    grades = fake_scorer.grade_many([(_rubric(), a) for a in answers])
    assert [g.criteria[2].met for g in grades] == [True, False, False]
    assert [g.criteria[0].met for g in grades] == [False, False, True]


def test_rubric_embeddings_are_computed_once_per_version(fake_scorer: Scorer) -> None:
    rubric = _rubric()
    fake_scorer.grade(rubric, "red")
    misses = fake_scorer.cache.misses
    fake_scorer.grade(rubric, "white")
    assert fake_scorer.cache.misses == misses
    edited = rubric.model_copy(update={"prompt": "Name the flag's colours?"})
    fake_scorer.grade(edited, "blue")
    assert fake_scorer.cache.misses == misses + 1  # only the new prompt is embedded


def test_the_disk_cache_survives_a_restart(tmp_path: Path) -> None:
    first = EmbeddingCache(HashingEmbedder(), tmp_path)
    vectors = first.encode(["alpha beta", "gamma"])
    second = EmbeddingCache(HashingEmbedder(), tmp_path)
    again = second.encode(["gamma", "alpha beta"])
    assert second.misses == 0
    assert (again[1] == vectors[0]).all()
    assert first.path is not None and first.path.name.startswith("hashing")


def test_a_corrupt_cache_file_is_rebuilt(tmp_path: Path) -> None:
    cache = EmbeddingCache(HashingEmbedder(), tmp_path)
    cache.encode(["alpha"])
    assert cache.path is not None
    cache.path.write_bytes(b"not a numpy file")
    fresh = EmbeddingCache(HashingEmbedder(), tmp_path)
    fresh.encode(["alpha"])
    assert fresh.misses == 1


def test_kept_text_removes_refused_parts() -> None:
    assert kept_text("It is X. It is not Y.", ["It is not Y"]) == "It is X"


def test_the_shipped_calibration_is_valid_and_ordered() -> None:
    calibration = Calibration.load()
    assert 0 < calibration.verdict.incorrect <= calibration.verdict.correct < 1
    assert calibration.criterion.width > 0
    # Today's signals, then the key-point judge's log-odds (read only when it is last).
    assert calibration.credit.features[: len(CREDIT_FEATURES)] == list(CREDIT_FEATURES)
    assert calibration.credit.features[len(CREDIT_FEATURES) :] in ([], [JUDGE_FEATURE])
    assert len(calibration.credit.weights) == len(calibration.credit.features)
    assert all(w >= 0 for w in calibration.credit.weights)  # more evidence never costs credit


class _CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        return super().encode(texts)


def test_texts_differing_only_in_trailing_punctuation_are_embedded_once() -> None:
    embedder = _CountingEmbedder()
    scorer = Scorer(embedder, Calibration.load(), max_answer_chars=2000)
    vectors = scorer._encode_distinct(["Gradients vanish.", "Gradients vanish", "Other; ", "Other"])
    assert embedder.seen == ["Gradients vanish.", "Other; "]
    np.testing.assert_array_equal(vectors[0], vectors[1])
    np.testing.assert_array_equal(vectors[2], vectors[3])
    assert not np.array_equal(vectors[0], vectors[2])


def test_an_answers_grade_does_not_depend_on_what_is_graded_with_it(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    """The default backend: the same answer, alone or in a batch (a regrade, micro-batched
    requests), gets the same grade."""
    rubric = seed_rubrics["what-are-the-challenges-of-long-term-dependencies"]
    answer = "The gradients vanish over long sequences."
    others = [
        (seed_rubrics[q], "Echo state networks keep a fixed reservoir.") for q in seed_rubrics
    ]
    alone = real_scorer.grade(rubric, answer)
    crowded = real_scorer.grade_many([*others, (rubric, answer)])[-1]
    assert crowded.score == alone.score and crowded.verdict == alone.verdict


class _TokenCountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.token_runs: list[str] = []

    def token_vectors(self, texts: Sequence[str]) -> list[TokenVectors]:
        self.token_runs.extend(texts)
        return super().token_vectors(texts)


def test_token_recall_is_a_credit_column_only_where_the_credit_model_reads_it() -> None:
    embedder = _TokenCountingEmbedder()
    reads = Calibration.load()
    reads = reads.model_copy(
        update={
            "credit": reads.credit.model_copy(
                update={"features": list(CREDIT_FEATURES), "weights": [1.0] * len(CREDIT_FEATURES)}
            )
        }
    )
    scorer = Scorer(embedder, reads, max_answer_chars=2000)
    # Preparing the rubric (on save, before any student waits) runs its criteria's texts.
    scorer.prepare(_rubric())
    assert sorted(embedder.token_runs) == sorted(c.text for c in _rubric().criteria)
    answer = "A red stripe across the top. A blue field along the bottom."
    (analysis,) = scorer.analyse_many([(_rubric(), answer)])
    assert analysis.token_recall is not None
    assert not set(embedder.token_runs[3:]) & {c.text for c in _rubric().criteria}
    column = criterion_features(analysis)[:, CREDIT_FEATURES.index(TOKEN_FEATURE)]
    np.testing.assert_array_equal(column, analysis.token_recall)
    # The parts that make the red and the blue points recall them fully; the white one is missing.
    assert column[0] == pytest.approx(1.0) and column[2] == pytest.approx(1.0)
    assert column[1] < 0.5
    # A second pass over the same answer runs the model on nothing: the recalls are kept.
    runs = len(embedder.token_runs)
    scorer.analyse_many([(_rubric(), answer)])
    assert len(embedder.token_runs) == runs
    # A credit model that does not read it costs no token run.
    without = reads.model_copy(
        update={
            "credit": reads.credit.model_copy(
                update={"features": list(CREDIT_FEATURES[:-1]), "weights": [1.0] * 5}
            )
        }
    )
    quiet = _TokenCountingEmbedder()
    (analysis,) = Scorer(quiet, without, max_answer_chars=2000).analyse_many([(_rubric(), answer)])
    assert analysis.token_recall is None and quiet.token_runs == []


def test_an_answer_written_as_a_table_is_read_by_its_columns(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    """The rubric's own reference answer, a "| CNN | RNN |" table, got 0 of 2: each row alone
    names neither network, and "| Mostly process images of fixed size | Most recurrent
    networks ..." was judged a swap and charged its misconception."""
    rubric = seed_rubrics["write-any-two-differences-between-rnn-and-cnn"]
    table = real_scorer.grade(rubric, rubric.reference_answer)
    assert table.points == rubric.max_points and not table.misconceptions_triggered, table
    # The columns decide whose claim a cell is: the same rows under swapped headers are wrong.
    swapped = "| RNN | CNN |\n|---|---|\n| images of fixed size | sequences of variable length |"
    assert real_scorer.grade(rubric, swapped).points == 0


def test_every_bundled_rubrics_own_reference_answer_is_graded_correct(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    """What a student who writes the model answer sees: full marks, or near them, and no
    misconception charged (the RNN-vs-CNN table got 0 of 2)."""
    assert len(seed_rubrics) >= 6
    for rubric in seed_rubrics.values():
        grade = real_scorer.grade(rubric, rubric.reference_answer)
        assert grade.verdict == "correct", (rubric.id, grade.points, grade.feedback)
        assert not grade.misconceptions_triggered, rubric.id
