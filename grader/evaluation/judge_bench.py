"""The key-point judge benchmark: public graded sets, each measured by judges that never saw it.

Every data set is a held-out unit in turn (:data:`grader.learning.judge_train.HELD_OUT_UNITS`):
the judge that scores its answers was trained on the other units only, and the credit model
that turns the signals into a share of the marks is fitted on the other units' answers only
(with off-question answers as grade 0, as ``grader calibrate`` does). No random splits: a whole
data set (so whole questions and a whole course) is unseen. Each question is a one-criterion
rubric (its reference answer; alternatives as phrasings), so the grade is that criterion's
credit, and the figures say how well the judge decides "this answer makes this point".

Candidates, side by side on the same answers:

- ``cosine``: the answer's cosine to the reference, through the same fitted ramp;
- ``shipped``: the scorer as shipped before the judge (its calibration was fitted on Mohler and
  SemEval, so on those sets it is not held out: their rows say "in-sample", and its "all" row
  covers only the sets it never saw);
- ``features``: today's five embedding and word signals, the match curve and the credit model
  refitted per fold;
- ``judge``: the cross-encoder's log-odds alone, through the fitted ramp;
- ``features+judge``: all six.

Per data set: Pearson r and RMSE on the share, macro-F1 of "at least half marks", and the two
headline error rates: a right answer (gold >= 0.8) given under half, a wrong one (gold <= 0.2)
given over half.

Nothing fitted on a unit's grades touches that unit's figures. The analysis itself depends on
a fitted number (the match curve's centre tells clear support from a weaker match, which
decides restatement and denial notes and swapped roles), so each fold analyses every answer
again with a curve fitted on the other units only (from an analysis with the data-free starting
curve, as ``grader calibrate`` starts); the credit model and the confidence model of a fold see
only rows analysed that way. The embeddings are computed once for all folds.

Two second-order paths remain, both through other units' rows: a training row of unit B in
unit A's fold carries the log-odds of B's own held-out judge, which was trained on A; and B's
confidence signals come from B's fold curve, fitted with A's grades among others. Neither puts
a number fitted on A's grades into what A's answers are scored by.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from grader.evaluation.evaluate import calibrated, embedding_once
from grader.evaluation.fingerprint import scoring_fingerprint
from grader.evaluation.fit import Floats, curve_of, fit_credit_model
from grader.learning.graded import GradedAnswer, in_turn, off_question
from grader.learning.judge_train import HELD_OUT_UNITS, unit_of
from grader.learning.share_figures import metrics
from grader.scoring.calibration import (
    CriterionCurve,
    TrapSettings,
    VerdictThresholds,
    uncalibrated,
)
from grader.scoring.confidence import (
    ConfidenceModel,
    confidence_features,
    distance_confidence,
    expected_calibration_error,
    fit_confidence,
    verdict_distance,
)
from grader.scoring.credit import criterion_features, judge_inputs
from grader.scoring.features import CREDIT_FEATURES, JUDGE_FEATURE
from grader.scoring.scorer import Scorer
from grader.scoring.text import words

CANDIDATES = ("cosine", "shipped", "features", "judge", "features+judge")
# The data sets `grader calibrate` fits the shipped calibration on: the "shipped" candidate is
# in-sample there.
CALIBRATION_SETS = frozenset({"mohler", "beetle", "sciEntsBank"})


@dataclass
class Rows:
    """One row per answer: what each candidate needs, and the answer's gold share."""

    dataset: list[str] = field(default_factory=list)
    unit: list[str] = field(default_factory=list)
    gold: list[float] = field(default_factory=list)
    anchor: list[bool] = field(default_factory=list)  # off-question: fitting only
    shipped: list[float] = field(default_factory=list)
    cosine: list[float] = field(default_factory=list)
    features: list[Floats] = field(default_factory=list)
    point: list[str] = field(default_factory=list)
    part: list[str] = field(default_factory=list)  # "" when nothing of the answer counts
    words: list[int] = field(default_factory=list)
    best: list[float] = field(default_factory=list)  # best similarity to any criterion text
    topical: list[float] = field(default_factory=list)  # cosine to the question

    def refused(self) -> npt.NDArray[np.bool_]:
        """The answers the scorer refused (empty, off-topic...): no evidence at all."""
        return np.asarray(~np.array(self.features).any(axis=1), dtype=bool)

    def dataset_weights(self) -> Floats:
        """Every data set weighs the same in a fit, whatever its size."""
        counts: dict[str, int] = {}
        for name in self.dataset:
            counts[name] = counts.get(name, 0) + 1
        return np.array([1.0 / counts[name] for name in self.dataset])


def sample(
    items: Sequence[GradedAnswer], per_question: int, per_dataset: int, seed: int = 0
) -> list[GradedAnswer]:
    """A seeded sample: at most ``per_question`` answers per question and ``per_dataset`` per
    data set (questions in turn, so each keeps its share)."""
    rng = random.Random(seed)
    by_dataset: dict[str, list[GradedAnswer]] = {}
    for item in items:
        if item.answer.strip():
            by_dataset.setdefault(dataset_of(item), []).append(item)
    return [
        chosen
        for _, own in sorted(by_dataset.items())
        for chosen in in_turn(own, per_dataset, rng, per_question)
    ]


def dataset_of(item: GradedAnswer) -> str:
    return item.corpus or "mohler"


def collect(
    scorer: Scorer,
    items: Sequence[GradedAnswer],
    anchors: Sequence[GradedAnswer],
    progress: Callable[[str], None] = print,
    chunk: int = 256,
) -> Rows:
    """Analyse every answer once (today's scorer, no judge) and keep what the candidates use."""
    rows = Rows()
    everything = [(item, False) for item in items] + [(item, True) for item in anchors]
    for start in range(0, len(everything), chunk):
        batch = everything[start : start + chunk]
        analyses = scorer.analyse_many([(item.rubric, item.answer) for item, _ in batch])
        for (item, anchor), analysis in zip(batch, analyses, strict=True):
            rows.dataset.append(dataset_of(item))
            rows.unit.append(unit_of(item.corpus))
            rows.gold.append(item.gold)
            rows.anchor.append(anchor)
            rows.shipped.append(scorer.finish(analysis).score)
            vector = analysis.answer_vector
            reference = analysis.prepared.reference
            rows.cosine.append(float((vector @ reference.T)[0, 0]) if vector is not None else 0.0)
            rows.features.append(criterion_features(analysis)[0])
            pairs = judge_inputs(analysis)
            rows.point.append(pairs[0][1] if pairs else "")
            rows.part.append(pairs[0][2] if pairs else "")
            rows.words.append(len(words(item.answer)))
            rows.best.append(max((m.best_similarity for m in analysis.matches), default=0.0))
            rows.topical.append(
                float((vector @ analysis.prepared.prompt.T)[0, 0]) if vector is not None else 0.0
            )
        progress(f"judge bench: analysed {min(start + chunk, len(everything))}/{len(everything)}")
    return rows


@dataclass
class Folds:
    """The shipped scorer's rows, and per held-out unit every answer analysed with the match
    curve fitted without that unit (its rows, the curve)."""

    shipped: Rows
    rows: dict[str, Rows]
    curves: dict[str, CriterionCurve]

    def held_out(self) -> Rows:
        """Each answer's row from its own unit's fold: what that fold tests."""
        view = Rows()
        units = self.shipped.unit
        for name in vars(view):
            values = [getattr(self.rows[unit], name)[i] for i, unit in enumerate(units)]
            setattr(view, name, values)
        return view


def collect_folds(
    scorer: Scorer,
    items: Sequence[GradedAnswer],
    anchors: Sequence[GradedAnswer],
    progress: Callable[[str], None] = print,
) -> Folds:
    """The shipped rows, then each fold's (module doc); the model embeds each text once."""
    with embedding_once(scorer):
        shipped = collect(scorer, items, anchors, progress)
        with calibrated(scorer, uncalibrated(scorer.embedder.model_id)):
            neutral = collect(scorer, items, anchors, progress)
        similarity = np.array([f[0] for f in neutral.features])
        real, unit = ~np.array(neutral.anchor), np.array(neutral.unit)
        gold = np.array(neutral.gold)
        curves, rows = {}, {}
        for held in sorted(set(neutral.unit)):
            train = real & (unit != held)
            curves[held] = curve_of(similarity[train], gold[train] >= 0.5)
            fold = scorer.calibration.model_copy(update={"criterion": curves[held]})
            progress(f"judge bench: fold {held}: centre {curves[held].center:.3f}")
            with calibrated(scorer, fold):
                rows[held] = collect(scorer, items, anchors, progress)
    return Folds(shipped, rows, curves)


def judge_logits_by_unit(
    rows: Rows, judges: Path, progress: Callable[[str], None] = print
) -> Floats | None:
    """Each answer's judge log-odds from the judge its unit was held out of (None when the
    trained judges are not there: ``grader train-judge --held-out``)."""
    from grader.learning.judge_train import TorchJudge

    if not all((judges / unit / "config.json").exists() for unit in set(rows.unit)):
        return None
    logits = np.zeros(len(rows.gold))
    for unit in sorted(set(rows.unit)):
        index = [i for i, u in enumerate(rows.unit) if u == unit and rows.part[i]]
        judge = TorchJudge(judges / unit)
        logits[index] = judge.logits([rows.point[i] for i in index], [rows.part[i] for i in index])
        progress(f"judge bench: judged {len(index)} answers of {unit}")
    return logits


def predictions(folds: Folds | Rows, logits: Floats | None) -> dict[str, Floats]:
    """Each candidate's share for every row, its credit model fitted without the row's unit,
    on the rows of that unit's fold (a bare ``Rows``: one analysis serves every fold)."""
    if isinstance(folds, Rows):
        folds = Folds(folds, dict.fromkeys(set(folds.unit), folds), {})
    shipped = folds.shipped
    gold = np.array(shipped.gold)
    unit = np.array(shipped.unit)
    weights = shipped.dataset_weights()
    out = {"shipped": np.array(shipped.shipped)}
    for held in sorted(set(shipped.unit)):
        rows = folds.rows[held]
        train = unit != held
        for name, (x, names) in _inputs(rows, logits).items():
            model = fit_credit_model(x[train], gold[train], weights[train], names=names)
            out.setdefault(name, np.zeros(len(gold)))[~train] = model.credit(x[~train])
    return out


# Per variant of a signal being measured: what its credit model reads from a fold's rows, and
# the columns' names.
SignalInputs = Callable[["Rows"], Mapping[str, tuple[Floats, Sequence[str]]]]


def compare_signals(
    folds: Folds, inputs: SignalInputs, progress: Callable[[str], None] = print
) -> dict[str, Any]:
    """A candidate signal measured before any plumbing (``bench/token_credit.py``,
    ``bench/nli_signal.py``): each variant's credit model fitted as ``grader calibrate`` fits it,
    (a) leave one data set out over every set, each unit scored on its own fold's rows, and
    (b) the shipped recipe, fitted on :data:`CALIBRATION_SETS` and measured on the sets it never
    saw. ``inputs`` gives refused rows zeros (they earn 0 whatever is fitted)."""
    shipped = folds.shipped
    gold, unit = np.array(shipped.gold), np.array(shipped.unit)
    dataset, real = np.array(shipped.dataset), ~np.array(shipped.anchor)
    weights = shipped.dataset_weights()
    loso: dict[str, Floats] = {}
    for held in sorted(set(unit)):
        train = unit != held
        for name, (x, names) in inputs(folds.rows[held]).items():
            model = fit_credit_model(x[train], gold[train], weights[train], names=names)
            loso.setdefault(name, np.zeros(len(gold)))[~train] = model.credit(x[~train])
        progress(f"signals: fold {held} done")
    seen = np.isin(dataset, list(CALIBRATION_SETS))
    recipe: dict[str, Floats] = {}
    fitted: dict[str, Any] = {}
    for name, (x, names) in inputs(shipped).items():
        model = fit_credit_model(x[seen], gold[seen], weights[seen], names=names)
        recipe[name] = model.credit(x)
        fitted[name] = model.model_dump()
    report: dict[str, Any] = {"leave_one_set_out": {}, "shipped_recipe": {}, "fitted": fitted}
    for name in [*sorted(set(dataset)), "all"]:
        keep = real & ((dataset == name) if name != "all" else True)
        report["leave_one_set_out"][name] = {
            v: metrics(p[keep], gold[keep]) for v, p in loso.items()
        }
        unseen = keep & ~seen
        if unseen.any():
            report["shipped_recipe"][name] = {
                v: metrics(p[unseen], gold[unseen]) for v, p in recipe.items()
            }
    return report


def _inputs(rows: Rows, logits: Floats | None) -> dict[str, tuple[Floats, Sequence[str]]]:
    """What each fitted candidate reads; refused answers (off-topic, empty...) read zeros and
    earn 0 everywhere."""
    features = np.array(rows.features)
    inputs: dict[str, tuple[Floats, Sequence[str]]] = {
        "cosine": (np.array(rows.cosine)[:, None], ["cosine"]),
        "features": (features, CREDIT_FEATURES),
    }
    if logits is not None:
        inputs["judge"] = (logits[:, None], [JUDGE_FEATURE])
        inputs["features+judge"] = (
            np.column_stack([features, logits]),
            [*CREDIT_FEATURES, JUDGE_FEATURE],
        )
    refused = rows.refused()
    return {name: (np.where(refused[:, None], 0.0, x), n) for name, (x, n) in inputs.items()}


def table(rows: Rows, predicted: dict[str, Floats]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per data set (held-out answers only, anchors left out) and over all: every candidate.
    The shipped candidate's rows on the sets its calibration was fitted on say "in_sample",
    and its "all" row leaves those sets out: every "all" figure is held out."""
    gold = np.array(rows.gold)
    real = ~np.array(rows.anchor)
    dataset = np.array(rows.dataset)
    seen = np.isin(dataset, list(CALIBRATION_SETS))
    result: dict[str, dict[str, dict[str, Any]]] = {}
    for name in [*sorted(set(rows.dataset)), "all"]:
        keep = real & ((dataset == name) if name != "all" else True)
        result[name] = {}
        for candidate, p in predicted.items():
            if candidate == "shipped" and name == "all":
                unseen = keep & ~seen
                result[name][candidate] = {
                    **metrics(p[unseen], gold[unseen]),
                    "sets": "those the shipped calibration never saw",
                }
            else:
                result[name][candidate] = metrics(p[keep], gold[keep])
                if candidate == "shipped" and name in CALIBRATION_SETS:
                    result[name][candidate]["in_sample"] = True
    return result


AGREE = 0.25  # an instructor agrees when the grades are within a quarter of the marks


def confidence_rows(
    rows: Rows,
    share: Floats,
    logits: Floats | None,
    curve: CriterionCurve | dict[str, CriterionCurve],
) -> Floats:
    """The confidence signals of each answer's grade under one candidate (``curve``: one for
    every row, or one per held-out unit)."""
    similarity = np.array([f[0] for f in rows.features])
    if isinstance(curve, CriterionCurve):
        curve_p = curve.credit(similarity)
    else:
        curve_p = np.array([curve[u].credit(s) for u, s in zip(rows.unit, similarity, strict=True)])
    judge_p = None if logits is None else 1.0 / (1.0 + np.exp(-logits))
    return np.array(
        [
            confidence_features(
                float(share[i]),
                [float(share[i])],
                None if judge_p is None else [float(judge_p[i])],
                [float(curve_p[i])],
                rows.best[i],
                rows.topical[i],
                rows.words[i],
            )
            for i in range(len(share))
        ]
    )


def verdict_distance_confidence(
    share: Floats, refused: npt.NDArray[np.bool_], verdict: VerdictThresholds, band: float
) -> tuple[Floats, npt.NDArray[np.bool_]]:
    """The confidence and review flag the scorer gives without a confidence model: the distance
    to the nearest verdict line (a quarter of the marks away: 1), flagged within ``band``; a
    refused answer 1, never flagged."""
    distance = verdict_distance(share, verdict.correct, verdict.incorrect)
    confidence = np.where(refused, 1.0, distance_confidence(distance))
    flagged = ~refused & (distance < band)
    return confidence, flagged


def confidence_report(
    rows: Rows,
    share: Floats,
    signals: Floats,
    verdict: VerdictThresholds,
    traps: TrapSettings,
) -> tuple[dict[str, Any], Floats, ConfidenceModel]:
    """Confidence fitted without each unit and measured on it: ECE, the reliability diagram,
    the share flagged for review and the agreement on what is not flagged, per data set; and
    the model fitted on every data set (the one shipped)."""
    gold = np.array(rows.gold)
    real = ~np.array(rows.anchor)
    unit, dataset = np.array(rows.unit), np.array(rows.dataset)
    agrees = np.abs(share - gold) <= AGREE
    confidence = np.zeros(len(gold))
    flagged = np.zeros(len(gold), dtype=bool)
    for held in sorted(set(rows.unit)):
        train = real & (unit != held)
        model = fit_confidence(signals[train], agrees[train])
        test = unit == held
        confidence[test] = [model.confidence(r) for r in signals[test]]
        flagged[test] = confidence[test] < model.review_below
    before, before_flagged = verdict_distance_confidence(
        share, rows.refused(), verdict, traps.review_band
    )
    report: dict[str, Any] = {}
    for name in [*sorted(set(rows.dataset)), "all"]:
        keep = real & ((dataset == name) if name != "all" else True)
        ece, diagram = expected_calibration_error(confidence[keep], agrees[keep])
        ece_before, diagram_before = expected_calibration_error(before[keep], agrees[keep])
        report[name] = {
            "ece": ece,
            **_flag_figures(flagged, agrees, keep),
            "agreement_all": round(float(agrees[keep].mean()), 3),
            "before": {"ece": ece_before, **_flag_figures(before_flagged, agrees, keep)},
        }
        if name == "all":
            report[name]["reliability"] = diagram
            report[name]["before"]["reliability"] = diagram_before
    shipped = fit_confidence(
        signals[real], agrees[real], fitted_on="every benchmark data set, held-out grades"
    )
    return report, confidence, shipped


def _flag_figures(
    flagged: npt.NDArray[np.bool_], agrees: npt.NDArray[np.bool_], keep: npt.NDArray[np.bool_]
) -> dict[str, float | None]:
    unflagged = keep & ~flagged
    return {
        "flagged": round(float(flagged[keep].mean()), 3),
        "agreement_unflagged": round(float(agrees[unflagged].mean()), 3)
        if unflagged.any()
        else None,
    }


def benchmark_folds(
    scorer: Scorer,
    items: Sequence[GradedAnswer],
    *,
    per_question: int = 100,
    per_dataset: int = 1000,
    seed: int = 0,
    progress: Callable[[str], None] = print,
    cache_dir: Path | None = None,
) -> tuple[list[GradedAnswer], Folds]:
    """The benchmark's sample (with its off-question anchors) analysed in every fold: the
    answers in the rows' order, and the folds (kept in ``cache_dir``, when given). What
    ``grader eval judge`` measures, and what the benches of a candidate signal read."""
    chosen = sample(items, per_question, per_dataset, seed)
    anchors = off_question(chosen, per_question=3, seed=seed)
    return [*chosen, *anchors], _cached_folds(scorer, chosen, anchors, cache_dir, progress)


def run_benchmark(
    scorer: Scorer,
    items: Sequence[GradedAnswer],
    judges: Path,
    *,
    per_question: int = 100,
    per_dataset: int = 1000,
    seed: int = 0,
    progress: Callable[[str], None] = print,
    cache_dir: Path | None = None,
    with_judge: bool = False,
) -> dict[str, Any]:
    """The whole benchmark: sample, analyse, judge, fit per fold, measure. With ``cache_dir``,
    the analysed rows are kept there, keyed by everything they depend on, so a rerun with new
    judges analyses nothing again."""
    _, folds = benchmark_folds(
        scorer, items, per_question=per_question, per_dataset=per_dataset, seed=seed,
        progress=progress, cache_dir=cache_dir,
    )  # fmt: skip
    rows = folds.held_out()
    logits = judge_logits_by_unit(rows, judges, progress)
    predicted = predictions(folds, logits)
    # The confidence is fitted on held-out grades of the kind that is shipped: the credit model
    # refitted per fold (with the judge, when the judge is shipped), never on the shipped
    # scorer's own grades (in-sample on the sets its calibration was fitted on).
    best = "features+judge" if with_judge and logits is not None else "features"
    judged = logits if best == "features+judge" else None
    signals = confidence_rows(rows, predicted[best], judged, folds.curves)
    confidence, _, confidence_model = confidence_report(
        rows, predicted[best], signals, scorer.calibration.verdict, scorer.calibration.traps
    )
    return {
        "split": "leave one data set out: "
        + "; ".join(f"{u} = {'+'.join(c)}" for u, c in HELD_OUT_UNITS.items()),
        "sample": {"per_question": per_question, "per_dataset": per_dataset, "seed": seed},
        "shipped_calibration": scorer.calibration.version,
        "judges": str(judges) if logits is not None else None,
        "results": table(rows, predicted),
        "confidence": {"candidate": best, "agree_within": AGREE, "by_dataset": confidence},
        "fold_curves": {u: c.model_dump() for u, c in folds.curves.items()},
        "confidence_model": confidence_model,
        "credit_fit": _credit_fit(folds.shipped, logits),
        "rows": rows,
        "logits": logits,
        "predicted": predicted,
    }


def _cached_folds(
    scorer: Scorer,
    chosen: Sequence[GradedAnswer],
    anchors: Sequence[GradedAnswer],
    cache_dir: Path | None,
    progress: Callable[[str], None],
) -> Folds:
    import hashlib
    import pickle

    if cache_dir is None:
        return collect_folds(scorer, chosen, anchors, progress)
    key = hashlib.sha256(
        repr(
            (
                scoring_fingerprint(scorer),
                [(i.rubric.model_dump_json(), i.answer, i.gold) for i in [*chosen, *anchors]],
            )
        ).encode("utf-8")
    ).hexdigest()[:16]
    path = cache_dir / f"judge-bench-folds-{key}.pkl"
    if path.exists():
        progress(f"judge bench: analysed rows from {path}")
        folds: Folds = pickle.loads(path.read_bytes())  # our own cache, written below
        return folds
    folds = collect_folds(scorer, chosen, anchors, progress)
    cache_dir.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(folds))
    return folds


def _credit_fit(rows: Rows, logits: Floats | None) -> dict[str, Any] | None:
    """What the shipped credit model is fitted on: every row (anchors included), each answer
    with the log-odds of a judge that never saw its data set, every data set weighing the same.
    """
    if logits is None:
        return None
    features = np.array(rows.features)
    x = np.where(rows.refused()[:, None], 0.0, np.column_stack([features, logits]))
    return {
        "rows": x,
        "gold": np.array(rows.gold),
        "weights": rows.dataset_weights(),
        "names": [*CREDIT_FEATURES, JUDGE_FEATURE],
    }


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """The JSON-able part of a benchmark result (figures, not rows)."""
    keep = ("split", "sample", "shipped_calibration", "judges", "results", "fold_curves",
            "confidence")  # fmt: skip
    out = {k: result[k] for k in keep}
    model = result["confidence_model"]
    out["confidence_model"] = model.model_dump() if model is not None else None
    return out


def markdown(result: dict[str, Any]) -> str:
    """The benchmark's tables as markdown: every candidate per held-out data set, and the
    confidence figures (what docs/quality.md shows)."""
    lines = [
        "| data set | candidate | right < half | wrong > half | r | RMSE | F1 (half) | answers |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for dataset, candidates in result["results"].items():
        for candidate, m in candidates.items():
            name = candidate + (" (in-sample)" if m.get("in_sample") else "")
            name += " (sets it never saw)" if "sets" in m else ""
            lines.append(
                f"| {dataset} | {name} | {m['right_under_half']:.3f} | {m['wrong_over_half']:.3f} "
                f"| {m['pearson_r']:.3f} | {m['rmse']:.3f} | {m['f1_half']:.3f} | {m['answers']} |"
            )
    confidence = result["confidence"]
    lines += [
        "",
        f"Confidence ({confidence['candidate']}; agreement: within {confidence['agree_within']} "
        "of the marks):",
        "",
        "| data set | agreement, all | ECE | flagged | agreement, unflagged "
        "| before: ECE | before: flagged | before: agreement, unflagged |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for dataset, c in confidence["by_dataset"].items():
        b = c["before"]
        lines.append(
            f"| {dataset} | {c['agreement_all']:.3f} | {c['ece']:.3f} | {c['flagged']:.3f} "
            f"| {c['agreement_unflagged']} | {b['ece']:.3f} | {b['flagged']:.3f} "
            f"| {b['agreement_unflagged']} |"
        )
    return "\n".join(lines)
