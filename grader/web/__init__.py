"""The web pages: server-rendered (Jinja2) with htmx partials, under ``/app``."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from grader.web import demos, instructor, sign_in, student
from grader.web.pages import STATIC, install_page_handlers


def install_pages(app: FastAPI) -> None:
    """Mount the pages, their static files (vendored: the service runs offline) and their
    answers to "sign in first" and "not for you"."""
    install_page_handlers(app)
    app.mount("/app/static", StaticFiles(directory=STATIC), name="static")
    for module in (sign_in, student, instructor, demos):
        app.include_router(module.router)
