"""The hand rules switch off one at a time for `grader eval rules`, and only there."""

from __future__ import annotations

import pytest

from grader.learning.graded import reference_rubric
from grader.rubrics.schema import Rubric
from grader.scoring import rules
from grader.scoring.scorer import Scorer
from grader.scoring.text import split_units, subject_pattern

CLAUSES = "The network was trained on images and tested on new photos"


def test_every_rule_is_on_outside_an_evaluation_and_unknown_names_are_refused() -> None:
    assert all(rules.on(name) for name in rules.RULES)
    with pytest.raises(ValueError, match="unknown rule"), rules.switched_off("no-such-rule"):
        pass
    with rules.switched_off("clauses", "denial"):
        assert not rules.on("clauses") and not rules.on("denial") and rules.on("opening-of")
    assert all(rules.on(name) for name in rules.RULES)


def test_text_rules_switch_off() -> None:
    assert "tested on new photos" in split_units(CLAUSES)
    with rules.switched_off("clauses"):
        assert split_units(CLAUSES) == [CLAUSES]
    assert subject_pattern("RNN").search("a recurrent neural network")
    with rules.switched_off("acronym-expansion"):
        assert not subject_pattern("RNN").search("a recurrent neural network")
        assert subject_pattern("RNN").search("two RNNs")


def test_without_the_denial_rule_a_denial_is_credited(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    rubric = seed_rubrics["what-are-the-challenges-of-long-term-dependencies"]
    denial = "There are no vanishing gradients in these networks."
    with_rule = real_scorer.grade(rubric, denial)
    vanishing = next(c for c in with_rule.criteria if c.id == "vanishing-gradients")
    assert vanishing.note == "negated" and vanishing.credit == 0
    with rules.switched_off("denial"):
        without = real_scorer.grade(rubric, denial)
    vanishing = next(c for c in without.criteria if c.id == "vanishing-gradients")
    assert vanishing.note != "negated" and vanishing.credit > 0
    # The denial of a short point does not hang on the half for long points.
    with rules.switched_off("denial-of-long-points"):
        kept = real_scorer.grade(rubric, denial)
    assert next(c for c in kept.criteria if c.id == "vanishing-gradients").note == "negated"


def test_the_denial_of_a_long_point_switches_off_on_its_own(real_scorer: Scorer) -> None:
    rubric = reference_rubric(
        "copies", "What is the main advantage of passing function arguments by reference?",
        "It avoids making copies of large data structures when calling functions.",
    )  # fmt: skip
    copied = "It does not avoid making copies of large data structures when calling functions."
    assert real_scorer.grade(rubric, copied).criteria[0].note == "negated"
    with rules.switched_off("denial-of-long-points"):
        assert real_scorer.grade(rubric, copied).criteria[0].note != "negated"
