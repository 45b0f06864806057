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


def page_of(request: Request, response: Response, rows: list[Row], limit: int) -> list[Row]:
    """``rows`` fetched with ``limit + 1``: the first ``limit``, and when there were more, the
    next page's address in the ``Link`` header (``rel="next"``, with the request's filters),
    never a silent cut."""
    if len(rows) <= limit:
        return rows
    page = rows[:limit]
    following = request.url.include_query_params(before=page[-1].id, limit=limit)
    response.headers["Link"] = f'<{following.path}?{following.query}>; rel="next"'
    return page
