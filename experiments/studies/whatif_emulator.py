"""The what-if panel's emulator: a scenario's outcomes as functions of the six plans' multipliers.

The view's sliders multiply each plan's yearly budget by 0 to 3 (``viz.model.view_scenario``).
This study runs the scenario at one scale at a Latin-hypercube design of those six
multipliers, with ten more points a plan that have the plan off (a slider at 0 is the
setting most asked for, and seldom near a design of the box's interior), a few runs a
point (replicate r of point i on ``derive_seed(root, i, r)``; their spread is the seed
noise, estimated apart from the response), and fits
``runs.emulator.Emulator`` to the runs: each targeted indicator at the end of 2030 and
the output value at the end of every year, for the chart. One run at each of further
points, never trained on, checks it: the share of those runs inside its 90 % intervals
(target 85-95 %) and its standardised errors are stored with it.

The view reads the stored emulator from ``viz/emulators/<scenario>_<scale>/`` and shows
its answer at once, before the real runs of the slider's settings arrive.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from rainforest.experiments.studies.emulator import validate
from rainforest.experiments.studies.run_pool import RunPool
from rainforest.runs.emulator import Emulator
from rainforest.scenarios.schema import Scenario
from rainforest.scenarios.targets import TARGET_YEAR, targets
from rainforest.sim.seeds import derive_seed
from rainforest.viz.model import MAX_MULTIPLIER, PLAN_TITLES, view_scenario
from rainforest.viz.whatif_emulator import CHART_INDICATOR, chart_column, outcome_column

DEFAULT_POINTS = 120
EDGE_POINTS = 10  # per plan, with that plan off (edge_design)
DEFAULT_REPLICATES = 2
DEFAULT_CHECK_POINTS = 60
DEFAULT_SEED = 2030
# The GP sees each multiplier through a square root: a plan's first units of money do the
# most (the responses measured in docs/VALIDATION.md flatten as a budget grows), and one
# length scale fits that on the square-root scale better than on the budget's own.
BUDGET_WARPS = dict.fromkeys(PLAN_TITLES, "sqrt")


def chart_years(scenario: Scenario) -> list[int]:
    """The year ends the chart draws: every year of the run up to the report year."""
    last = min(TARGET_YEAR, scenario.horizon_year)
    return list(range(scenario.start_year, last + 1))


def design(points: int, seed: int) -> pd.DataFrame:
    """``points`` multiplier settings by Latin hypercube over [0, MAX_MULTIPLIER]^6."""
    from scipy.stats import qmc

    sample = qmc.LatinHypercube(d=len(PLAN_TITLES), seed=seed).random(points)
    return pd.DataFrame(sample * MAX_MULTIPLIER, columns=list(PLAN_TITLES))


def edge_design(per_plan: int, seed: int) -> pd.DataFrame:
    """For each plan, ``per_plan`` settings with that plan's multiplier at 0 and the
    others by Latin hypercube: a plan switched off is a slider's most asked-for setting,
    and a design of the box's interior seldom comes near it."""
    frames = []
    for k, plan in enumerate(PLAN_TITLES):
        frame = design(per_plan, seed + 100 + k)
        frame[plan] = 0.0
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def year_ends(scenario: Scenario, seed: int, years: Sequence[int]) -> dict[str, float]:
    """One run's outcomes: each targeted indicator in the report year and the chart's
    indicator at the end of each year (a worker's task)."""
    from rainforest.runs.execute import run_one

    result = run_one(scenario, seed)
    final = result.at_year_end()
    row = {outcome_column(name): final[name] for name in targets()}
    for year in years:
        row[chart_column(year)] = result.at_year_end(year)[CHART_INDICATOR]
    return row


def outcomes(
    scenario_name: str,
    scale: str,
    settings: pd.DataFrame,
    root_seed: int,
    first_point: int,
    replicates: int,
    pool: RunPool,
) -> pd.DataFrame:
    """The runs at each row of ``settings`` (point ``first_point + row``), ``replicates``
    a row: the point, the replicate, the seed, the multipliers, the outcomes."""
    records = settings.to_dict("records")
    scenarios, seeds, labels = [], [], []
    for i, row in enumerate(records):
        scenario = view_scenario(scenario_name, scale, row)
        for r in range(replicates):
            scenarios.append(scenario)
            seeds.append(derive_seed(root_seed, first_point + i, r))
            labels.append({"point": first_point + i, "replicate": r, "seed": seeds[-1], **row})
    years = chart_years(scenarios[0])
    rows = pool.map(year_ends, scenarios, seeds, [years] * len(scenarios))
    return pd.concat([pd.DataFrame(labels), pd.DataFrame(rows)], axis=1)


def build(
    scenario_name: str,
    scale: str,
    points: int = DEFAULT_POINTS,
    replicates: int = DEFAULT_REPLICATES,
    check_points: int = DEFAULT_CHECK_POINTS,
    seed: int = DEFAULT_SEED,
    workers: int = 1,
    code_version: dict[str, Any] | None = None,
) -> tuple[Emulator, pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """(emulator, its training runs, the check runs, the check's result): the emulator
    trained on ``replicates`` runs at each of ``points`` points and checked on one run at
    each of ``check_points`` other points."""
    start = time.perf_counter()
    inputs = list(PLAN_TITLES)
    with RunPool(workers) as pool:
        settings = pd.concat([design(points, seed), edge_design(EDGE_POINTS, seed)],
                             ignore_index=True)  # fmt: skip
        train = outcomes(scenario_name, scale, settings, seed, 0, replicates, pool)
        check = outcomes(
            scenario_name, scale, design(check_points, seed + 1), seed, len(settings), 1, pool
        )
    run_seconds = time.perf_counter() - start
    outputs = [c for c in train.columns if c not in ("point", "replicate", "seed", *inputs)]
    about = {
        "source": f"rainforest emulate whatif {scenario_name} --scale {scale}",
        "scenario": scenario_name,
        "scale": scale,
        "design": f"Latin hypercube of the six plans' multipliers over 0-{MAX_MULTIPLIER:g}, "
        f"{points} points, and {EDGE_POINTS} a plan with that plan off, x {replicates} runs",
        "root_seed": seed,
        "code_version": dict(code_version or {}),
        "run_seconds": round(run_seconds, 1),
    }
    box = ([0.0] * len(inputs), [MAX_MULTIPLIER] * len(inputs))
    emulator, result = fitted_and_checked(train, check, inputs, outputs, about, seed, box)
    return emulator, train, check, result


def fitted_and_checked(
    train: pd.DataFrame,
    check: pd.DataFrame,
    inputs: Sequence[str],
    outputs: Sequence[str],
    about: dict[str, Any],
    seed: int,
    bounds: tuple[Sequence[float], Sequence[float]],
) -> tuple[Emulator, dict[str, Any]]:
    """The emulator of ``outputs`` fitted on ``train`` (an outcome the same in every
    training run is kept as that constant) and its check on ``check``, stored with it."""
    modelled = [c for c in outputs if train[c].nunique() > 1]
    about = {
        **about,
        "constant_outputs": {c: float(train[c].iloc[0]) for c in outputs if c not in modelled},
    }
    emulator = Emulator.fit(
        train[list(inputs)], train[modelled], about, seed=seed, bounds=bounds, warps=BUDGET_WARPS
    )
    result = validate(emulator, check[list(inputs)], check[modelled])
    emulator.about["check"] = {
        "runs": int(len(check)),
        "passed": bool(result["passed"]),
        "outcomes": result["outcomes"],
    }
    return emulator, result


def check_points_frame(check: pd.DataFrame, emulator: Emulator) -> pd.DataFrame:
    """The check runs beside the emulator's mean and 90 % interval for each outcome."""
    prediction = emulator.predict(check[emulator.inputs])
    frame = check.copy()
    for name in emulator.outputs:
        frame[f"{name}_predicted"] = prediction.mean[name].to_numpy()
        frame[f"{name}_lower_90"] = prediction.lower[name].to_numpy()
        frame[f"{name}_upper_90"] = prediction.upper[name].to_numpy()
    return frame


def coverage_line(rows: Sequence[dict[str, Any]]) -> str:
    """The check in one line: the range of shares inside the 90 % intervals."""
    shares = [r["coverage_90"] for r in rows if np.isfinite(r["coverage_90"])]
    return f"{min(shares):.0%}-{max(shares):.0%} of check runs inside the 90 % intervals"


# ------------------------------------------------------------ over the posterior

POSTERIOR_MULTIPLIERS = (0.0, 2.0)  # the budget multipliers' range over the posterior
PLAN_YEARS = "plan years"  # what the posterior emulator's multipliers scale: 2023 on


def plan_years_scenario(scenario: Scenario, scale: str, multipliers: dict[str, float]) -> Scenario:
    """``scenario`` at ``scale``, each plan's budget from 2023 on (the plan years) times its
    multiplier; the settling years keep their pre-plan support. This is how rainforest
    voi's candidates change the money, so the posterior emulator is asked what it saw."""
    from rainforest.scenarios.overrides import apply_overrides
    from rainforest.scenarios.schema import PLAN_START_YEAR

    overrides: dict[str, Any] = {"scale": scale}
    for plan, factor in multipliers.items():
        table = getattr(scenario.plans, plan).budget_bn
        overrides[f"plans.{plan}.budget_bn"] = {
            year: float(v) * (float(factor) if year >= PLAN_START_YEAR else 1.0)
            for year, v in table.items()
        }
    return apply_overrides(scenario, overrides)


def posterior_outcomes(
    scenario_name: str,
    scale: str,
    settings: pd.DataFrame,
    sets: Sequence[dict[str, float]],
    root_seed: int,
    first_point: int,
    pool: RunPool,
) -> pd.DataFrame:
    """One run at each row of ``settings`` (point ``first_point + row``) under the
    posterior set of the same row, on seed ``derive_seed(root, point, 0)``: the point,
    the seed, the multipliers, the set's values, the 2030 targets."""
    from rainforest.scenarios.ensemble import as_overrides
    from rainforest.scenarios.loader import load_scenario
    from rainforest.scenarios.overrides import apply_overrides

    base = load_scenario(scenario_name)
    scenarios, seeds, labels = [], [], []
    for i, (row, values) in enumerate(zip(settings.to_dict("records"), sets, strict=True)):
        calibrated = apply_overrides(base, as_overrides(values))
        scenarios.append(plan_years_scenario(calibrated, scale, row))
        seeds.append(derive_seed(root_seed, first_point + i, 0))
        labels.append({"point": first_point + i, "seed": seeds[-1], **row, **values})
    rows = pool.map(year_ends, scenarios, seeds, [[]] * len(scenarios))
    return pd.concat([pd.DataFrame(labels), pd.DataFrame(rows)], axis=1)


def build_posterior(
    scenario_name: str,
    scale: str,
    points: int = 500,
    check_points: int = 100,
    seed: int = DEFAULT_SEED,
    workers: int = 1,
    ensemble: str | None = None,
    code_version: dict[str, Any] | None = None,
) -> tuple[Emulator, pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """An emulator of the 2030 targets over the six budget multipliers (0-2; each scales
    its plan's budget from 2023 on, as voi's candidates do) and the posterior's
    parameters: point i runs the Latin-hypercube multipliers i (and, after
    them, ten points a plan with that plan off) under the ensemble's set ``draw_order[i]``
    (sets reused in that order when the points outnumber them), one run a point;
    ``check_points`` further points, under the sets that follow, check it. Its region
    is the multipliers' box and the ensemble's range of each parameter."""
    from rainforest.runs.request import draw_order
    from rainforest.scenarios.ensemble import load_ensemble
    from rainforest.scenarios.loader import load_scenario

    start = time.perf_counter()
    form = load_scenario(scenario_name).market.form
    record = load_ensemble(ensemble, form)
    sets = [dict(s["parameters"]) for s in record["sets"]]
    order = draw_order(len(sets), seed)
    lo, hi = POSTERIOR_MULTIPLIERS
    interior = pd.concat([design(points, seed), edge_design(EDGE_POINTS, seed)], ignore_index=True)
    train_design = pd.DataFrame(
        interior.to_numpy() / MAX_MULTIPLIER * (hi - lo) + lo, columns=list(PLAN_TITLES)
    )
    points = len(train_design)
    chosen = [sets[order[i % len(sets)]] for i in range(points + check_points)]
    check_design = pd.DataFrame(
        design(check_points, seed + 1).to_numpy() / MAX_MULTIPLIER * (hi - lo) + lo,
        columns=list(PLAN_TITLES),
    )
    with RunPool(workers) as pool:
        train = posterior_outcomes(
            scenario_name, scale, train_design, chosen[:points], seed, 0, pool
        )
        check = posterior_outcomes(
            scenario_name, scale, check_design, chosen[points:], seed, points, pool
        )
    run_seconds = time.perf_counter() - start
    paths = sorted({p for s in sets for p in s})
    varying = [p for p in paths if len({s.get(p) for s in sets}) > 1]
    inputs = [*PLAN_TITLES, *varying]
    outputs = [outcome_column(name) for name in targets()]
    low = [lo] * len(PLAN_TITLES) + [min(s[p] for s in sets) for p in varying]
    high = [hi] * len(PLAN_TITLES) + [max(s[p] for s in sets) for p in varying]
    about = {
        "source": f"rainforest emulate whatif {scenario_name} --scale {scale} --posterior",
        "scenario": scenario_name,
        "scale": scale,
        "posterior": {
            "file": record["_path"],
            "ensemble_date": str(record.get("date", "")),
            "sets": len(sets),
            "parameters": varying,
        },
        "design": f"Latin hypercube of the six plans' multipliers over {lo:g}-{hi:g}, each "
        f"point under one posterior set, {points} points (60 with one plan off) x 1 run",
        "multiplies": PLAN_YEARS,
        "root_seed": seed,
        "code_version": dict(code_version or {}),
        "run_seconds": round(run_seconds, 1),
    }
    emulator, result = fitted_and_checked(train, check, inputs, outputs, about, seed, (low, high))
    return emulator, train, check, result
