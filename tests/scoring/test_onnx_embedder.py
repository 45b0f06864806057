"""The served embedder (ONNX Runtime, exported by `make install`) against the torch model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.config import Settings
from grader.scoring import onnx_embedder
from grader.scoring.embedder import SentenceTransformerEmbedder, bundled_model_path
from grader.scoring.onnx_embedder import OnnxEmbedder, OnnxModelMissing, Precision

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


def _onnx(precision: Precision) -> OnnxEmbedder:
    return OnnxEmbedder(bundled_model_path(), Settings().onnx_dir, precision)


def test_fp32_is_the_torch_model(torch_vectors: np.ndarray) -> None:
    vectors = _onnx("fp32").encode(TEXTS)
    assert vectors.shape == torch_vectors.shape and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, torch_vectors, atol=2e-4)


def test_q8_stays_within_a_rounding_of_torch(torch_vectors: np.ndarray) -> None:
    vectors = _onnx("q8").encode(TEXTS)
    assert np.all((vectors * torch_vectors).sum(axis=1) > 0.995)
    drift = np.abs(_pairwise(vectors) - _pairwise(torch_vectors))
    assert drift.mean() < 0.005
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_int8_stays_close(torch_vectors: np.ndarray) -> None:
    vectors = _onnx("int8").encode(TEXTS)
    assert np.all((vectors * torch_vectors).sum(axis=1) > 0.97)
    assert np.abs(_pairwise(vectors) - _pairwise(torch_vectors)).mean() < 0.02


@pytest.mark.parametrize("precision", ["fp32", "q8", "int8"])
def test_runs_in_parallel_come_back_in_the_callers_order(precision: Precision) -> None:
    """Sorted by length into runs, the runs spread over two threads: each text gets its own
    embedding back, where it asked for it."""
    embedder = OnnxEmbedder(
        bundled_model_path(), Settings().onnx_dir, precision, run_texts=1, threads=2
    )
    together = embedder.encode(TEXTS)
    one_by_one = np.vstack([embedder.encode([text]) for text in TEXTS])
    np.testing.assert_allclose(together, one_by_one, atol=1e-6)


@pytest.mark.parametrize("precision", ["fp32", "q8", "int8"])
def test_a_text_is_embedded_alike_whatever_is_encoded_with_it(precision: Precision) -> None:
    """A grade must not depend on the answers micro-batched beside it."""
    alone, crowd = TEXTS[0], [TEXTS[2], TEXTS[0], TEXTS[3], TEXTS[4]]
    embedder = _onnx(precision)
    np.testing.assert_allclose(embedder.encode([alone])[0], embedder.encode(crowd)[1], atol=1e-6)


def test_why_int8_runs_one_text_at_a_time() -> None:
    """int8's dynamic quantisation scales a run's whole input: run with others, a text's
    embedding moves with them."""
    int8 = OnnxEmbedder(bundled_model_path(), Settings().onnx_dir, "int8", run_texts=16)
    alone, crowd = TEXTS[0], [TEXTS[0], TEXTS[2], TEXTS[3]]
    assert np.abs(int8.encode([alone])[0] - int8.encode(crowd)[0]).max() > 1e-3


def _pairwise(vectors: np.ndarray) -> np.ndarray:
    cosines: np.ndarray = (vectors @ vectors.T)[np.triu_indices(len(vectors), 1)]
    return cosines


def test_a_missing_export_says_what_to_run(tmp_path: Path) -> None:
    embedder = OnnxEmbedder(bundled_model_path(), tmp_path)
    with pytest.raises(OnnxModelMissing, match="grader export-onnx"):
        embedder.encode(["anything"])


def test_token_vectors_are_the_torch_models() -> None:
    """The graph's second output is what token recall reads: the torch model's last layer,
    normalised, without [CLS] and [SEP] (truncated texts too)."""
    served = _onnx("fp32").token_vectors(TEXTS)
    reference = SentenceTransformerEmbedder().token_vectors(TEXTS)
    for ours, theirs in zip(served, reference, strict=True):
        assert ours.pieces == theirs.pieces and "[SEP]" not in ours.pieces
        np.testing.assert_allclose(ours.vectors, theirs.vectors, atol=2e-4)
        np.testing.assert_allclose(np.linalg.norm(ours.vectors, axis=1), 1.0, atol=1e-5)
    assert len(served[2].pieces) == 254  # 256 tokens at most, [CLS] and [SEP] among them


@pytest.mark.parametrize("precision", ["q8", "int8"])
def test_quantised_token_vectors_stay_close(precision: Precision) -> None:
    """q8 shares fp32's calibration, token recall included: its token vectors must stay close."""
    served = _onnx(precision).token_vectors(TEXTS[:2])
    reference = SentenceTransformerEmbedder().token_vectors(TEXTS[:2])
    for ours, theirs in zip(served, reference, strict=True):
        cosines = (ours.vectors * theirs.vectors).sum(axis=1)
        assert cosines.min() > (0.995 if precision == "q8" else 0.97)


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_an_encoded_texts_token_vectors_need_no_run_of_their_own(precision: Precision) -> None:
    """An encode run gives the token vectors too: those of a text it ran (padded beside
    others, for fp32) are the text's alone, and asking for them runs nothing more."""
    alone = _onnx(precision).token_vectors(TEXTS)
    embedder = _onnx(precision)
    embedder.encode(TEXTS)
    kept = embedder.token_vectors([TEXTS[4], TEXTS[0], "not encoded before"])
    assert embedder.token_runs == 1  # only the text no encode ran
    for ours, theirs in zip(kept[:2], [alone[4], alone[0]], strict=True):
        assert ours.pieces == theirs.pieces
        np.testing.assert_allclose(ours.vectors, theirs.vectors, atol=1e-6)
    assert kept[2].pieces == ("not", "encoded", "before")


def test_kept_token_vectors_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the newest word pieces are kept: an older text runs again."""
    monkeypatch.setattr(onnx_embedder, "KEPT_TOKEN_ROWS", 260)
    embedder = _onnx("fp32")
    embedder.encode([TEXTS[2]])  # 254 pieces
    embedder.encode([TEXTS[3], TEXTS[4]])  # past 260 pieces with these: the long one goes
    embedder.token_vectors([TEXTS[3], TEXTS[4]])
    assert embedder.token_runs == 0
    embedder.token_vectors([TEXTS[2]])
    assert embedder.token_runs == 1


def test_a_model_swapped_in_with_weights_of_the_same_size_is_another_model(
    tmp_path: Path,
) -> None:
    """A folder `grader train` did not write (no record of its weights' hash): its weights'
    content makes its id, so a model swapped in at the same path is never served from the old
    one's export and cached embeddings; the same weights written again keep it."""
    folder = tmp_path / "their-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}", encoding="utf-8")
    (folder / "model.safetensors").write_bytes(b"a" * 64)
    first = OnnxEmbedder(folder, tmp_path / "onnx")
    (folder / "model.safetensors").write_bytes(b"b" * 64)  # another model, the same size
    swapped = OnnxEmbedder(folder, tmp_path / "onnx")
    assert swapped.model_id != first.model_id and swapped.folder != first.folder
    assert (
        SentenceTransformerEmbedder(folder).model_id.split(":")[-1]
        == (swapped.model_id.split(":")[-1])
    )
    (folder / "model.safetensors").write_bytes(b"b" * 64)  # the same weights, written again
    assert OnnxEmbedder(folder, tmp_path / "onnx").model_id == swapped.model_id
    # The bundled model's id is its package's: its weights are not read for it.
    assert (
        _onnx("fp32").model_id.split(":")[-1]
        == SentenceTransformerEmbedder().model_id.split(":")[-1]
    )
