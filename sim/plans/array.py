"""The Array plan: talents brought in each quarter with its flow, and retention (a lower
outflow) in years it has a budget. Both act in the talents step."""

from __future__ import annotations

import math

from numba import njit
from rainforest.sim.common import _flow
from rainforest.sim.plan_ids import ARRAY
from rainforest.sim.state import TALENT_WEIGHT


@njit(cache=True, inline="always", error_model="numpy")
def retention_active(P, y):
    """Talents' outflow is lowered this year (the plan has a budget)."""
    return P.budget[ARRAY, y] > 0.0


@njit(cache=True, inline="always", error_model="numpy")
def array_hires(S, P, y):
    """How many (weighted) talents the quarter's flow brings in; books their cost."""
    w_t = S.counts[TALENT_WEIGHT]
    flow = _flow(P.budget, S.ledger, ARRAY, y)
    n_array = int(math.floor(flow * P.talents_per_bn / w_t))
    if n_array > 0:
        S.ledger[ARRAY, y] += n_array * w_t / P.talents_per_bn
    return n_array


@njit(cache=True, inline="always", error_model="numpy")
def array_bound(S, P, y):
    """Most talents the Array plan can bring this quarter (for capacity checks)."""
    flow = max(0.0, P.budget[ARRAY, y] / 4.0)
    return int(math.floor(flow * P.talents_per_bn / S.counts[TALENT_WEIGHT])) + 1
