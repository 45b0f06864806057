"""Adding a phrasing to a rubric file keeps the rest of the file as the instructor wrote it."""

from __future__ import annotations

import pytest

from grader.rubrics.edit import UnknownCriterion, add_phrasing
from grader.rubrics.loader import rubric_from_bytes
from tests.scoring.conftest import rubric_path

ATTENTION = "give-a-real-world-application-of-visual-attention"


def test_a_phrasing_is_added_once_and_comments_stay() -> None:
    path = rubric_path(ATTENTION)
    original = path.read_bytes()
    edited = add_phrasing(original, "google-street-view", "Medical imaging: tumour regions")
    assert edited.splitlines()[:3] == original.decode("utf-8").splitlines()[:3]
    loaded = rubric_from_bytes(edited.encode("utf-8"), path)
    assert not isinstance(loaded, list)
    assert loaded.rubric.criteria[0].phrasings == ["Medical imaging: tumour regions"]
    again = add_phrasing(
        edited.encode("utf-8"), "google-street-view", "Medical imaging: tumour regions"
    )
    assert again == edited


def test_an_unknown_criterion_is_refused() -> None:
    with pytest.raises(UnknownCriterion):
        add_phrasing(rubric_path(ATTENTION).read_bytes(), "nope", "x")
