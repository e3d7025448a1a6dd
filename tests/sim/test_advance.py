"""Stepping the model one quarter at a time (``advance``) is a whole run, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from rainforest.scenarios.loader import with_overrides
from rainforest.sim.indicators import N_INDICATORS
from rainforest.sim.loop import advance, simulate
from rainforest.sim.params import build_params
from rainforest.sim.population import population_for
from rainforest.sim.state import initial_state


@pytest.mark.parametrize("seed", [0, 3])
def test_quarter_by_quarter_equals_one_run(action_plan, seed):
    scenario = with_overrides(action_plan, {"scale": "classroom"})
    params, population = build_params(scenario), population_for(scenario, seed)
    history, final = simulate(params, population, seed)
    state = initial_state(population, params)
    out = np.zeros((params.n_ticks, N_INDICATORS))
    for tick in range(params.n_ticks):
        state = advance(state, params, seed, tick, out)
    assert np.array_equal(out, history)
    for name, value in final._asdict().items():
        if isinstance(value, np.ndarray):
            assert np.array_equal(getattr(state, name), value), name
        else:
            assert dict(getattr(state, name)) == dict(value), name
