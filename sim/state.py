"""The kernel engine's state: structure-of-arrays, one group per kind of entity.

Arrays are allocated with spare capacity (start-ups, entrants and arriving talents are
appended); ``counts`` holds how many slots are in use. The innovation network is an
edge store (endpoints ``a < b``, kind, strength, start tick; kind -1 marks a freed slot)
with a typed dict from the pair key ``a * KEY + b`` to the slot, and is turned into a
sorted adjacency (CSR) whenever a step needs neighbours.

The state is built from the same ``Population`` and ``Params`` as the Mesa engine, with
the same arithmetic, so both engines start from identical bits.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, types
from numba.typed import Dict
from rainforest.scenarios.fields import N_DISTRICTS, N_FIELDS
from rainforest.sim.params import Params
from rainforest.sim.plan_ids import N_PLANS
from rainforest.sim.population import Population

KEY = np.int64(1 << 31)  # pair key a * KEY + b; organisation ids stay far below 2**31

# counts[...] slots
N_ENT, N_TAL, N_EDGE_SLOTS, N_CONS, INFLOW, OUTFLOW, TOTAL_IN, TOTAL_OUT, N_TAL0, N_INST = range(10)
TALENT_WEIGHT, N_LIVE_EDGES, FOUNDERS = 10, 11, 12
TAL_IDS, TAL_GONE = 13, 14  # talent ids given out; slots of departed talents not yet reused
N_COUNTS = 15


class State(NamedTuple):
    counts: np.ndarray
    # institutes (fixed)
    inst_kind: np.ndarray
    inst_cluster: np.ndarray
    inst_district: np.ndarray
    inst_weight: np.ndarray
    inst_knowledge: np.ndarray
    inst_college: np.ndarray
    inst_center: np.ndarray
    inst_funding: np.ndarray
    # enterprises (capacity; counts[N_ENT] in use)
    ent_field: np.ndarray
    ent_tier: np.ndarray
    ent_weight: np.ndarray
    ent_district: np.ndarray
    ent_knowledge: np.ndarray
    ent_own: np.ndarray  # ent_knowledge in the firm's own field, kept with it: loops over
    # firms read it far more often than the whole row
    ent_trl: np.ndarray
    ent_capital: np.ndarray
    ent_legacy: np.ndarray
    ent_revenue: np.ndarray
    ent_rd: np.ndarray
    ent_origin: np.ndarray
    ent_age: np.ndarray
    ent_negative: np.ndarray
    ent_consortium: np.ndarray
    ent_demo_until: np.ndarray
    ent_alive: np.ndarray
    # talents (capacity; counts[N_TAL] slots in use). A talent's id (tal_id, the Mesa
    # engine's talent_id) keys its draws; departed talents' slots are closed up from time
    # to time, so a slot is not an id.
    tal_id: np.ndarray
    tal_field: np.ndarray
    tal_skill: np.ndarray
    tal_level: np.ndarray
    tal_origin: np.ndarray
    tal_tenure: np.ndarray
    tal_employer: np.ndarray
    tal_present: np.ndarray
    # innovation network (slots; counts[N_EDGE_SLOTS] in use)
    edge_a: np.ndarray
    edge_b: np.ndarray
    edge_kind: np.ndarray
    edge_strength: np.ndarray
    edge_start: np.ndarray
    edge_index: Dict
    # market and government
    adoption: np.ndarray
    bass_p: np.ndarray
    field_weight: np.ndarray
    last_field_knowledge: np.ndarray
    ledger: np.ndarray
    pilot: np.ndarray
    cons_leader: np.ndarray
    cons_members: np.ndarray
    cons_n_members: np.ndarray
    cons_institute: np.ndarray
    cons_end: np.ndarray
    cons_active: np.ndarray


@njit(cache=True, error_model="numpy")
def _grown1(array, capacity, fill):
    if capacity <= len(array):
        return array
    out = np.full(capacity, fill, dtype=array.dtype)
    out[: len(array)] = array
    return out


@njit(cache=True, error_model="numpy")
def _grown2(array, capacity, fill):
    if capacity <= array.shape[0]:
        return array
    out = np.full((capacity, array.shape[1]), fill, dtype=array.dtype)
    out[: array.shape[0]] = array
    return out


@njit(cache=True, error_model="numpy")
def grown(S, enterprises, talents, edges):
    """A state with room for at least the given numbers of each.

    Arrays that must grow are copied into ones half as large again (or as large as asked,
    if more), so growth is rare; values never change. Compiled, so that a run grows its
    state without returning to Python.
    """
    ent = max(enterprises, len(S.ent_field) * 3 // 2) if enterprises > len(S.ent_field) else 0
    tal = max(talents, len(S.tal_field) * 3 // 2) if talents > len(S.tal_field) else 0
    edg = max(edges, len(S.edge_a) * 3 // 2) if edges > len(S.edge_a) else 0
    return State(
        S.counts,
        S.inst_kind, S.inst_cluster, S.inst_district, S.inst_weight, S.inst_knowledge,
        S.inst_college, S.inst_center, S.inst_funding,
        _grown1(S.ent_field, ent, 0), _grown1(S.ent_tier, ent, 0),
        _grown1(S.ent_weight, ent, 0), _grown1(S.ent_district, ent, 0),
        _grown2(S.ent_knowledge, ent, 0.0), _grown1(S.ent_own, ent, 0.0),
        _grown1(S.ent_trl, ent, 0),
        _grown1(S.ent_capital, ent, 0.0), _grown1(S.ent_legacy, ent, 0.0),
        _grown1(S.ent_revenue, ent, 0.0), _grown1(S.ent_rd, ent, 0.0),
        _grown1(S.ent_origin, ent, 0), _grown1(S.ent_age, ent, 0),
        _grown1(S.ent_negative, ent, 0), _grown1(S.ent_consortium, ent, -1),
        _grown1(S.ent_demo_until, ent, -1), _grown1(S.ent_alive, ent, False),
        _grown1(S.tal_id, tal, 0),
        _grown1(S.tal_field, tal, 0), _grown1(S.tal_skill, tal, 0.0),
        _grown1(S.tal_level, tal, 0), _grown1(S.tal_origin, tal, 0),
        _grown1(S.tal_tenure, tal, 0), _grown1(S.tal_employer, tal, -1),
        _grown1(S.tal_present, tal, False),
        _grown1(S.edge_a, edg, 0), _grown1(S.edge_b, edg, 0), _grown1(S.edge_kind, edg, -1),
        _grown1(S.edge_strength, edg, 0.0), _grown1(S.edge_start, edg, 0),
        S.edge_index,
        S.adoption, S.bass_p, S.field_weight, S.last_field_knowledge, S.ledger, S.pilot,
        S.cons_leader, S.cons_members, S.cons_n_members, S.cons_institute, S.cons_end,
        S.cons_active,
    )  # fmt: skip


@njit(cache=True, inline="always", error_model="numpy")
def set_edge(edges, a, b, kind, strength, tick):
    """Create or renew a tie; it keeps the most formal kind it has had."""
    edge_index, edge_a, edge_b, edge_kind, edge_strength, edge_start, counts = edges
    lo, hi = min(a, b), max(a, b)
    key = lo * KEY + hi
    if key in edge_index:
        e = edge_index[key]
        edge_kind[e] = max(edge_kind[e], kind)
        edge_strength[e] = strength
        return
    e = counts[N_EDGE_SLOTS]
    edge_a[e] = lo
    edge_b[e] = hi
    edge_kind[e] = kind
    edge_strength[e] = strength
    edge_start[e] = tick
    edge_index[key] = e
    counts[N_EDGE_SLOTS] += 1
    counts[N_LIVE_EDGES] += 1


@njit(cache=True, error_model="numpy")
def _edge_store(src, dst, strength, capacity, counts):
    """The initial ties as partnerships, through ``set_edge`` as the Mesa engine adds them
    (built compiled: a typed dict filled from Python costs a compile in every fresh
    process)."""
    edges = (
        Dict.empty(key_type=types.int64, value_type=types.int64),
        np.zeros(capacity, np.int64),
        np.zeros(capacity, np.int64),
        np.full(capacity, -1, np.int64),
        np.zeros(capacity, np.float64),
        np.zeros(capacity, np.int64),
        counts,
    )
    for e in range(len(src)):
        set_edge(edges, src[e], dst[e], 0, strength[e], 0)
    edge_index, edge_a, edge_b, edge_kind, edge_strength, edge_start, _ = edges
    return edge_a, edge_b, edge_kind, edge_strength, edge_start, edge_index


def initial_state(pop: Population, params: Params) -> State:
    """The kernel state at t = 0, with the same numbers as the Mesa engine's agents."""
    p = params
    n_inst, n_ent, n_tal = pop.n_institutes, pop.n_enterprises, pop.n_talents
    cap_e = n_ent + max(64, n_ent // 2)
    cap_t = n_tal + max(256, n_tal // 2)
    n_edges = len(pop.edge_src)
    cap_edges = max(1024, 4 * (n_edges + n_inst + n_ent))
    w_t = pop.talent_weight

    initial_talents = np.bincount(pop.tal_employer, minlength=n_inst + n_ent)
    # element by element the same operations, in the same order, as the Mesa engine's
    weight = np.asarray(pop.ent_weight[:n_ent], dtype=np.int64).astype(np.float64)
    burn = p.fixed_cost_bn * weight + p.wage_bn * initial_talents[n_inst : n_inst + n_ent] * w_t
    legacy = np.asarray(pop.ent_cover[:n_ent], dtype=np.float64) * p.legacy_cover * burn

    def ent(values, fill, dtype):
        out = np.full((cap_e, *np.shape(values)[1:]), fill, dtype=dtype)
        out[:n_ent] = values
        return out

    def tal(values, fill, dtype):
        out = np.full(cap_t, fill, dtype=dtype)
        out[:n_tal] = values
        return out

    counts = np.zeros(N_COUNTS, np.int64)
    counts[N_ENT] = n_ent
    counts[N_TAL] = n_tal
    edge_a, edge_b, edge_kind, edge_strength, edge_start, edge_index = _edge_store(
        np.asarray(pop.edge_src, dtype=np.int64),
        np.asarray(pop.edge_dst, dtype=np.int64),
        np.asarray(pop.edge_strength, dtype=np.float64),
        cap_edges,
        counts,
    )
    counts[N_TAL0] = n_tal
    counts[TAL_IDS] = n_tal
    counts[N_INST] = n_inst
    counts[TALENT_WEIGHT] = w_t
    counts[FOUNDERS] = int((pop.tal_skill >= p.founding_skill).sum())

    max_cons = max(1, p.max_consortia * p.n_years + 1)
    return State(
        counts=counts,
        inst_kind=pop.inst_kind.astype(np.int64),
        inst_cluster=pop.inst_cluster.astype(np.int64),
        inst_district=pop.inst_district.astype(np.int64),
        inst_weight=pop.inst_weight.astype(np.int64),
        inst_knowledge=pop.inst_knowledge.astype(np.float64).copy(),
        inst_college=np.zeros(n_inst, np.bool_),
        inst_center=np.zeros(n_inst, np.bool_),
        inst_funding=np.zeros(n_inst, np.float64),
        ent_field=ent(pop.ent_field, 0, np.int64),
        ent_tier=ent(pop.ent_tier, 0, np.int64),
        ent_weight=ent(pop.ent_weight, 1, np.int64),
        ent_district=ent(pop.ent_district, 0, np.int64),
        ent_knowledge=ent(pop.ent_knowledge, 0.0, np.float64),
        ent_own=ent(pop.ent_knowledge[np.arange(n_ent), pop.ent_field[:n_ent]], 0.0, np.float64),
        ent_trl=ent(pop.ent_trl, 1, np.int64),
        ent_capital=ent(pop.ent_capital, 0.0, np.float64),
        ent_legacy=ent(legacy, 0.0, np.float64),
        ent_revenue=ent(np.zeros(n_ent), 0.0, np.float64),
        ent_rd=ent(p.rd_intensity * legacy, 0.0, np.float64),
        ent_origin=ent(np.zeros(n_ent), 0, np.int64),
        ent_age=ent(np.zeros(n_ent), 0, np.int64),
        ent_negative=ent(np.zeros(n_ent), 0, np.int64),
        ent_consortium=ent(np.full(n_ent, -1), -1, np.int64),
        ent_demo_until=ent(np.full(n_ent, -1), -1, np.int64),
        ent_alive=ent(np.ones(n_ent, np.bool_), False, np.bool_),
        tal_id=tal(np.arange(n_tal), 0, np.int64),
        tal_field=tal(pop.tal_field, 0, np.int64),
        tal_skill=tal(pop.tal_skill, 0.0, np.float64),
        tal_level=tal(pop.tal_level, 0, np.int64),
        tal_origin=tal(np.zeros(n_tal), 0, np.int64),
        tal_tenure=tal(np.zeros(n_tal), 0, np.int64),
        tal_employer=tal(pop.tal_employer, -1, np.int64),
        tal_present=tal(np.ones(n_tal, np.bool_), False, np.bool_),
        edge_a=edge_a,
        edge_b=edge_b,
        edge_kind=edge_kind,
        edge_strength=edge_strength,
        edge_start=edge_start,
        edge_index=edge_index,
        adoption=np.full(N_FIELDS, p.initial_adoption),
        bass_p=np.full(N_FIELDS, p.bass_p),
        field_weight=p.field_share.copy(),
        last_field_knowledge=np.zeros(N_FIELDS),
        ledger=np.zeros((N_PLANS, p.n_years)),
        pilot=np.zeros((N_DISTRICTS, 5), np.bool_),
        cons_leader=np.full(max_cons, -1, np.int64),
        cons_members=np.full((max_cons, max(1, p.consortium_size)), -1, np.int64),
        cons_n_members=np.zeros(max_cons, np.int64),
        cons_institute=np.full(max_cons, -1, np.int64),
        cons_end=np.zeros(max_cons, np.int64),
        cons_active=np.zeros(max_cons, np.bool_),
    )
