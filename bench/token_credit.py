"""Does token-level recall help as a credit-model signal, per key point, on held-out data sets?
(issue 32, item 3: the step after ``bench/token_alignment.py``, measured before any plumbing.)

    .venv/bin/python bench/token_credit.py [--json-out FILE]

The judge benchmark's sample and folds (``grader eval judge``: the same cache), and per answer
the recall of the key point's tokens in the answer's part that the credit model reads for it
(each key-point token's best cosine to a token of the part, all-MiniLM-L6-v2's last layer):
over every token, and over the key point's content tokens only (stopwords, punctuation and the
question's own words left out). No grade and no corpus statistic is read to compute it, so the
service could compute it per answer.

Two comparisons, each credit model fitted as ``grader calibrate`` fits it:

- leave one data set out over all seven public sets (the judge benchmark's *features*
  candidate), with and without a recall column;
- the shipped recipe: fitted on the sets the shipped calibration is fitted on (Mohler and
  SemEval train), measured on the four it never saw.

Also measured: precision (the part's content tokens found in the point, BERTScore's other
half) beside content recall, and their F1 instead of it.

First measured on 2026-12-06 before token recall was built in (``docs/token-credit.json``);
since then the shipped credit model reads it (``token_recall``) and ``grader eval judge``
measures it. The token vectors and the content-token recall are the scorer's own (the served
ONNX graph, :func:`grader.scoring.token_recall.recall`); the five other signals are the rows the
judge benchmark analysed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.judge_folds import judge_folds
from grader.evaluation.fit import Floats
from grader.evaluation.judge_bench import Rows, compare_signals
from grader.evaluation.report import emit
from grader.scoring.embedder import TokenEmbedder, token_embedder
from grader.scoring.features import CREDIT_FEATURES, TOKEN_FEATURE
from grader.scoring.text import content_stems
from grader.scoring.token_recall import TokenVectors, recall

BASE = CREDIT_FEATURES[: CREDIT_FEATURES.index(TOKEN_FEATURE)]  # the signals before token recall


class Aligned:
    """Each text's token vectors from the served embedder, computed once, and the two recalls."""

    def __init__(self, embedder: TokenEmbedder) -> None:
        self.embedder = embedder
        self.known: dict[str, TokenVectors] = {}

    def add(self, texts: list[str]) -> None:
        new = sorted({t for t in texts if t and t not in self.known})
        self.known.update(zip(new, self.embedder.token_vectors(new), strict=True))

    def recall(self, point: str, part: str, question: str) -> tuple[float, float, float, float]:
        """(recall over every token, recall over the point's content tokens: the scorer's;
        precision: the part's content tokens matched in the point, and the F1 of the two)."""
        if point not in self.known or part not in self.known:
            return 0.0, 0.0, 0.0, 0.0
        ours, theirs = self.known[point], self.known[part]
        if not len(ours.vectors) or not len(theirs.vectors):
            return 0.0, 0.0, 0.0, 0.0
        every = float((ours.vectors @ theirs.vectors.T).max(axis=1).mean())
        stems = frozenset(content_stems(question))
        content = recall(ours, theirs, point, stems)
        # Precision is recall the other way round: the part's content words found in the point.
        precision = recall(theirs, ours, part, stems)
        f1 = 2 * content * precision / (content + precision) if content + precision > 0 else 0.0
        return every, content, precision, f1


def columns(rows: Rows, tokens: Aligned, questions: list[str]) -> np.ndarray:
    tokens.add([*rows.point, *rows.part])
    return np.array(
        [
            tokens.recall(point, part, question)
            for point, part, question in zip(rows.point, rows.part, questions, strict=True)
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    bench = judge_folds()
    scorer, analysed, folds = bench.scorer, bench.answers, bench.folds
    questions = [item.rubric.prompt for item in analysed]
    tokens = Aligned(token_embedder(scorer.embedder))
    variants: dict[str, list[int]] = {
        "features": [], "+recall": [0], "+content recall": [1],
        "+content recall +content precision": [1, 2], "+content F1": [3],
    }  # fmt: skip
    extra_names = ["token_recall", "token_recall_content", "token_precision", "token_f1"]

    def inputs(rows: Rows) -> dict[str, tuple[Floats, Sequence[str]]]:
        recall = columns(rows, tokens, questions)
        base = np.array(rows.features)[:, : CREDIT_FEATURES.index(TOKEN_FEATURE)]
        out: dict[str, tuple[Floats, Sequence[str]]] = {}
        for name, extra in variants.items():
            x = np.column_stack([base, recall[:, extra]])
            names = [*BASE, *(extra_names[e] for e in extra)]
            out[name] = (np.where(rows.refused()[:, None], 0.0, x), names)
        return out

    report = compare_signals(folds, inputs)
    emit(report, args.json_out)


if __name__ == "__main__":
    main()
