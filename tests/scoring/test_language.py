"""Answers the English model cannot read go to review with the reason; short English answers
are never called foreign (tests/data/languages.yaml, graded by the real model)."""

from __future__ import annotations

from typing import Any

import pytest
from ruamel.yaml import YAML

from grader.rubrics.schema import Rubric
from grader.scoring.language import unreadable
from grader.scoring.scorer import Scorer
from tests.conftest import REPO_ROOT

DATA = YAML(typ="safe").load((REPO_ROOT / "tests" / "data" / "languages.yaml").read_text())
UNREAD = "the grader cannot read this answer"


def _grade(scorer: Scorer, rubrics: dict[str, Rubric], item: dict[str, Any]) -> Any:
    return scorer.grade(rubrics[item["question"]], item["answer"])


def test_short_english_answers_are_never_called_foreign(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    """ "Overfitting and underfitting" was zeroed as "not recognisable English text"."""
    assert len(DATA["english"]) >= 30
    called = [
        item["answer"] for item in DATA["english"]
        if any(UNREAD in r or "English" in r for r in _grade(real_scorer, seed_rubrics, item).reasons)
    ]  # fmt: skip
    assert called == []


@pytest.mark.parametrize(
    "item", DATA["unreadable"], ids=lambda i: f"{i['kind']}:{i['answer'][:24]}"
)
def test_an_answer_the_model_cannot_read_goes_to_review_with_the_reason(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric], item: dict[str, Any]
) -> None:
    """A right answer in Spanish was 0/4 "incorrect" with no flag."""
    grade = _grade(real_scorer, seed_rubrics, item)
    assert grade.needs_review
    assert any(r.startswith(f"review: {UNREAD}: ") for r in grade.reasons), grade.reasons


def test_the_reasons_say_what_was_not_read() -> None:
    assert unreadable("Los gradientes que desaparecen y los gradientes que explotan.") == (
        "it reads as Spanish"
    )
    assert unreadable("梯度消失和梯度爆炸") == "it is written in another script"
    assert unreadable("def f(x):\n    return x ** 2") == "it looks like code"
    assert unreadable("∂E/∂W = Σ_t ∏ ∂h/∂h < 1") == "it is formulas or symbols only"
    # LaTeX's letters are its commands' names: read as what it writes, it is symbols.
    assert (
        unreadable(r"$\frac{\partial L}{\partial h_0} \to 0$") == "it is formulas or symbols only"
    )
    assert unreadable(r"The gradient $\frac{\partial L}{\partial h_0}$ shrinks with time") is None
    # Known English words: never doubted, whatever the identifier thinks of them.
    assert unreadable("To do one at a time.", known_share=1.0) is None
    assert unreadable("Gradient descent") is None  # too few words to judge a language


def test_a_provisional_grade_says_so_and_no_english_rule_reads_the_answer(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    """A Spanish sentence was told "A list of keywords is not an answer" (no Spanish word is
    an English function word), and the API's feedback never said the grade was provisional."""
    rubric = seed_rubrics["what-are-the-challenges-of-long-term-dependencies"]
    grade = real_scorer.grade(rubric, "Los gradientes se desvanecen o explotan.")
    assert grade.feedback.startswith(
        "The grader cannot read this answer (it reads as Spanish): these points are provisional"
    ), grade.feedback
    assert "keywords" not in grade.feedback
    assert not any("keywords" in r for r in grade.reasons), grade.reasons
    # The flag is the review's; nothing else calls the answer refused.
    assert [r for r in grade.reasons if not r.startswith("review:")] == []


def test_a_formula_in_latex_alone_goes_to_review(
    real_scorer: Scorer, seed_rubrics: dict[str, Rubric]
) -> None:
    """ "$\\frac{\\partial L}{\\partial h_0} \\to 0$" was 0 of 2, incorrect and not flagged."""
    rubric = seed_rubrics["what-are-the-challenges-of-long-term-dependencies"]
    grade = real_scorer.grade(rubric, r"$\frac{\partial L}{\partial h_0} \to 0$")
    assert grade.needs_review
    assert f"review: {UNREAD}: it is formulas or symbols only" in grade.reasons
