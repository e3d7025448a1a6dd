"""The model's state: structure-of-arrays, one group per kind of entity.

Arrays are allocated with spare capacity (start-ups, entrants and arriving talents are
appended); ``counts`` holds how many slots are in use. The innovation network is an
edge store (endpoints ``a < b``, kind, strength, start tick; kind ``FREED`` marks a freed
slot)
with a typed dict from the pair key ``a * KEY + b`` to the slot, and is turned into a
sorted adjacency (CSR) whenever a step needs neighbours.

The state is built from a ``Population`` and ``Params``; the Mesa face's agents read it.

Its fields are declared once, in ``FIELDS`` below (entity, name, dtype, fill, dimensions):
the ``State`` NamedTuple is generated from it into sim/state_layout.py (Numba caches
compiled code for a NamedTuple class it can import, so the generated module is checked
in), with the compiled code that moves and frees a talent's slot; ``initial_state`` and
``grown`` make every array from it. A free enterprise or talent slot holds its fields'
fills, so code that fills a slot sets only the fields that start otherwise. The integer
codes the fields hold are named in sim/kinds.py.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numba import njit, types
from numba.typed import Dict
from rainforest.scenarios.fields import N_CLUSTERS, N_DISTRICTS, N_FIELDS
from rainforest.scenarios.regions import N_REGIONS
from rainforest.sim.engine import prepare
from rainforest.sim.kinds import FREED, PARTNERSHIP
from rainforest.sim.params import Params
from rainforest.sim.plan_ids import HAND_IN_HAND, N_PLANS
from rainforest.sim.population import Population
from rainforest.sim.rules import steady_catch_up_ratio
from rainforest.sim.state_layout import State

KEY = np.int64(1 << 31)  # pair key a * KEY + b; organisation ids stay far below 2**31

# The slots of ``counts``, each by name.
N_ENT = 0  # enterprise slots in use
N_TAL = 1  # talent slots in use: present talents, and departed ones not yet closed up
N_EDGE_SLOTS = 2  # edge slots in use: live ties, and freed slots not yet closed up
N_CONS = 3  # consortia formed (rows of the cons_* fields in use)
INFLOW = 4  # talents that arrived this quarter
OUTFLOW = 5  # talents that left this quarter
TOTAL_IN = 6  # talents that arrived since the start
TOTAL_OUT = 7  # talents that left since the start
N_TAL0 = 8  # talents at the start: the base of the inflow rate
N_INST = 9  # institutes
TALENT_WEIGHT = 10  # real talents a simulated one stands for
N_LIVE_EDGES = 11  # live ties
FOUNDERS = 12  # talents present skilled enough to found a start-up
TAL_IDS = 13  # talent ids given out
TAL_GONE = 14  # slots of departed talents not yet closed up
N_COUNTS = 15


class Field(NamedTuple):
    """One field of the state: its entity, name, dtype, what an unused slot holds and its
    dimensions by name (by default one row per entity; ``initial_state`` says how long
    each dimension is)."""

    entity: str
    name: str
    dtype: str  # a numpy dtype name, or "dict" for the typed edge index
    fill: object = 0
    dims: tuple[str, ...] = ()
    note: str = ""

    @property
    def shape(self) -> tuple[str, ...]:
        """The names of the array's dimensions."""
        return self.dims or (self.entity,)


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
# table by ``make state-layout``, with the code that moves and frees a talent's slot;
# ``initial_state`` and ``grown`` make every array from it. A new field is one row here,
# its initial value in ``initial_state`` if that is not its fill, and its use.
# fmt: off
FIELDS = (
    Field("counts", "counts", "int64"),
    Field("inst", "inst_kind", "int64"),
    Field("inst", "inst_cluster", "int64"),
    Field("inst", "inst_district", "int64"),
    Field("inst", "inst_weight", "int64"),
    Field("inst", "inst_knowledge", "float64", 0.0, ("inst", "field")),
    Field("inst", "inst_college", "bool", False),
    Field("inst", "inst_center", "bool", False),
    Field("inst", "inst_funding", "float64", 0.0),
    Field("inst", "inst_rd_stock", "float64", 0.0, note="research money working through its lag"),
    Field("inst", "inst_college_since", "int64", -1),
    Field("inst", "inst_center_since", "int64", -1),
    Field("inst", "inst_college_level", "float64", 0.0,
          note="0..1: built up and running costs paid"),
    Field("inst", "inst_center_level", "float64", 0.0),
    Field("inst", "inst_college_paid", "bool", False),
    Field("inst", "inst_center_paid", "bool", False),
    Field("ent", "ent_field", "int64"),
    Field("ent", "ent_tier", "int64"),
    Field("ent", "ent_weight", "int64"),
    Field("ent", "ent_district", "int64"),
    Field("ent", "ent_knowledge", "float64", 0.0, ("ent", "field")),
    Field("ent", "ent_own", "float64", 0.0,
          note="ent_knowledge in the firm's own field, kept with it: loops over firms read it"
               " far more often than the whole row"),
    Field("ent", "ent_trl", "int64"),
    Field("ent", "ent_capital", "float64", 0.0),
    Field("ent", "ent_legacy", "float64", 0.0),
    Field("ent", "ent_revenue", "float64", 0.0),
    Field("ent", "ent_capacity", "float64", 0.0,
          note="sales it can deliver a quarter (RMB bn, all its real firms); 0 before it sells"),
    Field("ent", "ent_shock", "float64", 0.0,
          note="its products' demand shock (log logit weight), persistent"),
    Field("ent", "ent_experience", "float64", 0.0,
          note="cumulative sales per real firm (RMB bn): learning by doing"),
    Field("ent", "ent_rd", "float64", 0.0),
    Field("ent", "ent_rd_stock", "float64", 0.0, note="R&D spending working through its lag"),
    Field("ent", "ent_seat_stock", "float64", 0.0,
          note="R&D of a consortium seat's grant (one real firm of the agent), through its lag"),
    Field("ent", "ent_grant_rd", "float64", 0.0,
          note="the additional part of the R&D grants received this quarter"),
    Field("ent", "ent_grants_paid", "float64", 0.0,
          note="R&D grants received this quarter, all of them (deadweight included)"),
    Field("ent", "ent_seat_grant", "float64", 0.0, note="consortium grant received this quarter"),
    Field("ent", "ent_finance_rd", "float64", 0.0, note="equity raised this quarter put into R&D"),
    Field("ent", "ent_origin", "int64"),
    Field("ent", "ent_age", "int64"),
    Field("ent", "ent_negative", "int64"),
    Field("ent", "ent_consortium", "int64", -1),
    Field("ent", "ent_demo_until", "int64", -1),
    Field("ent", "ent_alive", "bool", False),
    Field("tal", "tal_id", "int64"),
    Field("tal", "tal_field", "int64"),
    Field("tal", "tal_skill", "float64", 0.0),
    Field("tal", "tal_level", "int64"),
    Field("tal", "tal_origin", "int64"),
    Field("tal", "tal_tenure", "int64"),
    Field("tal", "tal_employer", "int64", -1),
    Field("tal", "tal_present", "bool", False),
    Field("edge", "edge_a", "int64"),
    Field("edge", "edge_b", "int64"),
    Field("edge", "edge_kind", "int64", -1),
    Field("edge", "edge_strength", "float64", 0.0),
    Field("edge", "edge_start", "int64"),
    Field("edge", "edge_ties", "float64", 1.0,
          note="real ties the edge stands for: the searching agent's weight for a partnership,"
               " 1 for a consortium or center seat"),
    Field("edge", "edge_index", "dict", None, note="pair key a * KEY + b -> slot"),
    Field("gov", "adoption", "float64", 0.0, ("field",)),
    Field("gov", "bass_p", "float64", 0.0, ("field",)),
    Field("gov", "field_weight", "float64", 0.0, ("field",)),
    Field("gov", "last_field_trl", "float64", 0.0, ("field",)),
    Field("gov", "last_field_revenue", "float64", 0.0, ("field",)),
    Field("gov", "traction", "float64", 0.0, ("field",),
          note="smoothed yearly traction by field"),
    Field("gov", "ledger", "float64", 0.0, ("plan", "year")),
    Field("gov", "pilot", "bool", False, ("district", "cluster")),
    Field("gov", "pilot_since", "int64", -1, ("district", "cluster")),
    Field("gov", "pilot_paid", "bool", False, ("district", "cluster")),
    Field("gov", "pilot_level", "float64", 0.0, ("district", "cluster"),
          note="0..1: built up and running costs paid"),
    Field("gov", "retention_cut", "float64", 0.0, ("one",),
          note="[0]: the Array plan's outflow cut"),
    Field("gov", "startup_finance", "float64", 0.0, ("one",),
          note="[0]: Rainforest finance per real start-up last quarter, a year (RMB bn)"),
    Field("gov", "private_raised", "float64", 0.0, ("one",),
          note="[0]: private money raised this quarter (RMB bn): firms' private rounds and "
          "private co-investment beside the plans' finance; read and cleared by the "
          "indicators step"),
    Field("gov", "frontier", "float64", 0.0, ("field",),
          note="the world frontier's knowledge by field (frontier market form)"),
    Field("gov", "region_knowledge", "float64", 0.0, ("region", "field"),
          note="competitor regions' knowledge by field (scenarios/regions.py)"),
    Field("gov", "field_demand", "float64", 0.0, ("field",),
          note="this quarter's demand by field (RMB bn): China's and exports, or the city's"),
    Field("gov", "field_sales", "float64", 0.0, ("field",),
          note="Shanghai's market sales by field this quarter, demonstrations apart"),
    Field("gov", "region_sales", "float64", 0.0, ("region",),
          note="each competitor region's sales this quarter (RMB bn)"),
    Field("cons", "cons_leader", "int64", -1),
    Field("cons", "cons_members", "int64", -1, ("cons", "member")),
    Field("cons", "cons_n_members", "int64"),
    Field("cons", "cons_institute", "int64", -1),
    Field("cons", "cons_end", "int64"),
    Field("cons", "cons_active", "bool", False),
)
# fmt: on
FIELD_OF = {f.name: f for f in FIELDS}

LAYOUT_PATH = Path(__file__).resolve().parent / "state_layout.py"


def layout_source() -> str:
    """The source of sim/state_layout.py, generated from ``FIELDS``."""
    lines = [
        '"""The model state\'s NamedTuple, and the code that moves and frees a talent\'s slot,',
        "generated from ``FIELDS``.",
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
        "from numba import njit",
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
    talent = [f for f in FIELDS if f.entity == "tal"]
    compiled = '@njit(cache=True, inline="always", error_model="numpy")'
    lines += ["", "", compiled, "def move_talent(S, to, k):"]
    lines.append('    """Talent slot k\'s values into slot ``to``, every field of it."""')
    lines += [f"    S.{f.name}[to] = S.{f.name}[k]" for f in talent]
    lines += ["", "", compiled, "def free_talent(S, k):"]
    lines.append('    """Talent slot k as a free slot holds it: every field its fill."""')
    lines += [f"    S.{f.name}[k] = {f.fill!r}" for f in talent]
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
        np.full(capacity, FREED, np.int64),
        np.zeros(capacity, np.float64),
        np.zeros(capacity, np.int64),
        counts,
    )
    for e in range(len(src)):
        set_edge(edges, src[e], dst[e], PARTNERSHIP, strength[e], 0)
    edge_index, edge_a, edge_b, edge_kind, edge_strength, edge_start, _ = edges
    return edge_a, edge_b, edge_kind, edge_strength, edge_start, edge_index


def _initial_ties(edge_a, edge_kind, edge_b, n_inst, pop, capacity):
    """The initial partnerships' real ties: each was drawn for a firm (a non-leading
    firm's tie to a leading firm, or a firm's to an institute), and stands for one tie of
    each of the real firms that agent stands for."""
    ties = np.ones(capacity)
    weight = np.asarray(pop.ent_weight, dtype=np.float64)
    live = np.flatnonzero(edge_kind != FREED)
    a, b = edge_a[live], edge_b[live]
    wb = weight[b - n_inst]
    wa = weight[np.maximum(a - n_inst, 0)]
    ties[live] = np.where(a < n_inst, wb, np.maximum(wa, wb))
    return ties


def _steady_region_knowledge(p: Params) -> np.ndarray:
    """(region, field): each region at the knowledge its catch-up keeps against the
    growing frontier, so competitors start where they would stay under constant effort."""
    ratio = np.array(
        [steady_catch_up_ratio.py_func(rate, p.frontier_growth) for rate in p.region_catch_up]
    )
    return np.outer(ratio, np.full(N_FIELDS, p.frontier_knowledge))


def initial_state(pop: Population, params: Params) -> State:
    """The state at t = 0."""
    prepare()  # a run starts here: compiled code is cached in its folder
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

    # consortia the hand-in-hand budgets could fund, at most
    max_cons = 1 + int(np.floor(p.budget[HAND_IN_HAND] / p.consortium_grant_bn).sum())
    sizes = {
        "counts": N_COUNTS, "inst": n_inst, "ent": cap_e, "tal": cap_t, "edge": cap_edges,
        "cons": max_cons, "field": N_FIELDS, "plan": N_PLANS, "year": p.n_years,
        "district": N_DISTRICTS, "cluster": N_CLUSTERS, "member": max(1, p.consortium_size),
        "one": 1, "region": N_REGIONS,
    }  # fmt: skip
    # the first values of fields that do not start as their fill; for enterprises and
    # talents, those of the slots in use
    first = dict(
        counts=counts,
        inst_kind=pop.inst_kind,
        inst_cluster=pop.inst_cluster,
        inst_district=pop.inst_district,
        inst_weight=pop.inst_weight,
        inst_knowledge=pop.inst_knowledge,
        inst_rd_stock=p.institute_research_bn * pop.inst_weight.astype(np.float64),
        ent_field=pop.ent_field,
        ent_tier=pop.ent_tier,
        ent_weight=pop.ent_weight,
        ent_district=pop.ent_district,
        ent_knowledge=pop.ent_knowledge,
        ent_own=pop.ent_knowledge[np.arange(n_ent), pop.ent_field[:n_ent]],
        ent_trl=pop.ent_trl,
        ent_age=pop.ent_age,
        ent_capital=pop.ent_capital,
        ent_legacy=legacy,
        ent_rd=p.rd_intensity * legacy,
        ent_rd_stock=p.rd_intensity * legacy,
        ent_alive=True,
        tal_id=np.arange(n_tal),
        tal_field=pop.tal_field,
        tal_skill=pop.tal_skill,
        tal_level=pop.tal_level,
        tal_employer=pop.tal_employer,
        tal_present=True,
        edge_a=edge_a,
        edge_b=edge_b,
        edge_kind=edge_kind,
        edge_strength=edge_strength,
        edge_start=edge_start,
        edge_ties=_initial_ties(edge_a, edge_kind, edge_b, n_inst, pop, cap_edges),
        edge_index=edge_index,
        adoption=p.initial_adoption,
        bass_p=p.bass_p,
        field_weight=p.field_share,
        frontier=p.frontier_knowledge,
        region_knowledge=_steady_region_knowledge(p),
    )
    in_use = {"ent": n_ent, "tal": n_tal}
    arrays = {}
    for f in FIELDS:
        value = first.get(f.name)
        if f.dtype == "dict":
            arrays[f.name] = value
            continue
        array = np.full(tuple(sizes[d] for d in f.shape), f.fill, dtype=f.dtype)
        if value is not None:
            array[: in_use.get(f.entity, len(array))] = value
        arrays[f.name] = array
    return State(**arrays)
