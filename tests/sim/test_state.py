"""The model's state: growing it keeps every value and fills new room as a fresh slot."""

from __future__ import annotations

import numpy as np
import pytest
from rainforest.scenarios.loader import with_overrides
from rainforest.sim.loop import simulate
from rainforest.sim.params import build_params
from rainforest.sim.population import population_for
from rainforest.sim.state import (
    FIELDS,
    LAYOUT_PATH,
    N_EDGE_SLOTS,
    N_ENT,
    N_TAL,
    TAL_IDS,
    State,
    grown,
    initial_state,
    layout_source,
)

# what an unused slot holds
FILLS = {
    "ent_consortium": -1,
    "ent_demo_until": -1,
    "tal_employer": -1,
    "edge_kind": -1,
    "edge_ties": 1.0,
    "inst_college_since": -1,
    "inst_center_since": -1,
    "pilot_since": -1,
}
GROWING = ("ent_", "tal_", "edge_")


def test_the_state_layout_is_generated_from_the_fields_table():
    assert LAYOUT_PATH.read_text(encoding="utf-8") == layout_source(), "run make state-layout"
    assert State._fields == tuple(f.name for f in FIELDS)


@pytest.fixture(scope="module")
def classroom(short_action_plan):
    scenario = with_overrides(short_action_plan, {"scale": "classroom"})
    params = build_params(scenario)
    return scenario, params, population_for(scenario, 3)


def test_grown_keeps_every_field_and_fills_the_new_room(classroom):
    _, params, population = classroom
    state = initial_state(population, params)
    n_ent, n_tal, n_edges = len(state.ent_field), len(state.tal_field), len(state.edge_a)
    bigger = grown(state, n_ent + 5, 2 * n_tal, n_edges + 1)
    assert bigger._fields == state._fields
    assert len(bigger.ent_field) >= n_ent + 5
    assert len(bigger.tal_field) == 2 * n_tal  # more than half as large again: as asked
    assert len(bigger.edge_a) == n_edges * 3 // 2  # less: half as large again
    for name in state._fields:
        old, new = getattr(state, name), getattr(bigger, name)
        if not isinstance(old, np.ndarray):
            assert dict(new) == dict(old), name  # the edge index
            continue
        assert new.dtype == old.dtype, name
        assert old.dtype == np.dtype(next(f.dtype for f in FIELDS if f.name == name)), name
        assert np.array_equal(new[: len(old)], old), name
        if name.startswith(GROWING):
            assert len(new) > len(old), name
            assert (new[len(old) :] == FILLS.get(name, 0)).all(), name
        else:
            assert new.shape == old.shape, name


def test_spare_slots_start_as_the_table_fills_them(classroom):
    _, params, population = classroom
    state = initial_state(population, params)
    used = {"ent": N_ENT, "tal": N_TAL, "edge": N_EDGE_SLOTS}
    for f in FIELDS:
        if f.entity in used and f.dtype != "dict":
            spare = getattr(state, f.name)[state.counts[used[f.entity]] :]
            assert len(spare) > 0 and (spare == f.fill).all(), f.name


def test_a_run_gives_the_same_bits_whatever_room_it_starts_with(classroom):
    _, params, population = classroom
    tight, _ = simulate(params, population, 3)
    state = initial_state(population, params)
    roomy = grown(
        state, 10 * len(state.ent_field), 10 * len(state.tal_field), 10 * len(state.edge_a)
    )
    history, _ = simulate(params, population, 3, state=roomy)
    assert np.array_equal(history, tight)


def test_each_firms_own_knowledge_stays_that_of_its_field(classroom):
    _, params, population = classroom
    _, state = simulate(params, population, 3)
    n = state.counts[0]
    assert n > population.n_enterprises  # start-ups and entrants were added
    rows = state.ent_knowledge[np.arange(n), state.ent_field[:n]]
    assert np.array_equal(state.ent_own[:n], rows)


def test_free_slots_hold_the_table_fills_after_a_run(action_plan):
    # new enterprises and talents set only the fields that do not start as their fill
    scenario = with_overrides(action_plan, {"scale": "classroom"})
    params = build_params(scenario)
    population = population_for(scenario, 1)
    _, state = simulate(params, population, 1)
    assert state.counts[N_ENT] > population.n_enterprises  # enterprises were added
    assert state.counts[N_TAL] < state.counts[TAL_IDS]  # talents' slots were closed up
    for f in FIELDS:
        if f.entity in ("ent", "tal"):
            used = state.counts[N_ENT if f.entity == "ent" else N_TAL]
            spare = getattr(state, f.name)[used:]
            assert len(spare) > 0 and (spare == f.fill).all(), f.name
