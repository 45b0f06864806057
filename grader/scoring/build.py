"""Build the scorer the settings describe (the model loads on first use, not here)."""

from __future__ import annotations

import logging

from grader.config import Settings
from grader.scoring.calibration import DEFAULT_CALIBRATION, Calibration
from grader.scoring.embedder import SentenceTransformerEmbedder, bundled_model_path
from grader.scoring.scorer import Scorer

log = logging.getLogger(__name__)


def build_scorer(settings: Settings) -> Scorer:
    """The real scorer: settings' model (or the bundled one), calibration and cache."""
    model_path = settings.model_path or bundled_model_path()
    embedder = SentenceTransformerEmbedder(model_path)
    calibration = Calibration.load(settings.calibration_path or DEFAULT_CALIBRATION)
    if calibration.model_id != embedder.model_id:
        log.warning(
            "calibration %s was fitted for %s, not %s: run `grader calibrate`",
            calibration.version,
            calibration.model_id,
            embedder.model_id,
        )
    return Scorer(
        embedder,
        calibration,
        cache_dir=settings.cache_dir or None,
        vocabulary_file=model_path / "vocab.txt",
        max_answer_chars=settings.max_answer_chars,
    )
