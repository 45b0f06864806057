"""Each demo computes the real thing: these check the science, not just that something ran."""

from __future__ import annotations

import numpy as np
import pytest

from grader.demos.attention import AttentionParams
from grader.demos.attention import run as attention
from grader.demos.esn import EsnParams
from grader.demos.esn import run as esn
from grader.demos.gan import GanParams
from grader.demos.gan import run as gan
from grader.demos.gradients import GradientParams
from grader.demos.gradients import run as gradients
from grader.demos.long_term import LongTermParams
from grader.demos.long_term import run as long_term
from grader.demos.rnn_vs_cnn import RnnCnnParams
from grader.demos.rnn_vs_cnn import run as rnn_vs_cnn


def test_gradient_norm_shrinks_below_radius_one_grows_above_and_clipping_bounds_it() -> None:
    result = gradients(GradientParams())
    small = np.array(result.series["norm_small_scale"])
    large = np.array(result.series["norm_large_scale"])
    assert small[-1] < small[0] / 100
    assert large[-1] > large[0] * 100
    assert np.all(np.diff(np.log(small)) < 0.05)  # falls (almost) every step
    assert np.all(np.diff(np.log(large)) > -0.05)  # grows (almost) every step
    assert max(result.series["norm_large_scale_clipped"]) <= GradientParams().clip
    assert max(large) > GradientParams().clip


def test_long_dependencies_are_learned_at_short_gaps_and_lost_at_long_ones() -> None:
    result = long_term(LongTermParams())
    accuracy = result.series["accuracy"]
    assert accuracy[0] >= 0.9
    assert accuracy[-1] <= 0.65
    assert accuracy[-1] < accuracy[0] - 0.3


def test_esn_readout_only_predicts_well_and_degrades_above_radius_one() -> None:
    good = esn(EsnParams())
    assert good.summary["nrmse"] < 0.02
    assert good.summary["actual_connectivity"] < 0.1
    assert good.summary["fixed_weights"] > good.summary["trained_weights"]
    broken = esn(EsnParams(spectral_radius=1.5))
    assert broken.summary["nrmse"] > 10 * good.summary["nrmse"]


def test_the_rnn_handles_any_length_and_the_fixed_size_cnn_does_not() -> None:
    params = RnnCnnParams(lengths=(3, 10, 15, 30), cnn_size=10)
    result = rnn_vs_cnn(params)
    for length in params.lengths:
        assert result.summary[f"rnn_final_error_{length}"] == 0
        assert result.series[f"rnn_{length}"] == result.series[f"truth_{length}"]
        cnn_error = result.summary[f"cnn_final_error_{length}"]
        assert cnn_error == 0 if length <= params.cnn_size else cnn_error > 0


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_attention_mass_sits_on_the_digit_patches(seed: int) -> None:
    result = attention(AttentionParams(seed=seed))
    assert result.summary["attention_on_digits"] >= 0.8
    assert result.summary["attention_on_digits"] > 2 * result.summary["digit_area_share"]
    attention_map = np.array(result.matrices["attention"])
    assert attention_map.sum() == pytest.approx(1.0)


def test_the_gan_moves_toward_the_target_distribution() -> None:
    result = gan(GanParams())
    assert result.summary["wasserstein_after"] < 0.5 * result.summary["wasserstein_before"]
