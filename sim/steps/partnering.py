"""Step 4, partnering: searches for new partners, then the decay of every tie."""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim import rng, rules
from rainforest.sim.common import (
    _cluster,
    _cluster_lists,
    _cumulative_weights,
    _knowledge,
    _pick_in,
    _pilot_level,
    pick_neighbour,
)
from rainforest.sim.edges import _edges, drop_edge_slot
from rainforest.sim.kinds import FREED, PARTNERSHIP
from rainforest.sim.state import N_EDGE_SLOTS, N_ENT, N_INST, set_edge


@njit(cache=True, inline="always", error_model="numpy")
def _mutual_partner(inst_knowledge, ent_knowledge, n_inst, half, threshold, o, cand, n_cand):
    """The candidate organisation o proposes to: the one it finds most attractive
    (``partner_attraction``, first of equals), if that attraction and the candidate's
    back both reach the threshold; -1 otherwise. It takes arrays and numbers, not the
    state and parameter tuples, which cost time in the per-organisation loop."""
    best, best_a = -1, -np.inf
    k_self = _knowledge(inst_knowledge, ent_knowledge, n_inst, o)
    for x in range(n_cand):
        cnd = cand[x]
        if cnd == o:
            continue
        a = rules.partner_attraction(
            k_self, _knowledge(inst_knowledge, ent_knowledge, n_inst, cnd), half
        )
        if a > best_a:
            best, best_a = cnd, a
    if best < 0 or best_a < threshold:
        return -1
    back = rules.partner_attraction(
        _knowledge(inst_knowledge, ent_knowledge, n_inst, best), k_self, half
    )
    if back >= threshold:
        return best
    return -1


@njit(cache=True, error_model="numpy")
def partnering_step(S, P, seed, t, ptr, nbr, tie_cum):
    """Step 4: searching organisations draw candidates (a partner's partner, a firm of
    their working pilot area and one of their cluster, each drawn in proportion to the
    real firms an agent stands for, an institute of their cluster) and propose a
    partnership to the most attractive one if the attraction is mutual; new ties are made
    after every search, then every tie decays and weak partnerships end."""
    n_inst = S.counts[N_INST]
    n_ent = S.counts[N_ENT]
    n_org = n_inst + n_ent
    cl_ptr, cl_org = _cluster_lists(S, P, n_inst, n_ent)
    cl_cum = _cumulative_weights(cl_ptr, cl_org, S.ent_weight, n_inst)
    # firms in working pilot areas: (district, cluster) -> alive firms in id order
    in_area = np.zeros(n_ent, np.bool_)
    for i in range(n_ent):
        in_area[i] = S.ent_alive[i] and (
            _pilot_level(S.pilot_level, S.ent_district, S.ent_field, P.field_cluster, i) > 0.0
        )
    n_areas = S.pilot.shape[0] * 5
    pa_ptr = np.zeros(n_areas + 1, np.int64)
    for i in range(n_ent):
        if in_area[i]:
            pa_ptr[S.ent_district[i] * 5 + P.field_cluster[S.ent_field[i]] + 1] += 1
    for a in range(n_areas):
        pa_ptr[a + 1] += pa_ptr[a]
    fill = pa_ptr[:-1].copy()
    pa_org = np.empty(pa_ptr[n_areas], np.int64)
    for i in range(n_ent):
        if in_area[i]:
            area = S.ent_district[i] * 5 + P.field_cluster[S.ent_field[i]]
            pa_org[fill[area]] = n_inst + i
            fill[area] += 1
    pa_cum = _cumulative_weights(pa_ptr, pa_org, S.ent_weight, n_inst)
    inst_ptr = np.zeros(6, np.int64)
    for j in range(n_inst):
        inst_ptr[S.inst_cluster[j] + 1] += 1
    for c in range(5):
        inst_ptr[c + 1] += inst_ptr[c]
    fill = inst_ptr[:-1].copy()
    inst_org = np.empty(n_inst, np.int64)
    for j in range(n_inst):
        c = S.inst_cluster[j]
        inst_org[fill[c]] = j
        fill[c] += 1

    prop_a = np.empty(n_org, np.int64)
    prop_b = np.empty(n_org, np.int64)
    n_prop = 0
    cand = np.empty(4, np.int64)
    key_search = rng.stream_key(seed, t, rng.PARTNER_SEARCH)
    key_cand = rng.stream_key(seed, t, rng.PARTNER_CANDIDATE)
    for o in range(n_org):
        is_ent = o >= n_inst
        if is_ent and not S.ent_alive[o - n_inst]:
            continue
        rate = P.firm_search if is_ent else P.institute_search
        if not rng.keyed_uniform(key_search, o, rng.ONE_DRAW) < rate:
            continue
        n_cand = 0
        w_o = S.inst_weight[o] if o < n_inst else S.ent_weight[o - n_inst]
        u = rng.keyed_uniform(key_cand, o, rng.VIA_PARTNER)
        j = pick_neighbour(ptr, nbr, tie_cum, o, w_o, u)
        if j >= 0:
            w_j = S.inst_weight[j] if j < n_inst else S.ent_weight[j - n_inst]
            u = rng.keyed_uniform(key_cand, o, rng.PARTNERS_PARTNER)
            j2 = pick_neighbour(ptr, nbr, tie_cum, j, w_j, u)
            if j2 >= 0:
                cand[n_cand] = j2
                n_cand += 1
        c = _cluster(S.inst_cluster, S.ent_field, P.field_cluster, S.counts[N_INST], o)
        if is_ent and in_area[o - n_inst]:
            i = o - n_inst
            area = S.ent_district[i] * 5 + c
            u = rng.keyed_uniform(key_cand, o, rng.IN_PILOT_AREA)
            x = _pick_in(pa_cum, pa_ptr[area], pa_ptr[area + 1], u)
            cand[n_cand] = pa_org[x]
            n_cand += 1
        x = _pick_in(
            cl_cum, cl_ptr[c], cl_ptr[c + 1], rng.keyed_uniform(key_cand, o, rng.IN_CLUSTER)
        )
        if x >= 0:
            cand[n_cand] = cl_org[x]
            n_cand += 1
        n_pool = inst_ptr[c + 1] - inst_ptr[c]
        if n_pool > 0:
            cand[n_cand] = inst_org[
                inst_ptr[c] + rng.keyed_index(key_cand, o, rng.CLUSTER_INSTITUTE, n_pool)
            ]
            n_cand += 1
        best = _mutual_partner(
            S.inst_knowledge, S.ent_knowledge, S.counts[N_INST], P.absorptive_half,
            P.attraction_threshold, o, cand, n_cand,
        )  # fmt: skip
        if best >= 0:
            prop_a[n_prop] = o
            prop_b[n_prop] = best
            n_prop += 1
    edges = _edges(S)
    for x in range(n_prop):
        o = prop_a[x]  # the searcher: its agent's real firms each find a partner
        searcher = S.inst_weight[o] if o < n_inst else S.ent_weight[o - n_inst]
        e = set_edge(edges, o, prop_b[x], PARTNERSHIP, 1.0, t)
        if S.edge_kind[e] == PARTNERSHIP:
            S.edge_ties[e] = searcher if S.edge_start[e] == t else max(S.edge_ties[e], searcher)
    for e in range(S.counts[N_EDGE_SLOTS]):
        kind = S.edge_kind[e]
        if kind == FREED:
            continue
        S.edge_strength[e] = rules.edge_decay(
            S.edge_strength[e], kind, P.partnership_decay, P.consortium_decay
        )
        if kind == PARTNERSHIP and S.edge_strength[e] < P.min_edge_strength:
            drop_edge_slot(S.edge_index, S.edge_a, S.edge_b, S.edge_kind, S.counts, e)
