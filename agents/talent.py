"""Talents: researchers and engineers who move between organisations on the network.

A talent is a Mesa ``CellAgent`` whose cell is its employer's; between jobs it has no
cell, and when it leaves Shanghai it is removed from the model.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mesa.discrete_space import CellAgent
from rainforest.sim import rng, rules

if TYPE_CHECKING:
    from rainforest.agents.model import EcosystemModel

LEAVE, MOVE, FOUND = "leave", "move", "found"


class Talent(CellAgent):
    model: EcosystemModel

    def __init__(
        self,
        model: EcosystemModel,
        talent_id: int,
        *,
        field: int,
        skill: float,
        level: int,
        origin: int,
    ) -> None:
        super().__init__(model)
        self.talent_id = talent_id
        self.field = field
        self.skill = skill
        self.level = level  # 0 regular, 1 high-level
        self.origin = origin  # 0 local, 1 attracted
        self.tenure = 0
        self.present = True

    def __repr__(self) -> str:
        return f"Talent({self.talent_id}, employer={self.employer}, level={self.level})"

    @property
    def employer(self) -> int:
        return -1 if self.cell is None else self.cell.coordinate

    def decide(self, ctx) -> tuple[str, int] | None:
        """This quarter's choice, read from the state at the start of the talents step.

        ``ctx`` holds the snapshot: each organisation's attractiveness, neighbours and
        the alive enterprises of each cluster.
        """
        m = self.model
        p = m.params
        seed, t, k = m.seed, m.tick, self.talent_id
        employer = self.employer
        unemployed = employer < 0
        p_out = rules.outflow_probability(
            self.level, unemployed, ctx.retention_active, p.talent_outflow,
            p.high_level_outflow, p.unemployed_outflow, p.retention,
        )  # fmt: skip
        if rng.uniform(seed, t, k, rng.TALENT_OUTFLOW, 0) < p_out:
            return LEAVE, -1
        if unemployed or rng.uniform(seed, t, k, rng.TALENT_MOVE, 0) < p.job_mobility:
            current = -math.inf if unemployed else ctx.attractiveness[employer]
            best, best_a = -1, -math.inf
            if not unemployed:
                nbrs = ctx.neighbours[employer]
                if nbrs:
                    c = nbrs[rng.index(seed, t, k, rng.TALENT_CANDIDATE, 0, len(nbrs))]
                    best, best_a = c, ctx.attractiveness[c]
            pool = ctx.cluster_enterprises[int(p.field_cluster[self.field])]
            if pool:
                c = pool[rng.index(seed, t, k, rng.TALENT_CANDIDATE, 1, len(pool))]
                if ctx.attractiveness[c] > best_a:
                    best, best_a = c, ctx.attractiveness[c]
            if best >= 0 and best != employer and best_a > current:
                return MOVE, best
            return None
        if not unemployed:
            org = m.org(employer)
            prob = rules.founding_probability(
                self.skill, p.founding_rate, p.founding_skill,
                p.rainforest_founding_boost if ctx.rainforest_active else 0.0,
                p.park_founding_boost if org.in_pilot_area() else 0.0,
            )  # fmt: skip
            if rng.uniform(seed, t, k, rng.TALENT_FOUND, 0) < prob:
                return FOUND, employer
        return None
