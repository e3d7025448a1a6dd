"""Small compiled helpers the steps and plans share: an organisation's knowledge and
cluster, a plan's budget left and quarterly flow, weighted picks and stable rankings, the
alive firms of each cluster, and a new enterprise in the next free slot.

Organisations are numbered institutes first (ids ``0 .. n_inst-1``), then enterprises
(id ``n_inst + i`` for enterprise slot ``i``).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim import rules
from rainforest.sim.state import N_ENT


@njit(cache=True, inline="always", error_model="numpy")
def _own(inst_knowledge, inst_cluster, ent_own, field_cluster, n_inst, o):
    """An organisation's own knowledge (enterprise: its field; institute: cluster mean)."""
    if o < n_inst:
        return rules.institute_own_knowledge(inst_knowledge[o], inst_cluster[o], field_cluster)
    return ent_own[o - n_inst]


@njit(cache=True, inline="always", error_model="numpy")
def _knowledge(inst_knowledge, ent_knowledge, n_inst, o):
    """An organisation's knowledge row (one value per field)."""
    if o < n_inst:
        return inst_knowledge[o]
    return ent_knowledge[o - n_inst]


@njit(cache=True, inline="always", error_model="numpy")
def _cluster(inst_cluster, ent_field, field_cluster, n_inst, o):
    """An organisation's cluster (an enterprise's is its field's)."""
    if o < n_inst:
        return inst_cluster[o]
    return field_cluster[ent_field[o - n_inst]]


@njit(cache=True, inline="always", error_model="numpy")
def _pilot_level(pilot_level, ent_district, ent_field, field_cluster, i):
    """How far enterprise i's pilot area works (0 outside one; see ``build_up``)."""
    return pilot_level[ent_district[i], field_cluster[ent_field[i]]]


@njit(cache=True, inline="always", error_model="numpy")
def _budget(budget, plan, y):
    """A plan's budget in simulated year y."""
    return budget[plan, y]


@njit(cache=True, inline="always", error_model="numpy")
def _left(budget, ledger, plan, y):
    """What is left of a plan's budget in year y."""
    return budget[plan, y] - ledger[plan, y]


@njit(cache=True, inline="always", error_model="numpy")
def _flow(budget, ledger, plan, y):
    """A plan's quarterly flow: a quarter of its year's budget, at most what is left."""
    return max(0.0, min(budget[plan, y] / 4.0, budget[plan, y] - ledger[plan, y]))


@njit(cache=True, inline="always", error_model="numpy")
def _pick_weighted(weights, u):
    """The index a uniform draw u picks with probabilities proportional to weights."""
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


@njit(cache=True, inline="always", error_model="numpy")
def _by_designation(designated, since):
    """The indices ``designated`` marks, in order of designation (``since``), then index:
    the order running costs are paid in. An insertion sort, as there are few."""
    order = np.empty(len(designated), np.int64)
    n = 0
    for x in range(len(designated)):
        if designated[x]:
            y = n - 1
            while y >= 0 and since[order[y]] > since[x]:
                order[y + 1] = order[y]
                y -= 1
            order[y + 1] = x
            n += 1
    return order[:n]


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
def _by_cluster(field_cluster, ent_field, member, base):
    """The firms ``member`` marks, grouped by cluster in id order: cluster c's are
    ``ids[ptr[c]:ptr[c + 1]]``, each enterprise slot plus ``base``."""
    ptr = np.zeros(6, np.int64)
    for i in range(len(member)):
        if member[i]:
            ptr[field_cluster[ent_field[i]] + 1] += 1
    for c in range(5):
        ptr[c + 1] += ptr[c]
    fill = ptr[:-1].copy()
    ids = np.empty(ptr[5], np.int64)
    for i in range(len(member)):
        if member[i]:
            c = field_cluster[ent_field[i]]
            ids[fill[c]] = base + i
            fill[c] += 1
    return ptr, ids


@njit(cache=True, inline="always", error_model="numpy")
def _cumulative_weights(ptr, ids, ent_weight, base):
    """For lists made by ``_by_cluster``: at each position the real firms the list's
    agents stand for, summed from the start of its cluster's run, so that a draw can pick
    an agent in proportion to its weight (``_pick_in``)."""
    cum = np.empty(len(ids))
    for c in range(len(ptr) - 1):
        acc = 0.0
        for x in range(ptr[c], ptr[c + 1]):
            acc += ent_weight[ids[x] - base]
            cum[x] = acc
    return cum


@njit(cache=True, inline="always", error_model="numpy")
def _pick_in(cum, lo, hi, u):
    """The position in ``lo .. hi-1`` that a uniform draw u picks in proportion to the
    weights whose running sums ``cum`` holds: the first whose sum exceeds ``u`` times the
    run's total (the last if none does; -1 for an empty run).

    The search starts where the draw would fall if all weights were equal, which settles
    it there or next to it when they are (at city scale every agent stands for one firm),
    and otherwise bisects the side it lies on. Any search for that first position finds
    the same one, since the sums never decrease: with equal weights this one needs one or
    two reads where bisection needs a dozen dependent ones."""
    if hi <= lo:
        return -1
    x = u * cum[hi - 1]  # the run's sums start from zero at lo
    g = min(lo + int(u * (hi - lo)), hi - 1)
    if cum[g] > x:
        if g == lo or not cum[g - 1] > x:
            return g
        a, b = lo, g - 1
    else:
        if g == hi - 1:
            return g
        if cum[g + 1] > x:
            return g + 1
        a, b = g + 1, hi - 1
    while a < b:
        m = (a + b) // 2
        if cum[m] > x:
            b = m
        else:
            a = m + 1
    return a


@njit(cache=True, error_model="numpy")
def tie_sums(edge_ties, ptr, slot):
    """The real ties along each adjacency row, summed from the row's start: what
    ``pick_neighbour`` draws from."""
    cum = np.empty(len(slot))
    for o in range(len(ptr) - 1):
        acc = 0.0
        for x in range(ptr[o], ptr[o + 1]):
            acc += edge_ties[slot[x]]
            cum[x] = acc
    return cum


@njit(cache=True, inline="always", error_model="numpy")
def pick_neighbour(ptr, nbr, tie_cum, o, weight, u):
    """A neighbour of organisation o as one of the ``weight`` real organisations it stands
    for sees its ties, from one uniform draw u: none (-1) with the chance that one has no
    tie (where the real ties number fewer than ``weight``), else a neighbour in proportion
    to the real ties to it."""
    if o + 1 >= len(ptr) or ptr[o + 1] <= ptr[o]:
        return -1
    lo, hi = ptr[o], ptr[o + 1]
    reach = min(1.0, tie_cum[hi - 1] / weight)
    if not u < reach:
        return -1
    return nbr[_pick_in(tie_cum, lo, hi, u / reach)]


@njit(cache=True, inline="always", error_model="numpy")
def _cluster_lists(S, P, n_inst, n_ent):
    """Alive enterprises of each cluster, in id order: cluster c's organisation ids are
    ``cl_org[cl_ptr[c]:cl_ptr[c + 1]]``."""
    return _by_cluster(P.field_cluster, S.ent_field, S.ent_alive[:n_ent], n_inst)


@njit(cache=True, inline="always", error_model="numpy")
def _new_enterprise(S, P, field, tier, weight, district, trl, capital, legacy, origin):
    """A new enterprise in the next free slot (the caller sets its knowledge); returns
    its slot. A free slot holds what the state's table (``FIELDS``) fills it with, so only
    the fields that start otherwise are set here."""
    i = S.counts[N_ENT]
    S.ent_field[i] = field
    S.ent_tier[i] = tier
    S.ent_weight[i] = weight
    S.ent_district[i] = district
    S.ent_trl[i] = trl
    S.ent_capital[i] = capital
    S.ent_legacy[i] = legacy
    S.ent_rd[i] = P.rd_intensity * legacy
    S.ent_rd_stock[i] = S.ent_rd[i]
    S.ent_origin[i] = origin
    S.ent_alive[i] = True
    S.counts[N_ENT] += 1
    return i


@njit(cache=True, inline="always", error_model="numpy")
def rd_grant(S, P, i, amount, seat):
    """An R&D grant of ``amount`` to enterprise i: all of it is cash (capital), and the
    part that is additional (``grant_additional_share`` against the firm's own R&D, a
    share of last quarter's sales and legacy business) is earmarked for R&D, which the
    market step spends ``rd_additionality`` times; the rest is deadweight, money for
    projects the firm would have done anyway, which stays as cash. ``seat``: a
    consortium seat's grant, one real firm's, weighed against one real firm's own R&D."""
    own = P.rd_intensity * (S.ent_revenue[i] + S.ent_legacy[i])
    if seat:
        own /= S.ent_weight[i]
        additional = amount * rules.grant_additional_share(amount, own, P.grant_deadweight)
        S.ent_seat_grant[i] += additional
    else:
        # against all of the quarter's grants to the firm, so that two grants lose what
        # one grant of their sum would
        before = S.ent_grants_paid[i]
        after = before + amount
        additional = after * rules.grant_additional_share(
            after, own, P.grant_deadweight
        ) - before * rules.grant_additional_share(before, own, P.grant_deadweight)
        S.ent_grants_paid[i] = after
        S.ent_grant_rd[i] += additional
    S.ent_capital[i] += amount
