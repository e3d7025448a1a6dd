"""Dotted-path overrides: one mechanism for the CLI, sweeps, the view and the API."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from rainforest.scenarios import ScenarioError, apply_overrides, load_scenario
from rainforest.scenarios.loader import with_overrides
from rainforest.scenarios.overrides import resolve_path
from rainforest.scenarios.schema import PLAN_START_YEAR, Scenario


@pytest.fixture(scope="module")
def plan() -> Scenario:
    return load_scenario("action_plan")


def old_with_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """The setter scenarios/loader.py had before apply_overrides: each dotted path's
    value replaces what is there, then the whole is validated."""
    data = scenario.model_dump()
    for dotted, value in overrides.items():
        node = data
        parts = dotted.split(".")
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(str(exc)) from None


SAME_AS_BEFORE = [
    {"scale": "district"},
    {"horizon_year": 2024, "name": "short", "description": "two years"},
    {"market.bass_q": 0.4, "behaviour.talent_outflow": 0.03},
    {"plans.array.retention": 0.6, "plans.rainforest.enabled": False},
    {"plans.array.budget_bn": {2023: 1.0, 2024: 2.5}},
    {"population": {"enterprises": 40, "institutes": 4, "talents": 200}},
]


@pytest.mark.parametrize("overrides", SAME_AS_BEFORE, ids=[",".join(o) for o in SAME_AS_BEFORE])
def test_what_the_old_setter_did_it_still_does(plan, overrides):
    assert apply_overrides(plan, overrides) == old_with_overrides(plan, overrides)
    assert with_overrides(plan, overrides) == apply_overrides(plan, overrides)


def test_an_unknown_path_is_one_error_naming_it(plan):
    for path in ("plans.array.budgt_bn", "market.nope", "nope", "plans.array.retention.x"):
        with pytest.raises(ScenarioError, match=f"^{path}: no such parameter"):
            apply_overrides(plan, {path: 1.0})


def test_a_value_of_the_wrong_type_names_its_path(plan):
    with pytest.raises(ScenarioError) as info:
        apply_overrides(plan, {"horizon_year": "soon", "plans.array.budget_bn": 1.0})
    assert "horizon_year" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(ScenarioError, match="plans.array.retention"):
        apply_overrides(plan, {"plans.array.retention": 1.5})
    with pytest.raises(ScenarioError, match="plans.array.budget_bn.2026"):
        apply_overrides(plan, {"plans.array.budget_bn.2026": "lots"})
    with pytest.raises(ScenarioError, match="^market: is a table of parameters"):
        apply_overrides(plan, {"market": 3.0})


def test_nested_tables_mean_their_dotted_paths_and_keep_the_rest(plan):
    nested = apply_overrides(
        plan, {"market": {"bass_q": 0.4}, "plans": {"array": {"retention": 0.6}}}
    )
    dotted = apply_overrides(plan, {"market.bass_q": 0.4, "plans.array.retention": 0.6})
    assert nested == dotted
    assert nested.market.bass_p == plan.market.bass_p  # the section's other values stay
    with pytest.raises(ScenarioError, match="^market.bass_q: set twice"):
        apply_overrides(plan, {"market": {"bass_q": 0.4}, "market.bass_q": 0.3})


def test_a_number_for_a_per_year_table_sets_every_plan_year(plan):
    short = apply_overrides(plan, {"horizon_year": 2026, "plans.array.budget_bn": 2.0})
    table = short.plans.array.budget_bn
    assert {y: v for y, v in table.items() if y >= PLAN_START_YEAR} == {
        2023: 2.0, 2024: 2.0, 2025: 2.0, 2026: 2.0,
    }  # fmt: skip
    settling = {y: v for y, v in plan.plans.array.budget_bn.items() if y < PLAN_START_YEAR}
    assert {y: v for y, v in table.items() if y < PLAN_START_YEAR} == settling
    one = apply_overrides(plan, {"plans.array.budget_bn.2026": 9.0}).plans.array.budget_bn
    assert one[2026] == 9.0 and one[2025] == plan.plans.array.budget_bn[2025]


def test_population_is_added_only_as_a_whole(plan):
    assert plan.population is None
    with pytest.raises(ScenarioError, match="^population.enterprises: the scenario has no"):
        apply_overrides(plan, {"population.enterprises": 40})
    sized = apply_overrides(
        plan, {"population": {"enterprises": 40, "institutes": 4, "talents": 9}}
    )
    assert apply_overrides(sized, {"population.talents": 200}).population.talents == 200


def test_the_schema_says_what_a_path_names():
    assert resolve_path("plans.array.budget_bn").how == "table"
    assert resolve_path("plans.array.budget_bn.2026").how == "year"
    assert resolve_path("market").how == "section"
    assert resolve_path("horizon_year").kind == "int"


def test_sweeps_set_values_with_the_same_function(plan):
    from rainforest.experiments.sweeps.spec import apply_values

    values = {"plans.array.budget_bn": 1.5, "market.bass_q": 0.3, "scenario": "baseline"}
    expected = apply_overrides(plan, {"plans.array.budget_bn": 1.5, "market.bass_q": 0.3})
    assert apply_values(plan, values) == expected
