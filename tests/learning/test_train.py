"""The training loop really trains: cosines move toward the graded shares (real model, CPU)."""

from __future__ import annotations

import json
from pathlib import Path

from grader.learning.train import (
    Pair,
    cosines,
    fine_tune,
    held_out_metrics,
    record_training,
)
from grader.scoring.embedder import TRAINING_FILE, bundled_model_path
from grader.scoring.onnx_embedder import OnnxEmbedder


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


def test_a_model_retrained_at_the_same_path_is_served_as_a_new_model(tmp_path: Path) -> None:
    """Weights of the same size at the same path: the record `grader train` writes beside them
    gives the model a new id and a new export folder, so the old export is never served."""
    folder = tmp_path / "trained-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}", encoding="utf-8")
    (folder / "model.safetensors").write_bytes(b"a" * 64)
    record_training(folder, {"epochs": 1})
    first = OnnxEmbedder(folder, tmp_path / "onnx")
    (folder / "model.safetensors").write_bytes(b"b" * 64)  # retrained: same size
    assert OnnxEmbedder(folder, tmp_path / "onnx").model_id == first.model_id  # sizes alone
    record_training(folder, {"epochs": 1})
    again = OnnxEmbedder(folder, tmp_path / "onnx")
    assert again.model_id != first.model_id and again.folder != first.folder
    assert json.loads((folder / TRAINING_FILE).read_text())["epochs"] == 1
