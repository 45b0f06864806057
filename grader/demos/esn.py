"""An echo state network: a fixed random sparse reservoir, only a linear readout is trained.

The input and reservoir weights are drawn once and never trained; the reservoir is sparse and
scaled to a spectral radius below 1 so that it forgets its initial state (the echo state
property). A ridge regression readout then learns to predict the next value of a Mackey-Glass
series. Push the spectral radius above 1 and the reservoir's own dynamics drown the input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from grader.demos.base import Demo, DemoParams, DemoResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class EsnParams(DemoParams):
    reservoir: int = Field(default=200, ge=10, le=1000, description="Reservoir units")
    connectivity: float = Field(default=0.05, gt=0, lt=0.1, description="Share of nonzero weights")
    spectral_radius: float = Field(default=0.9, gt=0, le=3.0, description="Reservoir weight scale")
    input_scale: float = Field(default=0.5, gt=0, le=5.0, description="Input weight scale")
    ridge: float = Field(default=1e-6, gt=0, le=10.0, description="Readout regularisation")
    train_steps: int = Field(default=1500, ge=200, le=5000)
    test_steps: int = Field(default=500, ge=50, le=2000)


def mackey_glass(length: int, tau: int = 17, beta: float = 0.2, gamma: float = 0.1) -> np.ndarray:
    """The Mackey-Glass delay equation, integrated with unit steps (a standard chaotic series)."""
    history = 1.2 * np.ones(length + tau + 200)
    for t in range(tau, len(history) - 1):
        delayed = history[t - tau]
        history[t + 1] = history[t] + beta * delayed / (1 + delayed**10) - gamma * history[t]
    return history[-length:]


def run(params: EsnParams) -> DemoResult:
    rng = np.random.default_rng(params.seed)
    n = params.reservoir
    washout = 100
    total = washout + params.train_steps + params.test_steps + 1
    series = mackey_glass(total)
    series = (series - series.mean()) / series.std()

    mask = rng.random((n, n)) < params.connectivity
    reservoir = np.where(mask, rng.uniform(-1, 1, (n, n)), 0.0)
    radius = max(abs(np.linalg.eigvals(reservoir)))
    reservoir *= params.spectral_radius / radius
    inputs = rng.uniform(-params.input_scale, params.input_scale, n)

    states = np.zeros((total - 1, n))
    state = np.zeros(n)
    for t in range(total - 1):
        state = np.tanh(reservoir @ state + inputs * series[t])
        states[t] = state
    targets = series[1:]  # predict the next value

    train = slice(washout, washout + params.train_steps)
    test = slice(washout + params.train_steps, total - 1)
    design = np.hstack([states[train], np.ones((params.train_steps, 1))])
    readout = np.linalg.solve(
        design.T @ design + params.ridge * np.eye(n + 1), design.T @ targets[train]
    )
    predicted = np.hstack([states[test], np.ones((params.test_steps, 1))]) @ readout
    truth = targets[test]
    nrmse = float(np.sqrt(np.mean((predicted - truth) ** 2)) / np.std(truth))
    return DemoResult(
        demo="echo-state-network",
        params=params.model_dump(),
        series={"truth": truth.tolist(), "prediction": predicted.tolist()},
        summary={
            "nrmse": nrmse,
            "actual_connectivity": float(mask.mean()),
            "trained_weights": float(n + 1),
            "fixed_weights": float(mask.sum() + n),
        },
        explanation=(
            f"A reservoir of {n} units ({mask.mean():.1%} connected, spectral radius "
            f"{params.spectral_radius}) with fixed random weights; only the {n + 1} readout "
            f"weights were fitted, by ridge regression. One-step prediction of Mackey-Glass: "
            f"NRMSE {nrmse:.3g}"
            + (
                " (radius above 1: the echo state property is lost)."
                if params.spectral_radius > 1
                else "."
            )
        ),
    )


def plot(result: DemoResult, figure: Figure) -> None:
    """Left: a window of the test series, truth under prediction, and their difference (the
    two lines coincide when the readout is good). Right: what was trained and what was not."""
    grid = figure.add_gridspec(2, 2, width_ratios=(3, 1), height_ratios=(3, 1))
    series, error = figure.add_subplot(grid[0, 0]), figure.add_subplot(grid[1, 0])
    weights = figure.add_subplot(grid[:, 1])
    truth = np.asarray(result.series["truth"])[:PLOTTED_STEPS]
    predicted = np.asarray(result.series["prediction"])[:PLOTTED_STEPS]
    steps = np.arange(len(truth))
    series.plot(steps, truth, color="#9ecae1", linewidth=5, label="Mackey-Glass series (truth)")
    series.plot(steps, predicted, "k--", linewidth=1.2, label="ESN prediction of the next value")
    series.set_ylabel("value (standardised)")
    low, high = float(min(truth.min(), predicted.min())), float(max(truth.max(), predicted.max()))
    series.set_ylim(low - 0.1 * (high - low), high + 0.35 * (high - low))  # room for the legend
    series.set_xticklabels([])
    series.legend(fontsize="small", loc="upper center", ncol=2)
    nrmse = result.summary["nrmse"]
    series.set_title(
        f"One step ahead: the typical error is {nrmse:.1%} of the series' spread (NRMSE)"
    )
    error.plot(steps, predicted - truth, color="#d62728", linewidth=1)
    error.axhline(0, color="grey", linewidth=0.5)
    error.set_ylabel("error")
    error.set_xlabel("test step (unseen during training)")
    fixed, trained = result.summary["fixed_weights"], result.summary["trained_weights"]
    bars = weights.bar(
        ["reservoir\n+ input\n(random,\nfixed)", "readout\n(trained)"],
        [fixed, trained],
        color=["#bdbdbd", "#2ca02c"],
    )
    weights.bar_label(bars, labels=[f"{fixed:,.0f}", f"{trained:,.0f}"])
    weights.set_yscale("log")
    weights.set_ylim(1, fixed * 8)
    weights.set_ylabel("number of weights (log scale)")
    weights.set_title("only the readout learns", fontsize="medium")


PLOTTED_STEPS = 200  # a window the eye can follow; the NRMSE is over every test step


DEMO = Demo(
    id="echo-state-network",
    title="Echo state network",
    questions=("what-is-echo-state-network",),
    params=EsnParams,
    run=run,
    plot=plot,
    summary="A sparse fixed reservoir with a trained linear readout predicting Mackey-Glass.",
)
