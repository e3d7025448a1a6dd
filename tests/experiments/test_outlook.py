"""The outlook's effects keep parameter and seed uncertainty apart."""

from __future__ import annotations

import numpy as np
import pytest
from rainforest.experiments.studies.outlook import _spread


def test_an_effect_s_spread_splits_into_parameters_and_seeds():
    """Draw d's effect is mu_d plus seed noise: the split recovers both spreads."""
    rng = np.random.default_rng(4)
    draws, replicates = 4000, 3
    mu = rng.normal(10.0, 2.0, size=draws)  # parameter sd 2
    runs = mu[:, None] + rng.normal(0.0, 5.0, size=(draws, replicates))  # seed sd 5
    spread = _spread(runs.ravel(), replicates)
    assert spread["sd_parameters"] == pytest.approx(2.0, rel=0.1)
    assert spread["sd_seeds"] == pytest.approx(5.0, rel=0.03)
    lo, hi = spread["over_draws_p05_p95"]
    assert lo < 10.0 < hi


def test_without_replicates_the_seed_part_is_not_claimed():
    runs = np.array([1.0, 2.0, 4.0, 8.0])
    spread = _spread(runs, 1)
    assert spread["sd_seeds"] is None
    assert spread["sd_parameters"] == pytest.approx(float(np.std(runs, ddof=1)))


def test_seed_noise_alone_leaves_no_parameter_spread():
    rng = np.random.default_rng(9)
    runs = rng.normal(3.0, 1.0, size=(3000, 2))  # every draw alike
    spread = _spread(runs.ravel(), 2)
    assert spread["sd_parameters"] < 0.1
    assert spread["sd_seeds"] == pytest.approx(1.0, rel=0.05)
