"""Step 8, indicators: the state's slots in use, handed to ``sim.indicators``."""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim.common import _n_true2
from rainforest.sim.indicators import compute_indicators
from rainforest.sim.state import (
    INFLOW,
    N_CONS,
    N_EDGE_SLOTS,
    N_ENT,
    N_INST,
    N_TAL,
    OUTFLOW,
    TALENT_WEIGHT,
)


@njit(cache=True, error_model="numpy")
def indicators_step(S, P, t, out):
    """Step 8: the tick's indicators into ``out`` (``compute_indicators``)."""
    n_inst = S.counts[N_INST]
    n_ent = S.counts[N_ENT]
    n_tal = S.counts[N_TAL]
    leader = np.zeros(n_ent, np.bool_)
    for k in range(S.counts[N_CONS]):
        if S.cons_active[k]:
            i = S.cons_leader[k] - n_inst
            if S.ent_alive[i]:
                leader[i] = True
    demo = np.zeros(n_ent, np.bool_)
    for i in range(n_ent):
        demo[i] = S.ent_alive[i] and S.ent_demo_until[i] > t
    n_slots = S.counts[N_EDGE_SLOTS]
    # as int64: a count returned by an inlined loop can be typed as the literal 0 it starts
    # from, which would compile compute_indicators once more for each such typing
    n_pilots = np.int64(_n_true2(S.pilot))
    n_consortia = np.int64(_n_active(S))
    compute_indicators(
        out,
        S.ent_alive[:n_ent], S.ent_weight[:n_ent], S.ent_revenue[:n_ent], S.ent_field[:n_ent],
        S.ent_trl[:n_ent], S.ent_tier[:n_ent], S.ent_origin[:n_ent], S.ent_knowledge[:n_ent],
        leader, demo,
        S.inst_weight, S.inst_knowledge, S.inst_college, S.inst_center,
        S.edge_a[:n_slots], S.edge_b[:n_slots], S.edge_kind[:n_slots],
        S.tal_present[:n_tal], S.tal_level[:n_tal], S.counts[TALENT_WEIGHT],
        S.counts[INFLOW], S.counts[OUTFLOW],
        n_pilots, n_consortia, S.ledger,
        P.field_cluster, P.leading_revenue_bn, P.ecosystem_partners, P.high_tech_knowledge,
    )  # fmt: skip


@njit(cache=True, inline="always", error_model="numpy")
def _n_active(S):
    """Active consortia."""
    n = 0
    for k in range(S.counts[N_CONS]):
        if S.cons_active[k]:
            n += 1
    return n
