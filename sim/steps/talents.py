"""Step 2, talents: each talent leaves the city, looks for a better employer, founds a
start-up or stays; then the quarter's talents arrive (inflow, graduates of colleges and
the Array plan's hires)."""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim import rng, rules
from rainforest.sim.common import (
    _cluster_lists,
    _cumulative_weights,
    _knowledge,
    _new_enterprise,
    _own,
    _pick_in,
    _pick_weighted,
    _pilot_level,
    pick_neighbour,
)
from rainforest.sim.edges import center_levels
from rainforest.sim.kinds import (
    FROM_OUTSIDE,
    HIGH_LEVEL,
    LOCAL,
    NO_EMPLOYER,
    REGULAR,
    SPIN_OFF,
    STARTUP_TIER,
)
from rainforest.sim.plans.array import array_hires, array_retention
from rainforest.sim.plans.rainforest import founding_finance_boost
from rainforest.sim.state import (
    FOUNDERS,
    INFLOW,
    N_ENT,
    N_INST,
    N_TAL,
    N_TAL0,
    OUTFLOW,
    TAL_GONE,
    TAL_IDS,
    TALENT_WEIGHT,
    TOTAL_IN,
    TOTAL_OUT,
)
from rainforest.sim.state_layout import free_talent, move_talent


@njit(cache=True, inline="always", error_model="numpy")
def _talent_choice(u_out, u_move, u_found, p_out, p_found, employer, skill, founding_skill,
                   job_mobility):  # fmt: skip
    """A talent's decision this quarter, from its three draws: (leaves, moves, founds).

    It leaves the city with probability ``p_out``; otherwise it looks for a job if it has
    none (employer -1) or with probability ``job_mobility``; otherwise it founds a start-up with
    probability ``p_found`` if it is skilled enough (``founding_probability`` is 0 below
    the founding skill). The caller applies the first that holds.
    """
    leaves = u_out < p_out
    moves = (employer < 0) | (u_move < job_mobility)
    founds = (skill >= founding_skill) & (p_found > 0.0) & (u_found < p_found)
    return leaves, moves, founds


@njit(cache=True, inline="always", error_model="numpy")
def _move_target(attract, ptr, nbr, tie_cum, cl_ptr, cl_org, cl_cum, key_cand, talent,
                 employer, employer_weight, cl):  # fmt: skip
    """Where a job-seeking talent moves: the more attractive of a partner of its employer
    (as its real employer sees its ties: ``pick_neighbour``) and a random firm of its
    cluster (drawn in proportion to the real firms each agent stands for), if better than
    its employer (any, for an unemployed talent); -1 if it stays."""
    unemployed = employer < 0
    current = -np.inf if unemployed else attract[employer]
    best, best_a = -1, -np.inf
    if not unemployed:
        u = rng.keyed_uniform(key_cand, talent, rng.CANDIDATE_PARTNER)
        c = pick_neighbour(ptr, nbr, tie_cum, employer, employer_weight, u)
        if c >= 0:
            best, best_a = c, attract[c]
    u = rng.keyed_uniform(key_cand, talent, rng.CANDIDATE_IN_CLUSTER)
    x = _pick_in(cl_cum, cl_ptr[cl], cl_ptr[cl + 1], u)
    if x >= 0:
        c = cl_org[x]
        if attract[c] > best_a:
            best, best_a = c, attract[c]
    if best >= 0 and best != employer and best_a > current:
        return best
    return -1


@njit(cache=True, error_model="numpy")
def talents_step(S, P, seed, t, ptr, nbr, tie_cum):
    """Step 2; returns talents per employer and their summed skill once the step is done.

    Each talent's decision reads only its own state and the start-of-step snapshot
    (attractiveness, adjacency, cluster lists), so decisions may be applied in any order:
    the step decides outflow and founding in one pass in id order, then places the movers
    it noted, then sums talents per employer in id order. Every talent's three draws
    (outflow, move, founding) are taken first, in loops of their own, whether or not its
    decision needs them: a draw is a pure function of its key, so taking it changes no
    other, and loops that only draw run on vector instructions.
    """
    if S.counts[TAL_GONE] * 4 > S.counts[N_TAL]:
        _close_up_talents(S)
    y = t // 4
    n_inst = S.counts[N_INST]
    n_ent = S.counts[N_ENT]
    n_org = n_inst + n_ent
    centers = center_levels(S, n_org)
    finance = founding_finance_boost(
        S.startup_finance[0], P.founding_boost, P.founding_finance_half_bn
    )
    founding_skill = P.founding_skill
    p_found = rules.founding_probability(
        founding_skill, P.founding_rate, founding_skill, finance, 0.0
    )
    attract = np.full(n_org, -np.inf)  # -inf marks an exited firm
    p_found_at = np.full(n_org, p_found)  # founding chance of a skilled talent employed there
    for o in range(n_org):
        if o >= n_inst and not S.ent_alive[o - n_inst]:
            continue
        own = _own(S.inst_knowledge, S.inst_cluster, S.ent_own, P.field_cluster, n_inst, o)
        if o < n_inst:
            level = max(S.inst_college_level[o], centers[o]) / S.inst_weight[o]
            attract[o] = rules.employer_attractiveness(own, 0.0, 0.0, level)
        else:
            i = o - n_inst
            park = _pilot_level(S.pilot_level, S.ent_district, S.ent_field, P.field_cluster, i)
            revenue = S.ent_revenue[i] / S.ent_weight[i]
            attract[o] = rules.employer_attractiveness(
                own, revenue, park, centers[o] / S.ent_weight[i]
            )
            if park > 0.0:
                p_found_at[o] = rules.founding_probability(
                    founding_skill, P.founding_rate, founding_skill, finance,
                    P.park_founding_boost * park,
                )  # fmt: skip
    # alive enterprises of each cluster, id order (the start-of-step snapshot), with the
    # real firms they stand for summed along each cluster's run
    cl_ptr, cl_org = _cluster_lists(S, P, n_inst, n_ent)
    cl_cum = _cumulative_weights(cl_ptr, cl_org, S.ent_weight, n_inst)
    n_high = 0
    for k in range(S.counts[N_TAL]):
        if S.tal_present[k] and S.tal_level[k] == HIGH_LEVEL:
            n_high += 1
    retention = array_retention(S, P, y, n_high)
    S.retention_cut[0] = retention
    # the rules' values for each case a talent can be in (they depend on nothing else)
    p_out_unemployed = rules.outflow_probability(
        REGULAR, True, retention, P.talent_outflow, P.high_level_outflow, P.unemployed_outflow
    )
    p_out_regular = rules.outflow_probability(
        REGULAR, False, retention, P.talent_outflow, P.high_level_outflow, P.unemployed_outflow
    )
    p_out_high = rules.outflow_probability(
        HIGH_LEVEL, False, retention, P.talent_outflow, P.high_level_outflow, P.unemployed_outflow
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
    draws_out = rng.keyed_uniforms(key_out, tal_id, n_tal, rng.ONE_DRAW)
    draws_move = rng.keyed_uniforms(key_move, tal_id, n_tal, rng.ONE_DRAW)
    draws_found = rng.keyed_uniforms(key_found, tal_id, n_tal, rng.ONE_DRAW)
    for k in range(n_tal):
        if not tal_present[k]:
            continue
        employer = tal_employer[k]
        if employer >= 0 and attract[employer] == -np.inf:
            employer = NO_EMPLOYER  # its firm exited (see demography_step)
            tal_employer[k] = NO_EMPLOYER
        u_out = draws_out[k]
        u_move = draws_move[k]
        skill = tal_skill[k]
        u_found = draws_found[k]  # used only where skill >= founding_skill
        p_out = p_out_high if tal_level[k] == HIGH_LEVEL else p_out_regular
        p_out = p_out_unemployed if employer < 0 else p_out
        p = p_found_at[employer] if employer >= 0 else p_found
        leaves, moves, founds = _talent_choice(
            u_out, u_move, u_found, p_out, p, employer, skill, founding_skill,
            job_mobility,
        )  # fmt: skip
        if leaves:
            tal_present[k] = False
            tal_employer[k] = NO_EMPLOYER
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
        employer = mover_employer[m]
        w = 1.0
        if employer >= 0:
            w = S.inst_weight[employer] if employer < n_inst else S.ent_weight[employer - n_inst]
        target = _move_target(
            attract, ptr, nbr, tie_cum, cl_ptr, cl_org, cl_cum, key_cand, tal_id[k], employer,
            w, mover_cluster[m],
        )  # fmt: skip
        if target >= 0:
            tal_employer[k] = target
            tal_tenure[k] = 0
        elif employer >= 0:
            tal_tenure[k] += 1
    inflow = _talent_inflow(S, P, seed, t, y, cl_ptr, cl_org, cl_cum)
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


@njit(cache=True, inline="always", error_model="numpy")
def _close_up_talents(S):
    """Move present talents down over departed ones' slots, keeping their order (and so
    the id order every loop over talents relies on); the slots left over are freed. Both
    go over every talent field (``move_talent``, ``free_talent``: generated from the
    state's table)."""
    n = S.counts[N_TAL]
    w = 0
    for k in range(n):
        if S.tal_present[k]:
            if w != k:
                move_talent(S, w, k)
            w += 1
    for k in range(w, n):
        free_talent(S, k)
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
        S, P, S.tal_field[k], STARTUP_TIER, w_t, district, trl, P.startup_seed_bn * w_t, 0.0,
        SPIN_OFF,
    )  # fmt: skip
    for f in range(len(pk)):
        S.ent_knowledge[i, f] = P.spinoff_knowledge * pk[f]
    S.ent_own[i] = S.ent_knowledge[i, S.ent_field[i]]
    return n_inst + i


@njit(cache=True, inline="always", error_model="numpy")
def _add_talent(talents, field, skill, level, origin, employer, founding_skill):
    """A new talent in the next free slot, with the next id. A free slot holds what the
    state's table (``FIELDS``) fills it with, so only the fields that start otherwise are
    set here."""
    (tal_id, tal_field, tal_skill, tal_level, tal_origin, tal_employer, tal_present,
     counts) = talents  # fmt: skip
    if skill >= founding_skill:
        counts[FOUNDERS] += 1
    k = counts[N_TAL]
    tal_id[k] = counts[TAL_IDS]
    tal_field[k] = field
    tal_skill[k] = skill
    tal_level[k] = level
    tal_origin[k] = origin
    tal_employer[k] = employer
    tal_present[k] = True
    counts[N_TAL] += 1
    counts[TAL_IDS] += 1


@njit(cache=True, inline="always", error_model="numpy")
def _place(field_cluster, key, k, field, cl_ptr, cl_org, cl_cum):
    """A newcomer's first employer: an alive firm of its field's cluster, drawn in
    proportion to the real firms each agent stands for (-1: none)."""
    c = field_cluster[field]
    x = _pick_in(cl_cum, cl_ptr[c], cl_ptr[c + 1], rng.keyed_uniform(key, k, rng.NEWCOMER_EMPLOYER))
    return cl_org[x] if x >= 0 else NO_EMPLOYER


@njit(cache=True, inline="always", error_model="numpy")
def _talent_inflow(S, P, seed, t, y, cl_ptr, cl_org, cl_cum):
    """The quarter's arrivals, in this order: the base inflow, each college's graduates
    (as far as the college works), the Array plan's hires. Returns their number."""
    talents = (S.tal_id, S.tal_field, S.tal_skill, S.tal_level, S.tal_origin, S.tal_employer,
               S.tal_present, S.counts)  # fmt: skip
    n_inst = S.counts[N_INST]
    w_t = S.counts[TALENT_WEIGHT]
    n_base = rng.stochastic_round(
        P.talent_inflow * S.counts[N_TAL0], seed, t, rng.BASE_INFLOW, rng.INFLOW_COUNT
    )
    key = rng.stream_key(seed, t, rng.INFLOW_TALENT)  # each newcomer's draws
    arrivals = 0
    for _ in range(n_base):
        k = S.counts[TAL_IDS]  # the new talent's id
        field = _pick_weighted(P.field_share, rng.keyed_uniform(key, k, rng.NEWCOMER_FIELD))
        high = rng.keyed_uniform(key, k, rng.NEWCOMER_LEVEL) < P.high_level_share
        skill = rng.keyed_uniform(key, k, rng.NEWCOMER_SKILL)
        if high:
            skill = 0.7 + 0.3 * skill
        employer = _place(P.field_cluster, key, k, field, cl_ptr, cl_org, cl_cum)
        level = HIGH_LEVEL if high else REGULAR
        _add_talent(talents, field, skill, level, FROM_OUTSIDE, employer, P.founding_skill)
        arrivals += 1
    for j in range(n_inst):
        if not S.inst_college_level[j] > 0.0:
            continue
        n = rng.stochastic_round(
            S.inst_college_level[j] * P.college_graduates_per_quarter / w_t, seed, t,
            rng.COLLEGE_INFLOW + j, rng.INFLOW_COUNT,
        )  # fmt: skip
        c = S.inst_cluster[j]
        n_fields = 0
        for f in range(len(P.field_cluster)):
            if P.field_cluster[f] == c:
                n_fields += 1
        for _ in range(n):
            k = S.counts[TAL_IDS]  # the new talent's id
            pick = rng.keyed_index(key, k, rng.NEWCOMER_FIELD, n_fields)
            field = -1
            seen = 0
            for f in range(len(P.field_cluster)):
                if P.field_cluster[f] == c:
                    if seen == pick:
                        field = f
                        break
                    seen += 1
            skill = 0.8 * rng.keyed_uniform(key, k, rng.NEWCOMER_SKILL)
            employer = _place(P.field_cluster, key, k, field, cl_ptr, cl_org, cl_cum)
            _add_talent(talents, field, skill, REGULAR, LOCAL, employer, P.founding_skill)
            arrivals += 1
    n_array = array_hires(S, P, y)
    for _ in range(n_array):
        k = S.counts[TAL_IDS]  # the new talent's id
        field = _pick_weighted(S.field_weight, rng.keyed_uniform(key, k, rng.NEWCOMER_FIELD))
        skill = 0.7 + 0.3 * rng.keyed_uniform(key, k, rng.NEWCOMER_SKILL)
        employer = _place(P.field_cluster, key, k, field, cl_ptr, cl_org, cl_cum)
        _add_talent(talents, field, skill, HIGH_LEVEL, FROM_OUTSIDE, employer, P.founding_skill)
        arrivals += 1
    return arrivals
