"""Exploding and vanishing gradients: backpropagation through time in a small tanh RNN.

The gradient of the last state with respect to the state k steps back is the product of k
Jacobians diag(1 - h_t^2) W. With the recurrent weights' spectral radius below 1 its norm
shrinks geometrically with k; above 1 it grows (while the tanh units are not saturated).
Gradient clipping rescales a gradient whose norm exceeds a threshold, so it stays bounded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from grader.demos.base import Demo, DemoParams, DemoResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class GradientParams(DemoParams):
    hidden: int = Field(default=32, ge=2, le=256, description="Hidden units")
    steps: int = Field(default=30, ge=2, le=200, description="How many steps back to follow")
    small_scale: float = Field(default=0.8, gt=0, le=1.0, description="Spectral radius below 1")
    large_scale: float = Field(default=1.3, ge=1.0, le=3.0, description="Spectral radius above 1")
    clip: float = Field(default=10.0, gt=0, le=1e6, description="Gradient clipping threshold")
    input_scale: float = Field(default=1e-4, gt=0, le=1.0, description="Size of the inputs")


def _gradient_norms(params: GradientParams, scale: float, rng: np.random.Generator) -> np.ndarray:
    n = params.hidden
    # An orthogonal matrix times ``scale`` has every eigenvalue of modulus ``scale``.
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    weights = scale * q
    inputs = params.input_scale * rng.standard_normal((params.steps, n))
    states = np.zeros((params.steps + 1, n))
    for t in range(params.steps):
        states[t + 1] = np.tanh(weights @ states[t] + inputs[t])
    # Backpropagate an error vector from the last state, one step at a time.
    error = rng.standard_normal(n)
    error /= np.linalg.norm(error)
    norms = []
    gradient = error
    for t in range(params.steps, 0, -1):
        gradient = weights.T @ ((1.0 - states[t] ** 2) * gradient)
        norms.append(float(np.linalg.norm(gradient)))
    return np.array(norms)


def run(params: GradientParams) -> DemoResult:
    rng = np.random.default_rng(params.seed)
    small = _gradient_norms(params, params.small_scale, rng)
    large = _gradient_norms(params, params.large_scale, rng)
    clipped = np.minimum(large, params.clip)  # clipping rescales the vector to norm <= clip
    return DemoResult(
        demo="exploding-vanishing-gradients",
        params=params.model_dump(),
        series={
            "k": [float(k) for k in range(1, params.steps + 1)],
            "norm_small_scale": small.tolist(),
            "norm_large_scale": large.tolist(),
            "norm_large_scale_clipped": clipped.tolist(),
        },
        summary={
            "small_scale_ratio_last_to_first": float(small[-1] / small[0]),
            "large_scale_ratio_last_to_first": float(large[-1] / large[0]),
            "max_clipped_norm": float(clipped.max()),
        },
        explanation=(
            f"Following the gradient {params.steps} steps back: with spectral radius "
            f"{params.small_scale} its norm falls by a factor {small[0] / small[-1]:.3g} "
            f"(vanishing); with {params.large_scale} it grows by {large[-1] / large[0]:.3g} "
            f"(exploding). Clipping at {params.clip:g} keeps the step bounded."
        ),
    )


def plot(result: DemoResult, figure: Figure) -> None:
    axes = figure.add_subplot()
    k = result.series["k"]
    axes.semilogy(k, result.series["norm_small_scale"], label="radius < 1 (vanishing)")
    axes.semilogy(k, result.series["norm_large_scale"], label="radius > 1 (exploding)")
    axes.semilogy(k, result.series["norm_large_scale_clipped"], "--", label="radius > 1, clipped")
    axes.set_xlabel("steps back k")
    axes.set_ylabel("||dh_T / dh_{T-k}|| (backpropagated error)")
    axes.set_title("Backpropagation through time in a tanh RNN")
    axes.legend()


DEMO = Demo(
    id="exploding-vanishing-gradients",
    title="Exploding and vanishing gradients",
    questions=("what-is-vanishing-and-exploding-gradient-descent",),
    params=GradientParams,
    run=run,
    plot=plot,
    summary="Gradient norm k steps back in a tanh RNN, radius below and above 1, with clipping.",
)
