"""Step 5, maturation: firms' technologies advance up the TRL scale."""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim import rng, rules
from rainforest.sim.edges import center_members
from rainforest.sim.state import N_ENT, N_INST


@njit(cache=True, inline="always", error_model="numpy")
def _trl_advance_chance(S, P, t, ptr, nbr, slot, member, n_inst, i):
    """Firm i's chance to advance one TRL this quarter (``trl_advance_probability``).

    It reads the firm's effective knowledge — its own plus ``partner_knowledge_weight``
    times its partners' knowledge in its field, each weighted by the tie's strength — and
    the boost of a test site (pilot area), a running demonstration and center membership
    (``maturation_boost``).
    """
    o = n_inst + i
    f = S.ent_field[i]
    partner = 0.0
    if o < len(ptr) - 1:
        for x in range(ptr[o], ptr[o + 1]):
            n = nbr[x]
            k = S.inst_knowledge[n, f] if n < n_inst else S.ent_knowledge[n - n_inst, f]
            partner += S.edge_strength[slot[x]] * k
    effective = S.ent_own[i] + P.partner_knowledge_weight * partner
    trl = S.ent_trl[i]
    in_pilot = S.pilot[S.ent_district[i], P.field_cluster[f]]
    boost = rules.maturation_boost(
        trl, in_pilot, S.ent_demo_until[i] > t, member[o],
        P.test_site_boost, P.demo_trl_boost, P.center_trl_boost,
    )  # fmt: skip
    return rules.trl_advance_probability(trl, effective, P.trl_knowledge_half, P.trl_hazard, boost)


@njit(cache=True, error_model="numpy")
def maturation_step(S, P, seed, t, ptr, nbr, slot):
    """Step 5: every alive firm draws against its chance to advance; all chances read the
    start-of-step TRLs, and the advances apply together."""
    n_inst = S.counts[N_INST]
    n_ent = S.counts[N_ENT]
    member = center_members(S, n_inst + n_ent)
    advance = np.zeros(n_ent, np.bool_)
    key_trl = rng.stream_key(seed, t, rng.TRL_ADVANCE)
    for i in range(n_ent):
        if not S.ent_alive[i]:
            continue
        prob = _trl_advance_chance(S, P, t, ptr, nbr, slot, member, n_inst, i)
        advance[i] = rng.keyed_uniform(key_trl, n_inst + i, 0) < prob
    for i in range(n_ent):
        if advance[i]:
            S.ent_trl[i] += 1
