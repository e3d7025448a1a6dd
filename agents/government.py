"""The government: the six plans' budgets, designations, calls and the ledger of spending.

One agent. Annual decisions (designations, consortium calls, demonstrations, leader
entry) happen in the first quarter of a year; money flows (institute funding, pilot-area
subsidies, Rainforest finance) every quarter. It never spends more in a year than the
plan's budget for that year: ``ledger[plan, year]`` is checked before every payment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent
from rainforest.scenarios.fields import N_DISTRICTS
from rainforest.sim import rng, rules
from rainforest.sim.params import UNIVERSITY
from rainforest.sim.plan_ids import (
    ARRAY,
    FOUNDATION,
    HAND_IN_HAND,
    LEADING,
    N_PLANS,
    OPEN_SOURCE,
    RAINFOREST,
)

if TYPE_CHECKING:
    from rainforest.agents.model import EcosystemModel
    from rainforest.agents.organisations import Enterprise, Institute


@dataclass
class Consortium:
    """A funded Hand-in-Hand consortium: a leading firm, partner firms and an institute."""

    consortium_id: int
    leader: int
    members: list[int]  # enterprise org ids
    institute: int  # org id, or -1
    end_tick: int
    active: bool = True
    partners: list[int] = field(default_factory=list)


def _ranked(items: list, score) -> list:
    """Stable ranking by descending score: ties keep id order (as the kernel's argsort)."""
    return sorted(items, key=lambda x: -score(x))


class Government(Agent):
    model: EcosystemModel

    def __init__(self, model: EcosystemModel) -> None:
        super().__init__(model)
        p = model.params
        self.ledger = np.zeros((N_PLANS, p.n_years))
        self.field_weight = p.field_share.copy()
        self.last_field_knowledge = np.zeros(len(p.field_share))
        self.consortia: list[Consortium] = []

    # ---------------------------------------------------------------- money
    def budget(self, plan: int) -> float:
        return float(self.model.params.budget[plan, self.model.year_index])

    def left(self, plan: int) -> float:
        return self.budget(plan) - self.ledger[plan, self.model.year_index]

    def quarterly_flow(self, plan: int) -> float:
        return max(0.0, min(self.budget(plan) / 4.0, self.left(plan)))

    def spend(self, plan: int, amount: float) -> None:
        self.ledger[plan, self.model.year_index] += amount

    def active(self, plan: int) -> bool:
        return self.budget(plan) > 0.0

    # ---------------------------------------------------------------- the tick's step 1
    def step(self) -> None:
        m = self.model
        annual = m.tick % 4 == 0
        if annual and m.tick >= 4 and m.params.horse_race:
            self.run_horse_race()
        if annual:
            self.record_field_knowledge()
        self.foundation(annual)
        self.leading(annual)
        self.hand_in_hand(annual)
        self.open_source(annual)
        self.rainforest()

    # ---------------------------------------------------------------- across fields
    def field_mean_knowledge(self) -> np.ndarray:
        m = self.model
        total = np.zeros(len(self.field_weight))
        weight = np.zeros(len(self.field_weight))
        for e in m.alive_enterprises():
            total[e.field] += e.weight * e.own_knowledge()
            weight[e.field] += e.weight
        out = np.zeros(len(total))
        for f in range(len(total)):
            out[f] = total[f] / weight[f] if weight[f] > 0 else 0.0
        return out

    def record_field_knowledge(self) -> None:
        self.last_field_knowledge = self.field_mean_knowledge()

    def run_horse_race(self) -> None:
        """Shift support toward the fields whose mean knowledge grew fastest in the year."""
        now = self.field_mean_knowledge()
        n = len(now)
        progress = np.zeros(n)
        total = 0.0
        for f in range(n):
            before = self.last_field_knowledge[f]
            progress[f] = max(0.0, now[f] / before - 1.0) if before > 0 else 0.0
            total += progress[f]
        rate = self.model.params.horse_race_rate
        for f in range(n):
            self.field_weight[f] = rules.horse_race_weight(
                self.field_weight[f], progress[f], total, rate
            )

    # ---------------------------------------------------------------- foundation
    def foundation(self, annual: bool) -> None:
        m = self.model
        p = m.params
        if annual:
            target = int(p.colleges_target[m.year_index])
            while m.n_colleges() < target and self.left(FOUNDATION) >= p.college_cost_bn:
                best = self._best_university()
                if best is None:
                    break
                best.college = True
                self.spend(FOUNDATION, p.college_cost_bn)
            target = int(p.centers_target[m.year_index])
            while m.n_centers() < target and self.left(FOUNDATION) >= p.center_cost_bn:
                if not self._designate_center():
                    break
                self.spend(FOUNDATION, p.center_cost_bn)
        flow = self.quarterly_flow(FOUNDATION)
        keys = [rules.weighted_knowledge(i.knowledge, self.field_weight) for i in m.institutes]
        total = 0.0
        for k in keys:
            total += k
        for inst, k in zip(m.institutes, keys, strict=True):
            inst.research_funding = flow * k / total if (flow > 0.0 and total > 0.0) else 0.0
        if flow > 0.0 and total > 0.0:
            self.spend(FOUNDATION, flow)

    def _best_university(self) -> Institute | None:
        best, best_k = None, -math.inf
        for inst in self.model.institutes:
            if inst.kind != UNIVERSITY or inst.college:
                continue
            k = rules.total_knowledge(inst.knowledge)
            if k > best_k:
                best, best_k = inst, k
        return best

    def _designate_center(self) -> bool:
        """A center around the strongest (leading firm, institute) tie, with member firms."""
        m = self.model
        p = m.params
        best_inst, best_firm, best_score = -1, -1, -math.inf
        for a, b in m.sorted_edges():
            inst_id, firm_id = (a, b) if a < m.n_institutes else (b, a)
            if inst_id >= m.n_institutes or firm_id < m.n_institutes:
                continue
            inst, firm = m.org(inst_id), m.org(firm_id)
            if inst.center or firm.tier != 0:
                continue
            strength = m.graph.edges[a, b]["strength"]
            score = strength * (firm.knowledge[firm.field] + inst.knowledge[firm.field])
            if score > best_score:
                best_inst, best_firm, best_score = inst_id, firm_id, score
        if best_inst < 0:
            cand, cand_k = -1, -math.inf
            for inst in m.institutes:
                if inst.center:
                    continue
                k = rules.total_knowledge(inst.knowledge)
                if k > cand_k:
                    cand, cand_k = inst.org_id, k
            if cand < 0:
                return False
            best_inst = cand
            top = -math.inf
            for e in m.alive_enterprises():
                if e.tier == 0 and e.cluster == m.org(cand).cluster and e.own_knowledge() > top:
                    best_firm, top = e.org_id, e.own_knowledge()
        inst = m.org(best_inst)
        inst.center = True
        members = [best_firm] if best_firm >= 0 else []
        pool = [e for e in m.alive_enterprises() if e.cluster == inst.cluster]
        for e in _ranked(pool, lambda e: e.own_knowledge()):
            if len(members) >= p.center_members:
                break
            if e.org_id not in members:
                members.append(e.org_id)
        for firm_id in members:
            m.set_edge(best_inst, firm_id, kind=2)
        return True

    # ---------------------------------------------------------------- leading
    def leading(self, annual: bool) -> None:
        m = self.model
        p = m.params
        if annual:
            target = int(p.pilots_target[m.year_index])
            while m.n_pilots() < target and self.left(LEADING) >= p.pilot_cost_bn:
                score = np.zeros((N_DISTRICTS, 5))
                for e in m.alive_enterprises():
                    score[e.district, e.cluster] += e.weight * e.own_knowledge()
                best, best_s = -1, 0.0
                for d in range(N_DISTRICTS):
                    for c in range(5):
                        if not m.pilot[d, c] and score[d, c] > best_s:
                            best, best_s = d * 5 + c, score[d, c]
                if best < 0:
                    break
                m.pilot[best // 5, best % 5] = True
                self.spend(LEADING, p.pilot_cost_bn)
        flow = self.quarterly_flow(LEADING)
        if flow <= 0.0:
            return
        firms = [e for e in m.alive_enterprises() if e.in_pilot_area()]
        total = 0.0
        for e in firms:
            total += e.weight
        for e in firms:
            amount = min(p.pilot_subsidy_cap_bn * e.weight, flow * e.weight / total)
            e.capital += amount
            self.spend(LEADING, amount)

    # ---------------------------------------------------------------- hand in hand
    def hand_in_hand(self, annual: bool) -> None:
        if not annual:
            return
        m = self.model
        p = m.params
        for cons in self.consortia:
            if cons.active and cons.end_tick <= m.tick:
                self._expire(cons)
        if not self.active(HAND_IN_HAND):
            return
        n_entry = int(math.floor(self.budget(HAND_IN_HAND) * p.leader_entry_share
                                 / p.leader_entry_cost_bn))  # fmt: skip
        for _ in range(n_entry):
            if self.left(HAND_IN_HAND) < p.leader_entry_cost_bn:
                break
            m.add_entrant(self.field_weight)
            self.spend(HAND_IN_HAND, p.leader_entry_cost_bn)
        n_calls = min(p.max_consortia, int(math.floor(self.left(HAND_IN_HAND)
                                                      / p.consortium_grant_bn)))  # fmt: skip
        if n_calls <= 0:
            return
        proposals = []
        for leader in m.alive_enterprises():
            if leader.tier != 0 or leader.consortium >= 0:
                continue
            f = leader.field
            pool = [
                e for e in m.alive_enterprises()
                if e.tier != 0 and e.consortium < 0 and e.cluster == leader.cluster
            ]  # fmt: skip
            ranked = _ranked(
                pool,
                lambda e, lk=leader.knowledge: rules.partner_attraction(
                    lk, e.knowledge, p.absorptive_half
                ),
            )
            members = [e.org_id for e in ranked[: p.consortium_size - 2]]
            inst_id, inst_k = -1, -math.inf
            for inst in m.institutes:
                if inst.cluster == leader.cluster and inst.knowledge[f] > inst_k:
                    inst_id, inst_k = inst.org_id, inst.knowledge[f]
            score = leader.knowledge[f]
            for mid in members:
                score += m.org(mid).knowledge[f]
            if inst_id >= 0:
                score += inst_k
            proposals.append((score, leader.org_id, members, inst_id))
        proposals = _ranked(proposals, lambda prop: prop[0])
        taken: set[int] = set()
        funded = 0
        for _, leader_id, members, inst_id in proposals:
            if funded >= n_calls or self.left(HAND_IN_HAND) < p.consortium_grant_bn:
                break
            members = [mid for mid in members if mid not in taken]
            taken.update(members)
            cons = Consortium(len(self.consortia), leader_id, members, inst_id,
                              m.tick + p.consortium_quarters)  # fmt: skip
            self.consortia.append(cons)
            firms = [leader_id, *members]
            share = p.consortium_grant_bn / len(firms)
            for fid in firms:
                firm = m.org(fid)
                firm.consortium = cons.consortium_id
                firm.capital += share
            for other in [*members, *([inst_id] if inst_id >= 0 else [])]:
                m.set_edge(leader_id, other, kind=1)
            self.spend(HAND_IN_HAND, p.consortium_grant_bn)
            funded += 1

    def _expire(self, cons: Consortium) -> None:
        m = self.model
        cons.active = False
        others = [*cons.members, *([cons.institute] if cons.institute >= 0 else [])]
        for other in others:
            if m.graph.has_edge(cons.leader, other):
                edge = m.graph.edges[cons.leader, other]
                if edge["kind"] == 1:
                    edge["kind"] = 0
        for fid in [cons.leader, *cons.members]:
            firm = m.org(fid)
            if firm.consortium == cons.consortium_id:
                firm.consortium = -1

    def n_active_consortia(self) -> int:
        return sum(1 for c in self.consortia if c.active)

    # ---------------------------------------------------------------- open source
    def open_source(self, annual: bool) -> None:
        m = self.model
        p = m.params
        if annual and self.active(OPEN_SOURCE):
            eligible = [
                e for e in m.alive_enterprises()
                if 5 <= e.trl <= 7 and not e.demo_active()
            ]  # fmt: skip
            fw = self.field_weight
            for e in _ranked(eligible, lambda e: e.own_knowledge() * fw[e.field]):
                cost = p.demo_grant_bn * e.weight
                if self.left(OPEN_SOURCE) < cost:
                    continue
                e.capital += cost
                e.demo_until = m.tick + p.demo_quarters
                self.spend(OPEN_SOURCE, cost)
        boost = np.zeros(len(m.bass_p))
        for e in m.alive_enterprises():
            if e.demo_active():
                boost[e.field] += e.weight * p.demo_bass_p_boost
        for f in range(len(boost)):
            m.bass_p[f] = max(p.bass_p, min(p.bass_p_cap, p.bass_p + boost[f]))

    # ---------------------------------------------------------------- rainforest
    def rainforest_screen(self, e: Enterprise) -> bool:
        return e.tier != 0 and e.own_knowledge() >= self.model.params.knowledge_screen

    def rainforest(self) -> None:
        m = self.model
        p = m.params
        flow = self.quarterly_flow(RAINFOREST)
        if flow <= 0.0:
            return
        firms = [e for e in m.alive_enterprises() if self.rainforest_screen(e)]
        keys = [
            rules.finance_key(e.weight, self.field_weight[e.field], e.tier, p.startup_priority)
            for e in firms
        ]
        total = 0.0
        for k in keys:
            total += k
        if total <= 0.0:
            return
        for e, k in zip(firms, keys, strict=True):
            amount = min(p.finance_cap_bn * e.weight, flow * k / total)
            e.capital += amount
            self.spend(RAINFOREST, amount)

    # ---------------------------------------------------------------- array
    def array_attracted(self) -> int:
        """High-level talents (simulated) the Array plan attracts this quarter; pays for them."""
        m = self.model
        p = m.params
        flow = self.quarterly_flow(ARRAY)
        n = int(math.floor(flow * p.talents_per_bn / m.talent_weight))
        if n > 0:
            self.spend(ARRAY, n * m.talent_weight / p.talents_per_bn)
        return n


__all__ = ["Consortium", "Government", "rng"]
