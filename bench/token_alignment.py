"""Is token-level alignment (BERTScore-style recall) worth building into the scorer? Measured on
the public sets the shipped calibration never saw, before any plumbing (issue 32, item 3).

    .venv/bin/python bench/token_alignment.py [--json-out FILE]

For the judge benchmark's sample of Powergrading, ASAP-SAS, DigiKlausur and STITA (`grader data
fetch`), per answer: the cosine of the answer's and the reference's sentence embeddings; the
recall of the reference's tokens in the answer (each reference token's best cosine to an answer
token, from all-MiniLM-L6-v2's last layer, averaged, plain and weighted by each token's inverse
document frequency over that set's answers: no grade is read); and the shipped scorer's share.
Reported per set: Pearson r of each with the gold share; and, leave one set out, a linear blend
of the shipped share with the recall fitted on the other three sets (each set weighing the
same), against the shipped share refitted alone the same way. Evaluation only: it runs the
model in torch (sentence-transformers), which the service does not.
"""

from __future__ import annotations

import argparse
import collections
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.cli.grading import DEFAULT_DATA_DIR, PUBLIC_DATA_DIR, judge_items
from grader.config import get_settings
from grader.evaluation.judge_bench import CALIBRATION_SETS, dataset_of, sample
from grader.evaluation.report import emit
from grader.evaluation.rules import shares
from grader.learning.share_figures import metrics
from grader.scorer_setup import build_scorer
from grader.scoring.embedder import bundled_model_path


def token_vectors(model: Any, texts: list[str]) -> list[np.ndarray]:
    """Each text's normalised last-layer token vectors, without [CLS] and [SEP]."""
    found = model.encode(texts, output_value="token_embeddings", batch_size=64)
    vectors = []
    for text, rows in zip(texts, found, strict=True):
        count = len(model.tokenizer(text, truncation=True, max_length=256)["input_ids"])
        rows = rows.numpy()[1 : count - 1]
        vectors.append(rows / np.linalg.norm(rows, axis=1, keepdims=True))
    return vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    from scipy.stats import pearsonr
    from sentence_transformers import SentenceTransformer
    from sklearn.linear_model import LinearRegression

    chosen = sample(judge_items(DEFAULT_DATA_DIR, PUBLIC_DATA_DIR), 100, 1000)
    items = [item for item in chosen if dataset_of(item) not in CALIBRATION_SETS]
    sets = np.array([dataset_of(item) for item in items])
    gold = np.array([item.gold for item in items])
    model = SentenceTransformer(str(bundled_model_path()), device="cpu")
    tokenizer = model.tokenizer
    answers = [item.answer for item in items]
    references = sorted({item.rubric.reference_answer for item in items})
    answer_tokens = token_vectors(model, answers)
    reference_tokens = dict(zip(references, token_vectors(model, references), strict=True))
    reference_ids = {
        r: tokenizer(r, truncation=True, max_length=256)["input_ids"][1:-1] for r in references
    }
    sentence = model.encode(answers + references, batch_size=64, normalize_embeddings=True)
    reference_vector = dict(zip(references, sentence[len(answers) :], strict=True))
    documents: dict[str, collections.Counter[int]] = {}
    for name, answer in zip(sets, answers, strict=True):
        documents.setdefault(name, collections.Counter()).update(
            set(tokenizer(answer)["input_ids"])
        )
    counts = collections.Counter(sets)
    cosine, recall, recall_idf = [], [], []
    for index, item in enumerate(items):
        reference = item.rubric.reference_answer
        cosine.append(float(sentence[index] @ reference_vector[reference]))
        if not len(answer_tokens[index]):
            recall.append(0.0)
            recall_idf.append(0.0)
            continue
        best = (reference_tokens[reference] @ answer_tokens[index].T).max(axis=1)
        frequency, total = documents[sets[index]], counts[sets[index]]
        weights = np.array(
            [math.log((total + 1) / (frequency[t] + 1)) for t in reference_ids[reference]]
        )
        recall.append(float(best.mean()))
        recall_idf.append(float((best * weights).sum() / max(weights.sum(), 1e-9)))
    scorer = build_scorer(get_settings())
    scorer.judge = None
    shipped = shares(scorer, items)
    signals = {
        "cosine": np.array(cosine),
        "recall": np.array(recall),
        "recall_idf": np.array(recall_idf),
        "shipped": shipped,
    }
    report: dict[str, Any] = {"correlation_with_gold": {}, "blend_leave_one_set_out": {}}
    for name in sorted(set(sets)):
        own = sets == name
        report["correlation_with_gold"][name] = {
            k: round(float(pearsonr(v[own], gold[own])[0]), 3) for k, v in signals.items()
        }
    weights_per_row = np.array([1.0 / counts[name] for name in sets])
    blends = {"shipped refitted": ["shipped"], "shipped + recall_idf": ["shipped", "recall_idf"]}
    predicted = {label: np.zeros(len(items)) for label in blends}
    for name in sorted(set(sets)):
        test = sets == name
        for label, columns in blends.items():
            features = np.column_stack([signals[c] for c in columns])
            fitted = LinearRegression().fit(
                features[~test], gold[~test], sample_weight=weights_per_row[~test]
            )
            predicted[label][test] = np.clip(fitted.predict(features[test]), 0, 1)
    for name in sorted(set(sets)):
        own = sets == name
        report["blend_leave_one_set_out"][name] = {
            "shipped": metrics(shipped[own], gold[own]),
            **{label: metrics(p[own], gold[own]) for label, p in predicted.items()},
        }
    emit(report, args.json_out)


if __name__ == "__main__":
    main()
