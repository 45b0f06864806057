"""The instructor's pages: a review queue per question (keyboard-driven), class statistics,
the rubric editor with regrading, and the webhook deliveries log."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import HTMLResponse, Response

from grader.api.deps import SessionDep, course_of
from grader.api.downloads import csv_download
from grader.api.fields import Id
from grader.api.paging import Before, page_and_cursor
from grader.errors import Conflict, InvalidInput, NotFound, RubricInvalid
from grader.rubrics.points import counted, in_steps
from grader.rubrics.schema import Rubric
from grader.scoring.grade import Grade
from grader.scoring.reference_check import ReferenceCheck, check_references
from grader.scoring.selection import ticked_points
from grader.scoring.text import readable
from grader.services import grouping, reviewing, stats
from grader.services.gradebook import gradebook_csv
from grader.services.rubric_edits import replace_rubric
from grader.services.slots import Busy
from grader.store import review
from grader.store import webhooks as webhook_store
from grader.store.models import Attempt
from grader.store.session import Session
from grader.web.auth import InstructorPage, InstructorPost, PageRefused, PageUser
from grader.web.charts import bars
from grader.web.difference import differences
from grader.web.highlight import highlight
from grader.web.pages import render, see_other
from grader.web.student import loaded_or_404

router = APIRouter(prefix="/app", include_in_schema=False)

REASON_MAX = 2000


@router.get("/review")
def review_index(request: Request, session: SessionDep, user: InstructorPage) -> HTMLResponse:
    """Every question with how many attempts await review, and how many were flagged."""
    course = course_of(request)
    counts = review.queue_counts(session)
    none = review.QueueCounts(0, 0, 0, 0)
    rows = [
        (loaded.rubric, counts.get(loaded.rubric.id, none)) for loaded in course.rubrics.ordered()
    ]
    return render(request, "review_index.html", {"rows": rows}, user=user)


@router.get("/review/{question_id}")
def review_queue_page(
    question_id: str,
    request: Request,
    session: SessionDep,
    user: InstructorPage,
    group: int | None = None,
    at: int | None = None,
) -> HTMLResponse:
    """The question's review queue by answer groups, at one group (the first, unless
    ``group`` names another, or ``at`` an attempt: its group, with that attempt to grade): its
    representative to grade, its other members beside it."""
    return _queue_page(request, session, user, question_id, group, at=at)


def _queue_page(
    request: Request,
    session: Session,
    user: PageUser,
    question_id: str,
    group: int | None,
    *,
    at: int | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    course = course_of(request)
    loaded = loaded_or_404(course, question_id)
    queue = grouping.queue(course, session, question_id=question_id)
    ids = [view.id for view in queue]
    holding = [v for v in queue if at in {m.id for m in v.members}]
    if holding:
        group = holding[0].id
    position = ids.index(group) if group in ids else 0
    view = queue[position] if queue else None
    if view is not None and holding:
        view = view.shown_first(at)
    context: dict[str, Any] = {
        "rubric": loaded.rubric, "queue_length": len(queue), "position": position,
        "waiting": sum(v.size for v in queue),
        "previous": ids[position - 1] if position > 0 else None,
        "next": ids[position + 1] if position + 1 < len(ids) else None,
        "group": view, "attempt": view.representative if view else None, "error": error,
    }  # fmt: skip
    if view is not None:
        context.update(_attempt_view(view.representative, loaded.rubric))
        context["student"] = review.get_student(session, student_id=view.representative.student_id)
        held = view.held_back
        texts = {c.id: c.text for c in loaded.rubric.criteria}
        texts[grouping.POINTS_DIFFER] = (
            f"its points, more than a quarter of the marks from the "
            f"{round(view.representative.points, 2):g} it gave the answer above"
        )
        context["others"] = [
            (member, differences(view.representative.answer, member.answer),
             [texts.get(c, c) for c in held.get(member.id, [])])
            for member in view.others
        ]  # fmt: skip
        context["held_back"] = len(held)
    return render(request, "review.html", context, user=user, status=status)


def _attempt_view(attempt: Attempt, rubric: Rubric) -> dict[str, Any]:
    """The machine's grade as the review form shows it: every criterion with its suggestion."""
    grade = Grade.model_validate(attempt.result)
    points = {c.id: c.points for c in rubric.criteria}
    rule = rubric.counting_rule()
    return {
        "grade": grade,
        # Marked as evidence: what met a key point (a missed point's closest try is listed
        # with the point; marking it read as if it had counted).
        "segments": highlight(
            attempt.answer,
            [(n, c.evidence) for n, c in enumerate(grade.criteria, start=1) if c.met],
        ),
        "criterion_points": points,
        "select_any": rule.any if rule else 0,
        "select_of": set(rule.of or points) if rule else set(),
        "machine_met": [c.id for c in grade.criteria if c.met],
    }


@router.post("/review/{question_id}/{attempt_id}")
def review_decision(
    question_id: str,
    attempt_id: Id,
    request: Request,
    session: SessionDep,
    user: InstructorPost,
    tasks: BackgroundTasks,
    action: Annotated[str, Form()] = "auto",
    points: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    criteria: Annotated[list[str] | None, Form()] = None,
    group: Annotated[str, Form()] = "",
    members: Annotated[list[str] | None, Form()] = None,
    members_default: Annotated[str, Form()] = "",
    members_chosen: Annotated[str, Form()] = "",
    next_group: Annotated[str, Form(alias="next")] = "",
) -> Response:
    """Accept the machine's grade, or grade by hand (points, or the criteria ticked, and a
    reason); with ``group``, the same grade and reason go to the ticked members of the
    representative's group in the same transaction, except when the grade corrects the
    machine's and the ticks were left as the page showed them (``members_default``) and not
    chosen since (``members_chosen``, set by the page's script): then the representative
    alone. Then the queue's next group."""
    course = course_of(request)
    loaded = loaded_or_404(course, question_id)
    attempt = review.get_attempt(session, attempt_id=attempt_id)
    if attempt is None or attempt.question_id != question_id:
        raise PageRefused(404, f"No attempt {attempt_id} on this question.")
    ticked = set(criteria or [])
    by = f"instructor token {user.caller.token_id}"
    group_id = int(group) if group.isdigit() else None
    try:
        step = course.points_step(loaded.rubric)
        decision = _decision(action, attempt, loaded.rubric, ticked, points, reason, by, step)
        if group_id is not None:
            chosen = _ids(members)  # none ticked: the representative alone
            grade = grouping.GroupGrade(
                representative=attempt_id, members=chosen, by=by,
                points=None if decision is None else decision.points,
                criteria=None if decision is None else decision.criteria,
                comment="" if decision is None else decision.reason,
            )  # fmt: skip
            # Ticks left as shown, not chosen since (the script marks a choice): a correction
            # of the machine is not spread to them (the script unticks them where it runs).
            as_shown = set(chosen) == set(_ids(members_default.split(",")))
            chose = members_chosen == "yes"
            if as_shown and not chose and grouping.corrections(loaded.rubric, attempt, grade):
                grade = replace(grade, members=[])
            refit = grouping.grade_group(course, session, group_id=group_id, decision=grade).refit
        elif decision is None:
            _, refit = reviewing.accept(course, session, attempt_id=attempt_id, by=by)
        else:
            _, refit = reviewing.override(course, session, attempt_id=attempt_id, grade=decision)
    except (InvalidInput, Conflict, NotFound) as error:
        session.rollback()
        return _queue_page(
            request, session, user, question_id, group_id, error=_message(error),
            status=422 if isinstance(error, InvalidInput) else 409,
        )  # fmt: skip
    if refit is not None:
        tasks.add_task(reviewing.refit_and_accept, course, refit)
    after = f"?group={next_group}" if next_group.isdigit() else ""
    return see_other(request, f"/app/review/{question_id}{after}")


@router.post("/review/{question_id}/groups/{group_id}/split")
def split_page(
    question_id: str,
    group_id: Id,
    request: Request,
    session: SessionDep,
    user: InstructorPost,
    split: Annotated[str, Form()] = "",
    members: Annotated[list[str] | None, Form()] = None,
    every: Annotated[list[str] | None, Form(alias="member")] = None,
) -> Response:
    """Split members off the group into a group of their own: one (``split`` = its attempt
    id), or every member left unticked (``split`` = ``unticked``)."""
    course = course_of(request)
    loaded_or_404(course, question_id)
    if split == "unticked":
        ticked = set(_ids(members))
        chosen = [i for i in _ids(every) if i not in ticked]
    else:
        chosen = [int(split)] if split.isdigit() else []
    try:
        if not chosen:
            raise InvalidInput("members", "untick the members to split off first")
        grouping.split_off(course, session, group_id=group_id, attempt_ids=chosen)
    except (InvalidInput, Conflict, NotFound) as error:
        session.rollback()
        return _queue_page(request, session, user, question_id, group_id, error=_message(error),
                           status=409 if isinstance(error, Conflict) else 422)  # fmt: skip
    return see_other(request, f"/app/review/{question_id}?group={group_id}")


def _ids(values: list[str] | None) -> list[int]:
    """Attempt ids from a form's checkboxes (none when the form sent none)."""
    return [int(v) for v in values or [] if v.isdigit()]


def _message(error: InvalidInput | Conflict | NotFound) -> str:
    """What the page says of a refused grade or split (a field's error without its name)."""
    return error.message if isinstance(error, InvalidInput) else str(error)


def _decision(
    action: str,
    attempt: Attempt,
    rubric: Rubric,
    ticked: set[str],
    points_text: str,
    reason: str,
    by: str,
    step: float,
) -> reviewing.HandGrade | None:
    """None to accept the machine's grade; else the instructor's grade. ``auto`` (Enter)
    accepts when nothing was changed (the form shows the machine's points in ``step``s)."""
    if action == "accept":
        return None
    machine_met = {c["id"] for c in attempt.result.get("criteria", []) if c.get("met")}
    typed: float | None = None
    if points_text.strip():
        try:
            typed = float(points_text)
        except ValueError:
            raise InvalidInput("points", f"'{points_text}' is not a number") from None
        if not math.isfinite(typed):
            raise InvalidInput("points", f"'{points_text}' is not a finite number")
        if typed < 0:
            raise InvalidInput("points", "cannot be negative")
    shown = in_steps(attempt.points, step, attempt.max_points)
    earned = in_steps(ticked_points(rubric, ticked), step, attempt.max_points)
    # The points field starts at the machine's points (and follows the ticks where scripts
    # run): only a number that is neither of those is an explicit adjustment.
    explicit = typed is not None and abs(typed - earned) > 1e-9 and abs(typed - shown) > 1e-9
    unchanged = ticked == machine_met and (typed is None or abs(typed - shown) < 1e-9)
    if action == "auto" and unchanged and not reason.strip():
        return None
    reason = " ".join(reason.split())[:REASON_MAX]
    return reviewing.HandGrade(
        criteria=[c.id for c in rubric.criteria if c.id in ticked],
        points=round(typed, 4) if explicit and typed is not None else None,
        reason=reason or ("adjusted by hand" if explicit else "graded by key points"), by=by,
    )  # fmt: skip


@router.get("/stats/{question_id}")
def stats_page(
    question_id: str, request: Request, session: SessionDep, user: InstructorPage
) -> HTMLResponse:
    """How the class scored on a question, and the key points it missed most."""
    loaded = loaded_or_404(course_of(request), question_id)
    figures = stats.question_stats(session, question_id, most_missed=8)
    distribution = bars(
        list(figures.score_distribution.items()), title_of="{value} attempts scored {label}"
    )
    missed = bars(
        # An SVG label is plain text: LaTeX read as text ("x(1), …, x(τ)"), never raw.
        [(readable(m.text), m.missed) for m in figures.most_missed],
        title_of="missed {value} times: {label}",
    )
    context = {"rubric": loaded.rubric, "stats": figures, "distribution": distribution,
               "missed": missed}  # fmt: skip
    return render(request, "stats.html", context, user=user)


@router.get("/rubrics/{question_id}")
def rubric_page(question_id: str, request: Request, user: InstructorPage) -> HTMLResponse:
    """The question's rubric file, to edit."""
    loaded = loaded_or_404(course_of(request), question_id)
    text = loaded.path.read_text(encoding="utf-8")
    return _rubric_page(request, user, loaded.rubric, text)


def _rubric_page(
    request: Request,
    user: PageUser,
    rubric: Rubric,
    text: str,
    *,
    problems: list[Any] | None = None,
    message: str | None = None,
    saved: bool = False,
    reference: ReferenceCheck | None = None,
    status: int = 200,
) -> HTMLResponse:
    lines = text.splitlines()
    bad_lines = {p.line for p in problems or []}
    context = {
        "rubric": rubric, "text": text, "problems": problems or [], "message": message,
        "saved": saved, "listing": [(n, line, n in bad_lines) for n, line in enumerate(lines, 1)],
        "reference": reference,
    }  # fmt: skip
    return render(request, "rubric.html", context, user=user, status=status)


@router.post("/rubrics/{question_id}")
def save_rubric(
    question_id: str,
    request: Request,
    user: InstructorPost,
    text: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Save the rubric through the same validation as `PUT /rubrics/{id}`; errors at their
    line, and the rubric in force unchanged."""
    course = course_of(request)
    current = loaded_or_404(course, question_id)
    data = text.replace("\r\n", "\n").encode("utf-8", errors="replace")
    try:
        loaded = replace_rubric(course, question_id, data)
    except RubricInvalid as error:
        return _rubric_page(
            request, user, current.rubric, text, problems=error.problems, status=422,
            message=f"Not saved: {counted(len(error.problems), 'problem')}. The rubric in force is "
            "unchanged.",
        )  # fmt: skip
    except (InvalidInput, Busy) as error:
        return _rubric_page(request, user, current.rubric, text, message=f"Not saved: {error}",
                            status=422 if isinstance(error, InvalidInput) else 503)  # fmt: skip
    # The instructor's check, as `grader rubrics check --grade-reference` (one grade).
    (reference,) = check_references(course.scorer, [loaded.rubric])
    return _rubric_page(
        request, user, loaded.rubric, text, saved=True, reference=reference,
        message="Saved and in force. Earlier attempts keep their grades until you regrade them.",
    )  # fmt: skip


@router.post("/rubrics/{question_id}/regrade")
def regrade_page(
    question_id: str, request: Request, session: SessionDep, user: InstructorPost
) -> HTMLResponse:
    """Grade every attempt on the question again with the rubric in force (overrides kept)."""
    course = course_of(request)
    loaded = loaded_or_404(course, question_id)
    try:
        count = reviewing.regrade_question(course, session, question_id=question_id)
    except Busy as error:
        text = loaded.path.read_text(encoding="utf-8")
        return _rubric_page(request, user, loaded.rubric, text, message=str(error), status=503)
    text = loaded.path.read_text(encoding="utf-8")
    return _rubric_page(
        request, user, loaded.rubric, text, saved=True,
        message=f"Regraded {counted(count, 'attempt')} with the rubric in force; instructors' "
        "grades kept.",
    )  # fmt: skip


@router.get("/gradebook.csv")
def gradebook_download(
    request: Request, session: SessionDep, user: InstructorPage, every_attempt: bool = False
) -> Response:
    """The gradebook as CSV (as `GET /gradebook.csv`), for a signed-in instructor."""
    text = gradebook_csv(course_of(request), session, every_attempt=every_attempt)
    return csv_download(text, "gradebook.csv")


DELIVERIES_PER_PAGE = 100


@router.get("/deliveries")
def deliveries_page(
    request: Request,
    session: SessionDep,
    user: InstructorPage,
    status: str | None = None,
    before: Before = None,
) -> HTMLResponse:
    """Webhook deliveries to the LMS, newest first, with each try, a page at a time (a link
    to the older ones where there are more: never a silent cut)."""
    if status not in (None, "", "pending", "delivered", "failed"):
        raise PageRefused(404, f"No delivery status '{status}'.")
    listed, older = page_and_cursor(
        webhook_store.deliveries(
            session, status=status or None, limit=DELIVERIES_PER_PAGE + 1, before=before
        ),
        DELIVERIES_PER_PAGE,
    )
    rows = [(d, webhook_store.delivery_log(session, delivery_id=d.id)) for d in listed]
    types = webhook_store.event_types(session, event_ids={d.event_id for d in listed})
    urls = webhook_store.endpoint_urls(session, endpoint_ids={d.endpoint_id for d in listed})
    context = {
        "rows": rows, "status": status or "", "types": types, "urls": urls, "older": older,
    }  # fmt: skip
    return render(request, "deliveries.html", context, user=user)
