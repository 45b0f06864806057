"""When a student may see a question's worked reference answer."""

from __future__ import annotations

from typing import Literal

ReferenceShown = Literal["always", "after-trying", "never"]


def reference_visible(
    policy: ReferenceShown | None,
    *,
    key_hidden: bool,
    answered_correctly: bool,
    attempts: int,
    after_attempts: int,
) -> bool:
    """``policy`` unset means 'after-trying', or 'never' where the grade's feedback hides the
    answer key (``feedback_shown`` hints or points: the reference answer is the key).
    'after-trying': after a correct answer, or once the student has tried ``after_attempts``
    times (seeing it beats guessing forever)."""
    if policy is None:
        policy = "never" if key_hidden else "after-trying"
    if policy == "always":
        return True
    if policy == "never":
        return False
    return answered_correctly or attempts >= after_attempts
