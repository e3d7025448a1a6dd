"""The plan's five clusters and sixteen fields, with the assumptions the model starts from.

Clusters and fields follow the Action Plan's "5 directions, 16 fields" (Shanghai Municipal
Government, 2022-11-23; english.shanghai.gov.cn/en-KeyIndustries/20231226/...).

Every number below is an ASSUMPTION, not data: the midpoint of a range a modeller would
defend (market shares of the combined potential, starting technology readiness of
Shanghai's most advanced firms in 2023). They are priors for calibration and the ranges
of uncertainty sweeps; docs/ODD.md lists them with the ranges.
"""

from __future__ import annotations

CLUSTERS: tuple[str, ...] = ("health", "intelligence", "energy", "space", "materials")

# name, cluster, starting TRL range of the most advanced firms, share of market potential
_FIELD_TABLE: tuple[tuple[str, str, tuple[int, int], float], ...] = (
    ("brain_computer_interface", "health", (4, 6), 0.04),
    ("biosecurity", "health", (6, 8), 0.05),
    ("synthetic_biology", "health", (5, 7), 0.08),
    ("gene_cell_therapy", "health", (6, 8), 0.10),
    ("intelligent_computing", "intelligence", (6, 8), 0.12),
    ("general_ai", "intelligence", (6, 8), 0.14),
    ("extended_reality", "intelligence", (6, 8), 0.06),
    ("quantum", "intelligence", (3, 5), 0.03),
    ("6g", "intelligence", (3, 4), 0.05),
    ("advanced_nuclear", "energy", (4, 6), 0.04),
    ("new_energy_storage", "energy", (7, 9), 0.10),
    ("deep_sea", "space", (5, 7), 0.03),
    ("aerospace", "space", (6, 8), 0.07),
    ("high_end_membranes", "materials", (6, 8), 0.03),
    ("high_performance_composites", "materials", (7, 8), 0.04),
    ("non_silicon_chip_materials", "materials", (4, 6), 0.02),
)

FIELDS: tuple[str, ...] = tuple(row[0] for row in _FIELD_TABLE)
FIELD_CLUSTER: tuple[int, ...] = tuple(CLUSTERS.index(row[1]) for row in _FIELD_TABLE)
FIELD_TRL_RANGE: tuple[tuple[int, int], ...] = tuple(row[2] for row in _FIELD_TABLE)
FIELD_SHARE: tuple[float, ...] = tuple(row[3] for row in _FIELD_TABLE)
N_FIELDS = len(FIELDS)
N_CLUSTERS = len(CLUSTERS)

# Starting readiness used by default: the rounded-down midpoint of each range.
FIELD_START_TRL: tuple[int, ...] = tuple((lo + hi) // 2 for lo, hi in FIELD_TRL_RANGE)

# Market-wide assumption ranges (RMB bn a year; Bass coefficients and rates per year).
# The first four are the compounding_outside form's (the city's own demand); the rest
# the frontier form's, with their reasons in docs/ODD.md 8.8.
MARKET_RANGES: dict[str, tuple[float, float]] = {
    "total_potential_bn": (1500.0, 3000.0),
    "initial_market_bn": (80.0, 400.0),
    "bass_p": (0.001, 0.03),
    "bass_q": (0.05, 0.5),
    "national_market_bn": (400.0, 1500.0),
    "national_potential_bn": (2000.0, 16000.0),
    "market_growth": (0.0, 0.08),
    "frontier_knowledge": (2.0, 6.0),
    "frontier_growth": (0.01, 0.15),
    "frontier_absorption": (0.03, 0.3),
    "competitor_catch_up": (0.03, 0.3),
    "competitor_sellers": (10000.0, 150000.0),
}

# Shanghai's 16 districts: the unit pilot areas are made of (district x cluster).
DISTRICTS: tuple[str, ...] = (
    "Huangpu",
    "Xuhui",
    "Changning",
    "Jing'an",
    "Putuo",
    "Hongkou",
    "Yangpu",
    "Minhang",
    "Baoshan",
    "Jiading",
    "Pudong",
    "Jinshan",
    "Songjiang",
    "Qingpu",
    "Fengxian",
    "Chongming",
)
N_DISTRICTS = len(DISTRICTS)

assert abs(sum(FIELD_SHARE) - 1.0) < 1e-9
