"""The registry: bounds, errors that name the parameter, limits, rendering, links to rubrics."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from grader.demos.base import DemoResult
from grader.demos.gradients import GradientParams
from grader.demos.registry import (
    DEMOS,
    DemoBusy,
    DemoRunner,
    InvalidDemoParams,
    UnknownDemo,
    demo_for_questions,
    get_demo,
    parse_params,
    render_png,
)
from grader.rubrics.loader import load_rubric_set
from tests.conftest import REPO_ROOT

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("demo_id", sorted(DEMOS))
def test_every_demo_runs_with_defaults_and_renders_a_png(demo_id: str) -> None:
    demo = get_demo(demo_id)
    result = DemoRunner().run(demo, demo.params())
    assert result.demo == demo_id
    assert result.explanation
    png = render_png(demo, result)
    assert png.startswith(PNG_SIGNATURE) and len(png) > 5000


def test_runs_are_deterministic_for_a_seed() -> None:
    demo = get_demo("echo-state-network")
    first = demo.run(parse_params(demo, {"seed": 7}))
    again = demo.run(parse_params(demo, {"seed": 7}))
    other = demo.run(parse_params(demo, {"seed": 8}))
    assert first.series == again.series
    assert first.series != other.series


def test_out_of_bounds_and_unknown_parameters_are_named_with_their_range() -> None:
    demo = get_demo("echo-state-network")
    with pytest.raises(InvalidDemoParams) as caught:
        parse_params(demo, {"spectral_radius": 9, "nodes": 3})
    names = dict(caught.value.problems)
    assert "<= 3.0" in names["spectral_radius"]
    assert "known parameters" in names["nodes"]
    with pytest.raises(InvalidDemoParams, match="the most allowed is 2,000,000"):
        parse_params(
            get_demo("long-term-dependencies"), {"gaps": [100, 90, 80], "train_steps": 400}
        )
    with pytest.raises(UnknownDemo, match="no demo 'nope'"):
        get_demo("nope")


def test_a_parameters_own_check_reads_as_words_once_named() -> None:
    # Not "gaps: Value error, gaps: 1 to 6 distances ...".
    for demo_id, name, value in (("long-term-dependencies", "gaps", [1000]),
                                 ("rnn-vs-cnn", "lengths", [0])):  # fmt: skip
        with pytest.raises(InvalidDemoParams) as caught:
            parse_params(get_demo(demo_id), {name: value})
        ((named, message),) = caught.value.problems
        assert named == name and message.startswith("1 to ")


def test_a_run_beyond_the_concurrency_limit_is_refused_at_once() -> None:
    runner = DemoRunner(max_concurrent=1)
    demo = get_demo("exploding-vanishing-gradients")
    started, release = threading.Event(), threading.Event()
    original = demo.run

    def slow(params: GradientParams) -> DemoResult:
        started.set()
        release.wait(timeout=10)
        return original(params)

    blocked = dataclasses.replace(demo, run=slow)
    worker = threading.Thread(target=runner.run, args=(blocked, GradientParams(seed=1)))
    worker.start()
    assert started.wait(timeout=10)
    with pytest.raises(DemoBusy):
        runner.run(demo, GradientParams(seed=2))
    release.set()
    worker.join(timeout=10)
    assert runner.run(demo, GradientParams(seed=2)).params["seed"] == 2


def test_default_results_are_cached() -> None:
    runner = DemoRunner()
    demo = get_demo("rnn-vs-cnn")
    assert runner.run(demo, demo.params()) is runner.run(demo, demo.params())
    assert runner.run(demo, parse_params(demo, {"seed": 3})) is not runner.run(demo, demo.params())


def test_every_seed_rubric_links_to_a_demo_that_names_it() -> None:
    rubric_set = load_rubric_set([REPO_ROOT / "rubrics"], known_demos=set(DEMOS))
    assert rubric_set.problems == []
    links = demo_for_questions()
    for question_id, loaded in rubric_set.rubrics.items():
        assert loaded.rubric.demo == links[question_id]
        assert question_id in get_demo(loaded.rubric.demo).questions
