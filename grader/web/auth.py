"""Signing in to the pages: a token pasted once (or a one-time link) becomes a browser session.

The cookie holds a random session secret, never the token; the database holds only its hash.
The cookie is HttpOnly and SameSite=Strict, and every form carries a CSRF token derived from
the secret (a form on another site can neither read nor compute it). Before signing in, a
short-lived pre-session cookie plays the same part for the sign-in form itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote, unquote

from fastapi import Depends, Form, Header, Request

from grader.api.deps import Caller, SessionDep
from grader.store.web_sessions import web_session_owner

SESSION_COOKIE = "grader_session"
PRESIGN_COOKIE = "grader_presign"
COOKIE_PATH = "/app"


class SignInRequired(Exception):
    """No live browser session: the page sends the browser to sign in."""

    def __init__(self, back_to: str) -> None:
        self.back_to = back_to


class PageRefused(Exception):
    """A page answer other than the page: 403 for the wrong role or a bad CSRF token, 404."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)


def csrf_for(secret: str) -> str:
    """The CSRF token of a session (or pre-session) secret."""
    return hashlib.sha256(f"grader-csrf:{secret}".encode()).hexdigest()[:40]


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def sign_in_url(back_to: str) -> str:
    return f"/app/sign-in?next={quote(back_to, safe='/')}"


def safe_next(value: str | None) -> str:
    """Where to go after signing in: only a page of ours, under /app (never another site, and
    never out of /app by "..", "." or a backslash, which some browsers read as "/")."""
    if not value or not (value == "/app" or value.startswith(("/app/", "/app?"))):
        return "/app"
    path = unquote(value.split("?", 1)[0])
    if "\\" in path or "//" in path or any(s in (".", "..") for s in path.split("/")):
        return "/app"
    return value


@dataclass(frozen=True)
class PageUser:
    caller: Caller
    csrf: str
    secret: str

    @property
    def is_instructor(self) -> bool:
        return self.caller.role == "instructor"


def page_user(request: Request, session: SessionDep) -> PageUser:
    """The signed-in user, else :class:`SignInRequired`."""
    back_to = request.url.path if request.method == "GET" else "/app"
    if request.url.query and request.method == "GET":
        back_to += f"?{request.url.query}"
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise SignInRequired(back_to)
    owner = web_session_owner(session, secret=secret, now=datetime.now(UTC))
    if owner is None:
        raise SignInRequired(back_to)
    caller = Caller(token_id=owner.id, role=owner.role, student_id=owner.student_id)
    return PageUser(caller=caller, csrf=csrf_for(secret), secret=secret)


PageUserDep = Annotated[PageUser, Depends(page_user)]


def _role(user: PageUser, role: str) -> PageUser:
    """``user``, when theirs is ``role`` (a student with their student record); else 403."""
    if user.caller.role != role or (role == "student" and user.caller.student_id is None):
        raise PageRefused(403, f"This page is for {role}s.")
    return user


def student_user(user: PageUserDep) -> PageUser:
    return _role(user, "student")


def instructor_user(user: PageUserDep) -> PageUser:
    return _role(user, "instructor")


def checked_csrf(
    user: PageUserDep,
    csrf: Annotated[str, Form()] = "",
    x_csrf_token: Annotated[str, Header()] = "",
) -> PageUser:
    """A form post from one of our pages: its CSRF token matches the session's."""
    sent = csrf or x_csrf_token
    if not hmac.compare_digest(sent.encode(), user.csrf.encode()):
        raise PageRefused(403, "The form's security token is missing or wrong; reload the page.")
    return user


def student_post(user: Annotated[PageUser, Depends(checked_csrf)]) -> PageUser:
    return _role(user, "student")


def instructor_post(user: Annotated[PageUser, Depends(checked_csrf)]) -> PageUser:
    return _role(user, "instructor")


StudentPage = Annotated[PageUser, Depends(student_user)]
InstructorPage = Annotated[PageUser, Depends(instructor_user)]
StudentPost = Annotated[PageUser, Depends(student_post)]
InstructorPost = Annotated[PageUser, Depends(instructor_post)]
AnyPost = Annotated[PageUser, Depends(checked_csrf)]
