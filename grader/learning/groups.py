"""Answer groups: similar answers to one question, to be graded together.

Two ways to the same groups, one per situation:

- :func:`cluster` groups a whole set of answers at once: scikit-learn's agglomerative
  clustering, average linkage on cosine distance, cut where the answers of a group are on
  average at least ``similarity`` alike. Used when a question's answers are (re)grouped.
- :func:`assign` puts one arriving answer into the group whose centre it is closest to, if it is
  alike enough, else it starts a group of its own; :func:`moved_centre` updates that centre.
  Nothing is recomputed per answer.

The similarity was chosen by `grader eval effort` (docs/learning.md): lower cuts make larger
groups and fewer instructor actions, but more members to read and untick. At 0.7 at most 15%
of the answers are split off on the short-answer sets (Mohler, SemEval, Powergrading); 0.6
saves 1-11 points of actions more and splits off up to 22%.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

# Measured by `grader eval effort` (docs/learning.md): average linkage cut at this similarity.
GROUP_SIMILARITY = 0.7
# A group's member whose machine points are further than this share of the marks from the
# representative's was not graded alike by the machine: the service holds it back
# (grader.services.grouping), and `grader eval effort` measures that default (docs/learning.md,
# "alike in points").
ALIKE_POINTS_SHARE = 0.25
# At most this many answers are clustered at once (the distances take n^2 floats: 2,000 answers
# 32 MB); the others join the groups one by one.
MAX_CLUSTERED = 2000


def _normalised(vectors: npt.NDArray[np.floating]) -> Vectors:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def cluster(vectors: Vectors, similarity: float = GROUP_SIMILARITY) -> npt.NDArray[np.int64]:
    """A group label per answer (0, 1, ...; numbered by first appearance). An answer with no
    vector (an all-zero row: nothing to embed) is a group of its own."""
    count = len(vectors)
    usable = np.linalg.norm(vectors, axis=-1) > 1e-9 if count else np.zeros(0, dtype=bool)
    raw = np.arange(count, dtype=np.int64) + count  # singletons unless clustered below
    if usable.sum() >= 2:
        from sklearn.cluster import AgglomerativeClustering

        raw[usable] = AgglomerativeClustering(
            n_clusters=None,
            metric="cosine",
            linkage="average",
            distance_threshold=max(1e-6, 1.0 - similarity),
        ).fit_predict(_normalised(vectors[usable]))
    # Stable numbering: the first answer's group is 0, the next new group 1, ...
    renumber: dict[int, int] = {}
    return np.array([renumber.setdefault(int(x), len(renumber)) for x in raw], dtype=np.int64)


def centre(vectors: Vectors) -> Vectors:
    """A group's centre: the normalised mean of its answers' vectors."""
    return _normalised(np.asarray(vectors, dtype=np.float32).mean(axis=0))


def representative(vectors: Vectors) -> int:
    """The index of the answer closest to the group's centre (the one an instructor grades)."""
    return int(np.argmax(_normalised(vectors) @ centre(vectors)))


def assign(vector: Vectors, centres: Vectors, similarity: float = GROUP_SIMILARITY) -> int | None:
    """The index of the closest group centre, if the answer is at least ``similarity`` alike to
    it; None: the answer starts a group of its own."""
    if len(centres) == 0:
        return None
    scores = _normalised(centres) @ _normalised(vector)
    best = int(np.argmax(scores))
    return best if float(scores[best]) >= similarity else None


def moved_centre(current: Vectors, size: int, vector: Vectors) -> Vectors:
    """The centre of a group of ``size`` answers after one more joins it."""
    return _normalised(current * size + _normalised(vector))
