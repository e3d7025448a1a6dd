"""The innovation network's edge store, and the sorted adjacency (CSR) built from it.

The store (endpoints ``a < b``, kind, strength, start tick; kind -1 marks a freed slot,
with a typed dict from the pair key to the slot) is part of the state (``sim/state.py``,
which also holds ``set_edge``, the one way a tie is made or renewed). Steps that need
neighbours build the adjacency: neighbours of organisation o are
``nbr[ptr[o]:ptr[o + 1]]``, ascending, and ``slot`` gives each one's edge slot.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim.kinds import CENTER, FREED
from rainforest.sim.state import KEY, N_EDGE_SLOTS, N_LIVE_EDGES


@njit(cache=True, error_model="numpy")
def build_csr(edge_a, edge_b, edge_kind, n_slots, n_org):
    """Sorted adjacency of the live edges among the first ``n_slots`` slots: neighbours of
    o are nbr[ptr[o]:ptr[o+1]], ascending. It takes the edge store's arrays rather than
    the state: compiled code called from Python with the whole state unpacks every field
    of it, which costs a second of compile time for each such function."""
    ptr = np.zeros(n_org + 1, np.int64)
    for e in range(n_slots):
        if edge_kind[e] != FREED:
            ptr[edge_a[e] + 1] += 1
            ptr[edge_b[e] + 1] += 1
    for o in range(n_org):
        ptr[o + 1] += ptr[o]
    # each tie under both its ends, in slot order; then the rows read in order of
    # organisation and written out again under each neighbour, which lists every row's
    # neighbours in ascending order (no tie is listed twice in a row)
    fill = ptr[:-1].copy()
    by_slot = np.empty(ptr[n_org], np.int64)
    by_slot_edge = np.empty(ptr[n_org], np.int64)
    for e in range(n_slots):
        if edge_kind[e] != FREED:
            a, b = edge_a[e], edge_b[e]
            by_slot[fill[a]] = b
            by_slot_edge[fill[a]] = e
            fill[a] += 1
            by_slot[fill[b]] = a
            by_slot_edge[fill[b]] = e
            fill[b] += 1
    for o in range(n_org):
        fill[o] = ptr[o]
    nbr = np.empty(ptr[n_org], np.int64)
    slot = np.empty(ptr[n_org], np.int64)
    for n in range(n_org):
        for x in range(ptr[n], ptr[n + 1]):
            o = by_slot[x]
            nbr[fill[o]] = n
            slot[fill[o]] = by_slot_edge[x]
            fill[o] += 1
    return ptr, nbr, slot


@njit(cache=True, inline="always", error_model="numpy")
def _degree(ptr, o):
    """Organisation o's number of ties (0 for one newer than the adjacency)."""
    return ptr[o + 1] - ptr[o] if o + 1 < len(ptr) else 0


@njit(cache=True, inline="always", error_model="numpy")
def _edges(S):
    """The edge store's arrays, in the order ``set_edge`` takes them."""
    return (S.edge_index, S.edge_a, S.edge_b, S.edge_kind, S.edge_strength, S.edge_start,
            S.counts)  # fmt: skip


@njit(cache=True, inline="always", error_model="numpy")
def drop_edge_slot(edge_index, edge_a, edge_b, edge_kind, counts, e):
    """Free edge slot e (its tie ends)."""
    del edge_index[edge_a[e] * KEY + edge_b[e]]
    edge_kind[e] = FREED
    counts[N_LIVE_EDGES] -= 1


@njit(cache=True, error_model="numpy")
def compact_edges(edge_index, edge_a, edge_b, edge_kind, edge_strength, edge_start, edge_ties,
                  counts):  # fmt: skip
    """Close the gaps freed slots leave; slot order (creation order) is kept. (The edge
    store's arrays, not the state: see ``build_csr``.)"""
    n = counts[N_EDGE_SLOTS]
    w = 0
    for e in range(n):
        if edge_kind[e] != FREED:
            if w != e:
                edge_a[w] = edge_a[e]
                edge_b[w] = edge_b[e]
                edge_kind[w] = edge_kind[e]
                edge_strength[w] = edge_strength[e]
                edge_start[w] = edge_start[e]
                edge_ties[w] = edge_ties[e]
                edge_index[edge_a[w] * KEY + edge_b[w]] = w
            w += 1
    for e in range(w, n):
        edge_kind[e] = FREED
    counts[N_EDGE_SLOTS] = w


@njit(cache=True, inline="always", error_model="numpy")
def center_levels(S, n_org):
    """For each organisation, how far the innovation centers it belongs to work (the
    largest ``inst_center_level`` of the hosts it has a center tie to; a host's own)."""
    level = np.zeros(n_org)
    for e in range(S.counts[N_EDGE_SLOTS]):
        if S.edge_kind[e] == CENTER:
            host = S.edge_a[e]  # institutes come first, and a center's host is one
            lv = S.inst_center_level[host]
            level[host] = max(level[host], lv)
            level[S.edge_b[e]] = max(level[S.edge_b[e]], lv)
    return level
