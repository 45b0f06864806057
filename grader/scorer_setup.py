"""Build the scorer the settings describe (the model loads on first use, not here)."""

from __future__ import annotations

import logging
from typing import cast

from grader.config import Settings
from grader.scoring import language
from grader.scoring.batching import BatchingEmbedder
from grader.scoring.calibration import Calibration, default_calibration
from grader.scoring.embedder import Embedder, SentenceTransformerEmbedder, bundled_model_path
from grader.scoring.judge import Judge, JudgeMissing, OnnxJudge, shipped_judge
from grader.scoring.onnx_embedder import OnnxEmbedder, Precision
from grader.scoring.scorer import Scorer

log = logging.getLogger(__name__)


def build_embedder(settings: Settings) -> Embedder:
    """The settings' backend, micro-batched (concurrent requests share one model call);
    torch and sentence-transformers are imported only for the torch backend."""
    model_path = settings.model_path or bundled_model_path()
    inner: Embedder
    if settings.embedder == "torch":
        inner = SentenceTransformerEmbedder(model_path)
    else:
        precision = cast(Precision, settings.embedder.removeprefix("onnx-"))
        inner = OnnxEmbedder(
            model_path, settings.onnx_dir, precision, threads=settings.embedder_threads
        )
    return BatchingEmbedder(inner)


def shares_calibration(fitted_for: str, model_id: str) -> bool:
    """Whether a calibration fitted for ``fitted_for`` serves ``model_id``: the same id, or
    torch, ONNX fp32 and ONNX q8 of the same model (fp32 is torch to 1e-6; q8 keeps cosines
    within 0.002 of them on average, see ``default_calibration``)."""
    if fitted_for == model_id:
        return True
    alike = ("st", "onnx-fp32", "onnx-q8")
    kind, _, rest = fitted_for.partition(":")
    other_kind, _, other_rest = model_id.partition(":")
    return kind in alike and other_kind in alike and rest == other_rest


def build_scorer(settings: Settings) -> Scorer:
    """The real scorer: settings' model (or the bundled one), backend, calibration and cache."""
    model_path = settings.model_path or bundled_model_path()
    embedder = build_embedder(settings)
    calibration = Calibration.load(
        settings.calibration_path or default_calibration(settings.embedder)
    )
    if not shares_calibration(calibration.model_id, embedder.model_id):
        log.warning(
            "calibration %s was fitted for %s, not %s: run `grader calibrate`",
            calibration.version,
            calibration.model_id,
            embedder.model_id,
        )
    language.warm()  # the language identifier's model (a second), before any answer waits
    return Scorer(
        embedder,
        calibration,
        cache_dir=settings.cache_dir or None,
        vocabulary_file=model_path / "vocab.txt",
        max_answer_chars=settings.max_answer_chars,
        judge=build_judge(settings) if calibration.credit.uses_judge else None,
    )


def build_judge(settings: Settings) -> Judge:
    """The key-point judge the calibration reads: the settings' folder or the shipped one."""
    path = settings.judge_path or shipped_judge()
    if path is None:
        raise JudgeMissing(
            "the calibration reads the key-point judge, but none is shipped: `grader train-judge`"
        )
    return OnnxJudge(path, settings.onnx_dir)
