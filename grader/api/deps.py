"""Request dependencies: a database session per request, and who is calling.

The session commits when the route returns and **before the response is sent** (a
function-scoped dependency), so an acknowledged write is a stored write; a failed commit
answers 503 and the client was told nothing was saved.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from grader.api.problems import ApiProblem
from grader.services.course import Course
from grader.store.practice import token_owner
from grader.store.session import Session

_bearer = HTTPBearer(auto_error=False)


def course_of(request: Request) -> Course:
    """The course this service grades (built in the lifespan)."""
    course: Course = request.app.state.course
    return course


def get_session(request: Request) -> Iterator[Session]:
    """Commit when the route succeeds, roll back when it fails; both before the response."""
    session: Session = request.app.state.sessions()
    try:
        yield session
        session.commit()  # a DatabaseUnavailable here becomes the 503 problem
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@dataclass(frozen=True)
class Caller:
    token_id: int
    role: str
    student_id: int | None


def caller_for(session: Session, token: str) -> Caller | None:
    owner = token_owner(session, token=token)
    if owner is None:
        return None
    return Caller(token_id=owner.id, role=owner.role, student_id=owner.student_id)


def _unauthorised(detail: str) -> ApiProblem:
    return ApiProblem(401, detail, headers={"WWW-Authenticate": "Bearer"})


def current_caller(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    known: Caller | None = getattr(request.state, "caller", None)  # the body guard's lookup
    if known is not None:
        return known
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorised("missing bearer token")
    caller = caller_for(session, credentials.credentials)
    if caller is None:
        raise _unauthorised("unknown token")
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]


def current_student(caller: CallerDep) -> int:
    if caller.role != "student" or caller.student_id is None:
        raise ApiProblem(403, "this route is for student tokens")
    return caller.student_id


StudentDep = Annotated[int, Depends(current_student)]


def current_instructor(caller: CallerDep) -> Caller:
    if caller.role != "instructor":
        raise ApiProblem(403, "this route is for instructor tokens")
    return caller


InstructorDep = Annotated[Caller, Depends(current_instructor)]
