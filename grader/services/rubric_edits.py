"""Instructors change a rubric while the service runs: validated as `grader rubrics check`,
embedded before it goes live (no student's request pays for it), written atomically, in force
at once. An invalid edit raises :class:`RubricInvalid` and the rubric in force stays."""

from __future__ import annotations

from grader.demos.registry import demo_ids
from grader.errors import InvalidInput, RubricInvalid
from grader.rubrics.edit import UnknownCriterion, add_phrasing
from grader.rubrics.loader import LoadedRubric, rubric_from_bytes
from grader.rubrics.regenerate import write_atomic
from grader.services.course import Course
from grader.services.priority import at_low_priority, in_low_priority_process


def replace_rubric(course: Course, question_id: str, data: bytes) -> LoadedRubric:
    """Replace the question's rubric with ``data`` (YAML). Slow (parsing and embedding): call
    it on a worker thread; it takes a rubric-jobs slot (``Busy`` when none is free)."""
    current = course.question(question_id)
    limit = course.settings.max_rubric_bytes
    if len(data) > limit:
        raise InvalidInput("rubric", f"over {limit} bytes")
    with course.rubric_jobs.take():
        # Parse and check in a helper process, embed on a thread, both below the students'
        # grading (services.priority).
        loaded = in_low_priority_process(
            rubric_from_bytes, data, current.path, frozenset(demo_ids())
        )
        if isinstance(loaded, list):
            raise RubricInvalid(loaded)
        at_low_priority(lambda: course.scorer.prepare(loaded.rubric))
        _go_live(course, question_id, loaded, data.decode("utf-8"))
    return loaded


def add_answer_as_phrasing(
    course: Course, question_id: str, criterion_id: str, answer: str
) -> None:
    """Add ``answer`` as a phrasing of a criterion: validated, embedded, written, live.
    The caller holds a rubric-jobs slot."""
    loaded = course.question(question_id)
    try:
        text = add_phrasing(loaded.path.read_bytes(), criterion_id, " ".join(answer.split()))
    except UnknownCriterion as error:
        raise InvalidInput(
            "add_as_phrasing_of", f"no criterion '{criterion_id}' in {question_id}"
        ) from error
    edited = rubric_from_bytes(text.encode("utf-8"), loaded.path, known_demos=demo_ids())
    if isinstance(edited, list):
        raise RubricInvalid(edited)
    _go_live(course, question_id, edited, text)


def _go_live(course: Course, question_id: str, loaded: LoadedRubric, text: str) -> None:
    course.scorer.prepare(loaded.rubric)
    write_atomic(loaded.path, text)
    # Copy, change, swap: a request iterating the rubrics meanwhile keeps a whole set.
    rubrics = dict(course.rubrics.rubrics)
    rubrics[question_id] = loaded
    course.rubrics.rubrics = rubrics
