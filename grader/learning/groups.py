"""Answer groups: similar answers to one question, to be graded together.

Two ways to the same groups, one per situation:

- :func:`cluster` groups a whole set of answers at once: scikit-learn's agglomerative
  clustering, average linkage on cosine distance, cut where the answers of a group are on
  average at least ``similarity`` alike. Used when a question's answers are (re)grouped.
- :func:`assign` puts one arriving answer into the group whose centre it is closest to, if it is
  alike enough, else it starts a group of its own; :func:`moved_centre` updates that centre.
  Nothing is recomputed per answer.

Alike is not the same: :func:`exchanged_roles` finds two answers whose words trade roles
("A discriminator creates new data and a generator labels it" against "A generator creates new
data and a discriminator labels it"), which a cosine cannot tell apart. `grader eval effort`
measures holding such a member back from its group's grade; on the public sets it holds back
members no more often wrong than any other (docs/learning.md), so the service does not.

The similarity was chosen by `grader eval effort` (docs/learning.md): lower cuts make larger
groups and fewer instructor actions, but more members to read and untick. At 0.7 at most 15%
of the answers are split off on the short-answer sets (Mohler, SemEval, Powergrading); 0.6
saves 1-11 points of actions more and splits off up to 22%.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import numpy as np
import numpy.typing as npt

from grader.scoring.text import NEGATIONS, STOPWORDS, sentences, stem, words

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


def exchanged_roles(first: str, second: str) -> tuple[str, str] | None:
    """Two content words that trade places in one sentence of each answer around a third word
    both keep between them: "A **discriminator** *creates* new data and a **generator** labels
    it" and "A **generator** *creates* new data and a **discriminator** labels it", or "RNNs
    are faster than CNNs" and "CNNs are faster than RNNs". The words of ``first`` (in its
    order), or None. Clauses that merely come in another order ("CNNs take images, RNNs take
    sequences" and "RNNs take sequences, CNNs take images") keep each word beside its own and
    are no exchange. A word family (one stem: "generator", "generated") is placed where it first
    comes in the sentence; the word kept between them must come once in each ("take" in "CNNs
    take images, RNNs take sequences" holds no place)."""
    others = [_content_places(other) for other in sentences(second)]  # once, not per sentence
    for one in sentences(first):
        places, once = _content_places(one)
        if len(places) < 3:
            continue
        for theirs, their_once in others:
            shared = [s for s in places if s in theirs]
            if len(shared) < 3:
                continue
            mine = {s: places[s][1] for s in shared}
            for x, y in combinations(shared, 2):
                if (mine[x] < mine[y]) == (theirs[x][1] < theirs[y][1]):
                    continue  # in the same order in both
                low, high = sorted((mine[x], mine[y]))
                a, b = sorted((theirs[x][1], theirs[y][1]))
                if any(
                    low < mine[p] < high and a < theirs[p][1] < b
                    for p in shared
                    if p in once and p in their_once
                ):
                    first_word, second_word = sorted((x, y), key=mine.__getitem__)
                    return places[first_word][0], places[second_word][0]
    return None


def _content_places(sentence: str) -> tuple[dict[str, tuple[str, int]], set[str]]:
    """Content word stem -> (the word, its place) where the stem first comes in the sentence,
    and the stems that come only once."""
    found: dict[str, tuple[str, int]] = {}
    seen: Counter[str] = Counter()
    for place, word in enumerate(words(sentence)):
        if word not in STOPWORDS and word not in NEGATIONS:
            family = stem(word)
            found.setdefault(family, (word, place))
            seen[family] += 1
    return found, {s for s, count in seen.items() if count == 1}
