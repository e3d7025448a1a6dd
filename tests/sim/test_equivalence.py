"""The kernel engine is the Mesa engine's model, bit for bit.

Every integer indicator equal, every float indicator equal to within 1e-9 relative, at
every tick, and the same network at the end, for several seeds and scenarios.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from rainforest.scenarios import load_scenario
from rainforest.sim.indicators import INDICATORS

SCENARIOS = ("baseline", "action_plan", "no_array", "no_rainforest")
SEEDS = (0, 1, 2)


def _both_engines(args: tuple[str, int]):
    from rainforest.agents import EcosystemModel
    from rainforest.sim.loop import simulate
    from rainforest.sim.params import build_params
    from rainforest.sim.population import population_for

    name, seed = args
    scenario = load_scenario(name)
    population = population_for(scenario, seed)
    model = EcosystemModel(scenario, seed=seed, population=population)
    model.run()
    mesa_edges = sorted(
        (a, b, d["kind"], d["strength"])
        for a, b, d in ((min(u, v), max(u, v), d) for u, v, d in model.graph.edges(data=True))
    )
    history, state = simulate(build_params(scenario), population, seed)
    n = state.counts[2]
    live = state.edge_kind[:n] >= 0
    kernel_edges = sorted(
        zip(
            state.edge_a[:n][live].tolist(), state.edge_b[:n][live].tolist(),
            state.edge_kind[:n][live].tolist(), state.edge_strength[:n][live].tolist(),
            strict=True,
        )
    )  # fmt: skip
    return name, seed, np.array(model.history), history, mesa_edges, kernel_edges


@pytest.fixture(scope="module")
def pairs():
    jobs = [(name, seed) for name in SCENARIOS for seed in SEEDS]
    return [_both_engines(job) for job in jobs]


def test_every_indicator_at_every_tick_agrees(pairs):
    assert len(pairs) == len(SCENARIOS) * len(SEEDS)
    for name, seed, mesa, kernel, _, _ in pairs:
        assert mesa.shape == kernel.shape
        for j, spec in enumerate(INDICATORS):
            a, b = mesa[:, j], kernel[:, j]
            if spec.integer:
                assert np.array_equal(a, b), (name, seed, spec.name)
            else:
                assert np.allclose(a, b, rtol=1e-9, atol=0.0), (name, seed, spec.name)


def test_final_networks_have_the_same_edges(pairs):
    for name, seed, _, _, mesa_edges, kernel_edges in pairs:
        assert [e[:3] for e in mesa_edges] == [e[:3] for e in kernel_edges], (name, seed)
        strengths = np.array([e[3] for e in mesa_edges]), np.array([e[3] for e in kernel_edges])
        assert np.allclose(*strengths, rtol=1e-12, atol=0.0)
        assert len(mesa_edges) > 50


def test_the_runs_are_not_trivial(pairs):
    """The comparison exercises what matters: exits, start-ups, designations, sales."""
    from rainforest.sim.indicators import INDEX

    for name, _, mesa, _, _, _ in pairs:
        final = mesa[-1]
        assert final[INDEX["exits"]] > 0 and final[INDEX["startups_founded"]] > 0
        assert final[INDEX["output_value_bn"]] > 0
        if name == "action_plan":
            assert final[INDEX["innovation_centers"]] > 0 and final[INDEX["consortia"]] > 0


_KERNEL_DIGEST = """
import hashlib, sys
from rainforest.scenarios import load_scenario
from rainforest.scenarios.loader import with_overrides
from rainforest.sim.loop import simulate
from rainforest.sim.params import build_params
from rainforest.sim.population import population_for
sc = with_overrides(load_scenario("action_plan"), {"scale": sys.argv[1]})
out, _ = simulate(build_params(sc), population_for(sc, 5), 5)
print(hashlib.sha256(out.tobytes()).hexdigest())
"""


@pytest.mark.parametrize("threads", ["1", "2"])
def test_fresh_processes_and_thread_counts_give_the_same_bits(threads):
    from rainforest.sim.loop import simulate
    from rainforest.sim.params import build_params
    from rainforest.sim.population import population_for

    scenario = load_scenario("action_plan")
    here, _ = simulate(build_params(scenario), population_for(scenario, 5), 5)
    env = dict(os.environ, NUMBA_NUM_THREADS=threads)
    proc = subprocess.run(
        [sys.executable, "-c", _KERNEL_DIGEST, "classroom"],
        capture_output=True, text=True, env=env, timeout=1200, check=True,
    )  # fmt: skip
    import hashlib

    assert proc.stdout.strip() == hashlib.sha256(here.tobytes()).hexdigest()
