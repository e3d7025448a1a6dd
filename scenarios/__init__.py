"""Inputs of the model: the scenario schema, the built-in library, fields and 2030 targets."""

from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.loader import library_names, load_scenario, scenario_from_dict
from rainforest.scenarios.overrides import apply_overrides
from rainforest.scenarios.schema import Scenario

__all__ = [
    "Scenario",
    "ScenarioError",
    "apply_overrides",
    "library_names",
    "load_scenario",
    "scenario_from_dict",
]
