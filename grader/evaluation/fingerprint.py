"""What an evaluation's cached analyses depend on, so a change is never read from a stale cache."""

from __future__ import annotations

import hashlib
from pathlib import Path

from grader import scoring
from grader.scoring.scorer import Scorer


def scoring_fingerprint(scorer: Scorer) -> str:
    """The scoring code itself, the embedding model, and the calibration's parts that change an
    analysis (not the confidence model, its version or its notes)."""
    digest = hashlib.sha256()
    for path in sorted(Path(scoring.__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    digest.update(scorer.embedder.model_id.encode())
    calibration = scorer.calibration.model_dump_json(exclude={"confidence", "version", "fitted_on"})
    digest.update(calibration.encode())
    return digest.hexdigest()
