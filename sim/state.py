"""The model's state: structure-of-arrays, one group per kind of entity.

Arrays are allocated with spare capacity (start-ups, entrants and arriving talents are
appended); ``counts`` holds how many slots are in use. The innovation network is an
edge store (endpoints ``a < b``, kind, strength, start tick; kind -1 marks a freed slot)
with a typed dict from the pair key ``a * KEY + b`` to the slot, and is turned into a
sorted adjacency (CSR) whenever a step needs neighbours.

The state is built from a ``Population`` and ``Params``; the Mesa face's agents read it.

Its fields are declared once, in ``FIELDS`` below (entity, name, dtype, fill): the
``State`` NamedTuple is generated from it into sim/state_layout.py (Numba caches compiled
code for a NamedTuple class it can import, so the generated module is checked in), and
``initial_state`` and ``grown`` fill spare slots from it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numba import njit, types
from numba.typed import Dict
from rainforest.scenarios.fields import N_DISTRICTS, N_FIELDS
from rainforest.sim.params import Params
from rainforest.sim.plan_ids import N_PLANS
from rainforest.sim.population import Population
from rainforest.sim.state_layout import State

KEY = np.int64(1 << 31)  # pair key a * KEY + b; organisation ids stay far below 2**31

# counts[...] slots
N_ENT, N_TAL, N_EDGE_SLOTS, N_CONS, INFLOW, OUTFLOW, TOTAL_IN, TOTAL_OUT, N_TAL0, N_INST = range(10)
TALENT_WEIGHT, N_LIVE_EDGES, FOUNDERS = 10, 11, 12
TAL_IDS, TAL_GONE = 13, 14  # talent ids given out; slots of departed talents not yet reused
N_COUNTS = 15


class Field(NamedTuple):
    """One field of the state: its entity, name, dtype, dimensions and what an unused
    slot holds."""

    entity: str
    name: str
    dtype: str  # a numpy dtype name, or "dict" for the typed edge index
    ndim: int = 1
    fill: object = 0
    note: str = ""


# What each entity's fields hold. Enterprises, talents and edges have spare slots and
# grow (``grown``, by the number of slots asked for); the others are fixed in size.
ENTITIES = {
    "counts": ("counts[...]: slots in use and running totals (constants in sim/state.py)", None),
    "inst": ("institutes (fixed)", None),
    "ent": ("enterprises (capacity; counts[N_ENT] in use)", "enterprises"),
    "tal": (
        "talents (capacity; counts[N_TAL] slots in use). A talent's id (tal_id, the Mesa"
        " face's talent_id) keys its draws; departed talents' slots are closed up from"
        " time to time, so a slot is not an id.",
        "talents",
    ),
    "edge": ("innovation network (slots; counts[N_EDGE_SLOTS] in use)", "edges"),
    "gov": ("market and government", None),
    "cons": ("consortia (one row per consortium formed)", None),
}

# The state, declared once: ``State`` (sim/state_layout.py) is generated from this
# table by ``make state-layout``, and ``initial_state`` and ``grown`` fill spare slots
# from it. A new field is one row here, its initial value below and its use.
FIELDS = (
    Field("counts", "counts", "int64"),
    Field("inst", "inst_kind", "int64"),
    Field("inst", "inst_cluster", "int64"),
    Field("inst", "inst_district", "int64"),
    Field("inst", "inst_weight", "int64"),
    Field("inst", "inst_knowledge", "float64", 2, 0.0),
    Field("inst", "inst_college", "bool", 1, False),
    Field("inst", "inst_center", "bool", 1, False),
    Field("inst", "inst_funding", "float64", 1, 0.0),
    Field("inst", "inst_rd_stock", "float64", 1, 0.0, "research money working through its lag"),
    Field("inst", "inst_college_since", "int64", 1, -1),
    Field("inst", "inst_center_since", "int64", 1, -1),
    Field("inst", "inst_college_level", "float64", 1, 0.0, "0..1: built up and running costs paid"),
    Field("inst", "inst_center_level", "float64", 1, 0.0),
    Field("inst", "inst_college_paid", "bool", 1, False),
    Field("inst", "inst_center_paid", "bool", 1, False),
    Field("ent", "ent_field", "int64"),
    Field("ent", "ent_tier", "int64"),
    Field("ent", "ent_weight", "int64"),
    Field("ent", "ent_district", "int64"),
    Field("ent", "ent_knowledge", "float64", 2, 0.0),
    Field(
        "ent",
        "ent_own",
        "float64",
        1,
        0.0,
        "ent_knowledge in the firm's own field, kept with it: loops over firms read it far"
        " more often than the whole row",
    ),  # fmt: skip
    Field("ent", "ent_trl", "int64"),
    Field("ent", "ent_capital", "float64", 1, 0.0),
    Field("ent", "ent_legacy", "float64", 1, 0.0),
    Field("ent", "ent_revenue", "float64", 1, 0.0),
    Field("ent", "ent_rd", "float64", 1, 0.0),
    Field("ent", "ent_rd_stock", "float64", 1, 0.0, "R&D spending working through its lag"),
    Field(
        "ent",
        "ent_seat_stock",
        "float64",
        1,
        0.0,
        "R&D of a consortium seat's grant (one real firm of the agent), through its lag",
    ),  # fmt: skip
    Field("ent", "ent_grant_rd", "float64", 1, 0.0, "R&D grants received this quarter"),
    Field("ent", "ent_seat_grant", "float64", 1, 0.0, "consortium grant received this quarter"),
    Field("ent", "ent_finance_rd", "float64", 1, 0.0, "equity raised this quarter put into R&D"),
    Field("ent", "ent_origin", "int64"),
    Field("ent", "ent_age", "int64"),
    Field("ent", "ent_negative", "int64"),
    Field("ent", "ent_consortium", "int64", 1, -1),
    Field("ent", "ent_demo_until", "int64", 1, -1),
    Field("ent", "ent_alive", "bool", 1, False),
    Field("tal", "tal_id", "int64"),
    Field("tal", "tal_field", "int64"),
    Field("tal", "tal_skill", "float64", 1, 0.0),
    Field("tal", "tal_level", "int64"),
    Field("tal", "tal_origin", "int64"),
    Field("tal", "tal_tenure", "int64"),
    Field("tal", "tal_employer", "int64", 1, -1),
    Field("tal", "tal_present", "bool", 1, False),
    Field("edge", "edge_a", "int64"),
    Field("edge", "edge_b", "int64"),
    Field("edge", "edge_kind", "int64", 1, -1),
    Field("edge", "edge_strength", "float64", 1, 0.0),
    Field("edge", "edge_start", "int64"),
    Field(
        "edge",
        "edge_ties",
        "float64",
        1,
        1.0,
        "real ties the edge stands for: the searching agent's weight for a partnership, 1"
        " for a consortium or center seat",
    ),  # fmt: skip
    Field("edge", "edge_index", "dict", 0, None, "pair key a * KEY + b -> slot"),
    Field("gov", "adoption", "float64", 1, 0.0),
    Field("gov", "bass_p", "float64", 1, 0.0),
    Field("gov", "field_weight", "float64", 1, 0.0),
    Field("gov", "last_field_trl", "float64", 1, 0.0),
    Field("gov", "last_field_revenue", "float64", 1, 0.0),
    Field("gov", "traction", "float64", 1, 0.0, "smoothed yearly traction by field"),
    Field("gov", "ledger", "float64", 2, 0.0),
    Field("gov", "pilot", "bool", 2, False),
    Field("gov", "pilot_since", "int64", 2, -1),
    Field("gov", "pilot_paid", "bool", 2, False),
    Field("gov", "pilot_level", "float64", 2, 0.0, "0..1: built up and running costs paid"),
    Field("gov", "retention_cut", "float64", 1, 0.0, "[0]: the Array plan's outflow cut"),
    Field(
        "gov",
        "startup_finance",
        "float64",
        1,
        0.0,
        "[0]: Rainforest finance per real start-up last quarter, a year (RMB bn)",
    ),  # fmt: skip
    Field("cons", "cons_leader", "int64", 1, -1),
    Field("cons", "cons_members", "int64", 2, -1),
    Field("cons", "cons_n_members", "int64"),
    Field("cons", "cons_institute", "int64", 1, -1),
    Field("cons", "cons_end", "int64"),
    Field("cons", "cons_active", "bool", 1, False),
)
FIELD_OF = {f.name: f for f in FIELDS}

LAYOUT_PATH = Path(__file__).resolve().parent / "state_layout.py"


def layout_source() -> str:
    """The source of sim/state_layout.py, generated from ``FIELDS``."""
    lines = [
        '"""The model state\'s NamedTuple, generated from ``FIELDS``.',
        "",
        "GENERATED by ``make state-layout`` from the FIELDS table in sim/state.py: edit the",
        "table, not this file (tests/sim/test_state.py fails when the two differ).",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import NamedTuple",
        "",
        "import numpy as np",
        "from numba.typed import Dict",
        "",
        "",
        "class State(NamedTuple):",
    ]
    lines.append(
        '    """The state\'s fields, by entity, as ``FIELDS`` in sim/state.py lists them."""'
    )
    lines.append("")
    entity = None
    for f in FIELDS:
        if f.entity != entity:
            entity = f.entity
            lines += [f"    # {line}" for line in textwrap.wrap(ENTITIES[entity][0], 94)]
        lines += [f"    # {line}" for line in textwrap.wrap(f.note, 94)]
        kind = "Dict" if f.dtype == "dict" else "np.ndarray"
        lines.append(f"    {f.name}: {kind}")
    lines.append("")
    return "\n".join(lines)


def grown(S: State, enterprises: int, talents: int, edges: int) -> State:
    """A state with room for at least the given numbers of each.

    Arrays that must grow are copied into ones half as large again (or as large as asked,
    if more), so growth is rare; values never change, and new slots hold the table's fill.
    """
    asked = {"enterprises": enterprises, "talents": talents, "edges": edges}
    capacity = {}
    for entity, (_, what) in ENTITIES.items():
        if what is not None:
            now = len(getattr(S, next(f.name for f in FIELDS if f.entity == entity)))
            if asked[what] > now:
                capacity[entity] = max(asked[what], now * 3 // 2)
    changed = {}
    for f in FIELDS:
        if f.entity in capacity and f.dtype != "dict":
            old = getattr(S, f.name)
            new = np.full((capacity[f.entity], *old.shape[1:]), f.fill, dtype=old.dtype)
            new[: len(old)] = old
            changed[f.name] = new
    return S._replace(**changed)


def write_layout(path: Path = LAYOUT_PATH) -> None:
    """Write sim/state_layout.py from ``FIELDS`` (``make state-layout``)."""
    path.write_text(layout_source(), encoding="utf-8")


@njit(cache=True, inline="always", error_model="numpy")
def set_edge(edges, a, b, kind, strength, tick):
    """Create or renew a tie; it keeps the most formal kind it has had. Returns its slot
    (the caller sets the real ties it stands for, ``edge_ties``)."""
    edge_index, edge_a, edge_b, edge_kind, edge_strength, edge_start, counts = edges
    lo, hi = min(a, b), max(a, b)
    key = lo * KEY + hi
    if key in edge_index:
        e = edge_index[key]
        edge_kind[e] = max(edge_kind[e], kind)
        edge_strength[e] = strength
        return e
    e = counts[N_EDGE_SLOTS]
    edge_a[e] = lo
    edge_b[e] = hi
    edge_kind[e] = kind
    edge_strength[e] = strength
    edge_start[e] = tick
    edge_index[key] = e
    counts[N_EDGE_SLOTS] += 1
    counts[N_LIVE_EDGES] += 1
    return e


@njit(cache=True, error_model="numpy")
def _edge_store(src, dst, strength, capacity, counts):
    """The initial ties as partnerships, through ``set_edge``, as the run adds ties
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


def _initial_ties(edge_a, edge_kind, edge_b, n_inst, pop, capacity):
    """The initial partnerships' real ties: each was drawn for a firm (a non-leading
    firm's tie to a leading firm, or a firm's to an institute), and stands for one tie of
    each of the real firms that agent stands for."""
    ties = np.ones(capacity)
    weight = np.asarray(pop.ent_weight, dtype=np.float64)
    live = np.flatnonzero(edge_kind >= 0)
    a, b = edge_a[live], edge_b[live]
    wb = weight[b - n_inst]
    wa = weight[np.maximum(a - n_inst, 0)]
    ties[live] = np.where(a < n_inst, wb, np.maximum(wa, wb))
    return ties


def initial_state(pop: Population, params: Params) -> State:
    """The state at t = 0."""
    p = params
    n_inst, n_ent, n_tal = pop.n_institutes, pop.n_enterprises, pop.n_talents
    cap_e = n_ent + max(64, n_ent // 2)
    cap_t = n_tal + max(256, n_tal // 2)
    n_edges = len(pop.edge_src)
    cap_edges = max(1024, 4 * (n_edges + n_inst + n_ent))
    w_t = pop.talent_weight

    initial_talents = np.bincount(pop.tal_employer, minlength=n_inst + n_ent)
    # element by element, in a fixed order, so that every build gives the same bits
    weight = np.asarray(pop.ent_weight[:n_ent], dtype=np.int64).astype(np.float64)
    burn = p.fixed_cost_bn * weight + p.wage_bn * initial_talents[n_inst : n_inst + n_ent] * w_t
    legacy = np.asarray(pop.ent_cover[:n_ent], dtype=np.float64) * p.legacy_cover * burn

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

    max_cons = max(1, p.max_consortia_per_call * p.n_years + 1)
    initial = dict(
        counts=counts,
        inst_kind=pop.inst_kind.astype(np.int64),
        inst_cluster=pop.inst_cluster.astype(np.int64),
        inst_district=pop.inst_district.astype(np.int64),
        inst_weight=pop.inst_weight.astype(np.int64),
        inst_knowledge=pop.inst_knowledge.astype(np.float64).copy(),
        inst_college=np.zeros(n_inst, np.bool_),
        inst_center=np.zeros(n_inst, np.bool_),
        inst_funding=np.zeros(n_inst, np.float64),
        inst_rd_stock=p.institute_research_bn * pop.inst_weight.astype(np.float64),
        inst_college_since=np.full(n_inst, -1, np.int64),
        inst_center_since=np.full(n_inst, -1, np.int64),
        inst_college_level=np.zeros(n_inst, np.float64),
        inst_center_level=np.zeros(n_inst, np.float64),
        inst_college_paid=np.zeros(n_inst, np.bool_),
        inst_center_paid=np.zeros(n_inst, np.bool_),
        ent_field=pop.ent_field,
        ent_tier=pop.ent_tier,
        ent_weight=pop.ent_weight,
        ent_district=pop.ent_district,
        ent_knowledge=pop.ent_knowledge,
        ent_own=pop.ent_knowledge[np.arange(n_ent), pop.ent_field[:n_ent]],
        ent_trl=pop.ent_trl,
        ent_capital=pop.ent_capital,
        ent_legacy=legacy,
        ent_revenue=np.zeros(n_ent),
        ent_rd=p.rd_intensity * legacy,
        ent_rd_stock=p.rd_intensity * legacy,
        ent_seat_stock=np.zeros(n_ent),
        ent_grant_rd=np.zeros(n_ent),
        ent_seat_grant=np.zeros(n_ent),
        ent_finance_rd=np.zeros(n_ent),
        ent_origin=np.zeros(n_ent),
        ent_age=np.zeros(n_ent),
        ent_negative=np.zeros(n_ent),
        ent_consortium=np.full(n_ent, -1),
        ent_demo_until=np.full(n_ent, -1),
        ent_alive=np.ones(n_ent, np.bool_),
        tal_id=np.arange(n_tal),
        tal_field=pop.tal_field,
        tal_skill=pop.tal_skill,
        tal_level=pop.tal_level,
        tal_origin=np.zeros(n_tal),
        tal_tenure=np.zeros(n_tal),
        tal_employer=pop.tal_employer,
        tal_present=np.ones(n_tal, np.bool_),
        edge_a=edge_a,
        edge_b=edge_b,
        edge_kind=edge_kind,
        edge_strength=edge_strength,
        edge_start=edge_start,
        edge_ties=_initial_ties(edge_a, edge_kind, edge_b, n_inst, pop, cap_edges),
        edge_index=edge_index,
        adoption=np.full(N_FIELDS, p.initial_adoption),
        bass_p=np.full(N_FIELDS, p.bass_p),
        field_weight=p.field_share.copy(),
        last_field_trl=np.zeros(N_FIELDS),
        last_field_revenue=np.zeros(N_FIELDS),
        traction=np.zeros(N_FIELDS),
        ledger=np.zeros((N_PLANS, p.n_years)),
        pilot=np.zeros((N_DISTRICTS, 5), np.bool_),
        pilot_since=np.full((N_DISTRICTS, 5), -1, np.int64),
        pilot_paid=np.zeros((N_DISTRICTS, 5), np.bool_),
        pilot_level=np.zeros((N_DISTRICTS, 5), np.float64),
        retention_cut=np.zeros(1),
        startup_finance=np.zeros(1),
        cons_leader=np.full(max_cons, -1, np.int64),
        cons_members=np.full((max_cons, max(1, p.consortium_size)), -1, np.int64),
        cons_n_members=np.zeros(max_cons, np.int64),
        cons_institute=np.full(max_cons, -1, np.int64),
        cons_end=np.zeros(max_cons, np.int64),
        cons_active=np.zeros(max_cons, np.bool_),
    )
    # enterprises and talents in use, then spare slots filled as the table says
    for name, (n, capacity) in {"ent": (n_ent, cap_e), "tal": (n_tal, cap_t)}.items():
        for f in FIELDS:
            if f.entity == name:
                values = initial[f.name]
                out = np.full((capacity, *np.shape(values)[1:]), f.fill, dtype=f.dtype)
                out[:n] = values
                initial[f.name] = out
    return State(**initial)
