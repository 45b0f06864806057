"""Token-level recall of a key point in an answer's part, on the real model's token vectors."""

from __future__ import annotations

import pytest

from grader.scoring.batching import BatchingEmbedder
from grader.scoring.cache import EmbeddingCache
from grader.scoring.embedder import (
    HashingEmbedder,
    SentenceTransformerEmbedder,
    gives_token_vectors,
)
from grader.scoring.text import content_stems
from grader.scoring.token_recall import content_mask, recall


def test_only_the_points_own_content_words_count() -> None:
    pieces = ["the", "vanishing", "gradient", "##s", "of", "rn", "##ns", "."]
    question = frozenset(content_stems("Why are RNNs hard to train?"))
    mask = content_mask(pieces, "the vanishing gradients of RNNs.", question)
    # Stopwords, punctuation and the question's own word ("RNNs") are left out; a continuation
    # piece goes with its word.
    assert mask.tolist() == [False, True, True, True, False, False, False, False]


def test_a_point_without_content_words_recalls_nothing() -> None:
    embedder = HashingEmbedder()
    point, part = embedder.token_vectors(["it is what it is", "it is what it is"])
    assert recall(point, part, "it is what it is", frozenset()) == 0.0
    (empty,) = embedder.token_vectors([""])
    assert recall(point, empty, "it is what it is", frozenset()) == 0.0


@pytest.fixture(scope="module")
def model() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


def test_a_point_made_in_other_words_recalls_more_than_one_merely_named(
    model: SentenceTransformerEmbedder,
) -> None:
    point = "the gradients vanish over long sequences"
    made = "the error signal shrinks to almost nothing as it goes back through many time steps"
    named = "this question is about recurrent networks and their training"
    vectors = dict(
        zip([point, made, named], model.token_vectors([point, made, named]), strict=True)
    )
    stems = frozenset(content_stems("Why are recurrent networks hard to train?"))
    whole = recall(vectors[point], vectors[point], point, stems)
    assert whole == pytest.approx(1.0, abs=1e-5)
    assert recall(vectors[point], vectors[made], point, stems) > recall(
        vectors[point], vectors[named], point, stems
    )


def test_a_word_in_several_pieces_is_read_whole() -> None:
    # "Generative" is not a stopword, "genera" alone would not be the point's word.
    pieces = ["genera", "##tive", "models", "disc", "##rim", "##ina", "##tive"]
    question = frozenset(content_stems("What are the learning models used in a GAN?"))
    mask = content_mask(pieces, "Generative models and discriminative", question)
    assert mask.tolist() == [True, True, False, True, True, True, True]


def test_token_vectors_are_read_only_through_wrappers_that_pass_them_on() -> None:
    class Timing:  # a wrapper that only encodes (as a benchmark's counting wrapper once did)
        def __init__(self, inner: object) -> None:
            self.inner = inner

        def encode(self, texts: list[str]) -> object:
            return self.inner.encode(texts)  # type: ignore[attr-defined]

    assert gives_token_vectors(EmbeddingCache(BatchingEmbedder(HashingEmbedder())))
    assert not gives_token_vectors(Timing(HashingEmbedder()))
    assert not gives_token_vectors(EmbeddingCache(Timing(HashingEmbedder())))  # type: ignore[arg-type]
