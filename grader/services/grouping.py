"""Grade a class by grading a few: a question's review queue as answer groups.

Answers join groups when an instructor (or the API) looks at the queue: the first time, the
question's waiting answers are clustered together (:func:`grader.learning.groups.cluster`);
from then on each new answer joins the nearest group or starts one (no regrouping per answer).
The instructor grades a group's representative by key points and applies those key points, with
the comment, to the members they tick, or splits members off into a group of their own. A
group's default members are only those whose machine key points match the representative's
(met and missed alike) and whose machine points are within a quarter of the marks of the
representative's: an answer the machine graded differently is held back, shown apart with the
key points (or the points) that differ, and graded with the group only when the instructor
ticks it. Nor does a group spread a correction on the machine's word: when the instructor's key
points (or total) for the representative correct the machine's, the machine's agreement
between the representative and the others is no evidence that they share the instructor's
grade, so with the members left to the default none is graded with it (they stay in review,
where the decision now teaches them, :mod:`grader.services.key_point_examples`). A group grade
is one transaction: every chosen member is graded, or none is.

A member graded through its group is an instructor's grade like any other (a graded example of
the question, published to the LMS) whose key-point decisions record their representative
(``graded_via``); the evidence for each key point is the member's own words. The students see
their own answer and grade only, never another member's answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt

from grader.errors import Conflict, InvalidInput, NotFound
from grader.learning import groups
from grader.rubrics.schema import Rubric
from grader.scoring.decisions import adjustment_to, decided_grade, like
from grader.scoring.grade import Grade
from grader.scoring.selection import ticked_points
from grader.services.course import Course
from grader.services.learning import GROUP_SOURCE
from grader.services.priority import at_low_priority
from grader.services.reviewing import (
    KeyPointGrade,
    key_point_grade,
    locked_attempt,
    record_hand_grade,
)
from grader.store import groups as store
from grader.store import review
from grader.store.models import AnswerGroup, Attempt
from grader.store.practice import replay_states
from grader.store.session import Session

Vector = npt.NDArray[np.float32]
# A total within this of the machine's (or of what the key points earn) is no correction: the
# points are stored rounded to four places.
_SAME_POINTS = 1e-4
# The reason a member held back for its points gives (beside the key points that differ).
POINTS_DIFFER = "points"


@dataclass(frozen=True)
class GroupView:
    """One group as the queue shows it: only the members still awaiting an instructor."""

    id: int
    representative: Attempt
    members: list[Attempt]  # the representative first, then the others oldest first
    flagged: int  # members the scorer was unsure about
    low: float  # the machine's points, lowest and highest in the group
    high: float
    criteria_met: dict[str, int]  # criterion id -> members the machine found meeting it
    confidence: float  # the machine's mean confidence over the members

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def others(self) -> list[Attempt]:
        return self.members[1:]

    @cached_property  # read for the default members and the held-back list alike
    def held_back(self) -> dict[int, list[str]]:
        """Members whose machine key points differ from the representative's, with the
        criterion ids that differ, and those whose machine points are more than a quarter of
        the marks from the representative's (:data:`POINTS_DIFFER`): never graded with the
        group unless ticked."""
        pattern = machine_pattern(self.representative)
        # Held back beyond it, its key points alike or not; on the marks the representative's
        # points were given out of.
        apart = groups.ALIKE_POINTS_SHARE * self.representative.max_points + 1e-9
        differing = {}
        for member in self.others:
            theirs = machine_pattern(member)
            differs = sorted(c for c in pattern.keys() | theirs.keys()
                             if pattern.get(c, False) != theirs.get(c, False))  # fmt: skip
            if abs(member.points - self.representative.points) > apart:
                differs.append(POINTS_DIFFER)
            if differs:
                differing[member.id] = differs
        return differing

    @property
    def alike(self) -> list[Attempt]:
        """The other members graded with the representative by default: same key points."""
        held = self.held_back
        return [m for m in self.others if m.id not in held]

    def shown_first(self, attempt_id: int | None) -> GroupView:
        """The same group with another waiting member as the one to grade."""
        first = [m for m in self.members if m.id == attempt_id]
        if not first:
            return self
        rest = [m for m in self.members if m.id != attempt_id]
        return replace(self, representative=first[0], members=[first[0], *rest])


def machine_pattern(attempt: Attempt) -> dict[str, bool]:
    """Which key points the machine found met in the attempt's answer (criterion id -> met)."""
    return {c["id"]: bool(c.get("met")) for c in attempt.result.get("criteria", [])}


def _vector(attempt: Attempt) -> Vector | None:
    data = attempt.answer_vector
    return None if data is None else np.frombuffer(data, dtype=np.float32)


def _centre(group: AnswerGroup) -> Vector:
    return np.frombuffer(group.centre, dtype=np.float32)


def _pack(vector: Vector) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def refresh(course: Course, session: Session, *, question_id: str) -> None:
    """Put the question's new waiting answers into groups, and commit.

    The first time (or after the embedding model changed) the waiting answers are clustered at
    once; after that each new one joins the nearest group, or starts its own.
    """
    model_id = course.scorer.embedder.model_id
    existing = store.groups_of(session, question_id=question_id, lock=True)
    if any(group.model_id != model_id for group in existing):
        regroup(course, session, question_id=question_id)
        return
    fresh = review.attempts_awaiting(
        session, question_id=question_id, ungrouped_only=True, lock=True, with_vectors=True
    )
    if fresh:
        _into_groups(course, session, question_id, fresh, existing)
    session.commit()


def regroup(course: Course, session: Session, *, question_id: str) -> int:
    """Cluster every waiting answer of the question afresh (groups already graded keep their
    graded members); returns the number of groups waiting. Commits."""
    waiting = review.attempts_awaiting(session, question_id=question_id, lock=True)
    store.groups_of(session, question_id=question_id, lock=True)  # as refresh locks them
    for attempt in waiting:
        attempt.answer_vector = None  # embedded again: the model may have changed
    made = _into_groups(course, session, question_id, waiting, [])
    session.commit()
    return len(made)


def _into_groups(
    course: Course,
    session: Session,
    question_id: str,
    attempts: Sequence[Attempt],
    existing: list[AnswerGroup],
) -> list[AnswerGroup]:
    """Group ``attempts``: with no groups yet, the first MAX_CLUSTERED are clustered together
    (the clustering's memory grows with the square of their number); every other one joins the
    nearest group or starts one. Returns the groups that received answers."""
    vectors = _embed(course, attempts)
    model_id, now = course.scorer.embedder.model_id, datetime.now(UTC)
    touched: dict[int, AnswerGroup] = {}
    start = 0
    if not existing:
        start = min(len(attempts), groups.MAX_CLUSTERED)
        labels = groups.cluster(vectors[:start])
        for label in sorted(set(labels.tolist())):
            index = np.flatnonzero(labels == label)
            group = store.add_group(
                session, question_id=question_id, centre=_pack(groups.centre(vectors[index])),
                members=len(index), model_id=model_id, now=now,
            )  # fmt: skip
            for i in index:
                attempts[int(i)].group_id = group.id
            existing.append(group)
            touched[group.id] = group
    centres = [_centre(g) for g in existing]
    for attempt, vector in zip(attempts[start:], vectors[start:], strict=True):
        chosen = groups.assign(vector, np.array(centres)) if centres else None
        if chosen is None:
            group = store.add_group(
                session, question_id=question_id, centre=_pack(groups.centre(vector[None])),
                members=1, model_id=model_id, now=now,
            )  # fmt: skip
            existing.append(group)
            centres.append(groups.centre(vector[None]))
        else:
            group = existing[chosen]
            centres[chosen] = groups.moved_centre(centres[chosen], group.members, vector)
            group.centre, group.members = _pack(centres[chosen]), group.members + 1
        attempt.group_id = group.id
        touched[group.id] = group
    return list(touched.values())


def _embed(course: Course, attempts: Sequence[Attempt]) -> npt.NDArray[np.float32]:
    """The attempts' answer vectors: stored ones reused, the others embedded and stored."""
    missing = [a for a in attempts if a.answer_vector is None]
    if missing:
        # Thousands of answers take seconds: below the students' grading (services.priority).
        texts = [a.answer for a in missing]
        encoded = np.asarray(
            at_low_priority(lambda: course.scorer.embedder.encode(texts)), dtype=np.float32
        )
        for attempt, vector in zip(missing, encoded, strict=True):
            attempt.answer_vector = _pack(vector)
    dimension = next((len(v) for a in attempts if (v := _vector(a)) is not None), 0)
    return np.array([_vector(a) for a in attempts], dtype=np.float32).reshape(
        len(attempts), dimension
    )


def queue(course: Course, session: Session, *, question_id: str) -> list[GroupView]:
    """The question's waiting groups in the order that teaches most per grade: groups of
    several answers the scorer is unsure about, largest first; then the other groups of
    several, largest first; then single answers, the least confident first."""
    refresh(course, session, question_id=question_id)
    waiting = review.attempts_awaiting(session, question_id=question_id, with_vectors=True)
    by_group: dict[int, list[Attempt]] = {}
    for attempt in waiting:
        if attempt.group_id is not None:
            by_group.setdefault(attempt.group_id, []).append(attempt)
    centres = {g.id: _centre(g) for g in store.groups_of(session, question_id=question_id)}
    views = [_view(gid, members, centres.get(gid)) for gid, members in by_group.items()]
    return sorted(views, key=queue_order)


def queue_order(view: GroupView) -> tuple[int, int, float, int]:
    """Groups of several with a flagged member, then other groups of several, each largest
    first; then single answers; within each, the least confident first."""
    tier = (0 if view.flagged else 1) if view.size > 1 else 2
    return (tier, -view.size, view.confidence, view.id)


def _view(group_id: int, members: list[Attempt], centre: Vector | None) -> GroupView:
    vectors = [v for m in members if (v := _vector(m)) is not None]
    first = 0
    if centre is not None and len(vectors) == len(members):
        first = int(np.argmax(np.vstack(vectors) @ centre))
    ordered = [members[first], *(m for i, m in enumerate(members) if i != first)]
    met: dict[str, int] = {}
    for member in members:
        for criterion in member.result.get("criteria", []):
            if criterion.get("met"):
                met[criterion["id"]] = met.get(criterion["id"], 0) + 1
    points = [m.points for m in members]
    return GroupView(
        id=group_id, representative=ordered[0], members=ordered,
        flagged=sum(1 for m in members if m.needs_review), low=min(points), high=max(points),
        criteria_met=met,
        confidence=float(np.mean([m.result.get("confidence", 0.0) for m in members])),
    )  # fmt: skip


def group_view(course: Course, session: Session, *, group_id: int) -> GroupView:
    """One group's waiting members; :class:`NotFound` when none is waiting."""
    group = store.get_group(session, group_id=group_id)
    if group is None:
        raise NotFound(f"no answer group {group_id}")
    waiting = store.group_members(session, group_id=group_id)
    if not waiting:
        raise NotFound(f"nothing awaits review in answer group {group_id}")
    return _view(group_id, waiting, _centre(group))


def split_off(
    course: Course, session: Session, *, group_id: int, attempt_ids: Sequence[int]
) -> AnswerGroup:
    """Move the named waiting members into a group of their own (the group's other members
    stay where they are); commits and returns the new group."""
    group = store.get_group(session, group_id=group_id, lock=True)
    if group is None:
        raise NotFound(f"no answer group {group_id}")
    members = store.group_members(session, group_id=group_id, lock=True)
    chosen = _chosen(members, attempt_ids, group_id)
    if len(chosen) == len(members):
        raise InvalidInput("members", "that is the whole group: leave at least one member")
    now = datetime.now(UTC)
    vectors = _embed(course, chosen)
    new = store.add_group(
        session, question_id=group.question_id, centre=_pack(groups.centre(vectors)),
        members=len(chosen), model_id=course.scorer.embedder.model_id, now=now,
    )  # fmt: skip
    moved = store.move_to_group(
        session, attempt_ids=[a.id for a in chosen], group_id=new.id, from_group=group_id
    )
    if not moved:
        raise Conflict(
            f"answer group {group_id} changed meanwhile (graded or split): reload the group"
        )
    staying = [m for m in members if m not in chosen]
    group.centre = _pack(groups.centre(_embed(course, staying)))
    group.members = len(staying)
    session.commit()
    return new


def _chosen(members: list[Attempt], attempt_ids: Sequence[int], group_id: int) -> list[Attempt]:
    by_id = {m.id: m for m in members}
    strangers = [i for i in attempt_ids if i not in by_id]
    if strangers:
        raise InvalidInput(
            "members",
            f"attempt {strangers[0]} is not awaiting review in answer group {group_id}",
        )
    wanted = set(attempt_ids)
    return [m for m in members if m.id in wanted]


@dataclass(frozen=True)
class GroupGrade:
    representative: int  # the attempt the instructor graded (as they saw it)
    # The others to grade alike; None: the members whose machine key points match the
    # representative's (GroupView.alike), unless the decision corrects the machine's grade of
    # the representative (then none).
    members: Sequence[int] | None
    by: str  # who graded
    points: float | None = None  # a total (see reviewing.HandGrade); None: the key points'
    criteria: Sequence[str] | None = None  # the key points met; None: the machine's, accepted
    comment: str = ""  # the reason, shown to every student of the group


# Why a member was left in review by a group grade: the machine graded it otherwise than the
# representative (GroupView.held_back), or the decision corrected the machine's grade of the
# representative, so the machine judging them alike was no evidence.
Why = Literal["machine", "corrected"]
MACHINE_DIFFERS: Why = "machine"
DECISION_CORRECTED: Why = "corrected"


@dataclass(frozen=True)
class HeldBack:
    # The key points (criterion ids) the machine judged otherwise on this member, with
    # POINTS_DIFFER for its points (why: MACHINE_DIFFERS); or those the decision corrected on
    # the representative, with "points" for its total (why: DECISION_CORRECTED).
    differs: list[str]
    why: Why


@dataclass(frozen=True)
class GroupGraded:
    graded: list[Attempt]  # the representative first
    refit: Rubric | None  # the rubric whose course model to refit
    held_back: dict[int, HeldBack]  # members left awaiting review
    corrected: list[str]  # where the decision corrects the machine's grade of the representative


def corrections(rubric: Rubric, representative: Attempt, decision: GroupGrade) -> list[str]:
    """Where ``decision`` corrects the machine's grade of the representative: the key points
    (criterion ids) it decides otherwise than the machine's verdict, and "points" for a total
    other than the machine's (no key points given) or than the key points given earn."""
    machine = Grade.model_validate(representative.result)
    met = set(decision.criteria or ())
    corrected: list[str] = []
    if decision.criteria is not None:
        verdicts = machine_pattern(representative)
        corrected = sorted(c for c in verdicts.keys() | met if verdicts.get(c, False) != (c in met))
    if decision.points is not None:
        earned = machine.points if decision.criteria is None else ticked_points(rubric, met)
        if abs(min(decision.points, rubric.max_points) - earned) > _SAME_POINTS:
            corrected.append("points")
    return corrected


def grade_group(
    course: Course, session: Session, *, group_id: int, decision: GroupGrade
) -> GroupGraded:
    """Grade the representative by key points and give the chosen members the same key points
    and comment, in one transaction (commits). By default the chosen are those whose machine key
    points match the representative's, and none where the decision corrects the machine's
    grade of the representative (:func:`corrections`)."""
    group = store.get_group(session, group_id=group_id, lock=True)
    if group is None:
        raise NotFound(f"no answer group {group_id}")
    representative = locked_attempt(session, decision.representative)
    waiting = store.group_members(session, group_id=group_id, lock=True)
    if representative.group_id != group_id or representative not in waiting:
        raise Conflict(
            f"attempt {decision.representative} is not waiting in answer group {group_id} "
            "(graded or moved meanwhile): reload the group"
        )
    view = _view(group_id, waiting, None).shown_first(representative.id)
    rubric = course.question(representative.question_id).rubric
    corrected = corrections(rubric, representative, decision)
    if decision.members is not None:
        chosen = _chosen(view.others, decision.members, group_id)
    else:
        chosen = [] if corrected else view.alike
    held_back = {
        m.id: HeldBack(view.held_back[m.id], MACHINE_DIFFERS)
        if m.id in view.held_back
        else HeldBack(corrected, DECISION_CORRECTED)
        for m in view.others
        if m not in chosen
    }
    claimed = store.claim_waiting(
        session, attempt_ids=[representative.id, *(m.id for m in chosen)], group_id=group_id,
        by=decision.by,
    )  # fmt: skip
    if not claimed:
        raise Conflict(
            f"answer group {group_id} changed meanwhile (graded or split): reload the group"
        )
    accepted = decision.points is None and decision.criteria is None
    comment = decision.comment or ("accepted as graded" if accepted else "graded by key points")
    decided = key_point_grade(
        course, rubric, representative, met=decision.criteria, points=decision.points,
        reason=comment,
    )  # fmt: skip
    refit = record_hand_grade(
        course, session, representative, decided, reason=comment, by=decision.by,
        source="accepted" if accepted else "override", replay=False,
    )  # fmt: skip
    shared = decision.comment or "graded with a group of similar answers"
    thresholds = course.scorer.calibration.verdict
    for member in chosen:
        machine = Grade.model_validate(member.result)
        decisions = like(decided.decisions, machine)
        # A total given is each member's total; accepting keeps each member's own course-model
        # adjustment, as its grade showed it.
        adjustment = machine.adjustment if accepted else None
        if decision.points is not None:
            total = min(decision.points, member.max_points)
            adjustment = adjustment_to(machine, rubric, decisions, thresholds, total, comment)
        grade = decided_grade(machine, rubric, decisions, thresholds, adjustment=adjustment)
        record_hand_grade(
            course, session, member, KeyPointGrade(decisions, adjustment, grade), reason=shared,
            by=decision.by, source=GROUP_SOURCE, via=representative.id, replay=False,
        )  # fmt: skip
    # Every student's schedule at once, their rows locked in one order (two groups of the same
    # question sharing two students never wait on each other in opposite orders).
    replay_states(
        session, question_id=representative.question_id,
        student_ids=[a.student_id for a in (representative, *chosen)],
    )  # fmt: skip
    session.commit()
    return GroupGraded([representative, *chosen], refit, held_back, corrected)
