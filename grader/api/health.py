"""Liveness and what the service has loaded."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from grader.rubrics.loader import RubricSet
from grader.scoring.scorer import Scorer
from grader.store.session import database_reachable

router = APIRouter(tags=["health"])


class HealthRead(BaseModel):
    """The service's state."""

    status: str
    rubrics: int
    rubric_problems: int
    model: str
    database: bool


@router.get("/health")
def get_health(request: Request) -> HealthRead:
    """Whether the service is up: rubrics loaded and refused, the model, the database."""
    rubric_set: RubricSet = request.app.state.rubrics
    scorer: Scorer = request.app.state.scorer
    database = database_reachable(request.app.state.sessions)
    return HealthRead(
        status="ok" if database else "degraded",
        database=database,
        rubrics=len(rubric_set.rubrics),
        rubric_problems=len(rubric_set.problems),
        model=scorer.embedder.model_id,
    )
