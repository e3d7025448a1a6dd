"""One run is one call: ``run_one(scenario, seed, scale) -> RunResult``.

A run is the compiled model (``sim``) from start to horizon. Everything that runs the
model for numbers (the CLI, replicates, sweeps, calibration, the Python API) goes
through here, so a run's result depends only on its scenario, seed and scale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.overrides import apply_overrides
from rainforest.scenarios.schema import Scenario
from rainforest.scenarios.targets import TARGET_YEAR
from rainforest.sim.indicators import INDICATOR_NAMES, indicator_frame
from rainforest.sim.seeds import derive_seed, replicate_seeds

SCALES: tuple[str, ...] = ("classroom", "district", "city")


@dataclass(frozen=True)
class RunResult:
    """Indicators by tick for one run, with what made them."""

    scenario: Scenario
    seed: int
    scale: str
    indicators: pd.DataFrame  # one row per tick: tick, year, quarter, then every indicator

    @property
    def report_year(self) -> int:
        """The target year, or the horizon if the scenario ends before it."""
        return min(TARGET_YEAR, self.scenario.horizon_year)

    def at_year_end(self, year: int | None = None) -> dict[str, float]:
        """Every indicator in the last quarter of ``year`` (default: the report year)."""
        year = self.report_year if year is None else year
        rows = self.indicators[self.indicators["year"] == year]
        if rows.empty:
            raise ValueError(f"year {year} is outside this run")
        row = rows.iloc[-1]
        return {name: float(row[name]) for name in INDICATOR_NAMES}


def default_scale(scenario: Scenario) -> str:
    """The scale a run or sweep uses when none is asked for: the scenario's own if its
    file sets one, else city, the reference scale (one simulated firm per real firm)."""
    return scenario.scale if "scale" in scenario.model_fields_set else "city"


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
    if seed < 0:
        raise ScenarioError(f"seed: must be >= 0, got {seed}")
    if scale is not None and scale != scenario.scale:
        if scale not in SCALES:
            raise ScenarioError(f"scale: unknown scale {scale!r} (choose from {', '.join(SCALES)})")
        scenario = apply_overrides(scenario, {"scale": scale})
    from rainforest.sim.loop import simulate
    from rainforest.sim.params import build_params
    from rainforest.sim.population import population_for

    history, _ = simulate(build_params(scenario), population_for(scenario, seed), seed)
    if on_tick is not None:
        for tick in range(len(history)):
            on_tick(tick)
    frame = indicator_frame(list(history), scenario.start_year)
    scale_name = "custom" if scenario.population is not None else scenario.scale
    return RunResult(scenario, int(seed), scale_name, frame)


def run_replicates(
    scenario: Scenario,
    replicates: int,
    root_seed: int = 0,
    scale: str | None = None,
    on_tick: Callable[[int], None] | None = None,
) -> list[RunResult]:
    """``replicates`` runs of ``scenario`` on the seeds ``replicate_seeds`` derives from
    ``root_seed``: one definition of "replicates", so the CLI and the API agree."""
    if replicates < 1:
        raise ScenarioError(f"replicates: must be >= 1, got {replicates}")
    if root_seed < 0:
        raise ScenarioError(f"seed: must be >= 0, got {root_seed}")
    return [
        run_one(scenario, seed, scale=scale, on_tick=on_tick)
        for seed in replicate_seeds(root_seed, replicates)
    ]


__all__ = [
    "RunResult",
    "derive_seed",
    "indicator_frame",
    "replicate_seeds",
    "run_one",
    "run_replicates",
]
