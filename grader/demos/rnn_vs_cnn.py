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
            raise ValueError("1 to 8 lengths, each between 1 and 200")
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
    """Per length: the true running total, the RNN's outputs (one per step, at any length) and
    the CNN's (one per position of its fixed input). Past its input size the CNN has no output
    at all: its answer for the whole sequence stays its last one, drawn flat, and the gap to
    the truth at the end is its error."""
    lengths = result.params["lengths"]
    size = result.params["cnn_size"]
    axes_list = figure.subplots(1, len(lengths), sharey=True, squeeze=False)[0]
    for axes, length in zip(axes_list, lengths, strict=True):
        steps = np.arange(1, length + 1)
        truth = result.series[f"truth_{length}"]
        axes.plot(steps, truth, "k-", linewidth=1, label="true running total")
        axes.plot(steps, result.series[f"rnn_{length}"], "o", color="#1f77b4", markersize=4,
                  label="RNN: y_t = y_(t-1) + x_t, one step per input")  # fmt: skip
        shown = min(length, size)
        cnn = result.series[f"cnn_{length}"][:shown]
        axes.plot(np.arange(1, shown + 1), cnn, "x", color="#d62728",
                  label=f"CNN: one output per position of its {size} inputs")  # fmt: skip
        if length > size:
            axes.axvspan(size + 0.5, length + 0.5, color="#d62728", alpha=0.08,
                         label="beyond the CNN's input: cropped, no output")  # fmt: skip
            axes.plot([size, length], [cnn[-1], cnn[-1]], ":", color="#d62728",
                      label="the CNN's answer for the whole sequence")  # fmt: skip
            axes.annotate(
                "", xy=(length, truth[-1]), xytext=(length, cnn[-1]),
                arrowprops={"arrowstyle": "<->", "color": "#d62728"},
            )  # fmt: skip
            axes.text(length, (truth[-1] + cnn[-1]) / 2, f" error\n {truth[-1] - cnn[-1]:g}",
                      color="#d62728", fontsize="small", va="center")  # fmt: skip
        axes.set_title(f"length {length}")
        axes.set_xlabel("step t")
    axes_list[0].set_ylabel("running total")
    handles, labels = {}, []
    for axes in axes_list:
        for handle, label in zip(*axes.get_legend_handles_labels(), strict=True):
            if label not in handles:
                handles[label] = handle
                labels.append(label)
    figure.legend([handles[label] for label in labels], labels, loc="outside lower center",
                  ncol=2, fontsize="small", frameon=False)  # fmt: skip
    figure.suptitle(f"Running totals of sequences of any length: RNN vs a CNN of input size {size}")


DEMO = Demo(
    id="rnn-vs-cnn",
    title="RNN vs CNN on variable-length sequences",
    questions=("write-any-two-differences-between-rnn-and-cnn",),
    params=RnnCnnParams,
    run=run,
    plot=plot,
    summary="A running total: an RNN handles any length; a fixed-size CNN pads or crops.",
)
