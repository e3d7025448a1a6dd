"""One run is one call: ``run_one(scenario, seed, engine, scale) -> RunResult``.

Two engines run the same model: ``kernel`` (Numba, the default: what sweeps use) and
``mesa`` (one Python object per agent: readable, what the interactive view runs). They
give the same indicators (tests/sim/test_equivalence.py).

Everything that runs the model (the CLI, replicates, sweeps, the interactive view's
reports) goes through here, so a run's result depends only on its scenario, seed, engine
and scale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.loader import with_overrides
from rainforest.scenarios.schema import Scenario
from rainforest.scenarios.targets import TARGET_YEAR
from rainforest.sim.indicators import INDICATOR_NAMES, INDICATORS

Engine = Literal["mesa", "kernel"]
ENGINES: tuple[str, ...] = ("kernel", "mesa")
DEFAULT_ENGINE = "kernel"
SCALES: tuple[str, ...] = ("classroom", "district", "city")


@dataclass(frozen=True)
class RunResult:
    """Indicators by tick for one run, with what made them."""

    scenario: Scenario
    seed: int
    engine: str
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


def derive_seed(root_seed: int, sample: int, replicate: int) -> int:
    """A run's seed from (root seed, sample index, replicate), via numpy's SeedSequence."""
    seq = np.random.SeedSequence([int(root_seed), int(sample), int(replicate)])
    return int(seq.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def indicator_frame(history: list[np.ndarray], start_year: int) -> pd.DataFrame:
    """Per-tick indicator rows as a typed DataFrame (integer indicators as int64)."""
    values = np.array(history, dtype=np.float64).reshape(len(history), len(INDICATOR_NAMES))
    ticks = np.arange(len(history), dtype=np.int64)
    frame = {
        "tick": ticks,
        "year": start_year + ticks // 4,
        "quarter": ticks % 4 + 1,
    }
    for i, spec in enumerate(INDICATORS):
        column = values[:, i]
        frame[spec.name] = np.rint(column).astype(np.int64) if spec.integer else column
    return pd.DataFrame(frame)


def run_one(
    scenario: Scenario,
    seed: int,
    engine: Engine = DEFAULT_ENGINE,
    scale: str | None = None,
    on_tick: Callable[[int], None] | None = None,
) -> RunResult:
    """Run one scenario with one seed on one engine, start to horizon."""
    if engine not in ENGINES:
        raise ScenarioError(f"engine: unknown engine {engine!r} (choose from {', '.join(ENGINES)})")
    if seed < 0:
        raise ScenarioError(f"seed: must be >= 0, got {seed}")
    if scale is not None and scale != scenario.scale:
        if scale not in SCALES:
            raise ScenarioError(f"scale: unknown scale {scale!r} (choose from {', '.join(SCALES)})")
        scenario = with_overrides(scenario, {"scale": scale})
    if engine == "kernel":
        from rainforest.sim.loop import simulate
        from rainforest.sim.params import build_params
        from rainforest.sim.population import population_for

        history, _ = simulate(build_params(scenario), population_for(scenario, seed), seed)
        if on_tick is not None:
            for tick in range(len(history)):
                on_tick(tick)
    else:
        from rainforest.agents.model import EcosystemModel

        model = EcosystemModel(scenario, seed=seed)
        for tick in range(model.params.n_ticks):
            model.step()
            if on_tick is not None:
                on_tick(tick)
        history = model.history
    frame = indicator_frame(list(history), scenario.start_year)
    scale_name = "custom" if scenario.population is not None else scenario.scale
    return RunResult(scenario, int(seed), engine, scale_name, frame)
