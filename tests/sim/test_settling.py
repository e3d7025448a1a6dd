"""The settling years: the plan's effects start with its first year, not before."""

from __future__ import annotations

import numpy as np
from rainforest.scenarios import load_scenario
from rainforest.scenarios.loader import with_overrides
from rainforest.sim.loop import simulate
from rainforest.sim.params import build_params
from rainforest.sim.population import population_for


def _history(name: str, seed: int) -> np.ndarray:
    scenario = with_overrides(load_scenario(name), {"horizon_year": 2023, "scale": "classroom"})
    history, _ = simulate(build_params(scenario), population_for(scenario, seed), seed)
    return history


def test_plan_and_baseline_agree_bit_for_bit_until_the_plan_starts():
    plan, base = _history("action_plan", 5), _history("baseline", 5)
    assert plan.shape == base.shape == (12, plan.shape[1])  # 2021-2023
    assert np.array_equal(plan[:8], base[:8])  # 2021 and 2022
    assert not np.array_equal(plan[8:], base[8:])  # the plan acts from 2023
