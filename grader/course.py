"""The course the settings describe: its rubric set, checked against the demos that exist."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from grader.config import Settings
from grader.demos.registry import demo_ids
from grader.rubrics.loader import RubricSet, load_rubric_set


def load_rubrics(settings: Settings, paths: Iterable[Path] | None = None) -> RubricSet:
    """The rubrics under ``paths`` (default: the rubrics folder), validated as `check` does."""
    return load_rubric_set(
        list(paths) if paths is not None else [settings.rubrics_dir],
        known_demos=demo_ids(),
        max_bytes=settings.max_rubric_bytes,
    )
