"""The scenario flattened into plain numbers and arrays, the form the compiled model reads.

A ``Params`` is a NamedTuple of floats, ints and numpy arrays, so it passes unchanged
into ``@njit`` code. It is made from the scenario schema mechanically: every number the
schema's plans, market and behaviour sections hold (and ``horse_race_rate``) is a field
of the same name — prefixed with its section where two sections use the same name
(``leading_cost_cut``, ``rainforest_cost_cut``) — so a new parameter in the schema is a
new field here with nothing to write. A few fields are derived, listed in ``DERIVED``:
budgets become an array by plan and year (zero where a plan is switched off or a year has
no budget), designation schedules the cumulative number aimed for in each simulated year,
the market's totals the per-field potential and the initial adoption share (of China's
market under the ``frontier`` form, of the city's under ``compounding_outside``), and the
competitor regions (scenarios/regions.py) their sellers and catch-up rates.
"""

from __future__ import annotations

import typing
from typing import Annotated, NamedTuple, get_args, get_origin

import numpy as np
import pydantic
from rainforest.scenarios.fields import (
    FIELD_CLUSTER,
    FIELD_SHARE,
    FIELD_START_TRL,
    N_CLUSTERS,
    N_FIELDS,
)
from rainforest.scenarios.regions import CATCH_UP_FACTOR, SELLER_SHARE
from rainforest.scenarios.schema import PLAN_NAMES, Scenario
from rainforest.sim.kinds import CENTER, EDGE_KINDS, TIERS  # read here by the Mesa face
from rainforest.sim.plan_ids import N_PLANS

# Fields computed from the scenario rather than copied from it.
DERIVED: tuple[tuple[str, type], ...] = (
    ("n_ticks", int),
    ("start_year", int),
    ("n_years", int),
    ("budget", np.ndarray),  # (plan, year) RMB bn a year
    ("colleges_target", np.ndarray),  # (year,) cumulative
    ("centers_target", np.ndarray),
    ("pilots_target", np.ndarray),
    ("horse_race", bool),
    ("field_cluster", np.ndarray),  # (field,) int64
    ("field_share", np.ndarray),  # (field,) float64
    ("field_start_trl", np.ndarray),  # (field,) int64
    ("potential", np.ndarray),  # (field,) RMB bn a year at saturation, at the start
    ("initial_adoption", float),
    ("compounding_outside", bool),  # market.form: the earlier, compounding outside option
    ("region_sellers", np.ndarray),  # (region,) competing selling firms
    ("region_catch_up", np.ndarray),  # (region,) catch-up rate a year
    ("potential_growth", float),  # a year: market_growth, or 0 for the city's own demand
)
_SECTIONS = tuple(f"plans.{plan}" for plan in PLAN_NAMES) + ("market", "behaviour")


def _number_type(annotation) -> type | None:
    """int or float for a numeric schema field (through ``Annotated``), else None."""
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation if annotation in (int, float) else None


def _section_model(path: str) -> type[pydantic.BaseModel]:
    model: type[pydantic.BaseModel] = Scenario
    for part in path.split("."):
        model = typing.get_type_hints(model)[part]
    return model


def _schema_numbers() -> list[tuple[str, str, type]]:
    """(Params field, dotted path in the scenario, int or float) of every copied number."""
    found: list[tuple[str, str, type]] = [("horse_race_rate", "horse_race_rate", float)]
    for section in _SECTIONS:
        hints = typing.get_type_hints(_section_model(section), include_extras=True)
        for name in _section_model(section).model_fields:
            kind = _number_type(hints[name])
            if kind is not None:
                found.append((name, f"{section}.{name}", kind))
    counts: dict[str, int] = {}
    for name, _, _ in found:
        counts[name] = counts.get(name, 0) + 1
    return [
        (name if counts[name] == 1 else f"{path.split('.')[-2]}_{name}", path, kind)
        for name, path, kind in found
    ]


SCHEMA_NUMBERS = _schema_numbers()
Params = NamedTuple("Params", [*DERIVED, *((field, kind) for field, _, kind in SCHEMA_NUMBERS)])
Params.__module__ = __name__  # so that compiled code cached on disk finds the type again
Params.__doc__ = "The numbers the compiled model reads (see the module's docstring)."


def _cumulative_schedule(schedule: dict[int, int], start: int, n_years: int) -> np.ndarray:
    out = np.zeros(n_years, dtype=np.int64)
    for i in range(n_years):
        year = start + i
        due = [count for y, count in schedule.items() if y <= year]
        out[i] = max(due) if due else 0
    return out


def _value(scenario: Scenario, path: str):
    value = scenario
    for part in path.split("."):
        value = getattr(value, part)
    return value


def build_params(scenario: Scenario) -> Params:
    """Numbers for the model; a pure function of the scenario (its name plays no part)."""
    start = scenario.start_year
    n_years = scenario.horizon_year - start + 1
    budget = np.zeros((N_PLANS, n_years), dtype=np.float64)
    for p, name in enumerate(PLAN_NAMES):
        plan = getattr(scenario.plans, name)
        if not plan.enabled:
            continue
        for year, amount in plan.budget_bn.items():
            if year - start < n_years:
                budget[p, year - start] = amount

    def sched(plan, key):
        if not plan.enabled:
            return np.zeros(n_years, dtype=np.int64)
        return _cumulative_schedule(getattr(plan, key), start, n_years)

    f, lead, m = scenario.plans.foundation, scenario.plans.leading, scenario.market
    share = np.array(FIELD_SHARE, dtype=np.float64)
    compounding = m.form == "compounding_outside"
    return Params(
        n_ticks=scenario.ticks,
        start_year=start,
        n_years=n_years,
        budget=budget,
        colleges_target=sched(f, "colleges"),
        centers_target=sched(f, "centers"),
        pilots_target=sched(lead, "pilot_areas"),
        horse_race=scenario.field_allocation == "horse_race",
        field_cluster=np.array(FIELD_CLUSTER, dtype=np.int64),
        field_share=share,
        field_start_trl=np.array(FIELD_START_TRL, dtype=np.int64),
        potential=share * (m.total_potential_bn if compounding else m.national_potential_bn),
        initial_adoption=(
            min(m.initial_market_bn / m.total_potential_bn, 0.99)
            if compounding
            else m.national_market_bn / m.national_potential_bn
        ),
        compounding_outside=compounding,
        region_sellers=m.competitor_sellers * np.array(SELLER_SHARE, dtype=np.float64),
        region_catch_up=m.competitor_catch_up * np.array(CATCH_UP_FACTOR, dtype=np.float64),
        potential_growth=0.0 if compounding else float(m.market_growth),
        **{field: kind(_value(scenario, path)) for field, path, kind in SCHEMA_NUMBERS},
    )


def cluster_fields(cluster: int) -> list[int]:
    """The fields of a cluster, in field order."""
    return [f for f in range(N_FIELDS) if FIELD_CLUSTER[f] == cluster]


__all__ = [
    "CENTER",
    "EDGE_KINDS",
    "N_CLUSTERS",
    "N_FIELDS",
    "TIERS",
    "Params",
    "build_params",
    "cluster_fields",
]
