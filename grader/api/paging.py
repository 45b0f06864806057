"""Lists a page at a time: newest first, with a cursor that never skips or repeats a row."""

from __future__ import annotations

from typing import Annotated, Protocol, TypeVar

from fastapi import Query, Request, Response

from grader.api.fields import MAX_ID

Limit = Annotated[int, Query(ge=1, le=500, description="Rows per page")]
Before = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="Cursor: the rows listed after this id")
]


class _Row(Protocol):
    @property
    def id(self) -> int: ...


Row = TypeVar("Row", bound=_Row)


def page_and_cursor(rows: list[Row], limit: int) -> tuple[list[Row], int | None]:
    """``rows`` fetched with ``limit + 1``: the first ``limit``, and the next page's cursor
    when there were more (None: this is the last page)."""
    if len(rows) <= limit:
        return rows, None
    page = rows[:limit]
    return page, page[-1].id


def page_of(request: Request, response: Response, rows: list[Row], limit: int) -> list[Row]:
    """``rows`` fetched with ``limit + 1``: the first ``limit``, and when there were more, the
    next page's address in the ``Link`` header (``rel="next"``, with the request's filters),
    never a silent cut."""
    page, cursor = page_and_cursor(rows, limit)
    if cursor is not None:
        following = request.url.include_query_params(before=cursor, limit=limit)
        response.headers["Link"] = f'<{following.path}?{following.query}>; rel="next"'
    return page
