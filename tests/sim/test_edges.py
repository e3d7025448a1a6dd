"""The sorted adjacency built from the edge store lists every live tie under both its
ends, each row in ascending order of neighbour, with the tie's slot."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rainforest.sim.edges import build_csr

pairs = st.lists(
    st.tuples(st.integers(0, 11), st.integers(0, 11)).filter(lambda p: p[0] < p[1]),
    unique=True, max_size=40,
)  # fmt: skip


@settings(deadline=None, max_examples=200)  # the first call compiles
@given(pairs, st.lists(st.booleans(), min_size=40, max_size=40), st.integers(12, 15))
def test_rows_list_live_neighbours_in_ascending_order_with_their_slots(ties, freed, n_org):
    a = np.array([p[0] for p in ties] + [0], np.int64)[: len(ties)]
    b = np.array([p[1] for p in ties] + [0], np.int64)[: len(ties)]
    kind = np.array([-1 if freed[e] else e % 3 for e in range(len(ties))], np.int64)
    ptr, nbr, slot = build_csr(a, b, kind, len(ties), n_org)
    assert len(ptr) == n_org + 1
    for o in range(n_org):
        expected = sorted(
            (int(b[e]) if a[e] == o else int(a[e]), e)
            for e in range(len(ties))
            if kind[e] >= 0 and o in (a[e], b[e])
        )
        row = slice(ptr[o], ptr[o + 1])
        assert list(zip(nbr[row].tolist(), slot[row].tolist(), strict=True)) == expected
