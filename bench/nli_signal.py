"""Would an entailment (NLI) cross-encoder help the credit model on data sets held out?
(issue 32: "a starting point that already reads entailment" was the next measured choice after
the cross-encoder trained here from a bi-encoder did not transfer, docs/quality.md.)

    .venv/bin/python bench/nli_signal.py --model-dir DIR [--entailment-label 0] [--json-out FILE]

``DIR`` holds an NLI cross-encoder exported to ONNX (one ``*.onnx`` file with ``input_ids`` and
``attention_mask`` inputs and a ``logits`` output, one logit per label) and its ``tokenizer.json``
(a folder holding it, anywhere under ``DIR``). Nothing is downloaded and nothing is shipped: this
measures whether such a model is worth bringing in, with a licence that allows it.

Per answer, the model reads the answer's part for the key point as the premise and the key point
as the hypothesis; the signal is the log-odds of entailment, ``logit[entailment] - logsumexp(the
others)``, clipped to ±8 as the trained judge's is. The model was trained on none of the public
graded sets, so every figure is held out in the sense of ``grader eval judge`` (the credit
model's weights are fitted without the measured set; the NLI model saw none of them).

Two comparisons, each credit model fitted as ``grader calibrate`` fits it, on the judge
benchmark's sample and folds (``grader eval judge``: the same cache):

- leave one data set out over all seven public sets (*features*), with and without the signal;
- the shipped recipe: fitted on the sets the shipped calibration is fitted on (Mohler and
  SemEval train), measured on the four it never saw (issue 32's goals are about these).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import logsumexp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.judge_folds import judge_folds
from grader.evaluation.judge_bench import Rows, compare_signals
from grader.evaluation.report import emit
from grader.scoring.features import CREDIT_FEATURES
from grader.scoring.judge import LOGIT_LIMIT

NLI_FEATURE = "nli_entailment"


class NliModel:
    """An ONNX NLI cross-encoder: log-odds that a premise entails a hypothesis."""

    def __init__(self, folder: Path, entailment: int, threads: int = 2) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        (graph,) = sorted(folder.rglob("*.onnx"))
        (vocabulary,) = sorted(folder.rglob("tokenizer.json"))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        self.session = onnxruntime.InferenceSession(
            str(graph), options, providers=["CPUExecutionProvider"]
        )
        shape = self.session.get_inputs()[0].shape
        self.length = shape[1] if isinstance(shape[1], int) else 256
        self.tokenizer = Tokenizer.from_file(str(vocabulary))
        self.tokenizer.enable_truncation(max_length=self.length, strategy="longest_first")
        self.tokenizer.enable_padding(pad_id=0, length=self.length)
        self.entailment = entailment
        digest = hashlib.sha256(graph.read_bytes()).hexdigest()[:12]
        self.model_id = f"nli:{digest}:{entailment}"

    def logits(self, premises: list[str], hypotheses: list[str], batch: int = 16) -> np.ndarray:
        out = np.zeros(len(premises))
        for start in range(0, len(premises), batch):
            end = start + batch
            pairs = list(zip(premises[start:end], hypotheses[start:end], strict=True))
            encodings = self.tokenizer.encode_batch(pairs)
            feed = {
                "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            }
            (raw,) = self.session.run(None, feed)
            raw = np.asarray(raw, dtype=np.float64)
            others = logsumexp(np.delete(raw, self.entailment, axis=1), axis=1)
            out[start : start + len(pairs)] = raw[:, self.entailment] - others
        return np.clip(out, -LOGIT_LIMIT, LOGIT_LIMIT)


def nli_logits(model: NliModel, rows: Rows, cache_dir: Path) -> np.ndarray:
    """Every row's entailment log-odds (0 where the answer has no part). Each pair runs once:
    the values are kept in ``cache_dir``, one file per model, and the folds share them."""
    path = cache_dir / f"nli-{model.model_id.replace(':', '-')}.json"
    known: dict[str, float] = json.loads(path.read_text()) if path.exists() else {}
    wanted = sorted({(p, q) for p, q in zip(rows.part, rows.point, strict=True) if p})
    new = [pair for pair in wanted if _key(pair) not in known]
    if new:
        started = time.perf_counter()
        values = model.logits([p for p, _ in new], [q for _, q in new])
        took = time.perf_counter() - started
        print(f"nli: {len(new)} pairs in {took:.0f} s ({1000 * took / len(new):.1f} ms a pair)")
        known.update((_key(pair), float(v)) for pair, v in zip(new, values, strict=True))
        cache_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(known))
    return np.array(
        [known[_key((p, q))] if p else 0.0 for p, q in zip(rows.part, rows.point, strict=True)]
    )


def _key(pair: tuple[str, str]) -> str:
    return hashlib.sha256("\x00".join(pair).encode("utf-8")).hexdigest()[:24]


def inputs(rows: Rows, nli: np.ndarray, variant: str) -> tuple[np.ndarray, list[str]]:
    features = np.array(rows.features)
    if variant == "features":
        x, names = features, list(CREDIT_FEATURES)
    elif variant == "nli":
        x, names = nli[:, None], [NLI_FEATURE]
    else:
        x, names = np.column_stack([features, nli]), [*CREDIT_FEATURES, NLI_FEATURE]
    return np.where(rows.refused()[:, None], 0.0, x), names


VARIANTS = ("features", "nli", "features+nli")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--entailment-label", type=int, default=0)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    bench = judge_folds()
    settings, folds = bench.settings, bench.folds
    model = NliModel(args.model_dir, args.entailment_label)
    cache = settings.cache_dir or Path(".cache/grader")
    report: dict[str, Any] = {"model": model.model_id}
    shipped = folds.shipped
    nli = nli_logits(model, shipped, cache)
    gold, real = np.array(shipped.gold), ~np.array(shipped.anchor)
    report["signal_by_gold"] = {
        "right_answers_mean_logit": round(float(nli[real & (gold >= 0.5)].mean()), 3),
        "wrong_answers_mean_logit": round(float(nli[real & (gold < 0.5)].mean()), 3),
        "pearson_r_with_gold": round(float(np.corrcoef(nli[real], gold[real])[0, 1]), 3),
    }
    report |= compare_signals(
        folds, lambda rows: {v: inputs(rows, nli_logits(model, rows, cache), v) for v in VARIANTS}
    )
    emit(report, args.json_out)


if __name__ == "__main__":
    main()
