"""The served embedder (ONNX Runtime, exported by `make install`) against the torch model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.config import Settings
from grader.scoring.embedder import SentenceTransformerEmbedder, bundled_model_path
from grader.scoring.onnx_embedder import OnnxEmbedder, OnnxModelMissing

TEXTS = [
    "Vanishing and exploding gradients.",
    "x",
    "A CNN processes grids such as images, while an RNN processes sequences. " * 30,  # truncated
    "The hidden layer (or the 'reservoir') is very sparsely connected (typically < 10%).",
    "RNN is used for images and CNN is used for sequences of text",
]


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    return SentenceTransformerEmbedder().encode(TEXTS)


def _onnx(precision: str) -> OnnxEmbedder:
    return OnnxEmbedder(bundled_model_path(), Settings().onnx_dir, precision)  # type: ignore[arg-type]


def test_fp32_is_the_torch_model(torch_vectors: np.ndarray) -> None:
    vectors = _onnx("fp32").encode(TEXTS)
    assert vectors.shape == torch_vectors.shape and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, torch_vectors, atol=2e-4)


def test_int8_stays_close_and_keeps_the_callers_order(torch_vectors: np.ndarray) -> None:
    vectors = _onnx("int8").encode(TEXTS)  # encoded sorted by length, returned in input order
    assert np.all((vectors * torch_vectors).sum(axis=1) > 0.97)
    pairs = np.triu_indices(len(TEXTS), 1)
    drift = np.abs((vectors @ vectors.T)[pairs] - (torch_vectors @ torch_vectors.T)[pairs])
    assert drift.mean() < 0.02
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_fp32_embeds_a_text_alike_whatever_is_batched_with_it_and_int8_does_not() -> None:
    """Why fp32 is the default: int8's dynamic quantisation scales each batch as a whole, so a
    text's embedding (and so an answer's grade) depends on the other texts micro-batched with
    it; fp32's does not."""
    alone, crowd = TEXTS[0], [TEXTS[0], TEXTS[2], TEXTS[3]]
    fp32, int8 = _onnx("fp32"), _onnx("int8")
    np.testing.assert_allclose(fp32.encode([alone])[0], fp32.encode(crowd)[0], atol=1e-6)
    assert np.abs(int8.encode([alone])[0] - int8.encode(crowd)[0]).max() > 1e-3


def test_a_missing_export_says_what_to_run(tmp_path: Path) -> None:
    embedder = OnnxEmbedder(bundled_model_path(), tmp_path)
    with pytest.raises(OnnxModelMissing, match="grader export-onnx"):
        embedder.encode(["anything"])
