"""On a cold cache, the tick's functions compile in parallel processes into the cache."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from numba import typeof
from rainforest.scenarios.loader import with_overrides
from rainforest.sim import loop
from rainforest.sim.edges import compact_edges
from rainforest.sim.engine import entry
from rainforest.sim.indicators import N_INDICATORS
from rainforest.sim.params import build_params
from rainforest.sim.population import population_for
from rainforest.sim.state import initial_state

_CHILD = """
import numpy as np
from rainforest.sim import sources_digest
from rainforest.sim.common import tie_sums
from rainforest.sim.edges import build_csr
from rainforest.sim.engine.precompile import compile_ahead
ints = np.zeros(1, np.int64)
compile_ahead(lambda: [(build_csr, (ints, ints, ints, np.int64(0), np.int64(1))),
                       (tie_sums, (np.zeros(1), ints, ints))])
print(sources_digest())
"""


@pytest.mark.parametrize("workers", ["2", "1"])  # one: in this process, under the same lock
def test_a_cold_cache_is_filled_by_parallel_processes(tmp_path, workers):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), RAINFOREST_COMPILE_WORKERS=workers)
    done = subprocess.run(
        [sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, check=True
    )
    digest = done.stdout.strip()
    assert (tmp_path / f"compiled-{digest}").exists()
    saved = {p.name.split("-")[0] for p in tmp_path.rglob("*.nbi")}
    assert {"edges.build_csr", "common.tie_sums"} <= saved
    assert not list(tmp_path.glob("tasks-*"))  # the task folder is removed


def test_the_calls_compiled_ahead_are_those_a_run_makes(short_action_plan):
    scenario = with_overrides(short_action_plan, {"scale": "classroom"})
    params = build_params(scenario)
    population = population_for(scenario, 2)
    loop.simulate(params, population, 2)
    state = initial_state(population, params)
    out = np.zeros((params.n_ticks, N_INDICATORS))
    calls = loop.compiled_calls(state, params, out)
    ran = entry._BY_LAYOUT[
        (entry._layout(state), entry._layout(params), entry._layout(out))
    ]  # fmt: skip
    listed = {fn for fn, _ in calls}
    assert set(ran) <= listed
    assert listed - set(ran) <= {compact_edges}  # needed only once freed slots pile up
    for fn, args in calls:  # ahead of time with the types the run calls them with
        if fn in ran:
            assert tuple(typeof(a) for a in args) in fn.overloads, fn.py_func.__name__
