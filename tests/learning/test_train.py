"""The training loop really trains: cosines move toward the graded shares (real model, CPU)."""

from __future__ import annotations

from grader.learning.train import Pair, cosines, fine_tune, held_out_metrics
from grader.scoring.embedder import bundled_model_path


def test_a_few_steps_move_cosines_toward_the_grades() -> None:
    pairs = [
        Pair(
            "The stack pops the last pushed item.",
            "A stack is last in, first out.",
            1.0,
            "a",
            "mohler",
        ),
        Pair("A stack is a kind of queue.", "A stack is last in, first out.", 0.0, "a", "mohler"),
        Pair(
            "Heaps keep the smallest key at the root.",
            "The root holds the minimum.",
            1.0,
            "b",
            "mohler",
        ),
        Pair("Heaps are sorted arrays.", "The root holds the minimum.", 0.0, "b", "mohler"),
    ]
    untrained = fine_tune(bundled_model_path(), pairs, epochs=0, progress=lambda _: None)
    before = cosines(untrained, pairs)
    trained = fine_tune(
        bundled_model_path(), pairs, epochs=4, batch_size=4, learning_rate=5e-5,
        progress=lambda _: None,
    )  # fmt: skip
    after = cosines(trained, pairs)
    wrong = [1, 3]
    assert all(after[i] < before[i] for i in wrong)  # the wrong answers moved away
    assert (
        held_out_metrics(after, pairs)["mohler_pearson_r"]
        > held_out_metrics(before, pairs)["mohler_pearson_r"]
    )
