"""The inputs of `grader eval course`: gold shares, rubric-only shares and embeddings.

The rubric-only share must never come from a calibration fitted on the same answers: for the
public sets (whose answers the shipped calibration was fitted on) it is the out-of-fold score of
the same grouped folds as `grader eval`; for a course's own CSV it is the shipped scorer's.
"""

from __future__ import annotations

import csv
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from grader.evaluation.datasets import load_mohler, load_semeval
from grader.evaluation.fingerprint import scoring_fingerprint
from grader.evaluation.public_sets import load_public
from grader.learning.graded import GradedAnswer
from grader.rubrics.loader import RubricSet
from grader.scoring.analysis import Analysis
from grader.scoring.scorer import Scorer


@dataclass(frozen=True)
class CourseInputs:
    questions: list[str]
    gold: npt.NDArray[np.float64]
    rubric: npt.NDArray[np.float64]
    reference: npt.NDArray[np.float64]
    vectors: npt.NDArray[np.float32]
    scale: float
    rubric_source: str
    answers: tuple[str, ...] = ()  # the answers' texts, in the order of the rest


def course_inputs(
    scorer: Scorer,
    path: Path,
    rubrics: RubricSet,
    progress: Callable[[str], None],
    per_question: int | None = None,
) -> CourseInputs:
    """Read ``path`` (a public set or a course CSV) and grade it with the rubric alone;
    ``per_question``: at most that many answers of each question (a seeded sample).

    Raises:
        ValueError: the CSV has neither a known layout nor the course columns, or names a
            question with no rubric (with its line).
    """
    from grader.evaluation.evaluate import analyse_negatives, cross_validate, group_folds

    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    if "score_avg" in header or "label_2way" in header:
        mohler = "score_avg" in header
        items = sample_per_question(
            load_mohler(path) if mohler else load_semeval(path), per_question
        )
        progress(f"course: analysing {len(items)} answers")
        analyses = scorer.analyse_many([(i.rubric, i.answer) for i in items])
        folds = group_folds([i.group for i in items], None if mohler else 10)
        rubric = cross_validate(scorer, items, analyses, folds, analyse_negatives(scorer, items))
        return _inputs(
            items, analyses, rubric, 5.0 if mohler else 1.0,
            "out-of-fold (grouped folds, as `grader eval`)",
        )  # fmt: skip
    if {"dataset", "share"} <= set(header):
        # A set `grader data fetch` wrote: the shipped calibration was not fitted on it.
        items = sample_per_question(load_public(path), per_question)
        source = "the shipped calibration (not fitted on this set)"
    else:
        items = sample_per_question(_course_csv(path, header, rubrics), per_question)
        source = "the shipped calibration"
    progress(f"course: analysing {len(items)} answers")
    analyses = scorer.analyse_many([(i.rubric, i.answer) for i in items])
    rubric = np.array([scorer.finish(a).score for a in analyses])
    return _inputs(items, analyses, rubric, 1.0, source)


def sample_per_question(items: list[GradedAnswer], per_question: int | None) -> list[GradedAnswer]:
    """At most ``per_question`` answers of each question, drawn at random (seeded), in their
    original order."""
    if per_question is None:
        return items
    rng = random.Random(0)
    by_question: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        by_question.setdefault(item.rubric.id, []).append(index)
    kept = {
        index
        for indices in by_question.values()
        for index in rng.sample(indices, min(per_question, len(indices)))
    }
    return [item for index, item in enumerate(items) if index in kept]


def _inputs(
    items: list[GradedAnswer],
    analyses: list[Analysis],
    rubric: npt.NDArray[np.float64],
    scale: float,
    source: str,
) -> CourseInputs:
    dimension = next(a.answer_vector.shape[1] for a in analyses if a.answer_vector is not None)
    vectors = np.vstack(
        [
            a.answer_vector if a.answer_vector is not None else np.zeros((1, dimension))
            for a in analyses
        ]
    ).astype(np.float32)
    reference = np.array(
        [float((vectors[i] @ a.prepared.reference.T)[0]) for i, a in enumerate(analyses)]
    )
    return CourseInputs(
        [i.rubric.id for i in items],
        np.array([i.gold for i in items]),
        np.asarray(rubric, dtype=np.float64),
        reference,
        vectors,
        scale,
        source,
        tuple(i.answer for i in items),
    )


def _course_csv(path: Path, header: list[str], rubrics: RubricSet) -> list[GradedAnswer]:
    missing = {"question_id", "answer", "points"} - set(header)
    if missing:
        raise ValueError(
            f"{path}: line 1: expected the columns question_id, answer, points[, max_points] "
            f"(missing {', '.join(sorted(missing))})"
        )
    items = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            loaded = rubrics.rubrics.get(row["question_id"].strip())
            if loaded is None:
                raise ValueError(f"{path}: line {line}: no rubric '{row['question_id']}'")
            maximum = float(row.get("max_points") or loaded.rubric.max_points)
            share = min(1.0, max(0.0, float(row["points"]) / maximum))
            items.append(GradedAnswer(loaded.rubric, row["answer"], share, loaded.rubric.id))
    return items


def cached_inputs(
    scorer: Scorer,
    path: Path,
    rubrics: RubricSet,
    progress: Callable[[str], None],
    per_question: int | None = None,
    cache_dir: Path = Path(".cache/grader/effort"),
) -> CourseInputs:
    """:func:`course_inputs`, kept on disk by the file's content, the scoring code, model and
    calibration, the course's rubrics and the sample (analysing 10,000 answers takes minutes;
    the simulation seconds)."""
    digest = hashlib.sha256(path.read_bytes())
    rubric_versions = sorted(loaded.version for loaded in rubrics.rubrics.values())
    digest.update(f"{scoring_fingerprint(scorer)}|{rubric_versions}|{per_question}".encode())
    cached = cache_dir / f"{path.stem}-{digest.hexdigest()[:16]}.npz"
    if cached.exists():
        data = np.load(cached, allow_pickle=False)
        if "answers" in data:  # kept before the texts were: analysed again below
            return CourseInputs(
                [str(q) for q in data["questions"]], data["gold"], data["rubric"],
                data["reference"], data["vectors"], float(data["scale"]), str(data["source"]),
                tuple(str(a) for a in data["answers"]),
            )  # fmt: skip
    inputs = course_inputs(scorer, path, rubrics, progress, per_question)
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.savez(
        cached, questions=np.array(inputs.questions), gold=inputs.gold, rubric=inputs.rubric,
        reference=inputs.reference, vectors=inputs.vectors, scale=inputs.scale,
        source=inputs.rubric_source, answers=np.array(inputs.answers),
    )  # fmt: skip
    return inputs
