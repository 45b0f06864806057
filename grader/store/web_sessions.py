"""Browser sign-ins: the cookie's secret and one-time sign-in links, stored only as hashes.
Functions flush; the caller commits."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from grader.store.models import ApiToken, WebSession
from grader.store.practice import hash_token

SESSION = "session"
LINK = "link"


def _create(session: Session, *, kind: str, token_id: int, now: datetime, ttl: timedelta) -> str:
    secret = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            secret_hash=hash_token(secret), kind=kind, token_id=token_id, created_at=now,
            expires_at=now + ttl,
        )
    )  # fmt: skip
    session.flush()
    return secret


def create_web_session(session: Session, *, token_id: int, now: datetime, ttl: timedelta) -> str:
    """A new browser session for the token's owner; returns the cookie's secret (seen once)."""
    return _create(session, kind=SESSION, token_id=token_id, now=now, ttl=ttl)


def create_sign_in_link(session: Session, *, token_id: int, now: datetime, ttl: timedelta) -> str:
    """A one-time sign-in code for the token's owner; returns the code (seen once)."""
    return _create(session, kind=LINK, token_id=token_id, now=now, ttl=ttl)


def web_session_owner(session: Session, *, secret: str, now: datetime) -> ApiToken | None:
    """The token behind a live browser session (None when unknown or expired)."""
    query = (
        select(ApiToken)
        .join(WebSession, WebSession.token_id == ApiToken.id)
        .where(
            WebSession.secret_hash == hash_token(secret),
            WebSession.kind == SESSION,
            WebSession.expires_at > now,
        )
    )
    return session.scalar(query)


def use_sign_in_link(session: Session, *, code: str, now: datetime) -> int | None:
    """The token id a sign-in code stands for, and the code is gone: of two uses at once, only
    the one whose delete removed the row gets it. None when unknown, used or expired."""
    row = session.scalar(
        select(WebSession).where(
            WebSession.secret_hash == hash_token(code), WebSession.kind == LINK
        )
    )
    if row is None:
        return None
    token_id, expires_at = row.token_id, row.expires_at
    removed = session.execute(delete(WebSession).where(WebSession.id == row.id))
    if getattr(removed, "rowcount", 0) != 1 or expires_at <= now:
        return None
    return token_id


def end_web_session(session: Session, *, secret: str) -> None:
    session.execute(
        delete(WebSession).where(
            WebSession.secret_hash == hash_token(secret), WebSession.kind == SESSION
        )
    )


def forget_expired(session: Session, *, now: datetime) -> int:
    """Remove expired sessions and links; returns how many."""
    removed = session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    return int(getattr(removed, "rowcount", 0) or 0)
