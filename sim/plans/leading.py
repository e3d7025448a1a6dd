"""The Leading plan: pilot areas (district × cluster) designated each year, and the
quarterly subsidy shared among the firms in them."""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim.common import _flow, _in_pilot, _left, _n_true2
from rainforest.sim.plan_ids import LEADING
from rainforest.sim.state import N_ENT


@njit(cache=True, inline="always", error_model="numpy")
def _next_pilot(S, P, n_ent):
    """The area to make a pilot: the undesignated (district, cluster) with the most
    weighted knowledge of its alive firms, as ``district * 5 + cluster``; -1 if none has
    any."""
    score = np.zeros(S.pilot.shape)
    for i in range(n_ent):
        if S.ent_alive[i]:
            f = S.ent_field[i]
            score[S.ent_district[i], P.field_cluster[f]] += S.ent_weight[i] * S.ent_own[i]
    best, best_s = -1, 0.0
    for d in range(S.pilot.shape[0]):
        for c in range(5):
            if not S.pilot[d, c] and score[d, c] > best_s:
                best, best_s = d * 5 + c, score[d, c]
    return best


@njit(cache=True, inline="always", error_model="numpy")
def leading_plan(S, P, y, annual):
    """Each year, pilots up to the year's target while the budget lasts; each quarter,
    the flow shared among the firms in pilot areas by weight, each capped."""
    n_ent = S.counts[N_ENT]
    if annual:
        target = P.pilots_target[y]
        while (
            _n_true2(S.pilot) < target
            and _left(P.budget, S.ledger, LEADING, y) >= P.pilot_area_cost_bn
        ):
            best = _next_pilot(S, P, n_ent)
            if best < 0:
                break
            S.pilot[best // 5, best % 5] = True
            S.ledger[LEADING, y] += P.pilot_area_cost_bn
    flow = _flow(P.budget, S.ledger, LEADING, y)
    if flow > 0.0:
        in_area = np.empty(n_ent, np.int64)  # firms in pilot areas, id order
        n_area = 0
        total = 0.0
        for i in range(n_ent):
            if S.ent_alive[i] and _in_pilot(
                S.pilot, S.ent_district, S.ent_field, P.field_cluster, i
            ):
                in_area[n_area] = i
                n_area += 1
                total += S.ent_weight[i]
        for x in range(n_area):
            i = in_area[x]
            w = S.ent_weight[i]
            amount = min(P.subsidy_cap_bn * w, flow * w / total)
            S.ent_capital[i] += amount
            S.ledger[LEADING, y] += amount
