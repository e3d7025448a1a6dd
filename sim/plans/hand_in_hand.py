"""The Hand-in-Hand plan: leading firms drawn into the future fields, and calls for
consortia — a leading firm, the firms it ranks highest as partners and its cluster's
best institute — funded by proposal score while the budget and the calls last."""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from rainforest.scenarios.fields import N_DISTRICTS
from rainforest.sim import rng, rules
from rainforest.sim.common import (
    _budget,
    _by_cluster,
    _left,
    _new_enterprise,
    _pick_weighted,
    _stable_desc,
    _top_desc,
    rd_grant,
)
from rainforest.sim.edges import _edges
from rainforest.sim.kinds import CONSORTIUM, ENTRANT, LEADING_TIER, PARTNERSHIP
from rainforest.sim.plan_ids import HAND_IN_HAND
from rainforest.sim.state import KEY, N_CONS, N_ENT, N_INST, set_edge


@njit(cache=True, inline="always", error_model="numpy")
def add_entrant(S, P, seed, t):
    """An established leading firm drawn into a future field (Hand-in-Hand)."""
    n_inst = S.counts[N_INST]
    org = n_inst + S.counts[N_ENT]
    u_field = rng.uniform(seed, t, org, rng.LEADER_ENTRY, rng.ENTRANT_FIELD)
    field = _pick_weighted(S.field_weight, u_field)
    district = rng.index(seed, t, org, rng.LEADER_ENTRY, rng.ENTRANT_DISTRICT, N_DISTRICTS)
    own = 4.0 * math.exp(0.3 * rng.normal(seed, t, org, rng.LEADER_ENTRY, rng.ENTRANT_KNOWLEDGE))
    i = _new_enterprise(
        S,
        P,
        field,
        LEADING_TIER,
        1,
        district,
        P.field_start_trl[field],
        3.0,
        1.2 * P.legacy_cover * P.fixed_cost_bn,
        ENTRANT,
    )  # fmt: skip  (a leading firm stands for itself: weight 1)
    for f in range(len(P.field_cluster)):
        if f == field:
            S.ent_knowledge[i, f] = own
        elif P.field_cluster[f] == P.field_cluster[field]:
            S.ent_knowledge[i, f] = 0.3 * own
        else:
            S.ent_knowledge[i, f] = 0.0
    S.ent_own[i] = own


@njit(cache=True, inline="always", error_model="numpy")
def _close_ended_consortia(S, t, n_inst):
    """Consortia whose term is over end: their ties fall back to partnerships and their
    firms are free to join another."""
    for k in range(S.counts[N_CONS]):
        if S.cons_active[k] and S.cons_end[k] <= t:
            S.cons_active[k] = False
            leader = S.cons_leader[k]
            for x in range(S.cons_n_members[k] + 1):
                other = S.cons_members[k, x] if x < S.cons_n_members[k] else S.cons_institute[k]
                if other < 0:
                    continue
                key = min(leader, other) * KEY + max(leader, other)
                if key in S.edge_index:
                    e = S.edge_index[key]
                    if S.edge_kind[e] == CONSORTIUM:
                        S.edge_kind[e] = PARTNERSHIP
            for x in range(S.cons_n_members[k] + 1):
                fid = leader if x == 0 else S.cons_members[k, x - 1]
                i = fid - n_inst
                if S.ent_consortium[i] == k:
                    S.ent_consortium[i] = -1


@njit(cache=True, inline="always", error_model="numpy")
def _free_member_pools(S, P, n_ent):
    """Firms free to join a consortium (alive, not leading, in none), by cluster in id
    order: cluster c's are ``pool[pool_ptr[c]:pool_ptr[c + 1]]`` (enterprise slots)."""
    free = np.empty(n_ent, np.bool_)
    for i in range(n_ent):
        free[i] = S.ent_alive[i] and S.ent_tier[i] != LEADING_TIER and S.ent_consortium[i] < 0
    return _by_cluster(P.field_cluster, S.ent_field, free, 0)


@njit(cache=True, inline="always", error_model="numpy")
def _proposal(S, P, n_inst, li, members, size, k_member, row):
    """Leading firm li's consortium proposal: its ``size`` most attractive partners among
    its cluster's free firms ``members`` (by ``partner_attraction`` from the leader's
    knowledge, ties in id order), written as organisation ids into ``row``, and its
    cluster's institute most knowledgeable in the leader's field. Returns (number of
    partners, institute or -1, score); the score, which ranks proposals, is the knowledge
    in the leader's field of the leader, its partners and the institute, steered by the
    field's support (field weight over field share, 1 under fixed allocation).

    ``k_member`` is a buffer for a member's knowledge row: a copy, not a slice (see
    knowledge_step).
    """
    ent_knowledge = S.ent_knowledge
    nf = ent_knowledge.shape[1]
    f = S.ent_field[li]
    c = P.field_cluster[f]
    scores = np.empty(len(members))
    k_leader = ent_knowledge[li]
    for x in range(len(members)):
        m = members[x]
        for g in range(nf):
            k_member[g] = ent_knowledge[m, g]
        scores[x] = rules.partner_attraction(k_leader, k_member, P.absorptive_half)
    top = _top_desc(scores, size)
    n_m = len(top)
    for x in range(n_m):
        row[x] = n_inst + members[top[x]]
    inst_id, inst_k = -1, -np.inf
    for j in range(n_inst):
        if S.inst_cluster[j] == c and S.inst_knowledge[j, f] > inst_k:
            inst_id, inst_k = j, S.inst_knowledge[j, f]
    score = S.ent_own[li]
    for x in range(n_m):
        score += S.ent_knowledge[row[x] - n_inst, f]
    if inst_id >= 0:
        score += inst_k
    return n_m, inst_id, score * S.field_weight[f] / P.field_share[f]


@njit(cache=True, inline="always", error_model="numpy")
def _form_consortium(S, P, t, leader, partners, n_partners, institute, taken):
    """A funded proposal becomes consortium ``counts[N_CONS]``: its partners not already
    taken by a better-ranked one join; the grant is shared equally among its firms' seats
    (one real firm each: it funds the seat's R&D, see ``agent_knowledge_gain``), and the
    leader gets a consortium tie to each member and to the institute."""
    n_inst = S.counts[N_INST]
    k = S.counts[N_CONS]
    n_m = 0
    for z in range(n_partners):
        m = partners[z]
        if not taken[m]:
            S.cons_members[k, n_m] = m
            n_m += 1
    for z in range(n_m):
        taken[S.cons_members[k, z]] = True
    S.cons_leader[k] = leader
    S.cons_n_members[k] = n_m
    S.cons_institute[k] = institute
    S.cons_end[k] = t + P.consortium_quarters
    S.cons_active[k] = True
    S.counts[N_CONS] += 1
    share = P.consortium_grant_bn / (1 + n_m)
    for z in range(n_m + 1):
        fid = leader if z == 0 else S.cons_members[k, z - 1]
        S.ent_consortium[fid - n_inst] = k
        rd_grant(S, P, fid - n_inst, share, True)
    for z in range(n_m + 1):
        other = S.cons_members[k, z] if z < n_m else institute
        if other >= 0:
            S.edge_ties[set_edge(_edges(S), leader, other, CONSORTIUM, 1.0, t)] = 1.0  # one seat


@njit(cache=True, error_model="numpy")
def hand_in_hand_plan(S, P, seed, t, y):
    """Once a year: ended consortia close; entrants come, as many as their share of the
    budget buys on average (the fraction by a draw) while money is left; every free
    leading firm with a partner to propose proposes a consortium, and the best proposals
    are funded while the rest of the budget pays for them: the number funded is limited
    by money and eligible proposals, not by a quota, and each further one is weaker."""
    n_inst = S.counts[N_INST]
    _close_ended_consortia(S, t, n_inst)
    if not _budget(P.budget, HAND_IN_HAND, y) > 0.0:
        return
    n_entry = rng.stochastic_round(
        _budget(P.budget, HAND_IN_HAND, y) * P.leader_entry_share / P.leader_entry_cost_bn,
        seed,
        t,
        rng.ONE_DRAW,
        rng.ENTRY_COUNT,
    )
    for _ in range(n_entry):
        if _left(P.budget, S.ledger, HAND_IN_HAND, y) < P.leader_entry_cost_bn:
            break
        add_entrant(S, P, seed, t)
        S.ledger[HAND_IN_HAND, y] += P.leader_entry_cost_bn
    n_calls = int(math.floor(_left(P.budget, S.ledger, HAND_IN_HAND, y) / P.consortium_grant_bn))
    if n_calls <= 0:
        return
    n_ent = S.counts[N_ENT]
    size = max(0, P.consortium_size - 2)
    prop_leader = np.empty(n_ent, np.int64)
    prop_members = np.full((n_ent, max(1, size)), -1, np.int64)
    prop_n = np.zeros(n_ent, np.int64)
    prop_inst = np.full(n_ent, -1, np.int64)
    prop_score = np.empty(n_ent)
    n_prop = 0
    # candidate members by cluster, id order (eligibility cannot change while proposing)
    pool_ptr, pool = _free_member_pools(S, P, n_ent)
    k_member = np.empty(S.ent_knowledge.shape[1])
    for li in range(n_ent):
        if not S.ent_alive[li] or S.ent_tier[li] != LEADING_TIER or S.ent_consortium[li] >= 0:
            continue
        c = P.field_cluster[S.ent_field[li]]
        members = pool[pool_ptr[c] : pool_ptr[c + 1]]
        n_m, inst_id, score = _proposal(
            S, P, n_inst, li, members, size, k_member, prop_members[n_prop]
        )
        if n_m == 0:  # no partner to propose: not eligible
            continue
        prop_leader[n_prop] = n_inst + li
        prop_n[n_prop] = n_m
        prop_inst[n_prop] = inst_id
        prop_score[n_prop] = score
        n_prop += 1
    taken = np.zeros(n_inst + n_ent, np.bool_)
    funded = 0
    for x in _stable_desc(prop_score[:n_prop]):
        if funded >= n_calls or _left(P.budget, S.ledger, HAND_IN_HAND, y) < P.consortium_grant_bn:
            break
        _form_consortium(S, P, t, prop_leader[x], prop_members[x], prop_n[x], prop_inst[x], taken)
        S.ledger[HAND_IN_HAND, y] += P.consortium_grant_bn
        funded += 1
