"""Stylised facts of firm dynamics and an in-model grant trial, at city scale, each with
the literature's tolerance (docs/VALIDATION.md, "Firm dynamics").

Three city runs of ``action_plan`` (seeds ``derive_seed(26, 0, r)``) give the panels; a
fact is read as the median over them (pooled counts where the measure is a share). A fact
the model misses is a strict xfail whose reason is the measured figure, so a model that
starts to meet it shows as an XPASS.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from rainforest.experiments.studies.firm_dynamics import (
    continuing_growth,
    established_exit_rate,
    field_life_cycles,
    firm_facts,
    firm_panel,
    laplace_vs_gaussian,
    persistence_counts,
    persistence_ratio,
    size_tail_alpha,
    size_variance_slope,
    startup_survival,
    weighted_hill,
)
from rainforest.experiments.studies.grant_trial import assign, evaluate, run_trial
from rainforest.runs.execute import run_with_state
from rainforest.scenarios.loader import load_scenario
from rainforest.sim.kinds import INITIAL_FIRM
from rainforest.sim.seeds import derive_seed
from rainforest.sim.state import N_ENT

SCALE = "city"
SEEDS = [derive_seed(26, 0, r) for r in range(3)]


@pytest.fixture(scope="module")
def panels():
    scenario = load_scenario("action_plan")
    return [firm_panel(scenario, seed, SCALE) for seed in SEEDS]


@pytest.fixture(scope="module")
def trials():
    scenario = load_scenario("action_plan")
    return [run_trial(scenario, seed, SCALE) for seed in SEEDS]


def _median(values) -> float:
    return float(np.median(np.asarray(values, dtype=np.float64)))


# --- the measures on data whose answer is known ---------------------------------------


def test_laplace_wins_on_laplace_data_and_loses_on_gaussian_data() -> None:
    rng = np.random.default_rng(0)  # test data only, not the model's draws
    w = np.ones(20000)
    lap, gau = laplace_vs_gaussian(rng.laplace(0.0, 0.2, 20000), w)
    assert lap > gau + 0.05
    lap, gau = laplace_vs_gaussian(rng.normal(0.0, 0.2, 20000), w)
    assert gau > lap + 0.02


def test_size_variance_slope_recovers_a_known_scaling() -> None:
    rng = np.random.default_rng(1)
    size = rng.uniform(-5.0, 5.0, 40000)
    g = rng.laplace(0.0, 1.0, 40000) * np.exp(-0.2 * size)
    assert size_variance_slope(g, size, np.ones_like(g)) == pytest.approx(-0.2, abs=0.03)


def test_weighted_hill_recovers_a_pareto_exponent_with_and_without_weights() -> None:
    rng = np.random.default_rng(2)
    x = rng.pareto(1.2, 50000) + 1.0
    assert weighted_hill(x, np.ones_like(x)) == pytest.approx(1.2, rel=0.08)
    # five real firms per agent, as at district scale: the same exponent
    assert weighted_hill(x, np.full_like(x, 5.0)) == pytest.approx(1.2, rel=0.08)


# --- the panel is the run -------------------------------------------------------------


def test_the_panel_belongs_to_the_run_of_its_scenario_and_seed(panels) -> None:
    result, state = run_with_state(load_scenario("action_plan"), SEEDS[0], SCALE)
    panel = panels[0]
    assert panel.result.indicators.equals(result.indicators)
    assert len(panel.weight) == int(state.counts[N_ENT])
    # each firm's last year of sales is the state's last quarter, at most, times four
    last_q = np.asarray(state.ent_revenue[: len(panel.weight)])
    assert np.all(panel.revenue[:, -1] >= last_q - 1e-12)


def test_the_panel_keeps_entries_and_exits_consistent(panels) -> None:
    for p in panels:
        initial = p.origin == INITIAL_FIRM
        assert np.all(p.entry_year[initial] == p.years[0])
        exited = p.exit_year >= 0
        assert np.all(p.exit_year[exited] >= p.entry_year[exited])
        cols = np.arange(len(p.years))
        after_exit = exited[:, None] & (p.years[cols][None, :] >= p.exit_year[:, None])
        assert not np.any(p.alive & after_exit)
        assert not np.any(p.alive & (p.years[None, :] < p.entry_year[:, None]))
        assert np.all(p.revenue[~p.alive & after_exit] >= 0.0)


# --- the stylised facts ---------------------------------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="Laplace minus Gaussian mean log-likelihood of continuing firms' growth rates: "
    "+0.005, -0.002, -0.005 in 3 city runs (median -0.002): with the history-matched "
    "median set the growth rates are no more tent-shaped than a normal's",
)
def test_growth_rates_are_tent_shaped(panels) -> None:
    # Stanley et al. 1996; Bottazzi & Secchi 2003, 2006: the Laplace fits better
    fits = [laplace_vs_gaussian(*continuing_growth(p)[::2]) for p in panels]
    assert _median([lap - gau for lap, gau in fits]) > 0.0


def test_spread_of_growth_falls_with_size_at_the_rate_firm_data_show(panels) -> None:
    slopes = [size_variance_slope(*continuing_growth(p)) for p in panels]
    assert -0.35 <= _median(slopes) <= -0.1


@pytest.mark.xfail(
    strict=True,
    reason="Hill alpha of sales per real firm (top 10 % of 2030 sellers): 2.76 (median of "
    "3 city runs), thinner than [0.8, 1.5]: some 10,000 sellers share the market and "
    "capacity grows only from cash, so few firms pull away",
)
def test_firm_size_has_a_heavy_pareto_tail(panels) -> None:
    # Axtell 2001: alpha ~ 1.06 for US firms
    assert 0.8 <= _median([size_tail_alpha(p) for p in panels]) <= 1.5


@pytest.mark.xfail(
    strict=True,
    reason="5-year survival of start-ups founded 2021-25: 1.4 % of real firms (3 city runs "
    "pooled), far below 30-60 %: seed cash runs out before most start-ups sell",
)
def test_start_ups_survive_five_years_as_often_as_in_business_demography(panels) -> None:
    shares = [startup_survival(p) for p in panels]
    pooled = sum(s * n for s, n in shares) / sum(n for _, n in shares)
    assert 0.30 <= pooled <= 0.60


def test_established_firms_exit_too(panels) -> None:
    assert _median([established_exit_rate(p) for p in panels]) >= 0.01


def test_innovation_is_persistent(panels) -> None:
    # Cefis & Orsenigo 2001: innovators innovate again more often than non-innovators;
    # the ratio's 95 % interval must lie above 1
    counts = np.sum([persistence_counts(p) for p in panels], axis=0)
    ratio, se = persistence_ratio(tuple(counts))
    assert math.log(ratio) - 1.96 * se > 0.0


@pytest.mark.xfail(
    strict=True,
    reason="no field of any of 3 city runs has a shakeout: real sellers rise in every field "
    "through 2030 and top-4 shares fall",
)
def test_a_maturing_field_has_an_entry_wave_then_a_shakeout(panels) -> None:
    # Klepper 1996: in at least one field of a run, sellers peak and fall by 10 %+ while
    # the top-4 share rises
    assert any(any(lc.shakeout for lc in field_life_cycles(p)) for p in panels)


def test_firm_facts_collects_every_measure(panels) -> None:
    facts = firm_facts(panels[0])
    assert facts.growth_observations > 1000
    assert facts.startup_cohort_firms > 0


# --- the grant trial ------------------------------------------------------------------


def test_assignment_is_keyed_balanced_and_independent_of_the_list_order() -> None:
    firms = np.arange(100, 1101)
    treated = assign(7, 16, firms, 400)
    assert treated.sum() == len(firms) // 2
    assert np.array_equal(treated, assign(7, 16, firms, 400))
    backwards = assign(7, 16, firms[::-1], 400)[::-1]
    assert np.array_equal(treated, backwards)
    assert not np.array_equal(treated, assign(8, 16, firms, 400))


def test_the_trial_changes_nothing_before_it_and_pays_only_treated_firms(trials) -> None:
    for runs in trials:
        a, b = runs.with_trial, runs.without
        before = slice(0, runs.base + 1)
        n = min(len(a.weight), len(b.weight))
        assert np.array_equal(a.revenue[:n, before], b.revenue[:n, before])
        assert runs.treated.sum() == len(runs.firms) // 2
        # at the baseline, treated and controls alike (randomised): sales within 3 SE
        sales = a.per_firm[runs.firms, runs.base]
        t, c = sales[runs.treated], sales[~runs.treated]
        se = math.sqrt(t.var(ddof=1) / len(t) + c.var(ddof=1) / len(c))
        assert abs(t.mean() - c.mean()) < 3.0 * se


def test_a_grant_for_r_and_d_raises_the_treated_firms_knowledge(trials) -> None:
    # the model's own channel: the grant is R&D spending, R&D makes knowledge
    assert all(evaluate(r).paired_knowledge_effect > 0.0 for r in trials)


@pytest.mark.xfail(
    strict=True,
    reason="evaluator's DiD of yearly sales per real firm, 2025-27 vs 2024, 1 m RMB "
    "grants to half of ~14,200 SMEs: +0.043 m RMB (SE 0.071 m, 3 city runs pooled), "
    "not significantly positive; the paired effect is +0.07 m RMB a year (0.21 RMB of "
    "sales per grant RMB over three years)",
)
def test_grants_raise_new_product_sales_as_innofund_did(trials) -> None:
    # Guo, Guo & Jiang 2016 (Research Policy 45: 1129-1144): Innofund-backed SMEs had
    # significantly higher new-product sales after the grant than matched non-backed
    # firms (PSM-DiD). Tolerance: the evaluator's DiD positive at the 5 % level.
    results = [evaluate(r) for r in trials]
    effect = float(np.mean([r.sales.effect for r in results]))
    se = math.sqrt(sum(r.sales.se**2 for r in results)) / len(results)
    assert effect > 1.96 * se
