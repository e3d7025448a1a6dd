"""Which uncertainty each plan's effect depends on, over the joint posterior.

The quantity is a plan's *effect*, not the output level: the action plan's 2030 output
minus its leave-one-out's (``no_<plan>``), and the action plan minus the baseline, each
pair on the same posterior draw and seed (common random numbers). The distribution is
the *joint posterior* (the accepted sets as they are, correlated), not a box of
independent marginals. With dependent inputs, Sobol' indices no longer add up and can
mislead; Shapley effects do (Owen & Prieur 2017, "On Shapley value for measuring
importance of dependent inputs", SIAM/ASA JUQ 5: 986-1002): the effect of an input
group i is the average, over orders of the groups, of what adding i to the groups
before it adds to the explained variance,

    Sh_i = sum over subsets u of the other groups of |u|! (g - |u| - 1)! / g! x (V(u + i) - V(u)),

with V(u) = Var(E[Y | X_u]) and g groups. V(u) is estimated from the given data
(Broto, Bachoc & Depecker 2020 estimate it from given data too): 1 - (out-of-fold mean
squared error) / Var(Y) of a Gaussian-process regression of Y on X_u (scikit-learn;
5-fold, the same folds for every subset), floored at 0. The effects add up to
V(all) / Var(Y); the rest is what no parameter explains: the runs' own chance (seed)
and what the regression misses, reported as such.

The inputs come in groups (``GROUPS``): the market's demand, the competition, firms'
behaviour, the plans' effect sizes. With a few hundred draws, Shapley effects of all 23
parameters one by one would be noise; groups answer the question the analysis asks
(does a plan's effect depend on the market, or on the assumed size of the plans'
effects?).

``python -m rainforest.experiments.studies.posterior_shapley --workers 2 [--draws N]``
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rainforest.scenarios.schema import DEFAULT_MARKET_FORM, PLAN_NAMES

FOLDS = 5
GROUPS: dict[str, tuple[str, ...]] = {
    "market demand": ("market.national_market_bn", "market.national_potential_bn",
                      "market.market_growth", "market.bass_p", "market.bass_q",
                      "market.initial_market_bn", "market.total_potential_bn"),
    "competition": ("market.frontier_growth", "market.frontier_absorption",
                    "market.competitor_catch_up", "market.competitor_sellers",
                    "market.outside_competition", "market.outside_progress"),
    "behaviour": ("behaviour.",),
    "plan effects": ("plans.",),
}  # fmt: skip


def group_of(path: str) -> str | None:
    """The group a parameter belongs to (exact name, or a prefix ending in a dot)."""
    for name, members in GROUPS.items():
        for m in members:
            if path == m or (m.endswith(".") and path.startswith(m)):
                return name
    return None


def explained_share(x: np.ndarray, y: np.ndarray, folds: np.ndarray, seed: int = 0) -> float:
    """Var(E[Y | X]) / Var(Y), estimated as 1 - out-of-fold MSE / Var(Y) of a GP
    regression of ``y`` on ``x`` (samples x inputs; no columns: 0)."""
    if x.shape[1] == 0:
        return 0.0
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
    from threadpoolctl import threadpool_limits

    var = float(np.var(y))
    if var <= 0.0:
        return 0.0
    lo, hi = x.min(axis=0), x.max(axis=0)
    z = (x - lo) / np.where(hi > lo, hi - lo, 1.0)
    pred = np.empty_like(y, dtype=float)
    for k in np.unique(folds):
        test = folds == k
        kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(
            np.full(x.shape[1], 0.5), (0.02, 100.0)
        ) + WhiteKernel(0.5, (1e-6, 10.0))
        gp = GaussianProcessRegressor(kernel, normalize_y=True, random_state=seed)
        with threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            gp.fit(z[~test], y[~test])
            pred[test] = gp.predict(z[test])
    return max(0.0, 1.0 - float(np.mean((y - pred) ** 2)) / var)


def shapley_effects(
    x: np.ndarray, y: np.ndarray, groups: Mapping[str, Sequence[int]], seed: int = 0
) -> dict[str, Any]:
    """Shapley effects (shares of Var(Y)) of the column groups of ``x`` for ``y``, and
    the share no group explains."""
    n = len(y)
    folds = np.random.default_rng(np.random.SeedSequence([seed])).permutation(n) % FOLDS
    names = list(groups)
    g = len(names)
    cache: dict[frozenset, float] = {}

    def value(subset: frozenset) -> float:
        if subset not in cache:
            cols = sorted(c for name in subset for c in groups[name])
            cache[subset] = explained_share(x[:, cols], y, folds, seed)
        return cache[subset]

    effects = {}
    for i in names:
        others = [m for m in names if m != i]
        total = 0.0
        for size in range(g):
            weight = math.factorial(size) * math.factorial(g - size - 1) / math.factorial(g)
            for u in itertools.combinations(others, size):
                su = frozenset(u)
                total += weight * (value(su | {i}) - value(su))
        effects[i] = total
    explained = value(frozenset(names))
    return {
        "effects": effects,
        "explained": explained,
        "unexplained": 1.0 - explained,
        "variance": float(np.var(y)),
        "mean": float(np.mean(y)),
        "draws": n,
    }


def column_groups(paths: Sequence[str]) -> dict[str, list[int]]:
    """The columns of each group among ``paths`` (groups without columns left out)."""
    out: dict[str, list[int]] = {}
    for j, p in enumerate(paths):
        name = group_of(p)
        if name is not None:
            out.setdefault(name, []).append(j)
    return out


def effect_runs(
    draws: int | None,
    scale: str,
    root_seed: int,
    workers: int,
    form: str,
    ensemble: str | Path | None = None,
) -> tuple[list[str], np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each draw's parameters, each plan's effect on the 2030 output (action plan minus
    its leave-one-out; ``all``: minus the baseline), paired on the door's posterior draws
    and seeds, and what each plan spent by 2030 in the action plan (``all``: what the
    action plan spent beyond the baseline)."""
    from rainforest.experiments.studies.outlook import run_many
    from rainforest.runs.request import resolve_request
    from rainforest.scenarios.ensemble import load_ensemble
    from rainforest.scenarios.loader import load_scenario

    n = len(load_ensemble(ensemble, form)["sets"]) if draws is None else int(draws)
    names = ["action_plan", "baseline", *(f"no_{p}" for p in PLAN_NAMES)]
    tasks, params = [], None
    for name in names:
        request = resolve_request(
            load_scenario(name), overrides={"market.form": form}, scale=scale, seed=root_seed,
            replicates=1, posterior=True, draws=n, ensemble=ensemble,
        )  # fmt: skip
        params = params or request.posterior.parameters
        tasks += [(p.scenario, p.seed) for p in request.planned_runs()]
    rows = run_many(tasks, workers)
    out = {nm: np.array([r["output_value_bn"] for r in rows[i * n : (i + 1) * n]])
           for i, nm in enumerate(names)}  # fmt: skip
    paths = list(params[0])
    x = np.array([[float(p[k]) for k in paths] for p in params])
    effects = {"all": out["action_plan"] - out["baseline"]}
    effects.update({p: out["action_plan"] - out[f"no_{p}"] for p in PLAN_NAMES})
    plan_rows = rows[:n]
    spent = {p: np.array([r[f"spent_{p}_bn"] for r in plan_rows]) for p in PLAN_NAMES}
    spent["all"] = np.array([r["government_spent_bn"] for r in plan_rows]) - np.array(
        [r["government_spent_bn"] for r in rows[n : 2 * n]]
    )
    return paths, x, effects, spent


def analyse(
    paths: Sequence[str],
    x: np.ndarray,
    effects: Mapping[str, np.ndarray],
    spent: Mapping[str, np.ndarray] | None = None,
) -> dict:
    """Shapley effects of the groups for every plan's effect, with each effect's median
    and 5-95 % over the draws and, given what was spent, the 2030 output it buys per RMB
    spent by 2030 (median over draws, with a 95 % bootstrap interval of the mean)."""
    groups = column_groups(paths)
    out = {
        "groups": {k: [paths[j] for j in v] for k, v in groups.items()},
        "effects": {name: shapley_effects(x, y, groups) for name, y in effects.items()},
    }
    for name, y in effects.items():
        row = out["effects"][name]
        row["median_bn"] = float(np.median(y))
        row["p05_bn"], row["p95_bn"] = (float(q) for q in np.quantile(y, [0.05, 0.95]))
        if spent is not None and name in spent:
            per = y / np.maximum(spent[name], 1e-9)
            rng = np.random.default_rng(np.random.SeedSequence([7]))
            boot = [float(np.mean(rng.choice(per, len(per)))) for _ in range(2000)]
            row["spent_bn"] = float(np.median(spent[name]))
            row["per_rmb_mean"] = float(np.mean(per))
            row["per_rmb_ci95"] = [float(np.quantile(boot, 0.025)), float(np.quantile(boot, 0.975))]
    return out


def markdown_table(report: Mapping[str, Any]) -> str:
    """One row per effect: its mean, sd and each group's share of its variance."""
    names = list(report["groups"])
    head = "| effect of | median (5-95 %), RMB bn | " + " | ".join(names) + " | unexplained |"
    rows = [head, "|" + "---|" * (len(names) + 3)]
    for effect, r in report["effects"].items():
        label = "the action plan (vs baseline)" if effect == "all" else effect
        cells = " | ".join(f"{r['effects'][g]:.2f}" for g in names)
        rows.append(
            f"| {label} | {r['median_bn']:.1f} ({r['p05_bn']:.1f} to {r['p95_bn']:.1f}) | "
            f"{cells} | {r['unexplained']:.2f} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    import argparse

    prog = "python -m rainforest.experiments.studies.posterior_shapley"
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--draws", type=int, default=None, help="default: every accepted set")
    parser.add_argument("--scale", default="city")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--form", default=DEFAULT_MARKET_FORM)
    parser.add_argument("--out", default=None, help="write the JSON here too")
    args = parser.parse_args(argv)
    paths, x, effects, spent = effect_runs(
        args.draws, args.scale, args.seed, args.workers, args.form
    )
    report = analyse(paths, x, effects, spent)
    report.update({"draws": len(x), "scale": args.scale, "root_seed": args.seed,
                   "market_form": args.form})  # fmt: skip
    text = json.dumps(report, indent=1)
    if args.out:
        from rainforest.experiments.files import write_atomic

        write_atomic(Path(args.out), text)
    print(text)
    print(markdown_table(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
