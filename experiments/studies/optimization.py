"""The cheapest mix: how to split an annual budget across the six plans to reach the targets.

A candidate is a total annual budget (RMB bn a year from 2023, the settling years
keeping their pre-plan support) and six shares of it. The shares live on the simplex,
searched through six numbers u in (0, 1]: share_i = -ln(u_i) / sum_j -ln(u_j), which maps
the uniform cube onto the uniform simplex (normalised exponentials), so a sampler that
draws u uniformly draws allocations uniformly and no share is favoured.

Every candidate runs on the same replicate seeds (common random numbers): the difference
between two candidates is then the policy's, not the seeds'. A candidate's score for an
outcome is its probability of reaching the target over those replicates, averaged over
the futures when an ensemble of futures is given (the samples of a sweep of
uncertainties), with ties broken by how close its median comes to the target
(``scores``), so the search still has a direction where no candidate reaches it. optuna
searches with a seeded sampler (TPE for one budget, NSGA-II for the front of cost
against reach), so a study is reproducible to the bit.

Robustness over futures: two metrics that can disagree. The 10th percentile, across
futures, of a candidate's median outcome (good in nine futures out of ten) and its
maximum regret: the most, over futures, that it falls short of the best candidate in
that future (Savage's criterion). The first rewards a high floor, the second never being
far behind; a candidate can lead on one and trail on the other.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from rainforest.experiments.provenance import code_version
from rainforest.experiments.studies.analysis_dir import provenance
from rainforest.experiments.studies.outcome import Outcome
from rainforest.experiments.studies.run_pool import RunPool
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.overrides import apply_overrides
from rainforest.scenarios.schema import PLAN_NAMES, PLAN_START_YEAR, Scenario
from rainforest.sim.seeds import replicate_seeds

U_MIN = 1e-9  # u = 0 would be an infinite weight; u = 1 is a share of zero
ROBUST_QUANTILE = 0.10
REACH_LEVELS = (0.5, 0.8, 0.9)  # "the cheapest mix that reaches the target with P >= level"


def shares_from_unit(u: Sequence[float]) -> np.ndarray:
    """Six numbers in (0, 1] as six shares summing to one (normalised exponentials)."""
    weights = -np.log(np.clip(np.asarray(u, dtype=np.float64), U_MIN, 1.0))
    total = weights.sum()
    if total == 0.0:
        return np.full(len(weights), 1.0 / len(weights))
    return weights / total


def unit_from_shares(shares: Sequence[float]) -> list[float]:
    """A point of the cube that ``shares_from_unit`` maps onto ``shares``."""
    return [float(math.exp(-s)) for s in shares]


def plan_budgets(scenario: Scenario, year: int = PLAN_START_YEAR) -> dict[str, float]:
    """Each plan's budget in ``year`` (a disabled plan spends nothing)."""
    out = {}
    for name in PLAN_NAMES:
        plan = getattr(scenario.plans, name)
        out[name] = float(plan.budget_bn.get(year, 0.0)) if plan.enabled else 0.0
    return out


def allocation(total_bn: float, shares: Sequence[float]) -> dict[str, float]:
    """The overrides that give each plan its share of ``total_bn`` a year, 2023 on."""
    return {
        f"plans.{name}.budget_bn": float(total_bn * s)
        for name, s in zip(PLAN_NAMES, shares, strict=True)
    }


@dataclass
class Evaluator:
    """Runs a candidate in every future on the common seeds, through a ``RunPool``."""

    base: Scenario
    outcomes: Sequence[Outcome]
    seeds: Sequence[int]
    futures: Sequence[Mapping[str, Any]] = ({},)
    pool: RunPool = field(default_factory=RunPool)

    def __call__(self, total_bn: float, shares: Sequence[float]) -> np.ndarray:
        """(futures, replicates, outcomes) values of the outcomes' indicators."""
        budgets = allocation(total_bn, shares)
        jobs = []
        for future in self.futures:
            scenario = apply_overrides(self.base, {**future, **budgets})
            jobs += [(scenario, seed) for seed in self.seeds]
        results = self.pool.outcomes(jobs, self.outcomes[0].year)
        values = np.array([[at[o.indicator] for o in self.outcomes] for at in results])
        return values.reshape(len(self.futures), len(self.seeds), len(self.outcomes))


def reach(values: np.ndarray, outcomes: Sequence[Outcome]) -> np.ndarray:
    """(futures, outcomes) probabilities of reaching each threshold over the replicates."""
    thresholds = np.array([o.threshold for o in outcomes])
    return (values >= thresholds).mean(axis=1)


def scores(values: np.ndarray, outcomes: Sequence[Outcome]) -> np.ndarray:
    """Per outcome, what the sampler maximises: the reach probability averaged over
    futures, ties broken by how close the median comes to the threshold.

    With R replicates in F futures the probability moves in steps of 1 / (R F), so many
    candidates tie (at 0 when none reaches the target) and the sampler would search
    blind. Half a step times m / (m + threshold), m the median (at least 0), is added:
    it orders candidates of equal probability by their median and never outweighs one
    step, so a higher probability always scores higher.
    """
    futures, replicates = values.shape[0], values.shape[1]
    step = 1.0 / (futures * replicates)
    thresholds = np.array([max(o.threshold, np.finfo(np.float64).tiny) for o in outcomes])
    medians = np.clip(np.median(values, axis=1), 0.0, None)  # (futures, outcomes)
    closeness = (medians / (medians + thresholds)).mean(axis=0)
    return reach(values, outcomes).mean(axis=0) + 0.5 * step * closeness


def robustness(medians: np.ndarray, reaches: np.ndarray) -> dict[str, np.ndarray]:
    """Per candidate, over futures: the 10th-percentile outcome and the maximum regret.

    ``medians`` and ``reaches`` are (candidates, futures): the primary outcome's median
    and its reach probability. Regret is against the best candidate in each future.
    """
    return {
        "mean_reach": reaches.mean(axis=1),
        "p10_outcome": np.quantile(medians, ROBUST_QUANTILE, axis=1),
        "max_regret_outcome": (medians.max(axis=0) - medians).max(axis=1),
        "p10_reach": np.quantile(reaches, ROBUST_QUANTILE, axis=1),
        "max_regret_reach": (reaches.max(axis=0) - reaches).max(axis=1),
    }


def _check(budget_bn, budget_range, trials, replicates, futures) -> None:
    if budget_bn is not None and not (math.isfinite(budget_bn) and budget_bn > 0):
        raise ScenarioError(f"--budget-bn: must be a positive number, got {budget_bn}")
    if budget_range is not None:
        lo, hi = budget_range
        if not (math.isfinite(lo) and math.isfinite(hi) and 0 <= lo < hi):
            raise ScenarioError(f"--budget-range: needs 0 <= LOW < HIGH, got {lo}:{hi}")
    if trials < 1:
        raise ScenarioError(f"--trials: must be >= 1, got {trials}")
    if replicates < 1:
        raise ScenarioError(f"--replicates: must be >= 1, got {replicates}")
    if futures is not None and not futures:
        raise ScenarioError("--futures: the sweep gives no futures")


def optimize(
    base: Scenario,
    outcomes: Sequence[Outcome],
    budget_bn: float | None = None,
    budget_range: tuple[float, float] | None = None,
    trials: int = 50,
    replicates: int = 8,
    root_seed: int = 0,
    scale: str | None = None,
    futures: Sequence[Mapping[str, Any]] | None = None,
    futures_source: str | None = None,
    source: str = "",
    workers: int = 1,
) -> dict[str, Any]:
    """Search allocations; with ``budget_bn`` one total, else the front of cost and reach.

    The base scenario's own allocation (scaled to ``budget_bn``) is the first trial, so
    the report compares the search's best with the plan as written. ``workers`` local
    processes run each candidate's runs side by side; the trials do not depend on it.
    """
    import optuna

    pareto = budget_bn is None
    _check(budget_bn, budget_range, trials, replicates, futures)
    base, own, budget_range = _prepared(base, outcomes, scale, pareto, budget_range)
    seeds = replicate_seeds(root_seed, replicates)
    pool = RunPool(workers)
    evaluate = Evaluator(base, outcomes, seeds, list(futures) if futures else [{}], pool)
    records: list[dict[str, Any]] = []

    def objective(trial: optuna.Trial):
        u = [trial.suggest_float(f"u_{name}", U_MIN, 1.0) for name in PLAN_NAMES]
        total = budget_bn if not pareto else trial.suggest_float("total_bn", *budget_range)
        shares = shares_from_unit(u)
        values = evaluate(total, shares)
        reaches = reach(values, outcomes)  # (futures, outcomes)
        medians = np.median(values, axis=1)  # (futures, outcomes)
        score = [float(v) for v in scores(values, outcomes)]
        records.append(
            {"trial": trial.number, "total_bn": float(total), "shares": shares,
             "reach_by_future": reaches, "median_by_future": medians, "score": score}
        )  # fmt: skip
        return (float(total), *score) if pareto else (score[0] if len(score) == 1 else score)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with pool:
        study, sampler_info, reference = _search(
            optuna, objective, pareto, outcomes, trials, root_seed, own, budget_range
        )
    front = sorted(t.number for t in study.best_trials) if (pareto or len(outcomes) > 1) else []
    candidates = _candidates(records, outcomes, reference, front)
    best = _best(candidates, outcomes, pareto)
    report = _report(base, outcomes, budget_bn, budget_range, own, candidates, best, reference,
                     front, pareto, pool, root_seed, replicates, seeds, source)  # fmt: skip
    report["sampler"] = sampler_info
    report["futures"] = {"count": len(evaluate.futures), "source": futures_source}
    if futures:
        report["robustness"] = _robustness(records, futures, outcomes[0])
    return report


SCREEN = 5000  # candidates the emulator scores
CONFIRM = 5  # of them, the best confirmed with real runs
SCREEN_TRIES = 50  # draws per candidate wanted, at most, before giving up on the region
# Chances closer than this are ties, broken by the emulated mean: far from the target the
# normal tail gives chances like 1e-130 that rank spread, not outcome.
REACH_RESOLUTION = 1e-3


def emulator_columns(emulator, outcomes: Sequence[Outcome], base: Scenario) -> list[str]:
    """The emulator's outcome column of each objective, after checking that it emulates
    the six plans' budgets of ``base`` at its scale; one clear error where it does not."""
    from rainforest.experiments.sweeps.spec import value_column

    needed = {f"plans.{name}.budget_bn" for name in PLAN_NAMES}
    if set(emulator.inputs) != needed:
        raise ScenarioError(
            f"--emulator: its inputs are {emulator.inputs}; optimize needs an emulator of "
            "the six plans' budgets alone (train one on a sweep like six_plans_lhs)"
        )
    scale, trained_on = emulator.about.get("scale"), emulator.about.get("base")
    if scale is not None and scale != base.scale:
        raise ScenarioError(
            f"--emulator: trained on {scale} runs; this search runs at {base.scale} scale"
        )
    if trained_on is not None and trained_on != base.name:
        raise ScenarioError(f"--emulator: trained on {trained_on!r}, not {base.name!r}")
    columns = []
    for o in outcomes:
        column = value_column(o.indicator, o.year)
        if column not in emulator.outputs:
            raise ScenarioError(
                f"--emulator: it does not emulate {column} (it has {emulator.outputs})"
            )
        columns.append(column)
    return columns


def emulated_reach(emulator, columns: Sequence[str], outcomes: Sequence[Outcome],
                   budgets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """(P(a new run reaches each threshold), mean, outside-region flag) of each row of
    ``budgets`` (plans in PLAN_NAMES order), from the emulator's normal predictive."""
    from scipy.stats import norm

    order = [emulator.inputs.index(f"plans.{name}.budget_bn") for name in PLAN_NAMES]
    x = np.empty_like(budgets)
    x[:, order] = budgets
    mean, sd, outside = emulator.predict_array(x)
    picks = [emulator.outputs.index(c) for c in columns]
    thresholds = np.array([o.threshold for o in outcomes])
    reach_p = norm.sf(thresholds, loc=mean[:, picks], scale=np.maximum(sd[:, picks], 1e-12))
    return reach_p, mean[:, picks], outside


def screen_candidates(
    emulator, columns, outcomes, own, budget_bn, budget_range, count: int, seed: int
) -> pd.DataFrame:
    """``count`` allocations inside the emulator's training region, drawn uniformly
    (shares on the simplex; totals uniform over the range with ``budget_range``; draws
    outside the region are dropped, up to ``SCREEN_TRIES`` times ``count`` draws), the
    scenario's own mix first (flagged where it lies outside), each scored by the emulator."""
    rng = np.random.default_rng([int(seed), 0x0E])
    own_total = sum(own.values())
    order = [emulator.inputs.index(f"plans.{name}.budget_bn") for name in PLAN_NAMES]
    low, high = emulator.low[order], emulator.high[order]
    kept_shares, kept_totals, drawn = [], [], 0
    while sum(len(t) for t in kept_totals) < count and drawn < SCREEN_TRIES * count:
        batch = max(count, 1000)
        shares = np.array([shares_from_unit(u) for u in rng.uniform(U_MIN, 1.0, (batch, 6))])
        if budget_bn is not None:
            totals = np.full(batch, float(budget_bn))
        else:
            totals = rng.uniform(budget_range[0], budget_range[1], batch)
        budgets = totals[:, None] * shares
        inside = ((budgets >= low) & (budgets <= high)).all(axis=1)
        kept_shares.append(shares[inside])
        kept_totals.append(totals[inside])
        drawn += batch
    shares = np.concatenate(kept_shares)[: count - 1] if kept_shares else np.empty((0, 6))
    totals = np.concatenate(kept_totals)[: count - 1] if kept_totals else np.empty(0)
    if own_total > 0:
        own_shares = np.array([[own[name] / own_total for name in PLAN_NAMES]])
        shares = np.vstack([own_shares, shares])
        totals = np.concatenate([[budget_bn if budget_bn is not None else own_total], totals])
    budgets = totals[:, None] * shares
    p, mean, outside = emulated_reach(emulator, columns, outcomes, budgets)
    frame = pd.DataFrame({"candidate": np.arange(len(totals)), "total_bn": totals})
    for k, name in enumerate(PLAN_NAMES):
        frame[f"share_{name}"] = shares[:, k]
    for k, o in enumerate(outcomes):
        frame[f"emulated_reach_{o.indicator}"] = p[:, k]
        frame[f"emulated_mean_{o.indicator}"] = mean[:, k]
    frame["outside_region"] = outside
    frame["reference"] = frame["candidate"].eq(0) & (own_total > 0)
    frame.attrs["drawn"] = drawn
    return frame


def _front(totals: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Indices of the points no other point beats on both lower total and higher value."""
    order = np.lexsort((-values, totals))
    best, keep = -np.inf, []
    for i in order:
        if values[i] > best:
            keep.append(i)
            best = values[i]
    return np.array(keep, dtype=int)


def confirmed_picks(screened: pd.DataFrame, primary: str, pareto: bool, confirm: int) -> list[int]:
    """The candidates real runs confirm: the reference, and the emulator's best inside the
    training region (by reach, then mean) or, on the front, ``confirm`` spread along it."""
    inside = screened[~screened["outside_region"]]
    reach_col, mean_col = f"emulated_reach_{primary}", f"emulated_mean_{primary}"
    if pareto:
        front = inside.iloc[_front(inside["total_bn"].to_numpy(), inside[reach_col].to_numpy())]
        at = np.unique(np.linspace(0, len(front) - 1, min(confirm, len(front))).round().astype(int))
        picks = front["candidate"].to_numpy()[at].tolist()
    else:
        ranked = inside.assign(_reach=(inside[reach_col] / REACH_RESOLUTION).round()).sort_values(
            ["_reach", mean_col, "candidate"], ascending=[False, False, True]
        )
        picks = ranked["candidate"].head(confirm).tolist()
    reference = screened.loc[screened["reference"], "candidate"].tolist()
    return sorted(set(reference) | {int(c) for c in picks})


def optimize_with_emulator(
    base: Scenario,
    outcomes: Sequence[Outcome],
    emulator,
    budget_bn: float | None = None,
    budget_range: tuple[float, float] | None = None,
    screen: int = SCREEN,
    confirm: int = CONFIRM,
    replicates: int = 8,
    root_seed: int = 0,
    scale: str | None = None,
    source: str = "",
    emulator_source: str = "",
    workers: int = 1,
) -> dict[str, Any]:
    """Score ``screen`` allocations with the emulator (milliseconds each), then run the
    best ``confirm`` of those inside its training region, and the scenario's own mix, on
    common seeds: the report's trials are those real runs, its best is chosen by them, and
    each says what the emulator had predicted."""
    pareto = budget_bn is None
    _check(budget_bn, budget_range, max(screen, 1), replicates, None)
    if screen < 2 or confirm < 1:
        raise ScenarioError("--screen needs at least 2 candidates and --confirm at least 1")
    base, own, budget_range = _prepared(base, outcomes, scale, pareto, budget_range)
    columns = emulator_columns(emulator, outcomes, base)
    screened = screen_candidates(
        emulator, columns, outcomes, own, budget_bn, budget_range, screen, root_seed
    )
    if int((~screened["outside_region"]).sum()) < 2:
        raise ScenarioError(
            f"--emulator: no allocation of this total fits its training region "
            f"({', '.join(f'{n} {b["min"]:g}-{b["max"]:g}' for n, b in emulator.region().items())})"
        )
    picks = confirmed_picks(screened, outcomes[0].indicator, pareto, confirm)
    seeds = replicate_seeds(root_seed, replicates)
    pool = RunPool(workers)
    evaluate = Evaluator(base, outcomes, seeds, [{}], pool)
    records = []
    by_candidate = screened.set_index("candidate")
    with pool:
        for c in picks:
            row = by_candidate.loc[c]
            shares = np.array([row[f"share_{n}"] for n in PLAN_NAMES])
            values = evaluate(float(row["total_bn"]), shares)
            records.append(
                {"trial": int(c), "total_bn": float(row["total_bn"]), "shares": shares,
                 "reach_by_future": reach(values, outcomes),
                 "median_by_future": np.median(values, axis=1),
                 "score": [float(v) for v in scores(values, outcomes)]}
            )  # fmt: skip
    reference = (
        int(screened.loc[screened["reference"], "candidate"].iloc[0])
        if bool(screened["reference"].any())
        else None
    )
    if pareto:
        totals = np.array([r["total_bn"] for r in records])
        reached = np.array([r["reach_by_future"][:, 0].mean() for r in records])
        front = sorted(records[i]["trial"] for i in _front(totals, reached))
    else:
        front = []
    candidates = _candidates(records, outcomes, reference, front)
    for cand in candidates:
        row = by_candidate.loc[cand["trial"]]
        cand["emulated_reach_probability"] = {
            o.indicator: float(row[f"emulated_reach_{o.indicator}"]) for o in outcomes
        }
        cand["emulated_mean"] = {
            o.indicator: float(row[f"emulated_mean_{o.indicator}"]) for o in outcomes
        }
        cand["outside_region"] = bool(row["outside_region"])
    best = _best(candidates, outcomes, pareto)
    report = _report(base, outcomes, budget_bn, budget_range, own, candidates, best, reference,
                     front, pareto, pool, root_seed, replicates, seeds, source)  # fmt: skip
    report["sampler"] = {
        "name": "emulator screen",
        "screened": len(screened),
        "drawn": int(screened.attrs.get("drawn", len(screened))),
        "outside_region": int(screened["outside_region"].sum()),
        "confirmed": len(picks),
        "seed": int(root_seed),
        "draws": "shares uniform on the simplex, totals uniform over the range; draws "
        "outside the emulator's training region dropped",
        "ranking": f"emulated reach probability to {REACH_RESOLUTION:g}, then the emulated mean",
    }
    report["emulator"] = {
        "source": emulator_source,
        "trained_on": emulator.about.get("source"),
        "runs": emulator.about.get("runs"),
        "region": emulator.region(),
        "reach": "P(a new run reaches the threshold) under the emulator's normal predictive",
    }
    report["screened"] = screened
    return report


def _prepared(base, outcomes, scale, pareto, budget_range):
    """(the base at its scale, its own budgets, the totals' range): checks shared by both
    searches."""
    if not outcomes:
        raise ScenarioError("--objectives: at least one indicator")
    disabled = [name for name in PLAN_NAMES if not getattr(base.plans, name).enabled]
    if disabled:
        raise ScenarioError(
            f"scenario {base.name!r}: {', '.join(f'plans.{n}' for n in disabled)} disabled "
            "(enabled = false), so money given to it buys nothing; optimise a scenario with "
            "all six plans enabled, such as action_plan"
        )
    scale = scale or base.scale  # as rainforest run: the scenario file's, else city
    if scale != base.scale:
        base = apply_overrides(base, {"scale": scale})
    for o in outcomes:
        o.check_years(base)
    if len({o.year for o in outcomes}) != 1:
        raise ScenarioError("--objectives: every objective must be read in one year")
    own = plan_budgets(base)
    own_total = sum(own.values())
    if pareto and budget_range is None:
        budget_range = (0.0, 2.0 * own_total if own_total > 0 else 30.0)
    return base, own, budget_range


def _report(base, outcomes, budget_bn, budget_range, own, candidates, best, reference, front,
            pareto, pool, root_seed, replicates, seeds, source) -> dict[str, Any]:  # fmt: skip
    return {
        "kind": "optimization",
        "mode": "pareto" if pareto else "budget",
        "title": _title(base, outcomes, budget_bn, pareto),
        "scenario": base.name,
        "budget_bn": budget_bn,
        "budget_range": list(budget_range) if pareto else None,
        "scenario_budgets_bn": own,
        "objectives": [
            {"indicator": o.indicator, "threshold": o.threshold, "year": o.year, "unit": o.unit}
            for o in outcomes
        ],
        "trials": candidates,
        "best": best,
        "reference": reference,
        "front": front,
        "cheapest": cheapest(candidates, outcomes[0].indicator) if pareto else None,
        "futures": {"count": 1, "source": None},
        "runs": pool.runs,
        "workers": pool.workers,
        "parameterisation": "shares = -ln(u) / sum(-ln(u)), u uniform in (0, 1]",
        "score": "reach probability averaged over futures, ties broken by the median's "
        "closeness to the threshold (less than one step of the probability)",
        "robustness": None,
        "provenance": provenance(
            source=source or base.name,
            code_version=code_version(),
            root_seed=root_seed,
            replicates=replicates,
            scale=base.scale,
            replicate_seeds=seeds,
            common_random_numbers="every candidate and future runs on the same seeds",
        ),
    }


def _search(optuna, objective, pareto, outcomes, trials, root_seed, own, budget_range):
    """The seeded study, its first trial the scenario's own mix (when it spends anything)."""
    directions = (["minimize"] if pareto else []) + ["maximize"] * len(outcomes)
    own_total = sum(own.values())
    seed = root_seed % 2**32  # numpy's RandomState, under the samplers, takes 32 bits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optuna's experimental-feature notices
        if pareto:
            population = max(4, min(50, trials // 5))
            sampler = optuna.samplers.NSGAIISampler(seed=seed, population_size=population)
            sampler_info = {"name": "optuna NSGAIISampler", "seed": seed,
                            "population_size": population}  # fmt: skip
        else:
            sampler = optuna.samplers.TPESampler(seed=seed)
            sampler_info = {"name": "optuna TPESampler", "seed": seed}
        study = optuna.create_study(directions=directions, sampler=sampler)
        reference = None
        if own_total > 0:
            shares = [own[name] / own_total for name in PLAN_NAMES]
            params = {
                f"u_{n}": u for n, u in zip(PLAN_NAMES, unit_from_shares(shares), strict=True)
            }
            if pareto:
                params["total_bn"] = float(min(max(own_total, budget_range[0]), budget_range[1]))
            study.enqueue_trial(params)
            reference = 0
        study.optimize(objective, n_trials=trials)
    return study, sampler_info, reference


def _candidates(records, outcomes, reference, front) -> list[dict[str, Any]]:
    out = []
    for rec in records:
        shares = rec["shares"]
        out.append(
            {
                "trial": rec["trial"],
                "reference": rec["trial"] == reference,
                "on_front": rec["trial"] in front,
                "total_bn": rec["total_bn"],
                "shares": dict(zip(PLAN_NAMES, map(float, shares), strict=True)),
                "budgets_bn": {
                    n: float(rec["total_bn"] * s) for n, s in zip(PLAN_NAMES, shares, strict=True)
                },
                "reach_probability": {
                    o.indicator: float(rec["reach_by_future"][:, k].mean())
                    for k, o in enumerate(outcomes)
                },
                "median": {
                    o.indicator: float(rec["median_by_future"][:, k].mean())
                    for k, o in enumerate(outcomes)
                },
                "score": {o.indicator: rec["score"][k] for k, o in enumerate(outcomes)},
            }
        )
    return out


def _best(candidates, outcomes, pareto) -> int:
    """For one budget, the trial the sampler scored highest (objectives in order); on the
    front, the most likely to reach the primary target, then the cheapest; the earliest
    trial wins a tie."""
    names = [o.indicator for o in outcomes]

    def key(c):
        if pareto:
            return (c["reach_probability"][names[0]], -c["total_bn"], -c["trial"])
        return (*(c["score"][n] for n in names), -c["trial"])

    return max(candidates, key=key)["trial"]


def cheapest(candidates, indicator: str, levels: Sequence[float] = REACH_LEVELS) -> dict:
    """For each reach level, the cheapest trial that reaches the target that surely."""
    out = {}
    for level in levels:
        able = [c for c in candidates if c["reach_probability"][indicator] >= level]
        best = min(able, key=lambda c: (c["total_bn"], c["trial"])) if able else None
        out[f"{level:g}"] = (
            None if best is None else {"trial": best["trial"], "total_bn": best["total_bn"]}
        )
    return out


def _robustness(records, futures, primary: Outcome) -> dict[str, Any]:
    medians = np.array([rec["median_by_future"][:, 0] for rec in records])
    reaches = np.array([rec["reach_by_future"][:, 0] for rec in records])
    metrics = robustness(medians, reaches)
    trials = [rec["trial"] for rec in records]
    picks = {
        "mean_reach": trials[int(np.argmax(metrics["mean_reach"]))],
        "p10_outcome": trials[int(np.argmax(metrics["p10_outcome"]))],
        "max_regret_outcome": trials[int(np.argmin(metrics["max_regret_outcome"]))],
        "p10_reach": trials[int(np.argmax(metrics["p10_reach"]))],
        "max_regret_reach": trials[int(np.argmin(metrics["max_regret_reach"]))],
    }
    return {
        "indicator": primary.indicator,
        "quantile": ROBUST_QUANTILE,
        "metrics": {
            name: {t: float(v) for t, v in zip(trials, values, strict=True)}
            for name, values in metrics.items()
        },
        "most_robust": picks,
        "metrics_disagree": picks["p10_outcome"] != picks["max_regret_outcome"],
        "futures": [dict(f) for f in futures],
        "median_by_future": medians.tolist(),
        "reach_by_future": reaches.tolist(),
    }


def _title(base, outcomes, budget_bn, pareto) -> str:
    goal = ", ".join(o.label for o in outcomes)
    if pareto:
        return f"Cost against the chance of {goal}: the front of allocations ({base.name})"
    return f"The allocation of RMB {budget_bn:g} bn a year most likely to reach {goal}"


# --------------------------------------------------------------------------- tables


def trials_frame(report: Mapping[str, Any]) -> pd.DataFrame:
    """One row per trial (``trials.csv``): total, shares, budgets, reach and medians."""
    rows = []
    for c in report["trials"]:
        row: dict[str, Any] = {
            "trial": c["trial"], "reference": c["reference"], "best": c["trial"] == report["best"],
            "on_front": c["on_front"], "total_bn": c["total_bn"],
        }  # fmt: skip
        row.update({f"share_{n}": v for n, v in c["shares"].items()})
        row.update({f"budget_{n}_bn": v for n, v in c["budgets_bn"].items()})
        row.update({f"reach_{n}": v for n, v in c["reach_probability"].items()})
        row.update({f"median_{n}": v for n, v in c["median"].items()})
        row.update({f"score_{n}": v for n, v in c["score"].items()})
        rows.append(row)
    return pd.DataFrame(rows)


def robustness_frame(report: Mapping[str, Any]) -> pd.DataFrame:
    """One row per trial (``robustness.csv``): the robustness metrics over futures."""
    rob = report["robustness"]
    metrics = rob["metrics"]
    trials = list(next(iter(metrics.values())))
    rows = []
    for t in trials:
        row = {"trial": int(t)}
        row.update({name: metrics[name][t] for name in metrics})
        row.update(
            {f"most_robust_by_{name}": pick == int(t) for name, pick in rob["most_robust"].items()}
        )
        rows.append(row)
    return pd.DataFrame(rows)


def futures_frame(report: Mapping[str, Any]) -> pd.DataFrame:
    """One row per (trial, future) (``futures.csv``): the future's values and outcomes."""
    rob = report["robustness"]
    trials = [c["trial"] for c in report["trials"]]
    rows = []
    for i, t in enumerate(trials):
        for f, future in enumerate(rob["futures"]):
            rows.append(
                {"trial": t, "future": f, **future,
                 f"median_{rob['indicator']}": rob["median_by_future"][i][f],
                 f"reach_{rob['indicator']}": rob["reach_by_future"][i][f]}
            )  # fmt: skip
    return pd.DataFrame(rows)
