"""Firm dynamics as an industrial economist measures them: a yearly panel of every
enterprise, and the stylised facts of firm growth, survival, innovation and industry
evolution computed from it, each with the literature's figure (docs/VALIDATION.md,
"Firm dynamics").

A run goes through the same door as every other (``runs.execute.compiled_inputs``, the
state of ``sim.state.initial_state``, quarters of ``sim.loop.advance``), quarter by
quarter so that a quarter's sales can be read before the next overwrites them; stepping
a run so gives it bit for bit (tests/sim/test_advance.py), so the panel belongs to the
run of that scenario and seed.

An enterprise is a super-agent standing for ``weight`` real firms of equal size
(docs/ODD.md 2.4): its revenue is theirs together, so size per real firm is revenue
over weight, growth rates are the same for the agent and each of its firms, and shares
of firms (survival, exit, transition probabilities) count real firms (weights).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from rainforest.runs.execute import at_scale, compiled_inputs
from rainforest.runs.result import RunResult
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.schema import Scenario
from rainforest.sim.kinds import SPIN_OFF, STARTUP_TIER
from rainforest.sim.state import N_ENT

QUARTERS = 4
ESTABLISHED_YEARS = 5  # firms this old or older are "established" (Eurostat's 5-year line)

Hook = Callable[[Any, int], None]


def stepped_run(
    scenario: Scenario,
    seed: int,
    scale: str | None = None,
    before_tick: Hook | None = None,
    after_tick: Hook | None = None,
) -> tuple[RunResult, Any]:
    """One run, quarter by quarter, with ``before_tick(state, t)`` and ``after_tick(state,
    t)`` called around each quarter (a hook may read the state, or change it as an outside
    intervention would between quarters); without hooks that change it, the run of
    ``run_with_state`` bit for bit. Returns the run's result and final state."""
    from rainforest.sim.indicators import N_INDICATORS, indicator_frame
    from rainforest.sim.loop import advance
    from rainforest.sim.state import initial_state

    if seed < 0:
        raise ScenarioError(f"seed: must be >= 0, got {seed}")
    scenario = at_scale(scenario, scale)
    params, population = compiled_inputs(scenario, seed)
    state = initial_state(population, params)
    out = np.zeros((params.n_ticks, N_INDICATORS))
    for t in range(params.n_ticks):
        if before_tick is not None:
            before_tick(state, t)
        state = advance(state, params, seed, t, out)
        if after_tick is not None:
            after_tick(state, t)
    frame = indicator_frame(out, scenario.start_year)
    return RunResult(scenario, int(seed), scenario.scale_label, frame), state


@dataclass(frozen=True)
class FirmPanel:
    """Every enterprise of one run, by calendar year (rows: enterprise ids, in order of
    entry; columns: ``years``). Year-end values unless said otherwise."""

    years: np.ndarray  # calendar years
    revenue: np.ndarray  # (firm, year) sales of the year, all its real firms, RMB bn
    selling_quarters: np.ndarray  # (firm, year) quarters of the year with sales > 0
    alive: np.ndarray  # (firm, year) alive at the year's end
    tier: np.ndarray  # (firm, year) sim.kinds tier code (-1 before entry)
    age: np.ndarray  # (firm, year) age in quarters
    trl: np.ndarray  # (firm, year) technology readiness level
    knowledge: np.ndarray  # (firm, year) knowledge in its own field (per real firm)
    weight: np.ndarray  # (firm,) real firms it stands for
    field: np.ndarray  # (firm,) field index (scenarios.fields order)
    origin: np.ndarray  # (firm,) sim.kinds origin code
    entry_tier: np.ndarray  # (firm,) tier when it entered
    entry_year: np.ndarray  # (firm,) year it entered (the start year for initial firms)
    exit_year: np.ndarray  # (firm,) year it exited; -1 if alive at the horizon
    result: RunResult

    @property
    def per_firm(self) -> np.ndarray:
        """(firm, year) sales per real firm, RMB bn."""
        return self.revenue / self.weight[:, None]


class _Recorder:
    """Reads each quarter's sales and each year's end from the state as a run steps."""

    def __init__(self, n_ticks: int):
        self.n_ticks = n_ticks
        self.quarter_revenue: list[np.ndarray] = []
        self.year_end: list[dict[str, np.ndarray]] = []
        self.entry_tier = np.zeros(0, np.int64)

    def __call__(self, state: Any, t: int) -> None:
        n = int(state.counts[N_ENT])
        if n > len(self.entry_tier):  # firms that entered this quarter: their tier now
            self.entry_tier = np.concatenate(
                [self.entry_tier, np.asarray(state.ent_tier[len(self.entry_tier) : n])]
            )
        self.quarter_revenue.append(np.array(state.ent_revenue[:n], dtype=np.float64))
        if t % QUARTERS == QUARTERS - 1 or t == self.n_ticks - 1:
            self.year_end.append(
                {
                    "alive": np.array(state.ent_alive[:n], dtype=bool),
                    "tier": np.array(state.ent_tier[:n], dtype=np.int64),
                    "age": np.array(state.ent_age[:n], dtype=np.int64),
                    "trl": np.array(state.ent_trl[:n], dtype=np.int64),
                    "knowledge": np.array(state.ent_own[:n], dtype=np.float64),
                }
            )


def _pad(rows: list[np.ndarray], n: int, fill: Any, dtype: Any) -> np.ndarray:
    out = np.full((n, len(rows)), fill, dtype=dtype)
    for j, row in enumerate(rows):
        out[: len(row), j] = row
    return out


def firm_panel(
    scenario: Scenario, seed: int, scale: str | None = None, before_tick: Hook | None = None
) -> FirmPanel:
    """The yearly panel of every enterprise of one run of ``scenario`` with ``seed``
    (``before_tick`` as in ``stepped_run``: an intervention between quarters)."""
    scenario = at_scale(scenario, scale)
    rec = _Recorder(scenario.ticks)
    result, state = stepped_run(scenario, seed, before_tick=before_tick, after_tick=rec)
    n = int(state.counts[N_ENT])
    years = scenario.start_year + np.arange(len(rec.year_end), dtype=np.int64)
    quarters = _pad(rec.quarter_revenue, n, 0.0, np.float64)
    n_q = quarters.shape[1]
    pad_q = QUARTERS * len(years) - n_q
    quarters = np.concatenate([quarters, np.zeros((n, pad_q))], axis=1)
    by_year = quarters.reshape(n, len(years), QUARTERS)
    alive = _pad([y["alive"] for y in rec.year_end], n, False, bool)
    present = _pad([np.ones(len(y["alive"]), bool) for y in rec.year_end], n, False, bool)
    entry_col = np.argmax(present, axis=1)
    dead = present & ~alive
    exit_col = np.where(dead.any(axis=1), np.argmax(dead, axis=1), -1)
    return FirmPanel(
        years=years,
        revenue=by_year.sum(axis=2),
        selling_quarters=(by_year > 0.0).sum(axis=2),
        alive=alive,
        tier=_pad([y["tier"] for y in rec.year_end], n, -1, np.int64),
        age=_pad([y["age"] for y in rec.year_end], n, 0, np.int64),
        trl=_pad([y["trl"] for y in rec.year_end], n, 0, np.int64),
        knowledge=_pad([y["knowledge"] for y in rec.year_end], n, 0.0, np.float64),
        weight=np.array(state.ent_weight[:n], dtype=np.float64),
        field=np.array(state.ent_field[:n], dtype=np.int64),
        origin=np.array(state.ent_origin[:n], dtype=np.int64),
        entry_tier=rec.entry_tier[:n].copy(),
        entry_year=years[entry_col],
        exit_year=np.where(exit_col >= 0, years[np.maximum(exit_col, 0)], -1),
        result=result,
    )


# ---------------------------------------------------------------------------------------
# Growth rates


def continuing_growth(panel: FirmPanel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log growth of yearly sales of continuing sellers (selling in all four quarters of
    both years, so that a first or last partial year does not count as growth),
    de-meaned by field and year to remove the common demand shock (Bottazzi & Secchi
    2006, Rand J Econ 37: 235-256, normalise so). Returns (growth, log size per real firm
    in the first year, weight), one entry per firm and year pair."""
    full = panel.selling_quarters == QUARTERS
    both = full[:, :-1] & full[:, 1:] & panel.alive[:, 1:]
    firm, year = np.nonzero(both)
    g = np.log(panel.revenue[firm, year + 1]) - np.log(panel.revenue[firm, year])
    size = np.log(panel.per_firm[firm, year])
    w = panel.weight[firm]
    cell = panel.field[firm] * len(panel.years) + year
    sums = np.bincount(cell, weights=w * g)
    counts = np.bincount(cell, weights=w)
    g = g - sums[cell] / counts[cell]
    return g, size, w


def laplace_vs_gaussian(g: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Mean log-likelihood per real firm of the (weighted) maximum-likelihood Laplace and
    Gaussian fits to growth rates ``g``: (Laplace, Gaussian). Growth rates of firms are
    tent-shaped, the Laplace fitting far better than the Gaussian (Stanley et al. 1996,
    Nature 379: 804-806; Bottazzi & Secchi 2003, Rev Ind Organ 23: 217-232; 2006)."""
    w = w / w.sum()
    mu = float(np.sum(w * g))
    var = float(np.sum(w * (g - mu) ** 2))
    gauss = -0.5 * math.log(2.0 * math.pi * var) - 0.5
    order = np.argsort(g)
    cum = np.cumsum(w[order])
    med = float(g[order][np.searchsorted(cum, 0.5)])
    b = float(np.sum(w * np.abs(g - med)))
    laplace = -math.log(2.0 * b) - 1.0
    return laplace, gauss


def size_variance_slope(g: np.ndarray, size: np.ndarray, w: np.ndarray, bins: int = 10) -> float:
    """Slope of log sd of growth on mean log size across ``bins`` size classes of equal
    weight: about -0.15 to -0.3 in firm data (Stanley et al. 1996: beta ~ 0.15-0.2;
    Amaral et al. 1997; Bottazzi & Secchi 2006), 0 when shocks do not scale with size,
    -0.5 when a firm is a sum of independent parts."""
    order = np.argsort(size, kind="stable")
    cum = np.cumsum(w[order]) / w.sum()
    cls = np.minimum((cum * bins).astype(np.int64), bins - 1)
    xs, ys = [], []
    for c in range(bins):
        idx = order[cls == c]
        if len(idx) < 5:
            continue
        ww = w[idx] / w[idx].sum()
        mu = np.sum(ww * g[idx])
        sd = math.sqrt(float(np.sum(ww * (g[idx] - mu) ** 2)))
        if sd > 0.0:
            xs.append(float(np.sum(ww * size[idx])))
            ys.append(math.log(sd))
    if len(xs) < 3:
        return float("nan")
    return float(np.polyfit(xs, ys, 1)[0])


# ---------------------------------------------------------------------------------------
# Size distribution


def weighted_hill(values: np.ndarray, weights: np.ndarray, tail: float = 0.1) -> float:
    """Hill estimator of the Pareto exponent from the largest ``tail`` of real firms
    (each value repeated ``weight`` times; with weights 1 the textbook estimator with the
    (k+1)-th value as threshold). US firms: alpha ~ 1.06 (Axtell 2001, Science 293:
    1818-1820)."""
    keep = values > 0.0
    x, w = values[keep], weights[keep].astype(np.float64)
    order = np.argsort(-x, kind="stable")
    x, w = x[order], w[order]
    k = tail * w.sum()
    cum = np.cumsum(w)
    at = int(np.searchsorted(cum, k, side="left"))
    if at + 1 >= len(x) or k < 2:
        return float("nan")
    threshold = x[at + 1] if cum[at] <= k else x[at]
    top = x > threshold
    mean_log = float(np.sum(w[top] * np.log(x[top] / threshold)) / np.sum(w[top]))
    return 1.0 / mean_log if mean_log > 0.0 else float("nan")


def size_tail_alpha(panel: FirmPanel, year_index: int = -1) -> float:
    """Hill alpha of sales per real firm over the top 10 % of the year's sellers."""
    sellers = panel.revenue[:, year_index] > 0.0
    return weighted_hill(panel.per_firm[sellers, year_index], panel.weight[sellers])


# ---------------------------------------------------------------------------------------
# Survival and exit


def startup_survival(panel: FirmPanel, years: int = 5) -> tuple[float, float]:
    """Share of real firms of the start-ups founded in a year (spin-offs entering as
    start-ups) alive at the end of the year ``years`` later, pooled over every cohort the
    run can follow so far; and the real firms in those cohorts. About 30-60 % at five
    years in OECD and Chinese data (OECD 2017, Entrepreneurship at a Glance: 40-50 %;
    Eurostat business demography: 40-50 %)."""
    start = (panel.origin == SPIN_OFF) & (panel.entry_tier == STARTUP_TIER)
    last = int(panel.years[-1])
    founded = panel.entry_year
    cohort = start & (founded + years <= last)
    if not cohort.any():
        return float("nan"), 0.0
    col = (founded[cohort] + years - int(panel.years[0])).astype(np.int64)
    alive = panel.alive[np.flatnonzero(cohort), col]
    w = panel.weight[cohort]
    return float(np.sum(w * alive) / np.sum(w)), float(np.sum(w))


def established_exit_rate(panel: FirmPanel, min_years: int = ESTABLISHED_YEARS) -> float:
    """Yearly exit rate of real firms at least ``min_years`` old at the start of the year
    (alive at the previous year's end): exits over firms at risk, pooled over years. A
    few percent a year for established firms (Dunne, Roberts & Samuelson 1989, QJE 104:
    671-698; Eurostat death rates of firms 5+ years old: 5-8 %); at least 1 % a year."""
    at_risk = panel.alive[:, :-1] & (panel.age[:, :-1] >= QUARTERS * min_years)
    exits = at_risk & ~panel.alive[:, 1:]
    w = panel.weight[:, None]
    n = float(np.sum(w * at_risk))
    return float(np.sum(w * exits)) / n if n > 0.0 else float("nan")


# ---------------------------------------------------------------------------------------
# Persistence of innovation


def persistence_counts(panel: FirmPanel) -> tuple[float, float, float, float]:
    """Real firms in the persistence measure (``innovation_persistence``): (innovators
    in t, of them innovating again in t + 1, non-innovators in t, of them innovating in
    t + 1)."""
    trl, alive = panel.trl, panel.alive
    innov = np.zeros_like(alive)
    innov[:, 1:] = alive[:, :-1] & alive[:, 1:] & (trl[:, 1:] > trl[:, :-1])
    # pairs (t, t + 1) from t = the second year, so that innovation in t is observed
    risk = alive[:, :-2] & alive[:, 1:-1] & alive[:, 2:] & (trl[:, 1:-1] < 9)
    prev, nxt = innov[:, 1:-1], innov[:, 2:]
    w = np.broadcast_to(panel.weight[:, None], risk.shape)
    was, was_not = risk & prev, risk & ~prev
    return (
        float(np.sum(w * was)),
        float(np.sum(w * (was & nxt))),
        float(np.sum(w * was_not)),
        float(np.sum(w * (was_not & nxt))),
    )


def persistence_ratio(counts: tuple[float, float, float, float]) -> tuple[float, float]:
    """The transition probability ratio P(innovate | innovated) / P(innovate | did not)
    of ``persistence_counts`` (summed over runs, if pooled), and the standard error of
    its logarithm (delta method, binomial shares)."""
    n1, k1, n0, k0 = counts
    if min(n1, k1, n0, k0) <= 0.0:
        return float("nan"), float("nan")
    p1, p0 = k1 / n1, k0 / n0
    se = math.sqrt((1.0 - p1) / (n1 * p1) + (1.0 - p0) / (n0 * p0))
    return p1 / p0, se


def innovation_persistence(panel: FirmPanel) -> tuple[float, float, float]:
    """Persistence of innovation (Cefis & Orsenigo 2001, Research Policy 30: 1139-1158:
    innovators are more likely than non-innovators to innovate again; in their patent
    transition matrices the ratio is well above 1). A firm innovates in a year when its
    technology readiness rises in it (a TRL advance, the model's product innovation).
    Over real firms alive in consecutive years t, t + 1 and able to advance in t + 1 (TRL
    < 9 at the end of t): (P(innovate in t + 1 | innovated in t), P(... | did not), their
    ratio)."""
    n1, k1, n0, k0 = persistence_counts(panel)
    p_in = k1 / n1 if n1 > 0.0 else float("nan")
    p_out = k0 / n0 if n0 > 0.0 else float("nan")
    ratio = p_in / p_out if p_out > 0.0 else float("nan")
    return p_in, p_out, ratio


# ---------------------------------------------------------------------------------------
# Industry life cycle


@dataclass(frozen=True)
class LifeCycle:
    """One field's evolution: real sellers and top-4 share of its sales by year."""

    field: int
    sellers: np.ndarray
    top4: np.ndarray
    shakeout: bool  # an entry wave then a shakeout with rising concentration


def top_k_share(per_firm: np.ndarray, weights: np.ndarray, k: int = 4) -> float:
    """Share of sales held by the ``k`` largest real firms (each agent's firms equal)."""
    total = float(np.sum(per_firm * weights))
    if total <= 0.0:
        return 0.0
    order = np.argsort(-per_firm, kind="stable")
    taken, held = 0.0, 0.0
    for i in order:
        take = min(float(weights[i]), k - taken)
        if take <= 0.0:
            break
        held += take * float(per_firm[i])
        taken += take
    return held / total


def field_life_cycles(panel: FirmPanel, fall: float = 0.1) -> list[LifeCycle]:
    """Per field, the life cycle of Klepper (1996, AER 86: 562-583; Gort & Klepper 1982):
    the number of sellers rises to a peak and then falls by at least ``fall`` of it
    (a shakeout; the peak neither the first nor the last year), while the top-4 share of
    the field's sales at the end exceeds its value at the peak."""
    from rainforest.scenarios.fields import N_FIELDS

    out = []
    for f in range(N_FIELDS):
        rows = panel.field == f
        sellers = np.sum(panel.weight[rows, None] * (panel.revenue[rows] > 0.0), axis=0)
        top4 = np.array(
            [
                top_k_share(panel.per_firm[rows, j], panel.weight[rows])
                for j in range(len(panel.years))
            ]
        )
        peak = int(np.argmax(sellers))
        shakeout = (
            0 < peak < len(sellers) - 1
            and sellers[peak] > sellers[0]
            and sellers[-1] <= (1.0 - fall) * sellers[peak]
            and top4[-1] > top4[peak]
        )
        out.append(LifeCycle(f, sellers, top4, bool(shakeout)))
    return out


# ---------------------------------------------------------------------------------------
# All of them


@dataclass(frozen=True)
class FirmFacts:
    """The stylised facts of one run's firm panel (docs/VALIDATION.md, "Firm dynamics")."""

    growth_observations: int
    laplace_loglik: float
    gaussian_loglik: float
    size_variance_slope: float
    hill_alpha: float
    startup_survival_5y: float
    startup_cohort_firms: float
    established_exit_rate: float
    innovator_again: float
    non_innovator_innovates: float
    persistence_ratio: float
    shakeout_fields: int


def firm_facts(panel: FirmPanel) -> FirmFacts:
    """Every measure of this module on one panel."""
    g, size, w = continuing_growth(panel)
    lap, gau = laplace_vs_gaussian(g, w) if len(g) > 2 else (float("nan"), float("nan"))
    surv, cohort = startup_survival(panel)
    p_in, p_out, ratio = innovation_persistence(panel)
    return FirmFacts(
        growth_observations=len(g),
        laplace_loglik=lap,
        gaussian_loglik=gau,
        size_variance_slope=size_variance_slope(g, size, w),
        hill_alpha=size_tail_alpha(panel),
        startup_survival_5y=surv,
        startup_cohort_firms=cohort,
        established_exit_rate=established_exit_rate(panel),
        innovator_again=p_in,
        non_innovator_innovates=p_out,
        persistence_ratio=ratio,
        shakeout_fields=sum(lc.shakeout for lc in field_life_cycles(panel)),
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m rainforest.experiments.studies.firm_dynamics [SCENARIO] [--seed N]
    [--scale S]``: the firm facts of one run, as JSON."""
    import argparse
    import json
    from dataclasses import asdict

    from rainforest.scenarios import load_scenario

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("scenario", nargs="?", default="action_plan")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", default="city")
    args = parser.parse_args(argv)
    panel = firm_panel(load_scenario(args.scenario), args.seed, args.scale)
    print(json.dumps(asdict(firm_facts(panel)), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
