"""Visual attention: soft attention over image patches finds the digits of a house number.

A synthetic street-view crop holds a few digits on a noisy, shaded background. Each 8x8 patch
is described by simple features (contrast, edges); a scoring vector is learned by logistic
regression on other synthetic images whose digit positions are known, and a softmax over the
patch scores gives the attention map. Its mass sits on the digit patches, which is what lets
a model read house numbers in Google Street View images without looking at every pixel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from grader.demos.base import Demo, DemoParams, DemoResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PATCH = 8
HEIGHT, WIDTH = 32, 64
# 3x5 bitmaps of the digits 0-9, one string of 15 pixels per digit, row by row.
_FONT = [
    "111101101101111", "010110010010111", "111001111100111", "111001111001111",
    "101101111001001", "111100111001111", "111100111101111", "111001001001001",
    "111101111101111", "111101111001111",
]  # fmt: skip


class AttentionParams(DemoParams):
    digits: int = Field(default=3, ge=1, le=4, description="Digits in the house number")
    noise: float = Field(default=0.15, ge=0, le=0.5, description="Background noise level")
    training_images: int = Field(default=30, ge=5, le=200, description="Images to learn from")
    temperature: float = Field(default=3.0, gt=0.05, le=10.0, description="Softmax temperature")


def street_number(
    rng: np.random.Generator, digits: int, noise: float
) -> tuple[np.ndarray, np.ndarray]:
    """An image with a house number, and the mask of its digit pixels."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    image = (
        0.3
        + 0.2 * (x / WIDTH)
        + 0.1 * np.sin(y / 5.0)
        + noise * rng.standard_normal((HEIGHT, WIDTH))
    )
    mask = np.zeros((HEIGHT, WIDTH), dtype=bool)
    scale = 3
    top = int(rng.integers(0, HEIGHT - 5 * scale + 1))
    left = int(rng.integers(0, WIDTH - digits * 4 * scale + 1))
    for index, digit in enumerate(rng.integers(0, 10, digits)):
        glyph = np.array([int(p) for p in _FONT[digit]], dtype=bool).reshape(5, 3)
        glyph = np.kron(glyph, np.ones((scale, scale), dtype=bool))
        column = left + index * 4 * scale
        mask[top : top + 5 * scale, column : column + 3 * scale] |= glyph
    image[mask] = 1.0
    return np.clip(image, 0, 1.2), mask


def patch_features(image: np.ndarray) -> np.ndarray:
    """Per patch: mean, contrast, horizontal and vertical edge energy, share of bright pixels."""
    rows, columns = HEIGHT // PATCH, WIDTH // PATCH
    features = np.zeros((rows * columns, 5))
    dx = np.abs(np.diff(image, axis=1, append=image[:, -1:]))
    dy = np.abs(np.diff(image, axis=0, append=image[-1:, :]))
    for r in range(rows):
        for c in range(columns):
            window = (slice(r * PATCH, (r + 1) * PATCH), slice(c * PATCH, (c + 1) * PATCH))
            patch = image[window]
            features[r * columns + c] = [
                patch.mean(),
                patch.std(),
                dx[window].mean(),
                dy[window].mean(),
                (patch > 0.9).mean(),
            ]
    return features


def _patch_labels(mask: np.ndarray) -> np.ndarray:
    rows, columns = HEIGHT // PATCH, WIDTH // PATCH
    share = mask.reshape(rows, PATCH, columns, PATCH).mean(axis=(1, 3))
    labels: np.ndarray = (share >= 0.1).ravel()
    return labels


def _fit_scorer(
    rng: np.random.Generator, params: AttentionParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Logistic regression (gradient descent) of "patch holds a digit" on patch features."""
    samples = [
        street_number(rng, params.digits, params.noise) for _ in range(params.training_images)
    ]
    features = np.vstack([patch_features(image) for image, _ in samples])
    labels = np.concatenate([_patch_labels(mask) for _, mask in samples]).astype(float)
    mean, std = features.mean(axis=0), features.std(axis=0) + 1e-9
    x = np.hstack([(features - mean) / std, np.ones((len(features), 1))])
    weights = np.zeros(x.shape[1])
    for _ in range(500):
        predicted = 1 / (1 + np.exp(-x @ weights))
        weights -= 0.5 * x.T @ (predicted - labels) / len(labels)
    return weights, mean, std


def run(params: AttentionParams) -> DemoResult:
    rng = np.random.default_rng(params.seed)
    weights, mean, std = _fit_scorer(rng, params)
    image, mask = street_number(rng, params.digits, params.noise)
    scores = (
        np.hstack(
            [(patch_features(image) - mean) / std, np.ones((HEIGHT // PATCH * WIDTH // PATCH, 1))]
        )
        @ weights
    )
    attention = np.exp((scores - scores.max()) / params.temperature)
    attention /= attention.sum()
    on_digits = _patch_labels(mask)
    grid = (HEIGHT // PATCH, WIDTH // PATCH)
    mass = float(attention[on_digits].sum())
    return DemoResult(
        demo="visual-attention",
        params=params.model_dump(),
        matrices={
            "image": image.round(3).tolist(),
            "attention": attention.reshape(grid).tolist(),
            "digit_patches": on_digits.reshape(grid).astype(float).tolist(),
        },
        summary={"attention_on_digits": mass, "digit_area_share": float(on_digits.mean())},
        explanation=(
            f"The digits cover {on_digits.mean():.0%} of the patches and receive "
            f"{mass:.0%} of the attention: the model looks where the house number is."
        ),
    )


def plot(result: DemoResult, figure: Figure) -> None:
    """The attention drawn over the image it looked at, the digits' patches outlined."""
    from matplotlib.patches import Rectangle

    axes = figure.add_subplot()
    image = np.asarray(result.matrices["image"])
    attention = np.asarray(result.matrices["attention"])
    digits = np.asarray(result.matrices["digit_patches"])
    height, width = image.shape
    axes.imshow(image, cmap="gray", extent=(0, width, height, 0))
    # Each patch's weight as a share of the most-attended patch: the warmer and the more opaque
    # the colour, the more attention; unattended patches leave the image as it is.
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    share = attention / attention.max()
    overlay = colormaps["inferno"](share)
    overlay[..., 3] = 0.75 * share
    axes.imshow(overlay, extent=(0, width, height, 0), interpolation="nearest")
    shown = ScalarMappable(norm=Normalize(0, 1), cmap="inferno")
    rows, columns = digits.shape
    patch_h, patch_w = height / rows, width / columns
    for r in range(rows):
        for c in range(columns):
            if digits[r, c]:
                outline = Rectangle(
                    (c * patch_w, r * patch_h), patch_w, patch_h,
                    fill=False, edgecolor="#2ca02c", linewidth=1.2,
                )  # fmt: skip
                axes.add_patch(outline)
    axes.set_xticks([])
    axes.set_yticks([])
    mass, area = result.summary["attention_on_digits"], result.summary["digit_area_share"]
    axes.set_title(
        f"Where the model looks: {mass:.0%} of its attention falls on the digits' patches\n"
        f"(outlined in green), which are {area:.0%} of the image"
    )
    colorbar = figure.colorbar(shown, ax=axes, shrink=0.7)
    colorbar.set_label("attention (share of the largest)")


DEMO = Demo(
    id="visual-attention",
    title="Visual attention on a street number",
    questions=("give-a-real-world-application-of-visual-attention",),
    params=AttentionParams,
    run=run,
    plot=plot,
    summary="Soft attention over image patches of a synthetic house number.",
)
