"""Indicators by name: the positions compiled code writes are those of the list."""

from __future__ import annotations

from rainforest.scenarios.fields import CLUSTERS
from rainforest.scenarios.regions import REGIONS
from rainforest.sim import indicators
from rainforest.sim.plan_ids import PLAN_NAMES


def test_each_indicator_has_its_position_by_name():
    by_cluster = {f"output_{c}_bn" for c in CLUSTERS}
    by_plan = {f"spent_{p}_bn" for p in PLAN_NAMES}
    share_by_cluster = {f"national_share_{c}" for c in CLUSTERS}
    by_region = {f"share_{r}" for r in REGIONS}
    for i, name in enumerate(indicators.INDICATOR_NAMES):
        if name in by_cluster:
            assert i == indicators.OUTPUT_BY_CLUSTER + CLUSTERS.index(name[7:-3]), name
        elif name in by_plan:
            assert i == indicators.SPENT_BY_PLAN + PLAN_NAMES.index(name[6:-3]), name
        elif name in share_by_cluster:
            c = CLUSTERS.index(name.removeprefix("national_share_"))
            assert i == indicators.NATIONAL_SHARE_BY_CLUSTER + c, name
        elif name in by_region:
            r = REGIONS.index(name.removeprefix("share_"))
            assert i == indicators.SHARE_BY_REGION + r, name
        else:
            assert getattr(indicators, name.upper()) == i, name


def _private_finance(overrides: dict):
    from rainforest.runs.execute import run_one
    from rainforest.scenarios.loader import load_scenario
    from rainforest.scenarios.overrides import apply_overrides

    base = apply_overrides(
        load_scenario("action_plan"), {"scale": "classroom", "horizon_year": 2025, **overrides}
    )
    frame = run_one(base, 5).indicators
    return frame.groupby("year")["private_finance_bn"].sum()


def test_private_finance_is_the_private_rounds_and_the_co_investment():
    """No private rounds and no co-investment: nothing private is raised; each source
    alone raises some, and the co-investment follows Rainforest's finance, which the
    action plan raises from 2023."""
    none = _private_finance(
        {"behaviour.private_round_bn": 0.0, "plans.rainforest.co_investment": 0.0}
    )
    assert (none == 0.0).all()
    rounds = _private_finance({"plans.rainforest.co_investment": 0.0})
    matched = _private_finance({"behaviour.private_round_bn": 0.0})
    assert rounds.sum() > 0.0 and matched.sum() > 0.0
    assert matched[matched.index < 2023].sum() < matched[matched.index >= 2023].sum()
