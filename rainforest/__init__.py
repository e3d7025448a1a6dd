"""rainforest: an agent-based simulator of Shanghai's future-industry innovation ecosystem.

The installed package's layers are its subpackages, imported one way only:
``experiments`` → ``viz`` → ``runs`` → ``agents`` → ``sim`` → ``scenarios``.

For notebooks, the package itself is the API::

    import rainforest as rf

    runs = rf.run("action_plan", replicates=10, scale="district", seed=0)
    runs.scorecard()      # indicator, target, median, p05, p95, reach probability
    runs.fan_chart()      # a matplotlib Figure
    runs.frame            # every replicate's indicators, quarter by quarter
    results = rf.sweep("six_plans_lhs", out="results/lhs", workers=4)
    classroom = rf.apply_overrides(rf.load_scenario("action_plan"), {"scale": "classroom"})
    model = rf.EcosystemModel(classroom, seed=0)  # step it yourself
    ema_model = rf.ema.model(replications=4)  # an EMA Workbench model of the action plan

Every name is imported on first use, so ``import rainforest`` stays light (no numpy,
Numba or Mesa) until a name is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rainforest.agents import EcosystemModel
    from rainforest.experiments import ema
    from rainforest.experiments.api import RunSet, load_results, run, sweep
    from rainforest.scenarios import Scenario, ScenarioError, apply_overrides, load_scenario

_EXPORTS: dict[str, str] = {
    "run": "rainforest.experiments.api",
    "sweep": "rainforest.experiments.api",
    "load_results": "rainforest.experiments.api",
    "RunSet": "rainforest.experiments.api",
    "load_scenario": "rainforest.scenarios.loader",
    "apply_overrides": "rainforest.scenarios.overrides",
    "Scenario": "rainforest.scenarios.schema",
    "ScenarioError": "rainforest.scenarios.errors",
    "EcosystemModel": "rainforest.agents",
}
# Modules offered as attributes: ``rf.ema`` is ``rainforest.experiments.ema``.
_MODULES: dict[str, str] = {"ema": "rainforest.experiments.ema"}

__all__ = [
    "EcosystemModel",
    "RunSet",
    "Scenario",
    "ScenarioError",
    "apply_overrides",
    "ema",
    "load_results",
    "load_scenario",
    "run",
    "sweep",
]


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        value = importlib.import_module(_MODULES[name])
        globals()[name] = value
        return value
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rainforest' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS, *_MODULES})
