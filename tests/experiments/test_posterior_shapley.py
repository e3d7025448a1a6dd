"""Shapley effects of dependent inputs from given data, against a known answer.

A linear model with two correlated inputs and one independent one has Shapley effects
in closed form (Owen & Prieur 2017): with unit variances, correlation rho between X1 and
X2 and Y = b1 X1 + b2 X2 + b3 X3 + noise, V({1}) = (b1 + b2 rho)^2,
V({2}) = (b2 + b1 rho)^2, V({1,2}) = b1^2 + b2^2 + 2 b1 b2 rho, V({3}) = b3^2, and
Sh1 = (V({1}) + V({1,2}) - V({2})) / 2, Sh3 = b3^2.
"""

from __future__ import annotations

import numpy as np
import pytest
from rainforest.experiments.studies.posterior_shapley import (
    column_groups,
    group_of,
    shapley_effects,
)


def test_the_given_data_estimate_matches_the_closed_form_with_dependent_inputs():
    rng = np.random.default_rng(3)
    n, rho, b, noise = 400, 0.8, (1.0, 1.0, 0.5), 0.3
    cov = [[1.0, rho, 0.0], [rho, 1.0, 0.0], [0.0, 0.0, 1.0]]
    x = rng.multivariate_normal(np.zeros(3), cov, size=n)
    y = x @ np.array(b) + rng.normal(0.0, noise, n)
    v1 = (b[0] + b[1] * rho) ** 2
    v2 = (b[1] + b[0] * rho) ** 2
    v12 = b[0] ** 2 + b[1] ** 2 + 2 * b[0] * b[1] * rho
    total = v12 + b[2] ** 2 + noise**2
    out = shapley_effects(x, y, {"one": [0], "two": [1], "three": [2]})
    sh = out["effects"]
    assert sh["one"] == pytest.approx((v1 + v12 - v2) / 2 / total, abs=0.05)
    assert sh["two"] == pytest.approx((v2 + v12 - v1) / 2 / total, abs=0.05)
    assert sh["three"] == pytest.approx(b[2] ** 2 / total, abs=0.03)
    assert sum(sh.values()) == pytest.approx(out["explained"], abs=1e-9)  # they add up
    assert out["unexplained"] == pytest.approx(noise**2 / total, abs=0.04)


def test_an_input_the_effect_does_not_depend_on_gets_nothing():
    rng = np.random.default_rng(4)
    x = rng.random((300, 2))
    y = np.sin(6.0 * x[:, 0]) + rng.normal(0.0, 0.1, 300)
    out = shapley_effects(x, y, {"used": [0], "unused": [1]})
    assert out["effects"]["unused"] < 0.02 < 0.9 < out["effects"]["used"]


def test_parameters_fall_into_the_four_groups():
    paths = ["market.national_market_bn", "market.competitor_sellers", "behaviour.trl_hazard",
             "plans.rainforest.co_investment", "market.bass_q"]  # fmt: skip
    assert [group_of(p) for p in paths] == [
        "market demand",
        "competition",
        "behaviour",
        "plan effects",
        "market demand",
    ]
    assert column_groups(paths) == {
        "market demand": [0, 4],
        "competition": [1],
        "behaviour": [2],
        "plan effects": [3],
    }


def test_each_effect_is_reported_with_its_band_and_its_yield_per_rmb():
    from rainforest.experiments.studies.posterior_shapley import analyse, markdown_table

    rng = np.random.default_rng(5)
    paths = ["market.national_market_bn", "plans.rainforest.co_investment"]
    x = rng.random((120, 2))
    effect = 10.0 + 20.0 * x[:, 0] + rng.normal(0.0, 1.0, 120)
    spent = np.full(120, 40.0)
    report = analyse(paths, x, {"rainforest": effect}, {"rainforest": spent})
    row = report["effects"]["rainforest"]
    assert row["median_bn"] == pytest.approx(float(np.median(effect)))
    assert row["spent_bn"] == 40.0
    assert row["per_rmb_mean"] == pytest.approx(float(np.mean(effect)) / 40.0)
    low, high = row["per_rmb_ci95"]
    assert low < row["per_rmb_mean"] < high
    assert row["effects"]["market demand"] > 0.8 > 0.05 > row["effects"]["plan effects"]
    assert "| rainforest |" in markdown_table(report)
