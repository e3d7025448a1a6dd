"""The Rainforest plan: patient finance each quarter for screened firms, shared by
finance key; its screen also decides who gets its cost cut (market step) and its grace
before exit (demography step)."""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim import rules
from rainforest.sim.common import _flow
from rainforest.sim.plan_ids import RAINFOREST
from rainforest.sim.state import N_ENT


@njit(cache=True, inline="always", error_model="numpy")
def _screened(ent_alive, ent_tier, ent_own, screen, i):
    """Alive, not a leading firm, and past Rainforest's knowledge screen."""
    return ent_alive[i] and ent_tier[i] != 0 and ent_own[i] >= screen


@njit(cache=True, inline="always", error_model="numpy")
def founding_finance_boost(P, y):
    """The boost to talents' founding rate in year y: the plan's finance is there while it
    has a budget."""
    return P.founding_boost if P.budget[RAINFOREST, y] > 0.0 else 0.0


@njit(cache=True, inline="always", error_model="numpy")
def rainforest_plan(S, P, y):
    """The quarter's flow shared among screened firms by ``finance_key``, each capped."""
    n_ent = S.counts[N_ENT]
    flow = _flow(P.budget, S.ledger, RAINFOREST, y)
    if flow > 0.0:
        screened = np.empty(n_ent, np.int64)  # in id order
        keys = np.empty(n_ent)
        n_screened = 0
        total = 0.0
        for i in range(n_ent):
            if _screened(S.ent_alive, S.ent_tier, S.ent_own, P.knowledge_screen, i):
                f = S.ent_field[i]
                key = rules.finance_key(
                    S.ent_weight[i], S.field_weight[f], S.ent_tier[i], P.startup_priority
                )
                screened[n_screened] = i
                keys[n_screened] = key
                n_screened += 1
                total += key
        if total > 0.0:
            for x in range(n_screened):
                i = screened[x]
                amount = min(P.finance_cap_bn * S.ent_weight[i], flow * keys[x] / total)
                S.ent_capital[i] += amount
                S.ledger[RAINFOREST, y] += amount
