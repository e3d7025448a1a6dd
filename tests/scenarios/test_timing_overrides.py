"""Timing transforms of per-year tables: ``<table>.shift`` and ``budget_bn.front_load``.

They move a designation schedule or reshape a budget, and nothing else: the tests compare
each result with the scenario it came from, field by field, and check the refusals name
the path.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rainforest.scenarios import ScenarioError, apply_overrides, load_scenario
from rainforest.scenarios.overrides import resolve_path
from rainforest.scenarios.schema import PLAN_NAMES, PLAN_START_YEAR


def leaves(data, prefix=""):
    """A scenario dump as {dotted path: value}, per-year tables as one leaf each."""
    out = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and not all(isinstance(k, int) for k in value):
            out.update(leaves(value, path + "."))
        else:
            out[path] = value
    return out


def changed(a, b) -> set[str]:
    la, lb = leaves(a.model_dump()), leaves(b.model_dump())
    return {p for p in la.keys() | lb.keys() if la.get(p) != lb.get(p)}


@pytest.fixture(scope="module")
def plan():
    return load_scenario("action_plan")


def test_transforms_are_paths_the_sweeps_can_vary():
    shift = resolve_path("plans.leading.pilot_areas.shift")
    assert (shift.how, shift.kind) == ("transform", "int")
    front = resolve_path("plans.array.budget_bn.front_load")
    assert (front.how, front.kind) == ("transform", "float")


def test_a_shift_moves_the_schedule_and_nothing_else(plan):
    late = apply_overrides(plan, {"plans.leading.pilot_areas.shift": 2})
    assert changed(plan, late) == {"plans.leading.pilot_areas"}
    before = plan.plans.leading.pilot_areas
    assert late.plans.leading.pilot_areas == {y + 2: n for y, n in before.items()}


def test_a_shifted_budget_keeps_its_settling_years(plan):
    late = apply_overrides(plan, {"plans.foundation.budget_bn.shift": 1})
    before, after = plan.plans.foundation.budget_bn, late.plans.foundation.budget_bn
    assert {y: v for y, v in after.items() if y < PLAN_START_YEAR} == {
        y: v for y, v in before.items() if y < PLAN_START_YEAR
    }
    assert PLAN_START_YEAR not in after
    assert all(after[y + 1] == v for y, v in before.items() if y >= PLAN_START_YEAR)


@given(share=st.floats(-1.0, 1.0, allow_nan=False), plan_name=st.sampled_from(PLAN_NAMES))
@settings(max_examples=40, deadline=None)
def test_front_loading_keeps_the_total_and_moves_money_forward(share, plan_name):
    base = load_scenario("action_plan")
    after = apply_overrides(base, {f"plans.{plan_name}.budget_bn.front_load": share})
    old = getattr(base.plans, plan_name).budget_bn
    new = getattr(after.plans, plan_name).budget_bn
    assert changed(base, after) <= {f"plans.{plan_name}.budget_bn"}
    years = [y for y in old if PLAN_START_YEAR <= y <= base.horizon_year]
    assert math.isclose(sum(new[y] for y in years), sum(old[y] for y in years), rel_tol=1e-12)
    assert all(new[y] == old[y] for y in old if y < PLAN_START_YEAR)
    first, last = years[0], years[-1]
    if share > 1e-9 and old[first] > 0:  # flat budgets: the first year gains, the last loses
        assert new[first] > old[first] and new[last] < old[last]
    if share < -1e-9 and old[first] > 0:
        assert new[first] < old[first] and new[last] > old[last]


def test_no_front_loading_changes_nothing(plan):
    assert apply_overrides(plan, {"plans.array.budget_bn.front_load": 0.0}) == plan


def test_transforms_apply_to_the_table_other_overrides_give(plan):
    after = apply_overrides(
        plan, {"plans.array.budget_bn": 2.0, "plans.array.budget_bn.front_load": 1.0}
    )
    budget = after.plans.array.budget_bn
    assert budget[2023] == pytest.approx(4.0) and budget[2030] == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"plans.leading.pilot_areas.front_load": 0.5}, "reshapes budget_bn only"),
        ({"plans.leading.pilot_areas.shift": 1.5}, "whole number of years"),
        ({"plans.leading.pilot_areas.shift": True}, "whole number of years"),
        ({"plans.leading.pilot_areas.shift": -1}, "moves 2023 to 2022"),
        ({"plans.foundation.centers.shift": 7}, "moves 2029 to 2036"),
        ({"plans.array.budget_bn.front_load": 1.5}, "from -1"),
        ({"plans.array.budget_bn.later": 1}, "timing transform"),
    ],
)
def test_bad_transforms_name_the_path(plan, overrides, message):
    with pytest.raises(ScenarioError, match=message) as info:
        apply_overrides(plan, overrides)
    assert str(info.value).startswith(next(iter(overrides)))
