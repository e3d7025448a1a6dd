"""Step 8, indicators: the state's slots in use, handed to ``sim.indicators``."""

from __future__ import annotations

import numpy as np
from rainforest.scenarios.fields import N_CLUSTERS
from rainforest.sim.indicators import (
    NATIONAL_SHARE,
    NATIONAL_SHARE_BY_CLUSTER,
    PRIVATE_FINANCE_BN,
    SHARE_BY_REGION,
    compute_indicators,
)
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


def indicators_step(run, S, P, t, out):
    """Step 8: the tick's indicators into ``out`` (``compute_indicators``, through ``run``,
    a ``sim.engine.entry.Compiled``)."""
    run(compute_indicators, *indicator_inputs(S, P, t, out))
    market_shares(S, P, out)
    out[PRIVATE_FINANCE_BN] = S.private_raised[0]
    S.private_raised[0] = 0.0  # the next quarter raises its own


def market_shares(S, P, out):
    """Shanghai's share of its fields' demand, overall and by cluster, and each competitor
    region's, this quarter (a few numbers: numpy over the field arrays)."""
    demand, sales = S.field_demand, S.field_sales
    total = float(demand.sum())
    out[NATIONAL_SHARE] = float(sales.sum()) / total if total > 0 else 0.0
    for c in range(N_CLUSTERS):
        in_cluster = P.field_cluster == c
        d = float(demand[in_cluster].sum())
        out[NATIONAL_SHARE_BY_CLUSTER + c] = float(sales[in_cluster].sum()) / d if d > 0 else 0.0
    for r in range(len(S.region_sales)):
        out[SHARE_BY_REGION + r] = float(S.region_sales[r]) / total if total > 0 else 0.0


def indicator_inputs(S, P, t, out):
    """``compute_indicators``' arguments: the slots in use, and the masks of consortium
    leaders and running demonstrations. Whole-array numpy: a compiled step that took the
    state would cost a second of compile time more than it saves."""
    n_inst = int(S.counts[N_INST])
    n_ent = int(S.counts[N_ENT])
    n_tal = int(S.counts[N_TAL])
    n_cons = int(S.counts[N_CONS])
    active = S.cons_active[:n_cons]
    leaders = S.cons_leader[:n_cons][active] - n_inst
    leader = np.zeros(n_ent, np.bool_)
    leader[leaders[S.ent_alive[leaders]]] = True  # consortia of firms still alive
    alive = S.ent_alive[:n_ent]
    demo = alive & (S.ent_demo_until[:n_ent] > t)
    n_slots = int(S.counts[N_EDGE_SLOTS])
    return (
        out,
        alive, S.ent_weight[:n_ent], S.ent_revenue[:n_ent], S.ent_field[:n_ent],
        S.ent_trl[:n_ent], S.ent_tier[:n_ent], S.ent_origin[:n_ent], S.ent_knowledge[:n_ent],
        leader, demo,
        S.inst_weight, S.inst_knowledge, S.inst_college, S.inst_center,
        S.edge_a[:n_slots], S.edge_b[:n_slots], S.edge_kind[:n_slots],
        S.tal_present[:n_tal], S.tal_level[:n_tal], S.counts[TALENT_WEIGHT],
        S.counts[INFLOW], S.counts[OUTFLOW],
        int(np.count_nonzero(S.pilot)), int(np.count_nonzero(active)), S.ledger,
        P.field_cluster, P.leading_revenue_bn, P.ecosystem_partners, P.high_tech_knowledge,
    )  # fmt: skip
