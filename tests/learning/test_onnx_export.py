"""A model `grader train` wrote (fp16 weights) exports to a graph ONNX Runtime loads, and embeds
as the model does in float32 (real model, real export)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grader.config import Settings
from grader.learning.onnx_export import export_onnx
from grader.scoring.embedder import bundled_model_path
from grader.scoring.onnx_embedder import OnnxEmbedder

TEXTS = ["The gradients vanish over many time steps.", "A stack is last in, first out."]


def test_a_model_saved_in_fp16_exports_and_embeds_like_its_fp32_self(tmp_path: Path) -> None:
    from sentence_transformers import SentenceTransformer

    half = tmp_path / "half"
    model = SentenceTransformer(str(bundled_model_path()), device="cpu")
    model.half().save(str(half), safe_serialization=True)  # as `grader train` saves it
    export_onnx(half, tmp_path / "onnx")
    exported = OnnxEmbedder(half, tmp_path / "onnx").encode(TEXTS)
    shipped = OnnxEmbedder(bundled_model_path(), Settings().onnx_dir).encode(TEXTS)
    # fp16 weights read back in float32: the same embeddings to rounding.
    assert exported.dtype == np.float32
    assert np.abs(exported - shipped).max() < 5e-3
