"""Exact Shapley values, interaction indices and Moebius terms on games with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from rainforest.experiments.studies import analytic
from rainforest.experiments.studies.shapley import (
    bootstrap_interval,
    efficiency_gap,
    interaction_indices,
    members,
    mobius_terms,
    pair_mobius,
    player_count,
    resample_counts,
    shapley_values,
)
from rainforest.scenarios.schema import PLAN_NAMES

EXACT = 1e-12  # sums of at most 32 weighted differences of numbers below a few hundred


def game_of(function, **extra) -> np.ndarray:
    """A game over the six plans, v[mask], from one of the analytic games."""
    return np.array([
        function(**{p: bool(m >> i & 1) for i, p in enumerate(PLAN_NAMES)}, **extra)["value"]
        for m in range(64)
    ])  # fmt: skip


def test_the_additive_games_shapley_values_are_each_plans_worth_whatever_the_seed():
    for seed in (0, 1, 7):
        phi = shapley_values(game_of(analytic.additive_game, seed=seed))
        expected = [analytic.ADDITIVE_SHAPLEY[p] for p in PLAN_NAMES]
        np.testing.assert_allclose(phi, expected, rtol=0, atol=EXACT * 100)
        assert np.abs(interaction_indices(game_of(analytic.additive_game, seed=seed))).max() < 1e-9


def test_a_pairs_synergy_is_split_between_them_and_is_their_interaction():
    v = game_of(analytic.pair_game, seed=3)
    phi = dict(zip(PLAN_NAMES, shapley_values(v), strict=True))
    for plan in PLAN_NAMES:
        bonus = analytic.PAIR_SYNERGY / 2 if plan in analytic.PAIR else 0.0
        assert phi[plan] == pytest.approx(analytic.ADDITIVE_SHAPLEY[plan] + bonus, abs=1e-9)
    a, b = (PLAN_NAMES.index(p) for p in analytic.PAIR)
    interactions, mobius = interaction_indices(v), pair_mobius(v)
    assert interactions[a, b] == pytest.approx(analytic.PAIR_SYNERGY, abs=1e-9)
    assert mobius[a, b] == pytest.approx(analytic.PAIR_SYNERGY, abs=1e-9)
    others = np.ones((6, 6), dtype=bool)
    others[a, b] = others[b, a] = False
    assert np.abs(interactions[others]).max() < 1e-9 and np.abs(mobius[others]).max() < 1e-9


def test_the_glove_game_complements_and_substitutes():
    v = game_of(analytic.glove_game)
    phi = shapley_values(v)
    np.testing.assert_allclose(phi, [analytic.GLOVE_SHAPLEY[p] for p in PLAN_NAMES], atol=1e-12)
    interactions = interaction_indices(v)
    for (p, q), value in analytic.GLOVE_INTERACTIONS.items():
        i, j = PLAN_NAMES.index(p), PLAN_NAMES.index(q)
        assert interactions[i, j] == pytest.approx(value, abs=1e-12) == interactions[j, i]
    dummies = [PLAN_NAMES.index(p) for p in ("open_source", "array", "rainforest")]
    assert np.abs(interactions[dummies]).max() < 1e-12
    m = mobius_terms(v)
    left = [PLAN_NAMES.index(p) for p in analytic.GLOVE_LEFT]
    right = PLAN_NAMES.index(analytic.GLOVE_RIGHT[0])
    assert m[(1 << left[0]) | (1 << right)] == 1.0 and m[(1 << left[1]) | (1 << right)] == 1.0
    assert m[(1 << left[0]) | (1 << left[1]) | (1 << right)] == -1.0


def test_on_random_games_values_add_up_and_moebius_terms_rebuild_the_game():
    rng = np.random.default_rng(5)
    v = rng.normal(500.0, 200.0, size=(64, 50))  # 50 games at once, as replicates
    phi = shapley_values(v)
    assert phi.shape == (6, 50)
    assert np.abs(efficiency_gap(v, phi)).max() <= 64 * 8 * np.finfo(float).eps * np.abs(v).max()
    m = mobius_terms(v)
    rebuilt = np.array([m[[t for t in range(64) if t & s == t]].sum(axis=0) for s in range(64)])
    np.testing.assert_allclose(rebuilt, v, rtol=1e-12)
    # the interaction index of a pair is its Moebius terms over every coalition holding it
    # divided by the coalition's size less one
    i, j = 1, 4
    expected = sum(m[t] / (bin(t).count("1") - 1) for t in range(64) if t >> i & 1 and t >> j & 1)
    np.testing.assert_allclose(interaction_indices(v)[i, j], expected, rtol=1e-10)


def test_symmetric_players_share_alike_and_a_dummy_gets_nothing():
    # v(S) = (number of the first two players in S)^2, the third a dummy, over 3 players
    v = np.array([float((m & 1) + (m >> 1 & 1)) ** 2 for m in range(8)])
    phi = shapley_values(v)
    assert phi[0] == phi[1] == pytest.approx(2.0) and phi[2] == 0.0
    assert player_count(v) == 3 and members(5, 3) == (0, 2)
    with pytest.raises(ValueError, match="2\\*\\*n coalitions"):
        shapley_values(np.zeros(12))


def test_the_bootstrap_resamples_every_quantity_alike_and_brackets_the_mean():
    rng = np.random.default_rng(0)
    counts = resample_counts(8, 500, rng)
    assert counts.shape == (500, 8) and (counts.sum(axis=1) == 8).all()
    x = np.arange(8.0)
    mean, low, high = bootstrap_interval(x, counts)
    assert low < mean == 3.5 < high
    # a quantity that is the same in every replicate has a degenerate interval
    assert bootstrap_interval(np.full(8, 2.0), counts)[1:] == (2.0, 2.0)
