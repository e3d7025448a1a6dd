"""Enterprises and institutes: the organisations on the innovation network's cells.

Each is a Mesa ``FixedAgent`` on the ``Network`` cell whose coordinate is its
organisation id (institutes first, then enterprises). An organisation holds no numbers of
its own: every attribute reads its row of the model's state (``model.state``), so it is
current after every step. The few attributes a user may sensibly set by hand (a firm's
capital, TRL and knowledge, an institute's knowledge) write the row, and the next step
uses them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import FixedAgent
from rainforest.sim import rules
from rainforest.sim.params import CENTER, TIERS

if TYPE_CHECKING:
    from rainforest.agents.model import EcosystemModel

ORIGINS = ("initial", "spin-off", "entrant")
INSTITUTE_KINDS = ("university", "research institute")


def _read_only(row: np.ndarray) -> np.ndarray:
    """A view that refuses writes, so a change goes through a setter that keeps the state
    consistent (a firm's own-field knowledge is also kept as a column)."""
    view = row.view()
    view.flags.writeable = False
    return view


class Organisation(FixedAgent):
    """What enterprises and institutes share: an id on the network and a knowledge row."""

    model: EcosystemModel
    is_enterprise = False

    def __init__(self, model: EcosystemModel, org_id: int) -> None:
        super().__init__(model)
        self.org_id = org_id

    @property
    def partners(self) -> list[int]:
        """Organisation ids tied to this one now, ascending."""
        graph = self.model.graph
        return sorted(graph.neighbors(self.org_id)) if self.org_id in graph else []

    def ties(self) -> list[dict]:
        """This organisation's ties now: partner id, kind, strength and start quarter."""
        graph = self.model.graph
        if self.org_id not in graph:
            return []
        return [{"partner": n, **graph.edges[self.org_id, n]} for n in sorted(graph[self.org_id])]


class Enterprise(Organisation):
    """A firm: its flagship field, tier, knowledge, readiness (TRL), money and district.

    It stands for ``weight`` real firms; money is the total of those firms.
    """

    is_enterprise = True

    def __init__(self, model: EcosystemModel, org_id: int) -> None:
        super().__init__(model, org_id)
        self.index = org_id - model.n_institutes  # its row in the state's enterprise arrays

    def __repr__(self) -> str:
        return f"Enterprise({self.org_id}, field={self.field}, {TIERS[self.tier]}, trl={self.trl})"

    # identity
    @property
    def field(self) -> int:
        return int(self.model.state.ent_field[self.index])

    @property
    def cluster(self) -> int:
        return int(self.model.params.field_cluster[self.field])

    @property
    def tier(self) -> int:
        """0 leading, 1 SME, 2 start-up (``TIERS``)."""
        return int(self.model.state.ent_tier[self.index])

    @property
    def weight(self) -> int:
        return int(self.model.state.ent_weight[self.index])

    @property
    def district(self) -> int:
        return int(self.model.state.ent_district[self.index])

    @property
    def origin(self) -> int:
        """0 initial, 1 spin-off start-up, 2 entrant leader (``ORIGINS``)."""
        return int(self.model.state.ent_origin[self.index])

    @property
    def age(self) -> int:
        """Quarters since the run began or the firm was founded."""
        return int(self.model.state.ent_age[self.index])

    @property
    def alive(self) -> bool:
        return bool(self.model.state.ent_alive[self.index])

    # technology and knowledge
    @property
    def knowledge(self) -> np.ndarray:
        return _read_only(self.model.state.ent_knowledge[self.index])

    @knowledge.setter
    def knowledge(self, values) -> None:
        values = np.asarray(values, dtype=np.float64)
        if values.shape != self.knowledge.shape or not (np.isfinite(values) & (values >= 0)).all():
            raise ValueError("knowledge: one finite, non-negative value per field")
        state = self.model.state
        state.ent_knowledge[self.index] = values
        state.ent_own[self.index] = values[self.field]

    def own_knowledge(self) -> float:
        return float(self.model.state.ent_own[self.index])

    @property
    def trl(self) -> int:
        return int(self.model.state.ent_trl[self.index])

    @trl.setter
    def trl(self, value: int) -> None:
        if not 1 <= int(value) <= 9:
            raise ValueError(f"trl: must be 1-9, got {value}")
        self.model.state.ent_trl[self.index] = int(value)

    def can_sell(self) -> bool:
        return self.alive and self.trl >= 7

    # money (RMB bn, the total of the firms it stands for)
    @property
    def capital(self) -> float:
        return float(self.model.state.ent_capital[self.index])

    @capital.setter
    def capital(self, value: float) -> None:
        if not np.isfinite(value):
            raise ValueError(f"capital: must be finite, got {value}")
        self.model.state.ent_capital[self.index] = float(value)

    @property
    def revenue(self) -> float:
        """Future-field revenue this quarter."""
        return float(self.model.state.ent_revenue[self.index])

    @property
    def legacy_revenue(self) -> float:
        """Quarterly revenue from business outside the future fields."""
        return float(self.model.state.ent_legacy[self.index])

    @property
    def rd_spend(self) -> float:
        return float(self.model.state.ent_rd[self.index])

    @property
    def negative_quarters(self) -> int:
        """Quarters in a row with negative capital (exit comes after ``exit_quarters``)."""
        return int(self.model.state.ent_negative[self.index])

    def revenue_per_firm(self) -> float:
        return self.revenue / self.weight

    # what the plans gave it
    @property
    def consortium(self) -> int:
        """The Hand-in-Hand consortium it belongs to (-1: none)."""
        return int(self.model.state.ent_consortium[self.index])

    @property
    def demo_until(self) -> int:
        """The quarter its Open Source demonstration ends (-1: never had one)."""
        return int(self.model.state.ent_demo_until[self.index])

    def demo_active(self) -> bool:
        return self.alive and self.demo_until > self.model.tick

    def in_pilot_area(self) -> bool:
        return bool(self.model.state.pilot[self.district, self.cluster])

    def pilot_level(self) -> float:
        """How far its pilot area works (0..1: built up, running costs paid; 0 outside)."""
        return float(self.model.state.pilot_level[self.district, self.cluster])

    def center_member(self) -> bool:
        return any(t["kind"] == CENTER for t in self.ties())

    @property
    def talents(self) -> list:
        """The talents it employs now."""
        return [] if self.cell is None else [a for a in self.cell.agents if a is not self]


class Institute(Organisation):
    """A university or research institute; the government may designate it."""

    def __repr__(self) -> str:
        return f"Institute({self.org_id}, cluster={self.cluster}, {INSTITUTE_KINDS[self.kind]})"

    @property
    def kind(self) -> int:
        """0 university, 1 research institute (``INSTITUTE_KINDS``)."""
        return int(self.model.state.inst_kind[self.org_id])

    @property
    def cluster(self) -> int:
        return int(self.model.state.inst_cluster[self.org_id])

    @property
    def weight(self) -> int:
        return int(self.model.state.inst_weight[self.org_id])

    @property
    def district(self) -> int:
        return int(self.model.state.inst_district[self.org_id])

    alive = True

    @property
    def knowledge(self) -> np.ndarray:
        return _read_only(self.model.state.inst_knowledge[self.org_id])

    @knowledge.setter
    def knowledge(self, values) -> None:
        values = np.asarray(values, dtype=np.float64)
        if values.shape != self.knowledge.shape or not (np.isfinite(values) & (values >= 0)).all():
            raise ValueError("knowledge: one finite, non-negative value per field")
        self.model.state.inst_knowledge[self.org_id] = values

    def own_knowledge(self) -> float:
        """Mean knowledge over its focus cluster's fields."""
        return float(
            rules.institute_own_knowledge(
                self.model.state.inst_knowledge[self.org_id],
                self.cluster,
                self.model.params.field_cluster,
            )
        )

    @property
    def college(self) -> bool:
        """Designated a future technical college."""
        return bool(self.model.state.inst_college[self.org_id])

    @property
    def center(self) -> bool:
        """Designated a future industrial innovation center."""
        return bool(self.model.state.inst_center[self.org_id])

    @property
    def research_funding(self) -> float:
        """Foundation-plan research money received this quarter, RMB bn."""
        return float(self.model.state.inst_funding[self.org_id])

    @property
    def talents(self) -> list:
        return [a for a in self.cell.agents if a is not self]
