"""The answer as a result: what the posterior says about 2030, at city scale.

``python -m rainforest.experiments.studies.outlook --workers 2 [--draws N] [--marginal]``
runs ``action_plan`` and ``baseline`` on the same posterior draws and seeds as
``rainforest run SCENARIO --posterior --draws N --seed 0`` (draw ``d`` on the ensemble's
set ``draw_order(n, 0)[d]``, seed ``derive_seed(0, d, r)``) and reports, for each: the
2030 output's median and 5-95 %, P(output >= 500 bn) with a 95 % Wilson interval, and
every targeted indicator's reach probability; and the paired difference plan minus
baseline. ``--marginal`` adds each plan's marginal value per RMB: the 2030 output gained
by +10 % of that plan's budget in every plan year (paired: same draws, same seeds), per
RMB bn of the extra spending, with a 95 % interval (bootstrap over draws), beside its
leave-one-out loss per RMB bn spent.

Each run is one draw of the posterior predictive (an accepted parameter set and a fresh
seed), so the interval on a reach probability is the binomial sampling error of that
many draws; it does not include the choice of the observations' bands (docs/VALIDATION.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from rainforest.scenarios.schema import (
    DEFAULT_MARKET_FORM,
    MARKET_FORMS,
    PLAN_NAMES,
    PLAN_START_YEAR,
    Scenario,
)

PLANS = PLAN_NAMES
TARGET_BN = 500.0


def wilson(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """95 % Wilson score interval of a binomial proportion."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    den = 1.0 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, mid - half), min(1.0, mid + half))


def budget_plus(scenario: Scenario, plan: str, factor: float = 1.1) -> dict[str, Any]:
    """Overrides raising ``plan``'s budget by ``factor`` in every plan year (2023 on)."""
    table = dict(getattr(scenario.plans, plan).budget_bn)
    new = {int(y): (v * factor if int(y) >= PLAN_START_YEAR else v) for y, v in table.items()}
    return {f"plans.{plan}.budget_bn": new}


PATHS = ("output_value_bn", "national_share")  # indicators followed year by year


def _task(task: tuple[Scenario, int]) -> dict[str, Any]:
    """A run's 2030 indicators, with the year-end path of each of ``PATHS``."""
    from rainforest.runs.execute import run_one

    scenario, seed = task
    result = run_one(scenario, seed)
    years = range(scenario.start_year, 2031)
    ends = {y: result.at_year_end(y) for y in years}
    return {**ends[2030], "paths": {k: [ends[y][k] for y in years] for k in PATHS}}


def _paths(rows: list[dict[str, Any]], start_year: int) -> dict[str, Any]:
    """Median and 5-95 % band of each followed indicator, year by year."""
    out = {}
    for k in PATHS:
        values = np.array([r["paths"][k] for r in rows])
        out[k] = {
            str(start_year + j): [float(np.quantile(values[:, j], q)) for q in (0.05, 0.5, 0.95)]
            for j in range(values.shape[1])
        }
    return out


def run_many(tasks: Sequence[tuple], workers: int) -> list[dict[str, float]]:
    """The tasks' 2030 indicators, in task order."""
    if workers <= 1:
        return [_task(t) for t in tasks]
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        return list(pool.map(_task, tasks, chunksize=4))


def _summary(rows: list[dict[str, float]]) -> dict[str, Any]:
    from rainforest.scenarios.targets import targets

    out = np.array([r["output_value_bn"] for r in rows])
    reach = int(np.sum(out >= TARGET_BN))
    indicators = {}
    for name, t in targets().items():
        v = np.array([r[name] for r in rows])
        k = int(np.sum(v >= t.value))
        indicators[name] = {
            "target": t.value,
            "median": float(np.median(v)),
            "p05": float(np.quantile(v, 0.05)),
            "p95": float(np.quantile(v, 0.95)),
            "reach_probability": k / len(v),
            "reach_ci95": list(wilson(k, len(v))),
        }
    return {
        "runs": len(rows),
        "median_output_2030_bn": float(np.median(out)),
        "p05": float(np.quantile(out, 0.05)),
        "p95": float(np.quantile(out, 0.95)),
        "reach_500_probability": reach / len(out),
        "reach_500_ci95": list(wilson(reach, len(out))),
        "indicators": indicators,
    }


def posterior_outlook(
    draws: int | None = None,
    replicates: int = 1,
    scale: str = "city",
    root_seed: int = 0,
    workers: int = 1,
    marginal: bool = False,
    boot: int = 2000,
    ensemble: Any = None,
    form: str = DEFAULT_MARKET_FORM,
) -> dict[str, Any]:
    """Action plan and baseline over ``draws`` posterior draws (default: every set) of
    the market form ``form``'s ensemble, each run in that form."""
    from rainforest.runs.request import resolve_request
    from rainforest.scenarios.ensemble import load_ensemble
    from rainforest.scenarios.loader import load_scenario

    sets = load_ensemble(ensemble, form)["sets"]
    n = len(sets) if draws is None else int(draws)
    plan = load_scenario("action_plan")
    names: dict[str, tuple[Scenario, dict[str, Any]]] = {
        "action_plan": (plan, {}),
        "baseline": (load_scenario("baseline"), {}),
    }
    if marginal:
        for p in PLANS:
            names[f"plus10_{p}"] = (plan, budget_plus(plan, p))
            names[f"no_{p}"] = (load_scenario(f"no_{p}"), {})
    tasks = []
    chosen: tuple[int, ...] = ()
    for scenario, extra in names.values():
        # the door's posterior request: draw d's set, then the extra overrides, then scale
        request = resolve_request(
            scenario, overrides={**extra, "market.form": form}, scale=scale, seed=root_seed,
            replicates=replicates,
            posterior=True, draws=n, ensemble=ensemble,
        )  # fmt: skip
        chosen = request.posterior.sets
        tasks += [(p.scenario, p.seed) for p in request.planned_runs()]
    rows = run_many(tasks, workers)
    per = n * replicates
    by_name = {name: rows[i * per : (i + 1) * per] for i, name in enumerate(names)}
    out = {
        "draws": n,
        "replicates_per_draw": replicates,
        "scale": scale,
        "root_seed": root_seed,
        "ensemble_sets": len(sets),
        "sets": list(chosen),
        "market_form": form,
        "action_plan": _summary(by_name["action_plan"]),
        "baseline": _summary(by_name["baseline"]),
        "paths": {
            name: _paths(by_name[name], plan.start_year) for name in ("action_plan", "baseline")
        },
    }
    a = np.array([r["output_value_bn"] for r in by_name["action_plan"]])
    b = np.array([r["output_value_bn"] for r in by_name["baseline"]])
    out["plan_minus_baseline_bn"] = {
        "median": float(np.median(a - b)),
        "p05": float(np.quantile(a - b, 0.05)),
        "p95": float(np.quantile(a - b, 0.95)),
        **_spread(a - b, replicates),
    }
    if marginal:
        out["marginal"] = _marginal(by_name, a, plan, boot, root_seed, replicates)
    return out


def _spread(diff: np.ndarray, replicates: int) -> dict[str, Any]:
    """A paired effect's spread over the posterior and over seeds, apart: the draws' mean
    effects (5-95 %), and the parameter and seed standard deviations of one run's effect
    (the seed part from the spread between a draw's replicates; None with one)."""
    by_draw = diff.reshape(-1, replicates)
    means = by_draw.mean(axis=1)
    seed_var = float(np.mean(by_draw.var(axis=1, ddof=1))) if replicates > 1 else None
    param_var = float(np.var(means, ddof=1))
    if seed_var is not None:
        param_var = max(param_var - seed_var / replicates, 0.0)
    return {
        "over_draws_p05_p95": [float(np.quantile(means, 0.05)), float(np.quantile(means, 0.95))],
        "sd_parameters": float(np.sqrt(param_var)),
        "sd_seeds": None if seed_var is None else float(np.sqrt(seed_var)),
    }


def _marginal(
    by_name: Mapping[str, list[dict[str, float]]],
    a: np.ndarray,
    plan: Scenario,
    boot: int,
    root_seed: int,
    replicates: int,
) -> dict[str, Any]:
    """Per plan: +10 % gain per extra RMB bn and leave-one-out loss per RMB bn spent."""
    rng = np.random.default_rng(np.random.SeedSequence([root_seed, 10]))
    rows: dict[str, Any] = {}
    n = len(a)
    idx = rng.integers(0, n // replicates, size=(boot, n // replicates))

    def boot_ci(diff: np.ndarray, per: float) -> list[float]:
        by_draw = diff.reshape(-1, replicates).mean(axis=1)
        means = by_draw[idx].mean(axis=1) / per
        return [float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))]

    for p in PLANS:
        up = np.array([r["output_value_bn"] for r in by_name[f"plus10_{p}"]])
        loo = np.array([r["output_value_bn"] for r in by_name[f"no_{p}"]])
        spent = np.array([r[f"spent_{p}_bn"] for r in by_name["action_plan"]])
        extra = np.array([r[f"spent_{p}_bn"] for r in by_name[f"plus10_{p}"]]) - spent
        per_extra = float(np.mean(extra))
        per_spent = float(np.mean(spent))
        rows[p] = {
            "extra_spent_bn": per_extra,
            "gain_bn": float(np.mean(up - a)),
            # None where the extra budget is not spent (nothing bought, nothing to divide)
            "gain_per_bn": float(np.mean(up - a)) / per_extra if per_extra > 1e-9 else None,
            "gain_per_bn_ci95": boot_ci(up - a, per_extra) if per_extra > 1e-9 else None,
            "spent_bn": per_spent,
            "loo_loss_bn": float(np.mean(a - loo)),
            "loo_loss_per_bn": float(np.mean(a - loo)) / per_spent,
            "loo_loss_per_bn_ci95": boot_ci(a - loo, per_spent),
            "loo_loss_spread": _spread(a - loo, replicates),
            "gain_spread": _spread(up - a, replicates),
        }
    return rows  # fmt: skip


def fan_figure(
    path: Any,
    draws: int = 40,
    scale: str = "city",
    root_seed: int = 0,
    form: str = DEFAULT_MARKET_FORM,
) -> None:
    """A PNG fan chart of output, action plan and baseline, over ``draws`` posterior draws
    (the runs of ``rainforest run SCENARIO --posterior --draws N --seed S``)."""
    from pathlib import Path

    from rainforest.experiments.files import write_atomic
    from rainforest.runs.request import resolve_request, run_request
    from rainforest.viz.figures import fan_chart

    runs = {}
    for name in ("action_plan", "baseline"):
        request = resolve_request(
            name, overrides={"market.form": form}, scale=scale, seed=root_seed,
            posterior=True, draws=draws,
        )  # fmt: skip
        runs[f"{name} (posterior)"] = [r.indicators for r in run_request(request).results]
    fig = fan_chart(runs)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_atomic(Path(path), lambda tmp: fig.savefig(tmp, format="png", dpi=90))


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m rainforest.experiments.studies.outlook")
    parser.add_argument("--draws", type=int, default=None, help="default: every accepted set")
    parser.add_argument("--replicates", type=int, default=1)
    parser.add_argument("--scale", default="city")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--marginal", action="store_true")
    parser.add_argument("--fan", default=None, help="write a fan chart PNG here instead")
    parser.add_argument(
        "--form",
        choices=MARKET_FORMS,
        default=DEFAULT_MARKET_FORM,
        help="the market form (and its ensemble)",
    )
    args = parser.parse_args(argv)
    if args.fan:
        fan_figure(args.fan, args.draws or 40, args.scale, args.seed, args.form)
        return 0
    result = posterior_outlook(
        args.draws, args.replicates, args.scale, args.seed, args.workers, args.marginal,
        form=args.form,
    )  # fmt: skip
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
