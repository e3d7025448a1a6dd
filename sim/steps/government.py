"""Step 1, government: the horse race re-weights the fields each year by their traction,
then the plans act in order — Foundation, Leading, Hand-in-Hand, Open-Source, Rainforest
(``sim/plans/``)."""

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
def _field_trl_and_revenue(S, P):
    """Each field's mean TRL over its alive real firms and their summed revenue."""
    nf = len(P.field_cluster)
    trl = np.zeros(nf)
    weight = np.zeros(nf)
    revenue = np.zeros(nf)
    for i in range(S.counts[N_ENT]):
        if S.ent_alive[i]:
            f = S.ent_field[i]
            trl[f] += S.ent_weight[i] * S.ent_trl[i]
            weight[f] += S.ent_weight[i]
            revenue[f] += S.ent_revenue[i]
    for f in range(nf):
        trl[f] = trl[f] / weight[f] if weight[f] > 0 else 0.0
    return trl, revenue


@njit(cache=True, inline="always", error_model="numpy")
def _horse_race(S, P, trl, revenue):
    """Field weights move towards the fields with traction: over the year, the rise of
    their mean TRL plus the growth of their revenue, weighted by their market potential
    (field share) and smoothed over the years (``traction``)."""
    nf = len(trl)
    progress = np.zeros(nf)
    total = 0.0
    for f in range(nf):
        gain = max(0.0, trl[f] - S.last_field_trl[f])
        before = S.last_field_revenue[f]
        if before > 0.0:
            gain += max(0.0, revenue[f] / before - 1.0)
        S.traction[f] = 0.5 * S.traction[f] + 0.5 * gain * P.field_share[f] * nf
        progress[f] = S.traction[f]
        total += progress[f]
    for f in range(nf):
        S.field_weight[f] = rules.horse_race_weight(
            S.field_weight[f], progress[f], total, P.horse_race_rate
        )


@njit(cache=True, error_model="numpy")
def horse_race_step(S, P, t):
    """The year's field means: under the horse race, the field weights move by traction
    (from the second year on); the means are kept for next year's traction."""
    trl, revenue = _field_trl_and_revenue(S, P)
    if t >= 4 and P.horse_race:
        _horse_race(S, P, trl, revenue)
    for f in range(len(trl)):  # a loop, not a slice assignment, which compiles slower
        S.last_field_trl[f] = trl[f]
        S.last_field_revenue[f] = revenue[f]


def government_step(run, S, P, seed, t, ptr, nbr, slot):
    """Step 1, through ``run`` (a ``sim.engine.entry.Compiled``): each plan is compiled on its
    own. ``ptr, nbr, slot``: the adjacency at the start of the tick (read only by the
    annual center designations)."""
    y = t // 4
    annual = t % 4 == 0
    if annual:
        run(horse_race_step, S, P, t)
    run(foundation_plan, S, P, t, y, annual, ptr, nbr, slot)
    run(leading_plan, S, P, t, y, annual)
    if annual:
        run(hand_in_hand_plan, S, P, seed, t, y)
    run(open_source_plan, S, P, t, y, annual)
    run(rainforest_plan, S, P, y)
