"""What the plans' money buys: nothing without money, less per RMB at higher doses, R&D
from R&D grants, knowledge that follows research money with a lag.

Comparisons between policies use common random numbers: the same seeds for every
scenario, so a paired difference carries no seed noise beyond the policy's own effect
on the draws. Tolerances are the paired differences' standard error times three.
"""

from __future__ import annotations

import numpy as np
import pytest
from rainforest.scenarios import load_scenario
from rainforest.scenarios.loader import with_overrides
from rainforest.scenarios.schema import PLAN_NAMES
from rainforest.sim.indicators import INDICATOR_NAMES
from rainforest.sim.loop import simulate
from rainforest.sim.params import build_params
from rainforest.sim.population import population_for
from rainforest.sim.state import N_ENT, initial_state

SEEDS = range(6)
OUTPUT = INDICATOR_NAMES.index("output_value_bn")
# indicators each plan's causal path drives (docs/ODD.md 7.2), beside output
DRIVES = {
    "foundation": ["knowledge_stock"],
    "leading": ["trl7_enterprises"],
    "hand_in_hand": ["knowledge_stock"],
    "open_source": ["trl7_enterprises"],
    "array": ["high_level_talents"],
    "rainforest": ["startups_founded"],
}


def _history(scenario, seed: int) -> np.ndarray:
    return simulate(build_params(scenario), population_for(scenario, seed), seed)[0]


def _final(scenario, name: str) -> np.ndarray:
    """The indicator's 2030Q4 value over the seeds."""
    k = INDICATOR_NAMES.index(name)
    return np.array([_history(scenario, s)[-1, k] for s in SEEDS])


def _dosed(scenario, plan: str, factor: float):
    budget = getattr(scenario.plans, plan).budget_bn
    return with_overrides(
        scenario, {f"plans.{plan}.budget_bn": {y: v * factor for y, v in budget.items()}}
    )


def _noise(a: np.ndarray, b: np.ndarray) -> float:
    """Three standard errors of the paired difference a - b."""
    return 3.0 * float(np.std(a - b, ddof=1)) / np.sqrt(len(a))


@pytest.fixture(scope="module")
def plan():
    return with_overrides(load_scenario("action_plan"), {"scale": "classroom"})


@pytest.mark.parametrize("name", PLAN_NAMES)
def test_a_thousandth_of_a_plans_budget_does_what_no_plan_does(plan, name):
    """0.1 % of the budget is within noise of the leave-one-out, on output and on what
    the plan drives; the whole budget is not (so the comparison can fail)."""
    left_out = with_overrides(load_scenario(f"no_{name}"), {"scale": "classroom"})
    for indicator in ["output_value_bn", *DRIVES[name]]:
        full = _final(plan, indicator)
        tiny = _final(_dosed(plan, name, 0.001), indicator)
        none = _final(left_out, indicator)
        noise = max(_noise(full, none), 1e-9 * abs(none).max())
        assert abs(float(np.mean(tiny - none))) <= noise, indicator
    driven = DRIVES[name][0]
    assert float(np.mean(_final(plan, driven) - _final(left_out, driven))) > 0.0


DOSES = (0.0, 0.5, 1.0, 2.0, 3.0)


@pytest.mark.parametrize("name", PLAN_NAMES)
def test_output_rises_with_a_plans_money_at_a_falling_rate(plan, name):
    """Median 2030 output at 0, 0.5, 1, 2 and 3 x the budget is non-decreasing within
    noise, and the gain per RMB from 1 to 3 x is smaller than from 0 to 1 x within noise;
    the first budget's worth raises what the plan drives."""
    outputs = [_final(_dosed(plan, name, d), "output_value_bn") for d in DOSES]
    for lower, higher in zip(outputs, outputs[1:], strict=False):
        assert np.median(higher) >= np.median(lower) - _noise(higher, lower)
    first = outputs[2] - outputs[0]  # 1 budget's worth
    later = (outputs[4] - outputs[2]) / 2.0  # per budget's worth, from 1 to 3
    assert float(np.mean(later)) < float(np.mean(first)) + _noise(later, first)
    driven = DRIVES[name][0]
    none, one = (_final(_dosed(plan, name, d), driven) for d in (0.0, 1.0))
    assert float(np.mean(one - none)) > 0.0


@pytest.mark.parametrize("additionality", [0.5, 1.0, 1.6])
def test_an_rd_grant_raises_rd_spending_by_its_additionality(additionality):
    """Twin states, one firm given an R&D grant: it spends ``additionality`` times the
    grant more on R&D that quarter, and nothing else differs before the step."""
    from rainforest.sim.steps.market import market_step

    scenario = with_overrides(
        load_scenario("baseline"),
        {"scale": "classroom", "behaviour.rd_additionality": additionality},
    )
    params = build_params(scenario)
    population = population_for(scenario, 3)
    twins = [initial_state(population, params) for _ in range(2)]
    firm = int(np.flatnonzero(twins[0].ent_alive[: twins[0].counts[N_ENT]])[7])
    grant = 0.004
    twins[1].ent_grant_rd[firm] += grant
    twins[1].ent_capital[firm] += grant
    counts = np.zeros(len(twins[0].inst_kind) + twins[0].counts[N_ENT], np.int64)
    for state in twins:
        market_step(state, params, 3, 9, counts)
    extra = twins[1].ent_rd[firm] - twins[0].ent_rd[firm]
    assert extra == pytest.approx(additionality * grant, rel=1e-12)
    others = np.arange(twins[0].counts[N_ENT]) != firm
    assert np.array_equal(
        twins[0].ent_rd[: len(others)][others], twins[1].ent_rd[: len(others)][others]
    )


def _pulse(lag: float, amount: float):
    """Basic research money in 2024 alone (no designations), with the given mean lag."""
    return with_overrides(
        load_scenario("baseline"),
        {
            "scale": "classroom",
            "horizon_year": 2026,
            "behaviour.research_lag_quarters": lag,
            "plans.foundation.colleges": {},  # the baseline's 2021 college left out
            "plans.foundation.budget_bn": {2021: 1.5, 2022: 1.5, 2023: 1.5, 2024: 1.5 + amount,
                                           2025: 1.5, 2026: 1.5},
        },
    )  # fmt: skip


def test_a_research_pulse_becomes_knowledge_over_the_following_quarters():
    """A year's extra research money raises knowledge over the following quarters: with
    the lag, a smaller share of the gain a year after the pulse is there in the pulse's
    first quarter and at its end than without it (where knowledge also keeps growing,
    through spillovers and what more knowledge brings)."""
    k = INDICATOR_NAMES.index("knowledge_stock")
    first, last = 12, 15  # 2024Q1 and 2024Q4 (the run starts in 2021)

    def gain(lag: float) -> np.ndarray:
        return np.mean(
            [_history(_pulse(lag, 6.0), s)[:, k] - _history(_pulse(lag, 0.0), s)[:, k]
             for s in range(3)],
            axis=0,
        )  # fmt: skip

    lagged, at_once = gain(2.0), gain(0.0)
    assert np.all(lagged[:first] == 0.0) and np.all(at_once[:first] == 0.0)
    assert 0.0 < lagged[first] < at_once[first]  # not all at once
    later = last + 4  # 2025Q4, a year after the pulse
    assert lagged[later] > lagged[last] > 0.0
    for quarter in (first, last):
        assert lagged[quarter] / lagged[later] < at_once[quarter] / at_once[later]


def test_a_more_generous_grant_buys_less_additional_rd_per_rmb():
    """Deadweight (docs/ODD.md 7.2.2): the additional share of a grant falls as the grant
    grows relative to the firm's own R&D, from 1 towards ``1 - deadweight``; the additional
    R&D a grant buys still rises with the grant; without deadweight all of it is
    additional."""
    from rainforest.sim.rules import grant_additional_share as share

    own = 0.01
    grants = np.array([0.0, 0.001, 0.01, 0.1, 1.0])
    shares = np.array([share(g, own, 0.5) for g in grants])
    assert shares[0] == 1.0 and np.all(np.diff(shares) < 0.0)
    assert shares[-1] == pytest.approx(1.0 - 0.5 * 1.0 / 1.01)
    assert np.all(np.diff(grants * shares) > 0.0)  # money can still push
    assert share(0.01, 0.0, 0.5) == 0.5  # a firm with no R&D of its own
    assert all(share(g, own, 0.0) == 1.0 for g in grants)


def test_a_grant_paid_to_a_firm_keeps_its_deadweight_as_cash():
    """A leading subsidy through ``rd_grant``: the firm's capital grows by the whole grant,
    and only the additional part is earmarked for R&D."""
    from rainforest.sim.common import rd_grant
    from rainforest.sim.rules import grant_additional_share

    scenario = with_overrides(load_scenario("action_plan"), {"scale": "classroom"})
    params = build_params(scenario)
    state = initial_state(population_for(scenario, 3), params)
    firm = int(np.flatnonzero(state.ent_legacy[: state.counts[N_ENT]] > 0.0)[0])
    capital = state.ent_capital[firm]
    grant = 0.05
    rd_grant(state, params, firm, grant, False)
    own = params.rd_intensity * (state.ent_revenue[firm] + state.ent_legacy[firm])
    assert state.ent_capital[firm] == pytest.approx(capital + grant)
    expected = grant * grant_additional_share(grant, own, params.grant_deadweight)
    assert state.ent_grant_rd[firm] == pytest.approx(expected)
    assert 0.0 < expected < grant


def test_private_co_investment_falls_as_the_public_share_rises():
    """Co-investment (docs/ODD.md 7.1.6): private RMB per public RMB falls from
    ``co_investment`` as the public money per real firm rises, halved at
    ``co_investment_half_bn``; the total a firm raises still rises with public money. At
    the default, public money of a tenth of the half keeps the ratio within 10 % of
    ``co_investment``, the range the leading-industry mother funds' sub-funds show
    (2.7-4.8 private RMB per public RMB, 2024-26) being where public money is scarce."""
    from rainforest.sim.rules import co_investment_ratio as ratio

    co, half = 3.0, 0.01
    public = np.array([0.0, 0.001, 0.01, 0.1])
    ratios = np.array([ratio(x, co, half) for x in public])
    assert ratios[0] == co and ratios[2] == pytest.approx(co / 2)
    assert np.all(np.diff(ratios) < 0.0)
    assert ratios[1] > 0.9 * co
    assert np.all(np.diff(public * (1.0 + ratios)) > 0.0)
