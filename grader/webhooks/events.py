"""Event payloads: `attempt.graded`, `attempt.overridden`, `attempt.regraded`.

`data.score` is shaped like an LTI 1.3 Assignment and Grade Services score, so LMS glue can pass
it on as it is.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

EVENT_TYPES = ("attempt.graded", "attempt.overridden", "attempt.regraded")
_MAX_COMMENT = 1000


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def attempt_event(
    event_type: str,
    *,
    attempt: dict[str, Any],
    student: dict[str, Any],
    question: dict[str, Any],
    feedback: str,
    now: datetime,
) -> dict[str, Any]:
    """The event body. ``attempt`` holds id, points (final), max_points, verdict, needs_review,
    overridden and created_at; ``student`` id, name, lms_user_id; ``question`` id, prompt, topic."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type}")
    pending = attempt["needs_review"] and not attempt["overridden"]
    return {
        "type": event_type,
        "timestamp": now.isoformat(),
        "data": {
            "attempt": attempt,
            "student": student,
            "question": question,
            "points": attempt["points"],
            "score": {
                "userId": student["lms_user_id"] or f"grader:{student['id']}",
                "scoreGiven": attempt["points"],
                "scoreMaximum": attempt["max_points"],
                "comment": feedback[:_MAX_COMMENT],
                "timestamp": now.isoformat(),
                "activityProgress": "Completed",
                "gradingProgress": "PendingManual" if pending else "FullyGraded",
            },
        },
    }
