"""The demo routes: list, describe, run, draw, and clear errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from grader.config import Settings
from grader.demos.registry import DEMOS
from grader.main import create_app
from grader.store.practice import create_token
from grader.store.session import make_engine, make_sessions
from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'grader.db'}"
    settings = Settings(rubrics_dir=REPO_ROOT / "rubrics", cache_dir=None, database_url=url)
    with TestClient(create_app(settings)) as test_client:
        engine = make_engine(url)
        with make_sessions(engine).begin() as session:
            token = create_token(session, role="instructor")
        engine.dispose()
        test_client.headers["Authorization"] = f"Bearer {token}"
        yield test_client


def test_demos_need_a_token(client: TestClient) -> None:
    assert client.get("/demos", headers={"Authorization": ""}).status_code == 401


def test_list_and_describe(client: TestClient) -> None:
    listed = client.get("/demos").json()
    assert {d["id"] for d in listed} == set(DEMOS)
    described = client.get("/demos/echo-state-network").json()
    assert described["questions"] == ["what-is-echo-state-network"]
    radius = described["params"]["properties"]["spectral_radius"]
    assert (radius["default"], radius["maximum"]) == (0.9, 3.0)


def test_run_returns_numbers_and_explanation(client: TestClient) -> None:
    response = client.post("/demos/rnn-vs-cnn/run", json={"lengths": [5, 20], "cnn_size": 8})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["summary"]["rnn_final_error_20"] == 0
    assert result["summary"]["cnn_final_error_20"] > 0
    assert "RNN" in result["explanation"]
    assert client.post("/demos/rnn-vs-cnn/run").status_code == 200  # defaults


def test_out_of_bounds_parameters_get_422_naming_the_parameter_and_range(
    client: TestClient,
) -> None:
    response = client.post("/demos/echo-state-network/run", json={"spectral_radius": 7})
    assert response.status_code == 422
    (problem,) = response.json()["errors"]
    assert problem["field"] == "spectral_radius"
    assert "<= 3.0" in problem["message"]
    response = client.get("/demos/visual-attention/plot.png", params={"digits": 9})
    assert response.status_code == 422
    assert "digits" in response.text


def test_unknown_demo_is_404(client: TestClient) -> None:
    assert client.get("/demos/nope").status_code == 404
    assert client.post("/demos/nope/run", json={}).status_code == 404


def test_plot_is_a_png(client: TestClient) -> None:
    response = client.get("/demos/exploding-vanishing-gradients/plot.png", params={"steps": 12})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")


def test_drawing_takes_a_demo_slot_like_running(client: TestClient) -> None:
    """A plot is as heavy as a run: with every slot taken it is refused (503), even when the
    run's result is cached; a picture already drawn costs nothing and is served."""
    runner = client.app.state.demos  # type: ignore[attr-defined]
    assert client.post("/demos/rnn-vs-cnn/run").status_code == 200  # the result is now cached
    for _ in range(runner.max_concurrent):
        assert runner._slots.acquire(blocking=False)
    try:
        busy = client.get("/demos/rnn-vs-cnn/plot.png")
        assert busy.status_code == 503 and busy.headers["retry-after"]
        assert busy.headers["content-type"] == "application/problem+json"
    finally:
        for _ in range(runner.max_concurrent):
            runner._slots.release()
    drawn = client.get("/demos/rnn-vs-cnn/plot.png")
    assert drawn.status_code == 200 and drawn.content.startswith(b"\x89PNG")
    for _ in range(runner.max_concurrent):
        runner._slots.acquire(blocking=False)
    try:
        assert client.get("/demos/rnn-vs-cnn/plot.png").content == drawn.content
    finally:
        for _ in range(runner.max_concurrent):
            runner._slots.release()
