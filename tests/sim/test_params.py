"""The compiled model's parameters come from the scenario schema mechanically."""

from __future__ import annotations

from rainforest.scenarios import load_scenario
from rainforest.scenarios.overrides import apply_overrides
from rainforest.sim.params import DERIVED, SCHEMA_NUMBERS, Params, build_params


def test_every_number_of_the_schema_is_a_parameter_of_its_own_name():
    fields = set(Params._fields)
    assert {name for name, _ in DERIVED} | {field for field, _, _ in SCHEMA_NUMBERS} == fields
    for field, path, _ in SCHEMA_NUMBERS:
        leaf = path.split(".")[-1]
        assert field == leaf or field == f"{path.split('.')[-2]}_{leaf}", (field, path)
    paths = {path for _, path, _ in SCHEMA_NUMBERS}
    assert {"plans.leading.cost_cut", "plans.rainforest.cost_cut", "behaviour.wage_bn"} <= paths


def test_a_value_set_in_the_scenario_reaches_its_parameter():
    base = load_scenario("action_plan")
    for field, path, kind in SCHEMA_NUMBERS:
        value = build_params(base)._asdict()[field]
        assert type(value) is kind, field
        changed = kind(value + 1) if kind is int else value * 0.5 + 0.125
        if path.endswith(("cost_cut", "retention", "_rate", "_share", "outflow", "mobility")):
            changed = min(changed, 0.9)
        params = build_params(apply_overrides(base, {path: changed}))
        assert params._asdict()[field] == changed, path
