"""The FastAPI application: built by ``create_app``; the model and rubrics load once, in the
lifespan, and the service takes no request before they are ready."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from grader import __version__
from grader.api import demos, groups, health, instructors, lms, lms_batch, practice, webhooks
from grader.api.browser_guard import BrowserGuard
from grader.api.guards import RequestGuard
from grader.api.problems import install_problem_handlers
from grader.api.redaction import install_redaction
from grader.config import Settings, get_settings
from grader.course import load_rubrics
from grader.demos.registry import DemoRunner, demo_ids
from grader.rubrics.loader import RubricSet
from grader.scorer_setup import build_scorer
from grader.scoring.scorer import Scorer
from grader.services.course import Course
from grader.services.learning import AdaptedModels
from grader.services.rubric_watch import RubricWatcher
from grader.services.slots import Slots
from grader.store.session import (
    database_problem,
    make_engine,
    make_sessions,
    settings_timeouts,
    upgrade,
)
from grader.web import install_pages

log = logging.getLogger(__name__)


def warm_up(scorer: Scorer, rubric_set: RubricSet) -> None:
    """Load the model and prepare every rubric, so that no request pays for either."""
    scorer.embedder.encode(["warm up"])
    for loaded in rubric_set.rubrics.values():
        scorer.prepare(loaded.rubric)
        scorer.grade(loaded.rubric, "warm up")


def create_app(settings: Settings | None = None, rubric_set: RubricSet | None = None) -> FastAPI:
    """Build the app; nothing is loaded until it starts (``rubric_set``: already loaded from
    the settings' folder, as `grader serve` has, so a start does not read it twice)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        install_redaction()  # after the server set up its logging: sign-in codes never logged
        app.state.settings = settings
        app.state.rubrics = rubric_set if rubric_set is not None else load_rubrics(settings)
        app.state.demos = DemoRunner(max_concurrent=settings.max_concurrent_demos)
        app.state.rubric_jobs = Slots(settings.max_concurrent_rubric_jobs, "rubric edits")
        scorer = build_scorer(settings)
        await run_in_threadpool(warm_up, scorer, app.state.rubrics)
        app.state.scorer = scorer
        app.state.adapted = AdaptedModels()
        if settings.database_url.startswith("sqlite"):
            upgrade(settings.database_url)  # the embedded database migrates itself on start
        engine = make_engine(settings.database_url, settings_timeouts(settings))
        app.state.sessions = make_sessions(engine)
        problem = await run_in_threadpool(database_problem, app.state.sessions)
        if problem is not None:  # said once, plainly; /health answers 503 until it works
            log.error("%s; serving anyway, with 503 for what needs the database", problem)
        app.state.course = Course(
            settings=settings, rubrics=app.state.rubrics, scorer=scorer,
            adapted=app.state.adapted, rubric_jobs=app.state.rubric_jobs,
            sessions=app.state.sessions,
        )  # fmt: skip
        watcher = RubricWatcher(
            settings.rubrics_dir, app.state.rubrics, scorer, set(demo_ids()),
            settings.max_rubric_bytes, settings.rubric_poll_s,
        )  # fmt: skip
        if settings.rubric_poll_s > 0:
            watcher.start()
        log.info("ready: %d rubrics, model %s", len(app.state.rubrics.rubrics),
                 scorer.embedder.model_id)  # fmt: skip
        yield
        watcher.stop()
        engine.dispose()

    # The API's docs (/docs, /redoc) from Swagger UI and ReDoc files packaged with
    # fastapi-offline: the service runs without internet, and so do its docs.
    app = FastAPIOffline(
        title="grader",
        version=__version__,
        lifespan=lifespan,
        description="Grades free-text answers against YAML rubrics. Every error is an RFC 9457 "
        "problem (application/problem+json).",
    )
    install_problem_handlers(app)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(BrowserGuard, public_url=settings.public_url)  # outermost: every response
    app.include_router(health.router)
    app.include_router(demos.router)
    app.include_router(practice.router)
    app.include_router(instructors.router)
    app.include_router(groups.router)
    app.include_router(webhooks.router)
    app.include_router(lms.router)
    app.include_router(lms_batch.router)
    install_pages(app)

    @app.get("/", include_in_schema=False)
    def front_door() -> RedirectResponse:
        """A browser opening the service's address lands on the pages."""
        return RedirectResponse("/app", status_code=307)

    return app
