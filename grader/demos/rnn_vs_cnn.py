"""RNN vs CNN on variable-length sequences: a running total, computed both ways.

The RNN applies the same step at every position, so it takes any length, and each output is a
function of the previous output: y_t = y_{t-1} + x_t. The CNN is a convolution over an input of
fixed size, so sequences are zero-padded or cropped to that size first: it is exact while the
sequence fits, and loses everything past its input size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field, field_validator

from grader.demos.base import Demo, DemoParams, DemoResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class RnnCnnParams(DemoParams):
    lengths: tuple[int, ...] = Field(
        default=(4, 8, 12, 16), description="Sequence lengths to run (1 to 200, at most 8)"
    )
    cnn_size: int = Field(default=10, ge=1, le=200, description="The CNN's fixed input size")

    @field_validator("lengths")
    @classmethod
    def _bounded(cls, lengths: tuple[int, ...]) -> tuple[int, ...]:
        if not 1 <= len(lengths) <= 8 or not all(1 <= n <= 200 for n in lengths):
            raise ValueError("lengths: 1 to 8 lengths, each between 1 and 200")
        return tuple(sorted(set(lengths)))


def rnn_running_total(sequence: np.ndarray) -> np.ndarray:
    """One recurrent step per input: the new output is the previous output plus the input."""
    outputs = np.zeros(len(sequence))
    previous = 0.0
    for t, value in enumerate(sequence):
        previous = previous + value  # y_t = f(y_{t-1}, x_t)
        outputs[t] = previous
    return outputs


def cnn_running_total(sequence: np.ndarray, size: int) -> np.ndarray:
    """A causal convolution with an all-ones kernel over an input padded or cropped to ``size``."""
    fixed = np.zeros(size)
    fixed[: min(size, len(sequence))] = sequence[:size]
    kernel = np.ones(size)
    return np.convolve(fixed, kernel)[:size]


def run(params: RnnCnnParams) -> DemoResult:
    rng = np.random.default_rng(params.seed)
    series: dict[str, list[float]] = {}
    summary: dict[str, float] = {}
    for length in params.lengths:
        sequence = rng.integers(0, 10, length).astype(float)
        truth = np.cumsum(sequence)
        rnn = rnn_running_total(sequence)
        cnn = cnn_running_total(sequence, params.cnn_size)
        series[f"input_{length}"] = sequence.tolist()
        series[f"truth_{length}"] = truth.tolist()
        series[f"rnn_{length}"] = rnn.tolist()
        series[f"cnn_{length}"] = cnn.tolist()
        # The answer for the whole sequence: the last running total each model can give.
        summary[f"rnn_final_error_{length}"] = float(abs(rnn[-1] - truth[-1]))
        summary[f"cnn_final_error_{length}"] = float(
            abs(cnn[min(length, params.cnn_size) - 1] - truth[-1])
        )
    longest = max(params.lengths)
    return DemoResult(
        demo="rnn-vs-cnn",
        params=params.model_dump(),
        series=series,
        summary=summary,
        explanation=(
            f"Running totals of sequences of lengths {', '.join(map(str, params.lengths))}. "
            f"The RNN is exact at every length, each output built on the previous one. The CNN "
            f"sees a fixed {params.cnn_size} inputs: exact up to that length, then it misses "
            f"what was cropped (final error {summary[f'cnn_final_error_{longest}']:g} at "
            f"length {longest})."
        ),
    )


def plot(result: DemoResult, figure: Figure) -> None:
    lengths = result.params["lengths"]
    axes_list = figure.subplots(1, len(lengths), sharey=True, squeeze=False)[0]
    for axes, length in zip(axes_list, lengths, strict=True):
        steps = range(1, length + 1)
        axes.plot(steps, result.series[f"truth_{length}"], "k-", label="running total")
        axes.plot(steps, result.series[f"rnn_{length}"], "o", label="RNN (y_t = y_{t-1} + x_t)")
        cnn = result.series[f"cnn_{length}"][:length]
        axes.plot(range(1, len(cnn) + 1), cnn, "x", label="CNN (fixed input size)")
        axes.axvline(result.params["cnn_size"], color="grey", linestyle=":")
        axes.set_title(f"length {length}")
        axes.set_xlabel("t")
    axes_list[0].legend(fontsize="small")
    figure.suptitle("Variable-length sequences: RNN vs fixed-size CNN")


DEMO = Demo(
    id="rnn-vs-cnn",
    title="RNN vs CNN on variable-length sequences",
    questions=("write-any-two-differences-between-rnn-and-cnn",),
    params=RnnCnnParams,
    run=run,
    plot=plot,
    summary="A running total: an RNN handles any length; a fixed-size CNN pads or crops.",
)
