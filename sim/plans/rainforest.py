"""The Rainforest plan: each quarter, vouchers for screened firms' factor costs (land,
compute, data, services) with a share of its flow, and equity and credit with the rest,
which private investors match; the finance start-ups receive raises talents' founding
rate (talents step)."""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim import rules
from rainforest.sim.common import _flow
from rainforest.sim.kinds import LEADING_TIER, STARTUP_TIER
from rainforest.sim.plan_ids import RAINFOREST
from rainforest.sim.state import N_ENT


@njit(cache=True, inline="always", error_model="numpy")
def _screened(ent_alive, ent_tier, ent_own, screen, i):
    """Alive, not a leading firm, and past Rainforest's knowledge screen."""
    return ent_alive[i] and ent_tier[i] != LEADING_TIER and ent_own[i] >= screen


@njit(cache=True, inline="always", error_model="numpy")
def founding_finance_boost(startup_finance_bn, founding_boost, founding_finance_half_bn):
    """The boost to talents' founding rate that Rainforest's finance buys: at most
    ``founding_boost``, by the finance a start-up received last quarter (a year's worth,
    per real start-up)."""
    return founding_boost * rules.dose_response(startup_finance_bn, founding_finance_half_bn)


@njit(cache=True, inline="always", error_model="numpy")
def invest(S, P, i, amount):
    """Equity or credit of ``amount`` to firm i, with private co-investment: capital
    grows by the public and private money, of which ``finance_rd_share`` goes into R&D.
    Private investors add less per public RMB the more public money a real firm gets
    (``co_investment_ratio``, by the amount a year per real firm)."""
    per_firm = 4.0 * amount / S.ent_weight[i]
    ratio = rules.co_investment_ratio(per_firm, P.co_investment, P.co_investment_half_bn)
    raised = amount * (1.0 + ratio)
    S.private_raised[0] += amount * ratio
    S.ent_capital[i] += raised
    S.ent_finance_rd[i] += P.finance_rd_share * raised


@njit(cache=True, error_model="numpy")
def rainforest_plan(S, P, y):
    """The quarter's flow: ``factor_share`` of it pays ``cost_cut`` of screened firms'
    fixed costs (all of them if it can, else the same share of each); the rest is
    finance shared by ``finance_key``, each firm capped."""
    n_ent = S.counts[N_ENT]
    flow = _flow(P.budget, S.ledger, RAINFOREST, y)
    S.startup_finance[0] = 0.0
    if not flow > 0.0:
        return
    screened = np.empty(n_ent, np.int64)  # in id order
    keys = np.empty(n_ent)
    n_screened = 0
    total = 0.0
    need = 0.0
    startups = 0.0
    for i in range(n_ent):
        if S.ent_alive[i] and S.ent_tier[i] == STARTUP_TIER:
            startups += S.ent_weight[i]
        if _screened(S.ent_alive, S.ent_tier, S.ent_own, P.knowledge_screen, i):
            f = S.ent_field[i]
            key = rules.finance_key(
                S.ent_weight[i], S.field_weight[f], S.ent_tier[i], P.startup_priority
            )
            screened[n_screened] = i
            keys[n_screened] = key
            n_screened += 1
            total += key
            need += P.rainforest_cost_cut * P.fixed_cost_bn * S.ent_weight[i]
    vouchers = P.factor_share * flow
    if need > 0.0 and vouchers > 0.0:
        cover = min(1.0, vouchers / need)
        for x in range(n_screened):
            i = screened[x]
            amount = cover * P.rainforest_cost_cut * P.fixed_cost_bn * S.ent_weight[i]
            S.ent_capital[i] += amount
            S.ledger[RAINFOREST, y] += amount
    finance = flow - P.factor_share * flow
    to_startups = 0.0
    if total > 0.0 and finance > 0.0:
        for x in range(n_screened):
            i = screened[x]
            amount = min(P.finance_cap_bn * S.ent_weight[i], finance * keys[x] / total)
            invest(S, P, i, amount)
            S.ledger[RAINFOREST, y] += amount
            if S.ent_tier[i] == STARTUP_TIER:
                to_startups += amount
    if startups > 0.0:
        S.startup_finance[0] = 4.0 * to_startups / startups
