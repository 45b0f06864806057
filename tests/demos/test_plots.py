"""Each demo's picture carries what its question is about (checked on the drawn figure)."""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from grader.demos.base import DemoResult
from grader.demos.registry import get_demo


def _drawn(demo_id: str) -> tuple[Figure, DemoResult]:
    demo = get_demo(demo_id)
    result = demo.run(demo.params())
    figure = Figure(figsize=(9, 4.5), layout="constrained")
    FigureCanvasAgg(figure)
    demo.plot(result, figure)
    figure.canvas.draw()
    return figure, result


def test_echo_state_shows_the_error_and_what_was_trained() -> None:
    figure, result = _drawn("echo-state-network")
    labels = [axes.get_ylabel() for axes in figure.axes]
    assert all(labels) and "error" in labels
    (bars,) = next(axes for axes in figure.axes if axes.containers).containers
    heights = [bar.get_height() for bar in bars]
    assert heights == [result.summary["fixed_weights"], result.summary["trained_weights"]]
    assert "NRMSE" in figure.axes[0].get_title() and "spread" in figure.axes[0].get_title()


def test_rnn_vs_cnn_shows_what_the_cnn_cannot_see() -> None:
    figure, _ = _drawn("rnn-vs-cnn")
    (legend,) = figure.legends
    texts = [text.get_text() for text in legend.get_texts()]
    assert any("beyond the CNN's input" in t for t in texts)
    assert any("answer for the whole sequence" in t for t in texts)


def test_attention_is_drawn_over_the_image() -> None:
    figure, _ = _drawn("visual-attention")
    image_axes = [axes for axes in figure.axes if axes.images]
    assert len(image_axes) == 1 and len(image_axes[0].images) == 2  # image, attention on it


def test_the_gan_picture_shows_the_discriminator_and_keeps_later_steps_readable() -> None:
    figure, result = _drawn("adversarial-networks")
    judged = result.series["discriminator_last"]
    assert len(judged) == len(result.series["grid"]) and all(0 <= p <= 1 for p in judged)
    assert any("discriminator" in axes.get_ylabel() for axes in figure.axes)
    histogram = figure.axes[0]
    assert histogram.get_xlabel() and histogram.get_ylabel() == "density"


def test_long_term_points_are_not_joined_where_nothing_was_measured() -> None:
    figure, result = _drawn("long-term-dependencies")
    axes = figure.axes[0]
    gaps = len(result.series["gap"])
    measured = [line for line in axes.get_lines() if np.size(line.get_xdata()) == gaps]
    assert measured and all(line.get_linestyle() == "None" for line in measured)
