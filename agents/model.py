"""EcosystemModel: the Mesa engine of rainforest.

One Python object per enterprise, institute and talent, plus the government, on a
``mesa.discrete_space.Network`` over the innovation network (a NetworkX graph whose
nodes are organisation ids and whose edges carry ``kind``, ``strength`` and ``start``).

The tick is written once, in ``step``, as the eight named steps of docs/ODD.md. Each step
is synchronous: every decision reads the state as it was when the step began, and the
decisions are then applied in id order. Activation order therefore cannot matter, and
the kernel engine, which follows the same steps with the same rules and RNG keys, gives
the same numbers.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import Cell, Network
from rainforest.agents.government import Government
from rainforest.agents.organisations import Enterprise, Institute, Organisation
from rainforest.agents.talent import FOUND, LEAVE, MOVE, Talent
from rainforest.scenarios.fields import N_DISTRICTS, N_FIELDS
from rainforest.scenarios.schema import Scenario
from rainforest.sim import rng, rules
from rainforest.sim.indicators import INDICATOR_NAMES, N_INDICATORS, compute_indicators
from rainforest.sim.params import CONSORTIUM, PARTNERSHIP, Params, build_params
from rainforest.sim.plan_ids import ARRAY, RAINFOREST
from rainforest.sim.population import Population, population_for

STEPS = (
    "government",
    "talents",
    "knowledge",
    "partnering",
    "maturation",
    "market",
    "demography",
    "indicators",
)


class EcosystemModel(mesa.Model):
    """Shanghai's future-industry ecosystem under one scenario, one seed."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int = 0,
        population: Population | None = None,
    ) -> None:
        super().__init__(rng=seed)
        self.run_scenario = scenario  # Mesa 3.5 reserves Model.scenario
        self.seed = int(seed)
        self.params: Params = build_params(scenario)
        self.population = population if population is not None else population_for(scenario, seed)
        pop = self.population
        p = self.params
        self.tick = 0
        self.n_institutes = pop.n_institutes
        self.talent_weight = pop.talent_weight
        self.pilot = np.zeros((N_DISTRICTS, 5), dtype=bool)
        self.adoption = np.full(N_FIELDS, p.initial_adoption)
        self.bass_p = np.full(N_FIELDS, p.bass_p)
        self.flows = {"inflow": 0, "outflow": 0}

        self.graph = nx.Graph()
        self.graph.add_nodes_from(range(pop.n_institutes + pop.n_enterprises))
        self.space = Network(self.graph, random=self.random)

        self.institutes: list[Institute] = []
        for j in range(pop.n_institutes):
            inst = Institute(
                self, j, kind=int(pop.inst_kind[j]), cluster=int(pop.inst_cluster[j]),
                weight=int(pop.inst_weight[j]), district=int(pop.inst_district[j]),
                knowledge=pop.inst_knowledge[j],
            )  # fmt: skip
            inst.cell = self.space[j]
            self.institutes.append(inst)
        initial_talents = np.bincount(
            pop.tal_employer, minlength=pop.n_institutes + pop.n_enterprises
        )
        self.enterprises: list[Enterprise] = []
        for i in range(pop.n_enterprises):
            org = pop.n_institutes + i
            weight = int(pop.ent_weight[i])
            burn = p.fixed_cost_bn * weight + p.wage_bn * initial_talents[org] * self.talent_weight
            firm = Enterprise(
                self, org, field=int(pop.ent_field[i]), tier=int(pop.ent_tier[i]),
                weight=weight, district=int(pop.ent_district[i]),
                knowledge=pop.ent_knowledge[i], trl=int(pop.ent_trl[i]),
                capital=float(pop.ent_capital[i]),
                legacy_revenue=float(pop.ent_cover[i]) * p.legacy_cover * burn, origin=0,
            )  # fmt: skip
            firm.cell = self.space[org]
            self.enterprises.append(firm)
        for a, b, s in zip(pop.edge_src, pop.edge_dst, pop.edge_strength, strict=True):
            self.set_edge(int(a), int(b), kind=PARTNERSHIP, strength=float(s))
        self.talents: list[Talent] = []
        for k in range(pop.n_talents):
            talent = Talent(
                self, k, field=int(pop.tal_field[k]), skill=float(pop.tal_skill[k]),
                level=int(pop.tal_level[k]), origin=0,
            )  # fmt: skip
            talent.cell = self.space[int(pop.tal_employer[k])]
            self.talents.append(talent)
        self.initial_talents = pop.n_talents
        self.total_inflow = 0
        self.total_outflow = 0
        self.government = Government(self)
        self.history: list[np.ndarray] = []
        self.latest = np.zeros(N_INDICATORS)
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

    def alive_enterprises(self) -> list[Enterprise]:
        return [e for e in self.enterprises if e.alive]

    def alive_orgs(self) -> list[Organisation]:
        return [*self.institutes, *self.alive_enterprises()]

    def present_talents(self) -> list[Talent]:
        return [t for t in self.talents if t.present]

    def sorted_edges(self) -> list[tuple[int, int]]:
        return sorted((min(a, b), max(a, b)) for a, b in self.graph.edges)

    def n_colleges(self) -> int:
        return sum(1 for i in self.institutes if i.college)

    def n_centers(self) -> int:
        return sum(1 for i in self.institutes if i.center)

    def n_pilots(self) -> int:
        return int(self.pilot.sum())

    def designated(self, org: Organisation) -> bool:
        if isinstance(org, Institute):
            return org.college or org.center
        return org.center_member()

    # ---------------------------------------------------------------- network edits
    def set_edge(self, a: int, b: int, kind: int, strength: float = 1.0) -> None:
        """Create or renew a tie; a tie keeps the most formal kind it has had."""
        if self.graph.has_edge(a, b):
            edge = self.graph.edges[a, b]
            edge["kind"] = max(edge["kind"], kind)
            edge["strength"] = strength
        else:
            self.space.add_connection(self.space[a], self.space[b])
            self.graph.add_edge(a, b, kind=kind, strength=strength, start=self.tick)

    def drop_edge(self, a: int, b: int) -> None:
        self.space.remove_connection(self.space[a], self.space[b])

    # ---------------------------------------------------------------- the tick
    def step(self) -> None:
        """One quarter: the eight steps of docs/ODD.md, in order."""
        self.government.step()
        self.talents_step()
        self.knowledge_step()
        self.partnering_step()
        self.maturation_step()
        self.market_step()
        self.demography_step()
        self.indicators_step()
        self.tick += 1

    def run(self, ticks: int | None = None) -> None:
        for _ in range(self.params.n_ticks if ticks is None else ticks):
            self.step()

    # ---------------------------------------------------------------- 2. talents
    def _talent_context(self) -> SimpleNamespace:
        gov = self.government
        attractiveness: dict[int, float] = {}
        neighbours: dict[int, list[int]] = {}
        clusters: list[list[int]] = [[] for _ in range(5)]
        for o in self.alive_orgs():
            revenue = o.revenue_per_firm() if isinstance(o, Enterprise) else 0.0
            attractiveness[o.org_id] = rules.employer_attractiveness(
                o.own_knowledge(), revenue, o.in_pilot_area(), self.designated(o)
            )
            neighbours[o.org_id] = o.neighbours()
            if isinstance(o, Enterprise):
                clusters[o.cluster].append(o.org_id)
        return SimpleNamespace(
            attractiveness=attractiveness,
            neighbours=neighbours,
            cluster_enterprises=clusters,
            retention_active=gov.active(ARRAY),
            rainforest_active=gov.active(RAINFOREST),
        )

    def talents_step(self) -> None:
        ctx = self._talent_context()
        decisions = [(t, t.decide(ctx)) for t in self.present_talents()]
        outflow = 0
        for talent, decision in decisions:
            if decision is None:
                if talent.cell is not None:
                    talent.tenure += 1
                continue
            kind, target = decision
            if kind == LEAVE:
                talent.present = False
                talent.remove()
                outflow += 1
            elif kind == MOVE:
                talent.cell = self.space[target]
                talent.tenure = 0
            elif kind == FOUND:
                firm = self.add_spinoff(talent, self.org(target))
                talent.cell = self.space[firm.org_id]
                talent.tenure = 0
        inflow = self.talent_inflow(ctx.cluster_enterprises)
        self.flows = {"inflow": inflow, "outflow": outflow}
        self.total_inflow += inflow
        self.total_outflow += outflow

    def _new_enterprise(self, **attrs) -> Enterprise:
        org_id = self.n_institutes + len(self.enterprises)
        self.space.add_cell(Cell(org_id, random=self.random))
        firm = Enterprise(self, org_id, **attrs)
        firm.cell = self.space[org_id]
        self.enterprises.append(firm)
        return firm

    def add_spinoff(self, founder: Talent, parent: Organisation) -> Enterprise:
        """A start-up founded by a talent; it inherits part of its parent's knowledge."""
        p = self.params
        knowledge = p.spinoff_knowledge * parent.knowledge
        trl = max(1, parent.trl - 2) if isinstance(parent, Enterprise) else 3
        return self._new_enterprise(
            field=founder.field, tier=2, weight=self.talent_weight, district=parent.district,
            knowledge=knowledge, trl=trl, capital=p.startup_seed_bn * self.talent_weight,
            legacy_revenue=0.0, origin=1,
        )  # fmt: skip

    def add_entrant(self, field_weight: np.ndarray) -> Enterprise:
        """An established leading firm drawn into a future field by the Hand-in-Hand plan."""
        p = self.params
        org_id = self.n_institutes + len(self.enterprises)
        s, t = self.seed, self.tick
        field = _pick_weighted(field_weight, rng.uniform(s, t, org_id, rng.LEADER_ENTRY, 0))
        district = rng.index(s, t, org_id, rng.LEADER_ENTRY, 1, N_DISTRICTS)
        own = 4.0 * math.exp(0.3 * rng.normal(s, t, org_id, rng.LEADER_ENTRY, 1))
        knowledge = np.zeros(N_FIELDS)
        for f in range(N_FIELDS):
            if f == field:
                knowledge[f] = own
            elif p.field_cluster[f] == p.field_cluster[field]:
                knowledge[f] = 0.3 * own
        return self._new_enterprise(
            field=field, tier=0, weight=1, district=district, knowledge=knowledge,
            trl=int(p.field_start_trl[field]), capital=3.0,
            legacy_revenue=1.2 * p.legacy_cover * p.fixed_cost_bn, origin=2,
        )  # fmt: skip

    def talent_inflow(self, cluster_enterprises: list[list[int]]) -> int:
        """Baseline arrivals, college graduates and Array-plan high-level talents."""
        p = self.params
        s, t = self.seed, self.tick
        n_base = rng.stochastic_round(
            p.talent_inflow * self.initial_talents, s, t, 0, rng.INFLOW_COUNT
        )
        arrivals: list[tuple[str, int]] = [("base", -1)] * n_base
        for inst in self.institutes:
            if inst.college:
                n = rng.stochastic_round(
                    p.college_graduates / self.talent_weight, s, t, inst.org_id + 1,
                    rng.INFLOW_COUNT,
                )  # fmt: skip
                arrivals += [("graduate", inst.org_id)] * n
        arrivals += [("array", -1)] * self.government.array_attracted()
        fw = self.government.field_weight
        for source, college in arrivals:
            k = len(self.talents)
            if source == "graduate":
                cluster = self.org(college).cluster
                fields = [f for f in range(N_FIELDS) if p.field_cluster[f] == cluster]
                field = fields[rng.index(s, t, k, rng.INFLOW_TALENT, 0, len(fields))]
                skill = 0.8 * rng.uniform(s, t, k, rng.INFLOW_TALENT, 2)
                level, origin = 0, 0
            elif source == "array":
                field = _pick_weighted(fw, rng.uniform(s, t, k, rng.INFLOW_TALENT, 0))
                skill = 0.7 + 0.3 * rng.uniform(s, t, k, rng.INFLOW_TALENT, 2)
                level, origin = 1, 1
            else:
                field = _pick_weighted(p.field_share, rng.uniform(s, t, k, rng.INFLOW_TALENT, 0))
                high = rng.uniform(s, t, k, rng.INFLOW_TALENT, 3) < p.high_level_share
                skill = rng.uniform(s, t, k, rng.INFLOW_TALENT, 2)
                level, origin = (1, 1) if high else (0, 1)
                if high:
                    skill = 0.7 + 0.3 * skill
            talent = Talent(self, k, field=field, skill=skill, level=level, origin=origin)
            pool = cluster_enterprises[int(p.field_cluster[field])]
            if pool:
                talent.cell = self.space[pool[rng.index(s, t, k, rng.INFLOW_TALENT, 1, len(pool))]]
            self.talents.append(talent)
        return len(arrivals)

    # ---------------------------------------------------------------- 3. knowledge
    def _talent_totals(self) -> tuple[dict[int, int], dict[int, float]]:
        """Talents and summed skill per employer, accumulated in talent-id order."""
        counts: dict[int, int] = {}
        skills: dict[int, float] = {}
        for t in self.present_talents():
            e = t.employer
            if e >= 0:
                counts[e] = counts.get(e, 0) + 1
                skills[e] = skills.get(e, 0.0) + t.skill
        return counts, skills

    def knowledge_step(self) -> None:
        p = self.params
        _, skills = self._talent_totals()
        orgs = self.alive_orgs()
        new: list[np.ndarray] = []
        for o in orgs:
            gain = np.zeros(N_FIELDS)
            skill = skills.get(o.org_id, 0.0) * self.talent_weight / o.weight
            if isinstance(o, Enterprise):
                g = rules.knowledge_gain(
                    o.rd_spend / o.weight, skill, p.production_scale, p.rd_elasticity,
                    p.skill_elasticity,
                )  # fmt: skip
                gain[o.field] = g
            else:
                money = p.institute_research_bn * o.weight + o.research_funding
                g = rules.knowledge_gain(
                    money / o.weight, skill, p.production_scale, p.rd_elasticity,
                    p.skill_elasticity,
                )  # fmt: skip
                fields = [f for f in range(N_FIELDS) if p.field_cluster[f] == o.cluster]
                for f in fields:
                    gain[f] = g / len(fields)
            spill = np.zeros(N_FIELDS)
            absorb = rules.absorptive_capacity(o.own_knowledge(), p.absorptive_half)
            for n in o.neighbours():
                other = self.org(n)
                edge = self.graph.edges[o.org_id, n]
                same_pilot = (
                    isinstance(o, Enterprise) and isinstance(other, Enterprise)
                    and o.district == other.district and o.cluster == other.cluster
                    and o.in_pilot_area()
                )  # fmt: skip
                coef = rules.spillover_coefficient(
                    edge["kind"], edge["strength"], same_pilot, p.spillover_rate,
                    p.consortium_spillover, p.center_spillover, p.pilot_spillover_bonus,
                )  # fmt: skip
                rules.add_spillover(o.knowledge, other.knowledge, coef, absorb, spill)
            out = np.empty(N_FIELDS)
            rules.update_knowledge(o.knowledge, gain, spill, p.depreciation, out)
            new.append(out)
        for o, k in zip(orgs, new, strict=True):
            o.knowledge = k

    # ---------------------------------------------------------------- 4. partnering
    def partnering_step(self) -> None:
        p = self.params
        s, t = self.seed, self.tick
        orgs = self.alive_orgs()
        neighbours = {o.org_id: o.neighbours() for o in orgs}
        cluster_firms: list[list[int]] = [[] for _ in range(5)]
        cluster_insts: list[list[int]] = [[] for _ in range(5)]
        pilot_firms: dict[tuple[int, int], list[int]] = {}
        for o in orgs:
            if isinstance(o, Enterprise):
                cluster_firms[o.cluster].append(o.org_id)
                if o.in_pilot_area():
                    pilot_firms.setdefault((o.district, o.cluster), []).append(o.org_id)
            else:
                cluster_insts[o.cluster].append(o.org_id)
        proposals: list[tuple[int, int]] = []
        for o in orgs:
            if not o.searches_partner():
                continue
            me = o.org_id
            candidates: list[int] = []
            nbrs = neighbours[me]
            if nbrs:
                j = nbrs[rng.index(s, t, me, rng.PARTNER_CANDIDATE, 0, len(nbrs))]
                second = neighbours[j]
                if second:
                    candidates.append(
                        second[rng.index(s, t, me, rng.PARTNER_CANDIDATE, 1, len(second))]
                    )
            if isinstance(o, Enterprise) and o.in_pilot_area():
                pool = pilot_firms[(o.district, o.cluster)]
                candidates.append(pool[rng.index(s, t, me, rng.PARTNER_CANDIDATE, 2, len(pool))])
            pool = cluster_firms[o.cluster]
            if pool:
                candidates.append(pool[rng.index(s, t, me, rng.PARTNER_CANDIDATE, 3, len(pool))])
            pool = cluster_insts[o.cluster]
            if pool:
                candidates.append(pool[rng.index(s, t, me, rng.PARTNER_CANDIDATE, 4, len(pool))])
            best, best_a = -1, -math.inf
            for c in candidates:
                if c == me:
                    continue
                a = rules.partner_attraction(o.knowledge, self.org(c).knowledge, p.absorptive_half)
                if a > best_a:
                    best, best_a = c, a
            if best < 0 or best_a < p.attraction_threshold:
                continue
            other = self.org(best).knowledge
            if rules.partner_attraction(other, o.knowledge, p.absorptive_half) >= (
                p.attraction_threshold
            ):
                proposals.append((me, best))
        for a, b in proposals:
            self.set_edge(a, b, kind=PARTNERSHIP)
        for a, b in self.sorted_edges():
            edge = self.graph.edges[a, b]
            edge["strength"] = rules.edge_decay(
                edge["strength"], edge["kind"], p.partnership_decay, p.consortium_decay
            )
            if edge["kind"] == PARTNERSHIP and edge["strength"] < p.min_edge_strength:
                self.drop_edge(a, b)

    # ---------------------------------------------------------------- 5. maturation
    def maturation_step(self) -> None:
        advancing = [e for e in self.alive_enterprises() if e.matures()]
        for e in advancing:
            e.trl += 1

    # ---------------------------------------------------------------- 6. market
    def market_step(self) -> None:
        p = self.params
        s, t = self.seed, self.tick
        firms = self.alive_enterprises()
        has_seller = np.zeros(N_FIELDS, dtype=bool)
        for e in firms:
            if e.trl >= 7:
                has_seller[e.field] = True
        demand = np.zeros(N_FIELDS)
        for f in range(N_FIELDS):
            if has_seller[f]:
                self.adoption[f] = rules.bass_step(self.adoption[f], self.bass_p[f], p.bass_q)
            demand[f] = p.potential[f] * self.adoption[f] / 4.0
        denominator = np.array(
            [
                rules.outside_weight(
                    p.outside_competition, p.field_share[f], p.logit_beta, p.outside_progress, t
                )
                for f in range(N_FIELDS)
            ]
        )
        weights: dict[int, float] = {}
        for e in firms:
            if e.trl >= 7:
                q = rules.product_quality(e.own_knowledge(), e.trl)
                weights[e.org_id] = rules.market_weight(e.weight, q, p.logit_beta)
                denominator[e.field] += weights[e.org_id]
        counts, _ = self._talent_totals()
        gov = self.government
        factor_active = gov.active(RAINFOREST)
        for e in firms:
            w = weights.get(e.org_id)
            e.revenue = demand[e.field] * w / denominator[e.field] if w is not None else 0.0
            if e.tier != 0:
                prob = rules.private_finance_probability(
                    e.own_knowledge(), p.private_finance_rate, p.absorptive_half
                )
                if rng.uniform(s, t, e.org_id, rng.PRIVATE_FINANCE, 0) < prob:
                    e.capital += p.private_round_bn * e.weight
            rd = p.rd_intensity * (e.revenue + e.legacy_revenue)
            wages = p.wage_bn * counts.get(e.org_id, 0) * self.talent_weight
            mult = rules.cost_multiplier(
                e.in_pilot_area(), p.pilot_cost_cut,
                factor_active and gov.rainforest_screen(e), p.rainforest_cost_cut,
            )  # fmt: skip
            fixed = p.fixed_cost_bn * e.weight * mult
            e.capital += rules.capital_change(
                e.legacy_revenue, e.revenue, p.gross_margin, rd, wages, fixed
            )
            e.rd_spend = rd

    # ---------------------------------------------------------------- 7. demography
    def demography_step(self) -> None:
        p = self.params
        gov = self.government
        patient = gov.active(RAINFOREST)
        exiting = []
        for e in self.alive_enterprises():
            e.negative_quarters = e.negative_quarters + 1 if e.capital < 0.0 else 0
            grace = p.grace_quarters if patient and gov.rainforest_screen(e) else 0
            if rules.exit_due(e.negative_quarters, p.exit_quarters, grace):
                exiting.append(e)
        for e in exiting:
            self.exit_enterprise(e)
        for e in self.alive_enterprises():
            e.age += 1
            annual_per_firm = 4.0 * e.revenue / e.weight
            if e.tier == 2 and (e.age >= p.startup_quarters or annual_per_firm >= p.sme_revenue_bn):
                e.tier = 1
            elif e.tier == 1 and annual_per_firm >= p.leading_revenue_bn:
                e.tier = 0

    def exit_enterprise(self, e: Enterprise) -> None:
        """A firm leaves: its talents are between jobs, its ties and its cell go."""
        for t in list(e.cell.agents):
            if isinstance(t, Talent):
                t.cell = None
        for n in list(self.graph.neighbors(e.org_id)):
            self.drop_edge(e.org_id, n)
        e.alive = False
        e.revenue = 0.0
        e.rd_spend = 0.0
        e.demo_until = -1
        cell = e.cell
        e.remove()
        self.space.remove_cell(cell)

    # ---------------------------------------------------------------- 8. indicators
    def state_arrays(self) -> dict[str, np.ndarray]:
        """The state as the arrays ``compute_indicators`` reads (and tests inspect)."""
        ents = self.enterprises
        gov = self.government
        leaders = {c.leader for c in gov.consortia if c.active}
        edges = self.sorted_edges()
        return dict(
            ent_alive=np.array([e.alive for e in ents], dtype=np.bool_),
            ent_weight=np.array([e.weight for e in ents], dtype=np.int64),
            ent_revenue=np.array([e.revenue for e in ents], dtype=np.float64),
            ent_field=np.array([e.field for e in ents], dtype=np.int64),
            ent_trl=np.array([e.trl for e in ents], dtype=np.int64),
            ent_tier=np.array([e.tier for e in ents], dtype=np.int64),
            ent_origin=np.array([e.origin for e in ents], dtype=np.int64),
            ent_knowledge=np.array([e.knowledge for e in ents], dtype=np.float64).reshape(
                len(ents), N_FIELDS
            ),
            ent_consortium_leader=np.array(
                [e.alive and e.org_id in leaders for e in ents], dtype=np.bool_
            ),
            ent_demo_active=np.array([e.alive and e.demo_active() for e in ents], dtype=np.bool_),
            inst_weight=np.array([i.weight for i in self.institutes], dtype=np.int64),
            inst_knowledge=np.array([i.knowledge for i in self.institutes], dtype=np.float64),
            inst_college=np.array([i.college for i in self.institutes], dtype=np.bool_),
            inst_center=np.array([i.center for i in self.institutes], dtype=np.bool_),
            edge_src=np.array([a for a, _ in edges], dtype=np.int64),
            edge_dst=np.array([b for _, b in edges], dtype=np.int64),
            edge_kind=np.array([self.graph.edges[a, b]["kind"] for a, b in edges], dtype=np.int64),
            tal_present=np.array([t.present for t in self.talents], dtype=np.bool_),
            tal_level=np.array([t.level for t in self.talents], dtype=np.int64),
        )

    def indicators_step(self) -> None:
        p = self.params
        arrays = self.state_arrays()
        out = np.zeros(N_INDICATORS)
        compute_indicators(
            out,
            arrays["ent_alive"], arrays["ent_weight"], arrays["ent_revenue"], arrays["ent_field"],
            arrays["ent_trl"], arrays["ent_tier"], arrays["ent_origin"], arrays["ent_knowledge"],
            arrays["ent_consortium_leader"], arrays["ent_demo_active"],
            arrays["inst_weight"], arrays["inst_knowledge"], arrays["inst_college"],
            arrays["inst_center"],
            arrays["edge_src"], arrays["edge_dst"], arrays["edge_kind"],
            arrays["tal_present"], arrays["tal_level"], self.talent_weight,
            self.flows["inflow"], self.flows["outflow"],
            self.n_pilots(), self.government.n_active_consortia(), self.government.ledger,
            p.field_cluster, p.leading_revenue_bn, p.ecosystem_partners, p.high_tech_knowledge,
        )  # fmt: skip
        self.latest = out
        self.history.append(out)
        self.datacollector.collect(self)


def _pick_weighted(weights: np.ndarray, u: float) -> int:
    """Index drawn with probability proportional to ``weights`` (cumulative, in order)."""
    total = 0.0
    for w in weights:
        total += w
    x = u * total
    acc = 0.0
    for i, w in enumerate(weights):
        acc += w
        if x < acc:
            return i
    return len(weights) - 1


__all__ = ["CONSORTIUM", "STEPS", "EcosystemModel"]
