"""The Array plan: each quarter's flow pays for retaining the high-level talents present
(a lower outflow, as far as the money per talent buys it) and brings talents in with the
rest. Both act in the talents step."""

from __future__ import annotations

import math

from numba import njit
from rainforest.sim import rules
from rainforest.sim.common import _flow
from rainforest.sim.plan_ids import ARRAY
from rainforest.sim.state import TALENT_WEIGHT


@njit(cache=True, inline="always", error_model="numpy")
def retention_cut(spend_per_talent_bn, retention, retention_half_bn):
    """The share of high-level talents' outflow prevented by ``spend_per_talent_bn`` a
    year per real high-level talent: at most ``retention``, with diminishing returns."""
    return retention * rules.dose_response(spend_per_talent_bn, retention_half_bn)


@njit(cache=True, inline="always", error_model="numpy")
def array_retention(S, P, y, n_high):
    """The quarter's retention spending on ``n_high`` simulated high-level talents (each
    standing for ``TALENT_WEIGHT`` real ones): booked, and returned as the outflow cut."""
    if n_high <= 0:
        return 0.0
    spend = P.retention_share * _flow(P.budget, S.ledger, ARRAY, y)
    if spend <= 0.0:
        return 0.0
    S.ledger[ARRAY, y] += spend
    per_talent = 4.0 * spend / (n_high * S.counts[TALENT_WEIGHT])
    return retention_cut(per_talent, P.retention, P.retention_half_bn)


@njit(cache=True, inline="always", error_model="numpy")
def array_hires(S, P, y):
    """How many (weighted) talents the rest of the quarter's flow brings in; books their
    cost. Called after ``array_retention``, whose share the flow no longer holds."""
    w_t = S.counts[TALENT_WEIGHT]
    flow = (1.0 - P.retention_share) * _flow(P.budget, S.ledger, ARRAY, y)
    n_array = int(math.floor(flow * P.talents_per_bn / w_t))
    if n_array > 0:
        S.ledger[ARRAY, y] += n_array * w_t / P.talents_per_bn
    return n_array


@njit(cache=True, inline="always", error_model="numpy")
def array_bound(S, P, y):
    """Most talents the Array plan can bring this quarter (for capacity checks)."""
    flow = max(0.0, P.budget[ARRAY, y] / 4.0)
    return int(math.floor(flow * P.talents_per_bn / S.counts[TALENT_WEIGHT])) + 1
