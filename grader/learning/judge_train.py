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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.learning.graded import GradedAnswer, in_turn, off_question
from grader.learning.judge_negatives import Reference, wrong_answers
from grader.learning.share_figures import metrics
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
    items: Sequence[GradedAnswer],
    per_corpus: int | None,
    seed: int = 0,
    negatives: float = 0.15,
    generated: bool = False,
) -> list[JudgePair]:
    """At most ``per_corpus`` graded pairs from each data set (sampled evenly over its
    questions; None: all of them), plus off-question answers as grade 0 (``negatives`` of that
    many) and, with ``generated``, wrong answers made from each question's reference
    (:mod:`grader.learning.judge_negatives`)."""
    rng = random.Random(seed)
    by_corpus: dict[str, list[GradedAnswer]] = {}
    for item in items:
        if item.answer.strip():
            by_corpus.setdefault(item.corpus or "mohler", []).append(item)
    pairs: list[JudgePair] = []
    for corpus, own in sorted(by_corpus.items()):
        chosen = in_turn(own, per_corpus or len(own), rng)
        extra = off_question(own, per_question=10, seed=seed)
        rng.shuffle(extra)
        chosen += extra[: int(negatives * len(chosen))]
        pairs.extend(JudgePair(point_text(i), i.answer, i.gold, corpus) for i in chosen)
        if generated:
            pairs.extend(_generated_pairs(own, corpus, seed))
    rng.shuffle(pairs)
    return pairs


def _generated_pairs(items: Sequence[GradedAnswer], corpus: str, seed: int) -> list[JudgePair]:
    points: dict[str, str] = {}
    references: dict[str, Reference] = {}
    for item in items:
        rubric = item.rubric
        if rubric.id not in references:
            points[rubric.id] = point_text(item)
            references[rubric.id] = Reference(rubric.id, rubric.criteria[0].text, corpus)
    return [
        JudgePair(points[reference.question], answer, 0.0, corpus)
        for reference, answer, _ in wrong_answers(list(references.values()), seed)
    ]


@dataclass(frozen=True)
class Checkpoints:
    """Where a training run keeps its state, and how often (in steps): a run that finds a
    checkpoint of the same pairs and settings goes on from it."""

    folder: Path
    every: int = 200


Evaluate = Callable[[Any, Any], dict[str, float]]  # (model, tokenizer) -> held-out figures


def batches(pairs: Sequence[JudgePair], batch_size: int, epochs: int, seed: int) -> list[list[int]]:
    """Every step's pairs (indices), for all epochs, fixed by the seed (so a resumed run takes
    the same steps). Each epoch is shuffled, then cut into runs of 50 batches whose pairs are
    sorted by length, so that a batch is padded to about its own pairs' length, not to the
    longest pair of the data; the batches are shuffled again."""
    out: list[list[int]] = []
    chunk = batch_size * 50
    for epoch in range(epochs):
        rng = random.Random(seed * 1000 + epoch)
        order = list(range(len(pairs)))
        rng.shuffle(order)
        epoch_batches = []
        for start in range(0, len(order), chunk):
            run = sorted(
                order[start : start + chunk],
                key=lambda i: len(pairs[i].point) + len(pairs[i].answer),
            )
            epoch_batches += [run[s : s + batch_size] for s in range(0, len(run), batch_size)]
        rng.shuffle(epoch_batches)
        out += epoch_batches
    return out


def train_judge(
    model_path: Path,
    pairs: Sequence[JudgePair],
    *,
    epochs: int = 1,
    batch_size: int = 16,
    learning_rate: float = 4e-5,
    seed: int = 0,
    progress: Callable[[str], None] = print,
    checkpoints: Checkpoints | None = None,
    evaluate: Evaluate | None = None,
    evaluate_every: int = 0,
    curve: list[dict[str, float]] | None = None,
    bar: bool = False,
) -> tuple[Any, Any]:
    """A cross-encoder (model, tokenizer) whose logit says "this answer makes this point".

    With ``checkpoints``, the state is saved every so many steps and a rerun resumes from it;
    with ``evaluate``, held-out figures are taken every ``evaluate_every`` steps and at the end
    and appended to ``curve`` (the learning curve: figures against pairs seen)."""
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
    plan = batches(pairs, batch_size, epochs, seed)
    steps = len(plan)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup)))
    )
    fingerprint = _run_fingerprint(pairs, batch_size, epochs, learning_rate, seed)
    step, resumed = _resume(checkpoints, fingerprint, model, optimizer, schedule, progress)
    history = curve if curve is not None else []  # the curve so far goes into every checkpoint
    history[:] = resumed
    meter = _bar(steps, step) if bar else None
    while step < steps:
        batch = [pairs[i] for i in plan[step]]
        inputs = _tokenize(tokenizer, [p.point for p in batch], [p.answer for p in batch])
        logits = model(**inputs).logits.squeeze(-1)
        target = torch.tensor([p.share for p in batch], dtype=logits.dtype)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
        loss.backward()  # type: ignore[no-untyped-call]
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        step += 1
        if meter is not None:
            meter.update(1)
            meter.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
        if step % 50 == 0 or step == steps:
            progress(f"judge: step {step}/{steps} loss {loss.item():.4f}")
        due = step == steps or (evaluate_every > 0 and step % evaluate_every == 0)
        if evaluate is not None and due:
            model.eval()
            point = {"step": step, "pairs_seen": step * batch_size, **evaluate(model, tokenizer)}
            model.train()
            history.append(point)
            progress(f"judge: held out at step {step}: {point}")
        if checkpoints is not None and (step % checkpoints.every == 0 or step == steps):
            _save_checkpoint(checkpoints, fingerprint, step, history, model, optimizer, schedule)
    if meter is not None:
        meter.close()
    model.eval()
    return model, tokenizer


def _bar(total: int, done: int) -> Any:
    import sys

    from tqdm import tqdm  # type: ignore[import-untyped]

    return tqdm(total=total, initial=done, unit="step", file=sys.stderr, mininterval=5.0)


def _run_fingerprint(
    pairs: Sequence[JudgePair], batch_size: int, epochs: int, learning_rate: float, seed: int
) -> str:
    import hashlib

    digest = hashlib.sha256(repr((batch_size, epochs, learning_rate, seed, MAX_TOKENS)).encode())
    for pair in pairs:
        digest.update(f"{pair.point}\0{pair.answer}\0{pair.share}\0".encode())
    return digest.hexdigest()


CHECKPOINT_FILE = "checkpoint.pt"


def _resume(
    checkpoints: Checkpoints | None,
    fingerprint: str,
    model: Any,
    optimizer: Any,
    schedule: Any,
    progress: Callable[[str], None],
) -> tuple[int, list[dict[str, float]]]:
    """The step to go on from (0 without a checkpoint of this run) and the curve so far."""
    import torch

    if checkpoints is None or not (checkpoints.folder / CHECKPOINT_FILE).exists():
        return 0, []
    state = torch.load(checkpoints.folder / CHECKPOINT_FILE, weights_only=False)
    if state.get("fingerprint") != fingerprint:
        progress(f"judge: {checkpoints.folder} holds another run's checkpoint: starting afresh")
        return 0, []
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    schedule.load_state_dict(state["schedule"])
    torch.set_rng_state(state["torch_rng"])
    progress(f"judge: resuming at step {state['step']}")
    return int(state["step"]), list(state["curve"])


def _save_checkpoint(
    checkpoints: Checkpoints,
    fingerprint: str,
    step: int,
    curve: list[dict[str, float]],
    model: Any,
    optimizer: Any,
    schedule: Any,
) -> None:
    """Written to a temporary file, then moved into place: an interruption mid-write leaves
    the last whole checkpoint."""
    import torch

    checkpoints.folder.mkdir(parents=True, exist_ok=True)
    target = checkpoints.folder / CHECKPOINT_FILE
    partial = target.with_suffix(".partial")
    torch.save(
        {
            "fingerprint": fingerprint,
            "step": step,
            "curve": curve,
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "schedule": schedule.state_dict(),
            "torch_rng": torch.get_rng_state(),
        },
        partial,
    )
    partial.replace(target)


def held_out_figures(items: Sequence[GradedAnswer]) -> Evaluate:
    """The learning curve's measure: on held-out graded answers, the judge's share (sigmoid
    of its logit) against the grades, as the judge benchmark measures a candidate
    (:func:`grader.learning.share_figures.metrics`)."""
    points = [point_text(i) for i in items]
    answers = [i.answer for i in items]
    gold = np.array([i.gold for i in items])

    def evaluate(model: Any, tokenizer: Any) -> dict[str, float]:
        share = 1.0 / (1.0 + np.exp(-judge_logits(model, tokenizer, points, answers)))
        return metrics(share, gold)

    return evaluate


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


@dataclass(frozen=True)
class JudgeTraining:
    """How the judges are trained (``grader train-judge``'s options)."""

    per_corpus: int | None = 8000  # graded pairs per data set (ASAP alone has 17,000)
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 4e-5
    seed: int = 0
    generated: bool = True  # wrong answers made from the references
    checkpoint_every: int = 200
    evaluate_every: int = 250
    evaluate_answers: int = 600  # held-out answers the learning curve is measured on
    bar: bool = True


def train_held_out(
    model_path: Path,
    items: Sequence[GradedAnswer],
    out_dir: Path,
    *,
    training: JudgeTraining | None = None,
    units: Sequence[str] | None = None,
    with_all: bool = True,
    progress: Callable[[str], None] = print,
) -> list[Path]:
    """One judge per held-out unit, trained on every other unit's answers only, and one
    trained on all of them (``all``): what the benchmark measures and what is shipped. Each
    run checkpoints into its folder and resumes there; a held-out unit's learning curve (its
    figures on a sample of its answers, which the run never trains on) goes to
    ``<unit>/curve.json``."""
    import json

    plan = training or JudgeTraining()
    written = []
    for unit in [*(units or HELD_OUT_UNITS), *(["all"] if with_all else [])]:
        train = [i for i in items if unit == "all" or unit_of(i.corpus) != unit]
        held = [
            i for i in items if unit != "all" and unit_of(i.corpus) == unit and i.answer.strip()
        ]
        pairs = judge_pairs(train, plan.per_corpus, plan.seed, generated=plan.generated)
        progress(f"judge: {unit}: {len(pairs)} training pairs, {plan.epochs} epochs")
        target = out_dir / unit
        curve: list[dict[str, float]] = []
        sample = in_turn(held, plan.evaluate_answers, random.Random(plan.seed))
        model, tokenizer = train_judge(
            model_path, pairs, epochs=plan.epochs, batch_size=plan.batch_size,
            learning_rate=plan.learning_rate, seed=plan.seed, progress=progress,
            checkpoints=Checkpoints(target / "training", plan.checkpoint_every),
            evaluate=held_out_figures(sample) if sample else None,
            evaluate_every=plan.evaluate_every, curve=curve, bar=plan.bar,
        )  # fmt: skip
        save_judge(model, tokenizer, target)
        if curve:
            (target / "curve.json").write_text(
                json.dumps({"unit": unit, "answers": len(sample), "training_pairs": len(pairs),
                            "plan": asdict(plan), "curve": curve}, indent=2) + "\n",
                encoding="utf-8",
            )  # fmt: skip
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
