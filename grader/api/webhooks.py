"""Instructors register LMS endpoints, rotate their secrets, and watch and replay deliveries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field, field_validator

from grader.api.deps import InstructorDep, SessionDep
from grader.api.fields import Id, RequestBody, Text
from grader.api.paging import Before, Limit, page_of
from grader.api.problems import ApiProblem, FieldProblem, invalid_field, problem_responses
from grader.store import webhooks as store
from grader.store.models import WebhookEndpoint
from grader.webhooks.events import EVENT_TYPES
from grader.webhooks.signing import new_secret
from grader.webhooks.urls import UnsafeUrl, check_url

router = APIRouter(
    prefix="/webhooks",
    tags=["webhooks"],
    responses=problem_responses(400, 401, 403, 404, 413, 422, 503),
)


_HTTP_URL = re.compile(r"^https?://[^\s/?#@]+")


class EndpointCreate(RequestBody):
    url: Text = Field(
        max_length=2000,
        json_schema_extra={"pattern": _HTTP_URL.pattern},
        description="An http(s) URL whose host resolves, at registration and before each "
        "send, to public addresses only (private, loopback and link-local ones are refused "
        "with 422 unless GRADER_WEBHOOKS_ALLOW_PRIVATE is set): a schema cannot say that part",
        examples=["https://lms.example.edu/grader-events"],
    )
    event_types: list[Text] = Field(
        default_factory=lambda: list(EVENT_TYPES),
        json_schema_extra={"minItems": 1},
        description="The events to send (all of them when left out)",
    )

    # Checks of their own, so that the problem reads as words, not as a regular expression.
    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        if not _HTTP_URL.match(url):
            raise ValueError(
                "must be an http:// or https:// address with a host, such as "
                "https://lms.example.edu/grader-events"
            )
        return url

    @field_validator("event_types")
    @classmethod
    def _some(cls, event_types: list[str]) -> list[str]:
        if not event_types:
            raise ValueError(f"name at least one of {', '.join(EVENT_TYPES)}")
        return event_types


class EndpointRead(BaseModel):
    id: int
    url: str
    event_types: list[str]
    disabled_at: datetime | None
    disabled_reason: str | None


class EndpointCreated(EndpointRead):
    secret: str = Field(description="Shown once: keep it to verify our signatures.")


class Rotate(RequestBody):
    overlap_seconds: int = Field(default=86400, ge=0, le=30 * 86400)


class DeliveryTry(BaseModel):
    """One try: when, the endpoint's status code (none: no answer), how long, its answer."""

    at: datetime
    status_code: int | None
    latency_ms: float
    response: str


class DeliveryRead(BaseModel):
    id: int
    event_id: int
    endpoint_id: int
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    delivered_at: datetime | None
    log: list[DeliveryTry]


class Replayed(BaseModel):
    delivery_id: int


def _read(endpoint: WebhookEndpoint) -> EndpointRead:
    return EndpointRead(
        id=endpoint.id, url=endpoint.url, event_types=endpoint.event_types,
        disabled_at=endpoint.disabled_at, disabled_reason=endpoint.disabled_reason,
    )  # fmt: skip


@router.post("/endpoints", status_code=201)
def create_endpoint(
    body: EndpointCreate, request: Request, session: SessionDep, _: InstructorDep
) -> EndpointCreated:
    """Register an LMS endpoint; the response holds its signing secret, shown only this once."""
    unknown = sorted(set(body.event_types) - set(EVENT_TYPES))
    if unknown:
        raise invalid_field("event_types", f"unknown {unknown} (known: {list(EVENT_TYPES)})")
    try:
        check_url(body.url, allow_private=request.app.state.settings.webhooks_allow_private)
    except UnsafeUrl as error:
        message = str(error).removeprefix("url: ")  # the field is named apart
        raise ApiProblem(
            422, str(error), errors=[FieldProblem(field="url", message=message)]
        ) from error
    secret = new_secret()
    endpoint = store.create_endpoint(
        session, url=body.url, event_types=body.event_types, secret=secret, now=datetime.now(UTC)
    )
    return EndpointCreated(**_read(endpoint).model_dump(), secret=secret)


@router.get("/endpoints")
def list_endpoints(session: SessionDep, _: InstructorDep) -> list[EndpointRead]:
    """Registered endpoints (never their secrets)."""
    return [_read(e) for e in store.all_endpoints(session)]


@router.delete("/endpoints/{endpoint_id}", status_code=204)
def delete_endpoint(endpoint_id: Id, session: SessionDep, _: InstructorDep) -> None:
    """Stop delivering to an endpoint (its history is kept)."""
    endpoint = _endpoint(session, endpoint_id)
    store.disable_endpoint(
        session, endpoint=endpoint, reason="deleted by an instructor", now=datetime.now(UTC)
    )


@router.post("/endpoints/{endpoint_id}/rotate-secret")
def rotate_secret(
    endpoint_id: Id, body: Rotate, session: SessionDep, _: InstructorDep
) -> EndpointCreated:
    """A new secret, shown once; the old one keeps signing too until the overlap ends."""
    endpoint = _endpoint(session, endpoint_id)
    secret = new_secret()
    store.rotate_secret(
        session, endpoint=endpoint, secret=secret, overlap=timedelta(seconds=body.overlap_seconds),
        now=datetime.now(UTC),
    )  # fmt: skip
    return EndpointCreated(**_read(endpoint).model_dump(), secret=secret)


@router.get("/deliveries")
def list_deliveries(
    request: Request,
    response: Response,
    session: SessionDep,
    _: InstructorDep,
    status: Annotated[Literal["pending", "delivered", "failed"] | None, Query()] = None,
    limit: Limit = 100,
    before: Before = None,
) -> list[DeliveryRead]:
    """Deliveries, newest first, each with the log of its tries, a page at a time (when there
    are more, the `Link` header's `rel="next"` holds the next page's address)."""
    fetched = store.deliveries(session, status=status, limit=limit + 1, before=before)
    return [
        DeliveryRead(
            id=d.id,
            event_id=d.event_id,
            endpoint_id=d.endpoint_id,
            status=d.status,
            attempts=d.attempts,
            next_attempt_at=d.next_attempt_at,
            last_status_code=d.last_status_code,
            delivered_at=d.delivered_at,
            log=[
                DeliveryTry(
                    at=a.attempted_at,
                    status_code=a.status_code,
                    latency_ms=round(a.latency_ms, 1),
                    response=a.response,
                )
                for a in store.delivery_log(session, delivery_id=d.id)
            ],
        )
        for d in page_of(request, response, fetched, limit)
    ]


@router.post("/deliveries/{delivery_id}/replay", status_code=202)
def replay_delivery(delivery_id: Id, session: SessionDep, _: InstructorDep) -> Replayed:
    """Send a delivery again, with the same webhook-id, on the worker's next pass."""
    if store.replay(session, delivery_id=delivery_id, now=datetime.now(UTC)) is None:
        raise ApiProblem(404, f"no delivery {delivery_id} to a live endpoint")
    return Replayed(delivery_id=delivery_id)


def _endpoint(session: SessionDep, endpoint_id: int) -> WebhookEndpoint:
    """A live endpoint to act on; a deleted (or disabled) one is not found: its history stays
    listed, but nothing more can be done to it."""
    endpoint = store.get_endpoint(session, endpoint_id=endpoint_id)
    if endpoint is None:
        raise ApiProblem(404, f"no endpoint {endpoint_id}")
    if endpoint.disabled_at is not None:
        raise ApiProblem(
            404, f"endpoint {endpoint_id} was {endpoint.disabled_reason or 'disabled'}"
        )
    return endpoint
