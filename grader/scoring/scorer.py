"""Grade free-text answers against rubrics: key points, partial credit, traps, an explanation.

Grading an answer costs one batched encode of its pieces (the answer, its question-demoted form,
its units and the per-subject parts of comparisons); a second, small encode happens only when a
trap removed part of the answer. Rubric embeddings are computed once per rubric version.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Generic, TypeVar, cast

import numpy as np

from grader.content.tables import as_sentences
from grader.errors import GraderError
from grader.rubrics.schema import Misconception, Rubric
from grader.scoring import rules
from grader.scoring.analysis import Analysis, Plan, make_plan
from grader.scoring.analysis import analyse as analyse_plan
from grader.scoring.cache import EmbeddingCache
from grader.scoring.calibration import Calibration
from grader.scoring.confidence import (
    NEAR_THRESHOLD,
    confidence_features,
    distance_confidence,
    verdict_distance,
)
from grader.scoring.credit import criterion_features, judge_inputs, token_inputs
from grader.scoring.embedder import Embedder, TokenEmbedder, gives_token_vectors
from grader.scoring.features import TOKEN_FEATURE
from grader.scoring.feedback import write_feedback
from grader.scoring.grade import (
    MET,
    CriterionResult,
    Grade,
    MisconceptionResult,
    demo_link,
)
from grader.scoring.judge import Judge
from grader.scoring.language import MIN_WORDS, UNREAD, provisional, unread_flag, unreadable
from grader.scoring.prepared import PreparedRubric, prepare, rubric_fingerprint
from grader.scoring.selection import Selection, select
from grader.scoring.text import (
    content_stems,
    demote,
    is_keyword_salad,
    kept_text,
    known_word_ratio,
    sanitize,
    split_units,
    words,
)
from grader.scoring.token_recall import TokenVectors
from grader.scoring.token_recall import recall as token_recall

DEFAULT_MAX_ANSWER_CHARS = 5000
_NAME_WORDS = 4  # key points this short are names ("exploding gradients"), not statements


class AnswerTooLong(GraderError):
    """An answer over the configured length limit."""

    def __init__(self, length: int, limit: int) -> None:
        self.length, self.limit = length, limit
        super().__init__(f"answer is {length} characters; the limit is {limit}")


_TRAILING_PUNCTUATION = " .;,:!?"
_TARGET_TOKENS_KEPT = 20_000  # criteria's texts whose token vectors are kept (~30 MB)
_RECALLS_KEPT = 100_000  # token recalls kept (an evaluation's passes over the same answers)
K = TypeVar("K")
V = TypeVar("V")


class Scorer:
    """Grades answers; holds the embedder, the calibration and the prepared rubrics."""

    def __init__(
        self,
        embedder: Embedder,
        calibration: Calibration,
        cache_dir: Path | None = None,
        vocabulary_file: Path | None = None,
        max_answer_chars: int = DEFAULT_MAX_ANSWER_CHARS,
        judge: Judge | None = None,
    ) -> None:
        if calibration.credit.uses_judge and judge is None:
            raise ValueError(
                f"calibration {calibration.version} reads the key-point judge: pass one"
            )
        self.embedder = embedder
        self.calibration = calibration
        # Judged only when the credit model reads it (a judge costs a model run per criterion).
        self.judge = judge if calibration.credit.uses_judge else None
        self.cache = EmbeddingCache(embedder, cache_dir)
        self.vocabulary_file = vocabulary_file
        self.max_answer_chars = max_answer_chars
        self._prepared: dict[str, PreparedRubric] = {}
        # The criteria's texts' token vectors, and token recalls by (point, part digest, question).
        self._target_tokens: _Kept[str, TokenVectors] = _Kept(_TARGET_TOKENS_KEPT)
        self._recalls: _Kept[tuple[str, bytes, frozenset[str]], float] = _Kept(_RECALLS_KEPT)
        self._lock = threading.Lock()

    def prepare(self, rubric: Rubric) -> PreparedRubric:
        """The rubric's embeddings, computed once per rubric version."""
        fingerprint = rubric_fingerprint(rubric)
        with self._lock:
            prepared = self._prepared.get(fingerprint)
        if prepared is not None:
            return prepared
        # Computed outside the lock: a large rubric being prepared (seconds) must not stop
        # every other rubric's grading. Two callers may prepare one version at once; the
        # first stored wins and both get it.
        computed = prepare(rubric, self.cache)
        if self._reads_tokens():
            # The criteria's token vectors too, so no student's answer waits on them.
            texts = [t for criterion in computed.criteria for t in criterion.target_texts]
            self._point_tokens(cast(TokenEmbedder, self.embedder), texts)
        with self._lock:
            return self._prepared.setdefault(fingerprint, computed)

    def _reads_tokens(self) -> bool:
        """Whether the credit model reads token recall (and the embedder can give it)."""
        return TOKEN_FEATURE in self.calibration.credit.features and gives_token_vectors(
            self.embedder
        )

    def is_prepared(self, rubric: Rubric) -> bool:
        """Whether this version of the rubric is embedded already (no answer will wait on it)."""
        with self._lock:
            return rubric_fingerprint(rubric) in self._prepared

    def grade(self, rubric: Rubric, answer: str) -> Grade:
        """Grade one answer.

        Raises:
            AnswerTooLong: the answer is over ``max_answer_chars``.
        """
        return self.grade_many([(rubric, answer)])[0]

    def grade_many(self, items: Sequence[tuple[Rubric, str]]) -> list[Grade]:
        """Grade several answers with one batched encode; results are in input order."""
        analyses = self.analyse_many(items)
        return [self.finish(analysis) for analysis in analyses]

    def grade_with_vectors(
        self, items: Sequence[tuple[Rubric, str]]
    ) -> list[tuple[Grade, np.ndarray | None, float]]:
        """Like :meth:`grade_many`, with each answer's embedding and cosine to the reference
        (None and 0 for an empty answer): what a course-adapted model needs."""
        results = []
        for analysis in self.analyse_many(items):
            vector = analysis.answer_vector
            reference = (
                float((vector @ analysis.prepared.reference.T)[0, 0]) if vector is not None else 0.0
            )
            results.append(
                (self.finish(analysis), None if vector is None else vector[0], reference)
            )
        return results

    def analyse_many(self, items: Sequence[tuple[Rubric, str]]) -> list[Analysis]:
        """The model-dependent part of grading, for calibration and evaluation."""
        for _, answer in items:
            if len(answer) > self.max_answer_chars:
                raise AnswerTooLong(len(answer), self.max_answer_chars)
        curve, traps = self.calibration.criterion, self.calibration.traps
        prepared = [self.prepare(rubric) for rubric, _ in items]
        plans: dict[int, tuple[Plan, int, int]] = {}  # answer index → plan, its slice of texts
        texts: list[str] = []
        analyses: list[Analysis] = []
        for index, (rubric_prepared, (_, raw)) in enumerate(zip(prepared, items, strict=True)):
            # A table is read as its rows' sentences, each cell under its column's name.
            answer = as_sentences(sanitize(raw))
            units = split_units(answer) if words(answer) else []
            # Placeholder for a refused answer; replaced below for the others.
            analyses.append(
                Analysis(rubric_prepared, answer, [], zero_reason="the answer is empty")
            )
            if not units:
                if any(ch.isalnum() for ch in answer):  # words the model does not read
                    _unread(analyses[-1], unreadable(answer) or "it has no English word")
                continue
            plan = make_plan(
                rubric_prepared,
                answer,
                units,
                demote(answer, rubric_prepared.question_stems),
            )
            plan_texts = plan.texts()
            plans[index] = (plan, len(texts), len(texts) + len(plan_texts))
            texts.extend(plan_texts)
        vectors = self._encode_distinct(texts)
        for index, (plan, start, end) in plans.items():
            analysis = analyse_plan(prepared[index], plan, vectors[start:end], curve, traps)
            self._whole_answer_checks(analysis, vectors[start + 2 : start + 2 + len(plan.units)])
            analyses[index] = analysis
        self._embed_kept_parts(analyses)
        self._align_tokens(analyses)
        self._judge(analyses)
        return analyses

    def _align_tokens(self, analyses: list[Analysis]) -> None:
        """Token recall of each criterion on its part of each answer, when the credit model
        reads it: one model run per distinct part not aligned before (the criteria's token
        vectors and the recalls are kept, so an evaluation that analyses the same answers
        again with other fitted numbers runs nothing twice)."""
        if not self._reads_tokens():
            return
        embedder = cast(TokenEmbedder, self.embedder)
        pending = [(analysis, token_inputs(analysis)) for analysis in analyses]
        wanted = {
            (text, part, analysis.prepared.question_stems)
            for analysis, pairs in pending
            for _, texts, part in pairs
            for text in texts
        }
        # A part is a student's answer, up to thousands of characters: recalls are kept under
        # its digest, computed once per part.
        digests = {part: _digest(part) for part in {part for _, part, _ in wanted}}
        kept = {key: (key[0], digests[key[1]], key[2]) for key in wanted}
        stored = self._recalls.known(kept.values())
        recalls = {key: stored[k] for key, k in kept.items() if k in stored}
        missing = sorted(wanted - recalls.keys(), key=lambda key: (key[0], key[1]))
        if missing:
            parts = sorted({part for _, part, _ in missing})
            found = dict(zip(parts, embedder.token_vectors(parts), strict=True))
            points = self._point_tokens(embedder, sorted({text for text, _, _ in missing}))
            for key in missing:
                text, part, stems = key
                recalls[key] = token_recall(points[text], found[part], text, stems)
            self._recalls.keep({kept[key]: recalls[key] for key in missing})
        for analysis, pairs in pending:
            aligned = np.zeros(len(analysis.prepared.criteria))
            stems = analysis.prepared.question_stems
            for index, texts, part in pairs:
                aligned[index] = max(recalls[(text, part, stems)] for text in texts)
            analysis.token_recall = aligned

    def _point_tokens(self, embedder: TokenEmbedder, texts: list[str]) -> dict[str, TokenVectors]:
        """The criteria texts' token vectors, computed once per text."""
        known = self._target_tokens.known(texts)
        new = [t for t in texts if t not in known]
        if new:
            computed = dict(zip(new, embedder.token_vectors(new), strict=True))
            self._target_tokens.keep(computed)
            known.update(computed)
        return known

    def _judge(self, analyses: list[Analysis]) -> None:
        """The judge's log-odds for each criterion on its part of each answer, in one call."""
        if self.judge is None:
            return
        pending = [(analysis, judge_inputs(analysis)) for analysis in analyses]
        points = [point for _, pairs in pending for _, point, _ in pairs]
        parts = [part for _, pairs in pending for _, _, part in pairs]
        logits = iter(self.judge.logits(points, parts))
        for analysis, pairs in pending:
            judged = np.zeros(len(analysis.prepared.criteria))
            for index, _, _ in pairs:
                judged[index] = next(logits)
            analysis.judged = judged

    def _encode_distinct(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts``, once per distinct text: a one-sentence answer is also its only unit
        ("X." and "X"), and its demoted form its demoted unit, so texts that differ only in
        trailing punctuation share the first one's embedding (half the model's work for most
        answers; every quality figure moved by at most 0.004, docs/quality.md)."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        first: dict[str, int] = {}
        distinct: list[str] = []
        rows = []
        for text in texts:
            key = text.strip().rstrip(_TRAILING_PUNCTUATION).rstrip()
            if key not in first:
                first[key] = len(distinct)
                distinct.append(text)
            rows.append(first[key])
        return self.embedder.encode(distinct)[rows]

    def _whole_answer_checks(self, analysis: Analysis, units: np.ndarray) -> None:
        prepared, traps = analysis.prepared, self.calibration.traps
        closest = float((units @ prepared.rubric_rows.T).max()) if len(units) else 0.0
        known = known_word_ratio(analysis.answer, self.vocabulary_file)
        unread = unreadable(analysis.answer, known)
        if unread is not None:
            # Another language, code, formulas: not wrong for that; graded provisionally and
            # sent to an instructor with the reason, which the feedback gives first (a student
            # or an LMS reading the API's feedback learns why, as the page's reader does).
            analysis.review_flags.append(unread_flag(unread))
            analysis.provisional = provisional(unread)
        elif (
            len(words(analysis.answer)) >= MIN_WORDS
            and closest < traps.foreign_similarity
            and known < traps.known_word_ratio
        ):
            # Words the model does not know, in no language the identifier is sure of, unlike
            # the rubric: gibberish. Jargon ("enqueue") is unknown too, hence the rubric test;
            # and a few words ("Overfitting and underfitting") are never judged so.
            analysis.zero_reason = "the answer is not recognisable text"
        elif closest < traps.off_topic_similarity and len(words(analysis.answer)) >= 3:
            analysis.zero_reason = "the answer is off-topic: it is not about this question"
        elif (
            analysis.restating
            and not any(m.evidence for m in analysis.matches)
            and len(words(kept_text(analysis.answer, analysis.restating))) <= 2
        ):
            analysis.zero_reason = "the answer only restates the question"
        # Keywords without function words is an English reading: a sentence in another
        # language has none of ours ("Los gradientes se desvanecen o explotan." is no list).
        analysis.salad = (
            unread is None
            and rules.on("keyword-salad")
            and is_keyword_salad(analysis.answer)
            and _sprays(analysis)
        )

    def _embed_kept_parts(self, analyses: list[Analysis]) -> None:
        """Re-embed answers that lost a swapped or denied part, without that part."""
        pending = []
        texts = []
        for analysis in analyses:
            if not analysis.removed or analysis.zero_reason is not None:
                continue
            kept = kept_text(analysis.answer, analysis.removed)
            if not words(kept):
                analysis.zero_reason = "the answer contradicts the key points it mentions"
                continue
            pending.append(analysis)
            # The same two texts the first pass embeds for a whole answer.
            texts.extend([kept, demote(kept, analysis.prepared.question_stems)])
        if not texts:
            return
        vectors = self.embedder.encode(texts)
        for index, analysis in enumerate(pending):
            analysis.answer_vector = vectors[2 * index : 2 * index + 1]
            analysis.demoted_vector = vectors[2 * index + 1 : 2 * index + 2]

    def credits(self, analysis: Analysis) -> np.ndarray:
        """Each criterion's share of its points earned (all 0 for a refused answer)."""
        count = len(analysis.prepared.rubric.criteria)
        if analysis.zero_reason is not None or not analysis.matches:
            return np.zeros(count)
        # Rounded once here, so every number shown adds up exactly.
        return np.round(self.calibration.credit.credit(criterion_features(analysis)), 4)

    def finish(self, analysis: Analysis) -> Grade:
        """Turn an analysis into an explained grade: one decision, seen from four sides.

        Points are what the criteria earned (credit x points, under the select rule) less the
        misconception penalties; ``met`` is "earned at least half its points"; the verdict
        follows from the points with the calibration's thresholds; the feedback names exactly
        the criteria that were met and missed. Nothing else adds or removes points.
        """
        calibration, traps = self.calibration, self.calibration.traps
        rubric = analysis.prepared.rubric
        reasons: list[str] = []
        review = list(analysis.review_flags)
        if analysis.zero_reason is not None or not analysis.matches:
            reasons.append(analysis.zero_reason or "the answer is empty")
        selection = select(rubric, self.credits(analysis))
        earned = selection.earned(rubric)
        if analysis.salad and earned > traps.salad_cap * rubric.max_points:
            # Scale the credits themselves, so the criteria still add up to the points.
            factor = traps.salad_cap * rubric.max_points / earned
            selection = select(rubric, selection.credits * factor)
            earned = selection.earned(rubric)
            reasons.append("a list of keywords is not an answer: state how they relate")
        penalties = [
            MisconceptionResult(id=m.id, text=m.text, penalty=m.penalty, evidence=evidence)
            for m, evidence in self._triggered(analysis)
        ]
        points = float(np.clip(earned - sum(m.penalty for m in penalties), 0.0, rubric.max_points))
        score = points / rubric.max_points
        verdict = calibration.verdict.verdict(score)
        if (
            rubric.accepts == "examples"
            and analysis.zero_reason is None
            and not any(credit >= MET for credit in selection.credits)
        ):
            review.append("not one of the listed examples: an instructor should judge it")
        distance = float(
            verdict_distance(score, calibration.verdict.correct, calibration.verdict.incorrect)
        )
        if analysis.zero_reason is None and distance < traps.review_band:
            review.append(NEAR_THRESHOLD)
        confidence = 1.0 if analysis.zero_reason else float(distance_confidence(distance))
        doubt = calibration.confidence
        if doubt is not None and analysis.zero_reason is None and analysis.matches:
            # Fitted on held-out data sets: the chance an instructor's grade is within a
            # quarter of the marks of this one; under the cut, an instructor should look.
            signals = self._confidence_signals(analysis, selection, score)
            confidence = doubt.confidence(signals)
            if confidence < doubt.review_below:
                review.append(f"uncertain grade: {doubt.reason(signals)}")
        if review:
            confidence = min(confidence, 0.5)
        criteria = self._criterion_results(analysis, selection)
        # A provisional grade says so first; not as a reason, which outlives an instructor's
        # grade (decisions keep the machine's reasons) while "provisional" does not.
        said = reasons or ([analysis.provisional] if analysis.provisional else [])
        feedback, hint = write_feedback(rubric, criteria, penalties, said)
        return Grade(
            question_id=rubric.id,
            score=round(score, 4),
            points=round(points, 4),
            max_points=rubric.max_points,
            verdict=verdict,
            criteria=criteria,
            misconceptions_triggered=penalties,
            feedback=feedback,
            hint=hint,
            demo=demo_link(rubric.demo),
            confidence=round(confidence, 3),
            needs_review=bool(review),
            reasons=reasons + [f"review: {flag}" for flag in review],
            model_id=self.embedder.model_id,
            calibration_version=calibration.version,
        )

    def _confidence_signals(
        self, analysis: Analysis, selection: Selection, score: float
    ) -> np.ndarray:
        counted = [i for i, chosen in enumerate(selection.selected) if chosen]
        similarity = np.array([analysis.matches[i].similarity for i in counted])
        judged = None
        if analysis.judged is not None:
            judged = 1.0 / (1.0 + np.exp(-analysis.judged[counted]))
        return confidence_features(
            score,
            [float(selection.credits[i]) for i in counted],
            None if judged is None else [float(p) for p in judged],
            [float(p) for p in self.calibration.criterion.credit(similarity)],
            max(m.best_similarity for m in analysis.matches),
            _topical(analysis),
            len(words(analysis.answer)),
        )

    def _criterion_results(self, analysis: Analysis, selection: Selection) -> list[CriterionResult]:
        results = []
        for i, c in enumerate(analysis.prepared.rubric.criteria):
            match = analysis.matches[i] if analysis.matches else None
            credit = float(selection.credits[i])
            results.append(
                CriterionResult(
                    id=c.id,
                    text=c.text,
                    points=c.points,
                    credit=credit,
                    earned=round(credit * c.points, 4) if selection.selected[i] else 0.0,
                    similarity=round(float(match.best_similarity if match else 0.0), 4),
                    evidence=match.evidence if match else None,
                    met=credit >= MET,
                    selected=selection.selected[i],
                    note=match.note if match else None,
                )
            )
        return results

    def _triggered(self, analysis: Analysis) -> list[tuple[Misconception, str]]:
        rubric = analysis.prepared.rubric
        found = [(rubric.misconceptions[i], evidence) for i, evidence in analysis.misconceptions]
        for criterion, match in zip(rubric.criteria, analysis.matches, strict=False):
            if match.note == "roles swapped" and match.refused_evidence:
                linked = [m for m in rubric.misconceptions if m.criterion == criterion.id]
                found.extend((m, match.refused_evidence) for m in linked[:1])
        return found


def _unread(analysis: Analysis, reason: str) -> None:
    """An answer with nothing the model reads: zero for now, to review, with the reason."""
    analysis.zero_reason = f"{UNREAD} ({reason}); an instructor will grade it"
    analysis.review_flags.append(unread_flag(reason))


def _topical(analysis: Analysis) -> float:
    """The answer's cosine to the question (what is left of it once refused parts are out)."""
    if analysis.answer_vector is None:
        return 0.0
    return float((analysis.answer_vector @ analysis.prepared.prompt.T)[0, 0])


def _sprays(analysis: Analysis) -> bool:
    """Keywords cannot answer this rubric: its points are statements, or the list sprays terms.

    Naming "push, pop" answers a question whose key points are names; it cannot make a point
    that is a statement. A third or more of the keywords in neither the rubric nor the question
    is a spray of related terms.
    """
    prepared = analysis.prepared
    if np.mean([c.word_count for c in prepared.criteria]) > _NAME_WORDS:
        return True
    known = set(prepared.question_stems).union(*(c.stems for c in prepared.criteria))
    stems = content_stems(analysis.answer)
    return bool(stems) and sum(s not in known for s in stems) * 3 >= len(stems)


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class _Kept(Generic[K, V]):
    """Values kept across calls from any thread; emptied when over ``limit`` (a long-lived
    server's old rubric versions and answers graded long ago)."""

    def __init__(self, limit: int) -> None:
        self._values: dict[K, V] = {}
        self._limit = limit
        self._lock = threading.Lock()

    def known(self, keys: Iterable[K]) -> dict[K, V]:
        with self._lock:
            return {k: self._values[k] for k in keys if k in self._values}

    def keep(self, values: dict[K, V]) -> None:
        with self._lock:
            if len(self._values) > self._limit:
                self._values.clear()
            self._values.update(values)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
