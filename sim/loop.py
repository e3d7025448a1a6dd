"""The model's tick: its eight steps, each an ``@njit`` loop over structure-of-arrays
state called in turn from Python, listed once in ``TICK`` (``STEPS`` names them, in
order), and the functions that run it (``simulate`` for a whole run, ``advance`` for one
quarter, which the Mesa face's ``EcosystemModel.step`` calls).

Every step is synchronous and applies decisions in id order, with sums in a fixed order
and stable rankings, so the same draws give the same bits however the model is run
(tests/sim/test_advance.py: a run stepped quarter by quarter equals a whole run; the
golden trajectories of tests/golden/ pin the numbers). The state holds a sorted adjacency
(CSR) rebuilt from the edge store when a step needs neighbours, talents in slots that are
closed up as they leave (each keeps its id, which keys its draws), and each firm's
knowledge in its own field as a column beside the full row. The state grows between
ticks, when a tick could outgrow it.

The steps live in ``sim/steps/`` (the government step applies the plans of
``sim/plans/``); helpers they share in ``sim/common.py`` and ``sim/edges.py``.

Compiled code is cached on disk (``cache=True``), in a folder per machine and sources
version that ``sim.engine.prepare`` points Numba at when a run starts. Functions compile
with ``error_model="numpy"``: a division is a plain IEEE division, without the check for a
zero divisor that Python semantics add to every one (and that keeps loops from being
optimised). The model guards its divisions, so results are the same bits either way.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from rainforest.sim.common import tie_sums
from rainforest.sim.edges import build_csr, compact_edges
from rainforest.sim.engine import prepare
from rainforest.sim.engine.entry import Compiled
from rainforest.sim.engine.precompile import compile_ahead
from rainforest.sim.plan_ids import HAND_IN_HAND
from rainforest.sim.plans.array import array_bound
from rainforest.sim.state import (
    FOUNDERS,
    N_EDGE_SLOTS,
    N_ENT,
    N_INST,
    N_LIVE_EDGES,
    N_TAL,
    N_TAL0,
    TALENT_WEIGHT,
    grown,
)
from rainforest.sim.steps.demography import demography_step
from rainforest.sim.steps.government import government_step
from rainforest.sim.steps.indicators import indicators_step
from rainforest.sim.steps.knowledge import knowledge_step
from rainforest.sim.steps.market import market_step
from rainforest.sim.steps.maturation import maturation_step
from rainforest.sim.steps.partnering import partnering_step
from rainforest.sim.steps.talents import talents_step


def room_needed(S, P, t):
    """Upper bounds on what one tick can add: (enterprises, talents, edge slots).

    Plain Python (a few numbers; compiled, it would cost a second of compile time)."""
    y = t // 4
    counts = S.counts
    n_inst = int(counts[N_INST])
    founders = int(counts[FOUNDERS])  # talents present who could found a start-up
    entrants = 0
    if t % 4 == 0 and P.leader_entry_cost_bn > 0:
        entrants = int(P.budget[HAND_IN_HAND, y] * P.leader_entry_share
                       / P.leader_entry_cost_bn) + 1  # fmt: skip
    w_t = counts[TALENT_WEIGHT]
    talents = int(P.talent_inflow * counts[N_TAL0]) + 2 + array_bound.py_func(S, P, y)
    talents += n_inst * (int(P.college_graduates_per_quarter / w_t) + 2)
    n_org = n_inst + int(counts[N_ENT]) + founders + entrants
    calls = int(P.budget[HAND_IN_HAND, y] / P.consortium_grant_bn) if t % 4 == 0 else 0
    edges = n_org + n_inst * (P.center_members + 1) + (calls + 1) * P.consortium_size
    return founders + entrants, talents, edges


def _with_room(run, S, P, t, out):
    """The state, with freed edge slots closed up when they cost more than they save,
    and grown if tick t could outgrow it; and the ``run`` for its layout."""
    need_e, need_t, need_edges = room_needed(S, P, t)
    counts = S.counts
    if (
        counts[N_EDGE_SLOTS] + need_edges > len(S.edge_a)
        or counts[N_EDGE_SLOTS] > 2 * counts[N_LIVE_EDGES] + 1024
    ):
        # freed slots cost every loop over edges
        run(compact_edges, S.edge_index, S.edge_a, S.edge_b, S.edge_kind, S.edge_strength,
            S.edge_start, S.edge_ties, counts)  # fmt: skip
    if (
        counts[N_ENT] + need_e > len(S.ent_field)
        or counts[N_TAL] + need_t > len(S.tal_field)
        or counts[N_EDGE_SLOTS] + need_edges > len(S.edge_a)
    ):
        # a quarter more than this tick needs, so that growth happens rarely
        S = grown(
            S,
            (counts[N_ENT] + need_e) * 5 // 4 + 1,
            (counts[N_TAL] + need_t) * 5 // 4 + 1,
            (counts[N_LIVE_EDGES] + need_edges) * 2 + 1,
        )
        run = Compiled(S, P, out)
    return S, run


_NO_ADJACENCY = (np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))


class Tick:
    """What a tick's steps read and hand on to later steps: the state and parameters, the
    run's seed, the tick, the indicator history, the compiled functions' caller (``run``:
    a ``sim.engine.entry.Compiled``), the adjacency (``ptr, nbr, slot``) and the real ties
    along it (``tie_cum``), and talents per employer and their summed skill."""

    __slots__ = ("S", "P", "seed", "t", "out", "run", "ptr", "nbr", "slot", "tie_cum",
                 "counts", "skills")  # fmt: skip

    def __init__(self, S, P, seed, out, run):
        self.S, self.P, self.seed, self.out, self.run = S, P, seed, out, run
        self.t = 0
        self.ptr, self.nbr, self.slot = _NO_ADJACENCY
        self.tie_cum = self.counts = self.skills = None

    def read_network(self):
        """The adjacency of the network as it is now."""
        self.ptr, self.nbr, self.slot = _adjacency(self.run, self.S)


# The steps, one calling convention: each takes the tick's values and passes a step
# function of sim/steps/ the arguments it reads.


def _government(k: Tick) -> None:
    # only the annual designations read the network here
    ptr, nbr, slot = _adjacency(k.run, k.S) if k.t % 4 == 0 else _NO_ADJACENCY
    government_step(k.run, k.S, k.P, k.seed, k.t, ptr, nbr, slot)


def _talents(k: Tick) -> None:
    k.read_network()
    # for draws of partners as real firms see them
    k.tie_cum = k.run(tie_sums, k.S.edge_ties, k.ptr, k.slot)
    # talents per employer and their summed skill; nothing moves talents after this step
    k.counts, k.skills = k.run(talents_step, k.S, k.P, k.seed, k.t, k.ptr, k.nbr, k.tie_cum)


def _knowledge(k: Tick) -> None:
    k.run(knowledge_step, k.S, k.P, k.ptr, k.nbr, k.slot, k.skills)


def _partnering(k: Tick) -> None:
    k.run(partnering_step, k.S, k.P, k.seed, k.t, k.ptr, k.nbr, k.tie_cum)


def _maturation(k: Tick) -> None:
    k.read_network()  # with the partnering step's ties
    k.run(maturation_step, k.S, k.P, k.seed, k.t, k.ptr, k.nbr, k.slot)


def _market(k: Tick) -> None:
    k.run(market_step, k.S, k.P, k.seed, k.t, k.counts)


def _demography(k: Tick) -> None:
    k.run(demography_step, k.S, k.P, k.seed, k.t, k.ptr, k.slot)


def _indicators(k: Tick) -> None:
    indicators_step(k.run, k.S, k.P, k.t, k.out[k.t])


# The tick, defined once: its steps in order (docs/ODD.md, 3.1, names them so, and the
# Mesa face reads ``STEPS``).
TICK: tuple[tuple[str, Callable[[Tick], None]], ...] = (
    ("government", _government),
    ("talents", _talents),
    ("knowledge", _knowledge),
    ("partnering", _partnering),
    ("maturation", _maturation),
    ("market", _market),
    ("demography", _demography),
    ("indicators", _indicators),
)
STEPS: tuple[str, ...] = tuple(name for name, _ in TICK)


def run_ticks(S, P, seed, t0, t1, out):
    """Run ticks t0 .. t1-1, writing tick t's indicators to ``out[t]``, and return the
    state, grown wherever a tick could outgrow it.

    Each step is its own compiled function, called through its entry point (``Compiled``):
    about sixteen calls a quarter, some microseconds each. One compiled loop over the steps
    would save those microseconds but cost a minute of compile time in every fresh
    environment, since Numba optimises and generates again the machine code of every
    function a compiled function calls. Growth copies values and never changes results.
    """
    prepare()
    compile_ahead(lambda: compiled_calls(S, P, out))  # a cold cache: in parallel processes
    k = Tick(S, P, np.int64(seed), out, Compiled(S, P, out))
    steps = tuple(step for _, step in TICK)
    for t in range(t0, t1):
        k.S, k.run = _with_room(k.run, k.S, P, t, out)
        k.t = t
        for step in steps:
            step(k)
    _release_talents_of_exited(k.S)
    return k.S


def compiled_calls(S, P, out):
    """Every compiled function a tick calls, with arguments of the types it calls it with
    (for ``compile_ahead``), the longest to compile first."""
    from rainforest.sim.plans.foundation import foundation_plan
    from rainforest.sim.plans.hand_in_hand import hand_in_hand_plan
    from rainforest.sim.plans.leading import leading_plan
    from rainforest.sim.plans.open_source import open_source_plan
    from rainforest.sim.plans.rainforest import rainforest_plan
    from rainforest.sim.steps.government import horse_race_step
    from rainforest.sim.steps.indicators import compute_indicators, indicator_inputs

    seed, t, y, annual = np.int64(0), 0, 0, True
    ints, floats = np.zeros(1, np.int64), np.zeros(1)
    ptr, nbr, slot = ints, ints, ints
    n = S.counts[N_EDGE_SLOTS]
    edges = (S.edge_index, S.edge_a, S.edge_b, S.edge_kind, S.edge_strength, S.edge_start,
             S.edge_ties, S.counts)  # fmt: skip
    return [
        (talents_step, (S, P, seed, t, ptr, nbr, floats)),
        (foundation_plan, (S, P, t, y, annual, ptr, nbr, slot)),
        (hand_in_hand_plan, (S, P, seed, t, y)),
        (partnering_step, (S, P, seed, t, ptr, nbr, floats)),
        (knowledge_step, (S, P, ptr, nbr, slot, floats)),
        (leading_plan, (S, P, t, y, annual)),
        (horse_race_step, (S, P, t)),
        (open_source_plan, (S, P, t, y, annual)),
        (maturation_step, (S, P, seed, t, ptr, nbr, slot)),
        (demography_step, (S, P, seed, t, ptr, slot)),
        (market_step, (S, P, seed, t, ints)),
        (rainforest_plan, (S, P, y)),
        (compute_indicators, indicator_inputs(S, P, t, out[0])),
        (compact_edges, edges),
        (build_csr, (S.edge_a, S.edge_b, S.edge_kind, n, n + n)),
        (tie_sums, (S.edge_ties, ptr, slot)),
    ]


def _adjacency(run, S):
    """The sorted adjacency (CSR) of the network as it is now."""
    n_org = S.counts[N_INST] + S.counts[N_ENT]
    return run(build_csr, S.edge_a, S.edge_b, S.edge_kind, S.counts[N_EDGE_SLOTS], n_org)


def _release_talents_of_exited(S):
    """Employer -1 for every talent whose firm exited (talents_step does it lazily)."""
    n_inst = S.counts[N_INST]
    employer = S.tal_employer[: S.counts[N_TAL]]
    firm = employer - n_inst
    exited = firm >= 0
    exited[exited] = ~S.ent_alive[firm[exited]]
    employer[exited] = -1


def simulate(params, population, seed: int, state=None):
    """Run a whole scenario; returns (indicators by tick, final state).

    The state grows when a tick could outgrow its arrays.
    """
    from rainforest.sim.indicators import N_INDICATORS
    from rainforest.sim.state import initial_state

    S = initial_state(population, params) if state is None else state
    out = np.zeros((params.n_ticks, N_INDICATORS))
    S = run_ticks(S, params, seed, 0, params.n_ticks, out)
    return out, S


def advance(state, params, seed: int, tick: int, out: np.ndarray):
    """Run quarter ``tick`` alone and return the state after it (it may be a new one,
    grown); the quarter's indicators go to ``out[tick]``.

    ``out`` is a C-contiguous float64 array of ``(params.n_ticks, N_INDICATORS)``, the
    history a run fills. The same compiled code as ``simulate``: quarters 0, 1, ... in
    turn, from ``initial_state(population, params)``, give the indicators of one whole
    run bit for bit. Talents of exited firms are released after every quarter rather than
    only at the end, which changes no indicator (talents_step would release them first
    thing next quarter).
    """
    return run_ticks(state, params, seed, tick, tick + 1, out)
