"""The key-point judge: a cross-encoder that reads a key point and a part of an answer together
and gives the log-odds that the part makes the point.

It is one of the credit model's signals (``judge`` in :data:`grader.scoring.credit`), beside the
embedding similarities: the similarities see two texts apart, the judge sees them side by side
(every word of the answer attends to every word of the point), so a point made in the student's
own words ("a generator that produces fake data" for "generative models") can still be told from
one merely named. Trained by ``grader train-judge`` (:mod:`grader.learning.judge_train`) on
public graded answers, shipped as weights in ``grader/scoring/judge_model/`` and exported to ONNX
by ``grader export-onnx`` (``make install`` runs it): serving needs no torch.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from grader.errors import GraderError
from grader.scoring.embedder import _folder_fingerprint

SHIPPED_JUDGE = Path(__file__).with_name("judge_model")
JUDGE_FILE = "judge.onnx"
TOKENIZER_FILE = "tokenizer.json"
MAX_TOKENS = 128  # as trained: the pair is cut to this, the answer's side first
LOGIT_LIMIT = 8.0  # a logit past this says nothing more (and keeps one feature from swamping)


class JudgeMissing(GraderError):
    """The exported judge is not there: ``grader export-onnx`` writes it."""


class Judge(Protocol):
    @property
    def model_id(self) -> str: ...

    def logits(self, points: Sequence[str], answers: Sequence[str]) -> np.ndarray:
        """The log-odds that each answer part makes its point, clipped to ±LOGIT_LIMIT."""
        ...


def point_text(texts: Sequence[str]) -> str:
    """What the judge reads as the key point: the criterion and its phrasings, as it was trained
    (:mod:`grader.learning.judge_train`) and as it grades (:mod:`grader.scoring.credit`)."""
    return " OR ".join(texts)


def judge_folder(onnx_dir: Path, judge_path: Path) -> Path:
    """Where the export of the judge at ``judge_path`` lives (a changed judge, a new folder)."""
    return onnx_dir / f"judge-{_folder_fingerprint(judge_path)}"


class OnnxJudge:
    """The exported judge in ONNX Runtime (loads on first use; fp32, so a pair's logit does not
    depend on what is run beside it)."""

    def __init__(self, judge_path: Path, onnx_dir: Path) -> None:
        self.folder = judge_folder(onnx_dir, judge_path)
        self._model_id = f"judge:{_folder_fingerprint(judge_path)}"
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self._model_id

    def load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            file = self.folder / JUDGE_FILE
            if not file.exists():
                raise JudgeMissing(f"no exported judge at {file}: run `grader export-onnx`")
            import onnxruntime
            from tokenizers import Tokenizer

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            tokenizer = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
            tokenizer.enable_truncation(max_length=MAX_TOKENS, strategy="longest_first")
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
            self._tokenizer = tokenizer
            self._session = onnxruntime.InferenceSession(
                str(file), options, providers=["CPUExecutionProvider"]
            )

    def logits(self, points: Sequence[str], answers: Sequence[str]) -> np.ndarray:
        if not points:
            return np.zeros(0)
        self.load()
        out = np.zeros(len(points))
        # Pairs of like length run together, so little of a run is padding.
        order = sorted(range(len(points)), key=lambda i: len(points[i]) + len(answers[i]))
        for start in range(0, len(order), 8):
            run = order[start : start + 8]
            encodings = self._tokenizer.encode_batch([(points[i], answers[i]) for i in run])
            feed = {
                "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
            }
            (logits,) = self._session.run(["logit"], feed)
            out[run] = np.asarray(logits, dtype=np.float64).reshape(-1)
        return np.clip(out, -LOGIT_LIMIT, LOGIT_LIMIT)


def shipped_judge() -> Path | None:
    """The judge shipped with the package, when its weights are there."""
    return SHIPPED_JUDGE if (SHIPPED_JUDGE / "config.json").exists() else None


class OverlapJudge:
    """A stand-in judge for fast unit tests (with the fake embedder): log-odds from the share of
    the point's words the answer uses. Never for grading quality."""

    model_id = "judge:overlap"

    def logits(self, points: Sequence[str], answers: Sequence[str]) -> np.ndarray:
        out = []
        for point, answer in zip(points, answers, strict=True):
            wanted = set(point.lower().split())
            share = len(wanted & set(answer.lower().split())) / max(1, len(wanted))
            out.append(8.0 * share - 4.0)
        return np.clip(np.array(out, dtype=np.float64), -LOGIT_LIMIT, LOGIT_LIMIT)
