"""Step 1, government: the horse race re-weights the fields each year, then the plans act
in order — Foundation, Leading, Hand-in-Hand, Open-Source, Rainforest (``sim/plans/``)."""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim import rules
from rainforest.sim.plans.foundation import foundation_plan
from rainforest.sim.plans.hand_in_hand import hand_in_hand_plan
from rainforest.sim.plans.leading import leading_plan
from rainforest.sim.plans.open_source import open_source_plan
from rainforest.sim.plans.rainforest import rainforest_plan
from rainforest.sim.state import N_ENT


@njit(cache=True, inline="always", error_model="numpy")
def _field_mean_knowledge(S, P):
    """Each field's weighted mean own knowledge of its alive firms (0 without any)."""
    nf = len(P.field_cluster)
    total = np.zeros(nf)
    weight = np.zeros(nf)
    for i in range(S.counts[N_ENT]):
        if S.ent_alive[i]:
            f = S.ent_field[i]
            total[f] += S.ent_weight[i] * S.ent_own[i]
            weight[f] += S.ent_weight[i]
    out = np.zeros(nf)
    for f in range(nf):
        out[f] = total[f] / weight[f] if weight[f] > 0 else 0.0
    return out


@njit(cache=True, inline="always", error_model="numpy")
def _horse_race(S, P):
    """Field weights move towards the fields whose mean knowledge grew most over the
    year (``horse_race_weight``)."""
    now = _field_mean_knowledge(S, P)
    nf = len(now)
    progress = np.zeros(nf)
    total = 0.0
    for f in range(nf):
        before = S.last_field_knowledge[f]
        progress[f] = max(0.0, now[f] / before - 1.0) if before > 0 else 0.0
        total += progress[f]
    for f in range(nf):
        S.field_weight[f] = rules.horse_race_weight(
            S.field_weight[f], progress[f], total, P.horse_race_rate
        )


@njit(cache=True, error_model="numpy")
def government_step(S, P, seed, t, ptr, nbr, slot):
    """Step 1. ``ptr, nbr, slot``: the adjacency at the start of the tick (read only by
    the annual center designations)."""
    y = t // 4
    annual = t % 4 == 0
    if annual and t >= 4 and P.horse_race:
        _horse_race(S, P)
    if annual:
        S.last_field_knowledge[:] = _field_mean_knowledge(S, P)
    foundation_plan(S, P, t, y, annual, ptr, nbr, slot)
    leading_plan(S, P, y, annual)
    if annual:
        hand_in_hand_plan(S, P, seed, t, y)
    open_source_plan(S, P, t, y, annual)
    rainforest_plan(S, P, y)
