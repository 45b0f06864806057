"""Fine-tune the sentence-embedding model on graded answers, and measure it on unseen questions.

The training signal is the one the scorer uses: the cosine between a student's answer and the
question's reference answer should follow the share of the marks the answer got (SemEval's
2-way labels as 0/1, Mohler's 0..5 as a share). A plain CPU training loop (AdamW, mean squared
error on the cosine), seeded, one epoch by default: minutes on two cores, no GPU needed.

Evaluation holds out whole questions (Mohler's assignments, SemEval's questions) in grouped
folds: each fold's model is trained on the other folds only and measured on its own, against
the untrained model on the same answers.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.learning.graded import GradedAnswer
from grader.scoring.embedder import TRAINING_FILE, WEIGHT_FILES


@dataclass(frozen=True)
class Pair:
    answer: str
    reference: str
    share: float
    group: str
    corpus: str


def pairs_of(items: Sequence[GradedAnswer]) -> list[Pair]:
    """One (answer, reference, share) pair per graded answer; the reference is criterion 0."""
    return [
        Pair(i.answer, i.rubric.criteria[0].text, i.gold, i.group, i.corpus or "mohler")
        for i in items
        if i.answer.strip()
    ]


def fine_tune(
    model_path: Path,
    pairs: Sequence[Pair],
    *,
    epochs: int = 1,
    batch_size: int = 32,
    learning_rate: float = 2e-5,
    seed: int = 0,
    progress: Callable[[str], None] = print,
) -> Any:
    """A SentenceTransformer trained so that cosine(answer, reference) tracks the share."""
    import torch
    import torch.nn.functional as functional
    from sentence_transformers import SentenceTransformer

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(os.cpu_count() or 1)
    model = SentenceTransformer(str(model_path), device="cpu")
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    order = list(range(len(pairs)))
    steps = (len(order) + batch_size - 1) // batch_size
    for epoch in range(epochs):
        random.Random(seed + epoch).shuffle(order)
        for step, start in enumerate(range(0, len(order), batch_size)):
            batch = [pairs[i] for i in order[start : start + batch_size]]
            answers = model(model.preprocess([p.answer for p in batch]))["sentence_embedding"]
            references = model(model.preprocess([p.reference for p in batch]))["sentence_embedding"]
            cosine = functional.cosine_similarity(answers, references)
            target = torch.tensor([p.share for p in batch], dtype=cosine.dtype)
            loss = functional.mse_loss(cosine, target)
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            optimizer.zero_grad()
            if step % 50 == 0:
                progress(f"train: epoch {epoch + 1} step {step}/{steps} loss {loss.item():.4f}")
    model.eval()
    return model


def cosines(model: Any, pairs: Sequence[Pair]) -> np.ndarray:
    """cosine(answer, reference) per pair (normalised embeddings)."""
    answers = model.encode([p.answer for p in pairs], normalize_embeddings=True, batch_size=64)
    references = model.encode(
        [p.reference for p in pairs], normalize_embeddings=True, batch_size=64
    )
    return np.asarray(np.sum(answers * references, axis=1), dtype=np.float64)


def held_out_metrics(cosine: np.ndarray, pairs: Sequence[Pair]) -> dict[str, float]:
    """Mohler: Pearson r of the cosine with the grade; SemEval: ROC AUC of the 2-way label."""
    from scipy.stats import pearsonr
    from sklearn.metrics import roc_auc_score

    share = np.array([p.share for p in pairs])
    mohler = np.array([p.corpus == "mohler" for p in pairs])
    result: dict[str, float] = {}
    if mohler.sum() > 2:
        result["mohler_pearson_r"] = round(float(pearsonr(cosine[mohler], share[mohler])[0]), 4)
    semeval = ~mohler
    if semeval.sum() > 2 and len(set(share[semeval] > 0.5)) == 2:
        result["semeval_auc"] = round(
            float(roc_auc_score(share[semeval] > 0.5, cosine[semeval])), 4
        )
    return result


def evaluate_training(
    model_path: Path,
    pairs: Sequence[Pair],
    folds: int = 3,
    epochs: int = 1,
    seed: int = 0,
    progress: Callable[[str], None] = print,
    max_pairs: int | None = None,
) -> dict[str, Any]:
    """Grouped folds: each fold's answers are measured with a model never trained on them.

    ``max_pairs`` trains each fold on a seeded sample of its training pairs (a quicker check).
    """
    from sentence_transformers import SentenceTransformer

    groups = sorted({p.group for p in pairs})
    random.Random(seed).shuffle(groups)
    fold_of = {group: index % folds for index, group in enumerate(groups)}
    untrained = SentenceTransformer(str(model_path), device="cpu")
    before = np.zeros(len(pairs))
    after = np.zeros(len(pairs))
    for fold in range(folds):
        test = [i for i, p in enumerate(pairs) if fold_of[p.group] == fold]
        train = [p for p in pairs if fold_of[p.group] != fold]
        if max_pairs is not None and len(train) > max_pairs:
            train = random.Random(seed + fold).sample(train, max_pairs)
        progress(
            f"train: fold {fold + 1}/{folds}: {len(train)} pairs to train, {len(test)} held out"
        )
        model = fine_tune(model_path, train, epochs=epochs, seed=seed, progress=progress)
        held = [pairs[i] for i in test]
        before[test] = cosines(untrained, held)
        after[test] = cosines(model, held)
    return {
        "split": f"{folds} folds of whole questions (Mohler assignments, SemEval questions)",
        "epochs": epochs,
        "training_pairs_per_fold": max_pairs or "all",
        "untrained": held_out_metrics(before, pairs),
        "trained": held_out_metrics(after, pairs),
    }


def record_training(folder: Path, details: dict[str, Any]) -> None:
    """Write what trained the model in ``folder``, with its weights' hash, beside it.

    The model's id (and with it its ONNX export, the embedding cache and the calibration
    check) follows its folder's fingerprint, which reads the weights' size, not their bytes:
    two trainings write weights of the same size, so without this a retrained model at the
    same path kept the first one's export and id, and was silently never served."""
    digest = hashlib.sha256()
    for name in WEIGHT_FILES:
        if (folder / name).exists():
            with (folder / name).open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
    record = {**details, "weights_sha256": digest.hexdigest()}
    (folder / TRAINING_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
