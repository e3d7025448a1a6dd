"""The model's tick: its eight steps as ``@njit`` loops over structure-of-arrays state,
and the functions that run it (``simulate`` for a whole run, ``advance`` for one quarter,
which the Mesa face's ``EcosystemModel.step`` calls).

Every step is synchronous and applies decisions in id order, with sums in a fixed order
and stable rankings, so the same draws give the same bits however the model is run
(tests/sim/test_advance.py: a run stepped quarter by quarter equals a whole run; the
golden trajectories of tests/golden/ pin the numbers). The state holds a sorted adjacency
(CSR) rebuilt from the edge store when a step needs neighbours, talents in slots that are
closed up as they leave (each keeps its id, which keys its draws), and each firm's
knowledge in its own field as a column beside the full row. A whole run is one compiled
call; the state grows inside it.

The steps live in ``sim/steps/`` (the government step applies the plans of
``sim/plans/``); helpers they share in ``sim/common.py`` and ``sim/edges.py``.

Compiled code is cached on disk (``cache=True``); the folder is NUMBA_CACHE_DIR, which
``sim/__init__.py`` points at a folder per machine and sources version. Functions compile
with ``error_model="numpy"``: a division is a plain IEEE division, without the check for a
zero divisor that Python semantics add to every one (and that keeps loops from being
optimised). The model guards its divisions, so results are the same bits either way.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim import memory  # noqa: F401  (glibc keeps freed memory for reuse)
from rainforest.sim.common import tie_sums
from rainforest.sim.edges import build_csr, compact_edges
from rainforest.sim.entry import _run_ticks_entry
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
    talents += n_inst * (int(P.college_graduates_per_quarter / w_t) + 2)
    n_org = n_inst + S.counts[N_ENT] + founders + entrants
    edges = (
        n_org + n_inst * (P.center_members + 1) + (P.max_consortia_per_call + 1) * P.consortium_size
    )
    return founders + entrants, talents, edges


@njit(cache=True, inline="always", error_model="numpy")
def _with_room(S, P, t):
    """The state, with freed edge slots closed up when they cost more than they save,
    and grown if tick t could outgrow it."""
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
    return S


@njit(cache=True, error_model="numpy")
def run_ticks(S, P, seed, t0, t1, out):
    """Run ticks t0 .. t1-1, writing tick t's indicators to ``out[t]``, and return the
    state, grown wherever a tick could outgrow it.

    Growth copies values and never changes results.
    """
    for t in range(t0, t1):
        S = _with_room(S, P, t)
        if t % 4 == 0:  # only the annual designations read the network here
            ptr, nbr, slot = build_csr(S, S.counts[N_INST] + S.counts[N_ENT])
        else:
            ptr, nbr, slot = np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
        government_step(S, P, seed, t, ptr, nbr, slot)
        n_org = S.counts[N_INST] + S.counts[N_ENT]
        ptr, nbr, slot = build_csr(S, n_org)
        # talents per employer and their summed skill; nothing moves talents after step 2
        tie_cum = tie_sums(S.edge_ties, ptr, slot)  # for draws of partners as real firms see them
        counts, skills = talents_step(S, P, seed, t, ptr, nbr, tie_cum)
        knowledge_step(S, P, ptr, nbr, slot, skills)
        partnering_step(S, P, seed, t, ptr, nbr, tie_cum)
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


def simulate(params, population, seed: int, state=None):
    """Run a whole scenario; returns (indicators by tick, final state).

    One compiled call: the state grows inside it when a tick could outgrow its arrays.
    """
    from rainforest.sim.indicators import N_INDICATORS
    from rainforest.sim.state import initial_state

    S = initial_state(population, params) if state is None else state
    out = np.zeros((params.n_ticks, N_INDICATORS))
    S = _run_ticks_entry(run_ticks, S, params, seed, 0, params.n_ticks, out)
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
    return _run_ticks_entry(run_ticks, state, params, seed, tick, tick + 1, out)
