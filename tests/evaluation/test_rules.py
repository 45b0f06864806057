"""`grader eval rules`: each hand rule switched off in turn, measured on the same answers."""

from __future__ import annotations

from typing import Any

from grader.evaluation.rules import ablation, verdicts
from grader.learning.graded import GradedAnswer, reference_rubric
from grader.scoring import rules
from grader.scoring.scorer import Scorer

RUBRIC = reference_rubric(
    "long", "What makes long-term dependencies hard to learn for an RNN?",
    "The gradients vanish or explode over many time steps.",
)  # fmt: skip
ANSWERS = [
    ("The gradients vanish or explode as they go back through many steps.", 1.0),
    ("The gradients never vanish and never explode.", 0.0),
    ("There are no vanishing or exploding gradients at all.", 0.0),
    ("Vanishing gradients.", 0.5),
    ("The network has too many parameters.", 0.0),
    ("Gradients get very small over time, or very large.", 1.0),
    ("I like pizza.", 0.0),
]


def test_each_rule_is_switched_off_in_turn_on_the_same_answers(real_scorer: Scorer) -> None:
    items = [GradedAnswer(RUBRIC, a, gold, "long", corpus="toy") for a, gold in ANSWERS]
    calls: list[bool] = []

    def ours() -> dict[str, Any]:
        calls.append(rules.on("denial"))
        return {"called": True}

    report = ablation(real_scorer, items, lambda i: i.corpus, ours, lambda _: None,
                      names=("denial", "opening-of"))  # fmt: skip
    assert report["answers"] == len(ANSWERS) and calls == [True, False, True]  # ours() as each ran
    denial = report["without"]["denial"]
    assert denial["answers_changed"] >= 1 and denial["sets_changed"] == ["toy"]
    # No comparison here: the rule about compared subjects changes nothing.
    assert report["without"]["opening-of"]["answers_changed"] == 0
    assert set(report["all_rules"]["held_out"]) == {"toy", "all"}
    assert verdicts(report)["opening-of"] == "changes no held-out answer"
    assert all(rules.on(name) for name in rules.RULES)


def test_a_rule_helps_when_its_absence_is_worse_and_hurts_when_better() -> None:
    def held(r: float, right: float, wrong: float) -> dict[str, Any]:
        figures = {"pearson_r": r, "right_under_half": right, "wrong_over_half": wrong}
        return {"all": figures}

    report = {
        "all_rules": {"held_out": held(0.5, 0.2, 0.2)},
        "without": {
            "a": {"answers_changed": 3, "held_out": held(0.45, 0.2, 0.25)},
            "b": {"answers_changed": 3, "held_out": held(0.55, 0.18, 0.2)},
            "c": {"answers_changed": 3, "held_out": held(0.55, 0.25, 0.2)},
            "d": {"answers_changed": 0, "held_out": held(0.5, 0.2, 0.2)},
            "e": {"answers_changed": 2, "held_out": held(0.501, 0.199, 0.2)},
        },
    }
    assert verdicts(report) == {
        "a": "helps", "b": "hurts", "c": "mixed", "d": "changes no held-out answer",
        "e": "no measurable effect",
    }  # fmt: skip
    # The key-point rubrics' figures count too: better there and worse on the public sets.
    report["all_rules"]["key_point_rubrics"] = {
        "pearson_r": 0.5, "right_under_half": 0.1, "wrong_over_half": 0.1,
    }  # fmt: skip
    report["without"]["a"]["key_point_rubrics"] = {
        "pearson_r": 0.6, "right_under_half": 0.1, "wrong_over_half": 0.1, "answers_changed": 5,
    }  # fmt: skip
    assert verdicts(report)["a"] == "mixed"
