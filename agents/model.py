"""EcosystemModel: the Mesa face of the one model.

The model itself lives in ``rainforest.sim``: a state of named arrays and a compiled tick
of eight steps. ``EcosystemModel.step()`` advances that state by one quarter with the
same compiled code a whole run uses, then brings the face up to date: one Mesa agent per
enterprise, institute and talent (and the government) whose attributes read the state,
on a ``mesa.discrete_space.Network`` over a NetworkX graph of the live ties. Nothing is
decided here, so stepping the face gives the same indicators as ``rainforest.run``
(tests/agents/test_model.py checks every tick against it).

Bringing the face up to date costs a pass over the ties and the talents each step: new
firms get a cell and an agent, exited ones lose theirs, ties are added, renewed or
dropped, talents that moved change cell, arrivals get an agent and leavers are removed.
"""

from __future__ import annotations

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import Cell, Network
from rainforest.agents.government import Government
from rainforest.agents.organisations import Enterprise, Institute, Organisation
from rainforest.agents.talent import Talent
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.schema import Scenario
from rainforest.sim.indicators import INDICATOR_NAMES, N_INDICATORS
from rainforest.sim.loop import STEPS, advance
from rainforest.sim.params import EDGE_KINDS, Params, build_params
from rainforest.sim.population import Population, population_for
from rainforest.sim.state import KEY, N_EDGE_SLOTS, N_ENT, N_TAL, TAL_IDS, State, initial_state

_GONE = -2  # a talent id's employer once it has left Shanghai (or before it arrives)
MAX_SEED = 2**63 - 1  # the door's (runs.request.MAX_SEED): seeds are 63-bit


def _check_arguments(scenario: object, seed: object, population: object) -> None:
    """Wrong arguments as one error naming the argument, before Mesa or numpy see them."""
    if not isinstance(scenario, Scenario):
        raise TypeError(
            f"scenario: a Scenario (rainforest.scenarios.load_scenario('action_plan')), "
            f"got {type(scenario).__name__}"
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ScenarioError(f"seed: must be a whole number, got {seed!r}")
    if not 0 <= int(seed) <= MAX_SEED:
        raise ScenarioError(f"seed: must be within 0 and {MAX_SEED}, got {seed}")
    if population is not None and not isinstance(population, Population):
        raise TypeError(f"population: a sim.population.Population, got {type(population).__name__}")


class EcosystemModel(mesa.Model):
    """Shanghai's future-industry ecosystem under one scenario, one seed."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int = 0,
        population: Population | None = None,
    ) -> None:
        _check_arguments(scenario, seed, population)
        super().__init__(rng=seed)
        self.run_scenario = scenario  # Mesa 3.5 reserves Model.scenario
        self.seed = int(seed)
        self.params: Params = build_params(scenario)
        self.population = population if population is not None else population_for(scenario, seed)
        self.state: State = initial_state(self.population, self.params)
        self.n_institutes = self.population.n_institutes
        self.talent_weight = self.population.talent_weight
        self.tick = 0
        self._indicators = np.zeros((self.params.n_ticks, N_INDICATORS))
        self.history: list[np.ndarray] = []
        self.latest = np.zeros(N_INDICATORS)

        self.graph = nx.Graph()
        self.graph.add_nodes_from(range(self.n_institutes))
        self.space = Network(self.graph, random=self.random, layout=None)
        self.institutes = [Institute(self, j) for j in range(self.n_institutes)]
        for inst in self.institutes:
            inst.cell = self.space[inst.org_id]
        self.enterprises: list[Enterprise] = []
        self.talents: list[Talent] = []  # by talent id, every talent ever in the run
        self._edges: dict[int, tuple[int, int]] = {}  # pair key -> (a, b), as in the graph
        self._talent_employer = np.zeros(0, np.int64)  # by id, as the face has it
        self._talent_slot = np.zeros(0, np.int64)
        self.government = Government(self)
        self._bring_up_to_date()
        self.datacollector = mesa.DataCollector(
            model_reporters={
                name: (lambda m, i=i: m.latest[i]) for i, name in enumerate(INDICATOR_NAMES)
            }
        )

    # ---------------------------------------------------------------- lookups
    @property
    def year_index(self) -> int:
        return self.tick // 4

    @property
    def year(self) -> int:
        return self.params.start_year + self.tick // 4

    def org(self, org_id: int) -> Organisation:
        if org_id < self.n_institutes:
            return self.institutes[org_id]
        return self.enterprises[org_id - self.n_institutes]

    def talent_slot(self, talent_id: int) -> int:
        """Where the state holds the talent now (slots move as talents leave)."""
        return int(self._talent_slot[talent_id])

    def alive_enterprises(self) -> list[Enterprise]:
        return [e for e in self.enterprises if e.alive]

    def present_talents(self) -> list[Talent]:
        return [t for t in self.talents if t.present]

    @property
    def total_inflow(self) -> int:
        """Talents arrived since the run began (simulated ones)."""
        return len(self.talents) - self.population.n_talents

    # ---------------------------------------------------------------- the tick
    def step(self) -> None:
        """One quarter of the model (the eight steps of docs/ODD.md), then the face."""
        if self.tick >= self.params.n_ticks:
            raise RuntimeError(f"the run ends after {self.params.n_ticks} quarters")
        self.state = advance(self.state, self.params, self.seed, self.tick, self._indicators)
        self.latest = self._indicators[self.tick].copy()
        self.history.append(self.latest)
        self.tick += 1
        self._bring_up_to_date()
        self.datacollector.collect(self)

    def run(self, ticks: int | None = None) -> None:
        """Step to the horizon (or ``ticks`` quarters)."""
        for _ in range(self.params.n_ticks - self.tick if ticks is None else ticks):
            self.step()

    # ---------------------------------------------------------------- the face
    def _bring_up_to_date(self) -> None:
        """Agents, cells and ties as the state now has them."""
        S = self.state
        for index in range(len(self.enterprises), int(S.counts[N_ENT])):
            org_id = self.n_institutes + index
            self.space.add_cell(Cell(org_id, random=self.random))
            firm = Enterprise(self, org_id)
            firm.cell = self.space[org_id]
            self.enterprises.append(firm)
        self._update_ties()
        self._update_talents()
        for firm in self.enterprises:
            if firm.cell is not None and not firm.alive:
                cell = firm.cell
                firm.remove()  # and out of its cell
                self.space.remove_cell(cell)

    def _update_ties(self) -> None:
        S = self.state
        n = int(S.counts[N_EDGE_SLOTS])
        live = np.flatnonzero(S.edge_kind[:n] >= 0)
        a, b = S.edge_a[live], S.edge_b[live]
        keys = (a * KEY + b).tolist()
        now = set(keys)
        for key in [k for k in self._edges if k not in now]:
            u, v = self._edges.pop(key)
            self.space.remove_connection(self.space[u], self.space[v])
        graph_edges = self.graph.edges
        for key, u, v, kind, strength, start in zip(
            keys, a.tolist(), b.tolist(), S.edge_kind[live].tolist(),
            S.edge_strength[live].tolist(), S.edge_start[live].tolist(), strict=True,
        ):  # fmt: skip
            if key not in self._edges:
                self._edges[key] = (u, v)
                self.space.add_connection(self.space[u], self.space[v])
            data = graph_edges[u, v]
            data["kind"] = kind
            data["strength"] = strength
            data["start"] = start

    def _update_talents(self) -> None:
        S = self.state
        n_slots = int(S.counts[N_TAL])
        n_ids = int(S.counts[TAL_IDS])
        ids = S.tal_id[:n_slots]
        slot = np.full(n_ids, -1, np.int64)
        slot[ids] = np.arange(n_slots)
        employer = np.full(n_ids, _GONE, np.int64)
        present = S.tal_present[:n_slots]
        employer[ids[present]] = S.tal_employer[:n_slots][present]
        self._talent_slot = slot
        for talent_id in range(len(self.talents), n_ids):
            self.talents.append(Talent(self, talent_id))
        before = np.full(n_ids, -1, np.int64)  # new ids are between jobs until placed
        before[: len(self._talent_employer)] = self._talent_employer
        for talent_id in np.flatnonzero(employer != before).tolist():
            talent = self.talents[talent_id]
            where = int(employer[talent_id])
            if where == _GONE:
                if talent.present:
                    talent.leave()
                continue
            talent.cell = None if where < 0 else self.space[where]
        self._talent_employer = employer

    # ---------------------------------------------------------------- what tests inspect
    def edge_list(self) -> list[tuple[int, int, str, float]]:
        """The live ties as (a, b, kind, strength) with a < b, sorted."""
        return sorted(
            (min(u, v), max(u, v), EDGE_KINDS[d["kind"]], d["strength"])
            for u, v, d in self.graph.edges(data=True)
        )


__all__ = ["STEPS", "EcosystemModel"]
