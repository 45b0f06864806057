"""Liveness and what the service has loaded."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from grader.rubrics.loader import RubricSet

router = APIRouter(tags=["health"])


class HealthRead(BaseModel):
    """The service's state."""

    status: str
    rubrics: int
    rubric_problems: int


@router.get("/health")
def get_health(request: Request) -> HealthRead:
    """Whether the service is up, with how many rubrics loaded and how many were refused."""
    rubric_set: RubricSet = request.app.state.rubrics
    return HealthRead(
        status="ok", rubrics=len(rubric_set.rubrics), rubric_problems=len(rubric_set.problems)
    )
