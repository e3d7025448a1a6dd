"""Validation on what calibration did not use, at city scale, each with a tolerance it can miss.

Calibration (scenarios/posterior.toml) used output in 2022 and its growth in 2023-25,
founding and exit rates, and pilot-area scale, in runs that end in 2025. These tests
check what it did not: the size distribution of firms, the network's clustering against
a degree-preserving null and who its hubs are, and technology readiness by field over
time against the fields' stated readiness. CI cost: 8 city replicates of `action_plan`
(the issue's full check is 20; `python -m rainforest.experiments.studies.validation
--facts --replicates 20 --scale city` gives those figures), so each test reads the
median over 8, whose sampling spread docs/VALIDATION.md section 3 states.
"""

from __future__ import annotations

import numpy as np
import pytest
from rainforest.experiments.studies.validation import (
    configuration_clustering,
    network_facts,
    readiness_by_field,
    stylized_facts,
    swapped_clustering,
)
from rainforest.runs.execute import run_one, run_with_state
from rainforest.scenarios.fields import _FIELD_TABLE, FIELD_SHARE
from rainforest.scenarios.loader import load_scenario
from rainforest.scenarios.overrides import apply_overrides
from rainforest.sim.seeds import derive_seed

REPLICATES = 8
ROOT_SEED = 31
SCALE = "city"
SEEDS = [derive_seed(ROOT_SEED, 0, r) for r in range(REPLICATES)]
STATED_LOW = np.array([row[2][0] for row in _FIELD_TABLE], dtype=float)
STATED_HIGH = np.array([row[2][1] for row in _FIELD_TABLE], dtype=float)
LOW_READINESS = STATED_HIGH <= 5  # quantum, 6G: no firm stated above TRL 5 in 2023
HIGH_READINESS = STATED_LOW >= 7  # energy storage, composites: firms at TRL 7+ in 2023


@pytest.fixture(scope="module")
def runs() -> list[tuple]:
    scenario = load_scenario("action_plan")
    return [
        run_with_state(scenario, derive_seed(ROOT_SEED, 0, r), SCALE) for r in range(REPLICATES)
    ]


@pytest.fixture(scope="module")
def runs_2023() -> list[tuple]:
    """The same seeds cut at the end of 2023 (a run's first years do not depend on its
    horizon), for readiness at the stated readiness's year."""
    scenario = apply_overrides(load_scenario("action_plan"), {"horizon_year": 2023})
    return [
        run_with_state(scenario, derive_seed(ROOT_SEED, 0, r), SCALE) for r in range(REPLICATES)
    ]


@pytest.mark.xfail(
    strict=True,
    reason="top 1 % of firms' share of 2023 sales: 0.12 (median of 8 city replicates), "
    "below 0.2: from the settled start about 10,000 real firms sell and capacity grows "
    "only from a firm's own cash, so few firms pull away (docs/VALIDATION.md 3)",
)
def test_firm_output_is_concentrated(runs) -> None:
    # the top 1 % of firms hold far more than a fifth of sales under a Pareto law with
    # alpha ~ 1 (Axtell 2001, Science 293: 1818-1820); all of it would be a monopoly
    facts = [stylized_facts(result, state) for result, state in runs]
    assert 0.20 <= float(np.median([f.top1_share for f in facts])) <= 0.90


@pytest.mark.xfail(
    strict=True,
    reason="Hill alpha of 2023 sales: 2.62 (median of 8 city replicates), above 2: a thin "
    "tail (docs/VALIDATION.md 3)",
)
def test_firm_output_has_a_pareto_tail(runs) -> None:
    # Axtell 2001: alpha ~ 1.06 for US firms; heavier revenue tails in technology markets
    # allow 0.5; above 2 the tail is thin (finite variance) and fails.
    facts = [stylized_facts(result, state) for result, state in runs]
    assert 0.5 <= float(np.median([f.hill_alpha for f in facts])) <= 2.0


def test_clustering_beats_a_degree_preserving_null(runs) -> None:
    # Powell et al. 2005 (AJS 110: 1132-1205) and Watts & Strogatz 1998: R&D networks
    # cluster far beyond random graphs with their degrees; 3x is a conservative floor.
    nets = [network_facts(state) for _, state in runs]
    ratios = [n.clustering / n.configuration_clustering for n in nets]
    assert float(np.median(ratios)) >= 3.0
    # the analytic expectation against rewiring, on two replicates: both must agree
    from rainforest.experiments.studies.validation import organisation_graph

    for (_, state), net in list(zip(runs, nets, strict=True))[:2]:
        swapped = swapped_clustering(organisation_graph(state), seed=ROOT_SEED)
        assert net.clustering >= 3.0 * swapped


@pytest.mark.xfail(
    strict=True,
    reason="the model's hubs are institutes only: no firm is among the top 1 % by degree "
    "(docs/VALIDATION.md section 3); a model change that makes firm hubs turns this XPASS",
)
def test_hubs_are_firms_as_well_as_institutes(runs) -> None:
    nets = [network_facts(state) for _, state in runs]
    assert float(np.median([n.hub_firms for n in nets])) >= 1
    assert float(np.median([n.hub_institutes for n in nets])) >= 1


def test_hubs_include_institutes_and_firms_have_tail_degrees(runs) -> None:
    # the part of the hub fact the model meets: institutes are hubs, and the
    # best-connected firm has several times the median degree (Powell et al. 2005)
    nets = [network_facts(state) for _, state in runs]
    assert float(np.median([n.hub_institutes for n in nets])) >= 1
    assert float(np.median([n.top_firm_degree_ratio for n in nets])) >= 5.0


def _readiness(runs) -> tuple[np.ndarray, np.ndarray]:
    pairs = [readiness_by_field(state) for _, state in runs]
    return (
        np.median([p[0] for p in pairs], axis=0),
        np.median([p[1] for p in pairs], axis=0),
    )


def test_readiness_by_field_keeps_the_stated_order_over_time(runs, runs_2023) -> None:
    from scipy.stats import spearmanr

    stated = 0.5 * (STATED_LOW + STATED_HIGH)
    for ready, _ in (_readiness(runs_2023), _readiness(runs)):
        assert spearmanr(stated, ready).statistic >= 0.6
        assert ready[LOW_READINESS].max() < ready[HIGH_READINESS].min()


def test_low_readiness_fields_mature_but_sell_below_their_potential(runs, runs_2023) -> None:
    ready_2023, _ = _readiness(runs_2023)
    ready_2030, output_2030 = _readiness(runs)
    assert np.all(ready_2030[LOW_READINESS] > ready_2023[LOW_READINESS])
    share = np.asarray(FIELD_SHARE)
    assert output_2030[LOW_READINESS].sum() < share[LOW_READINESS].sum()
    assert output_2030[HIGH_READINESS].sum() > share[HIGH_READINESS].sum()


def test_a_scenario_that_changes_nothing_reproduces_the_baseline(tmp_path) -> None:
    path = tmp_path / "same.toml"
    path.write_text('extends = "baseline"\nname = "same"\n')
    same = load_scenario(path)
    base = load_scenario("baseline")
    seed = derive_seed(ROOT_SEED, 1, 0)
    a = run_one(base, seed, scale="district").indicators
    b = run_one(same, seed, scale="district").indicators
    assert a.equals(b)


def test_measures_on_known_inputs() -> None:
    import networkx as nx
    from rainforest.experiments.studies.validation import hill_alpha, weighted_top_share

    values = np.array([100.0] + [1.0] * 99)
    assert weighted_top_share(values, np.ones(100)) == pytest.approx(100.0 / 199.0)
    # one simulated firm standing for 100 equal real firms: the top 1 % holds 1 %
    assert weighted_top_share(np.array([5.0]), np.array([100.0])) == pytest.approx(0.01)
    rng = np.random.default_rng(0)
    pareto = rng.pareto(1.2, 200_000) + 1.0
    assert hill_alpha(pareto, tail=0.05) == pytest.approx(1.2, rel=0.1)
    # a G(n, p) graph is its own configuration model: both clusterings are about p
    g = nx.gnp_random_graph(2000, 0.01, seed=3)
    degrees = np.array([d for _, d in g.degree()])
    assert configuration_clustering(degrees) == pytest.approx(0.01, rel=0.15)
    assert swapped_clustering(g, seed=3) == pytest.approx(0.01, rel=0.25)
    # a clustered graph (ring lattice) loses its clustering when rewired
    ring = nx.watts_strogatz_graph(2000, 10, 0.0, seed=3)
    assert nx.average_clustering(ring) > 10 * swapped_clustering(ring, seed=3)
