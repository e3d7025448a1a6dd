"""Scratch arrays are reused from the heap: a run after the first makes no page faults."""

from __future__ import annotations

import resource

import pytest
from rainforest.scenarios.loader import with_overrides
from rainforest.sim.engine.memory import reuse_freed_memory
from rainforest.sim.loop import simulate
from rainforest.sim.params import build_params
from rainforest.sim.population import population_for


@pytest.mark.skipif(not reuse_freed_memory(), reason="needs glibc's mallopt")
def test_a_second_district_run_does_not_fault_its_memory_in_again(short_action_plan):
    # Without the malloc settings, each such run faults in thousands of fresh pages.
    scenario = with_overrides(short_action_plan, {"scale": "district"})
    params, population = build_params(scenario), population_for(scenario, 0)
    simulate(params, population, 0)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    simulate(params, population, 0)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert faults < 200
