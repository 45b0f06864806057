"""Sign in (a pasted token, or a one-time link), sign out, and the way in by role."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from grader.api.deps import SessionDep, course_of
from grader.store.practice import token_owner
from grader.store.session import Session
from grader.store.web_sessions import (
    create_web_session,
    end_web_session,
    forget_expired,
    use_sign_in_link,
)
from grader.web.auth import (
    COOKIE_PATH,
    PRESIGN_COOKIE,
    SESSION_COOKIE,
    AnyPost,
    PageUserDep,
    csrf_for,
    new_secret,
    safe_next,
)
from grader.web.pages import render, see_other

router = APIRouter(prefix="/app", include_in_schema=False)

TOKEN_MAX = 200


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _sign_in_page(
    request: Request, template: str, context: dict[str, object], status: int = 200
) -> HTMLResponse:
    """A sign-in form, with the pre-session cookie its CSRF token is derived from."""
    presign = request.cookies.get(PRESIGN_COOKIE) or new_secret()
    response = render(request, template, {**context, "csrf": csrf_for(presign)}, status=status)
    response.set_cookie(
        PRESIGN_COOKIE, presign, max_age=3600, path=COOKIE_PATH, httponly=True,
        samesite="strict", secure=_secure(request),
    )  # fmt: skip
    return response


def _presign_ok(request: Request, csrf: str) -> bool:
    presign = request.cookies.get(PRESIGN_COOKIE)
    return bool(presign) and hmac.compare_digest(csrf.encode(), csrf_for(presign or "").encode())


def _signed_in(request: Request, session: Session, token_id: int, back_to: str) -> Response:
    now = datetime.now(UTC)
    hours = course_of(request).settings.web_session_hours
    forget_expired(session, now=now)
    secret = create_web_session(session, token_id=token_id, now=now, ttl=timedelta(hours=hours))
    response = RedirectResponse(back_to, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, secret, max_age=int(hours * 3600), path=COOKIE_PATH, httponly=True,
        samesite="strict", secure=_secure(request),
    )  # fmt: skip
    response.delete_cookie(PRESIGN_COOKIE, path=COOKIE_PATH)
    return response


@router.get("/sign-in")
def sign_in_form(request: Request, next: str = "/app") -> HTMLResponse:
    """Paste your token to sign in."""
    return _sign_in_page(request, "sign_in.html", {"next": safe_next(next), "error": None})


@router.post("/sign-in", response_model=None)
def sign_in(
    request: Request,
    session: SessionDep,
    token: Annotated[str, Form(max_length=10_000)] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/app",
) -> Response:
    """A known student or instructor token starts a browser session."""
    back_to = safe_next(next)
    if not _presign_ok(request, csrf):
        return _sign_in_page(
            request, "sign_in.html",
            {"next": back_to, "error": "The form expired; paste your token again."}, 403,
        )  # fmt: skip
    token = token.strip()
    owner = token_owner(session, token=token) if 0 < len(token) <= TOKEN_MAX else None
    if owner is None or owner.role not in ("student", "instructor"):
        message = (
            "Paste your token first." if not token else "That token is not a student's or an "
            "instructor's token here. Check it, or ask your instructor for a new one."
        )  # fmt: skip
        return _sign_in_page(request, "sign_in.html", {"next": back_to, "error": message}, 401)
    return _signed_in(request, session, owner.id, back_to)


@router.get("/sign-in/link/{code}")
def sign_in_link_form(request: Request, code: str) -> HTMLResponse:
    """A one-time link asks before it signs in (a mail scanner that opens it uses nothing)."""
    return _sign_in_page(request, "sign_in_link.html", {"code": code, "error": None})


@router.post("/sign-in/link", response_model=None)
def sign_in_with_link(
    request: Request,
    session: SessionDep,
    code: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Use a one-time sign-in link."""
    if not _presign_ok(request, csrf):
        return _sign_in_page(
            request, "sign_in_link.html",
            {"code": code, "error": "The form expired; press the button again."}, 403,
        )  # fmt: skip
    token_id = use_sign_in_link(session, code=code, now=datetime.now(UTC))
    if token_id is None:
        session.commit()  # a used or expired code is gone either way
        return _sign_in_page(
            request, "sign_in.html",
            {"next": "/app", "error": "That sign-in link was used already or has expired. "
             "Paste your token, or ask for a new link."}, 401,
        )  # fmt: skip
    return _signed_in(request, session, token_id, "/app")


@router.post("/sign-out")
def sign_out(request: Request, session: SessionDep, user: AnyPost) -> Response:
    """End this browser session."""
    end_web_session(session, secret=user.secret)
    response = see_other(request, "/app/sign-in")
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response


@router.get("")
def home(user: PageUserDep) -> RedirectResponse:
    """Students to their questions, instructors to the review queues."""
    return RedirectResponse(
        "/app/review" if user.is_instructor else "/app/questions", status_code=303
    )
