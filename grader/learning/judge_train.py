"""Train the key-point judge: a small cross-encoder that reads a key point and an answer together.

A bi-encoder embeds the two texts apart and compares them afterwards, so "a generator that
produces fake data" and "generative models" meet only as two points in space. A cross-encoder
reads both in one pass (every word of the answer attends to every word of the key point) and
says how likely it is that the answer makes the point. It starts from the bundled
all-MiniLM-L6-v2's weights (six layers, the same tokenizer) with a fresh one-logit head, and
learns from public human-graded answers: the key point is the question's reference answer, the
target the share of the marks the answer got (a soft label), and answers to *other* questions
of the same data set are added as answers that make no point (share 0).

Plain CPU training (AdamW, linear decay, seeded): minutes on two cores, no GPU needed. Each data
set is capped and sampled evenly, so the largest one does not teach the others' graders' habits.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.learning.graded import GradedAnswer, in_turn, off_question
from grader.scoring.judge import point_text as judge_point_text

MAX_TOKENS = 128


@dataclass(frozen=True)
class JudgePair:
    point: str
    answer: str
    share: float
    corpus: str


def point_text(item: GradedAnswer) -> str:
    """The key point a graded answer was judged against: the reference, or its alternatives."""
    criterion = item.rubric.criteria[0]
    return judge_point_text([criterion.text, *criterion.phrasings])


def judge_pairs(
    items: Sequence[GradedAnswer], per_corpus: int, seed: int = 0, negatives: float = 0.15
) -> list[JudgePair]:
    """At most ``per_corpus`` graded pairs from each data set (sampled evenly over its
    questions), plus off-question answers as grade 0 (``negatives`` of that many)."""
    rng = random.Random(seed)
    by_corpus: dict[str, list[GradedAnswer]] = {}
    for item in items:
        if item.answer.strip():
            by_corpus.setdefault(item.corpus or "mohler", []).append(item)
    pairs: list[JudgePair] = []
    for corpus, own in sorted(by_corpus.items()):
        chosen = in_turn(own, per_corpus, rng)
        extra = off_question(own, per_question=10, seed=seed)
        rng.shuffle(extra)
        chosen += extra[: int(negatives * len(chosen))]
        pairs.extend(JudgePair(point_text(i), i.answer, i.gold, corpus) for i in chosen)
    rng.shuffle(pairs)
    return pairs


def train_judge(
    model_path: Path,
    pairs: Sequence[JudgePair],
    *,
    epochs: int = 1,
    batch_size: int = 16,
    learning_rate: float = 4e-5,
    seed: int = 0,
    progress: Callable[[str], None] = print,
) -> tuple[Any, Any]:
    """A cross-encoder (model, tokenizer) whose logit says "this answer makes this point"."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(os.cpu_count() or 1)
    tokenizer = AutoTokenizer.from_pretrained(str(model_path))
    model = AutoModelForSequenceClassification.from_pretrained(str(model_path), num_labels=1)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    steps = epochs * ((len(pairs) + batch_size - 1) // batch_size)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup)))
    )
    order = list(range(len(pairs)))
    step = 0
    for epoch in range(epochs):
        random.Random(seed + epoch).shuffle(order)
        for start in range(0, len(order), batch_size):
            batch = [pairs[i] for i in order[start : start + batch_size]]
            inputs = _tokenize(tokenizer, [p.point for p in batch], [p.answer for p in batch])
            logits = model(**inputs).logits.squeeze(-1)
            target = torch.tensor([p.share for p in batch], dtype=logits.dtype)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
            loss.backward()  # type: ignore[no-untyped-call]
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            if step % 50 == 0:
                progress(f"judge: step {step}/{steps} loss {loss.item():.4f}")
            step += 1
    model.eval()
    return model, tokenizer


def _tokenize(tokenizer: Any, points: list[str], answers: list[str]) -> Any:
    # The answer is cut first: the key point is what the judge must read whole.
    return tokenizer(
        points,
        answers,
        truncation="longest_first",
        max_length=MAX_TOKENS,
        padding=True,
        return_tensors="pt",
    )


def judge_logits(model: Any, tokenizer: Any, points: list[str], answers: list[str]) -> np.ndarray:
    """The trained judge's logit for each (point, answer) pair (torch; for training figures)."""
    import torch

    out = np.zeros(len(points))
    with torch.inference_mode():
        for start in range(0, len(points), 64):
            inputs = _tokenize(tokenizer, points[start : start + 64], answers[start : start + 64])
            out[start : start + 64] = model(**inputs).logits.squeeze(-1).numpy()
    return out


def save_judge(model: Any, tokenizer: Any, target: Path) -> None:
    """fp16 weights (half the size; the logits agree to three decimals) and the tokenizer."""
    target.mkdir(parents=True, exist_ok=True)
    model.half().save_pretrained(str(target), safe_serialization=True)
    model.float()
    tokenizer.save_pretrained(str(target))


# The units held out together: a data set (SemEval's two corpora come from one task, and the
# two smallest sets are held out at once, so no fold trains on a sibling of what it is tested on).
HELD_OUT_UNITS: dict[str, tuple[str, ...]] = {
    "mohler": ("mohler",),
    "semeval": ("beetle", "sciEntsBank"),
    "powergrading": ("powergrading",),
    "asap": ("asap",),
    "digiklausur+stita": ("digiklausur", "stita"),
}


def unit_of(corpus: str) -> str:
    """The held-out unit a data set belongs to."""
    for unit, corpora in HELD_OUT_UNITS.items():
        if (corpus or "mohler") in corpora:
            return unit
    return corpus


def train_held_out(
    model_path: Path,
    items: Sequence[GradedAnswer],
    out_dir: Path,
    *,
    per_corpus: int = 600,
    seed: int = 0,
    units: Sequence[str] | None = None,
    progress: Callable[[str], None] = print,
) -> list[Path]:
    """One judge per held-out unit, trained on every other unit's answers only, and one
    trained on all of them (``all``): what the benchmark measures and what is shipped."""
    written = []
    for unit in [*(units or HELD_OUT_UNITS), "all"]:
        train = [i for i in items if unit == "all" or unit_of(i.corpus) != unit]
        pairs = judge_pairs(train, per_corpus, seed)
        progress(f"judge: {unit}: {len(pairs)} training pairs")
        model, tokenizer = train_judge(model_path, pairs, seed=seed, progress=progress)
        target = out_dir / unit
        save_judge(model, tokenizer, target)
        written.append(target)
    return written


class TorchJudge:
    """A trained judge folder run with torch (for the benchmark's held-out folds; the service
    runs the shipped judge through ONNX Runtime, :class:`grader.scoring.judge.OnnxJudge`)."""

    def __init__(self, folder: Path) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        torch.set_num_threads(os.cpu_count() or 1)
        self.folder = folder
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self.model = AutoModelForSequenceClassification.from_pretrained(
            str(folder), dtype=torch.float32
        ).eval()

    @property
    def model_id(self) -> str:
        return f"judge-torch:{self.folder.name}"

    def logits(self, points: Sequence[str], answers: Sequence[str]) -> np.ndarray:
        from grader.scoring.judge import LOGIT_LIMIT

        raw = judge_logits(self.model, self.tokenizer, list(points), list(answers))
        return np.asarray(np.clip(raw, -LOGIT_LIMIT, LOGIT_LIMIT), dtype=np.float64)
