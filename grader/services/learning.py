"""Learning from instructors' grades: record them, refit per question, grade with the result.

A refit reads one question's graded answers (never another question's), embeds them and gives
them their rubric-only grade, fits :mod:`grader.learning.adapt`'s model and stores it as a new
version. It runs in the background after a grade is recorded (never inside a request) and from
`grader learn`; grading reads the newest version, cached per process and checked against the
store so every process follows a refit.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from grader.learning import adapt
from grader.learning.apply import apply_prediction
from grader.rubrics.schema import Rubric
from grader.scoring.grade import Grade
from grader.scoring.scorer import Scorer
from grader.services.key_point_examples import KeyPointExamples, apply_examples
from grader.store import learning as store
from grader.store.session import Session, SessionFactory

log = logging.getLogger(__name__)

GROUP_SOURCE = "group"  # a graded answer given its group representative's grade


@dataclass(frozen=True)
class Current:
    version: int
    model: adapt.AdaptedModel
    vectors: npt.NDArray[np.float32]


class AdaptedModels:
    """The adapted model in force per question, cached by version, and the question's
    instructors' key-point decisions as examples (``key_points``)."""

    def __init__(self) -> None:
        self._cache: dict[str, Current] = {}
        self._lock = threading.Lock()
        self.key_points = KeyPointExamples()

    def current(self, session: Session, question_id: str, model_id: str) -> Current | None:
        """The newest version, if it was fitted with this embedding model."""
        version = store.latest_version(session, question_id=question_id)
        if version is None:
            return None
        with self._lock:
            cached = self._cache.get(question_id)
        if cached is not None and cached.version == version:
            return cached
        row = store.latest_model(session, question_id=question_id)
        if row is None or row.model_id != model_id:
            return None
        current = Current(
            row.version, adapt.AdaptedModel.model_validate(row.params), adapt.unpack(row.vectors)
        )
        with self._lock:
            self._cache[question_id] = current
        return current


def model_in_force(models: AdaptedModels, session: Session, scorer: Scorer, rubric: Rubric) -> str:
    """In words, whether the question's course model grades its answers, and if not, why."""
    version = store.latest_version(session, question_id=rubric.id)
    if version is None:
        return "no course model yet (`grader learn` fits one from instructors' grades)"
    current = models.current(session, rubric.id, scorer.embedder.model_id)
    if current is None:
        return f"course model v{version} was fitted with another embedding model: not used"
    if not current.model.active:
        return (
            f"course model v{current.version} is not in force (it did not beat the rubric "
            "alone on held-out grades)"
        )
    return f"course model v{current.version} in force"


def grade_answers(
    scorer: Scorer,
    models: AdaptedModels,
    session: Session,
    rubric: Rubric,
    answers: list[str],
    own_keys: list[str | None] | None = None,
) -> list[Grade]:
    """Grade with the rubric; then the key points instructors decided on similar answers of
    this question decide those key points here too; then, where the question's adapted model is
    active and no key point was decided so, it adjusts the total (shown as an adjustment).

    ``own_keys`` name each answer's own graded example (``attempt:ID``) when attempts are graded
    again, so that none is scored by its own grade or decisions.
    """
    details = scorer.grade_with_vectors([(rubric, answer) for answer in answers])
    machine = [grade for grade, _, _ in details]
    examples = models.key_points.current(session, rubric.id, scorer.embedder)
    if examples is not None:
        own: list[int | None] = [_attempt_of(key) for key in (own_keys or [None] * len(answers))]
        machine = apply_examples(
            machine, answers, rubric, examples, scorer.embedder, scorer.calibration.verdict, own
        )
    current = models.current(session, rubric.id, scorer.embedder.model_id)
    if current is None or not current.model.active:
        return machine
    grades = []
    for index, (grade, (_, vector, reference)) in enumerate(zip(machine, details, strict=True)):
        taught = any(c.decided_by == "course" for c in grade.criteria)
        if vector is None or grade.refused or taught:
            # Refused answers (empty, off-topic, ...) keep their zero; key points decided by
            # instructors' examples are not overruled by a total.
            grades.append(grade)
            continue
        prediction = adapt.predict(
            current.model, current.vectors, grade.score, reference, vector,
            exclude=own_keys[index] if own_keys else None,
        )  # fmt: skip
        grades.append(
            apply_prediction(
                grade,
                prediction,
                current.version,
                scorer.calibration.verdict,
                scorer.calibration.traps.review_band,
            )
        )
    return grades


def _attempt_of(key: str | None) -> int | None:
    """The attempt id in an ``attempt:ID`` example key."""
    if key is None or not key.startswith("attempt:"):
        return None
    return int(key.split(":", 1)[1])


def example_key(attempt_id: int | None, graded_id: int) -> str:
    return f"attempt:{attempt_id}" if attempt_id is not None else f"graded:{graded_id}"


def refit_question(
    sessions: SessionFactory, scorer: Scorer, rubric: Rubric
) -> adapt.AdaptedModel | None:
    """Refit one question from its graded answers and store the new version (None: too few)."""
    with sessions() as session:
        # A member graded through its answer group is the instructor's grade but not their
        # judgement of that answer (they judged it alike to its representative): learning from
        # it too made the model vouch for the group's near-copies and auto-accept answers it
        # got wrong (docs/learning.md, "Answer groups"). The representative is the example.
        rows = [
            r for r in store.graded_answers(session, question_id=rubric.id)
            if r.source != GROUP_SOURCE
        ]  # fmt: skip
        graded = [
            (example_key(r.attempt_id, r.id), r.answer, r.points / r.max_points) for r in rows
        ]
    if len(graded) < adapt.MIN_EXAMPLES:
        return None
    details = scorer.grade_with_vectors([(rubric, answer) for _, answer, _ in graded])
    examples = [
        adapt.Example(key, share, vector, grade.score, reference)
        for (key, _, share), (grade, vector, reference) in zip(graded, details, strict=True)
        if vector is not None
    ]
    if len(examples) < adapt.MIN_EXAMPLES:
        return None
    model = adapt.fit(rubric.id, examples)
    vectors = np.vstack([e.vector for e in examples])
    with sessions.begin() as session:
        store.save_model(
            session, question_id=rubric.id, params=model.model_dump(mode="json"),
            vectors=adapt.pack(vectors), active=model.active, examples=len(examples),
            model_id=scorer.embedder.model_id, now=datetime.now(UTC),
        )  # fmt: skip
    return model
