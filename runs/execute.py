"""Running the compiled model: a scenario and a seed in, a RunResult out.

``simulate(build_params(s), population_for(s, seed), seed)`` is written here once; every
caller that wants numbers from the model (the door's ``run_request``, sweep workers,
calibration, validation, the view's what-if, the benchmarks) comes through these
functions, so a run's result depends only on its scenario and seed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rainforest.runs.result import RunResult
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.overrides import apply_overrides
from rainforest.scenarios.schema import SCALE_NAMES, Scenario
from rainforest.sim.seeds import replicate_seeds


def check_scale(scale: str) -> str:
    """``scale`` if it names a scale; else one ScenarioError listing them."""
    if scale not in SCALE_NAMES:
        choices = ", ".join(SCALE_NAMES)
        raise ScenarioError(f"scale: unknown scale {scale!r} (choose from {choices})")
    return scale


def at_scale(scenario: Scenario, scale: str | None) -> Scenario:
    """``scenario`` at ``scale`` (unchanged when ``scale`` is None or already its own)."""
    if scale is None or scale == scenario.scale:
        return scenario
    return apply_overrides(scenario, {"scale": check_scale(scale)})


def compiled_inputs(scenario: Scenario, seed: int) -> tuple[Any, Any]:
    """The compiled model's inputs for one run: (parameters, initial population)."""
    from rainforest.sim.params import build_params
    from rainforest.sim.population import population_for

    return build_params(scenario), population_for(scenario, seed)


def run_inputs(params: Any, population: Any, seed: int, start: Any = None) -> tuple[Any, Any]:
    """The compiled model on inputs a study made itself, (indicators by tick, final state):
    for runs no scenario can ask for, such as the burn-in's frozen market on the synthetic
    population (experiments/studies/burn_in.py). Start from ``compiled_inputs``; the
    initial state is built with ``start`` (default: ``params``)."""
    from rainforest.sim.loop import simulate
    from rainforest.sim.state import initial_state

    if seed < 0:
        raise ScenarioError(f"seed: must be >= 0, got {seed}")
    state = initial_state(population, params if start is None else start)
    return simulate(params, population, seed, state=state)


def run_with_state(
    scenario: Scenario, seed: int, scale: str | None = None
) -> tuple[RunResult, Any]:
    """One run start to horizon, and the model's final state (for studies that measure
    the firms and the network, not only the indicators)."""
    from rainforest.sim.indicators import indicator_frame
    from rainforest.sim.loop import simulate

    if seed < 0:
        raise ScenarioError(f"seed: must be >= 0, got {seed}")
    scenario = at_scale(scenario, scale)
    params, population = compiled_inputs(scenario, seed)
    history, state = simulate(params, population, seed)
    frame = indicator_frame(history, scenario.start_year)
    return RunResult(scenario, int(seed), scenario.scale_label, frame), state


def run_one(
    scenario: Scenario,
    seed: int,
    scale: str | None = None,
    on_tick: Callable[[int], None] | None = None,
) -> RunResult:
    """Run one scenario with one seed, start to horizon; ``scale`` overrides the scenario's.

    ``on_tick`` is called once per quarter after the run (the compiled model runs the
    whole horizon in one call), so a progress bar still counts quarters.
    """
    result, _ = run_with_state(scenario, seed, scale)
    if on_tick is not None:
        for tick in range(len(result.indicators)):
            on_tick(tick)
    return result


def run_replicates(
    scenario: Scenario,
    replicates: int,
    root_seed: int = 0,
    scale: str | None = None,
    on_tick: Callable[[int], None] | None = None,
) -> list[RunResult]:
    """``replicates`` runs of ``scenario`` on the seeds ``replicate_seeds`` derives from
    ``root_seed``: one definition of "replicates", so every caller agrees."""
    if replicates < 1:
        raise ScenarioError(f"replicates: must be >= 1, got {replicates}")
    if root_seed < 0:
        raise ScenarioError(f"seed: must be >= 0, got {root_seed}")
    return [
        run_one(scenario, seed, scale=scale, on_tick=on_tick)
        for seed in replicate_seeds(root_seed, replicates)
    ]
