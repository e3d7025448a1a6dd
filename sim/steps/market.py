"""Step 6, market: diffusion, revenue shares, private finance and each firm's accounts."""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim import rng, rules
from rainforest.sim.kinds import INITIAL_FIRM, LEADING_TIER, SELLING_TRL
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


@njit(cache=True, inline="always", error_model="numpy")
def _shock_spread(S, P, i):
    """The spread of firm i's quarterly demand shock (``shock_sd`` at its capacity per real
    firm; a firm yet to sell has the spread of one production line). An agent standing
    for ``weight`` real firms carries the mean of their independent shocks, whose spread
    is ``1 / sqrt(weight)`` of one firm's (docs/ODD.md 2.4)."""
    sd = rules.shock_sd(
        P.demand_shock_sd, S.ent_capacity[i] / S.ent_weight[i], P.pilot_capacity_bn,
        P.shock_size_elasticity,
    )  # fmt: skip
    return sd / np.sqrt(S.ent_weight[i])


@njit(cache=True, inline="always", error_model="numpy")
def _shock(S, P, key_shock, n_inst, i, spread, first):
    """Firm i's demand shock this quarter: drawn from its stationary spread when it first
    sells (``first``), else one AR(1) step."""
    rho = P.demand_shock_persistence
    if first:
        z = rng.keyed_normal(key_shock, n_inst + i, rng.STATIONARY_SHOCK)
        return spread / np.sqrt(1.0 - rho * rho) * z
    z = rng.keyed_normal(key_shock, n_inst + i, rng.ONE_DRAW)
    return rules.next_shock(S.ent_shock[i], rho, spread, z)


@njit(cache=True, error_model="numpy")
def _rationed_sales(S, P, t, nf, demand, weight, denominator, outside):
    """Each firm's potential sales (its logit share of the field's demand) and its sales,
    no more than its capacity; and, by field, the demand nobody in Shanghai could serve.

    A seller meets its capacity when it first sells (``ent_capacity`` 0): in the first
    quarter the capacity its sales need, later one production line per real firm. Demand
    a seller cannot serve goes to the field's other suppliers with room, Shanghai's
    sellers with spare capacity and the competitors, in proportion to their logit
    weights (rationed customers turn to the next-best supplier, one round); what no
    Shanghai seller takes is returned (``unserved``) for the competitors."""
    n_ent = S.counts[N_ENT]
    potential = np.zeros(n_ent)
    sales = np.zeros(n_ent)
    unserved = np.zeros(nf)
    room_weight = outside.copy()  # the competitors always have room
    for i in range(n_ent):
        if weight[i] == 0.0:
            continue
        f = S.ent_field[i]
        potential[i] = demand[f] * weight[i] / denominator[f]
        if S.ent_capacity[i] == 0.0:
            S.ent_capacity[i] = (
                (1.0 + P.capacity_headroom) * potential[i]
                if t == 0 and S.ent_origin[i] == INITIAL_FIRM
                else P.pilot_capacity_bn * S.ent_weight[i]
            )
        sales[i] = min(potential[i], S.ent_capacity[i])
        unserved[f] += potential[i] - sales[i]
        if sales[i] < S.ent_capacity[i]:
            room_weight[f] += weight[i]
    passed = np.zeros(nf)
    for i in range(n_ent):
        f = S.ent_field[i] if weight[i] > 0.0 else 0
        if weight[i] > 0.0 and unserved[f] > 0.0 and sales[i] < S.ent_capacity[i]:
            extra = min(unserved[f] * weight[i] / room_weight[f], S.ent_capacity[i] - sales[i])
            sales[i] += extra
            passed[f] += extra
    for i in range(n_ent):
        if weight[i] > 0.0:
            S.ent_experience[i] += sales[i] / S.ent_weight[i]
    for f in range(nf):
        unserved[f] -= passed[f]
    return potential, sales, unserved


@njit(cache=True, error_model="numpy")
def market_step(S, P, seed, t, counts):
    """Step 6: each field's adoption advances by Bass diffusion over a potential that
    grows with the market (``market_potential``; the demand is served by producers
    elsewhere too, so it does not wait for a local seller); sellers (TRL 7+) share the
    field's demand by logit market weight (quality, learning by doing and a persistent
    demand shock of their own) against the competition (``_competition``), but sell no
    more than their capacity, and demonstrating firms add the government's purchases;
    firms may raise a private round; R&D is spent (``rd_spending``, with the quarter's
    grants) and works through its lag (``lagged``); capital changes by margin less R&D,
    wages and fixed costs; sellers invest in capacity from their cash
    (``capacity_investment``). ``counts``: talents per organisation (talents step)."""
    n_inst = S.counts[N_INST]
    n_ent = S.counts[N_ENT]
    nf = len(P.field_cluster)
    w_t = S.counts[TALENT_WEIGHT]
    demand = S.field_demand
    for f in range(nf):
        S.adoption[f] = rules.bass_step(S.adoption[f], S.bass_p[f], P.bass_q)
        saturation = rules.market_potential(P.potential[f], P.potential_growth, t)
        demand[f] = saturation * S.adoption[f] / 4.0
    denominator = np.empty(nf)
    region_weight = np.zeros((len(P.region_sellers), nf))
    _competition(S, P, t, nf, denominator, region_weight)
    outside = denominator.copy()
    weight = np.zeros(n_ent)
    key_shock = rng.stream_key(seed, t, rng.FIRM_SHOCK)
    rho = P.demand_shock_persistence
    for i in range(n_ent):
        if S.ent_alive[i] and S.ent_trl[i] >= SELLING_TRL:
            f = S.ent_field[i]
            spread = _shock_spread(S, P, i)
            S.ent_shock[i] = _shock(S, P, key_shock, n_inst, i, spread, S.ent_capacity[i] == 0.0)
            q = rules.product_quality(S.ent_own[i], S.ent_trl[i]) + rules.experience_quality(
                S.ent_experience[i], P.learning_by_doing, P.experience_bn
            )
            # the mean of exp(shock) at the firm's stationary spread, taken out so that
            # shocks move shares between firms rather than add to Shanghai's total
            centre = 0.5 * spread * spread / (1.0 - rho * rho)
            weight[i] = rules.market_weight(S.ent_weight[i], q, P.logit_beta) * np.exp(
                S.ent_shock[i] - centre
            )
            denominator[f] += weight[i]
    potential, sales, unserved = _rationed_sales(S, P, t, nf, demand, weight, denominator, outside)
    key_finance = rng.stream_key(seed, t, rng.PRIVATE_FINANCE)
    for i in range(n_ent):
        if not S.ent_alive[i]:
            continue
        revenue = sales[i]
        if S.ent_demo_until[i] > t:
            revenue += demo_procurement(P, S.ent_weight[i])
        S.ent_revenue[i] = revenue
        if _raises_private_round(S, P, key_finance, n_inst, i):
            raised = P.private_round_bn * S.ent_weight[i]
            S.private_raised[0] += raised
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
        if S.ent_capacity[i] > 0.0:
            S.ent_capacity[i] *= 1.0 - P.capacity_depreciation
            spend = rules.capacity_investment(
                S.ent_capacity[i], potential[i], P.capacity_headroom, S.ent_capital[i],
                P.investment_share, P.capital_output_ratio,
            )  # fmt: skip
            S.ent_capacity[i] += spend / (4.0 * P.capital_output_ratio)
            S.ent_capital[i] -= spend
        S.ent_rd[i] = rd + seat_rd
        S.ent_rd_stock[i] = rules.lagged(S.ent_rd_stock[i], rd, P.research_lag_quarters)
        S.ent_seat_stock[i] = rules.lagged(S.ent_seat_stock[i], seat_rd, P.research_lag_quarters)
        S.ent_grant_rd[i] = 0.0
        S.ent_grants_paid[i] = 0.0
        S.ent_seat_grant[i] = 0.0
        S.ent_finance_rd[i] = 0.0
    # Shanghai's sales, and the regions': their shares, and what Shanghai's sellers could
    # neither deliver nor pass on to one another (under the compounding form, that goes to
    # the outside option)
    for f in range(nf):
        S.field_sales[f] = 0.0
    for i in range(n_ent):
        if sales[i] > 0.0:
            S.field_sales[S.ent_field[i]] += sales[i]
    for r in range(len(P.region_sellers)):  # all 0 under the compounding form
        S.region_sales[r] = 0.0
        for f in range(nf):
            share = region_weight[r, f] / denominator[f]
            S.region_sales[r] += demand[f] * share + unserved[f] * region_weight[r, f] / outside[f]
