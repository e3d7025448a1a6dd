"""Helpers the steps share: a draw by weight picks what bisection of the running sums
picks, whatever the weights."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rainforest.sim.common import _pick_in

weights = st.lists(
    st.one_of(st.just(0.0), st.just(1.0), st.floats(0.0, 1e6, allow_subnormal=False)),
    min_size=1, max_size=60,
)  # fmt: skip


def _bisected(cum, lo, hi, u):
    """The first position in lo .. hi-1 whose running sum exceeds u times the run's
    total, else the last."""
    x = u * cum[hi - 1]
    return min(lo + int(np.searchsorted(cum[lo:hi], x, side="right")), hi - 1)


@settings(deadline=None, max_examples=300)  # the first call compiles
@given(weights, st.integers(0, 5), st.floats(0.0, 1.0, exclude_max=True))
def test_a_draw_by_weight_picks_the_first_running_sum_past_it(w, lo, u):
    cum = np.concatenate([np.full(lo, 7.0), np.cumsum(np.array(w))])
    hi = len(cum)
    assert _pick_in(cum, lo, hi, u) == _bisected(cum, lo, hi, u)


def test_equal_weights_pick_in_proportion_and_an_empty_run_picks_nothing():
    cum = np.cumsum(np.ones(10))
    picks = [_pick_in(cum, 0, 10, (k + 0.5) / 1000) for k in range(1000)]
    assert np.bincount(picks).tolist() == [100] * 10
    assert _pick_in(cum, 4, 4, 0.5) == -1
