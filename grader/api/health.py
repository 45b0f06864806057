"""Readiness and liveness, and what the service has loaded."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from grader.rubrics.loader import RubricSet
from grader.scoring.scorer import Scorer
from grader.store.session import database_reachable, worker_poll_age

router = APIRouter(tags=["health"])


class HealthRead(BaseModel):
    """The service's state."""

    status: str = Field(description="ok, or degraded when the database does not answer")
    rubrics: int
    rubric_problems: int
    model: str
    database: bool
    worker_last_poll_s: float | None = Field(
        default=None,
        description="Seconds since a webhook worker last polled the outbox successfully (null: "
        "never, or the database does not answer); a growing figure means no worker runs",
    )


class Alive(BaseModel):
    status: str = "alive"


@router.get(
    "/health",
    responses={503: {"model": HealthRead, "description": "The database does not answer"}},
)
def get_health(request: Request, response: Response) -> HealthRead:
    """Ready: the model and every rubric are prepared (the service answers nothing before)
    and the database answers within its declared timeouts; 503 when it does not."""
    rubric_set: RubricSet = request.app.state.rubrics
    scorer: Scorer = request.app.state.scorer
    database = database_reachable(request.app.state.sessions)
    if not database:
        response.status_code = 503
    return HealthRead(
        worker_last_poll_s=worker_poll_age(request.app.state.sessions) if database else None,
        status="ok" if database else "degraded",
        database=database,
        rubrics=len(rubric_set.rubrics),
        rubric_problems=len(rubric_set.problems),
        model=scorer.embedder.model_id,
    )


@router.get("/health/live")
async def get_live() -> Alive:
    """Alive: the process answers (it checks nothing else, the database included)."""
    return Alive()
