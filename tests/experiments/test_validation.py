"""Stylized facts the calibration did not use, over 20 district replicates of action_plan.

Tolerances are those of docs/VALIDATION.md; each test compares the median over the
replicates with a range that real innovation ecosystems show.
"""

from __future__ import annotations

import numpy as np
import pytest
from rainforest.experiments.run import derive_seed, run_one
from rainforest.experiments.studies.validation import StylizedFacts, run_with_state, stylized_facts
from rainforest.scenarios.loader import load_scenario

REPLICATES = 20
ROOT_SEED = 31


@pytest.fixture(scope="module")
def facts() -> list[StylizedFacts]:
    scenario = load_scenario("action_plan")
    out = []
    for r in range(REPLICATES):
        result, state = run_with_state(scenario, derive_seed(ROOT_SEED, 0, r), "district")
        out.append(stylized_facts(result, state))
    return out


def _median(facts: list[StylizedFacts], name: str) -> float:
    return float(np.median([getattr(f, name) for f in facts]))


def test_firm_output_is_heavy_tailed(facts: list[StylizedFacts]) -> None:
    assert _median(facts, "top1_share") >= 0.20
    assert 0.5 <= _median(facts, "hill_alpha") <= 2.0


def test_network_has_hubs(facts: list[StylizedFacts]) -> None:
    assert _median(facts, "max_degree") >= 10 * _median(facts, "median_degree")


def test_network_is_clustered_beyond_a_random_graph(facts: list[StylizedFacts]) -> None:
    ratios = [f.clustering / f.random_clustering for f in facts]
    assert float(np.median(ratios)) >= 5.0


def test_founding_and_exit_rates_are_plausible(facts: list[StylizedFacts]) -> None:
    assert 0.03 <= _median(facts, "founding_rate") <= 0.20
    assert 0.03 <= _median(facts, "exit_rate") <= 0.20


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
    from rainforest.experiments.studies.validation import hill_alpha, weighted_top_share

    values = np.array([100.0] + [1.0] * 99)
    assert weighted_top_share(values, np.ones(100)) == pytest.approx(100.0 / 199.0)
    # one simulated firm standing for 100 equal real firms: the top 1 % holds 1 %
    assert weighted_top_share(np.array([5.0]), np.array([100.0])) == pytest.approx(0.01)
    rng = np.random.default_rng(0)
    pareto = rng.pareto(1.2, 200_000) + 1.0
    assert hill_alpha(pareto, tail=0.05) == pytest.approx(1.2, rel=0.1)
