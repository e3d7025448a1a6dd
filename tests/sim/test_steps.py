"""Each step of sim/steps/ and each plan of sim/plans/, run alone on a small state.

A state is built at a tiny size (``SIZES``) from ``build_population`` and
``initial_state``, or advanced a few quarters with ``advance``, then edited by hand where a
test needs a situation (a firm about to exit, a seller, a skilled founder). Each test
asserts what the step or plan promises in its docstring and in docs/ODD.md, section 7:
exits only by the exit rule, talents conserved, knowledge never negative and decaying
without inputs, revenues adding up to the demand the sellers win, no plan spending more
than its budget or anything without one. The steps are called through their compiled
dispatchers with the argument types ``run_ticks`` uses, so they load from the cache the
model's own runs fill.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from rainforest.sim import rules
from rainforest.sim.common import tie_sums
from rainforest.sim.edges import build_csr
from rainforest.sim.indicators import INDEX, N_INDICATORS
from rainforest.sim.kinds import (
    CENTER,
    CONSORTIUM,
    ENTRANT,
    FREED,
    LEADING_TIER,
    PARTNERSHIP,
    SME_TIER,
    SPIN_OFF,
    STARTUP_TIER,
    UNIVERSITY,
)
from rainforest.sim.loop import advance
from rainforest.sim.params import build_params
from rainforest.sim.plan_ids import (
    ARRAY,
    FOUNDATION,
    HAND_IN_HAND,
    LEADING,
    N_PLANS,
    OPEN_SOURCE,
    RAINFOREST,
)
from rainforest.sim.plans.foundation import foundation_plan
from rainforest.sim.plans.hand_in_hand import hand_in_hand_plan
from rainforest.sim.plans.leading import leading_plan
from rainforest.sim.plans.open_source import open_source_plan
from rainforest.sim.plans.rainforest import rainforest_plan
from rainforest.sim.population import (
    SYNTHETIC_SME_SHARE,
    SYNTHETIC_TRL_OFFSETS,
    build_population,
)
from rainforest.sim.state import (
    FOUNDERS,
    INFLOW,
    KEY,
    N_CONS,
    N_EDGE_SLOTS,
    N_ENT,
    N_INST,
    N_LIVE_EDGES,
    N_TAL,
    OUTFLOW,
    TALENT_WEIGHT,
    TOTAL_IN,
    TOTAL_OUT,
    initial_state,
)
from rainforest.sim.steps.demography import demography_step
from rainforest.sim.steps.government import government_step, horse_race_step
from rainforest.sim.steps.indicators import indicators_step
from rainforest.sim.steps.knowledge import knowledge_step
from rainforest.sim.steps.market import market_step
from rainforest.sim.steps.maturation import maturation_step
from rainforest.sim.steps.partnering import partnering_step
from rainforest.sim.steps.talents import talents_step

SIZES = (20, 4, 100)  # enterprises, institutes, talents
SEED = 0
EPS = 1e-12  # rounding allowance for sums of RMB bn


# ---------------------------------------------------------------- building states


# The readiness gates (docs/ODD.md 7.1) are for a city's candidates: the tiny state's four
# institutes and twenty firms rarely meet them, so the plans' tests here run without them
# (tests/sim/test_designations.py tests the gates).
UNGATED = dict.fromkeys(
    ("college_min_knowledge", "center_min_knowledge", "center_min_partners",
     "pilot_min_firms", "pilot_min_sellers", "pilot_min_knowledge"),
    0.0,
)  # fmt: skip


@pytest.fixture(scope="module")
def params(action_plan):
    return build_params(action_plan)._replace(**UNGATED)


def fresh(params, seed=SEED):
    """The state at t = 0 of a tiny population, drawn as the synthetic population is (a
    spread of TRLs below selling and of tiers, which the steps' tests need among 20
    firms), not from the settled structure."""
    population = build_population(
        seed, SIZES, trl_offsets=SYNTHETIC_TRL_OFFSETS, sme_share=SYNTHETIC_SME_SHARE
    )
    return initial_state(population, params)


def lived(params, quarters, seed=SEED):
    """The state after ``quarters`` quarters of the whole model (designations, consortia,
    spin-offs and exits have had time to happen)."""
    S = fresh(params, seed)
    out = np.zeros((params.n_ticks, N_INDICATORS))
    for t in range(quarters):
        S = advance(S, params, seed, t, out)
    return S


def adjacency(S):
    """(ptr, nbr, slot) of the network as it is now, as the tick builds it."""
    n_org = S.counts[N_INST] + S.counts[N_ENT]
    return build_csr(S.edge_a, S.edge_b, S.edge_kind, S.counts[N_EDGE_SLOTS], n_org)


def no_adjacency(S):
    """An adjacency in which no organisation has a tie."""
    n_org = int(S.counts[N_INST] + S.counts[N_ENT])
    return np.zeros(n_org + 1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)


def with_budget(P, plan=None, amount=0.0):
    """Parameters in which only ``plan`` has money (``amount`` RMB bn every year)."""
    budget = np.zeros_like(P.budget)
    if plan is not None:
        budget[plan, :] = amount
    return P._replace(budget=budget)


def call(fn, *args):
    """The ``run`` argument of the steps that take one: call the compiled function."""
    return fn(*args)


def alive_ids(S):
    return np.flatnonzero(S.ent_alive[: S.counts[N_ENT]])


def live_edges(S):
    """(a, b, kind, strength) of every live tie, by slot."""
    n = S.counts[N_EDGE_SLOTS]
    live = S.edge_kind[:n] != FREED
    return S.edge_a[:n][live], S.edge_b[:n][live], S.edge_kind[:n][live], S.edge_strength[:n][live]


def assert_edge_store_consistent(S):
    a, b, kind, _ = live_edges(S)
    assert S.counts[N_LIVE_EDGES] == len(a) == len(S.edge_index)
    for key, e in S.edge_index.items():
        assert S.edge_kind[e] != FREED
        assert S.edge_a[e] < S.edge_b[e]
        assert key == S.edge_a[e] * KEY + S.edge_b[e]


# ---------------------------------------------------------------- demography


def test_demography_exits_only_by_the_exit_rule_and_never_resurrects(params):
    P = params._replace(exit_hazard_young=0.0, exit_hazard_old=0.0)  # the cash rule alone
    S = fresh(P)
    n_inst, n_ent = S.counts[N_INST], S.counts[N_ENT]
    q = P.exit_quarters
    assert q >= 2
    # the best-connected firm is about to exit: its ties must go with it
    degree = np.bincount(np.concatenate(live_edges(S)[:2]), minlength=n_inst + n_ent)
    leaving = int(np.argmax(degree[n_inst:]))
    assert degree[n_inst + leaving] > 0
    others = [i for i in range(n_ent) if i != leaving]
    first_negative, recovered, dead = others[:3]
    S.ent_capital[leaving], S.ent_negative[leaving] = -1.0, q - 1
    S.ent_demo_until[leaving], S.ent_revenue[leaving] = 5, 0.3
    S.ent_capital[first_negative], S.ent_negative[first_negative] = -1.0, 0
    S.ent_capital[recovered], S.ent_negative[recovered] = 1.0, q + 3
    S.ent_alive[dead], S.ent_capital[dead], S.ent_negative[dead] = False, 1.0, q + 3
    alive, capital = S.ent_alive[:n_ent].copy(), S.ent_capital[:n_ent].copy()
    negative, age = S.ent_negative[:n_ent].copy(), S.ent_age[:n_ent].copy()
    ptr, nbr, slot = adjacency(S)

    demography_step(S, P, 0, 0, ptr, slot)

    now_negative = np.where(capital < 0.0, negative + 1, 0)
    exits = alive & (capital < 0.0) & (now_negative >= q)
    assert np.flatnonzero(exits).tolist() == [leaving]
    assert (S.ent_alive[:n_ent] == (alive & ~exits)).all()
    assert not S.ent_alive[dead]  # a dead firm stays dead, whatever its capital
    assert S.ent_negative[first_negative] == 1
    assert S.ent_negative[recovered] == 0
    assert S.ent_revenue[leaving] == 0.0 and S.ent_rd[leaving] == 0.0
    assert S.ent_demo_until[leaving] == -1
    a, b, _, _ = live_edges(S)
    assert n_inst + leaving not in set(a) | set(b)  # its ties ended
    assert_edge_store_consistent(S)
    # survivors age one quarter; the exited and the dead do not
    survivors = alive & ~exits
    assert (S.ent_age[:n_ent][survivors] == age[survivors] + 1).all()
    assert (S.ent_age[:n_ent][~survivors] == age[~survivors]).all()


def test_demography_closes_young_firms_more_often_than_old_ones(params):
    P = params._replace(exit_hazard_young=0.6, exit_hazard_old=0.05, newness_years=1.0)
    closed = {}
    for age in (0, 60):
        S = fresh(P)
        n_ent = S.counts[N_ENT]
        S.ent_capital[:n_ent] = 1.0  # no firm near the cash rule
        S.ent_age[:n_ent] = age
        ptr, nbr, slot = adjacency(S)
        demography_step(S, P, 11, 4, ptr, slot)
        closed[age] = 1.0 - S.ent_alive[:n_ent].mean()
        # the same draws close the same firms (common random numbers across policies)
        again = fresh(P)
        again.ent_capital[:n_ent], again.ent_age[:n_ent] = 1.0, age
        ptr2, _, slot2 = adjacency(again)
        demography_step(again, P, 11, 4, ptr2, slot2)
        assert (again.ent_alive[:n_ent] == S.ent_alive[:n_ent]).all()
    expected_young = 1 - (1 - 0.6) ** 0.25
    expected_old = rules.exit_hazard(60, 0.6, 0.05, 1.0)
    n = fresh(P).counts[N_ENT]
    assert closed[0] == pytest.approx(expected_young, abs=4 * math.sqrt(expected_young / n))
    assert closed[60] == pytest.approx(expected_old, abs=4 * math.sqrt(expected_old / n) + 1e-3)
    assert closed[60] < closed[0]


def test_demography_promotes_survivors_at_most_one_tier_a_quarter(params):
    P = params._replace(exit_hazard_young=0.0, exit_hazard_old=0.0)  # nobody closes
    S = fresh(P)
    n_ent = S.counts[N_ENT]
    tier = S.ent_tier[:n_ent]
    startups = np.flatnonzero(tier == STARTUP_TIER)
    smes = np.flatnonzero(tier == SME_TIER)
    leaders = np.flatnonzero(tier == LEADING_TIER)
    assert len(startups) >= 3 and len(smes) >= 2 and len(leaders) >= 1
    S.ent_capital[:n_ent] = 1.0  # nobody exits
    S.ent_revenue[:n_ent] = 0.0
    old, rich, young = startups[:3]
    S.ent_age[old] = P.startup_quarters - 1  # comes of age this quarter
    # sales past the leading threshold: still only one tier up
    S.ent_revenue[rich] = P.leading_revenue_bn * S.ent_weight[rich]
    S.ent_age[young] = 0
    big, small = smes[:2]
    S.ent_revenue[big] = P.leading_revenue_bn / 4.0 * S.ent_weight[big]
    S.ent_revenue[leaders[0]] = 0.0
    ptr, nbr, slot = adjacency(S)

    demography_step(S, P, 0, 0, ptr, slot)

    assert S.ent_tier[old] == SME_TIER
    assert S.ent_tier[rich] == SME_TIER
    assert S.ent_tier[young] == STARTUP_TIER
    assert S.ent_tier[big] == LEADING_TIER
    assert S.ent_tier[small] == SME_TIER
    assert S.ent_tier[leaders[0]] == LEADING_TIER  # no demotion
    assert (S.ent_weight[:n_ent] == fresh(P).ent_weight[:n_ent]).all()


# ---------------------------------------------------------------- talents


def _present(S):
    return int(S.tal_present[: S.counts[N_TAL]].sum())


def test_talents_are_conserved_and_tallied(params):
    P = params
    S = lived(P, 9)
    moved_in = moved_out = 0
    for t in range(9, 13):
        n_tal0, present0 = S.counts[N_TAL], _present(S)
        total_in, total_out = S.counts[TOTAL_IN], S.counts[TOTAL_OUT]
        ids_before = set(S.tal_id[:n_tal0][S.tal_present[:n_tal0]].tolist())
        ptr, nbr, slot = adjacency(S)

        count, skill = talents_step(S, P, SEED, t, ptr, nbr, tie_sums(S.edge_ties, ptr, slot))

        inflow, outflow = S.counts[INFLOW], S.counts[OUTFLOW]
        moved_in, moved_out = moved_in + inflow, moved_out + outflow
        assert _present(S) == present0 + inflow - outflow  # in = out + change in stock
        assert S.counts[TOTAL_IN] == total_in + inflow
        assert S.counts[TOTAL_OUT] == total_out + outflow
        n_tal = S.counts[N_TAL]
        present = S.tal_present[:n_tal]
        ids = S.tal_id[:n_tal]
        assert (np.diff(ids) > 0).all()  # slots in id order
        new_ids = set(ids[present].tolist()) - ids_before
        assert len(new_ids) == inflow
        assert not new_ids or min(new_ids) > max(ids_before)
        employer = S.tal_employer[:n_tal]
        assert (employer[~present] == -1).all()
        n_inst, n_ent = S.counts[N_INST], S.counts[N_ENT]
        firms = employer[present & (employer >= n_inst)] - n_inst
        assert S.ent_alive[firms].all()  # every job is at an organisation that exists
        # what the step returns: talents and summed skill per employer
        n_org = n_inst + n_ent
        paid = present & (employer >= 0)
        assert (count == np.bincount(employer[paid], minlength=n_org)).all()
        want = np.bincount(employer[paid], S.tal_skill[:n_tal][paid], minlength=n_org)
        assert skill == pytest.approx(want)
        # the founders' count stays the number of present talents skilled enough to found
        skilled = present & (S.tal_skill[:n_tal] >= P.founding_skill)
        assert S.counts[FOUNDERS] == skilled.sum()
    assert moved_in > 0 and moved_out > 0  # the test saw talents come and go


def test_talents_without_flows_stay_put(params):
    P = with_budget(params)._replace(
        talent_outflow=0.0, high_level_outflow=0.0, unemployed_outflow=0.0, talent_inflow=0.0
    )
    S = fresh(P)
    present0 = S.tal_present.copy()
    ptr, nbr, slot = adjacency(S)
    talents_step(S, P, SEED, 0, ptr, nbr, tie_sums(S.edge_ties, ptr, slot))
    assert S.counts[INFLOW] == 0 and S.counts[OUTFLOW] == 0
    assert (S.tal_present == present0).all()
    assert S.retention_cut[0] == 0.0 and not S.ledger.any()  # no Array money, none spent


def test_founders_found_spin_offs_of_their_employers(params):
    # everyone stays and nobody looks for a job; every skilled employed talent founds
    P = params._replace(
        talent_outflow=0.0, high_level_outflow=0.0, unemployed_outflow=0.0, talent_inflow=0.0,
        job_mobility=0.0, founding_rate=1.0,
    )  # fmt: skip
    S = fresh(P)
    n_inst, n_ent, n_tal = S.counts[N_INST], S.counts[N_ENT], S.counts[N_TAL]
    employer = S.tal_employer[:n_tal].copy()
    founders = np.flatnonzero((S.tal_skill[:n_tal] >= P.founding_skill) & (employer >= 0))
    assert len(founders) > 0
    parent_knowledge = np.array(
        [
            S.inst_knowledge[e] if e < n_inst else S.ent_knowledge[e - n_inst]
            for e in employer[founders]
        ]
    )
    ptr, nbr, slot = adjacency(S)

    talents_step(S, P, SEED, 0, ptr, nbr, tie_sums(S.edge_ties, ptr, slot))

    assert S.counts[N_ENT] == n_ent + len(founders)
    new = np.arange(n_ent, S.counts[N_ENT])
    assert (S.ent_tier[new] == STARTUP_TIER).all()
    assert (S.ent_origin[new] == SPIN_OFF).all()
    assert (S.ent_weight[new] == S.counts[TALENT_WEIGHT]).all()
    assert S.ent_alive[new].all()
    # each founder works at its own start-up, in its field, with a share of its parent's
    # knowledge
    assert (S.tal_employer[founders] == n_inst + new).all()
    assert (S.ent_field[new] == S.tal_field[founders]).all()
    assert S.ent_knowledge[new] == pytest.approx(P.spinoff_knowledge * parent_knowledge)
    assert S.ent_capital[new] == pytest.approx(P.startup_seed_bn * S.counts[TALENT_WEIGHT])


def test_array_plan_buys_retention_and_talents_within_its_flow(params):
    budget = 20.0  # a real talent costs 1 / talents_per_bn: a few simulated ones
    P = with_budget(params, ARRAY, budget)._replace(talent_inflow=0.0)
    S = fresh(P)
    ptr, nbr, slot = adjacency(S)
    talents_step(S, P, SEED, 0, ptr, nbr, tie_sums(S.edge_ties, ptr, slot))
    assert 0.0 < S.retention_cut[0] <= P.retention
    spent = S.ledger[ARRAY, 0]
    assert 0.0 < spent <= budget / 4.0 + EPS
    n_tal = S.counts[N_TAL]
    hires = S.counts[INFLOW]  # no base inflow and no college: all are the Array's
    assert hires > 0
    assert hires == int(
        np.floor((1 - P.retention_share) * budget / 4 * P.talents_per_bn / S.counts[TALENT_WEIGHT])
    )
    assert (S.tal_level[:n_tal][-hires:] == 1).all()  # high-level
    assert (S.tal_skill[:n_tal][-hires:] >= 0.7).all()
    assert (S.ledger[np.arange(N_PLANS) != ARRAY] == 0.0).all()


# ---------------------------------------------------------------- knowledge


def _quiet(P):
    """No research money, no depreciation and no frontier to absorb: knowledge moves only
    by what a test gives."""
    return P._replace(institute_research_bn=0.0, depreciation=0.0, frontier_absorption=0.0)


def test_knowledge_decays_without_inputs(params):
    P = params._replace(institute_research_bn=0.0, frontier_absorption=0.0)
    S = fresh(P)
    n_inst, n_ent = S.counts[N_INST], S.counts[N_ENT]
    S.ent_rd_stock[:] = 0.0
    S.ent_seat_stock[:] = 0.0
    S.inst_rd_stock[:] = 0.0
    S.ent_alive[3] = False
    k_ent, k_inst = S.ent_knowledge.copy(), S.inst_knowledge.copy()
    ptr, nbr, slot = no_adjacency(S)

    knowledge_step(S, P, ptr, nbr, slot, np.ones(n_inst + n_ent))

    alive = S.ent_alive[:n_ent]
    keep = 1.0 - P.depreciation
    assert S.ent_knowledge[:n_ent][alive] == pytest.approx(keep * k_ent[:n_ent][alive])
    assert S.inst_knowledge == pytest.approx(keep * k_inst)
    assert (S.ent_knowledge[3] == k_ent[3]).all()  # an exited firm is left as it was
    own = S.ent_knowledge[np.arange(n_ent), S.ent_field[:n_ent]]
    assert (S.ent_own[:n_ent] == own).all()


def test_knowledge_production_goes_to_own_field_or_cluster(params):
    P = _quiet(params)._replace(institute_research_bn=0.005)
    S = fresh(P)
    n_inst, n_ent = S.counts[N_INST], S.counts[N_ENT]
    k_ent, k_inst = S.ent_knowledge[:n_ent].copy(), S.inst_knowledge.copy()
    ptr, nbr, slot = no_adjacency(S)
    skills = np.full(n_inst + n_ent, 5.0)
    S.ent_rd_stock[:n_ent] = 0.01
    broke = 4
    S.ent_rd_stock[broke] = 0.0  # no R&D money: no knowledge of its own

    knowledge_step(S, P, ptr, nbr, slot, skills)

    gain = S.ent_knowledge[:n_ent] - k_ent
    assert (gain >= 0.0).all()
    assert (gain[broke] == 0.0).all()
    for i in np.delete(np.arange(n_ent), broke):
        f = S.ent_field[i]
        assert gain[i, f] > 0.0
        assert (np.delete(gain[i], f) == 0.0).all()
    for j in range(n_inst):
        in_cluster = P.field_cluster == S.inst_cluster[j]
        g = S.inst_knowledge[j] - k_inst[j]
        assert (g[in_cluster] > 0.0).all() and (g[~in_cluster] == 0.0).all()
        assert g[in_cluster] == pytest.approx(np.full(in_cluster.sum(), g[in_cluster][0]))
    # the institutes' research stock moved towards this quarter's money
    money = P.institute_research_bn * S.inst_weight
    assert (S.inst_rd_stock > 0.0).all() and (S.inst_rd_stock <= money + EPS).all()


def test_spillovers_only_flow_downhill_along_ties(params):
    P = _quiet(params)
    S = lived(params, 9)
    n_inst, n_ent = S.counts[N_INST], S.counts[N_ENT]
    k_ent, k_inst = S.ent_knowledge[:n_ent].copy(), S.inst_knowledge.copy()
    ptr, nbr, slot = adjacency(S)

    knowledge_step(S, P, ptr, nbr, slot, np.zeros(n_inst + n_ent))  # no production

    alive = S.ent_alive[:n_ent]
    gain_ent = S.ent_knowledge[:n_ent] - k_ent
    gain_inst = S.inst_knowledge - k_inst
    assert (gain_ent[alive] >= 0.0).all() and (gain_inst >= 0.0).all()
    assert gain_ent.sum() + gain_inst.sum() > 0.0  # somebody learned from a partner
    # an organisation without ties learns nothing
    n_org = n_inst + n_ent
    lonely = [o for o in range(n_org) if ptr[o + 1] == ptr[o]]
    for o in lonely:
        g = gain_inst[o] if o < n_inst else gain_ent[o - n_inst]
        assert (g == 0.0).all()
    # the organisation that knows most in a field learns nothing in it
    k_all = np.vstack([k_inst, k_ent[alive]])
    g_all = np.vstack([gain_inst, gain_ent[alive]])
    for f in range(k_all.shape[1]):
        assert g_all[np.argmax(k_all[:, f]), f] == 0.0
    assert (S.ent_knowledge >= 0.0).all() and (S.inst_knowledge >= 0.0).all()


# ---------------------------------------------------------------- partnering


def test_partnering_without_search_only_decays_ties(params):
    P = params._replace(firm_search=0.0, institute_search=0.0)
    S = lived(params, 9)
    n = S.counts[N_EDGE_SLOTS]
    kind, strength = S.edge_kind[:n].copy(), S.edge_strength[:n].copy()
    assert {PARTNERSHIP, CONSORTIUM, CENTER} <= set(kind.tolist())
    ptr, nbr, slot = adjacency(S)

    partnering_step(S, P, SEED, 9, ptr, nbr, tie_sums(S.edge_ties, ptr, slot))

    assert S.counts[N_EDGE_SLOTS] == n  # no new tie
    for e in range(n):
        if kind[e] == CENTER:
            assert S.edge_strength[e] == strength[e]  # centers' ties do not decay
        elif kind[e] == CONSORTIUM:
            assert S.edge_strength[e] == pytest.approx(strength[e] * (1 - P.consortium_decay))
        elif kind[e] == PARTNERSHIP:
            decayed = strength[e] * (1 - P.partnership_decay)
            if decayed < P.min_edge_strength:
                assert S.edge_kind[e] == FREED  # a weak partnership dissolves
            else:
                assert S.edge_strength[e] == pytest.approx(decayed)
    assert_edge_store_consistent(S)


def test_partnering_makes_partnerships_between_alive_organisations(params):
    P = params._replace(firm_search=1.0, institute_search=1.0, attraction_threshold=0.0)
    S = lived(params, 9)
    n0 = S.counts[N_EDGE_SLOTS]
    n_inst = S.counts[N_INST]
    t = 9
    ptr, nbr, slot = adjacency(S)

    partnering_step(S, P, SEED, t, ptr, nbr, tie_sums(S.edge_ties, ptr, slot))

    n = S.counts[N_EDGE_SLOTS]
    assert n > n0
    new = np.arange(n0, n)
    new = new[S.edge_kind[new] != FREED]
    assert len(new) > 0
    assert (S.edge_kind[new] == PARTNERSHIP).all()
    assert (S.edge_start[new] == t).all()
    assert S.edge_strength[new] == pytest.approx(1.0 - P.partnership_decay)
    for end in (S.edge_a[new], S.edge_b[new]):
        firms = end[end >= n_inst] - n_inst
        assert S.ent_alive[firms].all()
    assert (S.edge_a[new] != S.edge_b[new]).all()
    assert_edge_store_consistent(S)


# ---------------------------------------------------------------- maturation


def test_maturation_raises_trl_by_at_most_one_and_not_past_nine(params):
    P = params._replace(trl_hazard=1.0)
    S = fresh(P)
    n_ent = S.counts[N_ENT]
    S.ent_trl[:n_ent] = np.where(np.arange(n_ent) % 3 == 0, 9, 1)
    S.ent_own[:n_ent] = 1e6  # at TRL 1 the chance is at its cap, 0.95
    S.ent_alive[0] = False
    trl = S.ent_trl[:n_ent].copy()
    ptr, nbr, slot = adjacency(S)

    maturation_step(S, P, SEED, 0, ptr, nbr, slot)

    step = S.ent_trl[:n_ent] - trl
    assert set(step.tolist()) <= {0, 1}
    assert (S.ent_trl[:n_ent] <= 9).all()
    assert step[0] == 0  # an exited firm does not mature
    movable = S.ent_alive[:n_ent] & (trl < 9)
    assert step[movable].mean() > 0.7


def test_maturation_without_hazard_or_knowledge_changes_nothing(params):
    S = fresh(params)
    trl = S.ent_trl.copy()
    ptr, nbr, slot = adjacency(S)
    maturation_step(S, params._replace(trl_hazard=0.0), SEED, 0, ptr, nbr, slot)
    assert (S.ent_trl == trl).all()
    S.ent_own[:] = 0.0
    S.ent_knowledge[:] = 0.0
    S.inst_knowledge[:] = 0.0
    maturation_step(S, params, SEED, 0, ptr, nbr, slot)
    assert (S.ent_trl == trl).all()


# ---------------------------------------------------------------- market


def _sellers(P):
    """A fresh state with some firms able to sell (TRL 7+), and negligible competition
    from outside Shanghai (in either market form)."""
    P = P._replace(
        outside_competition=1e-300, region_sellers=np.full(len(P.region_sellers), 1e-300)
    )
    S = fresh(P)
    n_ent = S.counts[N_ENT]
    S.ent_trl[:n_ent] = np.where(np.arange(n_ent) % 3 == 0, 7 + np.arange(n_ent) % 3, 5)
    # sellers with all the capacity they could use, so that shares alone decide sales
    S.ent_capacity[:n_ent] = np.where(S.ent_trl[:n_ent] >= 7, 1e6, 0.0)
    return P, S


def test_market_sales_are_capped_by_capacity_and_the_rest_goes_to_the_competitors(params):
    _, S = _sellers(params)
    P = params  # the frontier form's regions, at their real strength
    n_ent = S.counts[N_ENT]
    sells = S.ent_trl[:n_ent] >= 7
    S.ent_capacity[:n_ent] = np.where(sells, 1e-4, 0.0)
    capital = S.ent_capital[:n_ent].copy()
    market_step(S, P, SEED, 3, np.zeros(S.counts[N_INST] + n_ent, np.int64))
    revenue = S.ent_revenue[:n_ent]
    assert revenue[sells].max() <= 1e-4 + 1e-15  # no more than they can make
    assert S.field_sales.sum() == pytest.approx(revenue.sum())
    # all of the demand is served: by Shanghai's sellers or by the regions
    assert S.field_sales.sum() + S.region_sales.sum() == pytest.approx(S.field_demand.sum())
    # constrained sellers with cash build capacity and pay for it
    built = sells & (S.ent_capacity[:n_ent] > 1e-4 * (1 - P.capacity_depreciation) + 1e-12)
    assert built.any()
    assert (S.ent_capital[:n_ent][built] < capital[built] + revenue[built]).all()


def test_demand_a_seller_cannot_serve_goes_to_the_sellers_with_room(params):
    def two_in_a_field():
        """Sellers, the first two of them in one field."""
        _, S = _sellers(params)
        a, b = np.flatnonzero(S.ent_trl[: S.counts[N_ENT]] >= 7)[:2]
        S.ent_field[b] = S.ent_field[a]
        S.ent_own[b] = S.ent_knowledge[b, S.ent_field[a]]
        return S, a

    S, short = two_in_a_field()
    n_ent = S.counts[N_ENT]
    field = S.ent_field[:n_ent].copy()
    sells = np.flatnonzero(S.ent_trl[:n_ent] >= 7)
    counts = np.zeros(S.counts[N_INST] + n_ent, np.int64)
    revenue = {}
    for case in ("room", "one short"):
        S, _ = two_in_a_field()
        if case == "one short":
            S.ent_capacity[short] = 1e-6
        market_step(S, params, SEED, 3, counts)
        revenue[case] = S.ent_revenue[:n_ent].copy()
    assert S.field_sales.sum() + S.region_sales.sum() == pytest.approx(S.field_demand.sum())
    assert revenue["one short"][short] == pytest.approx(1e-6)
    for i in sells:
        if i != short and field[i] == field[short]:  # its customers turned to them
            assert revenue["one short"][i] > revenue["room"][i]
        elif field[i] != field[short]:  # other fields are untouched
            assert revenue["one short"][i] == pytest.approx(revenue["room"][i])


def test_a_new_seller_starts_with_one_line_a_firm_and_the_first_sellers_with_their_sales(
    params,
):
    P, S = _sellers(params)
    n_ent = S.counts[N_ENT]
    sells = S.ent_trl[:n_ent] >= 7
    S.ent_capacity[:n_ent] = 0.0
    P = P._replace(capacity_depreciation=0.0)
    counts = np.zeros(S.counts[N_INST] + n_ent, np.int64)
    market_step(S, P, SEED, 0, counts)
    # at the start, a seller holds the capacity its sales need, with headroom
    first = S.ent_capacity[:n_ent][sells]
    assert first == pytest.approx((1 + P.capacity_headroom) * S.ent_revenue[:n_ent][sells])
    P2, S2 = _sellers(params)
    S2.ent_capacity[:n_ent] = 0.0
    S2.ent_capital[:] = -1e6  # no cash and no private round: nothing beyond the first line
    P2 = P2._replace(capacity_depreciation=0.0, private_finance_rate=0.0)
    market_step(S2, P2, SEED, 5, counts)
    line = P2.pilot_capacity_bn * S2.ent_weight[:n_ent][sells]
    assert S2.ent_capacity[:n_ent][sells] == pytest.approx(line)
    assert (S2.ent_revenue[:n_ent][sells] <= line + 1e-15).all()


def test_market_sellers_share_their_fields_demand(params):
    P, S = _sellers(params)
    n_ent = S.counts[N_ENT]
    adoption = S.adoption.copy()
    t = 3

    market_step(S, P, SEED, t, np.zeros(S.counts[N_INST] + n_ent, np.int64))

    assert (S.adoption > adoption).all() and (S.adoption <= 1.0).all()
    demand = P.potential * np.exp(P.potential_growth * t / 4.0) * S.adoption / 4.0
    assert S.field_demand == pytest.approx(demand)
    sells = S.ent_alive[:n_ent] & (S.ent_trl[:n_ent] >= 7)
    revenue = S.ent_revenue[:n_ent]
    assert (revenue[~sells] == 0.0).all()  # no product, no sales (and no demonstration)
    assert (revenue[sells] > 0.0).all()
    fields = S.ent_field[:n_ent]
    for f in range(len(demand)):
        in_f = sells & (fields == f)
        if in_f.any():
            assert revenue[in_f].sum() == pytest.approx(demand[f])
    # with outside competition, sellers win a share of the demand, not all of it
    P2, S2 = _sellers(params)
    P2 = P2._replace(
        outside_competition=params.outside_competition, region_sellers=params.region_sellers
    )
    market_step(S2, P2, SEED, t, np.zeros(S2.counts[N_INST] + n_ent, np.int64))
    won = S2.ent_revenue[:n_ent].sum()
    assert 0.0 < won < revenue.sum()


def test_market_accounts_add_up(params):
    P, S = _sellers(params)
    n_inst, n_ent = S.counts[N_INST], S.counts[N_ENT]
    demo = 1
    S.ent_trl[demo] = 5
    S.ent_demo_until[demo] = 10
    S.ent_grant_rd[:n_ent] = 0.01
    S.ent_seat_grant[2] = 0.05
    capital = S.ent_capital[:n_ent].copy()
    talents = np.zeros(n_inst + n_ent, np.int64)
    talents[n_inst:] = 3

    market_step(S, P, SEED, 0, talents)

    # the demonstrating firm sells its procurement before it can sell on the market
    assert S.ent_revenue[demo] == pytest.approx(P.demo_procurement_bn * S.ent_weight[demo] / 4)
    weight = S.ent_weight[:n_ent]
    flow = (
        S.ent_legacy[:n_ent]
        + P.gross_margin * S.ent_revenue[:n_ent]
        - S.ent_rd[:n_ent]
        - P.wage_bn * 3 * S.counts[TALENT_WEIGHT]
        - P.fixed_cost_bn * weight
    )
    extra = S.ent_capital[:n_ent] - capital - flow  # a private round, or nothing
    raised = np.isclose(extra, P.private_round_bn * weight, rtol=1e-9, atol=0.0)
    assert (np.isclose(extra, 0.0, atol=1e-9) | raised).all()
    assert not raised[S.ent_tier[:n_ent] == LEADING_TIER].any()  # leading firms do not
    # the quarter's grants were spent and are cleared
    assert (S.ent_grant_rd == 0.0).all() and (S.ent_seat_grant == 0.0).all()
    assert (S.ent_finance_rd == 0.0).all()
    assert S.ent_rd[2] >= P.rd_additionality * 0.05


# ---------------------------------------------------------------- government and plans


def test_every_plan_stays_within_its_annual_budget(params):
    S = lived(params, 12)
    assert (S.ledger <= params.budget + EPS).all()
    spent_any = S.ledger.sum(axis=1) > 0.0
    assert spent_any.all()  # every plan of the action plan spends within three years


def test_no_budget_no_spending_and_no_designation(params):
    P = with_budget(params)
    S = fresh(P)
    capital = S.ent_capital.copy()
    t = 8  # the first year with designation targets
    for quarter in range(t, t + 4):
        ptr, nbr, slot = adjacency(S)
        government_step(call, S, P, SEED, quarter, ptr, nbr, slot)
    assert not S.ledger.any()
    assert not S.inst_college.any() and not S.inst_center.any() and not S.pilot.any()
    assert S.counts[N_CONS] == 0 and S.counts[N_ENT] == SIZES[0]
    assert (S.ent_demo_until == -1).all()
    assert (S.ent_capital == capital).all() and not S.ent_grant_rd.any()
    assert not S.inst_funding.any() and S.startup_finance[0] == 0.0
    assert (S.bass_p == P.bass_p).all()


def test_horse_race_keeps_the_field_weights_a_distribution(params):
    P = params._replace(horse_race=True)
    S = fresh(P)
    weight = S.field_weight.copy()
    horse_race_step(S, P, 0)  # the first year only records the fields' state
    assert (S.field_weight == weight).all()
    n_ent = S.counts[N_ENT]
    S.ent_trl[:n_ent] += (S.ent_field[:n_ent] % 2 == 0).astype(np.int64)  # traction in some
    horse_race_step(S, P, 4)
    assert S.field_weight.sum() == pytest.approx(1.0)
    assert (S.field_weight >= 0.0).all()
    moved = S.field_weight > weight
    fields = set(S.ent_field[:n_ent].tolist())
    assert moved.any() and all(f % 2 == 0 and f in fields for f in np.flatnonzero(moved))
    fixed = fresh(params)
    before = fixed.field_weight.copy()
    fixed.ent_trl[:n_ent] += 1
    horse_race_step(fixed, params, 4)
    assert (fixed.field_weight == before).all()  # fixed allocation never changes


def _foundation(S, P, t, annual=True):
    ptr, nbr, slot = adjacency(S)
    foundation_plan(S, P, t, t // 4, annual, ptr, nbr, slot)


def test_foundation_designates_no_more_than_the_schedule(params):
    P = with_budget(params, FOUNDATION, 3.0)
    S = fresh(P)
    t, y = 12, 3
    _foundation(S, P, t)
    colleges, centers = S.inst_college.sum(), S.inst_center.sum()
    assert 0 < colleges <= P.colleges_target[y]
    assert 0 < centers <= P.centers_target[y]
    assert (S.inst_kind[S.inst_college] == UNIVERSITY).all()
    costs = colleges * P.college_cost_bn + centers * P.center_cost_bn
    # the rest of the year's money so far is the quarter's research flow
    assert S.inst_funding.sum() == pytest.approx(S.ledger[FOUNDATION, y] - costs)
    assert S.inst_funding.sum() == pytest.approx(min(3.0 / 4, 3.0 - costs))
    assert S.ledger[FOUNDATION, y] <= 3.0 + EPS
    # each center's members hold one center tie to it, at most ``center_members``
    a, b, kind, _ = live_edges(S)
    for host in np.flatnonzero(S.inst_center):
        members = b[(kind == CENTER) & (a == host)]
        assert 0 < len(members) <= P.center_members
        assert (members >= S.counts[N_INST]).all()
    # first quarter: a quarter of the way built up
    levels = S.inst_college_level[S.inst_college]
    assert levels == pytest.approx(1.0 / P.build_up_quarters)
    _foundation(S, P, t + 1, annual=False)
    assert S.inst_college.sum() == colleges and S.inst_center.sum() == centers
    assert S.inst_college_level[S.inst_college] == pytest.approx(2.0 / P.build_up_quarters)


def test_foundation_with_little_money_designates_what_it_pays_for(params):
    budget = params.college_cost_bn + params.center_cost_bn + 0.1
    P = with_budget(params, FOUNDATION, budget)
    S = fresh(P)
    _foundation(S, P, 12)
    assert S.inst_college.sum() == 1 and S.inst_center.sum() == 1
    assert S.ledger[FOUNDATION, 3] == pytest.approx(budget)  # the flow takes what is left
    # next year without money: designations stay but stop working
    _foundation(S, with_budget(params), 16)
    assert S.inst_college.sum() == 1 and S.inst_center.sum() == 1
    assert not S.inst_college_level.any() and not S.inst_center_level.any()
    assert S.ledger[FOUNDATION, 4] == 0.0 and not S.inst_funding.any()


def test_leading_pays_only_firms_in_working_pilot_areas(params):
    budget = 2.5
    P = with_budget(params, LEADING, budget)
    S = fresh(P)
    n_ent = S.counts[N_ENT]
    capital = S.ent_capital[:n_ent].copy()
    t, y = 8, 2

    leading_plan(S, P, t, y, True)

    assert 0 < S.pilot.sum() <= P.pilots_target[y]
    assert S.ledger[LEADING, y] <= budget + EPS
    district, cluster = S.ent_district[:n_ent], P.field_cluster[S.ent_field[:n_ent]]
    in_area = S.pilot_level[district, cluster] > 0.0
    assert in_area.any()
    gained = S.ent_capital[:n_ent] - capital
    assert (gained[in_area] > 0.0).all() and (gained[~in_area] == 0.0).all()
    # no cap: the R&D earmarked is the additional part of each subsidy, at most all of it
    assert (S.ent_grant_rd[:n_ent] <= gained + EPS).all()
    assert gained.sum() == pytest.approx(
        S.ledger[LEADING, y] - S.pilot.sum() * P.pilot_area_cost_bn
    )
    # no money: no new area, no voucher
    Q = with_budget(params)
    S = fresh(Q)
    leading_plan(S, Q, t, y, True)
    assert not S.pilot.any() and not S.ledger.any()
    assert (S.ent_capital[:n_ent] == capital).all()


def test_hand_in_hand_funds_consortia_within_its_calls(params):
    budget = 2.0
    P = with_budget(params, HAND_IN_HAND, budget)
    S = fresh(P)
    n_inst, n_ent0 = S.counts[N_INST], S.counts[N_ENT]
    t, y = 8, 2

    hand_in_hand_plan(S, P, SEED, t, y)

    expected = budget * P.leader_entry_share / P.leader_entry_cost_bn
    new = np.arange(n_ent0, S.counts[N_ENT])
    entrants = len(new)
    assert int(expected) <= entrants <= int(expected) + 1  # the fraction by a draw
    assert (S.ent_tier[new] == LEADING_TIER).all() and (S.ent_weight[new] == 1).all()
    assert (S.ent_origin[new] == ENTRANT).all() and S.ent_alive[new].all()
    n_cons = S.counts[N_CONS]
    leaders = (S.ent_tier[: S.counts[N_ENT]] == LEADING_TIER).sum()
    assert 0 < n_cons <= leaders  # no quota: as many as money and eligible proposals allow
    spent = entrants * P.leader_entry_cost_bn + n_cons * P.consortium_grant_bn
    assert S.ledger[HAND_IN_HAND, y] == pytest.approx(spent)
    assert spent <= budget + EPS
    # the seats' R&D is the additional part of the grants (deadweight stays as cash)
    assert 0.0 < S.ent_seat_grant.sum() <= n_cons * P.consortium_grant_bn + EPS
    seen = set()
    for k in range(n_cons):
        leader = S.cons_leader[k]
        members = S.cons_members[k, : S.cons_n_members[k]]
        assert S.cons_active[k] and S.cons_end[k] == t + P.consortium_quarters
        assert S.ent_tier[leader - n_inst] == LEADING_TIER
        assert (S.ent_tier[members - n_inst] != LEADING_TIER).all()
        cluster = P.field_cluster[S.ent_field[leader - n_inst]]
        assert (P.field_cluster[S.ent_field[members - n_inst]] == cluster).all()
        assert not seen & set(members.tolist())  # no firm in two consortia
        seen |= set(members.tolist()) | {int(leader)}
        for m in members:
            e = S.edge_index[min(leader, m) * KEY + max(leader, m)]
            assert S.edge_kind[e] == CONSORTIUM
    # at the end of their term, consortia close and their ties become partnerships
    hand_in_hand_plan(S, with_budget(params), SEED, t + P.consortium_quarters, y + 3)
    assert not S.cons_active[:n_cons].any()
    assert (S.ent_consortium[: S.counts[N_ENT]] == -1).all()
    assert CONSORTIUM not in set(live_edges(S)[2].tolist())


def test_hand_in_hand_with_money_for_one_grant_funds_one(params):
    budget = params.consortium_grant_bn * 1.5  # too little for an entrant
    P = with_budget(params, HAND_IN_HAND, budget)
    S = fresh(P)
    hand_in_hand_plan(S, P, SEED, 8, 2)
    assert S.counts[N_CONS] == 1 and S.counts[N_ENT] == SIZES[0]
    assert S.ledger[HAND_IN_HAND, 2] == pytest.approx(P.consortium_grant_bn)


def test_open_source_demonstrates_eligible_firms_within_its_budget(params):
    budget = 40.0
    P = with_budget(params, OPEN_SOURCE, budget)
    S = fresh(P)
    n_ent = S.counts[N_ENT]
    trl, capital = S.ent_trl[:n_ent].copy(), S.ent_capital[:n_ent].copy()
    t, y = 8, 2

    open_source_plan(S, P, t, y, True)

    demo = S.ent_demo_until[:n_ent] > t
    assert demo.any()
    assert ((trl[demo] >= 5) & (trl[demo] <= 7)).all()
    assert (S.ent_demo_until[:n_ent][demo] == t + P.demo_quarters).all()
    weight = S.ent_weight[:n_ent]
    per_firm = P.demo_grant_bn + P.demo_procurement_bn * P.demo_quarters / 4
    assert S.ledger[OPEN_SOURCE, y] == pytest.approx(per_firm * weight[demo].sum())
    assert S.ledger[OPEN_SOURCE, y] <= budget + EPS
    grant = S.ent_capital[:n_ent] - capital
    assert grant[demo] == pytest.approx(P.demo_grant_bn * weight[demo])
    assert (grant[~demo] == 0.0).all()
    fields = set(S.ent_field[:n_ent][demo].tolist())
    for f in range(len(S.bass_p)):
        if f in fields:
            assert S.bass_p[f] > P.bass_p
        else:
            assert S.bass_p[f] == P.bass_p
    # the next quarter, running projects keep the fields' faster diffusion
    bass_p = S.bass_p.copy()
    open_source_plan(S, P, t + 1, y, False)
    assert (S.bass_p == bass_p).all()
    # once they end, diffusion is back at its base
    open_source_plan(S, P, t + P.demo_quarters + 1, y, False)
    assert (S.bass_p == P.bass_p).all()


def test_rainforest_pays_only_screened_firms_within_its_flow(params):
    budget = 3.0
    P = with_budget(params, RAINFOREST, budget)
    S = fresh(P)
    n_ent = S.counts[N_ENT]
    S.ent_own[0] = 1e3  # a leading firm, however knowledgeable, is not screened in
    capital = S.ent_capital[:n_ent].copy()
    y = 2

    rainforest_plan(S, P, y)

    screened = (S.ent_tier[:n_ent] != LEADING_TIER) & (S.ent_own[:n_ent] >= P.knowledge_screen)
    assert screened.any() and not screened.all()
    gained = S.ent_capital[:n_ent] - capital
    assert (gained[screened] > 0.0).all() and (gained[~screened] == 0.0).all()
    weight = S.ent_weight[:n_ent]
    most = (
        P.rainforest_cost_cut * P.fixed_cost_bn + P.finance_cap_bn * (1 + P.co_investment)
    ) * weight
    assert (gained <= most + EPS).all()
    assert 0.0 < S.ledger[RAINFOREST, y] <= budget / 4 + EPS
    Q = with_budget(params)
    S = fresh(Q)
    S.startup_finance[0] = 1.0
    rainforest_plan(S, Q, y)
    assert (S.ent_capital[:n_ent] == capital).all() and not S.ledger.any()
    assert S.startup_finance[0] == 0.0  # no finance, no founding boost


# ---------------------------------------------------------------- indicators


def test_indicators_count_the_state(params):
    S = lived(params, 9)
    out = np.zeros(N_INDICATORS)
    t = 8
    indicators_step(call, S, params, t, out)
    n_ent, n_tal = S.counts[N_ENT], S.counts[N_TAL]
    alive = S.ent_alive[:n_ent]
    weight = S.ent_weight[:n_ent]
    assert out[INDEX["enterprises"]] == weight[alive].sum()
    assert out[INDEX["exits"]] == weight[~alive].sum()
    w_t = S.counts[TALENT_WEIGHT]
    assert out[INDEX["talents"]] == S.tal_present[:n_tal].sum() * w_t
    assert out[INDEX["network_edges"]] == S.counts[N_LIVE_EDGES]
    assert out[INDEX["pilot_areas"]] == S.pilot.sum()
    assert out[INDEX["innovation_centers"]] == S.inst_center.sum()
    assert out[INDEX["output_value_bn"]] == pytest.approx(4 * S.ent_revenue[:n_ent][alive].sum())
    assert out[INDEX["government_spent_bn"]] == pytest.approx(S.ledger.sum())
    for plan, name in [(FOUNDATION, "foundation"), (RAINFOREST, "rainforest")]:
        assert out[INDEX[f"spent_{name}_bn"]] == pytest.approx(S.ledger[plan].sum())
