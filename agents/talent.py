"""Talents: researchers and engineers who move between organisations on the network.

A talent is a Mesa ``CellAgent`` whose cell is its employer's; between jobs it has no
cell, and when it leaves Shanghai it is removed from the model. Its attributes read its
slot of the model's state; the slot is found by the talent's id, which keys its random
draws and never changes (slots are closed up as talents leave). A talent that has left
keeps the values it had on leaving.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa.discrete_space import CellAgent
from rainforest.sim import rules
from rainforest.sim.plans.rainforest import founding_finance_boost

if TYPE_CHECKING:
    from rainforest.agents.model import EcosystemModel

LEVELS = ("regular", "high-level")
_FIELDS = ("field", "skill", "level", "origin", "tenure", "employer")


class Talent(CellAgent):
    """One simulated talent; it stands for ``model.talent_weight`` real ones."""

    model: EcosystemModel

    def __init__(self, model: EcosystemModel, talent_id: int) -> None:
        super().__init__(model)
        self.talent_id = talent_id
        self._left_with: dict[str, float] | None = None  # its values once it has left

    def __repr__(self) -> str:
        return f"Talent({self.talent_id}, employer={self.employer}, {LEVELS[self.level]})"

    def _read(self, name: str):
        if self._left_with is not None:
            return self._left_with[name]
        state = self.model.state
        return getattr(state, f"tal_{name}")[self.model.talent_slot(self.talent_id)]

    def leave(self) -> None:
        """Freeze its values, then leave the model (it has left Shanghai)."""
        self._left_with = {name: self._read(name) for name in _FIELDS}
        self._left_with["employer"] = -1
        self.remove()

    @property
    def present(self) -> bool:
        """In Shanghai (employed or between jobs)."""
        return self._left_with is None

    @property
    def field(self) -> int:
        return int(self._read("field"))

    @property
    def skill(self) -> float:
        return float(self._read("skill"))

    @property
    def level(self) -> int:
        """0 regular, 1 high-level (``LEVELS``)."""
        return int(self._read("level"))

    @property
    def origin(self) -> int:
        """0 local, 1 attracted from outside Shanghai."""
        return int(self._read("origin"))

    @property
    def tenure(self) -> int:
        """Quarters with its present employer."""
        return int(self._read("tenure"))

    @property
    def employer(self) -> int:
        """Its employer's organisation id (-1: between jobs or gone)."""
        return int(self._read("employer"))

    def leave_probability(self) -> float:
        """Its chance of leaving Shanghai this quarter, by the rule the model uses."""
        m = self.model
        p = m.params
        employer = self.employer
        unemployed = employer < 0 or (
            employer >= m.n_institutes and not m.enterprises[employer - m.n_institutes].alive
        )
        return float(
            rules.outflow_probability(
                self.level, unemployed, float(m.state.retention_cut[0]), p.talent_outflow,
                p.high_level_outflow, p.unemployed_outflow,
            )
        )  # fmt: skip

    def founding_probability(self) -> float:
        """Its chance of founding a start-up this quarter if it stays, by the model's rule
        (talents between jobs do not found)."""
        m = self.model
        p = m.params
        employer = self.employer
        if employer < 0 or self.skill < p.founding_skill:
            return 0.0
        finance = founding_finance_boost(
            float(m.state.startup_finance[0]), p.founding_boost, p.founding_finance_half_bn
        )
        park = m.org(employer).pilot_level() if employer >= m.n_institutes else 0.0
        return float(
            rules.founding_probability(
                self.skill, p.founding_rate, p.founding_skill, finance,
                p.park_founding_boost * park,
            )
        )  # fmt: skip
