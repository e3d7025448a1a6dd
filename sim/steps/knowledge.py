"""Step 3, knowledge: research and spillovers along the network's ties."""

from __future__ import annotations

import numpy as np
from numba import njit
from rainforest.sim import rules
from rainforest.sim.edges import _degree
from rainforest.sim.kinds import CENTER, CONSORTIUM
from rainforest.sim.state import N_ENT, N_INST, TALENT_WEIGHT


@njit(cache=True, inline="always", error_model="numpy")
def _shared_pilot_level(ent_district, ent_field, field_cluster, pilot_level, i, j):
    """How far the pilot area enterprises i and j share works (0 if they share none):
    their tie carries the pilot bonus that far."""
    if (
        ent_district[i] == ent_district[j]
        and field_cluster[ent_field[i]] == field_cluster[ent_field[j]]
    ):
        return pilot_level[ent_district[i], field_cluster[ent_field[i]]]
    return 0.0


@njit(cache=True, error_model="numpy")
def knowledge_step(S, P, ptr, nbr, slot, skills):
    """Step 3: every organisation's knowledge grows by its own research (from the R&D
    money working through its lag and its talents' skill: ``agent_knowledge_gain``,
    ``knowledge_gain``), by what it absorbs from its ties (``add_spillover``) and, for a
    firm under the frontier market form, from the world frontier in its field
    (``frontier_absorption``), then depreciates (``update_knowledge``); all read the
    start-of-step knowledge.
    ``skills``: its talents' summed skill (talents step)."""
    # Rows are copied into small buffers instead of sliced: a slice of a 2-D array is a
    # new reference to it, and taking one per edge costs more than the arithmetic.
    n_inst = S.counts[N_INST]
    n_ent = S.counts[N_ENT]
    n_org = n_inst + n_ent
    field_cluster = P.field_cluster
    nf = len(field_cluster)
    w_t = S.counts[TALENT_WEIGHT]
    inst_knowledge = S.inst_knowledge
    ent_knowledge = S.ent_knowledge
    ent_own = S.ent_own
    inst_cluster = S.inst_cluster
    inst_weight = S.inst_weight
    inst_funding = S.inst_funding
    ent_alive = S.ent_alive
    ent_weight = S.ent_weight
    ent_field = S.ent_field
    ent_district = S.ent_district
    pilot_level = S.pilot_level
    center_level = S.inst_center_level
    edge_kind = S.edge_kind
    edge_strength = S.edge_strength
    # New values of organisations with neighbours wait in a buffer, since their neighbours
    # read the old ones; an organisation without neighbours is updated in place.
    linked = np.empty(n_org, np.int64)
    new = np.empty((n_org, nf))  # only the first n_linked rows are used
    n_linked = 0
    gain = np.empty(nf)
    spill = np.empty(nf)
    k_self = np.empty(nf)
    k_other = np.empty(nf)
    updated = np.empty(nf)
    n_rows = len(ptr) - 1
    for o in range(n_org):
        is_ent = o >= n_inst
        i = o - n_inst
        if is_ent and not ent_alive[i]:
            continue
        weight = ent_weight[i] if is_ent else inst_weight[o]
        for f in range(nf):
            gain[f] = 0.0
        skill = skills[o] * w_t / weight
        if is_ent:
            g = rules.agent_knowledge_gain(
                S.ent_rd_stock[i], S.ent_seat_stock[i], weight, skill, P.production_scale,
                P.rd_elasticity, P.skill_elasticity,
            )  # fmt: skip
            gain[ent_field[i]] = g
            for f in range(nf):
                k_self[f] = ent_knowledge[i, f]
            own = k_self[ent_field[i]]
        else:
            money = P.institute_research_bn * weight + inst_funding[o]
            S.inst_rd_stock[o] = rules.lagged(S.inst_rd_stock[o], money, P.research_lag_quarters)
            g = rules.knowledge_gain(
                S.inst_rd_stock[o] / weight, skill, P.production_scale, P.rd_elasticity,
                P.skill_elasticity,
            )  # fmt: skip
            n_fields = 0
            for f in range(nf):
                if field_cluster[f] == inst_cluster[o]:
                    n_fields += 1
            for f in range(nf):
                if field_cluster[f] == inst_cluster[o]:
                    gain[f] = g / n_fields
            for f in range(nf):
                k_self[f] = inst_knowledge[o, f]
            own = rules.institute_own_knowledge(k_self, inst_cluster[o], field_cluster)
        for f in range(nf):
            spill[f] = 0.0
        absorb = rules.absorptive_capacity(own, P.absorptive_half)
        seated = 0.0  # share of its real firms with a consortium or center seat
        if o < n_rows:
            for x in range(ptr[o], ptr[o + 1]):
                n = nbr[x]
                e = slot[x]
                kind = edge_kind[e]
                if kind == CONSORTIUM or kind == CENTER:
                    seated += S.edge_ties[e] / weight  # a seat reaches one real firm
                host = center_level[min(o, n)] if kind == CENTER else 0.0  # its host: an institute
                shared = 0.0
                if is_ent and n >= n_inst:
                    shared = _shared_pilot_level(
                        ent_district, ent_field, field_cluster, pilot_level, i, n - n_inst
                    )
                coef = rules.spillover_coefficient(
                    kind, edge_strength[e], shared, P.spillover_rate, P.consortium_spillover,
                    P.center_spillover, P.spillover_bonus, S.edge_ties[e] / weight, host,
                )  # fmt: skip
                if n < n_inst:
                    for f in range(nf):
                        k_other[f] = inst_knowledge[n, f]
                else:
                    for f in range(nf):
                        k_other[f] = ent_knowledge[n - n_inst, f]
                rules.add_spillover(k_self, k_other, coef, absorb, spill)
        if is_ent and not P.compounding_outside:
            f = ent_field[i]
            spill[f] += rules.frontier_absorption(
                k_self[f], S.frontier[f], P.frontier_absorption, absorb, seated,
                P.frontier_link_bonus,
            )  # fmt: skip
        rules.update_knowledge(k_self, gain, spill, P.depreciation, updated)
        if _degree(ptr, o) > 0:
            for f in range(nf):
                new[n_linked, f] = updated[f]
            linked[n_linked] = o
            n_linked += 1
        elif is_ent:
            for f in range(nf):
                ent_knowledge[i, f] = updated[f]
            ent_own[i] = updated[ent_field[i]]
        else:
            for f in range(nf):
                inst_knowledge[o, f] = updated[f]
    for x in range(n_linked):
        o = linked[x]
        if o < n_inst:
            for f in range(nf):
                inst_knowledge[o, f] = new[x, f]
        else:
            for f in range(nf):
                ent_knowledge[o - n_inst, f] = new[x, f]
            ent_own[o - n_inst] = new[x, ent_field[o - n_inst]]
