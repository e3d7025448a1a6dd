"""The government: the six plans' budgets, what it has spent, and what it has designated.

A Mesa ``Agent`` with no decisions of its own: the plans act inside the model's step
(``rainforest.sim``). It reads the state's ledger, pilot areas and consortia, so a user
can ask it what each plan has spent and created so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent
from rainforest.scenarios.schema import PLAN_NAMES
from rainforest.sim.state import N_CONS

if TYPE_CHECKING:
    from rainforest.agents.model import EcosystemModel


@dataclass(frozen=True)
class Consortium:
    """A funded Hand-in-Hand consortium: a leading firm, partner firms and an institute."""

    consortium_id: int
    leader: int  # org id
    members: tuple[int, ...]  # partner firms' org ids
    institute: int  # org id, or -1
    end_tick: int
    active: bool


class Government(Agent):
    """The plans' money and designations, as the state holds them."""

    model: EcosystemModel

    def __repr__(self) -> str:
        return f"Government(year={self.model.year})"

    def _plan(self, plan: str) -> int:
        if plan not in PLAN_NAMES:
            raise ValueError(f"{plan!r} is not a plan (plans: {', '.join(PLAN_NAMES)})")
        return PLAN_NAMES.index(plan)

    def _year(self) -> int:
        return min(self.model.tick // 4, self.model.params.n_years - 1)

    @property
    def ledger(self) -> np.ndarray:
        """RMB bn spent by (plan, simulated year), read-only."""
        view = self.model.state.ledger.view()
        view.flags.writeable = False
        return view

    def budget(self, plan: str) -> float:
        """RMB bn the plan has for the year now simulated."""
        return float(self.model.params.budget[self._plan(plan), self._year()])

    def spent(self, plan: str) -> float:
        """RMB bn the plan has spent in the year now simulated."""
        return float(self.model.state.ledger[self._plan(plan), self._year()])

    def spent_total(self) -> dict[str, float]:
        """RMB bn each plan has spent since the run began."""
        totals = self.model.state.ledger.sum(axis=1)
        return {plan: float(totals[i]) for i, plan in enumerate(PLAN_NAMES)}

    @property
    def pilot_areas(self) -> list[tuple[int, int]]:
        """Designated pilot areas as (district, cluster)."""
        return [(int(d), int(c)) for d, c in np.argwhere(self.model.state.pilot)]

    @property
    def field_weight(self) -> np.ndarray:
        """Each field's share of the support spread over fields (fixed or horse race)."""
        return self.model.state.field_weight.copy()

    @property
    def consortia(self) -> list[Consortium]:
        """Every consortium funded so far, in the order funded."""
        state = self.model.state
        return [
            Consortium(
                consortium_id=k,
                leader=int(state.cons_leader[k]),
                members=tuple(int(m) for m in state.cons_members[k, : state.cons_n_members[k]]),
                institute=int(state.cons_institute[k]),
                end_tick=int(state.cons_end[k]),
                active=bool(state.cons_active[k]),
            )
            for k in range(int(state.counts[N_CONS]))
        ]
