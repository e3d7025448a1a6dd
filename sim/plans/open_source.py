"""The Open-Source plan: demonstration projects each year for firms at TRL 5–7, ranked
by knowledge in weighted fields. A project pays an R&D grant and buys the firm's product
as first customer for its duration (procurement the firm books as revenue); the
projects running in a field raise its Bass innovation coefficient in proportion to the
money they spend there against the field's market."""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim.common import _budget, _left, _stable_desc, rd_grant
from rainforest.sim.plan_ids import OPEN_SOURCE
from rainforest.sim.state import N_ENT


@njit(cache=True, inline="always", error_model="numpy")
def _demo_eligible(ent_alive, ent_trl, ent_demo_until, t, i):
    """Enterprise i may get a demonstration grant: alive, at TRL 5–7, none running.
    (Arrays, not the state: given the state, this short-circuit ``and`` kept a reference
    count on each of the state's 72 arrays at every call, 0.4 µs, in a loop over all
    firms.)"""
    return ent_alive[i] and 5 <= ent_trl[i] <= 7 and not ent_demo_until[i] > t


@njit(cache=True, inline="always", error_model="numpy")
def demo_cost_bn(P):
    """What one demonstration project costs per real firm: its grant and its
    procurement over its quarters."""
    return P.demo_grant_bn + P.demo_procurement_bn * P.demo_quarters / 4.0


@njit(cache=True, inline="always", error_model="numpy")
def demo_procurement(P, weight):
    """The quarter's first-customer purchases from a demonstrating agent (RMB bn)."""
    return P.demo_procurement_bn * weight / 4.0


@njit(cache=True, inline="always", error_model="numpy")
def demo_bass_p(bass_p, spend_bn_a_year, potential_bn, effect):
    """A field's Bass p with demonstrations spending ``spend_bn_a_year`` in it: raised by
    ``effect`` times that spending over the field's market potential (no cap: the
    effect grows with the money, and the money is bounded by the budget)."""
    return bass_p + effect * spend_bn_a_year / potential_bn


@njit(cache=True, error_model="numpy")
def open_source_plan(S, P, t, y, annual):
    """Each year, projects by descending own knowledge × field weight (ties in id
    order), each firm's if the budget left covers its whole cost; each quarter, every
    field's Bass p from the running projects' spending."""
    n_ent = S.counts[N_ENT]
    if annual and _budget(P.budget, OPEN_SOURCE, y) > 0.0:
        eligible = np.empty(n_ent, np.int64)
        n_el = 0
        for i in range(n_ent):
            if _demo_eligible(S.ent_alive, S.ent_trl, S.ent_demo_until, t, i):
                eligible[n_el] = i
                n_el += 1
        scores = np.empty(n_el)
        for x in range(n_el):
            i = eligible[x]
            f = S.ent_field[i]
            scores[x] = S.ent_own[i] * S.field_weight[f]
        per_firm = demo_cost_bn(P)
        for x in _stable_desc(scores):
            i = eligible[x]
            cost = per_firm * S.ent_weight[i]
            if _left(P.budget, S.ledger, OPEN_SOURCE, y) < cost:
                continue
            grant = P.demo_grant_bn * S.ent_weight[i]
            rd_grant(S, P, i, grant, False)
            S.ent_demo_until[i] = t + P.demo_quarters
            S.ledger[OPEN_SOURCE, y] += cost
    spend = np.zeros(len(S.bass_p))
    per_year = demo_cost_bn(P) * 4.0 / P.demo_quarters
    for i in range(n_ent):
        if S.ent_alive[i] and S.ent_demo_until[i] > t:
            spend[S.ent_field[i]] += S.ent_weight[i] * per_year
    for f in range(len(spend)):
        S.bass_p[f] = demo_bass_p(P.bass_p, spend[f], P.potential[f], P.demo_adoption_effect)
