"""Calibration: fit the model's free market parameters to what is known about the plan.

The action plan's published targets and the growth of Shanghai's leading industries are
the only numbers the model can be held to, so calibration asks the ``action_plan``
scenario for three things at once, over several replicates with common seeds:

- the median 2030 output value within +-5 % of the plan's RMB 500 bn;
- median output growth from 2023 to 2025 of 10-25 % a year (Shanghai's leading
  industries grew 10-15 % a year in 2021-2025; the future clusters are younger and grow
  faster, so the band is wider upwards);
- the designations (colleges, centers, pilot areas) on the plan's schedule every year;
- and, softly, Shanghai's output at the end of 2022 inside the 80-200 bn prior range for
  it (no figure is published; the library scenarios start in 2021, so 2022 is simulated).

The free parameters are the market assumptions no published figure pins down (see
docs/VALIDATION.md). They are searched by optuna's TPE sampler inside the ranges
docs/ODD.md gives, with a seeded sampler so a study is reproducible. The fitted values,
the objective, the seeds and the code version go to ``scenarios/calibration.toml``; the
library scenarios carry the same values.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rainforest.experiments.files import write_atomic
from rainforest.experiments.run import derive_seed, run_one
from rainforest.scenarios.loader import LIBRARY_DIR, load_scenario
from rainforest.scenarios.overrides import apply_overrides
from rainforest.scenarios.schema import PLAN_START_YEAR, Scenario

SCENARIOS_DIR = LIBRARY_DIR.parent  # the scenarios package's folder
CALIBRATION_FILE = SCENARIOS_DIR / "calibration.toml"

CALIBRATED_SCENARIO = "action_plan"
TARGET_OUTPUT_2030_BN = 500.0
OUTPUT_TOLERANCE = 0.05  # relative, on the median of the replicates
GROWTH_BAND = (0.10, 0.25)  # a year, 2023 -> 2025, median of the replicates
GROWTH_YEARS = (2023, 2025)
PRIOR_YEAR = 2022
PRIOR_OUTPUT_BN = (80.0, 200.0)  # 2022 output: an assumption range, not data (fields.py)
TARGET_YEAR = 2030


@dataclass(frozen=True)
class FreeParameter:
    """One parameter calibration may move, with the range it may move in and why."""

    path: str
    low: float
    high: float
    log: bool
    why: str


# Ranges: docs/ODD.md's for the market (scenarios/fields.py MARKET_RANGES); the outside
# option, its progress, the TRL hazard and the knowledge scale have none, so each gets
# about an order of magnitude around its default. The outside option starts at 100:
# below that Shanghai's first sellers take almost all of a field's demand at once, and
# what the plans do to firms' knowledge could no longer move output.
FREE_PARAMETERS: tuple[FreeParameter, ...] = (
    FreeParameter(
        "market.outside_competition", 100.0, 80000.0, True,
        "weight of firms outside Shanghai; sets Shanghai's starting market share",
    ),
    FreeParameter(
        "market.outside_progress", 0.0, 0.5, False,
        "yearly quality gain of firms outside Shanghai; no data",
    ),
    FreeParameter(
        "market.initial_market_bn", 80.0, 400.0, False,
        "size of the future-field market when a run starts; no published figure exists",
    ),
    FreeParameter("market.bass_p", 0.005, 0.03, False, "Bass innovation coefficient"),
    FreeParameter("market.bass_q", 0.2, 0.5, False, "Bass imitation coefficient"),
    FreeParameter(
        "market.total_potential_bn", 1500.0, 3000.0, False,
        "saturation demand of the 16 fields; an order-of-magnitude assumption",
    ),
    FreeParameter(
        "behaviour.trl_hazard", 0.05, 0.6, True,
        "pace of maturation to TRL 7; sets when fields start selling",
    ),
    FreeParameter(
        "behaviour.production_scale", 0.005, 0.1, True,
        "pace of knowledge growth; sets how fast product quality, and share, rise",
    ),
)  # fmt: skip


# Points every study tries first: the schema defaults, and a slow-market point (Bass
# coefficients and potential near the low ends of their ranges, where early growth is
# lowest), so the sampler sees both ends of the output-growth trade-off before it
# explores.
START_POINTS: tuple[dict[str, float], ...] = (
    {
        "market.outside_competition": 40000.0, "market.outside_progress": 0.2,
        "market.initial_market_bn": 120.0, "market.bass_p": 0.01, "market.bass_q": 0.3,
        "market.total_potential_bn": 2000.0, "behaviour.trl_hazard": 0.2,
        "behaviour.production_scale": 0.03,
    },
    {
        "market.outside_competition": 830.0, "market.outside_progress": 0.24,
        "market.initial_market_bn": 184.0, "market.bass_p": 0.007, "market.bass_q": 0.21,
        "market.total_potential_bn": 1700.0, "behaviour.trl_hazard": 0.08,
        "behaviour.production_scale": 0.0054,
    },
)  # fmt: skip


@dataclass(frozen=True)
class Evaluation:
    """What a parameter set gives the calibrated scenario over its replicates."""

    output_2030: list[float]
    growth: list[float]
    designations_on_schedule: float  # share of (replicate, year) with every count on plan
    output_2022: list[float] = field(default_factory=list)  # empty if the run starts later
    median_output_2030: float = field(init=False)
    median_growth: float = field(init=False)
    median_output_2022: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "median_output_2030", float(np.median(self.output_2030)))
        object.__setattr__(self, "median_growth", float(np.median(self.growth)))
        prior = float(np.median(self.output_2022)) if self.output_2022 else math.nan
        object.__setattr__(self, "median_output_2022", prior)

    @property
    def meets_targets(self) -> bool:
        """All three targets hold (output within tolerance, growth in band, schedule)."""
        rel = abs(self.median_output_2030 / TARGET_OUTPUT_2030_BN - 1.0)
        lo, hi = GROWTH_BAND
        return (
            rel <= OUTPUT_TOLERANCE
            and lo <= self.median_growth <= hi
            and self.designations_on_schedule == 1.0
        )


def annual_growth(output_start: float, output_end: float, years: int) -> float:
    """Compound annual growth between two annualised outputs (-1 if the start is 0)."""
    if output_start <= 0.0:
        return -1.0 if output_end <= 0.0 else math.inf
    return (output_end / output_start) ** (1.0 / years) - 1.0


def growth_over_band_years(result: Any) -> float:
    """A run's compound yearly output growth over ``GROWTH_YEARS`` (year-end values)."""
    y0, y1 = GROWTH_YEARS
    return annual_growth(
        result.at_year_end(y0)["output_value_bn"],
        result.at_year_end(y1)["output_value_bn"],
        y1 - y0,
    )


def calibration_seeds(root_seed: int, replicates: int) -> list[int]:
    """Common random numbers: every trial sees the same seeds (sample index 0)."""
    return [derive_seed(root_seed, 0, r) for r in range(replicates)]


def _schedule_targets(scenario: Scenario) -> dict[str, np.ndarray]:
    from rainforest.sim.params import build_params

    p = build_params(scenario)
    return {
        "future_technical_colleges": np.asarray(p.colleges_target),
        "innovation_centers": np.asarray(p.centers_target),
        "pilot_areas": np.asarray(p.pilots_target),
    }


def evaluate(
    overrides: Mapping[str, Any],
    seeds: Sequence[int],
    scale: str = "district",
    scenario: str | Scenario = CALIBRATED_SCENARIO,
) -> Evaluation:
    """Run the calibrated scenario with ``overrides`` once per seed and score it."""
    base = load_scenario(scenario) if isinstance(scenario, str) else scenario
    sc = apply_overrides(base, dict(overrides))
    schedule = _schedule_targets(sc)
    years = range(sc.start_year, sc.horizon_year + 1)
    plan_years = [year for year in years if year >= PLAN_START_YEAR]
    out_2030: list[float] = []
    out_2022: list[float] = []
    growth: list[float] = []
    on_plan = 0
    checks = 0
    for seed in seeds:
        res = run_one(sc, seed, scale=scale)
        out_2030.append(res.at_year_end(TARGET_YEAR)["output_value_bn"])
        growth.append(growth_over_band_years(res))
        if sc.start_year <= PRIOR_YEAR:
            out_2022.append(res.at_year_end(PRIOR_YEAR)["output_value_bn"])
        for year in plan_years:
            i = year - sc.start_year
            row = res.at_year_end(year)
            checks += 1
            on_plan += all(int(row[k]) == int(v[i]) for k, v in schedule.items())
    return Evaluation(out_2030, growth, on_plan / max(checks, 1), out_2022)


def loss(e: Evaluation) -> float:
    """The objective: squared misses in units of each target's tolerance.

    Output: log-distance from RMB 500 bn in units of 5 %, plus a steep penalty outside
    the +-5 % band. Growth: distance from the
    band's middle in units of its half-width (so anything inside the band costs < 1).
    Designations: 100 per share of off-schedule years, so a fit never trades them away.
    2022 output: log-distance outside the 80-200 bn prior range in units of 25 % (a soft
    pull: the range is an assumption, not data).
    """
    out = abs(math.log(max(e.median_output_2030, 1e-9) / TARGET_OUTPUT_2030_BN))
    tol = math.log(1.0 + OUTPUT_TOLERANCE)
    # outside the +-5 % band the output miss dominates everything else: the 2030 target
    # is the plan's headline number, the growth band is secondary
    out_term = (out / tol) ** 2 + 10000.0 * max(0.0, out - tol)
    lo, hi = GROWTH_BAND
    g = e.median_growth if math.isfinite(e.median_growth) else 10.0
    growth_term = ((g - 0.5 * (lo + hi)) / (0.5 * (hi - lo))) ** 2
    prior_term = 0.0
    if math.isfinite(e.median_output_2022):
        lo_2022, hi_2022 = PRIOR_OUTPUT_BN
        x = max(e.median_output_2022, 1e-9)
        miss = max(0.0, math.log(lo_2022 / x), math.log(x / hi_2022))
        prior_term = (miss / math.log(1.25)) ** 2
    return out_term + growth_term + prior_term + 100.0 * (1.0 - e.designations_on_schedule)


def calibrate(
    trials: int = 60,
    replicates: int = 4,
    scale: str = "district",
    root_seed: int = 2022,
    sampler_seed: int = 0,
    check_replicates: int = 8,
    on_trial: Callable[[int, float], None] | None = None,
    start: Sequence[Mapping[str, float]] = START_POINTS,
) -> dict[str, Any]:
    """Run an optuna study and return the fitted values with what made them.

    The best trial is re-run with ``check_replicates`` fresh seeds (sample index 1) so
    the recorded check is not the sample the optimiser was tuned on. ``start`` points
    (e.g. the shipped fit) are tried first, so a re-calibration never does worse than them.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    seeds = calibration_seeds(root_seed, replicates)
    base = load_scenario(CALIBRATED_SCENARIO)

    def objective(trial: optuna.Trial) -> float:
        values = {
            fp.path: trial.suggest_float(fp.path, fp.low, fp.high, log=fp.log)
            for fp in FREE_PARAMETERS
        }
        e = evaluate(values, seeds, scale, base)
        trial.set_user_attr("median_output_2030", e.median_output_2030)
        trial.set_user_attr("median_growth", e.median_growth)
        trial.set_user_attr("designations_on_schedule", e.designations_on_schedule)
        trial.set_user_attr("median_output_2022", e.median_output_2022)
        value = loss(e)
        if on_trial is not None:
            on_trial(trial.number, value)
        return value

    study = optuna.create_study(
        direction="minimize", sampler=optuna.samplers.TPESampler(seed=sampler_seed)
    )
    for point in start:
        study.enqueue_trial({fp.path: float(point[fp.path]) for fp in FREE_PARAMETERS})
    study.optimize(objective, n_trials=trials)
    best = study.best_trial
    fitted = {fp.path: _round(best.params[fp.path]) for fp in FREE_PARAMETERS}
    check_seeds = [derive_seed(root_seed, 1, r) for r in range(check_replicates)]
    check = evaluate(fitted, check_seeds, scale, base)
    from rainforest.experiments.provenance import code_version

    return {
        "parameters": fitted,
        "objective": {
            "scenario": CALIBRATED_SCENARIO,
            "loss": float(best.value),
            "median_output_2030_bn": best.user_attrs["median_output_2030"],
            "median_growth_2023_2025": best.user_attrs["median_growth"],
            "designations_on_schedule": best.user_attrs["designations_on_schedule"],
            "median_output_2022_bn": best.user_attrs["median_output_2022"],
            "target_output_2030_bn": TARGET_OUTPUT_2030_BN,
            "output_tolerance": OUTPUT_TOLERANCE,
            "growth_band": list(GROWTH_BAND),
            "prior_output_2022_bn": list(PRIOR_OUTPUT_BN),
        },
        "check": {
            "replicates": check_replicates,
            "seeds": check_seeds,
            "median_output_2030_bn": check.median_output_2030,
            "median_growth_2023_2025": check.median_growth,
            "median_output_2022_bn": check.median_output_2022,
            "designations_on_schedule": check.designations_on_schedule,
            "meets_targets": check.meets_targets,
        },
        "study": {
            "sampler": "optuna TPESampler",
            "sampler_seed": sampler_seed,
            "trials": trials,
            "replicates": replicates,
            "scale": scale,
            "root_seed": root_seed,
            "seeds": seeds,
            "start_points": len(start),
            "ranges": {
                fp.path: [fp.low, fp.high, "log" if fp.log else "linear"] for fp in FREE_PARAMETERS
            },
        },  # fmt: skip
        "code": {k: v for k, v in code_version().items() if v is not None},
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _round(x: float) -> float:
    """Four significant figures: the fit is not more precise than that."""
    return float(f"{x:.4g}")


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def to_toml(result: Mapping[str, Any]) -> str:
    """The calibration record as TOML: [parameters] with dotted paths as quoted keys."""
    lines = [
        "# Fitted by `rainforest calibrate` (experiments/studies/calibration.py);",
        "# docs/VALIDATION.md explains the objective. scenarios/library/action_plan.toml",
        "# and baseline.toml carry these [parameters] values.",
        f"date = {_toml_value(result['date'])}",
        "",
    ]
    for table in ("parameters", "objective", "check", "study", "code"):
        lines.append(f"[{table}]")
        for key, value in result[table].items():
            if isinstance(value, dict):
                continue
            lines.append(f'"{key}" = {_toml_value(value)}')
        lines.append("")
        for key, value in result[table].items():
            if isinstance(value, dict):
                lines.append(f"[{table}.{key}]")
                lines += [f'"{k}" = {_toml_value(v)}' for k, v in value.items()]
                lines.append("")
    return "\n".join(lines)


def read_calibration(path: Path = CALIBRATION_FILE) -> dict[str, Any]:
    """The shipped calibration record."""
    with path.open("rb") as fh:
        return tomllib.load(fh)


def calibrated_overrides(path: Path = CALIBRATION_FILE) -> dict[str, float]:
    """The fitted values as ``apply_overrides`` overrides."""
    return {k: float(v) for k, v in read_calibration(path)["parameters"].items()}


LIBRARY_FILES: tuple[Path, ...] = (
    LIBRARY_DIR / "action_plan.toml",
    LIBRARY_DIR / "baseline.toml",
)
_BLOCK_MARK = "# Calibrated market and behaviour values"


def library_block(parameters: Mapping[str, float]) -> str:
    """The TOML block the library scenarios end with: the fitted values by table."""
    lines = [
        f"{_BLOCK_MARK} (scenarios/calibration.toml, fitted by",
        "# `rainforest calibrate`; docs/VALIDATION.md). The leave-one-outs inherit them.",
    ]
    tables: dict[str, list[str]] = {}
    for path, value in parameters.items():
        table, key = path.split(".", 1)
        tables.setdefault(table, []).append(f"{key} = {float(value)!r}")
    for table, rows in tables.items():
        lines += [f"[{table}]", *rows, ""]
    return "\n".join(lines)


def apply_to_library(
    parameters: Mapping[str, float], files: Sequence[Path] = LIBRARY_FILES
) -> list[Path]:
    """Replace (or append) each library file's calibrated block; returns the files changed.

    Everything above the block (plans, budgets, schedules) is kept as it is.
    """
    changed = []
    block = library_block(parameters)
    for path in files:
        text = path.read_text()
        head = text.split(_BLOCK_MARK, 1)[0].rstrip("\n")
        new = f"{head}\n\n{block}"
        if new != text:
            write_atomic(path, new)
            changed.append(path)
    return changed
