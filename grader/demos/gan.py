"""A generative adversarial network: a generator and a discriminator learning a 1-D mixture.

The generator turns noise into samples; the discriminator learns to tell them from samples of
the target (a mixture of two Gaussians); each is trained against the other. The Wasserstein
distance between generated and target samples, measured during training, shows the generated
distribution moving toward the target.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from grader.demos.base import Demo, DemoParams, DemoResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class GanParams(DemoParams):
    steps: int = Field(default=600, ge=50, le=1500, description="Training steps")
    batch: int = Field(default=128, ge=16, le=256)
    hidden: int = Field(default=32, ge=4, le=64, description="Hidden units of both networks")
    separation: float = Field(default=2.0, ge=0.5, le=5.0, description="Mixture means at +-this")
    spread: float = Field(default=0.5, ge=0.1, le=2.0, description="Mixture components' std")
    snapshots: int = Field(default=6, ge=2, le=20, description="Distances recorded in training")


def _target(rng: np.random.Generator, size: int, params: GanParams) -> np.ndarray:
    sides = rng.choice([-1.0, 1.0], size)
    return sides * params.separation + params.spread * rng.standard_normal(size)


def run(params: GanParams) -> DemoResult:
    import torch
    from scipy.stats import wasserstein_distance

    torch.set_num_threads(1)
    torch.manual_seed(params.seed)
    rng = np.random.default_rng(params.seed)
    noise_dim = 4
    generator = torch.nn.Sequential(
        torch.nn.Linear(noise_dim, params.hidden), torch.nn.LeakyReLU(0.2),
        torch.nn.Linear(params.hidden, params.hidden), torch.nn.LeakyReLU(0.2),
        torch.nn.Linear(params.hidden, 1),
    )  # fmt: skip
    discriminator = torch.nn.Sequential(
        torch.nn.Linear(1, params.hidden), torch.nn.LeakyReLU(0.2),
        torch.nn.Linear(params.hidden, params.hidden), torch.nn.LeakyReLU(0.2),
        torch.nn.Linear(params.hidden, 1),
    )  # fmt: skip
    g_opt = torch.optim.Adam(generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    loss = torch.nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(params.batch, 1), torch.zeros(params.batch, 1)
    evaluation_noise = torch.randn(2000, noise_dim)
    reference = _target(rng, 2000, params)

    def sample() -> np.ndarray:
        with torch.no_grad():
            return np.asarray(generator(evaluation_noise).squeeze(1).numpy(), dtype=np.float64)

    grid = torch.linspace(-6, 6, 121).unsqueeze(1)

    def judged() -> list[float]:
        """The discriminator's probability that each grid value is a real sample."""
        with torch.no_grad():
            return torch.sigmoid(discriminator(grid)).squeeze(1).tolist()

    checkpoints = set(np.linspace(0, params.steps, params.snapshots).astype(int).tolist())
    discriminator_first = judged()
    steps, distances, histograms = [], [], {}
    for step in range(params.steps + 1):
        if step in checkpoints:
            generated = sample()
            steps.append(float(step))
            distances.append(float(wasserstein_distance(generated, reference)))
            histograms[f"generated_at_{step}"] = generated[:500].tolist()
        if step == params.steps:
            break
        real = torch.tensor(_target(rng, params.batch, params), dtype=torch.float32).unsqueeze(1)
        fake = generator(torch.randn(params.batch, noise_dim))
        d_loss = loss(discriminator(real), ones) + loss(discriminator(fake.detach()), zeros)
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        g_loss = loss(discriminator(fake), ones)
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()
    return DemoResult(
        demo="adversarial-networks",
        params=params.model_dump(),
        series={
            "step": steps,
            "wasserstein": distances,
            "target": reference[:500].tolist(),
            "grid": grid.squeeze(1).tolist(),
            "discriminator_first": discriminator_first,
            "discriminator_last": judged(),
            **histograms,
        },
        summary={"wasserstein_before": distances[0], "wasserstein_after": distances[-1]},
        explanation=(
            f"The generator's samples start {distances[0]:.2f} away from the target mixture "
            f"(Wasserstein-1) and end {distances[-1]:.2f} away after {params.steps} steps of "
            "training against the discriminator: the generative model learned the data's "
            "distribution while the discriminative model learned to tell real from fake."
        ),
    )


def plot(result: DemoResult, figure: Figure) -> None:
    """Left: the target, the generator's samples early and late, and the discriminator's
    verdict on every value after training. Right: how far the samples are from the target."""
    left, right = figure.subplots(1, 2, width_ratios=(3, 2))
    bins = np.linspace(-6, 6, 61)
    steps = [int(step) for step in result.series["step"]]
    target, _, _ = left.hist(result.series["target"], bins=bins, density=True, color="#bdbdbd",
                             label="target: real samples")  # fmt: skip
    colours = ("#9467bd", "#ff7f0e", "#1f77b4")
    for colour, step in zip(colours, (steps[0], steps[len(steps) // 2], steps[-1]), strict=True):
        left.hist(result.series[f"generated_at_{step}"], bins=bins, density=True,
                  histtype="step", linewidth=1.6, color=colour,
                  label=f"generator's samples, step {step}")  # fmt: skip
    # Before training the generator's samples pile up near 0 (and mid-training on the modes);
    # cap the scale at the target's so the shapes stay readable: peaks are cut, and said so.
    top = 1.6 * float(np.max(target))
    left.set_ylim(0, top)
    left.text(4.5, top * 0.97, "taller peaks\nare cut at\nthis scale", ha="center", va="top",
              fontsize="x-small", color="#555555")  # fmt: skip
    left.set_xlabel("sample value x")
    left.set_ylabel("density")
    judge = left.twinx()
    judge.plot(result.series["grid"], result.series["discriminator_last"], "--", color="#2ca02c",
               label=f"discriminator: P(x is real), step {steps[-1]}")  # fmt: skip
    judge.set_ylim(0, 1.05)
    judge.set_ylabel("discriminator's P(real)", color="#2ca02c")
    handles, labels = left.get_legend_handles_labels()
    more_handles, more_labels = judge.get_legend_handles_labels()
    left.legend(handles + more_handles, labels + more_labels, fontsize="x-small",
                loc="upper left")  # fmt: skip
    left.set_title("generator vs discriminator")
    right.plot(steps, result.series["wasserstein"], "o-")
    right.set_xlabel("training step")
    right.set_ylabel("Wasserstein-1 distance to the target")
    right.set_ylim(bottom=0)
    right.set_title("the samples approach the data")


DEMO = Demo(
    id="adversarial-networks",
    title="A generative adversarial network",
    questions=("what-are-the-learning-models-used-for-creating-adversarial",),
    params=GanParams,
    run=run,
    plot=plot,
    summary="A tiny GAN (generator vs discriminator) learning a 1-D mixture of Gaussians.",
)
