"""The Foundation plan: colleges and innovation centers designated each year and kept
working while their running costs are paid, and the quarterly research funding shared
among institutes by field-weighted knowledge."""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim import rules
from rainforest.sim.common import _by_designation, _flow, _left, _n_true, _stable_desc
from rainforest.sim.edges import _edges
from rainforest.sim.kinds import CENTER, LEADING_TIER, UNIVERSITY
from rainforest.sim.plan_ids import FOUNDATION
from rainforest.sim.state import N_ENT, N_INST, set_edge


@njit(cache=True, inline="always", error_model="numpy")
def _steer(S, P):
    """Each field's support relative to its share (all 1 under fixed allocation): how the
    horse race steers designations."""
    return S.field_weight / P.field_share


@njit(cache=True, inline="always", error_model="numpy")
def _strongest(S, P, j, own_cluster):
    """Institute j's knowledge in its strongest field (of its own cluster if
    ``own_cluster``)."""
    best = 0.0
    for f in range(S.inst_knowledge.shape[1]):
        if own_cluster and P.field_cluster[f] != S.inst_cluster[j]:
            continue
        best = max(best, S.inst_knowledge[j, f])
    return best


@njit(cache=True, inline="always", error_model="numpy")
def _next_college(S, P, n_inst):
    """The university to make a college: the most knowledgeable one not yet designated
    that is ready (``institute_ready``: knowledge in its strongest field at least
    ``college_min_knowledge``), knowledge weighted by the fields' steer; -1 if none is."""
    steer = _steer(S, P)
    best, best_k = -1, -np.inf
    for j in range(n_inst):
        if S.inst_kind[j] != UNIVERSITY or S.inst_college[j]:
            continue
        if not rules.institute_ready(_strongest(S, P, j, False), 0.0, P.college_min_knowledge, 0.0):
            continue
        k = rules.weighted_knowledge(S.inst_knowledge[j], steer)
        if k > best_k:
            best, best_k = j, k
    return best


@njit(cache=True, inline="always", error_model="numpy")
def _center_ready(S, P, n_inst, ptr, nbr, slot):
    """Which institutes are ready to host a center (``institute_ready``): knowledge in the
    strongest field of their cluster at least ``center_min_knowledge``, and at least
    ``center_min_partners`` real partner firms of their cluster (alive firms tied to them,
    each tie counting the real ties it stands for, per real institute)."""
    ready = np.zeros(n_inst, np.bool_)
    n_rows = len(ptr) - 1
    for j in range(n_inst):
        partners = 0.0
        if j < n_rows:
            for x in range(ptr[j], ptr[j + 1]):
                b = nbr[x]
                if b < n_inst:
                    continue
                i = b - n_inst
                if S.ent_alive[i] and P.field_cluster[S.ent_field[i]] == S.inst_cluster[j]:
                    partners += S.edge_ties[slot[x]]
        ready[j] = rules.institute_ready(
            _strongest(S, P, j, True),
            partners / S.inst_weight[j],
            P.center_min_knowledge,
            P.center_min_partners,
        )
    return ready


@njit(cache=True, inline="always", error_model="numpy")
def _designate_center(S, P, t, ptr, nbr, slot, ready):
    """Designate one innovation center; False if no ready institute is left to designate.

    Its host is the institute of the strongest institute–leading-firm tie (strength times
    the pair's knowledge in the firm's field), that firm its first member; without such a
    tie, the most knowledgeable undesignated institute and its cluster's most
    knowledgeable leading firm. Only institutes ``ready`` (``_center_ready``) host. The
    cluster's most knowledgeable firms fill the other
    places; every member gets a center tie to the host.
    """
    n_inst = S.counts[N_INST]
    n_ent = S.counts[N_ENT]
    steer = _steer(S, P)
    best_inst, best_firm, best_score = -1, -1, -np.inf
    n_rows = len(ptr) - 1
    for a in range(min(n_inst, n_rows)):  # edges (a, b) in sorted order, a an institute
        for x in range(ptr[a], ptr[a + 1]):
            b = nbr[x]
            if b <= a or b < n_inst:
                continue
            if S.inst_center[a] or not ready[a]:
                continue
            i = b - n_inst
            if S.ent_tier[i] != LEADING_TIER:
                continue
            f = S.ent_field[i]
            score = S.edge_strength[slot[x]] * (S.ent_own[i] + S.inst_knowledge[a, f]) * steer[f]
            if score > best_score:
                best_inst, best_firm, best_score = a, b, score
    if best_inst < 0:
        cand, cand_k = -1, -np.inf
        for j in range(n_inst):
            if S.inst_center[j] or not ready[j]:
                continue
            k = rules.weighted_knowledge(S.inst_knowledge[j], steer)
            if k > cand_k:
                cand, cand_k = j, k
        if cand < 0:
            return False
        best_inst = cand
        top = -np.inf
        for i in range(n_ent):
            if (
                S.ent_alive[i]
                and S.ent_tier[i] == LEADING_TIER
                and P.field_cluster[S.ent_field[i]] == S.inst_cluster[cand]
                and S.ent_own[i] > top
            ):
                best_firm, top = n_inst + i, S.ent_own[i]
    S.inst_center[best_inst] = True
    S.inst_center_since[best_inst] = t
    S.inst_center_paid[best_inst] = True  # its first year is in its cost
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
        S.edge_ties[set_edge(_edges(S), best_inst, members[y], CENTER, 1.0, t)] = 1.0  # one seat
    return True


@njit(cache=True, inline="always", error_model="numpy")
def _pay_running_costs(S, P, y, n_inst):
    """The year's running costs of the colleges, then of the centers, each in order of
    designation (then id), while the budget lasts; one not paid for stops working this
    year (it stays designated)."""
    for x in _by_designation(S.inst_college[:n_inst], S.inst_college_since):
        paid = _left(P.budget, S.ledger, FOUNDATION, y) >= P.college_running_bn
        S.inst_college_paid[x] = paid
        if paid:
            S.ledger[FOUNDATION, y] += P.college_running_bn
    for x in _by_designation(S.inst_center[:n_inst], S.inst_center_since):
        paid = _left(P.budget, S.ledger, FOUNDATION, y) >= P.center_running_bn
        S.inst_center_paid[x] = paid
        if paid:
            S.ledger[FOUNDATION, y] += P.center_running_bn


@njit(cache=True, error_model="numpy")
def foundation_plan(S, P, t, y, annual, ptr, nbr, slot):
    """Each year, running costs, then colleges and centers up to the year's targets while
    the budget lasts and candidates meet the readiness gates; each quarter, the
    designations' build-up, then the flow shared among institutes in proportion to their
    knowledge weighted by the fields' weights."""
    n_inst = S.counts[N_INST]
    if annual:
        _pay_running_costs(S, P, y, n_inst)
        target = P.colleges_target[y]
        while (
            _n_true(S.inst_college) < target
            and _left(P.budget, S.ledger, FOUNDATION, y) >= P.college_cost_bn
        ):
            best = _next_college(S, P, n_inst)
            if best < 0:
                break
            S.inst_college[best] = True
            S.inst_college_since[best] = t
            S.inst_college_paid[best] = True  # its first year is in its cost
            S.ledger[FOUNDATION, y] += P.college_cost_bn
        target = P.centers_target[y]
        ready = _center_ready(S, P, n_inst, ptr, nbr, slot)
        while (
            _n_true(S.inst_center) < target
            and _left(P.budget, S.ledger, FOUNDATION, y) >= P.center_cost_bn
        ):
            if not _designate_center(S, P, t, ptr, nbr, slot, ready):
                break
            S.ledger[FOUNDATION, y] += P.center_cost_bn
    for j in range(n_inst):
        S.inst_college_level[j] = (
            rules.build_up(t - S.inst_college_since[j], P.build_up_quarters)
            if S.inst_college[j] and S.inst_college_paid[j]
            else 0.0
        )
        S.inst_center_level[j] = (
            rules.build_up(t - S.inst_center_since[j], P.build_up_quarters)
            if S.inst_center[j] and S.inst_center_paid[j]
            else 0.0
        )
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
