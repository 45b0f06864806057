"""Instructors' key-point decisions as examples that grade the rest of the class.

The examples of a question are its stored key-point decisions (never another question's); their
evidence texts are embedded once per change (cached by the decisions' count and newest id) and a
new answer's evidence for each key point is compared with them
(:mod:`grader.learning.keypoint_examples`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.learning.keypoint_examples import (
    KeyPointExample,
    Vectors,
    evidence_text,
    taught_grade,
)
from grader.rubrics.schema import Rubric
from grader.scoring.calibration import VerdictThresholds
from grader.scoring.embedder import Embedder
from grader.scoring.grade import MET, Grade
from grader.scoring.text import sentence_of
from grader.store import review
from grader.store.session import Session


@dataclass(frozen=True)
class Examples:
    stamp: tuple[int, int]
    model_id: str
    examples: list[KeyPointExample]
    vectors: Vectors  # one normalised row per example


class KeyPointExamples:
    """Each question's key-point examples and their vectors, embedded once per change."""

    def __init__(self) -> None:
        self._cache: dict[str, Examples] = {}
        self._lock = threading.Lock()

    def current(self, session: Session, question_id: str, embedder: Embedder) -> Examples | None:
        """The question's examples now (None when no instructor decided a key point yet)."""
        stamp = review.key_point_stamp(session, question_id=question_id)
        if stamp[0] == 0:
            return None
        with self._lock:
            cached = self._cache.get(question_id)
        if cached is not None and cached.stamp == stamp and cached.model_id == embedder.model_id:
            return cached
        stored = review.key_point_examples(session, question_id=question_id)
        examples = [
            KeyPointExample(
                row.criterion_id, row.credit >= MET, row.attempt_id,
                sentence_of(answer, row.evidence) if row.evidence else answer,
                _machine_credit(machine, row.criterion_id),
            )
            for row, answer, machine in stored
        ]  # fmt: skip
        if not examples:
            return None
        vectors = np.asarray(embedder.encode([e.text for e in examples]), dtype=np.float32)
        found = Examples(stamp, embedder.model_id, examples, vectors)
        with self._lock:
            self._cache[question_id] = found
        return found


def apply_examples(
    grades: list[Grade],
    answers: list[str],
    rubric: Rubric,
    found: Examples,
    embedder: Embedder,
    thresholds: VerdictThresholds,
    own_attempts: list[int | None],
) -> list[Grade]:
    """Each grade with the key points its nearest examples decide (unchanged where none does).
    One encode for every answer's evidence texts; an answer is never decided by its own
    example (``own_attempts``)."""
    taught = sorted({e.criterion_id for e in found.examples})
    wanted = [
        (i, cid, evidence_text(grade, cid, answers[i]))
        for i, grade in enumerate(grades)
        if not grade.refused  # refused answers (empty, off-topic, ...) keep their zero
        for cid in taught
    ]
    if not wanted:
        return grades
    encoded = embedder.encode([text for _, _, text in wanted])
    parts: dict[int, dict[str, np.ndarray]] = {}
    for (i, cid, _), vector in zip(wanted, encoded, strict=True):
        parts.setdefault(i, {})[cid] = vector
    result = list(grades)
    for i, per_criterion in parts.items():
        result[i] = taught_grade(
            grades[i], rubric, per_criterion, found.examples, found.vectors, thresholds,
            exclude=own_attempts[i],
        )  # fmt: skip
    return result


def _machine_credit(result: dict[str, Any], criterion_id: str) -> float | None:
    """The judge's credit for a key point in a stored machine grade (None: it had none)."""
    for criterion in result.get("criteria", []):
        if criterion.get("id") == criterion_id:
            return float(criterion.get("credit", 0.0))
    return None
