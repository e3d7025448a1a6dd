"""Step 6, market: diffusion, revenue shares, private finance and each firm's accounts."""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim import rng, rules
from rainforest.sim.common import _in_pilot
from rainforest.sim.plan_ids import RAINFOREST
from rainforest.sim.plans.rainforest import _screened
from rainforest.sim.state import N_ENT, N_INST, TALENT_WEIGHT


@njit(cache=True, inline="always", error_model="numpy")
def _raises_private_round(S, P, key_finance, n_inst, i):
    """Firm i (not a leading firm) raises a private round this quarter, with
    ``private_finance_probability`` of its own knowledge."""
    if S.ent_tier[i] == 0:
        return False
    prob = rules.private_finance_probability(
        S.ent_own[i], P.private_finance_rate, P.absorptive_half
    )
    return rng.keyed_uniform(key_finance, n_inst + i, 0) < prob


@njit(cache=True, error_model="numpy")
def market_step(S, P, seed, t, counts):
    """Step 6: each field's adoption advances by Bass diffusion once it has a seller
    (TRL 7+); sellers share the field's demand by logit market weight against outside
    competition; firms may raise a private round; capital changes by margin less R&D,
    wages and fixed costs (cut in pilot areas and, for screened firms, by Rainforest).
    ``counts``: talents per organisation (talents step)."""
    y = t // 4
    n_inst = S.counts[N_INST]
    n_ent = S.counts[N_ENT]
    nf = len(P.field_cluster)
    w_t = S.counts[TALENT_WEIGHT]
    has_seller = np.zeros(nf, np.bool_)
    for i in range(n_ent):
        if S.ent_alive[i] and S.ent_trl[i] >= 7:
            has_seller[S.ent_field[i]] = True
    demand = np.zeros(nf)
    for f in range(nf):
        if has_seller[f]:
            S.adoption[f] = rules.bass_step(S.adoption[f], S.bass_p[f], P.bass_q)
        demand[f] = P.potential[f] * S.adoption[f] / 4.0
    denominator = np.empty(nf)
    for f in range(nf):
        denominator[f] = rules.outside_weight(
            P.outside_competition, P.field_share[f], P.logit_beta, P.outside_progress, t
        )
    weight = np.zeros(n_ent)
    for i in range(n_ent):
        if S.ent_alive[i] and S.ent_trl[i] >= 7:
            f = S.ent_field[i]
            q = rules.product_quality(S.ent_own[i], S.ent_trl[i])
            weight[i] = rules.market_weight(S.ent_weight[i], q, P.logit_beta)
            denominator[f] += weight[i]
    factor_active = P.budget[RAINFOREST, y] > 0.0
    key_finance = rng.stream_key(seed, t, rng.PRIVATE_FINANCE)
    for i in range(n_ent):
        if not S.ent_alive[i]:
            continue
        f = S.ent_field[i]
        if S.ent_trl[i] >= 7:
            S.ent_revenue[i] = demand[f] * weight[i] / denominator[f]
        else:
            S.ent_revenue[i] = 0.0
        if _raises_private_round(S, P, key_finance, n_inst, i):
            S.ent_capital[i] += P.private_round_bn * S.ent_weight[i]
        rd = P.rd_intensity * (S.ent_revenue[i] + S.ent_legacy[i])
        wages = P.wage_bn * counts[n_inst + i] * w_t
        in_pilot = _in_pilot(S.pilot, S.ent_district, S.ent_field, P.field_cluster, i)
        screened = _screened(S.ent_alive, S.ent_tier, S.ent_own, P.knowledge_screen, i)
        mult = rules.cost_multiplier(
            in_pilot, P.leading_cost_cut, factor_active and screened, P.rainforest_cost_cut
        )
        fixed = P.fixed_cost_bn * S.ent_weight[i] * mult
        S.ent_capital[i] += rules.capital_change(
            S.ent_legacy[i], S.ent_revenue[i], P.gross_margin, rd, wages, fixed
        )
        S.ent_rd[i] = rd
