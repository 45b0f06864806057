"""What browsers are told and refused.

Every response (API, pages, static files, docs) carries ``X-Content-Type-Options: nosniff``
and ``Referrer-Policy: same-origin``: a page's address, a sign-in link's code included, never
leaves for another site in a Referer (``no-referrer`` would also make browsers send
``Origin: null`` on our own form posts). A form post to the pages from another site's
``Origin`` is refused with 403 before it runs: a second line behind the CSRF token, and the
only one for the sign-in form, which has no session yet."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grader.api.problems import problem_response

HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
_FORM_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


class BrowserGuard:
    def __init__(self, app: ASGIApp, public_url: str = "") -> None:
        self.app = app
        self.public_origin = _origin_of(public_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        if scope["method"] in _FORM_METHODS and scope["path"].startswith("/app/"):
            headers = Headers(scope=scope)
            origin = headers.get("origin")
            if origin is not None and not self._ours(origin.lower(), scope, headers):
                response = problem_response(
                    scope["path"], 403, "a form posted from another site is refused"
                )
                await response(scope, receive, with_headers)
                return
        await self.app(scope, receive, with_headers)

    def _ours(self, origin: str, scope: Scope, headers: Headers) -> bool:
        """The Origin is this service's: the address the browser used (its Host), or
        GRADER_PUBLIC_URL's (behind a proxy that rewrites Host)."""
        host = headers.get("host", "")
        own = f"{scope.get('scheme', 'http')}://{host}".lower()
        forwarded = headers.get("x-forwarded-proto")
        candidates = {own, self.public_origin}
        if forwarded:
            candidates.add(f"{forwarded.lower()}://{host.lower()}")
        return origin in candidates - {""}
