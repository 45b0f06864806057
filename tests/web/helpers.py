"""Signing a test client in to the pages, as a browser would."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api.helpers import token_headers

_CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def new_token(database_url: str, role: str, name: str | None = None) -> str:
    return token_headers(database_url, role, name)["Authorization"].split(" ", 1)[1]


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, token: str, next_page: str = "/app") -> None:
    """Sign ``client`` in through the sign-in form (its cookies then carry the session)."""
    client.cookies.clear()
    form = client.get("/app/sign-in")
    response = client.post(
        "/app/sign-in",
        data={"token": token, "csrf": csrf_of(form.text), "next": next_page},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
