"""Request dependencies: a database session per request, and who is calling."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from grader.store.practice import token_owner
from grader.store.session import DatabaseUnavailable, Session

_bearer = HTTPBearer(auto_error=False)


def get_session(request: Request) -> Iterator[Session]:
    """Commit when the request succeeds, roll back when it fails; 503 if the database is down."""
    session: Session = request.app.state.sessions()
    try:
        yield session
        session.commit()
    except DatabaseUnavailable as error:
        session.rollback()
        raise HTTPException(
            status_code=503, detail="the database is unavailable; nothing was saved, try again"
        ) from error
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


@dataclass(frozen=True)
class Caller:
    token_id: int
    role: str
    student_id: int | None


def current_caller(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status_code=401, detail="missing bearer token", headers={"WWW-Authenticate": "Bearer"}
        )
    owner = token_owner(session, token=credentials.credentials)
    if owner is None:
        raise HTTPException(
            status_code=401, detail="unknown token", headers={"WWW-Authenticate": "Bearer"}
        )
    return Caller(token_id=owner.id, role=owner.role, student_id=owner.student_id)


CallerDep = Annotated[Caller, Depends(current_caller)]


def current_student(caller: CallerDep) -> int:
    if caller.role != "student" or caller.student_id is None:
        raise HTTPException(status_code=403, detail="this route is for student tokens")
    return caller.student_id


StudentDep = Annotated[int, Depends(current_student)]


def current_instructor(caller: CallerDep) -> Caller:
    if caller.role != "instructor":
        raise HTTPException(status_code=403, detail="this route is for instructor tokens")
    return caller


InstructorDep = Annotated[Caller, Depends(current_instructor)]
