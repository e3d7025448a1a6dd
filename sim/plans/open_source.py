"""The Open-Source plan: demonstration grants each year for firms at TRL 5–7, ranked by
knowledge in weighted fields, and the Bass innovation coefficient their demonstrations
raise in their fields."""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim.common import _budget, _left, _stable_desc
from rainforest.sim.plan_ids import OPEN_SOURCE
from rainforest.sim.state import N_ENT


@njit(cache=True, inline="always", error_model="numpy")
def _demo_eligible(S, t, i):
    """Enterprise i may get a demonstration grant: alive, at TRL 5–7, none running."""
    return S.ent_alive[i] and 5 <= S.ent_trl[i] <= 7 and not S.ent_demo_until[i] > t


@njit(cache=True, inline="always", error_model="numpy")
def open_source_plan(S, P, t, y, annual):
    """Each year, grants by descending own knowledge × field weight (ties in id order),
    each firm's if the budget left covers it; each quarter, every field's Bass p is its
    base plus the running demonstrations' boost, capped."""
    n_ent = S.counts[N_ENT]
    if annual and _budget(P.budget, OPEN_SOURCE, y) > 0.0:
        eligible = np.empty(n_ent, np.int64)
        n_el = 0
        for i in range(n_ent):
            if _demo_eligible(S, t, i):
                eligible[n_el] = i
                n_el += 1
        scores = np.empty(n_el)
        for x in range(n_el):
            i = eligible[x]
            f = S.ent_field[i]
            scores[x] = S.ent_own[i] * S.field_weight[f]
        for x in _stable_desc(scores):
            i = eligible[x]
            cost = P.demo_grant_bn * S.ent_weight[i]
            if _left(P.budget, S.ledger, OPEN_SOURCE, y) < cost:
                continue
            S.ent_capital[i] += cost
            S.ent_demo_until[i] = t + P.demo_quarters
            S.ledger[OPEN_SOURCE, y] += cost
    boost = np.zeros(len(S.bass_p))
    for i in range(n_ent):
        if S.ent_alive[i] and S.ent_demo_until[i] > t:
            boost[S.ent_field[i]] += S.ent_weight[i] * P.demo_bass_p_boost
    for f in range(len(boost)):
        S.bass_p[f] = max(P.bass_p, min(P.bass_p_cap, P.bass_p + boost[f]))
