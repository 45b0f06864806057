"""The evaluation tests reuse the scoring tests' scorers and seed rubrics."""

from tests.scoring.conftest import fake_scorer, real_scorer, seed_rubrics

__all__ = ["fake_scorer", "real_scorer", "seed_rubrics"]
