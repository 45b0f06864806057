"""When the worked reference answer may be shown."""

from __future__ import annotations

from grader.tutor.reveal import reference_visible


def _visible(policy: str | None, *, key_hidden: bool = False, correct: bool = False,
             attempts: int = 1) -> bool:  # fmt: skip
    return reference_visible(
        policy,  # type: ignore[arg-type]
        key_hidden=key_hidden, answered_correctly=correct, attempts=attempts, after_attempts=3,
    )  # fmt: skip


def test_by_default_after_a_correct_answer_or_enough_tries() -> None:
    assert not _visible(None, attempts=0)
    assert not _visible(None, attempts=2)
    assert _visible(None, correct=True)
    assert _visible(None, attempts=3)


def test_by_default_never_when_the_key_is_hidden_and_always_or_never_when_the_rubric_says() -> None:
    assert not _visible(None, key_hidden=True, correct=True, attempts=9)
    assert _visible("always", key_hidden=True, attempts=0)
    assert not _visible("never", correct=True, attempts=9)
    assert _visible("after-trying", key_hidden=True, correct=True)
