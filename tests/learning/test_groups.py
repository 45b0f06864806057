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


def test_words_that_trade_roles_around_a_word_kept_between_them_are_found() -> None:
    swap = "A discriminator creates new data and a generator labels it as real or fake."
    right = "A generator that creates new data and a discriminator that labels data as real or generated."
    # "generated" is the generator's word family: placed where the family first comes.
    assert groups.exchanged_roles(swap, right) == ("discriminator", "generator")
    assert groups.exchanged_roles(right, swap) == ("generator", "discriminator")
    assert groups.exchanged_roles("RNNs are faster than CNNs.", "CNNs are faster than RNNs.") == (
        "rnns", "cnns",
    )  # fmt: skip
    # In another sentence of a longer answer too.
    assert groups.exchanged_roles(
        "Echo state networks are RNNs. The output weights are fixed and the reservoir weights "
        "are learned.",
        "The reservoir weights are fixed and the output weights are learned.",
    ) == ("output", "reservoir")


def test_clauses_or_sentences_in_another_order_trade_no_roles() -> None:
    # Each subject keeps its own words beside it; "take" comes twice, so it holds no place.
    assert (
        groups.exchanged_roles(
            "CNNs take images, RNNs take sequences.", "RNNs take sequences, CNNs take images."
        )
        is None
    )
    assert (
        groups.exchanged_roles(
            "CNNs handle images; RNNs handle sequences.",
            "RNNs handle sequences; CNNs handle images.",
        )
        is None
    )
    # Words in different sentences are no exchange: the sentences are read one by one.
    assert (
        groups.exchanged_roles(
            "The generator creates data. The discriminator labels it.",
            "The discriminator labels data. The generator creates it.",
        )
        is None
    )
    # Nothing shared between the two, or the same words in the same order.
    assert groups.exchanged_roles("Vanishing gradients.", "Exploding gradients.") is None
    same = "A generator creates new data and a discriminator labels it."
    assert groups.exchanged_roles(same, same) is None
    assert groups.exchanged_roles("", same) is None
