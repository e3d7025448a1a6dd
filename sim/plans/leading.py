"""The Leading plan: pilot areas (district × cluster) designated each year and kept
running while their running costs are paid; each quarter its flow pays cost vouchers
and R&D subsidies to the firms in working pilot areas."""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim import rules
from rainforest.sim.common import (
    _by_designation,
    _flow,
    _left,
    _n_true2,
    _pilot_level,
    rd_grant,
)
from rainforest.sim.kinds import SELLING_TRL
from rainforest.sim.plan_ids import LEADING
from rainforest.sim.state import N_ENT


@njit(cache=True, inline="always", error_model="numpy")
def _next_pilot(S, P, n_ent):
    """The area to make a pilot: among the undesignated (district, cluster) areas that
    meet the readiness gates, the one with the most weighted knowledge of its alive firms,
    steered by the fields' support (field weight over field share, 1 under fixed
    allocation), as ``district * 5 + cluster``; -1 if none is ready.

    The gates (``pilot_ready``) count real firms (weights) and read mean knowledge, so an
    area is ready or not whatever the scale: enough firms of the cluster, enough of them
    selling, and knowledgeable enough on average."""
    score = np.zeros(S.pilot.shape)
    firms = np.zeros(S.pilot.shape)
    sellers = np.zeros(S.pilot.shape)
    knowledge = np.zeros(S.pilot.shape)
    for i in range(n_ent):
        if S.ent_alive[i]:
            f = S.ent_field[i]
            d, c, w = S.ent_district[i], P.field_cluster[f], S.ent_weight[i]
            steer = S.field_weight[f] / P.field_share[f]
            score[d, c] += w * S.ent_own[i] * steer
            firms[d, c] += w
            knowledge[d, c] += w * S.ent_own[i]
            if S.ent_trl[i] >= SELLING_TRL:
                sellers[d, c] += w
    best, best_s = -1, 0.0
    for d in range(S.pilot.shape[0]):
        for c in range(5):
            if S.pilot[d, c] or not score[d, c] > best_s:
                continue
            if rules.pilot_ready(
                firms[d, c], sellers[d, c], knowledge[d, c], P.pilot_min_firms,
                P.pilot_min_sellers, P.pilot_min_knowledge,
            ):  # fmt: skip
                best, best_s = d * 5 + c, score[d, c]
    return best


@njit(cache=True, inline="always", error_model="numpy")
def _pay_pilot_running_costs(S, P, y):
    """Each designated area's running cost for the year, in order of designation (then
    area), while the budget lasts; an area not paid for stops working this year."""
    n_c = S.pilot.shape[1]
    for a in _by_designation(S.pilot.ravel(), S.pilot_since.ravel()):
        d, c = a // n_c, a % n_c
        paid = _left(P.budget, S.ledger, LEADING, y) >= P.pilot_running_bn
        S.pilot_paid[d, c] = paid
        if paid:
            S.ledger[LEADING, y] += P.pilot_running_bn


@njit(cache=True, error_model="numpy")
def leading_plan(S, P, t, y, annual):
    """Each year, running costs, then pilots up to the year's target while the budget
    lasts and areas meet the readiness gates; each quarter, the areas' build-up, then the
    flow: ``cost_cut`` of the fixed costs of firms in working areas (all if it can, else
    the same share of each), the rest as R&D subsidies shared by weight (no cap: a larger
    subsidy buys less additional R&D, ``rd_grant``)."""
    n_ent = S.counts[N_ENT]
    if annual:
        _pay_pilot_running_costs(S, P, y)
        target = P.pilots_target[y]
        while (
            _n_true2(S.pilot) < target
            and _left(P.budget, S.ledger, LEADING, y) >= P.pilot_area_cost_bn
        ):
            best = _next_pilot(S, P, n_ent)
            if best < 0:
                break
            S.pilot[best // 5, best % 5] = True
            S.pilot_since[best // 5, best % 5] = t
            S.pilot_paid[best // 5, best % 5] = True  # its first year is in its cost
            S.ledger[LEADING, y] += P.pilot_area_cost_bn
    for d in range(S.pilot.shape[0]):
        for c in range(5):
            working = S.pilot[d, c] and S.pilot_paid[d, c]
            S.pilot_level[d, c] = (
                rules.build_up(t - S.pilot_since[d, c], P.build_up_quarters) if working else 0.0
            )
    flow = _flow(P.budget, S.ledger, LEADING, y)
    if not flow > 0.0:
        return
    in_area = np.empty(n_ent, np.int64)  # firms in working pilot areas, id order
    n_area = 0
    total = 0.0
    need = 0.0
    for i in range(n_ent):
        if (
            S.ent_alive[i]
            and _pilot_level(S.pilot_level, S.ent_district, S.ent_field, P.field_cluster, i) > 0.0
        ):
            in_area[n_area] = i
            n_area += 1
            total += S.ent_weight[i]
            need += P.leading_cost_cut * P.fixed_cost_bn * S.ent_weight[i]
    if n_area == 0:
        return
    cover = min(1.0, flow / need) if need > 0.0 else 0.0
    spent = 0.0
    for x in range(n_area):
        i = in_area[x]
        amount = cover * P.leading_cost_cut * P.fixed_cost_bn * S.ent_weight[i]
        S.ent_capital[i] += amount
        spent += amount
    S.ledger[LEADING, y] += spent
    rest = flow - spent
    if rest > 0.0:
        for x in range(n_area):
            i = in_area[x]
            amount = rest * S.ent_weight[i] / total
            rd_grant(S, P, i, amount, False)
            S.ledger[LEADING, y] += amount
