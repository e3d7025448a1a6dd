"""The scenario flattened into plain numbers and arrays, the form both engines read.

A ``Params`` is a NamedTuple of floats, ints and numpy arrays, so it passes unchanged
into ``@njit`` code. Budgets become an array by plan and year (zero where a plan is
switched off or a year has no budget); designation schedules become the cumulative
number aimed for in each simulated year.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from rainforest.scenarios.fields import (
    FIELD_CLUSTER,
    FIELD_SHARE,
    FIELD_START_TRL,
    N_CLUSTERS,
    N_FIELDS,
)
from rainforest.scenarios.schema import PLAN_NAMES, Scenario
from rainforest.sim.plan_ids import N_PLANS

# Edge kinds of the innovation network, in order of formality.
PARTNERSHIP, CONSORTIUM, CENTER = 0, 1, 2
EDGE_KINDS = ("partnership", "consortium", "center")

# Enterprise tiers.
LEADING_TIER, SME_TIER, STARTUP_TIER = 0, 1, 2
TIERS = ("leading", "sme", "startup")

# Institute kinds.
UNIVERSITY, RESEARCH_INSTITUTE = 0, 1


class Params(NamedTuple):
    n_ticks: int
    start_year: int
    n_years: int
    budget: np.ndarray  # (plan, year) RMB bn a year
    colleges_target: np.ndarray  # (year,) cumulative
    centers_target: np.ndarray
    pilots_target: np.ndarray
    horse_race: bool
    horse_race_rate: float
    field_cluster: np.ndarray  # (field,) int64
    field_share: np.ndarray  # (field,) float64
    field_start_trl: np.ndarray  # (field,) int64
    # foundation
    college_cost_bn: float
    center_cost_bn: float
    center_members: int
    college_graduates: float
    # leading
    pilot_cost_bn: float
    pilot_subsidy_cap_bn: float
    pilot_cost_cut: float
    pilot_spillover_bonus: float
    test_site_boost: float
    park_founding_boost: float
    # hand in hand
    consortium_grant_bn: float
    consortium_size: int
    consortium_quarters: int
    max_consortia: int
    leader_entry_share: float
    leader_entry_cost_bn: float
    # open source
    demo_grant_bn: float
    demo_quarters: int
    demo_trl_boost: float
    demo_bass_p_boost: float
    bass_p_cap: float
    # array
    talents_per_bn: float
    retention: float
    # rainforest
    knowledge_screen: float
    finance_cap_bn: float
    startup_priority: float
    grace_quarters: int
    rainforest_cost_cut: float
    rainforest_founding_boost: float
    # market
    potential: np.ndarray  # (field,) RMB bn a year at saturation
    initial_adoption: float
    bass_p: float
    bass_q: float
    outside_competition: float
    outside_progress: float
    logit_beta: float
    # behaviour
    talent_outflow: float
    high_level_outflow: float
    unemployed_outflow: float
    talent_inflow: float
    high_level_share: float
    job_mobility: float
    founding_rate: float
    founding_skill: float
    spinoff_knowledge: float
    wage_bn: float
    depreciation: float
    production_scale: float
    rd_elasticity: float
    skill_elasticity: float
    spillover_rate: float
    consortium_spillover: float
    center_spillover: float
    absorptive_half: float
    institute_research_bn: float
    firm_search: float
    institute_search: float
    attraction_threshold: float
    partnership_decay: float
    consortium_decay: float
    min_edge_strength: float
    trl_hazard: float
    trl_knowledge_half: float
    partner_knowledge_weight: float
    center_trl_boost: float
    gross_margin: float
    rd_intensity: float
    fixed_cost_bn: float
    legacy_cover: float
    startup_seed_bn: float
    private_finance_rate: float
    private_round_bn: float
    exit_quarters: int
    leading_revenue_bn: float
    ecosystem_partners: int
    high_tech_knowledge: float
    sme_revenue_bn: float
    startup_quarters: int


def _cumulative_schedule(schedule: dict[int, int], start: int, n_years: int) -> np.ndarray:
    out = np.zeros(n_years, dtype=np.int64)
    for i in range(n_years):
        year = start + i
        due = [count for y, count in schedule.items() if y <= year]
        out[i] = max(due) if due else 0
    return out


def build_params(scenario: Scenario) -> Params:
    """Numbers for the engines; a pure function of the scenario (its name plays no part)."""
    start = scenario.start_year
    n_years = scenario.horizon_year - start + 1
    budget = np.zeros((N_PLANS, n_years), dtype=np.float64)
    for p, name in enumerate(PLAN_NAMES):
        plan = getattr(scenario.plans, name)
        if not plan.enabled:
            continue
        for year, amount in plan.budget_bn.items():
            if year - start < n_years:
                budget[p, year - start] = amount
    f = scenario.plans.foundation
    lead = scenario.plans.leading
    hih = scenario.plans.hand_in_hand
    osp = scenario.plans.open_source
    arr = scenario.plans.array
    rf = scenario.plans.rainforest
    m = scenario.market
    b = scenario.behaviour

    def sched(plan, key):
        if not plan.enabled:
            return np.zeros(n_years, dtype=np.int64)
        return _cumulative_schedule(getattr(plan, key), start, n_years)

    share = np.array(FIELD_SHARE, dtype=np.float64)
    return Params(
        n_ticks=scenario.ticks,
        start_year=start,
        n_years=n_years,
        budget=budget,
        colleges_target=sched(f, "colleges"),
        centers_target=sched(f, "centers"),
        pilots_target=sched(lead, "pilot_areas"),
        horse_race=scenario.field_allocation == "horse_race",
        horse_race_rate=scenario.horse_race_rate,
        field_cluster=np.array(FIELD_CLUSTER, dtype=np.int64),
        field_share=share,
        field_start_trl=np.array(FIELD_START_TRL, dtype=np.int64),
        college_cost_bn=f.college_cost_bn,
        center_cost_bn=f.center_cost_bn,
        center_members=f.center_members,
        college_graduates=f.college_graduates_per_quarter,
        pilot_cost_bn=lead.pilot_area_cost_bn,
        pilot_subsidy_cap_bn=lead.subsidy_cap_bn,
        pilot_cost_cut=lead.cost_cut,
        pilot_spillover_bonus=lead.spillover_bonus,
        test_site_boost=lead.test_site_boost,
        park_founding_boost=lead.park_founding_boost,
        consortium_grant_bn=hih.consortium_grant_bn,
        consortium_size=hih.consortium_size,
        consortium_quarters=hih.consortium_quarters,
        max_consortia=hih.max_consortia_per_call,
        leader_entry_share=hih.leader_entry_share,
        leader_entry_cost_bn=hih.leader_entry_cost_bn,
        demo_grant_bn=osp.demo_grant_bn,
        demo_quarters=osp.demo_quarters,
        demo_trl_boost=osp.demo_trl_boost,
        demo_bass_p_boost=osp.demo_bass_p_boost,
        bass_p_cap=osp.bass_p_cap,
        talents_per_bn=arr.talents_per_bn,
        retention=arr.retention,
        knowledge_screen=rf.knowledge_screen,
        finance_cap_bn=rf.finance_cap_bn,
        startup_priority=rf.startup_priority,
        grace_quarters=rf.grace_quarters,
        rainforest_cost_cut=rf.cost_cut,
        rainforest_founding_boost=rf.founding_boost,
        potential=share * m.total_potential_bn,
        initial_adoption=min(m.initial_market_bn / m.total_potential_bn, 0.99),
        bass_p=m.bass_p,
        bass_q=m.bass_q,
        outside_competition=m.outside_competition,
        outside_progress=m.outside_progress,
        logit_beta=m.logit_beta,
        talent_outflow=b.talent_outflow,
        high_level_outflow=b.high_level_outflow,
        unemployed_outflow=b.unemployed_outflow,
        talent_inflow=b.talent_inflow,
        high_level_share=b.high_level_share,
        job_mobility=b.job_mobility,
        founding_rate=b.founding_rate,
        founding_skill=b.founding_skill,
        spinoff_knowledge=b.spinoff_knowledge,
        wage_bn=b.wage_bn,
        depreciation=b.depreciation,
        production_scale=b.production_scale,
        rd_elasticity=b.rd_elasticity,
        skill_elasticity=b.skill_elasticity,
        spillover_rate=b.spillover_rate,
        consortium_spillover=b.consortium_spillover,
        center_spillover=b.center_spillover,
        absorptive_half=b.absorptive_half,
        institute_research_bn=b.institute_research_bn,
        firm_search=b.firm_search,
        institute_search=b.institute_search,
        attraction_threshold=b.attraction_threshold,
        partnership_decay=b.partnership_decay,
        consortium_decay=b.consortium_decay,
        min_edge_strength=b.min_edge_strength,
        trl_hazard=b.trl_hazard,
        trl_knowledge_half=b.trl_knowledge_half,
        partner_knowledge_weight=b.partner_knowledge_weight,
        center_trl_boost=b.center_trl_boost,
        gross_margin=b.gross_margin,
        rd_intensity=b.rd_intensity,
        fixed_cost_bn=b.fixed_cost_bn,
        legacy_cover=b.legacy_cover,
        startup_seed_bn=b.startup_seed_bn,
        private_finance_rate=b.private_finance_rate,
        private_round_bn=b.private_round_bn,
        exit_quarters=b.exit_quarters,
        leading_revenue_bn=b.leading_revenue_bn,
        ecosystem_partners=b.ecosystem_partners,
        high_tech_knowledge=b.high_tech_knowledge,
        sme_revenue_bn=b.sme_revenue_bn,
        startup_quarters=b.startup_quarters,
    )


def cluster_fields(cluster: int) -> list[int]:
    """The fields of a cluster, in field order."""
    return [f for f in range(N_FIELDS) if FIELD_CLUSTER[f] == cluster]


__all__ = ["N_CLUSTERS", "N_FIELDS", "Params", "build_params", "cluster_fields"]
