"""The synthetic starting population that the model's state is built from.

Scale presets fix the number of simulated enterprises, institutes and talents. Money is
city-level at every scale: each simulated SME or start-up stands for ``weight`` real ones
and each simulated talent for ``talent_weight`` real talents. Leading firms are few and
decisive, so they are represented one to one at every scale (a stratified sample).

Organisations share one id space (the innovation network's node ids): institutes first,
then enterprises; start-ups and entrants founded during a run get the next ids.

Every draw is keyed by (seed, 0, entity id, population stream, counter), so the same
seed and scale always give the same population, bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.fields import (
    FIELD_CLUSTER,
    FIELD_SHARE,
    FIELD_START_TRL,
    N_DISTRICTS,
    N_FIELDS,
)
from rainforest.scenarios.schema import Scenario
from rainforest.sim import rng
from rainforest.sim.engine import prepare
from rainforest.sim.kinds import (
    HIGH_LEVEL,
    LEADING_TIER,
    REGULAR,
    RESEARCH_INSTITUTE,
    SME_TIER,
    STARTUP_TIER,
    UNIVERSITY,
)
from rainforest.sim.settled import SETTLED_SME_SHARE, SETTLED_TRL_OFFSETS

# The real city the presets sample (assumption: the order of magnitude of firms, research
# organisations and researchers working on the 16 future fields in Shanghai).
CITY_ENTERPRISES = 20_000
CITY_INSTITUTES = 400
CITY_TALENTS = 200_000
LEADING_FIRMS = 40

SCALES: dict[str, tuple[int, int, int]] = {
    "classroom": (400, 40, 4_000),
    "district": (4_000, 120, 40_000),
    "city": (CITY_ENTERPRISES, CITY_INSTITUTES, CITY_TALENTS),
}

# Relative size of the districts' future-industry bases (assumption: Pudong with
# Zhangjiang and Lingang largest; Chongming smallest). Order as scenarios.fields.DISTRICTS.
DISTRICT_WEIGHT = np.array(
    [1.0, 1.5, 1.0, 1.0, 1.0, 1.0, 1.5, 2.0, 1.0, 1.5, 4.0, 0.7, 1.5, 1.0, 1.0, 0.3]
)
assert len(DISTRICT_WEIGHT) == N_DISTRICTS

# Future-field researchers per real organisation (assumption).
TALENTS_PER_LEADING = 200.0
TALENTS_PER_SME = 8.0
TALENTS_PER_STARTUP = 3.0
TALENTS_PER_INSTITUTE = 150.0
# of the non-leading firms, the share of SMEs (the rest are start-ups) in the synthetic
# draws the burn-in starts from; a run's population takes sim/settled.py's instead
SYNTHETIC_SME_SHARE = 0.6
# Initial ages in quarters, (youngest, number of quarters drawn uniformly above it), by
# tier: start-ups are younger than the start-up stage (5 years), SMEs 5-20 years old,
# leading firms 10-30 years old (docs/ODD.md 5.2). A firm's exit hazard depends on its
# age (7.8), so a population founded all at once would exit as one cohort.
STARTUP_AGES = (0, 20)
# TRL offsets below the field's starting TRL (sim/settled.py holds their chances by tier):
# TRL_OFFSETS[1] values from TRL_OFFSETS[0]; a negative offset is a TRL above the field's
# start.
TRL_OFFSETS = (-2, 9)  # the first offset, and how many (-2 .. 6)
# The synthetic draws, before settling: offsets 0-1 for leading firms, 1-3 for SMEs,
# 2-4 for start-ups, each uniform. The burn-in study starts from them.
SYNTHETIC_TRL_OFFSETS = np.zeros((3, TRL_OFFSETS[1]))
for _tier, (_low, _n) in ((LEADING_TIER, (0, 2)), (SME_TIER, (1, 3)), (STARTUP_TIER, (2, 3))):
    SYNTHETIC_TRL_OFFSETS[_tier, _low - TRL_OFFSETS[0] : _low - TRL_OFFSETS[0] + _n] = 1.0 / _n
SME_AGES = (20, 60)
LEADING_AGES = (40, 80)
UNIVERSITY_SHARE = 0.4


@dataclass(frozen=True)
class Population:
    """Starting state as arrays; read-only input to ``initial_state``."""

    seed: int
    scale: str
    talent_weight: int
    # institutes (org ids 0 .. n_institutes-1)
    inst_kind: np.ndarray
    inst_cluster: np.ndarray
    inst_district: np.ndarray
    inst_weight: np.ndarray
    inst_knowledge: np.ndarray  # (n, field)
    # enterprises (org ids n_institutes ..)
    ent_field: np.ndarray
    ent_tier: np.ndarray
    ent_weight: np.ndarray
    ent_district: np.ndarray
    ent_knowledge: np.ndarray  # (n, field)
    ent_trl: np.ndarray
    ent_capital: np.ndarray  # RMB bn, for all the real firms a simulated one stands for
    ent_cover: np.ndarray  # share of initial costs met by non-future (legacy) business
    ent_age: np.ndarray  # quarters since founding
    # talents
    tal_field: np.ndarray
    tal_skill: np.ndarray
    tal_level: np.ndarray
    tal_employer: np.ndarray  # org id
    # the initial innovation network (partnerships), src < dst, sorted
    edge_src: np.ndarray
    edge_dst: np.ndarray
    edge_strength: np.ndarray

    @property
    def n_institutes(self) -> int:
        return len(self.inst_kind)

    @property
    def n_enterprises(self) -> int:
        return len(self.ent_field)

    @property
    def n_talents(self) -> int:
        return len(self.tal_field)


@njit(cache=True)
def _pick_cumulative(cum, u):
    """Index i with cum[i-1] <= u * total < cum[i] (binary search)."""
    x = u * cum[-1]
    lo, hi = 0, len(cum) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] > x:
            hi = mid
        else:
            lo = mid + 1
    return lo


@njit(cache=True)
def _build_institutes(seed, n, field_cluster, district_cum):
    kind = np.empty(n, np.int64)
    cluster = np.empty(n, np.int64)
    district = np.empty(n, np.int64)
    knowledge = np.empty((n, len(field_cluster)), np.float64)
    s = rng.POP_INSTITUTE
    n_univ = int(math.ceil(n * UNIVERSITY_SHARE))
    for i in range(n):
        kind[i] = UNIVERSITY if i < n_univ else RESEARCH_INSTITUTE
        cluster[i] = i % 5
        district[i] = _pick_cumulative(district_cum, rng.uniform(seed, 0, i, s, rng.INST_DISTRICT))
        level = math.exp(math.log(3.0) + 0.5 * rng.normal(seed, 0, i, s, rng.INST_LEVEL))
        for f in range(len(field_cluster)):
            u = rng.uniform(seed, 0, i, s, rng.INST_KNOWLEDGE + f)
            if field_cluster[f] == cluster[i]:
                knowledge[i, f] = level * (0.5 + u)
            else:
                knowledge[i, f] = 0.1 * level * u
    return kind, cluster, district, knowledge


@njit(cache=True)
def _build_enterprises(
    seed, n, n_institutes, n_leading, weight_other, field_cum, field_cluster, start_trl,
    district_cum, offset_cum, sme_share,
):  # fmt: skip
    field = np.empty(n, np.int64)
    tier = np.empty(n, np.int64)
    weight = np.empty(n, np.int64)
    district = np.empty(n, np.int64)
    knowledge = np.empty((n, len(field_cluster)), np.float64)
    trl = np.empty(n, np.int64)
    capital = np.empty(n, np.float64)
    cover = np.empty(n, np.float64)
    age = np.empty(n, np.int64)
    s = rng.POP_ENTERPRISE
    for i in range(n):
        org = n_institutes + i
        field[i] = _pick_cumulative(field_cum, rng.uniform(seed, 0, org, s, rng.ENT_FIELD))
        if i < n_leading:
            tier[i] = LEADING_TIER
            weight[i] = 1
        else:
            sme = rng.uniform(seed, 0, org, s, rng.ENT_TIER) < sme_share
            tier[i] = SME_TIER if sme else STARTUP_TIER
            weight[i] = weight_other
        district[i] = _pick_cumulative(district_cum, rng.uniform(seed, 0, org, s, rng.ENT_DISTRICT))
        # log mean knowledge, capital, legacy cover; TRLs below the field's start
        # ages (quarters): every tier a spread of cohorts, not one cohort founded at once
        offset = TRL_OFFSETS[0] + _pick_cumulative(
            offset_cum[tier[i]], rng.uniform(seed, 0, org, s, rng.ENT_TRL)
        )
        if tier[i] == LEADING_TIER:
            mu, cap, cov = math.log(5.0), 5.0, 1.2
            age[i] = LEADING_AGES[0] + rng.index(seed, 0, org, s, rng.ENT_AGE, LEADING_AGES[1])
        elif tier[i] == SME_TIER:
            mu, cap, cov = 0.0, 0.05, 0.95
            age[i] = SME_AGES[0] + rng.index(seed, 0, org, s, rng.ENT_AGE, SME_AGES[1])
        else:
            mu, cap, cov = math.log(0.5), 0.01, 0.0
            age[i] = STARTUP_AGES[0] + rng.index(seed, 0, org, s, rng.ENT_AGE, STARTUP_AGES[1])
        own = math.exp(mu + 0.5 * rng.normal(seed, 0, org, s, rng.ENT_KNOWLEDGE))
        for f in range(len(field_cluster)):
            u = rng.uniform(seed, 0, org, s, rng.ENT_OTHER_FIELDS + f)
            if f == field[i]:
                knowledge[i, f] = own
            elif field_cluster[f] == field_cluster[field[i]]:
                knowledge[i, f] = 0.3 * own * u
            else:
                knowledge[i, f] = 0.05 * own * u
        trl[i] = min(9, max(1, start_trl[field[i]] - offset))
        capital[i] = cap * weight[i] * math.exp(0.3 * rng.normal(seed, 0, org, s, rng.ENT_CAPITAL))
        u = rng.uniform(seed, 0, org, s, rng.ENT_COVER)
        cover[i] = cov * (0.85 + 0.3 * u) if cov > 0 else 0.0
    return field, tier, weight, district, knowledge, trl, capital, cover, age


@njit(cache=True)
def _build_talents(
    seed, n, org_cum, n_institutes, inst_cluster, ent_field, field_cluster, cluster_fields
):
    field = np.empty(n, np.int64)
    skill = np.empty(n, np.float64)
    level = np.empty(n, np.int64)
    employer = np.empty(n, np.int64)
    s = rng.POP_TALENT
    for k in range(n):
        org = _pick_cumulative(org_cum, rng.uniform(seed, 0, k, s, rng.TAL_EMPLOYER))
        employer[k] = org
        if org < n_institutes:
            c = inst_cluster[org]
            fields = cluster_fields[c]
            nf = 0
            for f in fields:
                if f >= 0:
                    nf += 1
            field[k] = fields[rng.index(seed, 0, k, s, rng.TAL_FIELD, nf)]
        else:
            field[k] = ent_field[org - n_institutes]
        if rng.uniform(seed, 0, k, s, rng.TAL_LEVEL) < 0.05:
            level[k] = HIGH_LEVEL
            skill[k] = 0.7 + 0.3 * rng.uniform(seed, 0, k, s, rng.TAL_SKILL)
        else:
            level[k] = REGULAR
            skill[k] = rng.uniform(seed, 0, k, s, rng.TAL_SKILL)
    return field, skill, level, employer


@njit(cache=True)
def _build_edges(seed, n_institutes, inst_cluster, ent_field, ent_tier, field_cluster):
    """Initial partnerships: firms with a leading firm and an institute of their cluster."""
    n_ent = len(ent_field)
    s = rng.POP_EDGE
    # members of each cluster: leading firms and institutes, in id order
    lead_count = np.zeros(5, np.int64)
    inst_count = np.zeros(5, np.int64)
    for i in range(n_ent):
        if ent_tier[i] == LEADING_TIER:
            lead_count[field_cluster[ent_field[i]]] += 1
    for j in range(n_institutes):
        inst_count[inst_cluster[j]] += 1
    leads = np.full((5, max(1, lead_count.max())), -1, np.int64)
    insts = np.full((5, max(1, inst_count.max())), -1, np.int64)
    fill_l = np.zeros(5, np.int64)
    fill_i = np.zeros(5, np.int64)
    for i in range(n_ent):
        if ent_tier[i] == LEADING_TIER:
            c = field_cluster[ent_field[i]]
            leads[c, fill_l[c]] = n_institutes + i
            fill_l[c] += 1
    for j in range(n_institutes):
        c = inst_cluster[j]
        insts[c, fill_i[c]] = j
        fill_i[c] += 1
    src = np.empty(4 * n_ent, np.int64)
    dst = np.empty(4 * n_ent, np.int64)
    strength = np.empty(4 * n_ent, np.float64)
    m = 0
    for i in range(n_ent):
        org = n_institutes + i
        c = field_cluster[ent_field[i]]
        p_lead = 0.15 if ent_tier[i] != LEADING_TIER else 0.0
        p_inst = 0.9 if ent_tier[i] == LEADING_TIER else 0.2
        if lead_count[c] > 0 and rng.uniform(seed, 0, org, s, rng.EDGE_TO_LEADER) < p_lead:
            other = leads[c, rng.index(seed, 0, org, s, rng.EDGE_LEADER, lead_count[c])]
            src[m] = min(org, other)
            dst[m] = max(org, other)
            strength[m] = 0.5 + 0.5 * rng.uniform(seed, 0, org, s, rng.EDGE_LEADER_STRENGTH)
            m += 1
        if inst_count[c] > 0 and rng.uniform(seed, 0, org, s, rng.EDGE_TO_INSTITUTE) < p_inst:
            other = insts[c, rng.index(seed, 0, org, s, rng.EDGE_INSTITUTE, inst_count[c])]
            src[m] = min(org, other)
            dst[m] = max(org, other)
            strength[m] = 0.5 + 0.5 * rng.uniform(seed, 0, org, s, rng.EDGE_INSTITUTE_STRENGTH)
            m += 1
    return src[:m], dst[:m], strength[:m]


def population_sizes(scenario: Scenario) -> tuple[int, int, int]:
    """(enterprises, institutes, talents) of the scenario's preset or explicit population."""
    if scenario.population is not None:
        p = scenario.population
        return p.enterprises, p.institutes, p.talents
    return SCALES[scenario.scale]


def build_population(
    seed: int,
    sizes: tuple[int, int, int],
    scale: str = "custom",
    trl_offsets: np.ndarray | None = None,
    sme_share: float | None = None,
) -> Population:
    """A population of the given sizes; the same (seed, sizes) always gives the same arrays.

    ``trl_offsets`` (tier, offset) are the chances of each TRL offset below the field's
    starting TRL by tier, and ``sme_share`` the share of SMEs among the firms that are not
    leading: by default ``SETTLED_TRL_OFFSETS`` and ``SETTLED_SME_SHARE``, the structure
    the model's own dynamics settle to (sim/settled.py); the burn-in study that measures
    it starts from ``SYNTHETIC_TRL_OFFSETS`` and ``SYNTHETIC_SME_SHARE``."""
    prepare()  # a run starts here: compiled code is cached in its folder
    n_ent, n_inst, n_tal = sizes
    if min(sizes) <= 0:
        raise ScenarioError("population: enterprises, institutes and talents must all be > 0")
    if seed < 0:
        raise ScenarioError(f"seed: must be >= 0, got {seed}")
    n_leading = min(LEADING_FIRMS, max(1, n_ent // 10))
    weight_other = max(1, round((CITY_ENTERPRISES - LEADING_FIRMS) / max(1, n_ent - n_leading)))
    inst_w = max(1, round(CITY_INSTITUTES / n_inst))
    talent_weight = max(1, round(CITY_TALENTS / n_tal))
    field_cluster = np.array(FIELD_CLUSTER, dtype=np.int64)
    field_cum = np.cumsum(np.array(FIELD_SHARE))
    district_cum = np.cumsum(DISTRICT_WEIGHT)
    start_trl = np.array(FIELD_START_TRL, dtype=np.int64)

    i_kind, i_cluster, i_district, i_knowledge = _build_institutes(
        seed, n_inst, field_cluster, district_cum
    )
    e = _build_enterprises(
        seed,
        n_ent,
        n_inst,
        n_leading,
        weight_other,
        field_cum,
        field_cluster,
        start_trl,
        district_cum,
        np.cumsum(SETTLED_TRL_OFFSETS if trl_offsets is None else trl_offsets, axis=1),
        SETTLED_SME_SHARE if sme_share is None else sme_share,
    )
    e_field, e_tier, e_weight = e[0], e[1], e[2]
    size = np.where(
        e_tier == LEADING_TIER,
        TALENTS_PER_LEADING,
        np.where(e_tier == SME_TIER, TALENTS_PER_SME, TALENTS_PER_STARTUP),
    )
    org_size = np.concatenate(
        [np.full(n_inst, TALENTS_PER_INSTITUTE * inst_w), size * e_weight.astype(np.float64)]
    )
    cluster_fields = np.full((5, N_FIELDS), -1, dtype=np.int64)
    for c in range(5):
        members = [f for f in range(N_FIELDS) if FIELD_CLUSTER[f] == c]
        cluster_fields[c, : len(members)] = members
    t = _build_talents(
        seed,
        n_tal,
        np.cumsum(org_size),
        n_inst,
        i_cluster,
        e_field,
        field_cluster,
        cluster_fields,
    )
    src, dst, strength = _build_edges(seed, n_inst, i_cluster, e_field, e_tier, field_cluster)
    # one edge per pair, sorted by (src, dst); the first draw of a pair wins
    order = np.lexsort((np.arange(len(src)), dst, src))
    src, dst, strength = src[order], dst[order], strength[order]
    keep = np.ones(len(src), dtype=bool)
    keep[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
    src, dst, strength = src[keep], dst[keep], strength[keep]

    arrays = dict(
        inst_kind=i_kind, inst_cluster=i_cluster, inst_district=i_district,
        inst_weight=np.full(n_inst, inst_w, dtype=np.int64), inst_knowledge=i_knowledge,
        ent_field=e_field, ent_tier=e_tier, ent_weight=e_weight, ent_district=e[3],
        ent_knowledge=e[4], ent_trl=e[5], ent_capital=e[6], ent_cover=e[7],
        ent_age=e[8],
        tal_field=t[0], tal_skill=t[1], tal_level=t[2], tal_employer=t[3],
        edge_src=src, edge_dst=dst, edge_strength=strength,
    )  # fmt: skip
    for arr in arrays.values():
        arr.setflags(write=False)
    return Population(seed=seed, scale=scale, talent_weight=talent_weight, **arrays)


def population_for(scenario: Scenario, seed: int) -> Population:
    """The starting population of a scenario's scale (or explicit sizes) for a seed."""
    return build_population(seed, population_sizes(scenario), scenario.scale_label)
