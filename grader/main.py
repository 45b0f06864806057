"""The FastAPI application: built by ``create_app``; rubrics load once, in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from grader import __version__
from grader.api import demos, health, instructors, lms, practice, webhooks
from grader.config import Settings, get_settings
from grader.course import load_rubrics
from grader.demos.registry import DemoRunner
from grader.scoring.build import build_scorer
from grader.services.learning import AdaptedModels
from grader.store.session import make_engine, make_sessions, upgrade


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; nothing is loaded until it starts."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.rubrics = load_rubrics(settings)
        app.state.demos = DemoRunner(max_concurrent=settings.max_concurrent_demos)
        # The model and the rubric embeddings load once per process, here, not per request.
        scorer = build_scorer(settings)
        for loaded in app.state.rubrics.rubrics.values():
            scorer.prepare(loaded.rubric)
        app.state.scorer = scorer
        app.state.adapted = AdaptedModels()
        if settings.database_url.startswith("sqlite"):
            upgrade(settings.database_url)  # the embedded database migrates itself on start
        engine = make_engine(settings.database_url)
        app.state.sessions = make_sessions(engine)
        yield
        engine.dispose()

    app = FastAPI(title="grader", version=__version__, lifespan=lifespan)
    app.include_router(health.router)
    app.include_router(demos.router)
    app.include_router(practice.router)
    app.include_router(instructors.router)
    app.include_router(webhooks.router)
    app.include_router(lms.router)
    return app
