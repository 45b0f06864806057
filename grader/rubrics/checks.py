"""Consistency checks across a rubric's fields, each naming the field it is about."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from grader.rubrics.schema import Rubric

Loc = tuple[str | int, ...]

_POINTS_TOLERANCE = 1e-6


@dataclass(frozen=True)
class FieldProblem:
    """A problem with one field of a rubric; ``loc`` is its path, as pydantic writes it."""

    loc: Loc
    message: str


def check_rubric(rubric: Rubric, known_demos: Collection[str] | None = None) -> list[FieldProblem]:
    """Return every consistency problem of ``rubric`` (empty when it is sound).

    Args:
        rubric: a rubric that already passed schema validation.
        known_demos: ids of the demos that exist; ``None`` skips the demo check.
    """
    problems: list[FieldProblem] = []
    criterion_ids = _check_unique(rubric.criteria, "criteria", problems)
    _check_unique(rubric.misconceptions, "misconceptions", problems)

    for index, criterion in enumerate(rubric.criteria):
        subjects = [claim.subject.casefold() for claim in criterion.contrast]
        if len(subjects) == 1:
            problems.append(
                FieldProblem(
                    ("criteria", index, "contrast"), "a contrast needs two or more subjects"
                )
            )
        elif len(set(subjects)) != len(subjects):
            problems.append(
                FieldProblem(("criteria", index, "contrast"), "contrast subjects must differ")
            )

    for index, misconception in enumerate(rubric.misconceptions):
        if misconception.criterion is not None and misconception.criterion not in criterion_ids:
            problems.append(
                FieldProblem(
                    ("misconceptions", index, "criterion"),
                    f"no criterion with id '{misconception.criterion}'",
                )
            )

    select = rubric.select
    if select is not None:
        for index, criterion_id in enumerate(select.of):
            if criterion_id not in criterion_ids:
                problems.append(
                    FieldProblem(("select", "of", index), f"no criterion with id '{criterion_id}'")
                )
        if len(set(select.of)) != len(select.of):
            problems.append(FieldProblem(("select", "of"), "lists a criterion more than once"))
        pool = len(set(select.of)) if select.of else len(rubric.criteria)
        if select.any > pool:
            problems.append(
                FieldProblem(
                    ("select", "any"),
                    f"asks for any {select.any} but only {pool} criteria can be chosen",
                )
            )

    achievable = rubric.achievable_points()
    if not problems and abs(achievable - rubric.max_points) > _POINTS_TOLERANCE:
        problems.append(
            FieldProblem(
                ("max_points",),
                f"is {rubric.max_points:g} but the criteria add up to {achievable:g}"
                + (" (with the select rule)" if select else ""),
            )
        )

    # A step wider than the question rounds every grade to 0 or the maximum without saying so;
    # all-or-nothing is a step equal to the maximum.
    step = rubric.points_step
    if step is not None and step > rubric.max_points + _POINTS_TOLERANCE:
        problems.append(
            FieldProblem(
                ("points_step",),
                f"is {step:g}, more than the question's {rubric.max_points:g} points "
                f"(a step of {rubric.max_points:g} grades all or nothing)",
            )
        )

    if known_demos is not None and rubric.demo and rubric.demo not in known_demos:
        known = ", ".join(sorted(known_demos)) or "none yet"
        problems.append(FieldProblem(("demo",), f"unknown demo '{rubric.demo}' (known: {known})"))
    return problems


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


def _check_unique(items: Sequence[_HasId], field: str, problems: list[FieldProblem]) -> set[str]:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.id in seen:
            problems.append(FieldProblem((field, index, "id"), f"duplicate id '{item.id}'"))
        seen.add(item.id)
    return seen
