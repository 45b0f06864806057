"""The gradebook as a CSV file a spreadsheet opens as it is: one row per student and question
(their latest attempt; every attempt on request), with the points as shown and sent to the LMS,
who graded them and when."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from grader.rubrics.points import format_points, in_steps
from grader.services.course import Course
from grader.store import review
from grader.store.session import Session

COLUMNS = (
    "student", "lms_user_id", "question_id", "points", "max_points", "points_exact",
    "graded_by", "graded_at_utc", "attempt_id", "answered_at_utc",
)  # fmt: skip
# A cell a spreadsheet would run as a formula ("=HYPERLINK(...)" as a student's name from an
# LMS) is written as text: OWASP's rule, a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def gradebook_csv(course: Course, session: Session, *, every_attempt: bool = False) -> str:
    """The CSV text, with a byte-order mark so that spreadsheets read it as UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for attempt, student in review.gradebook(session, latest_only=not every_attempt):
        loaded = course.rubrics.rubrics.get(attempt.question_id)
        step = course.points_step(loaded.rubric) if loaded else course.settings.points_step
        overridden = attempt.override_points is not None
        graded_at = attempt.overridden_at if overridden else attempt.created_at
        writer.writerow(
            [
                _text(student.shown_name),
                _text(student.lms_user_id or ""),
                _text(attempt.question_id),
                format_points(in_steps(attempt.final_points, step, attempt.max_points)),
                format_points(attempt.max_points),
                format_points(attempt.final_points),
                _text(attempt.override_by or "instructor") if overridden else "machine",
                _when(graded_at),
                attempt.id,
                _when(attempt.created_at),
            ]
        )
    return out.getvalue()


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def _when(moment: datetime | None) -> str:
    """ISO 8601 in UTC to the second: what spreadsheets parse as a date and time."""
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment is not None else ""
