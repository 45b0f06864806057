"""Embeddings of rubric texts, cached in memory and on disk by model id and text hash.

Only rubric texts (criteria, phrasings, claims, misconceptions, prompts) go through the cache:
they repeat across requests and restarts. Students' answers are embedded fresh every time.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from grader.scoring.embedder import Embedder, Vectors, token_embedder
from grader.scoring.token_recall import TokenVectors


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class EmbeddingCache:
    """Wraps an embedder; ``encode`` returns cached rows and embeds only what is new.

    With ``directory`` set, the vectors persist in ``<directory>/<model id>.npz`` so a restart
    does not re-embed the rubric set. A corrupt or unreadable cache file is ignored and rebuilt.
    """

    def __init__(self, embedder: Embedder, directory: Path | None = None) -> None:
        self.embedder = embedder
        self.directory = directory
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self.misses = 0
        self._load()

    @property
    def model_id(self) -> str:
        return self.embedder.model_id

    @property
    def path(self) -> Path | None:
        if self.directory is None:
            return None
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.embedder.model_id)
        return self.directory / f"{safe}.npz"

    def encode(self, texts: Sequence[str]) -> Vectors:
        keys = [text_key(t) for t in texts]
        with self._lock:
            missing = sorted(
                {k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}.items()
            )
            if missing:
                fresh = self.embedder.encode([t for _, t in missing])
                for (key, _), vector in zip(missing, fresh, strict=True):
                    self._vectors[key] = vector
                self.misses += len(missing)
                self._save()
            if not keys:
                return np.zeros((0, 0), dtype=np.float32)
            return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def token_vectors(self, texts: Sequence[str]) -> list[TokenVectors]:
        """The wrapped embedder's token vectors (not cached: the scorer keeps the criteria's)."""
        return token_embedder(self.embedder).token_vectors(texts)

    def _load(self) -> None:
        path = self.path
        if path is None or not path.exists():
            return
        try:
            with np.load(path, allow_pickle=False) as data:
                self._vectors = {key: data[key] for key in data.files}
        except (OSError, ValueError, KeyError):
            self._vectors = {}

    def _save(self) -> None:
        path = self.path
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                np.savez(handle, **self._vectors)  # type: ignore[arg-type]
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
