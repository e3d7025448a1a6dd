"""The model as an EMA Workbench model: ``rainforest.ema.model()``.

EMA Workbench (``ema_workbench``) is where many policy researchers already do exploratory
modelling: its samplers, evaluators, PRIM, feature scoring and many-objective search all
take a ``Model``. This module hands them the compiled model with EMA's own distinction
kept: **uncertainties** are the market and plan-effect assumptions, **levers** the six
plans' annual budgets, **outcomes** the targeted indicators in the target year.

The ranges are not written twice: the market ranges are those of the shipped
``uncertainty`` sweep, the budget ranges those of the ``six_plans_lhs`` sweep, and each
plan's effect parameter ranges from half to one and a half times its value in the base
scenario (``EFFECTS``), so they follow the scenario when its defaults move.

Replications carry their seeds: replicate ``r`` runs on ``derive_seed(seed, 0, r)``, as
``rainforest run --seed`` does, and every experiment gets the same seeds (common random
numbers), so a difference between two policies is never seed noise.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from rainforest.experiments.sweeps.spec import Parameter, load_sweep
from rainforest.runs.execute import run_one
from rainforest.runs.request import DEFAULT_SEED, resolve_request
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.overrides import apply_overrides
from rainforest.scenarios.schema import Scenario
from rainforest.scenarios.targets import TARGET_YEAR
from rainforest.sim.indicators import INDICATOR_NAMES, TARGETED, spec
from rainforest.sim.seeds import replicate_seeds

if TYPE_CHECKING:
    from ema_workbench import Model, ReplicatorModel

MODEL_NAME = "rainforest"
UNCERTAINTY_SWEEP = "uncertainty"  # its parameters are the market uncertainties
LEVER_SWEEP = "six_plans_lhs"  # its parameters are the six plans' budgets
SEED = "seed"  # the keyword each replication passes to the run
REACH_SUFFIX = "_reach"

# One effect parameter per causal path of docs/ODD.md 7.2, each an assumption: ranged
# from EFFECT_SPAN[0] to EFFECT_SPAN[1] times the base scenario's value.
EFFECTS: tuple[str, ...] = (
    "behaviour.center_spillover",
    "plans.leading.spillover_bonus",
    "plans.leading.test_site_boost",
    "behaviour.consortium_spillover",
    "plans.open_source.demo_trl_boost",
    "plans.array.retention",
    "plans.rainforest.founding_boost",
)
EFFECT_SPAN = (0.5, 1.5)


@dataclass(frozen=True)
class Range:
    """One uncertainty or lever: a dotted scenario path and its interval."""

    path: str
    low: float
    high: float

    @property
    def name(self) -> str:
        """EMA's name for it, a Python identifier (which EMA 3 asks for): the path less
        its section, dots as underscores (``plans.leading.budget_bn`` -> ``leading_budget_bn``,
        ``market.bass_q`` -> ``bass_q``). EMA passes the path itself to the run."""
        section, _, rest = self.path.partition(".")
        return (rest if section in ("plans", "market", "behaviour") else self.path).replace(
            ".", "_"
        )


def _sweep_ranges(name: str) -> list[Range]:
    parameters: Sequence[Parameter] = load_sweep(name).parameters
    return [Range(p.path, float(p.low), float(p.high)) for p in parameters]


def _value_at(scenario: Scenario, path: str) -> float:
    node: Any = scenario
    for part in path.split("."):
        node = getattr(node, part)
    return float(node)


def uncertainties(base: Scenario) -> list[Range]:
    """The market ranges of the ``uncertainty`` sweep, then the plan-effect ranges."""
    ranges = _sweep_ranges(UNCERTAINTY_SWEEP)
    for path in EFFECTS:
        value = _value_at(base, path)
        low, high = EFFECT_SPAN[0] * value, EFFECT_SPAN[1] * value
        if path.endswith("retention"):  # a probability: stays one
            high = min(high, 1.0)
        ranges.append(Range(path, low, high))
    return ranges


def levers() -> list[Range]:
    """The six plans' annual budgets (RMB bn a year, every plan year), as ``six_plans_lhs``."""
    return _sweep_ranges(LEVER_SWEEP)


class Experiment:
    """The function EMA calls: one run of the base scenario with the sampled values.

    A module-level class (not a closure) so that EMA's multiprocessing evaluator can send
    it to worker processes.
    """

    def __init__(self, base: Scenario, year: int, indicators: Sequence[str]) -> None:
        self.base = base
        self.year = year
        self.indicators = tuple(indicators)

    def __call__(self, **values: Any) -> dict[str, float]:
        seed = int(values.pop(SEED))
        scenario = apply_overrides(self.base, values) if values else self.base
        finals = run_one(scenario, seed).at_year_end(self.year)
        return {name: finals[name] for name in self.indicators}


def _median(values: Sequence[float]) -> float:
    return float(np.median(np.asarray(values, dtype=np.float64)))


def _reach(values: Sequence[float] | float, target: float) -> float:
    """The share of replications at or above the target (0 or 1 for a single run)."""
    return float(np.mean(np.asarray(values, dtype=np.float64) >= target))


def model(
    scenario: str | os.PathLike[str] | Scenario = "action_plan",
    *,
    replications: int = 1,
    seed: int = DEFAULT_SEED,
    scale: str | None = None,
    year: int = TARGET_YEAR,
    indicators: Sequence[str] = TARGETED,
) -> Model | ReplicatorModel:
    """An EMA Workbench model of ``scenario`` (a built-in name, a file or a Scenario).

    With ``replications == 1`` a ``Model`` whose one run uses the seed ``rainforest run
    --seed SEED`` uses; with more, a ``ReplicatorModel`` whose replications are seeded
    like ``rainforest run --seed SEED --replicates N``. For each indicator there are two
    scalar outcomes: ``<indicator>`` (the value in ``year``; the median over replications)
    and, for a targeted one, ``<indicator>_reach`` (the share of replications that reach
    the target). Bad arguments raise ScenarioError.
    """
    from ema_workbench import (
        Constant,
        Model,
        RealParameter,
        ReplicatorModel,
        ScalarOutcome,
    )

    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise ScenarioError(f"replications: must be a whole number >= 1, got {replications!r}")
    # the door checks the scenario, scale and seed, and fills in the scale
    base = resolve_request(scenario, scale=scale, seed=seed, replicates=replications).scenario
    if not base.start_year <= year <= base.horizon_year:
        raise ScenarioError(
            f"year: {year} is outside the scenario's years {base.start_year}-{base.horizon_year}"
        )
    kept = tuple(dict.fromkeys(indicators))
    for name in kept:
        if name not in INDICATOR_NAMES:
            raise ScenarioError(f"indicators: unknown indicator {name!r}")
    if not kept:
        raise ScenarioError("indicators: empty list")

    function = Experiment(base, year, kept)
    seeds = replicate_seeds(seed, replications)
    if replications == 1:
        ema_model = Model(MODEL_NAME, function=function)
        ema_model.constants = [Constant(SEED, seeds[0])]
    else:
        ema_model = ReplicatorModel(MODEL_NAME, function=function)
        ema_model.replications = [{SEED: s} for s in seeds]
    ranges = {"uncertainties": uncertainties(base), "levers": levers()}
    names = [r.name for group in ranges.values() for r in group]
    assert len(set(names)) == len(names), names  # a new range must not shadow another
    for attribute, group in ranges.items():
        parameters = [RealParameter(r.name, r.low, r.high, variable_name=r.path) for r in group]
        setattr(ema_model, attribute, parameters)
    outcomes = []
    for name in kept:
        outcomes.append(ScalarOutcome(name, variable_name=name, function=_median))
        target = spec(name).target
        if target is not None:
            reach = functools.partial(_reach, target=target)
            outcomes.append(ScalarOutcome(name + REACH_SUFFIX, variable_name=name, function=reach))
    ema_model.outcomes = outcomes
    return ema_model


__all__ = ["EFFECTS", "Experiment", "Range", "levers", "model", "uncertainties"]
