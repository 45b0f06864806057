"""Evidence marked in the student's own answer."""

from __future__ import annotations

from grader.web.highlight import highlight


def _marked(answer: str, evidence: list[tuple[int, str | None]]) -> list[tuple[str, list[int]]]:
    return [(s.text, s.marks) for s in highlight(answer, evidence)]


def test_evidence_is_marked_where_it_is_and_the_rest_is_plain() -> None:
    answer = "Gradients vanish. They can also explode in deep nets."
    assert _marked(answer, [(1, "Gradients vanish"), (2, "They can also explode")]) == [
        ("Gradients vanish", [1]),
        (". ", []),
        ("They can also explode", [2]),
        (" in deep nets.", []),
    ]


def test_evidence_differing_in_case_and_spacing_is_still_found() -> None:
    answer = "the  Reservoir is\nfixed"
    assert _marked(answer, [(3, "The reservoir is fixed")]) == [("the  Reservoir is\nfixed", [3])]


def test_overlapping_evidence_carries_both_numbers_and_missing_evidence_marks_nothing() -> None:
    answer = "A CNN sees grids while an RNN sees sequences"
    marked = _marked(
        answer, [(1, answer), (2, "an RNN sees sequences"), (3, "not there"), (4, None)]
    )
    assert marked == [("A CNN sees grids while ", [1]), ("an RNN sees sequences", [1, 2])]
    assert "".join(text for text, _ in marked) == answer
