"""Each plan's marginal value as a function of the posterior's parameters, for a sweep of
a function (``model = "rainforest.experiments.studies.plan_margins:plan_margins"``), so
the existing Morris and Sobol' machinery can say which assumptions the ranking of the
plans depends on (docs/VALIDATION.md 5)."""

from __future__ import annotations

from rainforest.experiments.studies.outlook import budget_plus
from rainforest.experiments.sweeps.functions import sweepable
from rainforest.scenarios.schema import PLAN_NAMES

# keyword argument -> the scenario path it sets (the calibrated parameters of the
# frontier market form, the default)
PATHS: dict[str, str] = {
    "national_market_bn": "market.national_market_bn",
    "national_potential_bn": "market.national_potential_bn",
    "market_growth": "market.market_growth",
    "bass_p": "market.bass_p",
    "bass_q": "market.bass_q",
    "frontier_growth": "market.frontier_growth",
    "frontier_absorption": "market.frontier_absorption",
    "competitor_catch_up": "market.competitor_catch_up",
    "competitor_sellers": "market.competitor_sellers",
    "trl_hazard": "behaviour.trl_hazard",
    "production_scale": "behaviour.production_scale",
    "founding_rate": "behaviour.founding_rate",
    "rd_additionality": "behaviour.rd_additionality",
    "research_lag_quarters": "behaviour.research_lag_quarters",
    "build_up_quarters": "behaviour.build_up_quarters",
    "consortium_spillover": "behaviour.consortium_spillover",
    "center_spillover": "behaviour.center_spillover",
    "test_site_boost": "plans.leading.test_site_boost",
    "spillover_bonus": "plans.leading.spillover_bonus",
    "demo_adoption_effect": "plans.open_source.demo_adoption_effect",
    "demo_trl_boost": "plans.open_source.demo_trl_boost",
    "co_investment": "plans.rainforest.co_investment",
    "founding_boost": "plans.rainforest.founding_boost",
}


@sweepable
def plan_margins(
    seed: int,
    national_market_bn: float, national_potential_bn: float, market_growth: float,
    bass_p: float, bass_q: float, frontier_growth: float, frontier_absorption: float,
    competitor_catch_up: float, competitor_sellers: float, trl_hazard: float,
    production_scale: float, founding_rate: float, rd_additionality: float,
    research_lag_quarters: float, build_up_quarters: float, consortium_spillover: float,
    center_spillover: float, test_site_boost: float, spillover_bonus: float,
    demo_adoption_effect: float, demo_trl_boost: float, co_investment: float,
    founding_boost: float,
) -> dict[str, float]:  # fmt: skip
    """The action plan's 2030 output at city scale and, for each plan, the output gained
    by +10 % of its budget in every plan year (RMB bn, the same seed: common random
    numbers), for one set of the parameters."""
    from rainforest.runs.execute import run_one
    from rainforest.scenarios.loader import load_scenario
    from rainforest.scenarios.overrides import apply_overrides

    values = dict(locals())
    overrides = {path: values[name] for name, path in PATHS.items()}
    overrides["behaviour.build_up_quarters"] = int(round(build_up_quarters))
    plan = apply_overrides(load_scenario("action_plan"), {**overrides, "scale": "city"})
    base = run_one(plan, seed).at_year_end(2030)["output_value_bn"]
    out = {"output_value_bn": float(base)}
    for name in PLAN_NAMES:
        more = apply_overrides(plan, budget_plus(plan, name))
        out[f"gain_{name}_bn"] = float(
            run_one(more, seed).at_year_end(2030)["output_value_bn"] - base
        )
    return out
