"""``rainforest.ema.model()`` in EMA Workbench, as a researcher who already uses EMA would.

One ``perform_experiments`` call (3 uncertainty scenarios x 2 policies x 2 seeded
replications = 12 classroom runs, SequentialEvaluator) feeds several checks: EMA sees
the uncertainties, levers and outcomes by their scenario paths and indicator names, and
each outcome is what ``run_one`` gives for that experiment's values on the seeds
``rainforest run --seed`` derives.
"""

from __future__ import annotations

import ema_workbench
import numpy as np
import pytest
from rainforest.experiments.sweeps.spec import load_sweep
from rainforest.runs.execute import run_one
from rainforest.scenarios import ScenarioError, apply_overrides, load_scenario
from rainforest.scenarios.schema import PLAN_NAMES
from rainforest.sim.indicators import TARGETED
from rainforest.sim.seeds import derive_seed, replicate_seeds

import rainforest as rf

SEED = 11
REPLICATIONS = 2


@pytest.fixture(scope="module")
def ema_model():
    return rf.ema.model("action_plan", replications=REPLICATIONS, seed=SEED, scale="classroom")


@pytest.fixture(scope="module")
def experiments(ema_model):
    from ema_workbench import SequentialEvaluator

    with SequentialEvaluator(ema_model) as evaluator:
        return evaluator.perform_experiments(scenarios=3, policies=2)


def test_the_model_names_levers_uncertainties_and_outcomes_as_the_scenario_does(ema_model):
    assert isinstance(ema_model, ema_workbench.ReplicatorModel)
    levers = [p.variable_name for p in ema_model.levers]
    assert levers == [[f"plans.{plan}.budget_bn"] for plan in PLAN_NAMES]
    assert [p.name for p in ema_model.levers] == [f"{plan}_budget_bn" for plan in PLAN_NAMES]
    paths = [p.variable_name[0] for p in ema_model.uncertainties]
    market = [p.path for p in load_sweep("uncertainty").parameters]
    assert paths[: len(market)] == market
    assert set(rf.ema.EFFECTS) <= set(paths)
    base = load_scenario("action_plan")
    for u in ema_model.uncertainties:  # every range holds the base scenario's value
        assert u.name.isidentifier()
        value = base
        for part in u.variable_name[0].split("."):
            value = getattr(value, part)
        assert u.lower_bound <= float(value) <= u.upper_bound, u.name
    outcomes = [o.name for o in ema_model.outcomes]
    assert outcomes[::2] == list(TARGETED)
    assert outcomes[1::2] == [f"{name}_reach" for name in TARGETED]
    assert [r[rf.ema.SEED] for r in ema_model.replications] == replicate_seeds(SEED, REPLICATIONS)


def test_perform_experiments_runs_every_combination(experiments, ema_model):
    table, outcomes = experiments
    assert len(table) == 6
    assert table["policy"].nunique() == 2 and table["scenario"].nunique() == 3
    for p in [*ema_model.levers, *ema_model.uncertainties]:
        column = table[p.name].to_numpy(dtype=float)
        assert np.all((column >= p.lower_bound) & (column <= p.upper_bound)), p.name
    for name in TARGETED:
        assert outcomes[name].shape == (6,) and np.all(np.isfinite(outcomes[name]))
        reach = outcomes[f"{name}_reach"]
        assert np.all(np.isin(reach, [0.0, 0.5, 1.0]))  # two replications


def test_each_outcome_is_the_runs_on_the_derived_seeds(experiments, ema_model):
    table, outcomes = experiments
    base = load_scenario("action_plan")
    parameters = [*ema_model.uncertainties, *ema_model.levers]
    row = table.iloc[4]
    scenario = apply_overrides(base, {p.variable_name[0]: float(row[p.name]) for p in parameters})
    runs = [run_one(scenario, s, scale="classroom") for s in replicate_seeds(SEED, 2)]
    output = [r.at_year_end(2030)["output_value_bn"] for r in runs]
    assert outcomes["output_value_bn"][4] == pytest.approx(float(np.median(output)), rel=1e-12)
    reach = np.mean(np.array(output) >= 500.0)
    assert outcomes["output_value_bn_reach"][4] == reach


def test_one_replication_is_a_model_with_the_run_commands_seed():
    single = rf.ema.model(seed=SEED)
    assert isinstance(single, ema_workbench.Model)
    assert single.constants[rf.ema.SEED].value == derive_seed(SEED, 0, 0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"replications": 0}, "replications"),
        ({"seed": -1}, "seed"),
        ({"year": 2040}, "year"),
        ({"indicators": ["output"]}, "indicators"),
        ({"scale": "county"}, "scale"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, field):
    with pytest.raises(ScenarioError, match=field):
        rf.ema.model(**kwargs)
