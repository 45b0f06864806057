"""Answer groups: clustering at a cut, joining as answers arrive, representatives."""

from __future__ import annotations

import numpy as np

from grader.learning import groups


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_alike_answers_share_a_group_and_unlike_ones_do_not() -> None:
    vectors = np.array(
        [_unit(1, 0.05, 0), _unit(1, 0, 0.05), _unit(0, 1, 0), _unit(1, 0.1, 0), _unit(0, 0, 1)]
    )
    labels = groups.cluster(vectors, similarity=0.9)
    assert labels.tolist() == [0, 0, 1, 0, 2]  # numbered by first appearance
    # A looser cut joins more; a cut of 1.0 keeps every answer apart unless identical.
    assert len(set(groups.cluster(vectors, similarity=0.0).tolist())) == 1
    assert len(set(groups.cluster(vectors, similarity=1.0).tolist())) == 5


def test_an_answer_with_nothing_to_embed_is_a_group_of_its_own() -> None:
    vectors = np.array([_unit(1, 0, 0), np.zeros(3, dtype=np.float32), _unit(1, 0.01, 0)])
    assert groups.cluster(vectors, similarity=0.9).tolist() == [0, 1, 0]
    assert groups.cluster(vectors[:1]).tolist() == [0]


def test_an_arriving_answer_joins_the_nearest_alike_group_or_starts_one() -> None:
    centres = np.array([_unit(1, 0, 0), _unit(0, 1, 0)])
    assert groups.assign(_unit(0.1, 1, 0), centres, similarity=0.9) == 1
    assert groups.assign(_unit(1, 1, 0), centres, similarity=0.9) is None  # 0.71 to both
    assert groups.assign(_unit(1, 0, 0), centres[:0]) is None
    moved = groups.moved_centre(centres[0], 3, _unit(0, 1, 0))
    assert np.isclose(np.linalg.norm(moved), 1.0)
    assert moved[0] > moved[1] > 0  # three answers outweigh one


def test_the_representative_is_the_member_closest_to_the_centre() -> None:
    members = np.array([_unit(1, 0.4, 0), _unit(1, 0, 0), _unit(1, 0, 0.4)])
    assert groups.representative(members) == 1
