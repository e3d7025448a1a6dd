"""Enterprises and institutes: the organisations that sit on the innovation network's cells.

Both are Mesa ``FixedAgent``s on a cell of the ``Network`` space; the cell's coordinate is
the organisation's id (institutes first, then enterprises). Their decisions call
``sim.rules`` with the RNG keys of ``sim.rng``, exactly as the kernel engine does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import FixedAgent
from rainforest.sim import rng, rules
from rainforest.sim.params import TIERS

if TYPE_CHECKING:
    from rainforest.agents.model import EcosystemModel


class Organisation(FixedAgent):
    """What enterprises and institutes share: an id on the network and a knowledge vector."""

    model: EcosystemModel

    def __init__(self, model: EcosystemModel, org_id: int, knowledge: np.ndarray) -> None:
        super().__init__(model)
        self.org_id = org_id
        self.knowledge = np.array(knowledge, dtype=np.float64)
        self.alive = True

    is_enterprise = False

    @property
    def cluster(self) -> int:
        raise NotImplementedError

    def own_knowledge(self) -> float:
        raise NotImplementedError

    def in_pilot_area(self) -> bool:
        return False

    def neighbours(self) -> list[int]:
        """Partner organisation ids, ascending (the order every sum over partners uses)."""
        return sorted(self.model.graph.neighbors(self.org_id))

    def searches_partner(self) -> bool:
        p = self.model.params
        rate = p.firm_search if self.is_enterprise else p.institute_search
        u = rng.uniform(self.model.seed, self.model.tick, self.org_id, rng.PARTNER_SEARCH, 0)
        return u < rate


class Enterprise(Organisation):
    """A firm: its flagship field, tier, knowledge, readiness (TRL), money and district."""

    is_enterprise = True

    def __init__(
        self,
        model: EcosystemModel,
        org_id: int,
        *,
        field: int,
        tier: int,
        weight: int,
        district: int,
        knowledge: np.ndarray,
        trl: int,
        capital: float,
        legacy_revenue: float,
        origin: int,
    ) -> None:
        super().__init__(model, org_id, knowledge)
        self.field = field
        self.tier = tier
        self.weight = weight
        self.district = district
        self.trl = trl
        self.capital = capital
        self.legacy_revenue = legacy_revenue
        self.revenue = 0.0
        self.rd_spend = model.params.rd_intensity * legacy_revenue
        self.origin = origin  # 0 initial, 1 spin-off start-up, 2 entrant leader
        self.age = 0
        self.negative_quarters = 0
        self.consortium = -1
        self.demo_until = -1

    def __repr__(self) -> str:
        return f"Enterprise({self.org_id}, field={self.field}, {TIERS[self.tier]}, trl={self.trl})"

    @property
    def cluster(self) -> int:
        return int(self.model.params.field_cluster[self.field])

    @property
    def index(self) -> int:
        return self.org_id - self.model.n_institutes

    def own_knowledge(self) -> float:
        return float(self.knowledge[self.field])

    def in_pilot_area(self) -> bool:
        return bool(self.model.pilot[self.district, self.cluster])

    def demo_active(self) -> bool:
        return self.demo_until > self.model.tick

    def can_sell(self) -> bool:
        return self.alive and self.trl >= 7

    def revenue_per_firm(self) -> float:
        return self.revenue / self.weight

    def center_member(self) -> bool:
        graph = self.model.graph
        return any(graph.edges[self.org_id, n]["kind"] == 2 for n in graph.neighbors(self.org_id))

    def matures(self) -> bool:
        """Technology maturation: one draw against the rule's probability."""
        m = self.model
        p = m.params
        partner = 0.0
        for n in self.neighbours():
            partner += m.graph.edges[self.org_id, n]["strength"] * m.org(n).knowledge[self.field]
        effective = self.own_knowledge() + p.partner_knowledge_weight * partner
        boost = rules.maturation_boost(
            self.trl, self.in_pilot_area(), self.demo_active(), self.center_member(),
            p.test_site_boost, p.demo_trl_boost, p.center_trl_boost,
        )  # fmt: skip
        prob = rules.trl_advance_probability(
            self.trl, effective, p.trl_knowledge_half, p.trl_hazard, boost
        )
        return rng.uniform(m.seed, m.tick, self.org_id, rng.TRL_ADVANCE, 0) < prob


class Institute(Organisation):
    """A university or research institute; the government may designate it."""

    def __init__(
        self,
        model: EcosystemModel,
        org_id: int,
        *,
        kind: int,
        cluster: int,
        weight: int,
        district: int,
        knowledge: np.ndarray,
    ) -> None:
        super().__init__(model, org_id, knowledge)
        self.kind = kind
        self._cluster = cluster
        self.weight = weight
        self.district = district
        self.college = False
        self.center = False
        self.research_funding = 0.0

    def __repr__(self) -> str:
        return f"Institute({self.org_id}, cluster={self._cluster}, kind={self.kind})"

    @property
    def cluster(self) -> int:
        return self._cluster

    def own_knowledge(self) -> float:
        return rules.institute_own_knowledge(
            self.knowledge, self._cluster, self.model.params.field_cluster
        )
