"""Step 6, market: diffusion, revenue shares, private finance and each firm's accounts."""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim import rng, rules
from rainforest.sim.kinds import LEADING_TIER, SELLING_TRL
from rainforest.sim.plans.open_source import demo_procurement
from rainforest.sim.state import N_ENT, N_INST, TALENT_WEIGHT


@njit(cache=True, inline="always", error_model="numpy")
def _raises_private_round(S, P, key_finance, n_inst, i):
    """Firm i (not a leading firm) raises a private round this quarter, with
    ``private_finance_probability`` of its own knowledge."""
    if S.ent_tier[i] == LEADING_TIER:
        return False
    prob = rules.private_finance_probability(
        S.ent_own[i], P.private_finance_rate, P.absorptive_half
    )
    return rng.keyed_uniform(key_finance, n_inst + i, rng.ONE_DRAW) < prob


@njit(cache=True, inline="always", error_model="numpy")
def _region_weight(S, P, r, f):
    """Region r's logit weight in field f: its sellers, whose number grows with the
    field's adoption (producers enter as the product diffuses: Gort & Klepper 1982), at
    its knowledge."""
    sellers = P.region_sellers[r] * S.adoption[f] / P.initial_adoption
    return rules.competitor_weight(
        sellers, P.field_share[f], S.region_knowledge[r, f], P.logit_beta
    )


@njit(cache=True, error_model="numpy")
def _competition(S, P, t, nf, denominator, region_weight):
    """Each field's logit weight of the sellers outside Shanghai, into ``denominator``,
    and under the frontier form each region's, into ``region_weight`` (region, field).

    ``frontier`` form: the world frontier advances, each competitor region closes part of
    its gap to it (``catch_up``), and weighs in with its sellers at its knowledge
    (``competitor_weight``). ``compounding_outside`` form: one outside option whose
    quality compounds for ever (``outside_weight``)."""
    if P.compounding_outside:
        for f in range(nf):
            denominator[f] = rules.outside_weight(
                P.outside_competition, P.field_share[f], P.logit_beta, P.outside_progress, t
            )
        return
    n_regions = len(P.region_sellers)
    for f in range(nf):
        S.frontier[f] = rules.advance_frontier(S.frontier[f], P.frontier_growth)
        denominator[f] = 0.0
        for r in range(n_regions):
            S.region_knowledge[r, f] = rules.catch_up(
                S.region_knowledge[r, f], S.frontier[f], P.region_catch_up[r]
            )
            region_weight[r, f] = _region_weight(S, P, r, f)
            denominator[f] += region_weight[r, f]


@njit(cache=True, error_model="numpy")
def market_step(S, P, seed, t, counts):
    """Step 6: each field's adoption advances by Bass diffusion over a potential that
    grows with the market (``market_potential``; the demand is served by producers
    elsewhere too, so it does not wait for a local seller); sellers (TRL 7+) share the
    field's demand by logit market weight against the competition (``_competition``),
    and demonstrating firms add the government's purchases; firms may raise a private
    round; R&D is spent (``rd_spending``, with the quarter's grants) and works through
    its lag (``lagged``); capital changes by margin less R&D, wages and fixed costs.
    ``counts``: talents per organisation (talents step)."""
    n_inst = S.counts[N_INST]
    n_ent = S.counts[N_ENT]
    nf = len(P.field_cluster)
    w_t = S.counts[TALENT_WEIGHT]
    demand = S.field_demand
    for f in range(nf):
        S.adoption[f] = rules.bass_step(S.adoption[f], S.bass_p[f], P.bass_q)
        potential = rules.market_potential(P.potential[f], P.potential_growth, t)
        demand[f] = potential * S.adoption[f] / 4.0
    denominator = np.empty(nf)
    region_weight = np.zeros((len(P.region_sellers), nf))
    _competition(S, P, t, nf, denominator, region_weight)
    outside = denominator.copy()
    weight = np.zeros(n_ent)
    for i in range(n_ent):
        if S.ent_alive[i] and S.ent_trl[i] >= SELLING_TRL:
            f = S.ent_field[i]
            q = rules.product_quality(S.ent_own[i], S.ent_trl[i])
            weight[i] = rules.market_weight(S.ent_weight[i], q, P.logit_beta)
            denominator[f] += weight[i]
    for f in range(nf):
        S.field_sales[f] = demand[f] * (1.0 - outside[f] / denominator[f])
    for r in range(len(P.region_sellers)):  # all 0 under the compounding form
        S.region_sales[r] = 0.0
        for f in range(nf):
            S.region_sales[r] += demand[f] * region_weight[r, f] / denominator[f]
    key_finance = rng.stream_key(seed, t, rng.PRIVATE_FINANCE)
    for i in range(n_ent):
        if not S.ent_alive[i]:
            continue
        f = S.ent_field[i]
        revenue = demand[f] * weight[i] / denominator[f] if S.ent_trl[i] >= SELLING_TRL else 0.0
        if S.ent_demo_until[i] > t:
            revenue += demo_procurement(P, S.ent_weight[i])
        S.ent_revenue[i] = revenue
        if _raises_private_round(S, P, key_finance, n_inst, i):
            raised = P.private_round_bn * S.ent_weight[i]
            S.ent_capital[i] += raised
            S.ent_finance_rd[i] += P.finance_rd_share * raised
        rd = (
            rules.rd_spending(
                P.rd_intensity, revenue, S.ent_legacy[i], S.ent_grant_rd[i], P.rd_additionality
            )
            + S.ent_finance_rd[i]
        )
        seat_rd = P.rd_additionality * S.ent_seat_grant[i]
        wages = P.wage_bn * counts[n_inst + i] * w_t
        fixed = P.fixed_cost_bn * S.ent_weight[i]
        S.ent_capital[i] += rules.capital_change(
            S.ent_legacy[i], revenue, P.gross_margin, rd + seat_rd, wages, fixed
        )
        S.ent_rd[i] = rd + seat_rd
        S.ent_rd_stock[i] = rules.lagged(S.ent_rd_stock[i], rd, P.research_lag_quarters)
        S.ent_seat_stock[i] = rules.lagged(S.ent_seat_stock[i], seat_rd, P.research_lag_quarters)
        S.ent_grant_rd[i] = 0.0
        S.ent_seat_grant[i] = 0.0
        S.ent_finance_rd[i] = 0.0
