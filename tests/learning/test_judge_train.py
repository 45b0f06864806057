"""Training the key-point judge, and serving it through ONNX Runtime as torch computes it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.learning.graded import GradedAnswer, reference_rubric
from grader.learning.judge_train import (
    Checkpoints,
    JudgePair,
    TorchJudge,
    _tokenize,
    batches,
    judge_pairs,
    save_judge,
    train_judge,
    unit_of,
)
from grader.learning.onnx_export import export_judge
from grader.scoring.embedder import bundled_model_path
from grader.scoring.judge import LOGIT_LIMIT, JudgeMissing, OnnxJudge


def _items(corpus: str, questions: int, answers: int) -> list[GradedAnswer]:
    out = []
    for q in range(questions):
        rubric = reference_rubric(
            f"{corpus} {q}", f"Question {q}?", f"reference {q}", [f"other {q}"]
        )
        out += [
            GradedAnswer(rubric, f"answer {q} {a}", a % 2, f"{corpus} {q}", corpus=corpus)
            for a in range(answers)
        ]
    return out


def test_pairs_are_capped_per_data_set_with_off_question_answers_as_grade_zero() -> None:
    pairs = judge_pairs(_items("asap", 4, 30) + _items("stita", 2, 3), per_corpus=40, seed=0)
    asap = [p for p in pairs if p.corpus == "asap"]
    assert len(asap) == 40 + 6  # 40 graded, 15% more answers to other questions
    assert all(p.point.endswith(" OR other " + p.point.split()[1]) for p in pairs)
    off = [p for p in asap if p.point.split()[1] != p.answer.split()[1]]
    assert off and all(p.share == 0.0 for p in off)
    assert sum(p.corpus == "stita" for p in pairs) == 6 + 0  # 6 answers; 15% of 6 rounds to 0


def test_sibling_data_sets_are_held_out_together() -> None:
    assert unit_of("beetle") == unit_of("sciEntsBank") == "semeval"
    assert unit_of("") == "mohler"
    assert unit_of("digiklausur") == unit_of("stita")


@pytest.fixture(scope="module")
def judge_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A judge trained for two steps on a few pairs: enough to export and compare."""
    pairs = judge_pairs(_items("mohler", 2, 8), per_corpus=16, seed=0)
    model, tokenizer = train_judge(
        bundled_model_path(), pairs, batch_size=8, progress=lambda _: None
    )
    folder = tmp_path_factory.mktemp("judge") / "judge"
    save_judge(model, tokenizer, folder)
    return folder


POINTS = ["Generative models", "Vanishing gradients", "A stack is last in, first out."]
ANSWERS = [
    "A generator that produces fake data.",
    "The gradient shrinks until it disappears over many steps of the sequence.",
    "push and pop at the same end",
]


def test_the_onnx_judge_gives_torchs_log_odds_whatever_runs_beside_it(
    judge_folder: Path, tmp_path: Path
) -> None:
    with pytest.raises(JudgeMissing):
        OnnxJudge(judge_folder, tmp_path).logits(POINTS, ANSWERS)
    export_judge(judge_folder, tmp_path)
    served = OnnxJudge(judge_folder, tmp_path)
    together = served.logits(POINTS, ANSWERS)
    alone = np.array([served.logits([p], [a])[0] for p, a in zip(POINTS, ANSWERS, strict=True)])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    np.testing.assert_allclose(
        together, TorchJudge(judge_folder).logits(POINTS, ANSWERS), atol=1e-3
    )
    assert np.all(np.abs(together) <= LOGIT_LIMIT)
    assert len(set(np.round(together, 4))) == 3  # it reads the texts


def test_generated_wrong_answers_join_the_pairs_as_grade_zero() -> None:
    items = _items("asap", 2, 4)
    plain = judge_pairs(items, per_corpus=None, seed=0, negatives=0.0)
    more = judge_pairs(items, per_corpus=None, seed=0, negatives=0.0, generated=True)
    extra = [p for p in more if p not in plain]
    assert len(plain) == 8 and extra
    assert all(p.share == 0.0 for p in extra)
    # Each reference denied, and the other question's reference (too short to swap or shuffle).
    assert {(p.point.split(" OR ")[0], p.answer) for p in extra} == {
        ("reference 0", "It is not true that reference 0"),
        ("reference 0", "reference 1"),
        ("reference 1", "It is not true that reference 1"),
        ("reference 1", "reference 0"),
    }


def test_each_step_takes_pairs_of_like_length_in_an_order_fixed_by_the_seed() -> None:
    pairs = [JudgePair("p", "x" * (n * 7 % 50), 0.0, "c") for n in range(200)]
    plan = batches(pairs, batch_size=10, epochs=2, seed=3)
    assert plan == batches(pairs, batch_size=10, epochs=2, seed=3)
    assert len(plan) == 40 and sorted(i for b in plan[:20] for i in b) == list(range(200))
    spread = [max(len(pairs[i].answer) for i in b) - min(len(pairs[i].answer) for i in b)
              for b in plan]  # fmt: skip
    assert np.mean(spread) < 10  # one padded length per batch, not the data's longest


class _Stop(Exception):
    pass


def test_an_interrupted_run_resumes_from_its_checkpoint_to_the_same_judge(
    tmp_path: Path,
) -> None:
    pairs = judge_pairs(_items("mohler", 2, 8), per_corpus=16, seed=0)
    settings = {"epochs": 1, "batch_size": 4, "progress": lambda _: None}
    whole, tokenizer = train_judge(bundled_model_path(), pairs, **settings)  # type: ignore[arg-type]

    def interrupt(model: object, tokenizer: object) -> dict[str, float]:
        raise _Stop

    checkpoints = Checkpoints(tmp_path / "run", every=2)
    with pytest.raises(_Stop):  # stopped at step 3, after the checkpoint of step 2
        train_judge(bundled_model_path(), pairs, checkpoints=checkpoints, evaluate=interrupt,
                    evaluate_every=3, **settings)  # type: ignore[arg-type]  # fmt: skip
    seen: list[str] = []
    resumed, _ = train_judge(bundled_model_path(), pairs, checkpoints=checkpoints,
                             **{**settings, "progress": seen.append})  # type: ignore[arg-type]  # fmt: skip
    assert "judge: resuming at step 2" in seen
    probe = _tokenize(tokenizer, POINTS, ANSWERS)
    np.testing.assert_allclose(
        resumed(**probe).logits.detach().numpy(), whole(**probe).logits.detach().numpy(), atol=1e-5
    )
