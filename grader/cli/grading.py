"""``grader grade``, ``grader calibrate`` and ``grader eval``: the scorer from the command line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from grader.config import get_settings
from grader.course import load_rubrics
from grader.evaluation.report import emit, save
from grader.rubrics.schema import Rubric
from grader.scoring.grade import Grade

DEFAULT_DATA_DIR = Path("../shared/data/asag")
PUBLIC_DATA_DIR = Path(".cache/grader/data")
JUDGES_DIR = Path(".cache/grader/judge")
SEED_ANSWERS = Path("tests/data/seed_answers.yaml")
OWN_WORDS = Path("tests/data/own_words.yaml")
OWN_WORDS_COURSE = Path("tests/data/documents/operating-systems.md")
KEY_POINT_CLASS = Path("tests/data/key_point_class.yaml")
LANGUAGE_CASES = Path("tests/data/languages.yaml")


def _rubric(question_id: str) -> Rubric:
    settings = get_settings()
    rubric_set = load_rubrics(settings)
    loaded = rubric_set.rubrics.get(question_id)
    if loaded is None:
        known = ", ".join(sorted(rubric_set.rubrics)) or "none"
        typer.echo(
            f"error: no rubric '{question_id}' in {settings.rubrics_dir} (known: {known})", err=True
        )
        raise typer.Exit(2)
    return loaded.rubric


def _pretty(grade: Grade) -> str:
    lines = [
        f"{grade.question_id}: {grade.verdict} {grade.points:g}/{grade.max_points:g} "
        f"(score {grade.score:.2f}, confidence {grade.confidence:.2f}"
        + (", needs review" if grade.needs_review else "")
        + ")"
    ]
    for criterion in grade.criteria:
        mark = "✓" if criterion.met else "✗"
        evidence = f' ← "{criterion.evidence}"' if criterion.evidence and criterion.met else ""
        note = f" [{criterion.note}]" if criterion.note else ""
        lines.append(f"  {mark} {criterion.credit:.2f} {criterion.text}{evidence}{note}")
    for misconception in grade.misconceptions_triggered:
        lines.append(f"  ! -{misconception.penalty:g} {misconception.text}")
    lines.append(f"  {grade.feedback}")
    if grade.hint:
        lines.append(f"  hint: {grade.hint}")
    return "\n".join(lines)


BULK_CHUNK = 256


def grade(
    question_id: Annotated[str, typer.Argument(help="The rubric's question id.")],
    answer: Annotated[str | None, typer.Argument(help="The answer text.")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Grade one answer per line ('-' for stdin).")
    ] = None,
    pretty: Annotated[bool, typer.Option(help="A readable summary instead of JSON.")] = False,
) -> None:
    """Grade answers to one question: one JSON Grade per answer, in input order."""
    from grader.scorer_setup import build_scorer
    from grader.scoring.scorer import AnswerTooLong

    if (answer is None) == (file is None):
        typer.echo("error: give either an ANSWER or --file", err=True)
        raise typer.Exit(2)
    rubric = _rubric(question_id)
    if file is not None:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        answers = text.splitlines()
    else:
        answers = [answer or ""]
    limit = get_settings().max_answer_chars
    too_long = [(n, len(a)) for n, a in enumerate(answers, start=1) if len(a) > limit]
    if too_long:  # refused before anything is graded or printed
        line, length = too_long[0]
        where = f" on line {line}" if file is not None else ""
        typer.echo(f"error: answer{where} is {length} characters; the limit is {limit}", err=True)
        raise typer.Exit(1)
    from grader.services.learning import AdaptedModels, grade_answers, model_in_force
    from grader.store.session import open_database

    scorer = build_scorer(get_settings())
    # The course's learnt model grades too, as in the service (each answer's `adapted` says
    # so); said once on stderr, with why when it does not.
    sessions, engine = open_database(get_settings().database_url)
    models = AdaptedModels()
    try:
        with sessions() as session:
            typer.echo(
                f"{question_id}: {model_in_force(models, session, scorer, rubric)}", err=True
            )
            # In chunks: one batched encode each, and results stream out as each is graded.
            for start in range(0, len(answers), BULK_CHUNK):
                chunk = answers[start : start + BULK_CHUNK]
                try:
                    grades = grade_answers(scorer, models, session, rubric, chunk)
                except AnswerTooLong as error:
                    typer.echo(f"error: {error}", err=True)
                    raise typer.Exit(1) from error
                for result in grades:
                    typer.echo(_pretty(result) if pretty else result.model_dump_json())
    finally:
        engine.dispose()


def question_half_option(value: str) -> str:
    """``--questions`` of ``grader train`` and ``grader calibrate``: all, or half a or b."""
    from grader.learning.graded import QUESTION_HALVES

    if value not in QUESTION_HALVES:
        raise typer.BadParameter(f"one of {', '.join(QUESTION_HALVES)}")
    return value


def calibrate(
    data_dir: Annotated[
        Path, typer.Option(help="Folder with mohler2011.csv and semeval2013_train.csv.")
    ] = DEFAULT_DATA_DIR,
    out: Annotated[
        Path | None, typer.Option(help="Where to write (default: the shipped artifact).")
    ] = None,
    questions: Annotated[
        str,
        typer.Option(
            help="Fit on the answers to half of the questions (a or b: the half a model "
            "`grader train --questions` was not trained on), or all.",
            callback=question_half_option,
        ),
    ] = "all",
) -> None:
    """Fit the calibration on graded answers and write the artifact the scorer loads (one per
    embedder backend: GRADER_EMBEDDER picks which). Then `grader eval judge
    --update-calibration` adds the key-point judge and the confidence model."""
    from grader.evaluation.datasets import load_mohler, load_semeval
    from grader.evaluation.evaluate import calibrate as fit
    from grader.learning.graded import question_half
    from grader.scorer_setup import build_scorer
    from grader.scoring.calibration import default_calibration, uncalibrated

    settings = get_settings()
    scorer = build_scorer(settings.model_copy(update={"cache_dir": None}))
    scorer.calibration = uncalibrated(scorer.embedder.model_id)
    # Without the judge: the shipped judge learnt from these answers, so its weight is fitted
    # by `grader eval judge --update-calibration` instead, on answers it never saw.
    scorer.judge = None
    mohler = question_half(load_mohler(data_dir / "mohler2011.csv"), questions)
    semeval = question_half(load_semeval(data_dir / "semeval2013_train.csv"), questions)
    calibration = fit(
        scorer, mohler, semeval, progress=lambda message: typer.echo(message, err=True)
    )
    target = out or default_calibration(settings.embedder)
    calibration.save(target)
    typer.echo(f"wrote {target}: version {calibration.version}")
    typer.echo(calibration.model_dump_json(indent=2, include={"criterion", "verdict"}))


def evaluate(
    dataset: Annotated[
        str,
        typer.Argument(
            help="mohler, semeval, seed, own-words, all, course, judge, effort, key-points, "
            "rules or languages."
        ),
    ],
    data_dir: Annotated[
        Path, typer.Option(help="Folder with the graded answer CSVs.")
    ] = DEFAULT_DATA_DIR,
    json_out: Annotated[
        Path | None, typer.Option(help="Also save the results as JSON here.")
    ] = None,
    graded: Annotated[
        Path | None,
        typer.Option(
            help="course: graded answers, mohler2011.csv, semeval2013_train.csv, a set `grader "
            "data fetch` wrote, or a CSV with question_id, answer, points[, max_points] for this "
            "course's rubrics."
        ),
    ] = None,
    budget: Annotated[
        list[int] | None,
        typer.Option(help="course: answers the instructor grades per question (repeatable)."),
    ] = None,
    draws: Annotated[int, typer.Option(help="course: random orders to average over.")] = 3,
    public_dir: Annotated[
        Path, typer.Option(help="judge: the public sets `grader data fetch` wrote.")
    ] = PUBLIC_DATA_DIR,
    judges_dir: Annotated[
        Path, typer.Option(help="judge: the held-out judges `grader train-judge` wrote.")
    ] = JUDGES_DIR,
    update_calibration: Annotated[
        bool,
        typer.Option(
            help="judge: write the confidence model fitted on the benchmark into the shipped "
            "calibration."
        ),
    ] = False,
    with_judge: Annotated[
        bool,
        typer.Option(
            help="judge: ship the judge: the credit model with it (and the confidence on its "
            "grades) go into the calibration."
        ),
    ] = False,
    update_key_point_model: Annotated[
        bool,
        typer.Option(
            help="key-points: fit the key-point model on every graded set at hand and write "
            "it where the service reads it (grader/learning/key_point_model.json)."
        ),
    ] = False,
) -> None:
    """Measure grading quality on human-graded answers (see docs/quality.md).

    `judge` is the key-point judge benchmark: every public graded set held out in turn
    (docs/quality.md, "The key-point judge").

    `course` simulates an instructor who grades K answers per question and lets the adapted
    model grade the rest (see docs/learning.md).

    `effort` simulates an instructor who grades by answer groups, on Mohler, SemEval and the
    public sets: actions needed against grading one by one (docs/learning.md).

    `key-points` simulates an instructor who decides the key points of 1, 2 or 3 answers per
    question of tests/data/key_point_class.yaml (the rest graded with those decisions), and
    measures the nearest-example rule on SemEval's labels, and the judge's line and the
    key-point model (each set held out) on every graded set at hand (docs/learning.md).

    `rules` switches each hand rule of the scoring code off in turn and measures what it
    adds on the public sets the shipped calibration never saw (docs/scoring.md).

    `languages` counts the answers the grader says it cannot read, on graded English answers
    and tests/data/languages.yaml (docs/quality.md).
    """
    if dataset == "languages":
        emit(_evaluate_languages(data_dir), json_out)
        return
    if dataset == "key-points":
        emit(_evaluate_key_points(data_dir, update_key_point_model), json_out)
        return
    if dataset == "effort":
        emit(_evaluate_effort(data_dir, public_dir), json_out)
        return
    if dataset == "rules":
        emit(_evaluate_rules(data_dir, public_dir), json_out)
        return
    if dataset == "course":
        if graded is None:
            typer.echo("error: eval course needs --graded FILE.csv", err=True)
            raise typer.Exit(2)
        emit(_evaluate_course(graded, budget or [10, 20], draws), json_out)
        return
    from grader.evaluation.datasets import load_mohler, load_semeval
    from grader.evaluation.evaluate import evaluate_mohler, evaluate_semeval
    from grader.evaluation.seed import evaluate_seed
    from grader.scorer_setup import build_scorer

    if dataset == "judge":
        _evaluate_judge(data_dir, public_dir, judges_dir, json_out, update_calibration, with_judge)
        return
    known = ("mohler", "semeval", "seed", "own-words")
    names = list(known) if dataset == "all" else [dataset]
    unknown = [n for n in names if n not in known]
    if unknown:
        typer.echo(
            f"error: unknown dataset '{unknown[0]}' "
            "(mohler, semeval, seed, own-words, all, course, judge, effort, key-points, rules or "
            "languages)",
            err=True,
        )
        raise typer.Exit(2)
    scorer = build_scorer(get_settings())
    progress = lambda message: typer.echo(message, err=True)  # noqa: E731
    results: dict[str, Any] = {"calibration": scorer.calibration.version}
    if "mohler" in names:
        path = data_dir / "mohler2011.csv"
        with _held_out_judge(scorer, judges_dir, "mohler", results):
            results["mohler"] = {
                "reference_rubrics": evaluate_mohler(
                    scorer, load_mohler(path, "reference"), progress
                ),
                "keypoint_rubrics": evaluate_mohler(
                    scorer, load_mohler(path, "keypoints"), progress
                ),
            }
    if "semeval" in names:
        with _held_out_judge(scorer, judges_dir, "semeval", results):
            results["semeval"] = evaluate_semeval(
                scorer, load_semeval(data_dir / "semeval2013_train.csv"), progress
            )
    if "seed" in names:
        settings = get_settings()
        results["seed"] = evaluate_seed(scorer, load_rubrics(settings), SEED_ANSWERS)
    if "own-words" in names:
        from grader.evaluation.own_words import course_rubrics, evaluate_wording, load_cases

        rubrics = {k: v.rubric for k, v in load_rubrics(get_settings()).rubrics.items()}
        rubrics.update(course_rubrics(OWN_WORDS_COURSE))
        results["own_words"] = evaluate_wording(scorer, rubrics, load_cases(OWN_WORDS))
    emit(results, json_out)


def _evaluate_rules(data_dir: Path, public_dir: Path) -> dict[str, Any]:
    from grader.evaluation.datasets import load_mohler
    from grader.evaluation.judge_bench import CALIBRATION_SETS, dataset_of, sample
    from grader.evaluation.own_words import course_rubrics, evaluate_wording, load_cases
    from grader.evaluation.rules import ablation, verdicts
    from grader.evaluation.seed import evaluate_seed
    from grader.scorer_setup import build_scorer

    settings = get_settings()
    scorer = build_scorer(settings)
    scorer.judge = None  # as the judge benchmark's "shipped" candidate
    # The judge benchmark's sample, less the sets the shipped calibration was fitted on.
    chosen = sample(judge_items(data_dir, public_dir), per_question=100, per_dataset=1000)
    held_out = [item for item in chosen if dataset_of(item) not in CALIBRATION_SETS]
    rubric_set = load_rubrics(settings)
    rubrics = {k: v.rubric for k, v in rubric_set.rubrics.items()}
    rubrics.update(course_rubrics(OWN_WORDS_COURSE))
    cases = load_cases(OWN_WORDS)

    def ours() -> dict[str, Any]:
        seed = evaluate_seed(scorer, rubric_set, SEED_ANSWERS)
        wording = evaluate_wording(scorer, rubrics, cases)
        return {
            "trap_set_as_expected": f"{seed['as_expected']}/{seed['answers']}",
            "own_words_right": wording["own-words"]["graded_right"],
            "own_words_caught": wording["own-words"]["caught"],
            "reused_wrong_right": wording["reused-wrong"]["graded_right"],
            "reused_wrong_caught": wording["reused-wrong"]["caught"],
        }

    # Rules about several key points (and comparisons) act only on rubrics that have them:
    # Mohler's key-point rubrics, out of fold.
    key_points = load_mohler(data_dir / "mohler2011.csv", "keypoints")
    progress = lambda message: typer.echo(message, err=True)  # noqa: E731
    report = ablation(scorer, held_out, dataset_of, ours, progress, key_point_items=key_points)
    report["verdicts"] = verdicts(report)
    report["calibration"] = scorer.calibration.version
    return report


def _evaluate_languages(data_dir: Path) -> dict[str, Any]:
    from grader.evaluation.languages import graded_english, language_cases, unread_counts
    from grader.scoring.embedder import bundled_model_path

    settings = get_settings()
    vocabulary = (settings.model_path or bundled_model_path()) / "vocab.txt"
    sets = {**graded_english(data_dir), **language_cases(LANGUAGE_CASES)}
    return {name: unread_counts(answers, vocabulary) for name, answers in sets.items()}


def _evaluate_key_points(data_dir: Path, update_model: bool) -> dict[str, Any]:
    from grader.evaluation.datasets import load_semeval
    from grader.evaluation.key_point_class import (
        example_agreement,
        group_defaults,
        load_class,
        simulate,
    )
    from grader.evaluation.key_point_model import fit_on_all, held_out
    from grader.learning.keypoint_model import SHIPPED_MODEL, shipped_model
    from grader.scorer_setup import build_scorer

    scorer = build_scorer(get_settings())
    rubric_set = load_rubrics(get_settings())
    rubrics = {k: v.rubric for k, v in rubric_set.rubrics.items()}
    results: dict[str, Any] = {"calibration": scorer.calibration.version}
    sets = _graded_sets(scorer, data_dir, rubric_set, results)
    typer.echo("key-point model: each set held out", err=True)
    results["key_point_model"] = held_out(sets)
    if update_model:
        if not sets:
            typer.echo(f"error: no graded set at hand in {data_dir} to fit on", err=True)
            raise typer.Exit(2)
        fit_on_all(sets).save(SHIPPED_MODEL)
        shipped_model.cache_clear()
        typer.echo(f"wrote {SHIPPED_MODEL}", err=True)
    model = shipped_model()
    results["key_point_model_shipped"] = None if model is None else model.fitted_on
    answers = load_class(KEY_POINT_CLASS)
    results["class"] = {}
    for like in (0.65, 0.7, 0.75, 0.8, 0.85, 0.9):
        typer.echo(f"key-point class, least cosine {like}", err=True)
        results["class"][f"{like:.2f}"] = simulate(scorer, rubrics, answers, like=like)
    # Without the key-point model: the nearest examples and the line alone (before it).
    results["class_no_model"] = simulate(scorer, rubrics, answers, model=None)
    # The nearest examples alone (no judge's line, no model), at the shipped cut.
    results["class_examples_only"] = simulate(scorer, rubrics, answers, by_credit=False, model=None)
    # The line without its midpoint (the judge's verdict between credited and refused answers).
    results["class_no_midpoint"] = simulate(scorer, rubrics, answers, midpoint=False)
    # Without the doubt: a verdict the decisions showed the judge wrong on stands unflagged.
    results["class_no_doubts"] = simulate(scorer, rubrics, answers, doubting=False)
    # Groups on the class: the representative decided by key points, the defaults kept.
    results["class_groups"] = group_defaults(scorer, rubrics, answers)
    graded: dict[str, list[tuple[str, bool]]] = {}
    for item in load_semeval(data_dir / "semeval2013_train.csv"):
        if not item.source_group:  # the set's own answers, not another question's
            graded.setdefault(item.group, []).append((item.answer, item.gold >= 0.5))
    typer.echo("SemEval-2013: the nearest decided answer's label", err=True)
    results["semeval_nearest_example"] = example_agreement(scorer.embedder, graded)
    results["credit_line"] = _credit_line(sets)
    return results


def _graded_sets(
    scorer: Any, data_dir: Path, rubric_set: Any, results: dict[str, Any]
) -> dict[str, Any]:
    """Every set of :data:`KEY_POINT_SETS` at hand (the public ones when fetched), with
    out-of-fold rubric grades (Mohler, SemEval) or the shipped calibration's (the others, never
    fitted on them); those not at hand are named in ``results``."""
    from grader.evaluation.course_data import cached_inputs

    found: dict[str, Any] = {}
    for name in KEY_POINT_SETS:
        path = (data_dir if name.startswith(("mohler", "semeval")) else PUBLIC_DATA_DIR) / (
            f"{name}.csv"
        )
        if not path.exists():
            results.setdefault("not_at_hand", []).append(f"{name} (grader data fetch)")
            continue
        typer.echo(f"graded set: {name}", err=True)
        found[name] = cached_inputs(scorer, path, rubric_set, lambda m: None, EFFORT_CLASS)
    return found


def _credit_line(sets: dict[str, Any]) -> dict[str, Any]:
    """The per-key-point line on every graded set at hand."""
    from grader.evaluation.key_point_class import LINE_VARIANTS, credit_line_agreement

    found: dict[str, Any] = {}
    for name, inputs in sets.items():
        found[name] = credit_line_agreement(inputs.rubric, inputs.gold, inputs.questions)
        found[name]["variants, 3 decided"] = {
            variant: credit_line_agreement(
                inputs.rubric, inputs.gold, inputs.questions, decided=(3,), variant=variant
            )["3"]["with_line_right"]
            for variant in LINE_VARIANTS
        }
    return found


@contextmanager
def _held_out_judge(
    scorer: Any, judges_dir: Path, unit: str, results: dict[str, Any]
) -> Iterator[None]:
    """While a shared data set is measured, the judge trained without it (the shipped judge
    learnt from it): the figures stay held out. Says which judge each set was measured with."""
    judge = scorer.judge
    if judge is None:
        yield
        return
    folder = judges_dir / unit
    if not (folder / "config.json").exists():
        typer.echo(
            f"warning: no judge held out of {unit} in {judges_dir} (grader train-judge): its "
            "figures use the shipped judge, which was trained on its answers",
            err=True,
        )
        results.setdefault("judges", {})[unit] = "shipped (trained on it: not held out)"
        yield
        return
    from grader.learning.judge_train import TorchJudge

    scorer.judge = TorchJudge(folder)
    results.setdefault("judges", {})[unit] = f"held out: {folder}"
    try:
        yield
    finally:
        scorer.judge = judge


def judge_items(data_dir: Path, public_dir: Path) -> list[Any]:
    """Every graded set there is: the shared two and the fetched public ones."""
    from grader.evaluation.datasets import load_mohler, load_semeval
    from grader.evaluation.public_sets import PUBLIC_SETS, load_public

    items = [
        *load_mohler(data_dir / "mohler2011.csv"),
        *load_semeval(data_dir / "semeval2013_train.csv"),
    ]
    missing = [n for n in PUBLIC_SETS if not (public_dir / f"{n}.csv").exists()]
    if missing:
        typer.echo(
            f"error: {', '.join(missing)} not in {public_dir}: run `grader data fetch`", err=True
        )
        raise typer.Exit(2)
    for name in PUBLIC_SETS:
        items += load_public(public_dir / f"{name}.csv")
    return items


def _evaluate_judge(
    data_dir: Path,
    public_dir: Path,
    judges_dir: Path,
    json_out: Path | None,
    update: bool,
    with_judge: bool,
) -> None:
    from datetime import UTC, datetime

    from grader.evaluation.fit import fit_credit_model
    from grader.evaluation.judge_bench import markdown, run_benchmark, summary
    from grader.scorer_setup import build_scorer
    from grader.scoring.calibration import Calibration, default_calibration

    settings = get_settings()
    scorer = build_scorer(settings.model_copy(update={"cache_dir": None}))
    if scorer.calibration.credit.uses_judge:
        typer.echo(
            "error: the benchmark measures today's signals beside the judge, so it needs a "
            "calibration without the judge (GRADER_CALIBRATION_PATH)",
            err=True,
        )
        raise typer.Exit(2)
    items = judge_items(data_dir, public_dir)
    result = run_benchmark(
        scorer,
        items,
        judges_dir,
        progress=lambda message: typer.echo(message, err=True),
        cache_dir=settings.cache_dir,
        with_judge=with_judge,
    )
    figures = summary(result)
    typer.echo(markdown(figures))
    if json_out is not None:
        save(figures, json_out)
    if not update:
        return
    target = default_calibration(settings.embedder)
    shipped = Calibration.load(target)
    change: dict[str, Any] = {"confidence": result["confidence_model"]}
    fitted_on = "; the confidence: grader eval judge (its held-out grades on every data set)"
    if with_judge:
        if result["logits"] is None:
            typer.echo("error: no held-out judges to fit with: grader train-judge", err=True)
            raise typer.Exit(2)
        change["credit"] = fit_credit_model(**result["credit_fit"])
        fitted_on += (
            "; the credit model with the key-point judge: grader eval judge (each answer "
            "judged by a judge not trained on its data set)"
        )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d.%H%M%S")
    base = shipped.fitted_on.split("; the confidence:")[0]
    updated = shipped.model_copy(update={**change, "version": stamp, "fitted_on": base + fitted_on})
    updated.save(target)
    typer.echo(f"wrote {target}: version {stamp}", err=True)


def _evaluate_course(graded: Path, budgets: list[int], draws: int) -> dict[str, Any]:
    """Simulate an instructor who grades K answers per question; measure the rest."""
    from grader.evaluation.course import simulate
    from grader.evaluation.course_data import cached_inputs
    from grader.scorer_setup import build_scorer

    scorer = build_scorer(get_settings())
    progress = lambda message: typer.echo(message, err=True)  # noqa: E731
    try:
        inputs = cached_inputs(scorer, graded, load_rubrics(get_settings()), progress)
    except (ValueError, OSError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    return {
        "graded": str(graded),
        "rubric_grade": inputs.rubric_source,
        "runs": [
            simulate(
                inputs.questions, inputs.gold, inputs.rubric, inputs.reference, inputs.vectors,
                k, draws, inputs.scale,
            )
            for k in budgets
        ],
    }  # fmt: skip


EFFORT_SETS = ("mohler2011", "semeval2013_train", "powergrading", "asap", "digiklausur")
# The graded sets with one reference per question that `grader eval key-points` measures on.
KEY_POINT_SETS = (*EFFORT_SETS, "stita")
EFFORT_CLASS = 250  # answers per question at most: a large class (a seeded sample)


def _evaluate_effort(data_dir: Path, public_dir: Path) -> dict[str, Any]:
    """Grading by groups against one by one, per data set and grouping (docs/learning.md)."""
    from grader.evaluation.effort import effort_runs
    from grader.scorer_setup import build_scorer

    paths = [
        (data_dir if name.startswith(("mohler", "semeval")) else public_dir) / f"{name}.csv"
        for name in EFFORT_SETS
    ]
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        typer.echo(f"error: {', '.join(missing)} missing: run `grader data fetch`", err=True)
        raise typer.Exit(2)
    scorer = build_scorer(get_settings())
    progress = lambda message: typer.echo(message, err=True)  # noqa: E731
    rubrics = load_rubrics(get_settings())
    return {
        "class_size_at_most": EFFORT_CLASS,
        "data_sets": {
            path.stem: effort_runs(scorer, path, rubrics, progress, EFFORT_CLASS) for path in paths
        },
    }


data_app = typer.Typer(help="Public graded answer sets.", no_args_is_help=True)


@data_app.command("fetch")
def fetch_data(
    names: Annotated[
        list[str] | None, typer.Argument(help="Which sets (default: all of them).")
    ] = None,
    data_dir: Annotated[Path, typer.Option(help="Where to write them.")] = PUBLIC_DATA_DIR,
    url_template: Annotated[
        str,
        typer.Option(help="Where the repositories are: {owner} and {name} filled in."),
    ] = "https://github.com/{owner}/{name}.git",
) -> None:
    """Clone each public graded set's repository at its pinned commit and convert it to CSV
    (nothing of them is committed here: docs/quality.md says why, set by set)."""
    from grader.evaluation.public_sets import PUBLIC_SETS, fetch

    chosen = names or list(PUBLIC_SETS)
    unknown = [n for n in chosen if n not in PUBLIC_SETS]
    if unknown:
        typer.echo(f"error: unknown set '{unknown[0]}' ({', '.join(PUBLIC_SETS)})", err=True)
        raise typer.Exit(2)
    for name, count in fetch(chosen, data_dir, url_template).items():
        typer.echo(f"{name}: {count} answers → {data_dir / name}.csv ({PUBLIC_SETS[name].licence})")


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
    app.command("grade")(grade)
    app.command("calibrate")(calibrate)
    app.command("eval")(evaluate)
