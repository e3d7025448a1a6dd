"""The indicators every run reports, declared once, and the one function that computes them.

Each indicator is a spec (name, unit, integer or float, what it means, its 2030 target if
the plan sets one). ``compute_indicators`` is ``@njit`` and reads plain arrays of the
state, so the same state always gives the same numbers. Counts of firms and talents are
city-level: each simulated firm or talent counts for the real ones it stands for.
Designations (colleges, centers, pilot areas) and consortia are government acts and are
counted as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from rainforest.scenarios.fields import CLUSTERS, N_CLUSTERS
from rainforest.scenarios.regions import REGIONS
from rainforest.scenarios.targets import targets
from rainforest.sim import rules
from rainforest.sim.kinds import CENTER, FREED, HIGH_LEVEL, LEADING_TIER, SELLING_TRL, SPIN_OFF
from rainforest.sim.plan_ids import N_PLANS, PLAN_NAMES


@dataclass(frozen=True)
class IndicatorSpec:
    name: str
    unit: str
    integer: bool
    description: str

    @property
    def target(self) -> float | None:
        t = targets().get(self.name)
        return None if t is None else t.value


_SPECS: list[IndicatorSpec] = [
    IndicatorSpec("output_value_bn", "RMB bn per year", False,
                  "annualised future-field revenue of Shanghai's firms (city level)"),
    IndicatorSpec("future_technical_colleges", "count", True, "universities designated"),
    IndicatorSpec("innovation_centers", "count", True, "institutes designated as centers"),
    IndicatorSpec("pilot_areas", "count", True, "district x cluster pilot areas designated"),
    IndicatorSpec("leading_enterprises", "count", True,
                  "firms whose annual future-field revenue per firm is above the threshold"),
    IndicatorSpec("ecosystem_leading_enterprises", "count", True,
                  "leading-tier firms at the hub of a consortium or center, with partners"),
    IndicatorSpec("high_tech_enterprises", "count", True,
                  "firms with own-field knowledge above the threshold and TRL >= 4"),
    IndicatorSpec("consortia", "count", True, "funded Hand-in-Hand consortia now active"),
    IndicatorSpec("trl7_enterprises", "count", True, "firms at TRL >= 7 (able to sell)"),
    IndicatorSpec("enterprises", "count", True,
                  "real firms alive (an agent counts for the firms it stands for)"),
    IndicatorSpec("talents", "count", True, "talents in Shanghai"),
    IndicatorSpec("high_level_talents", "count", True, "high-level talents in Shanghai"),
    IndicatorSpec("talent_inflow", "count per quarter", True, "talents arriving this quarter"),
    IndicatorSpec("talent_outflow", "count per quarter", True, "talents leaving this quarter"),
    IndicatorSpec("startups_founded", "count", True, "start-ups founded since the start"),
    IndicatorSpec("startups_surviving", "count", True, "of those, still alive"),
    IndicatorSpec("startup_survival", "share", False, "surviving / founded (0 if none)"),
    IndicatorSpec("exits", "count", True, "firms that exited since the start"),
    IndicatorSpec("demonstrations", "count", True, "Open Source demonstration projects active"),
    IndicatorSpec("knowledge_stock", "knowledge units", False,
                  "total knowledge of firms and institutes, city level"),
    IndicatorSpec("network_edges", "count", True, "ties in the innovation network"),
    IndicatorSpec("mean_degree", "ties per organisation", False, "2 x edges / organisations"),
    IndicatorSpec("max_degree", "ties", True, "ties of the best-connected organisation"),
    IndicatorSpec("government_spent_bn", "RMB bn", False, "all six plans, cumulative"),
]  # fmt: skip
_SPECS += [
    IndicatorSpec(f"output_{c}_bn", "RMB bn per year", False, f"output value of the {c} cluster")
    for c in CLUSTERS
]
_SPECS += [
    IndicatorSpec(f"spent_{p}_bn", "RMB bn", False, f"spent by the {p} plan, cumulative")
    for p in PLAN_NAMES
]

_SPECS.append(
    IndicatorSpec("national_share", "share", False,
                  "Shanghai's sales over the demand of its fields this quarter: China's "
                  "market and exports (frontier market form), or the city's own demand "
                  "(compounding_outside)"),
)  # fmt: skip
_SPECS += [
    IndicatorSpec(f"national_share_{c}", "share", False,
                  f"national_share of the {c} cluster's fields")
    for c in CLUSTERS
]  # fmt: skip
_SPECS += [
    IndicatorSpec(f"share_{r}", "share", False,
                  f"the {r.replace('_', ' ')} competitor region's share of the demand")
    for r in REGIONS
]  # fmt: skip

_SPECS.append(
    IndicatorSpec("private_finance_bn", "RMB bn per quarter", False,
                  "private money raised this quarter: firms' private rounds and private "
                  "co-investment beside the plans' finance"),
)  # fmt: skip

INDICATORS: tuple[IndicatorSpec, ...] = tuple(_SPECS)
INDICATOR_NAMES: tuple[str, ...] = tuple(s.name for s in INDICATORS)
INDEX: dict[str, int] = {name: i for i, name in enumerate(INDICATOR_NAMES)}
N_INDICATORS = len(INDICATORS)
TARGETED: tuple[str, ...] = tuple(s.name for s in INDICATORS if s.target is not None)


# Each indicator's position in a row of indicators, by its name in capitals; the output
# of each cluster and the spending of each plan follow their first, in cluster and plan
# order. Compiled code reads these as constants.
OUTPUT_VALUE_BN = INDEX["output_value_bn"]
FUTURE_TECHNICAL_COLLEGES = INDEX["future_technical_colleges"]
INNOVATION_CENTERS = INDEX["innovation_centers"]
PILOT_AREAS = INDEX["pilot_areas"]
LEADING_ENTERPRISES = INDEX["leading_enterprises"]
ECOSYSTEM_LEADING_ENTERPRISES = INDEX["ecosystem_leading_enterprises"]
HIGH_TECH_ENTERPRISES = INDEX["high_tech_enterprises"]
CONSORTIA = INDEX["consortia"]
TRL7_ENTERPRISES = INDEX["trl7_enterprises"]
ENTERPRISES = INDEX["enterprises"]
TALENTS = INDEX["talents"]
HIGH_LEVEL_TALENTS = INDEX["high_level_talents"]
TALENT_INFLOW = INDEX["talent_inflow"]
TALENT_OUTFLOW = INDEX["talent_outflow"]
STARTUPS_FOUNDED = INDEX["startups_founded"]
STARTUPS_SURVIVING = INDEX["startups_surviving"]
STARTUP_SURVIVAL = INDEX["startup_survival"]
EXITS = INDEX["exits"]
DEMONSTRATIONS = INDEX["demonstrations"]
KNOWLEDGE_STOCK = INDEX["knowledge_stock"]
NETWORK_EDGES = INDEX["network_edges"]
MEAN_DEGREE = INDEX["mean_degree"]
MAX_DEGREE = INDEX["max_degree"]
GOVERNMENT_SPENT_BN = INDEX["government_spent_bn"]
OUTPUT_BY_CLUSTER = INDEX[f"output_{CLUSTERS[0]}_bn"]  # + cluster
SPENT_BY_PLAN = INDEX[f"spent_{PLAN_NAMES[0]}_bn"]  # + plan
NATIONAL_SHARE = INDEX["national_share"]
NATIONAL_SHARE_BY_CLUSTER = INDEX[f"national_share_{CLUSTERS[0]}"]  # + cluster
SHARE_BY_REGION = INDEX[f"share_{REGIONS[0]}"]  # + region
PRIVATE_FINANCE_BN = INDEX["private_finance_bn"]


def spec(name: str) -> IndicatorSpec:
    return INDICATORS[INDEX[name]]


@njit(cache=True, error_model="numpy")
def compute_indicators(
    out,
    # enterprises (every one ever created, by enterprise index)
    ent_alive, ent_weight, ent_revenue, ent_field, ent_trl, ent_tier, ent_origin,
    ent_knowledge, ent_consortium_leader, ent_demo_active,
    # institutes
    inst_weight, inst_knowledge, inst_college, inst_center,
    # network over organisation ids (institutes first, then enterprises)
    edge_src, edge_dst, edge_kind,
    # talents
    tal_present, tal_level, talent_weight, inflow, outflow,
    # government and designations
    n_pilots, n_consortia, spent,
    # parameters
    field_cluster, leading_revenue_bn, ecosystem_partners, high_tech_knowledge,
):  # fmt: skip
    n_inst = len(inst_weight)
    n_ent = len(ent_weight)
    n_org = n_inst + n_ent
    degree = np.zeros(n_org, np.int64)
    center_member = np.zeros(n_org, np.bool_)
    n_edges = 0
    for e in range(len(edge_src)):
        if edge_kind[e] == FREED:  # a freed slot in the edge store
            continue
        n_edges += 1
        degree[edge_src[e]] += 1
        degree[edge_dst[e]] += 1
        if edge_kind[e] == CENTER:
            center_member[edge_src[e]] = True
            center_member[edge_dst[e]] = True

    output = 0.0
    cluster_output = np.zeros(N_CLUSTERS)
    leading = 0
    eco = 0
    high_tech = 0
    trl7 = 0
    alive = 0
    founded = 0
    surviving = 0
    exits = 0
    demos = 0
    stock = 0.0
    n_fields = ent_knowledge.shape[1]
    k_row = np.empty(n_fields)
    for i in range(n_ent):
        w = ent_weight[i]
        if ent_origin[i] == SPIN_OFF:
            founded += w
        if not ent_alive[i]:
            exits += w
            continue
        alive += w
        if ent_origin[i] == SPIN_OFF:
            surviving += w
        f = ent_field[i]
        annual = 4.0 * ent_revenue[i]
        output += annual
        cluster_output[field_cluster[f]] += annual
        if annual / w >= leading_revenue_bn:
            leading += w
        org = n_inst + i
        if (
            ent_tier[i] == LEADING_TIER
            and (ent_consortium_leader[i] or center_member[org])
            and degree[org] >= ecosystem_partners
        ):
            eco += w
        if ent_knowledge[i, f] >= high_tech_knowledge and ent_trl[i] >= 4:
            high_tech += w
        if ent_trl[i] >= SELLING_TRL:
            trl7 += w
        if ent_demo_active[i]:
            demos += w
        for f in range(n_fields):  # a copy, not a slice: a slice per firm costs more
            k_row[f] = ent_knowledge[i, f]
        stock += w * rules.total_knowledge(k_row)
    colleges = 0
    centers = 0
    for j in range(n_inst):
        stock += inst_weight[j] * rules.total_knowledge(inst_knowledge[j])
        if inst_college[j]:
            colleges += 1
        if inst_center[j]:
            centers += 1
    talents = 0
    high = 0
    for k in range(len(tal_present)):
        if tal_present[k]:
            talents += talent_weight
            if tal_level[k] == HIGH_LEVEL:
                high += talent_weight
    n_orgs_alive = n_inst
    max_deg = 0
    for i in range(n_ent):
        if ent_alive[i]:
            n_orgs_alive += 1
    for o in range(n_org):
        if degree[o] > max_deg:
            max_deg = degree[o]
    spent_total = 0.0
    spent_plan = np.zeros(N_PLANS)
    for p in range(N_PLANS):
        for y in range(spent.shape[1]):
            spent_plan[p] += spent[p, y]
        spent_total += spent_plan[p]

    out[OUTPUT_VALUE_BN] = output
    out[FUTURE_TECHNICAL_COLLEGES] = colleges
    out[INNOVATION_CENTERS] = centers
    out[PILOT_AREAS] = n_pilots
    out[LEADING_ENTERPRISES] = leading
    out[ECOSYSTEM_LEADING_ENTERPRISES] = eco
    out[HIGH_TECH_ENTERPRISES] = high_tech
    out[CONSORTIA] = n_consortia
    out[TRL7_ENTERPRISES] = trl7
    out[ENTERPRISES] = alive
    out[TALENTS] = talents
    out[HIGH_LEVEL_TALENTS] = high
    out[TALENT_INFLOW] = inflow * talent_weight
    out[TALENT_OUTFLOW] = outflow * talent_weight
    out[STARTUPS_FOUNDED] = founded
    out[STARTUPS_SURVIVING] = surviving
    out[STARTUP_SURVIVAL] = surviving / founded if founded > 0 else 0.0
    out[EXITS] = exits
    out[DEMONSTRATIONS] = demos
    out[KNOWLEDGE_STOCK] = stock
    out[NETWORK_EDGES] = n_edges
    out[MEAN_DEGREE] = 2.0 * n_edges / n_orgs_alive if n_orgs_alive > 0 else 0.0
    out[MAX_DEGREE] = max_deg
    out[GOVERNMENT_SPENT_BN] = spent_total
    for c in range(N_CLUSTERS):
        out[OUTPUT_BY_CLUSTER + c] = cluster_output[c]
    for p in range(N_PLANS):
        out[SPENT_BY_PLAN + p] = spent_plan[p]


def indicator_frame(history, start_year: int):
    """Per-tick indicator rows as a typed DataFrame: tick, year, quarter, then every
    indicator (integer indicators as int64)."""
    import pandas as pd

    values = np.array(history, dtype=np.float64).reshape(len(history), len(INDICATOR_NAMES))
    ticks = np.arange(len(history), dtype=np.int64)
    frame = {"tick": ticks, "year": start_year + ticks // 4, "quarter": ticks % 4 + 1}
    for i, indicator in enumerate(INDICATORS):
        column = values[:, i]
        frame[indicator.name] = np.rint(column).astype(np.int64) if indicator.integer else column
    return pd.DataFrame(frame)
