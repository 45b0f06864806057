"""A rubric with its embeddings computed once, ready to grade many answers."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from grader.rubrics.schema import Criterion, Rubric
from grader.scoring.cache import EmbeddingCache
from grader.scoring.embedder import Vectors
from grader.scoring.text import (
    comparison_subjects,
    content_stems,
    demote,
    prose_contrast,
    readable,
    words,
)


@dataclass(frozen=True)
class PreparedCriterion:
    criterion: Criterion
    targets: Vectors  # the text and each phrasing, one row each
    targets_demoted: Vectors  # the same without stopwords or question words, one row each
    target_texts: list[str]  # the text and each phrasing, readable (LaTeX turned into text)
    target_stems: list[frozenset[str]]  # their content stems, question words left out
    word_count: int  # words in the criterion's text
    subjects: list[str]  # contrast subjects, in order; empty when not a contrast
    claims: Vectors  # one row per contrast claim, same order as ``subjects``
    claim_texts: list[str]  # the claims themselves (the rubric's, or read from its prose)
    # Claims read from prose catch an answer that exchanges the roles, but the point is credited
    # as a plain one: free text attributes its parts to the compared things less surely than a
    # table's rows do (crediting only attributed parts cost Mohler's comparison questions).
    from_prose: bool = False

    @property
    def credited_by_parts(self) -> bool:
        """A table's comparison: credited only through what is said of each compared thing."""
        return bool(self.subjects) and not self.from_prose

    @property
    def stems(self) -> frozenset[str]:
        """The criterion text's content stems, question words left out."""
        return self.target_stems[0]


@dataclass(frozen=True)
class PreparedRubric:
    rubric: Rubric
    fingerprint: str
    question_stems: frozenset[str]
    prompt: Vectors  # (1, d)
    criteria: list[PreparedCriterion]
    misconceptions: (
        Vectors  # (m, d), rows for free-text misconceptions (see ``free_misconceptions``)
    )
    free_misconceptions: list[int]  # indices into rubric.misconceptions checked by similarity
    reference: Vectors  # (1, d) all criteria texts together
    rubric_rows: Vectors  # prompt, reference and every criterion target: "is this on topic?"


def rubric_fingerprint(rubric: Rubric) -> str:
    return hashlib.sha256(rubric.model_dump_json().encode("utf-8")).hexdigest()


def prepare(rubric: Rubric, cache: EmbeddingCache) -> PreparedRubric:
    """Embed everything in ``rubric`` that answers are compared with, in one batch."""
    question_stems = frozenset(content_stems(rubric.prompt))
    texts: list[str] = [rubric.prompt]
    layout: list[tuple[int, int, int, int]] = []  # per criterion: targets, claims, demoted, end
    compared = comparison_subjects(rubric.prompt)
    contrasts: list[list[tuple[str, str]]] = []
    for criterion in rubric.criteria:
        start = len(texts)
        # LaTeX embeds badly: "x(\\tau)" is not "x(τ)".
        targets = [readable(criterion.text), *(readable(p) for p in criterion.phrasings)]
        texts.extend(targets)
        claims_start = len(texts)
        # A comparison written as a table has its claims; one written in prose ("a process has
        # its own address space, while threads share memory") is read the same way, so that
        # exchanging the roles is caught there too.
        pairs = [(c.subject, readable(c.claim)) for c in criterion.contrast] or prose_contrast(
            targets[0], compared
        )
        contrasts.append(pairs)
        texts.extend(claim for _, claim in pairs)
        demoted_start = len(texts)
        texts.extend(demote(t, question_stems) or t for t in targets)
        layout.append((start, claims_start, demoted_start, len(texts)))
    # Misconceptions that swap a contrast's roles are caught structurally, not by similarity
    # (a swapped sentence embeds almost exactly like the right one).
    contrast_ids = {c.id for c in rubric.criteria if c.contrast}
    free = [i for i, m in enumerate(rubric.misconceptions) if m.criterion not in contrast_ids]
    misconception_start = len(texts)
    texts.extend(readable(rubric.misconceptions[i].text) for i in free)
    all_text = " ".join(readable(c.text) for c in rubric.criteria)
    reference_index = len(texts)
    texts.append(all_text)

    vectors = cache.encode(texts)
    criteria = []
    for criterion, pairs, (start, claims_start, demoted_start, end) in zip(
        rubric.criteria, contrasts, layout, strict=True
    ):
        target_texts = texts[start:claims_start]
        criteria.append(
            PreparedCriterion(
                criterion=criterion,
                targets=vectors[start:claims_start],
                targets_demoted=vectors[demoted_start:end],
                target_texts=target_texts,
                target_stems=[frozenset(content_stems(t, question_stems)) for t in target_texts],
                word_count=len(words(target_texts[0])),
                subjects=[subject for subject, _ in pairs],
                claims=vectors[claims_start:demoted_start],
                claim_texts=[claim for _, claim in pairs],
                from_prose=bool(pairs) and not criterion.contrast,
            )
        )
    return PreparedRubric(
        rubric=rubric,
        fingerprint=rubric_fingerprint(rubric),
        question_stems=question_stems,
        prompt=vectors[0:1],
        criteria=criteria,
        misconceptions=vectors[misconception_start:reference_index],
        free_misconceptions=free,
        reference=vectors[reference_index : reference_index + 1],
        rubric_rows=np.vstack(
            [vectors[0:1], vectors[reference_index : reference_index + 1]]
            + [c.targets for c in criteria]
        ),
    )


def normalised_mean(rows: Vectors) -> Vectors:
    mean = rows.mean(axis=0, keepdims=True)
    norm = float(np.linalg.norm(mean))
    result: Vectors = (mean / norm if norm > 0 else mean).astype(np.float32)
    return result
