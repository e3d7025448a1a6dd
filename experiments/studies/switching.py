"""Switching values: how far an assumption may move before the plan stops reaching a target.

For each uncertain input, the outcome is the median over a fixed set of replicate seeds
(the same seeds at every value: common random numbers) of an indicator in the report
year, with that one input set and everything else as in the scenario. With the seeds
fixed the median is a deterministic function of the input, so a root finder (scipy's
``brentq``) can look for the value where it crosses the threshold. The function is
evaluated at both ends of the input's range and at the scenario's own value; each of
the (at most two) intervals between them whose ends fall on different sides of the
threshold holds a switching value, found to within ``xtol``. Intervals whose ends fall on
the same side are reported as not crossed: an even number of crossings inside one would
go unseen, which the table says rather than hides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rainforest.experiments.provenance import code_version
from rainforest.experiments.studies.analysis_dir import provenance
from rainforest.experiments.studies.outcome import Outcome
from rainforest.experiments.studies.run_pool import RunPool
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.overrides import apply_overrides, resolve_path
from rainforest.scenarios.schema import Scenario
from rainforest.sim.seeds import replicate_seeds

XTOL_SHARE = 0.01  # a switching value to 1 % of its input's range by default
MAX_ITER = 60


@dataclass
class MedianOutcome:
    """The median of ``target`` over ``seeds`` with ``path`` set to a value (memoised)."""

    scenario: Scenario
    path: str
    target: Outcome
    seeds: Sequence[int]
    pool: RunPool = field(default_factory=RunPool)
    evaluations: dict[float, float] = field(default_factory=dict)

    def __call__(self, value: float) -> float:
        value = float(value)
        if value not in self.evaluations:
            scenario = apply_overrides(self.scenario, {self.path: value})
            results = self.pool.outcomes([(scenario, s) for s in self.seeds], self.target.year)
            self.evaluations[value] = float(np.median([r[self.target.indicator] for r in results]))
        return self.evaluations[value]


def find_crossings(
    fn: Callable[[float], float],
    low: float,
    high: float,
    threshold: float,
    base: float | None = None,
    xtol: float | None = None,
) -> dict[str, Any]:
    """Where ``fn`` crosses ``threshold`` between ``low`` and ``high`` (reached: >=).

    ``fn`` is evaluated at the ends and at ``base`` (when strictly inside); a crossing is
    looked for by ``brentq`` in each interval between them whose ends disagree. Each
    crossing says on which side the threshold is reached.
    """
    from scipy.optimize import brentq

    if not low < high:
        raise ValueError(f"empty range {low} - {high}")
    xtol = XTOL_SHARE * (high - low) if xtol is None else xtol
    points = [low, high] if base is None or not low < base < high else [low, base, high]
    values = [fn(p) for p in points]

    def gap(x: float) -> float:  # >= threshold counts as reached, so 0 is on that side
        d = fn(x) - threshold
        return d if d != 0.0 else np.finfo(np.float64).tiny

    crossings = []
    for i in range(len(points) - 1):
        (a, b), (fa, fb) = points[i : i + 2], values[i : i + 2]
        below, above = fa >= threshold, fb >= threshold
        if below == above:
            continue
        root, info = brentq(gap, a, b, xtol=xtol, maxiter=MAX_ITER, full_output=True)
        crossings.append(
            {
                "value": float(root),
                "interval": [float(a), float(b)],
                "reached": "below" if below else "above",
                "converged": bool(info.converged),
                "iterations": int(info.iterations),
            }
        )
    return {
        "points": [
            {"value": float(p), "outcome": float(v)} for p, v in zip(points, values, strict=True)
        ],
        "crossings": crossings,
        "xtol": float(xtol),
    }


def scenario_value(scenario: Scenario, path: str) -> float:
    """The scenario's own value at a dotted path naming one number."""
    try:
        target = resolve_path(path)
    except ScenarioError as exc:
        raise ScenarioError(f"--inputs {exc}") from None
    if target.how != "value" or target.kind != "float":
        what = {
            "table": "a per-year table", "year": "one year of a lever's per-year table",
            "section": "a section of parameters",
        }.get(target.how, f"a {target.kind} value")  # fmt: skip
        raise ScenarioError(
            f"--inputs {path}: a switching value needs one continuous number, and this is {what}"
        )
    obj: Any = scenario
    for part in path.split("."):
        obj = getattr(obj, part)
    return float(obj)


def _status(entry: dict[str, Any], threshold: float) -> str:
    if entry["crossings"]:
        return "crossed"
    reached = [p["outcome"] >= threshold for p in entry["points"]]
    return "reached across the range" if all(reached) else "missed across the range"


def _switching(scenario, path, low, high, base, target, seeds, pool, xtol_share) -> dict:
    """One input's evaluations, crossings and status."""
    fn = MedianOutcome(scenario, path, target, seeds, pool)
    found = find_crossings(fn, low, high, target.threshold, base, xtol_share * (high - low))
    entry = {
        "input": path,
        "low": float(low),
        "high": float(high),
        "base": base,
        "outcome_low": fn(low),
        "outcome_high": fn(high),
        "outcome_base": fn(base),
        **found,
        "evaluations": [[v, o] for v, o in sorted(fn.evaluations.items())],
    }
    entry["status"] = _status(entry, target.threshold)
    return entry


def switching_values(
    scenario: Scenario,
    ranges: Mapping[str, tuple[float, float]],
    target: Outcome,
    replicates: int = 8,
    root_seed: int = 0,
    scale: str | None = None,
    xtol_share: float = XTOL_SHARE,
    source: str = "",
    workers: int = 1,
) -> dict[str, Any]:
    """The switching value of each input over its range, as plain data (analysis.json);
    ``workers`` local processes run each evaluation's replicates side by side."""
    if replicates < 1:
        raise ScenarioError(f"--replicates: must be >= 1, got {replicates}")
    if not ranges:
        raise ScenarioError("--inputs: no input to find a switching value for")
    scale = scale or scenario.scale  # as rainforest run: the scenario file's, else city
    if scale != scenario.scale:
        scenario = apply_overrides(scenario, {"scale": scale})
    target.check_years(scenario)
    seeds = replicate_seeds(root_seed, replicates)
    base_values = {path: scenario_value(scenario, path) for path in ranges}
    for path, (low, high) in ranges.items():
        if not low < high:
            raise ScenarioError(f"--inputs {path}: empty or inverted range {low} - {high}")
        try:
            apply_overrides(scenario, {path: low})
            apply_overrides(scenario, {path: high})
        except ScenarioError as exc:
            raise ScenarioError(f"--inputs {path}: range {low} - {high}: {exc}") from None
    inputs = []
    pool = RunPool(workers)
    with pool:
        for path, (low, high) in ranges.items():
            entry = _switching(
                scenario, path, low, high, base_values[path], target, seeds, pool, xtol_share
            )
            inputs.append(entry)
    base_outcome = inputs[0]["outcome_base"]  # the scenario as it is: the same for every input
    inputs.sort(key=lambda e: -abs(e["outcome_high"] - e["outcome_low"]))
    return {
        "kind": "switching",
        "title": (
            f"Switching values: where {scenario.name}'s median {target.indicator} in "
            f"{target.year} crosses {target.threshold:g}"
        ),
        "scenario": scenario.name,
        "target": {
            "indicator": target.indicator,
            "threshold": target.threshold,
            "year": target.year,
            "unit": target.unit,
        },
        "statistic": "median over replicates (common seeds at every value)",
        "outcome_at_base": base_outcome,
        "reached_at_base": base_outcome >= target.threshold,
        "inputs": inputs,
        "runs": pool.runs,
        "workers": pool.workers,
        "provenance": provenance(
            source=source or scenario.name,
            code_version=code_version(),
            root_seed=root_seed,
            replicates=replicates,
            scale=scenario.scale,
            replicate_seeds=seeds,
        ),
    }


def switching_frame(report: Mapping[str, Any]):
    """One row per input (``switching_values.csv``), crossings joined by ';'."""
    import pandas as pd

    rows = []
    for e in report["inputs"]:
        rows.append(
            {
                "input": e["input"],
                "low": e["low"],
                "base": e["base"],
                "high": e["high"],
                "outcome_low": e["outcome_low"],
                "outcome_base": e["outcome_base"],
                "outcome_high": e["outcome_high"],
                "status": e["status"],
                "switching_values": ";".join(f"{c['value']:.6g}" for c in e["crossings"]),
                "reached": ";".join(c["reached"] for c in e["crossings"]),
                "xtol": e["xtol"],
                "evaluations": len(e["evaluations"]),
            }  # fmt: skip
        )
    return pd.DataFrame(rows)
