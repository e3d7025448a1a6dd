"""ViewModel: the model built from the page's controls."""

from __future__ import annotations

import numpy as np
import pytest
from rainforest.scenarios import load_scenario
from rainforest.scenarios.schema import PLAN_NAMES
from rainforest.sim.plan_ids import ARRAY, FOUNDATION
from rainforest.viz.model import ViewModel, view_scenario


def test_multipliers_scale_every_year_of_a_plans_budget():
    base = load_scenario("action_plan")
    scaled = view_scenario(base, "classroom", {"array": 2.0, "foundation": 0.0})
    doubled = {year: 2.0 * amount for year, amount in base.plans.array.budget_bn.items()}
    assert scaled.plans.array.budget_bn == doubled
    assert set(scaled.plans.foundation.budget_bn.values()) == {0.0}
    assert scaled.plans.leading.budget_bn == base.plans.leading.budget_bn
    assert scaled.plans.foundation.colleges == base.plans.foundation.colleges


def test_a_switched_off_plan_stays_off():
    scaled = view_scenario("no_array", "classroom", {"array": 3.0})
    assert not scaled.plans.array.enabled
    model = ViewModel(scenario_name="no_array", array=3.0)
    assert not model.plan_enabled("array")
    assert model.plan_budget("array") == 0.0


def test_the_model_gets_the_scaled_budget_and_the_scale():
    model = ViewModel(
        scenario_name="action_plan", scale="classroom", seed=3, array=2.0, foundation=0.5
    )
    base = load_scenario("action_plan")
    assert model.seed == 3
    assert model.run_scenario.scale == "classroom"
    years = range(base.start_year, base.horizon_year + 1)
    array = [base.plans.array.budget_bn[y] for y in years]
    foundation = [base.plans.foundation.budget_bn[y] for y in years]
    assert np.allclose(model.params.budget[ARRAY], 2.0 * np.array(array))
    assert np.allclose(model.params.budget[FOUNDATION], 0.5 * np.array(foundation))
    assert model.multipliers == dict(zip(PLAN_NAMES, (0.5, 1, 1, 1, 2.0, 1), strict=True))


@pytest.mark.parametrize(
    "kwargs",
    [{"scenario_name": "no_such"}, {"scale": "city"}, {"array": 3.5}, {"leading": -0.1}],
)
def test_bad_controls_are_refused(kwargs):
    with pytest.raises(ValueError):
        ViewModel(**kwargs)


def test_the_run_stops_at_the_horizon():
    model = ViewModel()
    assert model.running and model.quarter_label() == "start of 2021"
    model.step()
    assert model.quarter_label() == "2021 Q1"
    while model.running:
        model.step()
    assert model.tick == model.params.n_ticks == 40
    assert model.quarter_label() == "2030 Q4"
    model.step()  # past the horizon: nothing happens
    assert model.tick == 40 and len(model.history) == 40
