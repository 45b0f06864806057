"""Long-term dependencies: a small RNN learns to recall a bit seen T steps earlier.

Each sequence starts with a random bit followed by T - 1 random distractor bits; the target is
the first bit. The same tanh RNN, trained the same way, solves short gaps and falls to chance
(accuracy 0.5) as T grows: the gradient that would connect the answer to the first input
vanishes over the gap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, field_validator, model_validator

from grader.demos.base import Demo, DemoParams, DemoResult
from grader.rubrics.points import counted

if TYPE_CHECKING:
    from matplotlib.figure import Figure


MAX_WORK = 2_000_000  # default: 77 x 150 x 64 = 739,200


class LongTermParams(DemoParams):
    gaps: tuple[int, ...] = Field(
        default=(2, 5, 10, 20, 40), description="Distances T to test (1 to 100, at most 6)"
    )
    hidden: int = Field(default=16, ge=2, le=32, description="Hidden units")
    train_steps: int = Field(default=150, ge=10, le=400, description="Adam steps per gap")
    batch: int = Field(default=64, ge=8, le=128)

    @field_validator("gaps")
    @classmethod
    def _bounded(cls, gaps: tuple[int, ...]) -> tuple[int, ...]:
        if not 1 <= len(gaps) <= 6 or not all(1 <= gap <= 100 for gap in gaps):
            raise ValueError("1 to 6 distances, each between 1 and 100")
        return tuple(sorted(set(gaps)))

    @model_validator(mode="after")
    def _budget(self) -> LongTermParams:
        # Training time grows with every one of these; bound their product, not just each.
        work = sum(self.gaps) * self.train_steps * self.batch
        if work > MAX_WORK:
            raise ValueError(
                f"sum(gaps) x train_steps x batch is {work:,}; the most allowed is {MAX_WORK:,}"
            )
        return self


def _accuracy(gap: int, params: LongTermParams, seed: int) -> float:
    import torch

    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    rnn = torch.nn.RNN(1, params.hidden, nonlinearity="tanh", batch_first=True)
    readout = torch.nn.Linear(params.hidden, 1)
    optimiser = torch.optim.Adam([*rnn.parameters(), *readout.parameters()], lr=0.01)

    def batch(size: int) -> tuple[torch.Tensor, torch.Tensor]:
        bits = torch.randint(0, 2, (size, gap, 1), generator=generator).float()
        return bits * 2 - 1, bits[:, 0, 0]

    for _ in range(params.train_steps):
        inputs, target = batch(params.batch)
        _, last = rnn(inputs)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            readout(last[0]).squeeze(1), target
        )
        optimiser.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        optimiser.step()
    with torch.no_grad():
        inputs, target = batch(1000)
        _, last = rnn(inputs)
        predicted = (readout(last[0]).squeeze(1) > 0).float()
        return float((predicted == target).float().mean())


def run(params: LongTermParams) -> DemoResult:
    import torch

    torch.set_num_threads(1)  # tiny tensors: threads only add overhead
    accuracies = [_accuracy(gap, params, params.seed + gap) for gap in params.gaps]
    return DemoResult(
        demo="long-term-dependencies",
        params=params.model_dump(),
        series={"gap": [float(g) for g in params.gaps], "accuracy": accuracies},
        summary={
            "accuracy_shortest_gap": accuracies[0],
            "accuracy_longest_gap": accuracies[-1],
        },
        explanation=(
            f"Recalling a bit {counted(params.gaps[0], 'step')} back: accuracy "
            f"{accuracies[0]:.2f}; "
            f"{params.gaps[-1]} steps back: {accuracies[-1]:.2f} (chance is 0.50). The same "
            "network and training fail once the dependency is long: the gradient linking the "
            "answer to the first input vanishes across the gap."
        ),
    )


def plot(result: DemoResult, figure: Figure) -> None:
    """One point per gap, each a network trained on that gap alone: no line joins them, since
    nothing was measured in between."""
    axes = figure.add_subplot()
    gaps, accuracy = result.series["gap"], result.series["accuracy"]
    axes.plot(gaps, accuracy, "o", markersize=9, label="test accuracy of an RNN trained on gap T")
    for gap, value in zip(gaps, accuracy, strict=True):
        axes.annotate(f"{value:.2f}", (gap, value), textcoords="offset points", xytext=(0, 9),
                      ha="center", fontsize="small")  # fmt: skip
    axes.axhline(0.5, color="grey", linestyle=":", label="chance (guessing the bit)")
    axes.set_ylim(0.4, 1.08)
    axes.set_xticks(gaps)
    axes.set_xlabel("gap T: steps between the bit and the moment it must be recalled")
    axes.set_ylabel("share of bits recalled correctly")
    axes.set_title("The same tanh RNN, trained the same way, cannot bridge long gaps")
    axes.legend(loc="center left")


DEMO = Demo(
    id="long-term-dependencies",
    title="Long-term dependencies",
    questions=("what-are-the-challenges-of-long-term-dependencies",),
    params=LongTermParams,
    run=run,
    plot=plot,
    summary="A tiny RNN's accuracy at recalling a bit T steps back, as T grows.",
)
