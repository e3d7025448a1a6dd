"""The plans' marginal values as a function of the posterior's parameters: at the median
set it is the library's action plan, and each gain is that plan's +10 % on the same seed."""

from __future__ import annotations

import pytest
from rainforest.experiments.studies.outlook import budget_plus
from rainforest.experiments.studies.plan_margins import PATHS, plan_margins
from rainforest.runs.execute import run_one
from rainforest.scenarios.ensemble import load_ensemble
from rainforest.scenarios.loader import load_scenario, with_overrides
from rainforest.scenarios.schema import PLAN_NAMES


@pytest.fixture(scope="module")
def at_median():
    median = load_ensemble()["median"]["parameters"]
    assert set(PATHS.values()) == set(median)  # the function varies what calibration fits
    values = {name: median[path] for name, path in PATHS.items()}
    return plan_margins(seed=7, **values)


def test_at_the_median_set_it_is_the_librarys_action_plan(at_median):
    plan = with_overrides(load_scenario("action_plan"), {"scale": "city"})
    assert at_median["output_value_bn"] == run_one(plan, 7).at_year_end(2030)["output_value_bn"]
    assert set(at_median) == {"output_value_bn", *(f"gain_{p}_bn" for p in PLAN_NAMES)}


def test_a_gain_is_the_plans_ten_percent_more_on_the_same_seed(at_median):
    plan = with_overrides(load_scenario("action_plan"), {"scale": "city"})
    more = with_overrides(plan, budget_plus(plan, "open_source"))
    gained = run_one(more, 7).at_year_end(2030)["output_value_bn"] - at_median["output_value_bn"]
    assert at_median["gain_open_source_bn"] == pytest.approx(gained, rel=1e-12)
