"""A run calls the compiled steps through their kept entry points, with the same results."""

from __future__ import annotations

import numpy as np
import pytest
from rainforest.scenarios.loader import with_overrides
from rainforest.sim import loop
from rainforest.sim.engine import entry
from rainforest.sim.indicators import N_INDICATORS
from rainforest.sim.params import build_params
from rainforest.sim.population import population_for
from rainforest.sim.state import initial_state


@pytest.fixture(scope="module")
def inputs(short_action_plan):
    scenario = with_overrides(short_action_plan, {"scale": "classroom"})
    return scenario, build_params(scenario), population_for(scenario, 4)


def test_the_entry_points_give_the_dispatchers_bits(inputs, monkeypatch):
    _, params, population = inputs
    loop.simulate(params, population, 4)  # the first calls keep the entry points
    assert entry._BY_LAYOUT and all(entry._BY_LAYOUT.values())
    history, _ = loop.simulate(params, population, 4)
    # every compiled function through its dispatcher, which types its arguments
    monkeypatch.setattr(entry.Compiled, "__call__", lambda self, fn, *args: fn(*args))
    out = np.zeros((params.n_ticks, N_INDICATORS))
    loop.run_ticks(initial_state(population, params), params, 4, 0, params.n_ticks, out)
    assert np.array_equal(history, out)


def test_layouts_differ_wherever_numbas_types_do(inputs):
    scenario, params, population = inputs
    state = initial_state(population, params)
    same = initial_state(population, params)
    assert entry._layout(state) == entry._layout(same)
    assert entry._layout(params) == entry._layout(build_params(scenario))
    readonly = state.tal_skill.copy()
    readonly.flags.writeable = False
    for changed in (
        state._replace(tal_skill=state.tal_skill.astype(np.float32)),
        state._replace(ent_knowledge=np.asfortranarray(state.ent_knowledge)),
        state._replace(tal_skill=state.tal_skill[::2]),
        state._replace(tal_skill=readonly),
        state._replace(counts=state.counts.reshape(1, -1)),
    ):
        assert entry._layout(changed) != entry._layout(state)
    assert entry._layout(params._replace(logit_beta=1)) != entry._layout(params)
