"""The evaluation tests reuse the scoring tests' scorers."""

from tests.scoring.conftest import fake_scorer, real_scorer

__all__ = ["fake_scorer", "real_scorer"]
