"""`grader eval effort`: how many instructor actions grade a whole class, by groups.

A simulated instructor works through one question's review queue as the service orders it:
groups with the most answers awaiting review first, then single answers the course model is
least sure of (the service also puts groups with a flagged member first: the data sets carry
no scorer flags). For each group the instructor grades the representative with its gold grade
(one action) and applies it to every member whose gold grade is within a tenth of the marks of
the representative's; each other member is split off (one action each) and the split-off
members form a group of their own, graded the same way later. Whenever enough new grades have
come in, the question's course model (:mod:`grader.learning.adapt`) is refitted on the grades
given so far (the representatives' and single answers' grades: as in the service, a member
graded through its group is not an example of its own) and auto-accepts what it may; those
answers leave the queue. The run ends when no answer awaits review.

Reported per data set: actions against grading one by one (one action per answer), agreement
with the gold grades of every final grade (instructor's or auto-accepted), and what was graded
without an instructor's look after 20 actions per question. Nothing is scored by a model
fitted on its own grade: the model is fitted on the instructor's grades of *other* answers and
only predicts answers nobody graded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from grader.evaluation.course_data import CourseInputs, cached_inputs
from grader.learning import adapt, groups
from grader.rubrics.loader import RubricSet
from grader.scoring.scorer import Scorer

Floats = npt.NDArray[np.float64]
Method = Literal["agglomerative", "incremental", "singletons"]
TOLERANCE = adapt.AGREEMENT  # a grade agrees with another within a tenth of the marks
EARLY_ACTIONS = 20  # "after 20 graded per question"
REFIT_GROWTH = 1.25  # refit when the graded answers grew by a quarter since the last fit


@dataclass
class QuestionRun:
    answers: int
    actions: int = 0
    splits: int = 0
    graded_by_group: int = 0  # graded through a representative, without their own action
    auto_accepted: int = 0
    auto_agreed: int = 0
    agreed: int = 0  # final grades within the tolerance of gold
    early_by_group: int = 0  # after EARLY_ACTIONS actions
    early_auto: int = 0
    early_auto_agreed: int = 0
    groups: int = 0

    def record_early(self) -> None:
        """What was graded without an instructor's own action so far (after EARLY_ACTIONS)."""
        self.early_by_group = self.graded_by_group
        self.early_auto, self.early_auto_agreed = self.auto_accepted, self.auto_agreed


def initial_groups(
    vectors: npt.NDArray[np.float32], method: Method, similarity: float
) -> list[list[int]]:
    """The question's groups before any grading, in arrival order of their first answer."""
    if method == "singletons":
        return [[i] for i in range(len(vectors))]
    if method == "agglomerative":
        labels = groups.cluster(vectors, similarity)
        found: dict[int, list[int]] = {}
        for index, label in enumerate(labels):
            found.setdefault(int(label), []).append(index)
        return list(found.values())
    members: list[list[int]] = []
    centres: list[npt.NDArray[np.float32]] = []
    for index, vector in enumerate(vectors):  # answers arrive one by one
        chosen = groups.assign(vector, np.array(centres), similarity) if centres else None
        if chosen is None:
            members.append([index])
            centres.append(groups.centre(vector[None, :]))
        else:
            centres[chosen] = groups.moved_centre(centres[chosen], len(members[chosen]), vector)
            members[chosen].append(index)
    return members


def simulate_question(
    gold: Floats,
    rubric: Floats,
    reference: Floats,
    vectors: npt.NDArray[np.float32],
    method: Method,
    similarity: float,
    members_teach: bool = False,
) -> QuestionRun:
    """One question's queue worked through to the end (see the module's docstring);
    ``members_teach``: members graded through a group are examples too (not what the service
    does: measured to show why)."""
    count = len(gold)
    run = QuestionRun(answers=count)
    queue = initial_groups(vectors, method, similarity)
    run.groups = len(queue)
    final = np.full(count, np.nan)
    instructor = np.zeros(count, dtype=bool)
    via = np.arange(count)  # the representative whose grade an answer was given
    confidence = np.zeros(count)  # the course model's, once there is one
    last_fit = 0
    early_recorded = False

    def pending(members: list[int]) -> list[int]:
        return [m for m in members if np.isnan(final[m])]

    while True:
        open_groups = [(g, pending(g)) for g in queue]
        open_groups = [(g, p) for g, p in open_groups if p]
        if not open_groups:
            break
        # The service's order: most answers awaiting review first, then the least confident.
        _, members = min(open_groups, key=lambda gp: (-len(gp[1]), float(confidence[gp[1]].mean())))
        rep = members[groups.representative(vectors[members])]
        run.actions += 1
        final[rep], instructor[rep] = gold[rep], True
        outliers = []
        for member in members:
            if member == rep:
                continue
            if abs(gold[member] - gold[rep]) <= TOLERANCE + 1e-9:
                final[member], instructor[member], via[member] = gold[rep], True, rep
                run.graded_by_group += 1
            else:
                outliers.append(member)
        if outliers:
            run.actions += len(outliers)
            run.splits += len(outliers)
            queue.append(outliers)
        teaching = instructor if members_teach else instructor & (via == np.arange(count))
        graded = int(teaching.sum())
        if graded >= adapt.MIN_EXAMPLES and graded >= last_fit * REFIT_GROWTH:
            last_fit = graded
            confidence = _auto_accept(
                final, teaching, gold, rubric, reference, vectors, run, confidence
            )
        if run.actions >= EARLY_ACTIONS and not early_recorded:
            run.record_early()
            early_recorded = True
    if not early_recorded:  # the whole question took fewer actions
        run.record_early()
    run.agreed = int((np.abs(final - gold) <= TOLERANCE + 1e-9).sum())
    return run


def _auto_accept(
    final: Floats,
    teaching: npt.NDArray[np.bool_],
    gold: Floats,
    rubric: Floats,
    reference: Floats,
    vectors: npt.NDArray[np.float32],
    run: QuestionRun,
    confidence: Floats,
) -> Floats:
    """Refit the course model on the ``teaching`` grades; accept what it may. Returns the
    model's confidence per answer (for the queue's order)."""
    graded = np.flatnonzero(teaching)
    examples = [
        adapt.Example(str(i), float(final[i]), vectors[i], float(rubric[i]), float(reference[i]))
        for i in graded
    ]
    model = adapt.fit("q", examples)
    if not model.active:
        return confidence
    confidence = confidence.copy()
    for i in np.flatnonzero(np.isnan(final)):
        prediction = adapt.predict(
            model, vectors[graded], float(rubric[i]), float(reference[i]), vectors[i]
        )
        confidence[i] = prediction.confidence
        if prediction.auto_accept:
            final[i] = prediction.share
            run.auto_accepted += 1
            run.auto_agreed += abs(prediction.share - gold[i]) <= TOLERANCE + 1e-9
    return confidence


def simulate(
    inputs: CourseInputs, method: Method, similarity: float, members_teach: bool = False
) -> dict[str, Any]:
    """Every question's queue; the totals over the data set."""
    labels = np.asarray(inputs.questions)
    runs = []
    for question in sorted(set(inputs.questions)):
        index = np.flatnonzero(labels == question)
        runs.append(
            simulate_question(
                inputs.gold[index],
                inputs.rubric[index],
                inputs.reference[index],
                inputs.vectors[index],
                method,
                similarity,
                members_teach,
            )
        )
    summary = summarise(runs, method, similarity)
    return {**summary, "members_teach": True} if members_teach else summary


def summarise(runs: list[QuestionRun], method: str, similarity: float) -> dict[str, Any]:
    answers = sum(r.answers for r in runs)

    def share(value: int, of: int) -> float:
        return round(value / max(1, of), 4)

    early_auto = sum(r.early_auto for r in runs)
    return {
        "method": method,
        "similarity": similarity if method != "singletons" else None,
        "questions": len(runs),
        "answers": answers,
        "groups": sum(r.groups for r in runs),
        "actions": sum(r.actions for r in runs),
        "actions_share_of_one_by_one": share(sum(r.actions for r in runs), answers),
        "splits": sum(r.splits for r in runs),
        "splits_share": share(sum(r.splits for r in runs), answers),
        "agreement": share(sum(r.agreed for r in runs), answers),
        "graded_by_group": share(sum(r.graded_by_group for r in runs), answers),
        "auto_accepted": share(sum(r.auto_accepted for r in runs), answers),
        "auto_accepted_agreement": share(
            sum(r.auto_agreed for r in runs), sum(r.auto_accepted for r in runs)
        ),
        f"after_{EARLY_ACTIONS}_actions": {
            "graded_by_group": share(sum(r.early_by_group for r in runs), answers),
            "auto_accepted": share(early_auto, answers),
            "auto_accepted_agreement": share(sum(r.early_auto_agreed for r in runs), early_auto),
        },
    }


def kept_defaults(inputs: CourseInputs, similarity: float) -> dict[str, Any]:
    """An instructor who grades each group's representative right and keeps the page's
    defaults, splitting nothing. Five defaults: every member gets the representative's grade
    (``every_member``, the first one); only the members whose machine verdict on the key point
    matches the representative's (``alike_members``: these sets have one reference each, met is
    the machine's share >= half); and those, unless the instructor's grade of the representative
    corrected the machine's verdict on it (``alike_uncorrected``: then the machine's agreement
    between them is no evidence); and of those, only the members whose machine grade is within
    a quarter of the marks of the representative's (``alike_in_points``, the service's
    default); and of those, only the members whose words do not trade roles with the
    representative's (:func:`grader.learning.groups.exchanged_roles`; ``alike_in_roles``,
    measured and not shipped: docs/learning.md).
    The others are held back and graded on their own (one action each, graded right). Per
    default: actions, and the share of answers whose final grade is more than a quarter of the
    marks from their gold grade."""
    labels = np.asarray(inputs.questions)
    answers = len(labels)
    tallies = {default: [0, 0] for default in DEFAULTS}  # actions, off by > 1/4
    for question in sorted(set(inputs.questions)):
        index = np.flatnonzero(labels == question)
        gold, share = inputs.gold[index], inputs.rubric[index]
        machine = share >= 0.5
        for members in initial_groups(inputs.vectors[index], "incremental", similarity):
            rep = members[groups.representative(inputs.vectors[index][members])]
            corrected = bool(machine[rep] != (gold[rep] >= 0.5))
            alike = [m for m in members if m != rep and machine[m] == machine[rep]]
            near = [
                m for m in alike if abs(share[m] - share[rep]) <= groups.ALIKE_POINTS_SHARE + 1e-9
            ]
            texts = [inputs.answers[i] for i in index] if inputs.answers else []
            same = [
                m for m in near if not texts or not groups.exchanged_roles(texts[rep], texts[m])
            ]
            for default, spread in spread_members(
                members, rep, alike, corrected, near, same
            ).items():
                tallies[default][0] += len(members) - len(spread)  # the rest graded on its own
                tallies[default][1] += int(
                    sum(abs(gold[m] - gold[rep]) > 0.25 + 1e-9 for m in spread)
                )
    return {
        default: {
            "actions": actions, "actions_share_of_one_by_one": round(actions / answers, 4),
            "off_by_more_than_a_quarter": round(wrong / answers, 4),
        }
        for default, (actions, wrong) in tallies.items()
    }  # fmt: skip


# The group defaults compared: every member, the alike members, the alike members unless the
# representative's grade corrected the machine, and of those the members the machine graded
# alike in points too (the service's, docs/learning.md).
DEFAULTS = (
    "every_member", "alike_members", "alike_uncorrected", "alike_in_points", "alike_in_roles"
)  # fmt: skip


def spread_members(
    members: list[int],
    rep: int,
    alike: list[int],
    corrected: bool,
    near: list[int],
    same_roles: list[int],
) -> dict[str, list[int]]:
    """Per default of :data:`DEFAULTS`, the members that take the representative's grade:
    every other one; the ``alike`` ones (the machine graded them as the representative); those,
    unless the representative's grade ``corrected`` the machine's; and of those only the
    ``near`` ones (those of ``alike`` whose machine grade is within
    :data:`grader.learning.groups.ALIKE_POINTS_SHARE` of the marks of its grade of the
    representative); and of those only the ``same_roles`` ones (whose words trade no roles
    with the representative's, :func:`grader.learning.groups.exchanged_roles`: measured, not
    the service's)."""
    return {
        "every_member": [m for m in members if m != rep],
        "alike_members": alike,
        "alike_uncorrected": [] if corrected else alike,
        "alike_in_points": [] if corrected else near,
        "alike_in_roles": [] if corrected else same_roles,
    }


SIMILARITIES = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)  # the cuts compared


def effort_runs(
    scorer: Scorer,
    path: Path,
    rubrics: RubricSet,
    progress: Callable[[str], None],
    per_question: int,
) -> dict[str, Any]:
    """One data set: grading one by one (with the course model), by groups at each cut, and
    by groups formed as answers arrive at the shipped cut."""
    inputs = cached_inputs(scorer, path, rubrics, progress, per_question)
    runs = [simulate(inputs, "singletons", 0.0)]
    for similarity in SIMILARITIES:
        progress(f"effort: {path.stem}, groups at similarity {similarity}")
        runs.append(simulate(inputs, "agglomerative", similarity))
    runs.append(simulate(inputs, "incremental", groups.GROUP_SIMILARITY))
    # Why a member graded through its group does not teach the course model: with it, the
    # model auto-accepts near-copies' neighbours it gets wrong (docs/learning.md).
    runs.append(simulate(inputs, "agglomerative", groups.GROUP_SIMILARITY, members_teach=True))
    return {
        "rubric_grade": inputs.rubric_source, "runs": runs,
        "kept_defaults": kept_defaults(inputs, groups.GROUP_SIMILARITY),
    }  # fmt: skip
