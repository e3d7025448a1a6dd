"""Step 7, demography: exits (by an age-dependent hazard, or after quarters of negative
capital), ageing and promotion."""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim import rng, rules
from rainforest.sim.edges import drop_edge_slot
from rainforest.sim.kinds import FREED, LEADING_TIER, SME_TIER, STARTUP_TIER
from rainforest.sim.state import N_ENT, N_INST


# The decisions take the arrays and numbers they read, not the state and parameter tuples:
# the tuples passed into a function inlined in a per-firm loop made this step about ten
# times slower (city, one quarter: 8.9 ms against 0.8 ms).
@njit(cache=True, inline="always", error_model="numpy")
def _exits(negative, exit_quarters):
    """A firm exits this quarter (``exit_due``): its capital has been negative for the
    exit quarters."""
    return rules.exit_due(negative, exit_quarters)


@njit(cache=True, inline="always", error_model="numpy")
def _tier_after(tier, age, annual, startup_quarters, sme_revenue_bn, leading_revenue_bn):
    """A firm's tier after ageing: a start-up becomes an SME when old enough or its annual
    revenue (per real firm) reaches the SME threshold; an SME becomes a leading firm at the
    leading threshold."""
    if tier == STARTUP_TIER and (age >= startup_quarters or annual >= sme_revenue_bn):
        return SME_TIER
    if tier == SME_TIER and annual >= leading_revenue_bn:
        return LEADING_TIER
    return tier


@njit(cache=True, inline="always", error_model="numpy")
def _closes(u, age, young, old, newness_years):
    """A firm closes this quarter whatever its cash (``exit_hazard``), from its draw u."""
    return u < rules.exit_hazard(age, young, old, newness_years)


@njit(cache=True, error_model="numpy")
def demography_step(S, P, seed, t, ptr, slot):
    """Step 7: firms close by an age-dependent hazard or exit when their capital has been
    negative too long (their ties end), then the others age and may move up a tier."""
    n_inst = S.counts[N_INST]
    n_ent = S.counts[N_ENT]
    exiting = np.zeros(n_ent, np.bool_)
    key_exit = rng.stream_key(seed, t, rng.FIRM_EXIT)
    # no firm's hazard is above this: most draws are decided without computing their own
    most = rules.exit_hazard(0, max(P.exit_hazard_young, P.exit_hazard_old), 0.0, 1.0)
    for i in range(n_ent):
        if not S.ent_alive[i]:
            continue
        S.ent_negative[i] = S.ent_negative[i] + 1 if S.ent_capital[i] < 0.0 else 0
        u = rng.keyed_uniform(key_exit, n_inst + i, rng.ONE_DRAW)
        if _exits(S.ent_negative[i], P.exit_quarters) or (
            u < most
            and _closes(u, S.ent_age[i], P.exit_hazard_young, P.exit_hazard_old, P.newness_years)
        ):
            exiting[i] = True
    for i in range(n_ent):
        if exiting[i]:
            o = n_inst + i
            if o + 1 < len(ptr):
                for x in range(ptr[o], ptr[o + 1]):
                    if S.edge_kind[slot[x]] != FREED:
                        drop_edge_slot(
                            S.edge_index, S.edge_a, S.edge_b, S.edge_kind, S.counts, slot[x]
                        )
            S.ent_alive[i] = False
            S.ent_revenue[i] = 0.0
            S.ent_rd[i] = 0.0
            S.ent_demo_until[i] = -1
            S.ent_capacity[i] = 0.0
    # Their talents become unemployed: talents_step (and run_ticks at the end) sets each
    # one's employer to -1 when it next reads it, which saves a pass over all talents.
    for i in range(n_ent):
        if not S.ent_alive[i]:
            continue
        S.ent_age[i] += 1
        S.ent_tier[i] = _tier_after(
            S.ent_tier[i], S.ent_age[i], 4.0 * S.ent_revenue[i] / S.ent_weight[i],
            P.startup_quarters, P.sme_revenue_bn, P.leading_revenue_bn,
        )  # fmt: skip
