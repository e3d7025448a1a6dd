"""The market block on its own: Shanghai's share of a growing market against competitors.

The frontier form promises an interior steady state (docs/ODD.md 7.7): under constant
effort every follower's gap to the growing world frontier is stationary, so Shanghai's
share of its fields settles, wherever it starts, and rises with its absorptive capacity;
the compounding_outside form promises no such thing (its share falls towards zero). The
tests run the knowledge and market steps alone, quarter after quarter, on a tiny state
whose firms all sell (TRL 7) and do no research of their own, so that only the frontier,
the competitors and the market move: a firm's number of sellers, its exits and the plans
are held still on purpose, and so are the firm-level mechanisms that make one firm's
history matter (learning by doing, demand shocks, capacity: ODD 7.7): they are tested in
tests/sim/test_steps.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from rainforest.scenarios import apply_overrides, load_scenario
from rainforest.sim.kinds import CONSORTIUM
from rainforest.sim.params import build_params
from rainforest.sim.population import build_population
from rainforest.sim.state import N_ENT, N_INST, initial_state
from rainforest.sim.steps.knowledge import knowledge_step
from rainforest.sim.steps.market import market_step

SIZES = (40, 4, 200)  # enterprises, institutes, talents
SEED = 3
YEARS = 80


def block_params(**market):
    """The action plan's parameters without research of firms' own, without partner
    spillovers and without firm-level history (no learning by doing, no demand shocks,
    capacity for any demand), with ``market`` values set."""
    scenario = apply_overrides(
        load_scenario("action_plan"),
        {**{f"market.{k}": v for k, v in market.items()}, "scale": "classroom"},
    )
    return build_params(scenario)._replace(
        production_scale=0.0, spillover_rate=0.0, learning_by_doing=0.0, demand_shock_sd=0.0
    )


def block_state(P, knowledge_scale=1.0):
    """A tiny state whose firms all sell, with their knowledge scaled."""
    S = initial_state(build_population(SEED, SIZES), P)
    n = S.counts[N_ENT]
    S.ent_trl[:n] = 7
    S.ent_knowledge[:n] *= knowledge_scale
    S.ent_own[:n] *= knowledge_scale
    S.ent_rd_stock[:n] = 0.0
    S.ent_seat_stock[:n] = 0.0
    S.ent_capacity[:n] = 1e6  # capacity for any demand
    return S


def adjacency(S, tied=()):
    """(ptr, nbr, slot): the firms in ``tied`` each have a consortium tie to institute 0
    (edge slot 0) that seats every real firm the agent stands for; nobody else has a tie."""
    n_inst, n_ent = int(S.counts[N_INST]), int(S.counts[N_ENT])
    S.edge_kind[0] = CONSORTIUM
    S.edge_ties[0] = float(S.ent_weight[:n_ent].max())
    neighbours = [[] for _ in range(n_inst + n_ent)]
    for i in tied:
        neighbours[n_inst + i].append(0)
        neighbours[0].append(n_inst + i)
    ptr = np.zeros(n_inst + n_ent + 1, np.int64)
    ptr[1:] = np.cumsum([len(x) for x in neighbours])
    nbr = np.array([n for x in neighbours for n in x], np.int64)
    return ptr, nbr, np.zeros(len(nbr), np.int64)


def shares(P, S, years=YEARS, tied=(), first_tick=0):
    """Shanghai's share of the demand at the end of each year, from ``first_tick`` on."""
    n_org = int(S.counts[N_INST] + S.counts[N_ENT])
    ptr, nbr, slot = adjacency(S, tied)
    skills = np.zeros(n_org)
    talents = np.zeros(n_org, np.int64)
    out = []
    for t in range(first_tick, first_tick + 4 * years):
        knowledge_step(S, P, ptr, nbr, slot, skills)
        market_step(S, P, SEED, t, talents)
        if t % 4 == 3:
            out.append(S.field_sales.sum() / S.field_demand.sum())
    return np.array(out)


def test_the_share_converges_to_one_interior_value_from_two_starts():
    P = block_params()
    low = shares(P, block_state(P, 0.05))
    high = shares(P, block_state(P, 8.0))
    assert high[0] - low[0] > 0.2  # two clearly different starting shares
    assert 0.01 < low[-1] < 0.99  # interior
    assert low[-1] == pytest.approx(high[-1], rel=0.01)  # the same steady share
    # settled: the last decade moves it by less than a per cent
    assert abs(low[-1] / low[-11] - 1.0) < 0.01


def test_under_the_compounding_outside_form_the_share_only_falls():
    P = block_params(form="compounding_outside")
    low = shares(P, block_state(P, 0.2), years=40)
    high = shares(P, block_state(P, 3.0), years=40)
    for path in (low, high):
        late = path[10:]
        assert (np.diff(late) <= 0).all()  # no stable middle: it falls year after year
        assert late[-1] < 0.05 * late[0]
    # the frontier form, from the same starts, keeps a share of the same order
    frontier = shares(block_params(), block_state(block_params(), 0.2), years=40)
    assert frontier[-1] > 0.5 * frontier[10]


def test_without_progress_anywhere_output_grows_with_the_market_at_a_steady_share():
    P = block_params(frontier_growth=0.0, competitor_catch_up=0.0, market_growth=0.05)
    S = block_state(P)
    path = shares(P, S, years=60)
    assert abs(path[-1] / path[-11] - 1.0) < 0.01  # a steady share
    # and Shanghai's sales keep growing with China's market
    before = S.field_sales.sum()
    more = shares(P, S, years=10, first_tick=4 * 60)
    assert S.field_sales.sum() > 1.4 * before and abs(more[-1] / path[-1] - 1.0) < 0.01


def test_ties_that_raise_absorptive_capacity_raise_the_steady_share():
    """Consortia (the hand-in-hand plan's) bring the frontier in faster
    (``frontier_link_bonus``): the same firms tied settle at a higher share."""
    P = block_params()
    tied = range(0, SIZES[0], 2)
    alone = shares(P, block_state(P))
    with_ties = shares(P, block_state(P), tied=tied)
    without_bonus = shares(P._replace(frontier_link_bonus=0.0), block_state(P), tied=tied)
    assert with_ties[-1] > 1.05 * alone[-1]
    assert without_bonus[-1] == pytest.approx(alone[-1], rel=1e-9)


def test_faster_absorption_raises_and_faster_competitors_lower_the_steady_share():
    base = shares(block_params(), block_state(block_params()))[-1]
    absorb = block_params(frontier_absorption=0.2)
    rivals = block_params(competitor_catch_up=0.2)
    assert shares(absorb, block_state(absorb))[-1] > base
    assert shares(rivals, block_state(rivals))[-1] < base


def test_the_regions_and_shanghai_share_the_whole_demand():
    P = block_params()
    S = block_state(P)
    shares(P, S, years=3)
    total = S.field_sales.sum() + S.region_sales.sum()
    assert total == pytest.approx(S.field_demand.sum(), rel=1e-12)
    assert (S.region_sales > 0.0).all()
    # and each region's knowledge stays below the frontier it catches up with
    assert (S.region_knowledge <= S.frontier[None, :] + 1e-12).all()
