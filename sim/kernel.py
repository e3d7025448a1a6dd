"""The kernel engine: the model's tick as ``@njit`` loops over structure-of-arrays state.

It follows agents/model.py step for step — the same order of steps, the same rules from
``sim.rules``, the same RNG keys, the same id order in every loop and every sum — so its
indicators equal the Mesa engine's bit for bit (tests/sim/test_equivalence.py checks it).
What differs is only how state is held: arrays instead of objects, a sorted adjacency
(CSR) rebuilt from the edge store when a step needs neighbours, stable argsorts where the
Mesa engine uses Python's stable ``sorted``, talents in slots that are closed up as they
leave (each keeps its id, which keys its draws), and each firm's knowledge in its own
field kept as a column beside the full row. A whole run is one compiled call; the state
grows inside it.

Compiled code is cached on disk (``cache=True``); the folder is NUMBA_CACHE_DIR, which
``sim/__init__.py`` points at a folder per machine and sources version. Functions compile
with ``error_model="numpy"``: a division is a plain IEEE division, without the check for a
zero divisor that Python semantics add to every one (and that keeps loops from being
optimised). The model guards its divisions, so results are the same bits either way.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, typeof
from rainforest.sim import rng, rules
from rainforest.sim.indicators import compute_indicators
from rainforest.sim.state import (
    FOUNDERS,
    INFLOW,
    KEY,
    N_CONS,
    N_EDGE_SLOTS,
    N_ENT,
    N_INST,
    N_LIVE_EDGES,
    N_TAL,
    N_TAL0,
    OUTFLOW,
    TAL_GONE,
    TAL_IDS,
    TALENT_WEIGHT,
    TOTAL_IN,
    TOTAL_OUT,
    grown,
    set_edge,
)

FOUNDATION, LEADING, HAND_IN_HAND, OPEN_SOURCE, ARRAY, RAINFOREST = 0, 1, 2, 3, 4, 5


def _reuse_freed_memory() -> bool:
    """Ask glibc to keep freed memory for reuse instead of returning it to the system.

    Each tick allocates scratch arrays the size of the population (attractiveness, the
    adjacency, per-firm sums), hundreds of kilobytes to megabytes each. By default glibc
    serves such sizes with fresh pages from the system and gives them back when freed, so
    every tick pays page faults for them again: about 27,000 per city run, and about 0.1 s
    of system time. Serving them from a heap that is not trimmed makes the faults go away
    (tests/sim/test_memory.py); results do not depend on it. Elsewhere than glibc this
    does nothing.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
    return bool(
        mallopt(m_mmap_threshold, 32 * 2**20)  # glibc's largest; bigger arrays stay mapped
        and mallopt(m_trim_threshold, 512 * 2**20)
        and mallopt(m_top_pad, 64 * 2**20)
    )


REUSES_FREED_MEMORY = _reuse_freed_memory()
NEED_ROOM = -1

# ---------------------------------------------------------------- small helpers


@njit(cache=True, inline="always", error_model="numpy")
def _own(inst_knowledge, inst_cluster, ent_own, field_cluster, n_inst, o):
    """An organisation's own knowledge (enterprise: its field; institute: cluster mean)."""
    if o < n_inst:
        return rules.institute_own_knowledge(inst_knowledge[o], inst_cluster[o], field_cluster)
    return ent_own[o - n_inst]


@njit(cache=True, inline="always", error_model="numpy")
def _knowledge(inst_knowledge, ent_knowledge, n_inst, o):
    if o < n_inst:
        return inst_knowledge[o]
    return ent_knowledge[o - n_inst]


@njit(cache=True, inline="always", error_model="numpy")
def _cluster(inst_cluster, ent_field, field_cluster, n_inst, o):
    if o < n_inst:
        return inst_cluster[o]
    return field_cluster[ent_field[o - n_inst]]


@njit(cache=True, inline="always", error_model="numpy")
def _in_pilot(pilot, ent_district, ent_field, field_cluster, i):
    """Enterprise index i sits in a designated pilot area."""
    return pilot[ent_district[i], field_cluster[ent_field[i]]]


@njit(cache=True, inline="always", error_model="numpy")
def _budget(budget, plan, y):
    return budget[plan, y]


@njit(cache=True, inline="always", error_model="numpy")
def _left(budget, ledger, plan, y):
    return budget[plan, y] - ledger[plan, y]


@njit(cache=True, inline="always", error_model="numpy")
def _flow(budget, ledger, plan, y):
    return max(0.0, min(budget[plan, y] / 4.0, budget[plan, y] - ledger[plan, y]))


@njit(cache=True, inline="always", error_model="numpy")
def _pick_weighted(weights, u):
    total = 0.0
    for w in weights:
        total += w
    x = u * total
    acc = 0.0
    for i in range(len(weights)):
        acc += weights[i]
        if x < acc:
            return i
    return len(weights) - 1


@njit(cache=True, error_model="numpy")
def _top_desc(scores, k):
    """The first k of ``_stable_desc(scores)``, by k scans instead of a full sort."""
    k = min(k, len(scores))
    taken = np.zeros(len(scores), np.bool_)
    out = np.empty(k, np.int64)
    for r in range(k):
        best = -1
        for x in range(len(scores)):
            if not taken[x] and (best < 0 or scores[x] > scores[best]):
                best = x
        out[r] = best
        taken[best] = True
    return out


@njit(cache=True, inline="always", error_model="numpy")
def _stable_desc(scores):
    """Indices by descending score, ties in index order (as Python's stable sorted)."""
    return np.argsort(-scores, kind="mergesort")


# ---------------------------------------------------------------- the network


@njit(cache=True, error_model="numpy")
def build_csr(S, n_org):
    """Sorted adjacency of live edges: neighbours of o are nbr[ptr[o]:ptr[o+1]], ascending."""
    ptr = np.zeros(n_org + 1, np.int64)
    n_slots = S.counts[N_EDGE_SLOTS]
    for e in range(n_slots):
        if S.edge_kind[e] >= 0:
            ptr[S.edge_a[e] + 1] += 1
            ptr[S.edge_b[e] + 1] += 1
    for o in range(n_org):
        ptr[o + 1] += ptr[o]
    fill = ptr[:-1].copy()
    nbr = np.empty(ptr[n_org], np.int64)
    slot = np.empty(ptr[n_org], np.int64)
    for e in range(n_slots):
        if S.edge_kind[e] >= 0:
            a, b = S.edge_a[e], S.edge_b[e]
            nbr[fill[a]] = b
            slot[fill[a]] = e
            fill[a] += 1
            nbr[fill[b]] = a
            slot[fill[b]] = e
            fill[b] += 1
    for o in range(n_org):  # insertion sort of each (short) row
        for x in range(ptr[o] + 1, ptr[o + 1]):
            v, s = nbr[x], slot[x]
            y = x - 1
            while y >= ptr[o] and nbr[y] > v:
                nbr[y + 1] = nbr[y]
                slot[y + 1] = slot[y]
                y -= 1
            nbr[y + 1] = v
            slot[y + 1] = s
    return ptr, nbr, slot


@njit(cache=True, inline="always", error_model="numpy")
def _degree(ptr, o):
    return ptr[o + 1] - ptr[o] if o + 1 < len(ptr) else 0


@njit(cache=True, inline="always", error_model="numpy")
def _edges(S):
    return (S.edge_index, S.edge_a, S.edge_b, S.edge_kind, S.edge_strength, S.edge_start,
            S.counts)  # fmt: skip


@njit(cache=True, inline="always", error_model="numpy")
def drop_edge_slot(edge_index, edge_a, edge_b, edge_kind, counts, e):
    del edge_index[edge_a[e] * KEY + edge_b[e]]
    edge_kind[e] = -1
    counts[N_LIVE_EDGES] -= 1


@njit(cache=True, error_model="numpy")
def compact_edges(S):
    """Close the gaps freed slots leave; slot order (creation order) is kept."""
    n = S.counts[N_EDGE_SLOTS]
    w = 0
    for e in range(n):
        if S.edge_kind[e] >= 0:
            if w != e:
                S.edge_a[w] = S.edge_a[e]
                S.edge_b[w] = S.edge_b[e]
                S.edge_kind[w] = S.edge_kind[e]
                S.edge_strength[w] = S.edge_strength[e]
                S.edge_start[w] = S.edge_start[e]
                S.edge_index[S.edge_a[w] * KEY + S.edge_b[w]] = w
            w += 1
    for e in range(w, n):
        S.edge_kind[e] = -1
    S.counts[N_EDGE_SLOTS] = w


@njit(cache=True, inline="always", error_model="numpy")
def center_members(S, n_org):
    member = np.zeros(n_org, np.bool_)
    for e in range(S.counts[N_EDGE_SLOTS]):
        if S.edge_kind[e] == 2:
            member[S.edge_a[e]] = True
            member[S.edge_b[e]] = True
    return member


# ---------------------------------------------------------------- new enterprises


@njit(cache=True, inline="always", error_model="numpy")
def _new_enterprise(S, P, field, tier, weight, district, trl, capital, legacy, origin):
    i = S.counts[N_ENT]
    S.ent_field[i] = field
    S.ent_tier[i] = tier
    S.ent_weight[i] = weight
    S.ent_district[i] = district
    S.ent_trl[i] = trl
    S.ent_capital[i] = capital
    S.ent_legacy[i] = legacy
    S.ent_revenue[i] = 0.0
    S.ent_rd[i] = P.rd_intensity * legacy
    S.ent_origin[i] = origin
    S.ent_age[i] = 0
    S.ent_negative[i] = 0
    S.ent_consortium[i] = -1
    S.ent_demo_until[i] = -1
    S.ent_alive[i] = True
    S.counts[N_ENT] += 1
    return i


@njit(cache=True, inline="always", error_model="numpy")
def add_entrant(S, P, seed, t):
    """An established leading firm drawn into a future field (Hand-in-Hand)."""
    n_inst = S.counts[N_INST]
    org = n_inst + S.counts[N_ENT]
    field = _pick_weighted(S.field_weight, rng.uniform(seed, t, org, rng.LEADER_ENTRY, 0))
    district = rng.index(seed, t, org, rng.LEADER_ENTRY, 1, 16)
    own = 4.0 * math.exp(0.3 * rng.normal(seed, t, org, rng.LEADER_ENTRY, 1))
    i = _new_enterprise(
        S, P, field, 0, 1, district, P.field_start_trl[field], 3.0,
        1.2 * P.legacy_cover * P.fixed_cost_bn, 2,
    )  # fmt: skip
    for f in range(len(P.field_cluster)):
        if f == field:
            S.ent_knowledge[i, f] = own
        elif P.field_cluster[f] == P.field_cluster[field]:
            S.ent_knowledge[i, f] = 0.3 * own
        else:
            S.ent_knowledge[i, f] = 0.0
    S.ent_own[i] = own


# ---------------------------------------------------------------- 1. government


@njit(cache=True, inline="always", error_model="numpy")
def _field_mean_knowledge(S, P):
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
def _designate_center(S, P, t, ptr, nbr, slot):
    n_inst = S.counts[N_INST]
    n_ent = S.counts[N_ENT]
    best_inst, best_firm, best_score = -1, -1, -np.inf
    n_rows = len(ptr) - 1
    for a in range(min(n_inst, n_rows)):  # edges (a, b) in sorted order, a an institute
        for x in range(ptr[a], ptr[a + 1]):
            b = nbr[x]
            if b <= a or b < n_inst:
                continue
            if S.inst_center[a]:
                continue
            i = b - n_inst
            if S.ent_tier[i] != 0:
                continue
            f = S.ent_field[i]
            score = S.edge_strength[slot[x]] * (S.ent_own[i] + S.inst_knowledge[a, f])
            if score > best_score:
                best_inst, best_firm, best_score = a, b, score
    if best_inst < 0:
        cand, cand_k = -1, -np.inf
        for j in range(n_inst):
            if S.inst_center[j]:
                continue
            k = rules.total_knowledge(S.inst_knowledge[j])
            if k > cand_k:
                cand, cand_k = j, k
        if cand < 0:
            return False
        best_inst = cand
        top = -np.inf
        for i in range(n_ent):
            if (
                S.ent_alive[i]
                and S.ent_tier[i] == 0
                and P.field_cluster[S.ent_field[i]] == S.inst_cluster[cand]
                and S.ent_own[i] > top
            ):
                best_firm, top = n_inst + i, S.ent_own[i]
    S.inst_center[best_inst] = True
    c = S.inst_cluster[best_inst]
    members = np.full(P.center_members + 1, -1, np.int64)
    n_members = 0
    if best_firm >= 0:
        members[0] = best_firm
        n_members = 1
    pool = np.empty(n_ent, np.int64)
    n_pool = 0
    for i in range(n_ent):
        if S.ent_alive[i] and P.field_cluster[S.ent_field[i]] == c:
            pool[n_pool] = i
            n_pool += 1
    scores = np.empty(n_pool)
    for x in range(n_pool):
        i = pool[x]
        scores[x] = S.ent_own[i]
    for x in _stable_desc(scores):
        if n_members >= P.center_members:
            break
        org = n_inst + pool[x]
        already = False
        for y in range(n_members):
            if members[y] == org:
                already = True
        if not already:
            members[n_members] = org
            n_members += 1
    for y in range(n_members):
        set_edge(_edges(S), best_inst, members[y], 2, 1.0, t)
    return True


@njit(cache=True, error_model="numpy")
def government_step(S, P, seed, t, ptr, nbr, slot):
    y = t // 4
    annual = t % 4 == 0
    n_inst = S.counts[N_INST]
    if annual and t >= 4 and P.horse_race:
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
    if annual:
        S.last_field_knowledge[:] = _field_mean_knowledge(S, P)

    # foundation
    if annual:
        target = P.colleges_target[y]
        while (
            _n_true(S.inst_college) < target
            and _left(P.budget, S.ledger, FOUNDATION, y) >= P.college_cost_bn
        ):
            best, best_k = -1, -np.inf
            for j in range(n_inst):
                if S.inst_kind[j] != 0 or S.inst_college[j]:
                    continue
                k = rules.total_knowledge(S.inst_knowledge[j])
                if k > best_k:
                    best, best_k = j, k
            if best < 0:
                break
            S.inst_college[best] = True
            S.ledger[FOUNDATION, y] += P.college_cost_bn
        target = P.centers_target[y]
        while (
            _n_true(S.inst_center) < target
            and _left(P.budget, S.ledger, FOUNDATION, y) >= P.center_cost_bn
        ):
            if not _designate_center(S, P, t, ptr, nbr, slot):
                break
            S.ledger[FOUNDATION, y] += P.center_cost_bn
    flow = _flow(P.budget, S.ledger, FOUNDATION, y)
    keys = np.empty(n_inst)
    total = 0.0
    for j in range(n_inst):
        keys[j] = rules.weighted_knowledge(S.inst_knowledge[j], S.field_weight)
        total += keys[j]
    for j in range(n_inst):
        S.inst_funding[j] = flow * keys[j] / total if (flow > 0.0 and total > 0.0) else 0.0
    if flow > 0.0 and total > 0.0:
        S.ledger[FOUNDATION, y] += flow

    # leading
    n_ent = S.counts[N_ENT]
    if annual:
        target = P.pilots_target[y]
        while (
            _n_true2(S.pilot) < target and _left(P.budget, S.ledger, LEADING, y) >= P.pilot_cost_bn
        ):
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
            if best < 0:
                break
            S.pilot[best // 5, best % 5] = True
            S.ledger[LEADING, y] += P.pilot_cost_bn
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
            amount = min(P.pilot_subsidy_cap_bn * w, flow * w / total)
            S.ent_capital[i] += amount
            S.ledger[LEADING, y] += amount

    # hand in hand
    if annual:
        _hand_in_hand(S, P, seed, t, y)

    # open source
    n_ent = S.counts[N_ENT]
    if annual and _budget(P.budget, OPEN_SOURCE, y) > 0.0:
        eligible = np.empty(n_ent, np.int64)
        n_el = 0
        for i in range(n_ent):
            if S.ent_alive[i] and 5 <= S.ent_trl[i] <= 7 and not S.ent_demo_until[i] > t:
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

    # rainforest
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


@njit(cache=True, inline="always", error_model="numpy")
def _screened(ent_alive, ent_tier, ent_own, screen, i):
    """Alive, not a leading firm, and past Rainforest's knowledge screen."""
    return ent_alive[i] and ent_tier[i] != 0 and ent_own[i] >= screen


@njit(cache=True, inline="always", error_model="numpy")
def _n_true(a):
    n = 0
    for x in a:
        if x:
            n += 1
    return n


@njit(cache=True, inline="always", error_model="numpy")
def _n_true2(a):
    n = 0
    for d in range(a.shape[0]):
        for c in range(a.shape[1]):
            if a[d, c]:
                n += 1
    return n


@njit(cache=True, inline="always", error_model="numpy")
def _hand_in_hand(S, P, seed, t, y):
    n_inst = S.counts[N_INST]
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
                    if S.edge_kind[e] == 1:
                        S.edge_kind[e] = 0
            for x in range(S.cons_n_members[k] + 1):
                fid = leader if x == 0 else S.cons_members[k, x - 1]
                i = fid - n_inst
                if S.ent_consortium[i] == k:
                    S.ent_consortium[i] = -1
    if not _budget(P.budget, HAND_IN_HAND, y) > 0.0:
        return
    n_entry = int(
        math.floor(
            _budget(P.budget, HAND_IN_HAND, y) * P.leader_entry_share / P.leader_entry_cost_bn
        )
    )
    for _ in range(n_entry):
        if _left(P.budget, S.ledger, HAND_IN_HAND, y) < P.leader_entry_cost_bn:
            break
        add_entrant(S, P, seed, t)
        S.ledger[HAND_IN_HAND, y] += P.leader_entry_cost_bn
    n_calls = min(
        P.max_consortia,
        int(math.floor(_left(P.budget, S.ledger, HAND_IN_HAND, y) / P.consortium_grant_bn)),
    )
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
    pool_ptr = np.zeros(6, np.int64)
    for i in range(n_ent):
        if S.ent_alive[i] and S.ent_tier[i] != 0 and S.ent_consortium[i] < 0:
            pool_ptr[P.field_cluster[S.ent_field[i]] + 1] += 1
    for c in range(5):
        pool_ptr[c + 1] += pool_ptr[c]
    fill = pool_ptr[:-1].copy()
    pool = np.empty(pool_ptr[5], np.int64)
    for i in range(n_ent):
        if S.ent_alive[i] and S.ent_tier[i] != 0 and S.ent_consortium[i] < 0:
            c = P.field_cluster[S.ent_field[i]]
            pool[fill[c]] = i
            fill[c] += 1
    ent_knowledge = S.ent_knowledge
    nf = ent_knowledge.shape[1]
    k_member = np.empty(nf)
    for li in range(n_ent):
        if not S.ent_alive[li] or S.ent_tier[li] != 0 or S.ent_consortium[li] >= 0:
            continue
        f = S.ent_field[li]
        c = P.field_cluster[f]
        members = pool[pool_ptr[c] : pool_ptr[c + 1]]
        scores = np.empty(len(members))
        k_leader = ent_knowledge[li]
        for x in range(len(members)):
            m = members[x]
            for g in range(nf):  # a copy, not a slice (see knowledge_step)
                k_member[g] = ent_knowledge[m, g]
            scores[x] = rules.partner_attraction(k_leader, k_member, P.absorptive_half)
        top = _top_desc(scores, size)
        n_m = len(top)
        for x in range(n_m):
            prop_members[n_prop, x] = n_inst + members[top[x]]
        inst_id, inst_k = -1, -np.inf
        for j in range(n_inst):
            if S.inst_cluster[j] == c and S.inst_knowledge[j, f] > inst_k:
                inst_id, inst_k = j, S.inst_knowledge[j, f]
        score = S.ent_own[li]
        for x in range(n_m):
            score += S.ent_knowledge[prop_members[n_prop, x] - n_inst, f]
        if inst_id >= 0:
            score += inst_k
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
        k = S.counts[N_CONS]
        leader = prop_leader[x]
        n_m = 0
        for z in range(prop_n[x]):
            m = prop_members[x, z]
            if not taken[m]:
                S.cons_members[k, n_m] = m
                n_m += 1
        for z in range(n_m):
            taken[S.cons_members[k, z]] = True
        S.cons_leader[k] = leader
        S.cons_n_members[k] = n_m
        S.cons_institute[k] = prop_inst[x]
        S.cons_end[k] = t + P.consortium_quarters
        S.cons_active[k] = True
        S.counts[N_CONS] += 1
        share = P.consortium_grant_bn / (1 + n_m)
        for z in range(n_m + 1):
            fid = leader if z == 0 else S.cons_members[k, z - 1]
            S.ent_consortium[fid - n_inst] = k
            S.ent_capital[fid - n_inst] += share
        for z in range(n_m + 1):
            other = S.cons_members[k, z] if z < n_m else prop_inst[x]
            if other >= 0:
                set_edge(_edges(S), leader, other, 1, 1.0, t)
        S.ledger[HAND_IN_HAND, y] += P.consortium_grant_bn
        funded += 1


# ---------------------------------------------------------------- 2. talents


@njit(cache=True, error_model="numpy")
def talents_step(S, P, seed, t, ptr, nbr):
    """Step 2; returns talents per employer and their summed skill once the step is done.

    Each talent's decision reads only its own state and the start-of-step snapshot
    (attractiveness, adjacency, cluster lists), so the kernel may apply decisions in any
    order: it decides outflow and founding in one pass in id order, then places the movers
    it noted, then sums talents per employer in id order, as the Mesa engine does. Every
    talent's outflow and move draws are taken whether or not its decision needs them (a
    draw is a pure function of its key), which keeps the pass free of unpredictable
    branches; the founding draw is taken only for talents skilled enough to found.
    """
    if S.counts[TAL_GONE] * 4 > S.counts[N_TAL]:
        _close_up_talents(S)
    y = t // 4
    n_inst = S.counts[N_INST]
    n_ent = S.counts[N_ENT]
    n_org = n_inst + n_ent
    member = center_members(S, n_org)
    attract = np.full(n_org, -np.inf)  # -inf marks an exited firm
    in_park = np.zeros(n_org, np.bool_)
    for o in range(n_org):
        if o >= n_inst and not S.ent_alive[o - n_inst]:
            continue
        own = _own(S.inst_knowledge, S.inst_cluster, S.ent_own, P.field_cluster, n_inst, o)
        if o < n_inst:
            designated = S.inst_college[o] or S.inst_center[o]
            attract[o] = rules.employer_attractiveness(own, 0.0, False, designated)
        else:
            i = o - n_inst
            in_pilot = _in_pilot(S.pilot, S.ent_district, S.ent_field, P.field_cluster, i)
            in_park[o] = in_pilot
            revenue = S.ent_revenue[i] / S.ent_weight[i]
            attract[o] = rules.employer_attractiveness(own, revenue, in_pilot, member[o])
    # alive enterprises of each cluster, id order (the start-of-step snapshot)
    cl_ptr, cl_org = _cluster_lists(S, P, n_inst, n_ent)
    retention = P.budget[ARRAY, y] > 0.0
    finance = P.rainforest_founding_boost if P.budget[RAINFOREST, y] > 0.0 else 0.0
    # the rules' values for each case a talent can be in (they depend on nothing else)
    p_out_unemployed = rules.outflow_probability(
        0, True, retention, P.talent_outflow, P.high_level_outflow, P.unemployed_outflow,
        P.retention,
    )  # fmt: skip
    p_out_level0 = rules.outflow_probability(
        0, False, retention, P.talent_outflow, P.high_level_outflow, P.unemployed_outflow,
        P.retention,
    )  # fmt: skip
    p_out_level1 = rules.outflow_probability(
        1, False, retention, P.talent_outflow, P.high_level_outflow, P.unemployed_outflow,
        P.retention,
    )  # fmt: skip
    founding_skill = P.founding_skill
    p_found = rules.founding_probability(
        founding_skill, P.founding_rate, founding_skill, finance, 0.0
    )
    p_found_park = rules.founding_probability(
        founding_skill, P.founding_rate, founding_skill, finance, P.park_founding_boost
    )
    job_mobility = P.job_mobility
    key_out = rng.stream_key(seed, t, rng.TALENT_OUTFLOW)
    key_move = rng.stream_key(seed, t, rng.TALENT_MOVE)
    key_cand = rng.stream_key(seed, t, rng.TALENT_CANDIDATE)
    key_found = rng.stream_key(seed, t, rng.TALENT_FOUND)
    tal_id = S.tal_id
    tal_present = S.tal_present
    tal_employer = S.tal_employer
    tal_level = S.tal_level
    tal_skill = S.tal_skill
    tal_tenure = S.tal_tenure
    n_tal = S.counts[N_TAL]
    # movers, with their employer (-1: none) and the cluster they look in
    mover = np.empty(n_tal, np.int64)
    mover_employer = np.empty(n_tal, np.int64)
    mover_cluster = np.empty(n_tal, np.int64)
    n_movers = 0
    outflow = 0
    founders_left = 0
    for k in range(n_tal):
        if not tal_present[k]:
            continue
        employer = tal_employer[k]
        if employer >= 0 and attract[employer] == -np.inf:
            employer = -1  # its firm exited (see demography_step)
            tal_employer[k] = -1
        talent = tal_id[k]
        u_out = rng.keyed_uniform(key_out, talent, 0)
        u_move = rng.keyed_uniform(key_move, talent, 0)
        skill = tal_skill[k]
        u_found = rng.keyed_uniform(key_found, talent, 0) if skill >= founding_skill else 1.0
        p_out = p_out_level1 if tal_level[k] == 1 else p_out_level0
        p_out = p_out_unemployed if employer < 0 else p_out
        p = p_found_park if employer >= 0 and in_park[employer] else p_found
        leaves = u_out < p_out
        moves = (employer < 0) | (u_move < job_mobility)
        # founding_probability is 0 below the founding skill
        founds = (skill >= founding_skill) & (p > 0.0) & (u_found < p)
        if leaves:
            tal_present[k] = False
            tal_employer[k] = -1
            if skill >= founding_skill:
                founders_left += 1
            outflow += 1
            S.counts[TAL_GONE] += 1
        elif moves:
            mover[n_movers] = k
            mover_employer[n_movers] = employer
            mover_cluster[n_movers] = P.field_cluster[S.tal_field[k]]
            n_movers += 1
        elif founds:
            tal_employer[k] = _found_startup(S, P, k, employer)
            tal_tenure[k] = 0
        else:
            tal_tenure[k] += 1
    S.counts[FOUNDERS] -= founders_left
    for m in range(n_movers):
        k = mover[m]
        talent = tal_id[k]
        employer = mover_employer[m]
        unemployed = employer < 0
        current = -np.inf if unemployed else attract[employer]
        best, best_a = -1, -np.inf
        deg = 0 if unemployed else _degree(ptr, employer)
        if deg > 0:
            c = nbr[ptr[employer] + rng.keyed_index(key_cand, talent, 0, deg)]
            best, best_a = c, attract[c]
        cl = mover_cluster[m]
        n_pool = cl_ptr[cl + 1] - cl_ptr[cl]
        if n_pool > 0:
            c = cl_org[cl_ptr[cl] + rng.keyed_index(key_cand, talent, 1, n_pool)]
            if attract[c] > best_a:
                best, best_a = c, attract[c]
        if best >= 0 and best != employer and best_a > current:
            tal_employer[k] = best
            tal_tenure[k] = 0
        elif not unemployed:
            tal_tenure[k] += 1
    inflow = _talent_inflow(S, P, seed, t, y, cl_ptr, cl_org)
    S.counts[INFLOW] = inflow
    S.counts[OUTFLOW] = outflow
    S.counts[TOTAL_IN] += inflow
    S.counts[TOTAL_OUT] += outflow
    # bin e + 1 sums employer e's talents (departed talents have employer -1, so they and
    # the unemployed fall in bin 0): no branch per talent
    n_org = n_inst + S.counts[N_ENT]
    count = np.zeros(n_org + 1, np.int64)
    skill_sum = np.zeros(n_org + 1)
    for k in range(S.counts[N_TAL]):
        e = tal_employer[k] + 1
        count[e] += 1
        skill_sum[e] += tal_skill[k]
    return count[1:], skill_sum[1:]


@njit(cache=True, error_model="numpy")
def _close_up_talents(S):
    """Move present talents down over departed ones' slots, keeping their order (and so
    the id order every loop over talents relies on)."""
    n = S.counts[N_TAL]
    w = 0
    for k in range(n):
        if S.tal_present[k]:
            if w != k:
                S.tal_id[w] = S.tal_id[k]
                S.tal_field[w] = S.tal_field[k]
                S.tal_skill[w] = S.tal_skill[k]
                S.tal_level[w] = S.tal_level[k]
                S.tal_origin[w] = S.tal_origin[k]
                S.tal_tenure[w] = S.tal_tenure[k]
                S.tal_employer[w] = S.tal_employer[k]
                S.tal_present[w] = True
            w += 1
    for k in range(w, n):
        S.tal_present[k] = False
        S.tal_employer[k] = -1
    S.counts[N_TAL] = w
    S.counts[TAL_GONE] = 0


@njit(cache=True, error_model="numpy")
def _found_startup(S, P, k, employer):
    """Talent k founds a start-up (a spin-off of its employer); returns the new firm's id.

    Rare, so kept out of line: inlined, it slowed the whole talents loop.
    """
    n_inst = S.counts[N_INST]
    w_t = S.counts[TALENT_WEIGHT]
    pk = _knowledge(S.inst_knowledge, S.ent_knowledge, n_inst, employer)
    if employer >= n_inst:
        trl = max(1, S.ent_trl[employer - n_inst] - 2)
        district = S.ent_district[employer - n_inst]
    else:
        trl = 3
        district = S.inst_district[employer]
    i = _new_enterprise(
        S, P, S.tal_field[k], 2, w_t, district, trl, P.startup_seed_bn * w_t, 0.0, 1
    )
    for f in range(len(pk)):
        S.ent_knowledge[i, f] = P.spinoff_knowledge * pk[f]
    S.ent_own[i] = S.ent_knowledge[i, S.ent_field[i]]
    return n_inst + i


@njit(cache=True, inline="always", error_model="numpy")
def _cluster_lists(S, P, n_inst, n_ent):
    cl_ptr = np.zeros(6, np.int64)
    for i in range(n_ent):
        if S.ent_alive[i]:
            cl_ptr[P.field_cluster[S.ent_field[i]] + 1] += 1
    for c in range(5):
        cl_ptr[c + 1] += cl_ptr[c]
    fill = cl_ptr[:-1].copy()
    cl_org = np.empty(cl_ptr[5], np.int64)
    for i in range(n_ent):
        if S.ent_alive[i]:
            c = P.field_cluster[S.ent_field[i]]
            cl_org[fill[c]] = n_inst + i
            fill[c] += 1
    return cl_ptr, cl_org


@njit(cache=True, inline="always", error_model="numpy")
def _add_talent(talents, field, skill, level, origin, employer, founding_skill):
    """A new talent in the next free slot, with the next id."""
    (tal_id, tal_field, tal_skill, tal_level, tal_origin, tal_tenure, tal_employer, tal_present,
     counts) = talents  # fmt: skip
    if skill >= founding_skill:
        counts[FOUNDERS] += 1
    k = counts[N_TAL]
    tal_id[k] = counts[TAL_IDS]
    tal_field[k] = field
    tal_skill[k] = skill
    tal_level[k] = level
    tal_origin[k] = origin
    tal_tenure[k] = 0
    tal_employer[k] = employer
    tal_present[k] = True
    counts[N_TAL] += 1
    counts[TAL_IDS] += 1


@njit(cache=True, inline="always", error_model="numpy")
def _place(field_cluster, seed, t, k, field, cl_ptr, cl_org):
    c = field_cluster[field]
    n_pool = cl_ptr[c + 1] - cl_ptr[c]
    if n_pool == 0:
        return -1
    return cl_org[cl_ptr[c] + rng.index(seed, t, k, rng.INFLOW_TALENT, 1, n_pool)]


@njit(cache=True, inline="always", error_model="numpy")
def _talent_inflow(S, P, seed, t, y, cl_ptr, cl_org):
    talents = (S.tal_id, S.tal_field, S.tal_skill, S.tal_level, S.tal_origin, S.tal_tenure,
               S.tal_employer, S.tal_present, S.counts)  # fmt: skip
    n_inst = S.counts[N_INST]
    w_t = S.counts[TALENT_WEIGHT]
    n_base = rng.stochastic_round(P.talent_inflow * S.counts[N_TAL0], seed, t, 0, rng.INFLOW_COUNT)
    arrivals = 0
    for _ in range(n_base):
        k = S.counts[TAL_IDS]  # the new talent's id
        field = _pick_weighted(P.field_share, rng.uniform(seed, t, k, rng.INFLOW_TALENT, 0))
        high = rng.uniform(seed, t, k, rng.INFLOW_TALENT, 3) < P.high_level_share
        skill = rng.uniform(seed, t, k, rng.INFLOW_TALENT, 2)
        if high:
            skill = 0.7 + 0.3 * skill
        employer = _place(P.field_cluster, seed, t, k, field, cl_ptr, cl_org)
        _add_talent(talents, field, skill, 1 if high else 0, 1, employer, P.founding_skill)
        arrivals += 1
    for j in range(n_inst):
        if not S.inst_college[j]:
            continue
        n = rng.stochastic_round(P.college_graduates / w_t, seed, t, j + 1, rng.INFLOW_COUNT)
        c = S.inst_cluster[j]
        n_fields = 0
        for f in range(len(P.field_cluster)):
            if P.field_cluster[f] == c:
                n_fields += 1
        for _ in range(n):
            k = S.counts[TAL_IDS]  # the new talent's id
            pick = rng.index(seed, t, k, rng.INFLOW_TALENT, 0, n_fields)
            field = -1
            seen = 0
            for f in range(len(P.field_cluster)):
                if P.field_cluster[f] == c:
                    if seen == pick:
                        field = f
                        break
                    seen += 1
            skill = 0.8 * rng.uniform(seed, t, k, rng.INFLOW_TALENT, 2)
            employer = _place(P.field_cluster, seed, t, k, field, cl_ptr, cl_org)
            _add_talent(talents, field, skill, 0, 0, employer, P.founding_skill)
            arrivals += 1
    flow = _flow(P.budget, S.ledger, ARRAY, y)
    n_array = int(math.floor(flow * P.talents_per_bn / w_t))
    if n_array > 0:
        S.ledger[ARRAY, y] += n_array * w_t / P.talents_per_bn
    for _ in range(n_array):
        k = S.counts[TAL_IDS]  # the new talent's id
        field = _pick_weighted(S.field_weight, rng.uniform(seed, t, k, rng.INFLOW_TALENT, 0))
        skill = 0.7 + 0.3 * rng.uniform(seed, t, k, rng.INFLOW_TALENT, 2)
        employer = _place(P.field_cluster, seed, t, k, field, cl_ptr, cl_org)
        _add_talent(talents, field, skill, 1, 1, employer, P.founding_skill)
        arrivals += 1
    return arrivals


@njit(cache=True, inline="always", error_model="numpy")
def array_bound(S, P, y):
    """Most talents the Array plan can bring this quarter (for capacity checks)."""
    flow = max(0.0, P.budget[ARRAY, y] / 4.0)
    return int(math.floor(flow * P.talents_per_bn / S.counts[TALENT_WEIGHT])) + 1


# ---------------------------------------------------------------- 3. knowledge


@njit(cache=True, error_model="numpy")
def knowledge_step(S, P, ptr, nbr, slot, skills):
    # Rows are copied into small buffers instead of sliced: a slice of a 2-D array is a
    # new reference to it, and taking one per edge costs more than the arithmetic.
    n_inst = S.counts[N_INST]
    n_ent = S.counts[N_ENT]
    n_org = n_inst + n_ent
    field_cluster = P.field_cluster
    nf = len(field_cluster)
    w_t = S.counts[TALENT_WEIGHT]
    inst_knowledge = S.inst_knowledge
    ent_knowledge = S.ent_knowledge
    ent_own = S.ent_own
    inst_cluster = S.inst_cluster
    inst_weight = S.inst_weight
    inst_funding = S.inst_funding
    ent_alive = S.ent_alive
    ent_weight = S.ent_weight
    ent_field = S.ent_field
    ent_district = S.ent_district
    ent_rd = S.ent_rd
    pilot = S.pilot
    edge_kind = S.edge_kind
    edge_strength = S.edge_strength
    # New values of organisations with neighbours wait in a buffer, since their neighbours
    # read the old ones; an organisation without neighbours is updated in place.
    linked = np.empty(n_org, np.int64)
    new = np.empty((n_org, nf))  # only the first n_linked rows are used
    n_linked = 0
    gain = np.empty(nf)
    spill = np.empty(nf)
    k_self = np.empty(nf)
    k_other = np.empty(nf)
    updated = np.empty(nf)
    n_rows = len(ptr) - 1
    for o in range(n_org):
        is_ent = o >= n_inst
        i = o - n_inst
        if is_ent and not ent_alive[i]:
            continue
        weight = ent_weight[i] if is_ent else inst_weight[o]
        for f in range(nf):
            gain[f] = 0.0
        skill = skills[o] * w_t / weight
        if is_ent:
            g = rules.knowledge_gain(
                ent_rd[i] / weight, skill, P.production_scale, P.rd_elasticity,
                P.skill_elasticity,
            )  # fmt: skip
            gain[ent_field[i]] = g
            for f in range(nf):
                k_self[f] = ent_knowledge[i, f]
            own = k_self[ent_field[i]]
        else:
            money = P.institute_research_bn * weight + inst_funding[o]
            g = rules.knowledge_gain(
                money / weight, skill, P.production_scale, P.rd_elasticity, P.skill_elasticity
            )
            n_fields = 0
            for f in range(nf):
                if field_cluster[f] == inst_cluster[o]:
                    n_fields += 1
            for f in range(nf):
                if field_cluster[f] == inst_cluster[o]:
                    gain[f] = g / n_fields
            for f in range(nf):
                k_self[f] = inst_knowledge[o, f]
            own = rules.institute_own_knowledge(k_self, inst_cluster[o], field_cluster)
        for f in range(nf):
            spill[f] = 0.0
        absorb = rules.absorptive_capacity(own, P.absorptive_half)
        if o < n_rows:
            for x in range(ptr[o], ptr[o + 1]):
                n = nbr[x]
                e = slot[x]
                same_pilot = False
                if is_ent and n >= n_inst:
                    j = n - n_inst
                    same_pilot = (
                        ent_district[i] == ent_district[j]
                        and field_cluster[ent_field[i]] == field_cluster[ent_field[j]]
                        and pilot[ent_district[i], field_cluster[ent_field[i]]]
                    )
                coef = rules.spillover_coefficient(
                    edge_kind[e], edge_strength[e], same_pilot, P.spillover_rate,
                    P.consortium_spillover, P.center_spillover, P.pilot_spillover_bonus,
                )  # fmt: skip
                if n < n_inst:
                    for f in range(nf):
                        k_other[f] = inst_knowledge[n, f]
                else:
                    for f in range(nf):
                        k_other[f] = ent_knowledge[n - n_inst, f]
                rules.add_spillover(k_self, k_other, coef, absorb, spill)
        rules.update_knowledge(k_self, gain, spill, P.depreciation, updated)
        if _degree(ptr, o) > 0:
            for f in range(nf):
                new[n_linked, f] = updated[f]
            linked[n_linked] = o
            n_linked += 1
        elif is_ent:
            for f in range(nf):
                ent_knowledge[i, f] = updated[f]
            ent_own[i] = updated[ent_field[i]]
        else:
            for f in range(nf):
                inst_knowledge[o, f] = updated[f]
    for x in range(n_linked):
        o = linked[x]
        if o < n_inst:
            for f in range(nf):
                inst_knowledge[o, f] = new[x, f]
        else:
            for f in range(nf):
                ent_knowledge[o - n_inst, f] = new[x, f]
            ent_own[o - n_inst] = new[x, ent_field[o - n_inst]]


# ---------------------------------------------------------------- 4. partnering


@njit(cache=True, error_model="numpy")
def partnering_step(S, P, seed, t, ptr, nbr):
    n_inst = S.counts[N_INST]
    n_ent = S.counts[N_ENT]
    n_org = n_inst + n_ent
    cl_ptr, cl_org = _cluster_lists(S, P, n_inst, n_ent)
    # pilot-area firm lists: (district, cluster) -> alive firms in id order
    n_areas = S.pilot.shape[0] * 5
    pa_ptr = np.zeros(n_areas + 1, np.int64)
    for i in range(n_ent):
        if S.ent_alive[i] and _in_pilot(S.pilot, S.ent_district, S.ent_field, P.field_cluster, i):
            pa_ptr[S.ent_district[i] * 5 + P.field_cluster[S.ent_field[i]] + 1] += 1
    for a in range(n_areas):
        pa_ptr[a + 1] += pa_ptr[a]
    fill = pa_ptr[:-1].copy()
    pa_org = np.empty(pa_ptr[n_areas], np.int64)
    for i in range(n_ent):
        if S.ent_alive[i] and _in_pilot(S.pilot, S.ent_district, S.ent_field, P.field_cluster, i):
            area = S.ent_district[i] * 5 + P.field_cluster[S.ent_field[i]]
            pa_org[fill[area]] = n_inst + i
            fill[area] += 1
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
        if not rng.keyed_uniform(key_search, o, 0) < rate:
            continue
        n_cand = 0
        deg = _degree(ptr, o)
        if deg > 0:
            j = nbr[ptr[o] + rng.keyed_index(key_cand, o, 0, deg)]
            deg_j = _degree(ptr, j)
            if deg_j > 0:
                cand[n_cand] = nbr[ptr[j] + rng.keyed_index(key_cand, o, 1, deg_j)]
                n_cand += 1
        c = _cluster(S.inst_cluster, S.ent_field, P.field_cluster, S.counts[N_INST], o)
        if is_ent and _in_pilot(S.pilot, S.ent_district, S.ent_field, P.field_cluster, o - n_inst):
            i = o - n_inst
            area = S.ent_district[i] * 5 + c
            n_pool = pa_ptr[area + 1] - pa_ptr[area]
            cand[n_cand] = pa_org[pa_ptr[area] + rng.keyed_index(key_cand, o, 2, n_pool)]
            n_cand += 1
        n_pool = cl_ptr[c + 1] - cl_ptr[c]
        if n_pool > 0:
            cand[n_cand] = cl_org[cl_ptr[c] + rng.keyed_index(key_cand, o, 3, n_pool)]
            n_cand += 1
        n_pool = inst_ptr[c + 1] - inst_ptr[c]
        if n_pool > 0:
            cand[n_cand] = inst_org[inst_ptr[c] + rng.keyed_index(key_cand, o, 4, n_pool)]
            n_cand += 1
        best, best_a = -1, -np.inf
        k_self = _knowledge(S.inst_knowledge, S.ent_knowledge, S.counts[N_INST], o)
        for x in range(n_cand):
            cnd = cand[x]
            if cnd == o:
                continue
            a = rules.partner_attraction(
                k_self,
                _knowledge(S.inst_knowledge, S.ent_knowledge, S.counts[N_INST], cnd),
                P.absorptive_half,
            )
            if a > best_a:
                best, best_a = cnd, a
        if best < 0 or best_a < P.attraction_threshold:
            continue
        back = rules.partner_attraction(
            _knowledge(S.inst_knowledge, S.ent_knowledge, S.counts[N_INST], best),
            k_self,
            P.absorptive_half,
        )
        if back >= P.attraction_threshold:
            prop_a[n_prop] = o
            prop_b[n_prop] = best
            n_prop += 1
    edges = _edges(S)
    for x in range(n_prop):
        set_edge(edges, prop_a[x], prop_b[x], 0, 1.0, t)
    for e in range(S.counts[N_EDGE_SLOTS]):
        kind = S.edge_kind[e]
        if kind < 0:
            continue
        S.edge_strength[e] = rules.edge_decay(
            S.edge_strength[e], kind, P.partnership_decay, P.consortium_decay
        )
        if kind == 0 and S.edge_strength[e] < P.min_edge_strength:
            drop_edge_slot(S.edge_index, S.edge_a, S.edge_b, S.edge_kind, S.counts, e)


# ---------------------------------------------------------------- 5. maturation


@njit(cache=True, error_model="numpy")
def maturation_step(S, P, seed, t, ptr, nbr, slot):
    n_inst = S.counts[N_INST]
    n_ent = S.counts[N_ENT]
    member = center_members(S, n_inst + n_ent)
    advance = np.zeros(n_ent, np.bool_)
    key_trl = rng.stream_key(seed, t, rng.TRL_ADVANCE)
    field_cluster = P.field_cluster
    inst_knowledge = S.inst_knowledge
    ent_knowledge = S.ent_knowledge
    ent_alive = S.ent_alive
    ent_field = S.ent_field
    ent_district = S.ent_district
    ent_trl = S.ent_trl
    ent_demo_until = S.ent_demo_until
    edge_strength = S.edge_strength
    pilot = S.pilot
    n_rows = len(ptr) - 1
    for i in range(n_ent):
        if not ent_alive[i]:
            continue
        o = n_inst + i
        f = ent_field[i]
        partner = 0.0
        if o < n_rows:
            for x in range(ptr[o], ptr[o + 1]):
                n = nbr[x]
                k = inst_knowledge[n, f] if n < n_inst else ent_knowledge[n - n_inst, f]
                partner += edge_strength[slot[x]] * k
        effective = S.ent_own[i] + P.partner_knowledge_weight * partner
        trl = ent_trl[i]
        in_pilot = pilot[ent_district[i], field_cluster[f]]
        boost = rules.maturation_boost(
            trl, in_pilot, ent_demo_until[i] > t, member[o],
            P.test_site_boost, P.demo_trl_boost, P.center_trl_boost,
        )  # fmt: skip
        prob = rules.trl_advance_probability(
            trl, effective, P.trl_knowledge_half, P.trl_hazard, boost
        )
        advance[i] = rng.keyed_uniform(key_trl, o, 0) < prob
    for i in range(n_ent):
        if advance[i]:
            ent_trl[i] += 1


# ---------------------------------------------------------------- 6. market


@njit(cache=True, error_model="numpy")
def market_step(S, P, seed, t, counts):
    y = t // 4
    n_inst = S.counts[N_INST]
    n_ent = S.counts[N_ENT]
    nf = len(P.field_cluster)
    w_t = S.counts[TALENT_WEIGHT]
    has_seller = np.zeros(nf, np.bool_)
    for i in range(n_ent):
        if S.ent_alive[i] and S.ent_trl[i] >= 7:
            has_seller[S.ent_field[i]] = True
    demand = np.zeros(nf)
    for f in range(nf):
        if has_seller[f]:
            S.adoption[f] = rules.bass_step(S.adoption[f], S.bass_p[f], P.bass_q)
        demand[f] = P.potential[f] * S.adoption[f] / 4.0
    denominator = np.empty(nf)
    for f in range(nf):
        denominator[f] = rules.outside_weight(
            P.outside_competition, P.field_share[f], P.logit_beta, P.outside_progress, t
        )
    weight = np.zeros(n_ent)
    for i in range(n_ent):
        if S.ent_alive[i] and S.ent_trl[i] >= 7:
            f = S.ent_field[i]
            q = rules.product_quality(S.ent_own[i], S.ent_trl[i])
            weight[i] = rules.market_weight(S.ent_weight[i], q, P.logit_beta)
            denominator[f] += weight[i]
    factor_active = P.budget[RAINFOREST, y] > 0.0
    key_finance = rng.stream_key(seed, t, rng.PRIVATE_FINANCE)
    for i in range(n_ent):
        if not S.ent_alive[i]:
            continue
        f = S.ent_field[i]
        if S.ent_trl[i] >= 7:
            S.ent_revenue[i] = demand[f] * weight[i] / denominator[f]
        else:
            S.ent_revenue[i] = 0.0
        if S.ent_tier[i] != 0:
            prob = rules.private_finance_probability(
                S.ent_own[i], P.private_finance_rate, P.absorptive_half
            )
            if rng.keyed_uniform(key_finance, n_inst + i, 0) < prob:
                S.ent_capital[i] += P.private_round_bn * S.ent_weight[i]
        rd = P.rd_intensity * (S.ent_revenue[i] + S.ent_legacy[i])
        wages = P.wage_bn * counts[n_inst + i] * w_t
        in_pilot = _in_pilot(S.pilot, S.ent_district, S.ent_field, P.field_cluster, i)
        screened = _screened(S.ent_alive, S.ent_tier, S.ent_own, P.knowledge_screen, i)
        mult = rules.cost_multiplier(
            in_pilot, P.pilot_cost_cut, factor_active and screened, P.rainforest_cost_cut
        )
        fixed = P.fixed_cost_bn * S.ent_weight[i] * mult
        S.ent_capital[i] += rules.capital_change(
            S.ent_legacy[i], S.ent_revenue[i], P.gross_margin, rd, wages, fixed
        )
        S.ent_rd[i] = rd


# ---------------------------------------------------------------- 7. demography


@njit(cache=True, error_model="numpy")
def demography_step(S, P, t, ptr, slot):
    y = t // 4
    n_inst = S.counts[N_INST]
    n_ent = S.counts[N_ENT]
    patient = P.budget[RAINFOREST, y] > 0.0
    exiting = np.zeros(n_ent, np.bool_)
    for i in range(n_ent):
        if not S.ent_alive[i]:
            continue
        S.ent_negative[i] = S.ent_negative[i] + 1 if S.ent_capital[i] < 0.0 else 0
        grace = (
            P.grace_quarters
            if patient and _screened(S.ent_alive, S.ent_tier, S.ent_own, P.knowledge_screen, i)
            else 0
        )
        if rules.exit_due(S.ent_negative[i], P.exit_quarters, grace):
            exiting[i] = True
    for i in range(n_ent):
        if exiting[i]:
            o = n_inst + i
            if o + 1 < len(ptr):
                for x in range(ptr[o], ptr[o + 1]):
                    if S.edge_kind[slot[x]] >= 0:
                        drop_edge_slot(
                            S.edge_index, S.edge_a, S.edge_b, S.edge_kind, S.counts, slot[x]
                        )
            S.ent_alive[i] = False
            S.ent_revenue[i] = 0.0
            S.ent_rd[i] = 0.0
            S.ent_demo_until[i] = -1
    # Their talents become unemployed: talents_step (and run_ticks at the end) sets each
    # one's employer to -1 when it next reads it, which saves a pass over all talents.
    for i in range(n_ent):
        if not S.ent_alive[i]:
            continue
        S.ent_age[i] += 1
        annual = 4.0 * S.ent_revenue[i] / S.ent_weight[i]
        if S.ent_tier[i] == 2 and (
            S.ent_age[i] >= P.startup_quarters or annual >= P.sme_revenue_bn
        ):
            S.ent_tier[i] = 1
        elif S.ent_tier[i] == 1 and annual >= P.leading_revenue_bn:
            S.ent_tier[i] = 0


# ---------------------------------------------------------------- 8. indicators


@njit(cache=True, error_model="numpy")
def indicators_step(S, P, t, out):
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
    compute_indicators(
        out,
        S.ent_alive[:n_ent], S.ent_weight[:n_ent], S.ent_revenue[:n_ent], S.ent_field[:n_ent],
        S.ent_trl[:n_ent], S.ent_tier[:n_ent], S.ent_origin[:n_ent], S.ent_knowledge[:n_ent],
        leader, demo,
        S.inst_weight, S.inst_knowledge, S.inst_college, S.inst_center,
        S.edge_a[:n_slots], S.edge_b[:n_slots], S.edge_kind[:n_slots],
        S.tal_present[:n_tal], S.tal_level[:n_tal], S.counts[TALENT_WEIGHT],
        S.counts[INFLOW], S.counts[OUTFLOW],
        _n_true2(S.pilot), _n_active(S), S.ledger,
        P.field_cluster, P.leading_revenue_bn, P.ecosystem_partners, P.high_tech_knowledge,
    )  # fmt: skip


@njit(cache=True, inline="always", error_model="numpy")
def _n_active(S):
    n = 0
    for k in range(S.counts[N_CONS]):
        if S.cons_active[k]:
            n += 1
    return n


# ---------------------------------------------------------------- the tick


@njit(cache=True, error_model="numpy")
def room_needed(S, P, t):
    """Upper bounds on what one tick can add: (enterprises, talents, edge slots)."""
    y = t // 4
    n_inst = S.counts[N_INST]
    founders = S.counts[FOUNDERS]  # talents present who could found a start-up
    entrants = 0
    if t % 4 == 0 and P.leader_entry_cost_bn > 0:
        entrants = int(P.budget[HAND_IN_HAND, y] * P.leader_entry_share
                       / P.leader_entry_cost_bn) + 1  # fmt: skip
    w_t = S.counts[TALENT_WEIGHT]
    talents = int(P.talent_inflow * S.counts[N_TAL0]) + 2 + array_bound(S, P, y)
    talents += n_inst * (int(P.college_graduates / w_t) + 2)
    n_org = n_inst + S.counts[N_ENT] + founders + entrants
    edges = n_org + n_inst * (P.center_members + 1) + (P.max_consortia + 1) * P.consortium_size
    return founders + entrants, talents, edges


@njit(cache=True, error_model="numpy")
def run_ticks(S, P, seed, t0, t1, out):
    """Run ticks t0 .. t1-1 and return the state, grown wherever a tick could outgrow it.

    Growth copies values and never changes results.
    """
    for t in range(t0, t1):
        need_e, need_t, need_edges = room_needed(S, P, t)
        if (
            S.counts[N_EDGE_SLOTS] + need_edges > len(S.edge_a)
            or S.counts[N_EDGE_SLOTS] > 2 * S.counts[N_LIVE_EDGES] + 1024
        ):
            compact_edges(S)  # freed slots cost every loop over edges
        if (
            S.counts[N_ENT] + need_e > len(S.ent_field)
            or S.counts[N_TAL] + need_t > len(S.tal_field)
            or S.counts[N_EDGE_SLOTS] + need_edges > len(S.edge_a)
        ):
            # a quarter more than this tick needs, so that growth happens rarely
            S = grown(
                S,
                (S.counts[N_ENT] + need_e) * 5 // 4 + 1,
                (S.counts[N_TAL] + need_t) * 5 // 4 + 1,
                (S.counts[N_LIVE_EDGES] + need_edges) * 2 + 1,
            )
        if t % 4 == 0:  # only the annual designations read the network here
            ptr, nbr, slot = build_csr(S, S.counts[N_INST] + S.counts[N_ENT])
        else:
            ptr, nbr, slot = np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
        government_step(S, P, seed, t, ptr, nbr, slot)
        n_org = S.counts[N_INST] + S.counts[N_ENT]
        ptr, nbr, slot = build_csr(S, n_org)
        # talents per employer and their summed skill; nothing moves talents after step 2
        counts, skills = talents_step(S, P, seed, t, ptr, nbr)
        knowledge_step(S, P, ptr, nbr, slot, skills)
        partnering_step(S, P, seed, t, ptr, nbr)
        n_org = S.counts[N_INST] + S.counts[N_ENT]
        ptr, nbr, slot = build_csr(S, n_org)
        maturation_step(S, P, seed, t, ptr, nbr, slot)
        market_step(S, P, seed, t, counts)
        demography_step(S, P, t, ptr, slot)
        indicators_step(S, P, t, out[t])
    _release_talents_of_exited(S)
    return S


@njit(cache=True, inline="always", error_model="numpy")
def _release_talents_of_exited(S):
    """Employer -1 for every talent whose firm exited (talents_step does it lazily)."""
    n_inst = S.counts[N_INST]
    for k in range(S.counts[N_TAL]):
        e = S.tal_employer[k]
        if e >= n_inst and not S.ent_alive[e - n_inst]:
            S.tal_employer[k] = -1


_ENTRY_POINTS: dict = {}


def _layout(value):
    """What Numba's type of a value depends on, as a key that is quick to compute: for an
    array its dtype, dimensions and flags, for a tuple its class and members, for a typed
    container its Numba type, otherwise the Python type."""
    if isinstance(value, np.ndarray):
        flags = value.flags
        return (value.dtype.str, value.ndim, flags.c_contiguous, flags.f_contiguous,
                flags.writeable, flags.aligned)  # fmt: skip
    if isinstance(value, tuple):
        return (type(value), tuple(_layout(v) for v in value))
    return getattr(value, "_numba_type_", type(value))


def _run_ticks_entry(S, P, seed, out):
    """``run_ticks`` over the whole run, without the dispatcher typing its arguments.

    Numba types every argument on every call; for the state and the parameters, named
    tuples of about 140 arrays and numbers, that costs about a millisecond, a tenth of a
    classroom run. The compiled entry point is kept per layout of the arguments instead:
    a layout's first call goes through the dispatcher (which compiles or loads it).
    """
    args = (S, P, np.int64(seed), 0, int(P.n_ticks), out)
    key = (_layout(S), _layout(P), _layout(out))
    entry = _ENTRY_POINTS.get(key)
    if entry is not None:
        return entry(*args)
    S = run_ticks(*args)
    compiled = run_ticks.overloads.get(tuple(typeof(a) for a in args))
    if compiled is not None:
        _ENTRY_POINTS[key] = compiled.entry_point
    return S


def simulate(params, population, seed: int, state=None):
    """Run a whole scenario on the kernel; returns (indicators by tick, final state).

    One compiled call: the state grows inside it when a tick could outgrow its arrays.
    """
    from rainforest.sim.indicators import N_INDICATORS
    from rainforest.sim.state import initial_state

    S = initial_state(population, params) if state is None else state
    out = np.zeros((params.n_ticks, N_INDICATORS))
    S = _run_ticks_entry(S, params, seed, out)
    return out, S
