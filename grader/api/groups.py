"""Answer groups: a question's review queue by groups of similar answers, graded together."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Request
from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from grader.api.deps import InstructorDep, SessionDep, course_of
from grader.api.fields import CriterionId, Id, RequestBody, storable
from grader.api.instructors import ReviewedAttempt, by, reviewed, schedule_refit
from grader.api.problems import problem_responses
from grader.services import grouping

router = APIRouter(
    tags=["instructors"], responses=problem_responses(400, 401, 403, 404, 409, 422, 503)
)

MEMBERS_MAX = 5000


class HeldBack(BaseModel):
    attempt: int
    differs: list[str] = Field(
        description='With `why` "machine": the key points (criterion ids) the machine judged '
        "otherwise than on the representative, and `points` where the machine's points are more "
        "than a quarter of the marks from its points for the representative. With `why` "
        '"corrected": where your decision corrected the machine\'s grade of the representative '
        "(criterion ids; `points` for a total), as `corrected` says"
    )
    why: Literal["machine", "corrected"] = Field(
        default="machine",
        description='"machine": the machine graded this member otherwise than the '
        'representative; "corrected" (only in a grade\'s answer): the machine graded it alike, '
        "but your decision corrected the machine on the representative, so that is no evidence",
    )


class GroupRead(BaseModel):
    id: int
    representative: int = Field(description="The attempt to grade: the closest to the centre")
    members: list[int] = Field(description="Attempts awaiting review, the representative first")
    held_back: list[HeldBack] = Field(
        description="Members whose machine key points differ from the representative's, or "
        "whose machine points are more than a quarter of the marks from its points for it: "
        "graded with the group only when named in `members` of the grade"
    )
    size: int
    flagged: int = Field(description="Members the scorer was unsure about")
    points_low: float = Field(description="The machine's lowest points in the group")
    points_high: float
    criteria_met: dict[str, int] = Field(description="Criterion id: members meeting it")
    confidence: float = Field(description="The machine's mean confidence over the members")


class GroupDetail(GroupRead):
    attempts: list[ReviewedAttempt] = Field(description="The members, as `members` orders them")


class Regrouped(BaseModel):
    groups: int = Field(description="Groups now awaiting review")


class GroupGradeCreate(RequestBody):
    representative: Id = Field(description="The attempt you graded (as `GET` showed it)")
    criteria: list[CriterionId] | None = Field(
        default=None, max_length=100,
        description="The key points (criterion ids) the representative meets; every member "
        "graded gets these key points (with its own evidence). Null: the machine's, accepted",
        examples=[["vanishing-gradients"]],
    )  # fmt: skip
    points: float | None = Field(
        default=None, ge=0, strict=True, allow_inf_nan=False,
        description="A total for the representative; where the key points add up to another, "
        "the difference is an explicit adjustment (with the reason) for every member graded. "
        "Null: what the key points earn",
        examples=[1.5],
    )  # fmt: skip
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(storable)
    ] = Field(default="", description="Your comment: every student of the group sees it")
    members: list[Id] | None = Field(
        default=None, max_length=MEMBERS_MAX,
        description="The other members to grade alike; null: those whose machine key points "
        "and points match the representative's (within a quarter of the marks; not "
        "`held_back`), and none when your decision corrects the machine's grade of the "
        "representative",
    )  # fmt: skip


class GroupGraded(BaseModel):
    graded: list[ReviewedAttempt]
    held_back: list[HeldBack] = Field(
        description="The other members left awaiting review: with `members` omitted, those "
        "the machine judged otherwise than the representative (`differs`: those key points, "
        "and `points` where its points are far from the representative's), "
        "and every other one when your decision corrected the machine's grade of the "
        "representative (`differs`: the key points you decided otherwise, `points` for a total "
        "other than the machine's or than the key points earn), since the machine judging them "
        "alike is then no evidence that they share your grade; with `members` named, the ones "
        "not named"
    )
    corrected: list[str] = Field(
        description="Where your decision corrected the machine's grade of the representative: "
        "criterion ids, and `points` for a total"
    )


class SplitCreate(RequestBody):
    members: list[Id] = Field(min_length=1, max_length=MEMBERS_MAX, examples=[[17, 23]])


def _read(view: grouping.GroupView) -> GroupRead:
    return GroupRead(
        id=view.id, representative=view.representative.id,
        members=[m.id for m in view.members],
        held_back=[HeldBack(attempt=a, differs=d) for a, d in view.held_back.items()],
        size=view.size, flagged=view.flagged,
        points_low=view.low, points_high=view.high, criteria_met=view.criteria_met,
        confidence=round(view.confidence, 4),
    )  # fmt: skip


@router.get("/questions/{question_id}/groups")
def list_groups(
    question_id: str, request: Request, session: SessionDep, _: InstructorDep
) -> list[GroupRead]:
    """The question's answers awaiting review, in groups of similar answers, in the order that
    teaches the course model most per grade: groups the scorer is unsure about, largest first;
    then other groups, largest first; then single answers, least confident first. New answers
    join the nearest group (or start one) when the queue is read."""
    course = course_of(request)
    course.question(question_id)
    return [_read(v) for v in grouping.queue(course, session, question_id=question_id)]


@router.post("/questions/{question_id}/groups/rebuild")
def rebuild_groups(
    question_id: str, request: Request, session: SessionDep, _: InstructorDep
) -> Regrouped:
    """Group every answer awaiting review afresh (graded answers keep their groups)."""
    course = course_of(request)
    course.question(question_id)
    return Regrouped(groups=grouping.regroup(course, session, question_id=question_id))


@router.get("/groups/{group_id}")
def read_group(
    group_id: Id, request: Request, session: SessionDep, _: InstructorDep
) -> GroupDetail:
    """One group's members awaiting review, with their answers."""
    view = grouping.group_view(course_of(request), session, group_id=group_id)
    return GroupDetail(**_read(view).model_dump(), attempts=[reviewed(m) for m in view.members])


@router.post("/groups/{group_id}/grade")
def grade_group(
    group_id: Id,
    body: GroupGradeCreate,
    request: Request,
    session: SessionDep,
    caller: InstructorDep,
    tasks: BackgroundTasks,
) -> GroupGraded:
    """Grade the representative by key points and give the same key points and comment to
    the chosen members, all in one transaction (every one graded, or none). By default the
    chosen are those whose machine key points match the representative's, and none when your
    decision corrects the machine's grade of the representative (`corrected`; the others stay
    in review, where your decision teaches them). Each member's grade is an instructor's grade
    that names its representative; the question's course model then refits and accepts the
    waiting answers it covers."""
    course = course_of(request)
    decision = grouping.GroupGrade(
        representative=body.representative, members=body.members, by=by(caller),
        points=body.points, criteria=body.criteria, comment=body.reason,
    )  # fmt: skip
    result = grouping.grade_group(course, session, group_id=group_id, decision=decision)
    schedule_refit(course, result.refit, tasks)
    return GroupGraded(
        graded=[reviewed(a) for a in result.graded],
        held_back=[
            HeldBack(attempt=a, differs=h.differs, why=h.why) for a, h in result.held_back.items()
        ],
        corrected=result.corrected,
    )


@router.post("/groups/{group_id}/split", status_code=201)
def split_group(
    group_id: Id, body: SplitCreate, request: Request, session: SessionDep, _: InstructorDep
) -> GroupRead:
    """Move members (outliers) out of the group into a group of their own."""
    course = course_of(request)
    new = grouping.split_off(course, session, group_id=group_id, attempt_ids=body.members)
    return _read(grouping.group_view(course, session, group_id=new.id))
