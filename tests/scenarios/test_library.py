"""The built-in library, extends and overrides."""

from __future__ import annotations

import numpy as np
import pytest
from rainforest.scenarios import ScenarioError, library_names, load_scenario
from rainforest.scenarios.loader import scenario_to_toml, with_overrides
from rainforest.sim.params import build_params

LEAVE_ONE_OUT = [f"no_{p}" for p in ("foundation", "leading", "hand_in_hand", "open_source",
                                       "array", "rainforest")]  # fmt: skip


def test_library_has_the_plan_the_baseline_and_six_leave_one_outs():
    expected = {"baseline", "action_plan", "action_plan_horse_race", *LEAVE_ONE_OUT}
    assert set(library_names()) == expected


def test_the_horse_race_scenario_differs_from_the_plan_only_in_its_allocation():
    plan, race = load_scenario("action_plan"), load_scenario("action_plan_horse_race")
    assert race.field_allocation == "horse_race" and plan.field_allocation == "fixed"
    assert race.plans == plan.plans and race.market == plan.market


def test_the_horse_race_steers_designations_and_calls_not_only_the_flows():
    """Run on the same seed, the horse race moves support between fields, and where the
    pilot areas go (which the fixed allocation ranks by knowledge alone) changes."""
    from rainforest.sim.loop import simulate
    from rainforest.sim.population import population_for

    finals = {}
    for name in ("action_plan", "action_plan_horse_race"):
        scenario = load_scenario(name)
        _, state = simulate(build_params(scenario), population_for(scenario, 4), 4)
        finals[name] = state
    fixed, race = finals["action_plan"], finals["action_plan_horse_race"]
    assert not np.allclose(race.field_weight, fixed.field_weight)
    assert not np.array_equal(race.pilot, fixed.pilot)


@pytest.mark.parametrize("name", LEAVE_ONE_OUT)
def test_leave_one_out_switches_off_only_its_plan(name):
    plan = name.removeprefix("no_")
    full = build_params(load_scenario("action_plan"))
    loo = build_params(load_scenario(name))
    index = ["foundation", "leading", "hand_in_hand", "open_source", "array", "rainforest"]
    p = index.index(plan)
    assert loo.budget[p].sum() == 0
    assert full.budget[p].sum() > 0
    others = [i for i in range(6) if i != p]
    assert (loo.budget[others] == full.budget[others]).all()


def test_extends_overrides_only_what_it_names(tmp_path):
    path = tmp_path / "talent.toml"
    path.write_text(
        'extends = "action_plan"\nname = "talent"\n[plans.array]\nbudget_bn = { 2025 = 9.0 }\n'
    )
    scenario = load_scenario(path)
    base = load_scenario("action_plan")
    assert scenario.name == "talent"
    assert scenario.plans.array.budget_bn[2025] == 9.0
    assert scenario.plans.array.budget_bn[2024] == base.plans.array.budget_bn[2024]
    assert scenario.plans.foundation == base.plans.foundation


def test_show_round_trips(tmp_path):
    base = load_scenario("action_plan")
    path = tmp_path / "copy.toml"
    path.write_text(scenario_to_toml(base))
    assert load_scenario(path) == base


def test_overrides_validate_their_values():
    base = load_scenario("baseline")
    assert with_overrides(base, {"market.bass_q": 0.4}).market.bass_q == 0.4
    with pytest.raises(ScenarioError, match="market.bass_q"):
        with_overrides(base, {"market.bass_q": -1.0})
    with pytest.raises(ScenarioError, match="no such parameter"):
        with_overrides(base, {"market.nope": 1.0})


def test_budget_years_after_the_horizon_are_not_reached():
    short = with_overrides(load_scenario("action_plan"), {"horizon_year": 2024})
    params = build_params(short)
    assert params.n_ticks == 16  # 2021-2024: two settling years, then 2023 and 2024
    assert params.budget.shape == (6, 4)


def test_plan_and_baseline_share_the_settling_years():
    """Both start in 2021 and pay the same pre-plan support until the plan's first year."""
    plan, base = load_scenario("action_plan"), load_scenario("baseline")
    assert plan.start_year == base.start_year == 2021
    assert plan.market == base.market and plan.behaviour == base.behaviour
    p, b = build_params(plan), build_params(base)
    assert (p.budget[:, :2] == b.budget[:, :2]).all()
    assert (p.budget[:, 2:] != b.budget[:, 2:]).any()
