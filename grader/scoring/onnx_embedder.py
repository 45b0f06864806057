"""The embedder the service runs on: the exported model in ONNX Runtime, tokenised with
``tokenizers``. No torch: a serving process starts in well under a second and holds a fraction
of the memory. ``grader export-onnx`` (run by ``make install``) writes the files.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import numpy as np

from grader.errors import GraderError
from grader.scoring.embedder import Vectors, _folder_fingerprint, lowered_priority
from grader.scoring.token_recall import TokenVectors

Precision = Literal["fp32", "q8", "int8"]
FP32_FILE = "model.onnx"
Q8_FILE = "model-q8.onnx"
INT8_FILE = "model-int8.onnx"
FILES: dict[Precision, str] = {"fp32": FP32_FILE, "q8": Q8_FILE, "int8": INT8_FILE}
# Texts per model run. fp32 gains from running a few texts of like length together; the
# quantised models run fastest one text at a time, and alone a text's int8 embedding depends on
# nothing else (dynamic quantisation scales a run's whole input, padding included).
RUN_TEXTS: dict[Precision, int] = {"fp32": 4, "q8": 1, "int8": 1}
TOKENIZER_FILE = "tokenizer.json"
TOKENS_OUTPUT = "tokens"  # the graph's second output: each token's normalised last-layer vector
# Bumped when the exported graph changes, so an older export is never read as this one (2: the
# token vectors beside the sentence embedding).
GRAPH_VERSION = 2
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length, as sentence-transformers truncates
# Token vectors an encode run gives besides the embeddings are kept for this many word pieces
# (about 12 MB), newest first: the scorer asks for its parts' token vectors right after
# encoding them, so a part already encoded needs no run of its own (a padded run's token
# vectors are the text's alone: tests/scoring/test_onnx_embedder.py).
KEPT_TOKEN_ROWS = 8192


class OnnxModelMissing(GraderError):
    """The exported model is not there: ``grader export-onnx`` writes it."""


def export_folder(onnx_dir: Path, model_path: Path) -> Path:
    """Where the export of ``model_path`` lives: named after the source model's fingerprint and
    the graph's version."""
    return onnx_dir / f"{model_path.name}-{_folder_fingerprint(model_path)}-g{GRAPH_VERSION}"


def _cores() -> int:
    """The cores this process may run on (a container's share, not the host's)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class OnnxEmbedder:
    """Sentence embeddings from the exported graph (mean pooled and normalised inside it).

    The session loads on first use (or :meth:`load`); one session serves every thread. Its runs
    are single-threaded and go to ``threads`` of them at once, each run a few texts of like
    length: ONNX Runtime's own intra-op threads split every small matrix product of a short
    text across the cores and meet after each of a few hundred operators, and spin while they
    wait, which cost more than it gave (measured in process, 8 concurrent answers: 18 ms of CPU
    per answer with two intra-op threads, 12 ms with two single-threaded runs at a time).
    """

    def __init__(
        self,
        model_path: Path,
        onnx_dir: Path,
        precision: Precision = "fp32",
        run_texts: int | None = None,
        threads: int = 0,
    ) -> None:
        self.model_path = model_path
        self.folder = export_folder(onnx_dir, model_path)
        self.precision = precision
        self.run_texts = run_texts or RUN_TEXTS[precision]
        self.threads = threads or _cores()  # runs at once; 0: one per core
        # Read from the folder once: it is asked for per answer.
        self._model_id = f"onnx-{precision}:{model_path.name}:{_folder_fingerprint(model_path)}"
        self._session: Any = None
        self._tokenizer: Any = None
        self._runner: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._kept_tokens: OrderedDict[str, TokenVectors] = OrderedDict()  # oldest first
        self._kept_rows = 0
        self._kept_lock = threading.Lock()
        self.token_runs = 0  # texts whose token vectors took a run of their own

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def loaded(self) -> bool:
        return self._session is not None

    def load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            file = self.folder / FILES[self.precision]
            if not file.exists() or not (self.folder / TOKENIZER_FILE).exists():
                raise OnnxModelMissing(
                    f"no exported model at {file}: run `grader export-onnx` "
                    "(make install does), or set GRADER_EMBEDDER=torch"
                )
            import onnxruntime
            from tokenizers import Tokenizer

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1  # the runs themselves go in parallel (class doc)
            options.inter_op_num_threads = 1
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
            tokenizer = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
            tokenizer.enable_truncation(max_length=MAX_TOKENS)
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
            self._tokenizer = tokenizer
            self._session = onnxruntime.InferenceSession(
                str(file), options, providers=["CPUExecutionProvider"]
            )
            if self.threads > 1:
                self._runner = ThreadPoolExecutor(self.threads, thread_name_prefix="grader-onnx")

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        self.load()
        # Texts of like length share a model run, so little of each run is padding: a micro-
        # batch of several requests' texts (``batching``) runs as a few short runs, not one
        # padded to its longest text.
        order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
        runs = [
            [texts[i] for i in order[start : start + self.run_texts]]
            for start in range(0, len(order), self.run_texts)
        ]
        if self._runner is None or len(runs) == 1 or lowered_priority():
            # A caller that lowered its own priority (a rubric save) runs every run itself,
            # at its priority, leaving the shared runners to students' grading.
            rows = np.vstack([self._encode_batch(run) for run in runs])
        else:
            rows = np.vstack(list(self._runner.map(self._encode_batch, runs)))
        vectors = np.empty_like(rows)
        vectors[order] = rows
        return vectors.astype(np.float32, copy=False)

    def token_vectors(self, texts: Sequence[str]) -> list[TokenVectors]:
        """Each text's token vectors, from the same graph (its ``tokens`` output): those a
        recent encode of the text kept, else from a run of the text alone."""
        self.load()
        with self._kept_lock:
            found = {text: self._kept_tokens[text] for text in texts if text in self._kept_tokens}
            missing = [text for text in dict.fromkeys(texts) if text not in found]
            self.token_runs += len(missing)
        if self._runner is None or len(missing) <= 1 or lowered_priority():
            found.update((text, self._token_run(text)) for text in missing)
        else:  # the parts of an answer at once
            found.update(zip(missing, self._runner.map(self._token_run, missing), strict=True))
        return [found[text] for text in texts]

    def _token_run(self, text: str) -> TokenVectors:
        (encoding,) = self._tokenizer.encode_batch([text])
        (tokens,) = self._session.run([TOKENS_OUTPUT], _feed([encoding]))
        return _inner_tokens(encoding, tokens[0])

    def _encode_batch(self, texts: list[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(texts)
        vectors, tokens = self._session.run(["embedding", TOKENS_OUTPUT], _feed(encodings))
        runs = zip(texts, encodings, tokens, strict=True)
        self._keep_tokens([(text, _inner_tokens(e, row)) for text, e, row in runs])
        result: Vectors = np.asarray(vectors, dtype=np.float32)
        return result

    def _keep_tokens(self, found: list[tuple[str, TokenVectors]]) -> None:
        """Keep an encode run's token vectors, dropping the oldest beyond
        :data:`KEPT_TOKEN_ROWS` word pieces."""
        with self._kept_lock:
            for text, tokens in found:
                old = self._kept_tokens.pop(text, None)
                self._kept_rows -= 0 if old is None else len(old.pieces)
                self._kept_tokens[text] = tokens
                self._kept_rows += len(tokens.pieces)
            while self._kept_rows > KEPT_TOKEN_ROWS and self._kept_tokens:
                _, dropped = self._kept_tokens.popitem(last=False)
                self._kept_rows -= len(dropped.pieces)


def _inner_tokens(encoding: Any, tokens: np.ndarray) -> TokenVectors:
    """One text's rows of a run's ``tokens`` output: [CLS], [SEP] and padding left out (a copy,
    so the run's whole output is not kept with it)."""
    inner = slice(1, sum(encoding.attention_mask) - 1)
    return TokenVectors(np.array(tokens[inner], dtype=np.float32), tuple(encoding.tokens[inner]))


def _feed(encodings: Sequence[Any]) -> dict[str, np.ndarray]:
    """The graph's three inputs for a run of tokenised texts (padded to the longest)."""
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }
