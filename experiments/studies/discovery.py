"""Scenario discovery: the boxes of budgets and assumptions in which a target is reached.

A sweep answers "what happens at these points"; a policy researcher asks the inverse:
"in which region of the inputs does the plan reach RMB 500 bn, and how sure is that?".
PRIM (Friedman and Fisher 1999, as EMA Workbench implements it for scenario discovery,
Bryant and Lempert 2010) answers it with boxes: ranges on a few inputs inside which the
share of runs of interest (the *density*) is high, holding a large share of all runs of
interest (the *coverage*).

Each finished run of the sweep is one case: its inputs are its sample's values, its
class is whether its indicator in the report year reaches the threshold (or misses it,
``missed=True``). Cases are runs, not samples, so a box's density is the probability,
over assumptions and replicates together, that a run inside it reaches the target. The
box reported on the peeling trajectory is the one with the largest coverage among those
whose density is at least ``min_density``; when none is that dense, the densest, with a
note saying so.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rainforest.experiments.studies.analysis_dir import provenance
from rainforest.experiments.studies.outcome import Outcome, outcome
from rainforest.experiments.studies.uncertainties import is_lever
from rainforest.experiments.sweeps.manifest import Manifest
from rainforest.experiments.sweeps.spec import value_column
from rainforest.experiments.sweeps.storage import load_manifest, load_results
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.targets import TARGET_YEAR

FINISHED = ("finished", "finished with failures")
# EMA Workbench's Prim drops a column named "scenario" (its own experiments' key); the
# sweep's reserved parameter of that name is renamed while PRIM sees it.
_SCENARIO_COLUMN = "scenario"
_SCENARIO_ALIAS = "base_scenario"


@dataclass(frozen=True)
class PrimSettings:
    """PRIM's knobs: how much each peel removes, each paste adds, and the smallest box."""

    min_density: float = 0.8
    peel_alpha: float = 0.05
    paste_alpha: float = 0.05
    mass_min: float = 0.05
    boxes: int = 1


def _restricted(lim: pd.DataFrame, init: pd.DataFrame) -> list[str]:
    """The inputs a box limits more tightly than the data's own range."""
    out = []
    for column in init.columns:
        if isinstance(init[column].iloc[0], set):
            if set(lim[column].iloc[0]) != set(init[column].iloc[0]):
                out.append(column)
        elif (
            lim[column].iloc[0] > init[column].iloc[0] or lim[column].iloc[1] < init[column].iloc[1]
        ):
            out.append(column)
    return out


def _limits(lim: pd.DataFrame, init: pd.DataFrame, restricted: list[str], qp: dict) -> list[dict]:
    """Per input: its box range (or levels) against the data's, restricted ones first."""
    rows = []
    order = restricted + [c for c in init.columns if c not in restricted]
    for column in order:
        row: dict[str, Any] = {"input": _public(column), "restricted": column in restricted}
        if isinstance(init[column].iloc[0], set):
            row["levels"] = sorted(str(v) for v in lim[column].iloc[0])
            row["all_levels"] = sorted(str(v) for v in init[column].iloc[0])
        else:
            row["min"], row["max"] = float(lim[column].iloc[0]), float(lim[column].iloc[1])
            row["data_min"] = float(init[column].iloc[0])
            row["data_max"] = float(init[column].iloc[1])
        if column in restricted and column in qp:
            lower, upper = (None if v is None or v < 0 else float(v) for v in qp[column])
            row["qp_lower"], row["qp_upper"] = lower, upper
        rows.append(row)
    return rows


def _public(column: str) -> str:
    return _SCENARIO_COLUMN if column == _SCENARIO_ALIAS else column


def prim_boxes(x: pd.DataFrame, y: np.ndarray, settings: PrimSettings = PrimSettings()) -> list:
    """PRIM's boxes for cases ``x`` (one column per input) of class ``y`` (0 or 1).

    Each box is plain data: its peeling trajectory (coverage, density, mass and number of
    restricted inputs after each peel and paste), the index of the chosen box on it, its
    statistics and its limits per input (with quasi-p-values of the restrictions). A
    second box, if asked for, is found among the cases outside the first.
    """
    y = np.asarray(y, dtype=np.int64)
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError("y must hold one class per case")
    x = x.rename(columns={_SCENARIO_COLUMN: _SCENARIO_ALIAS}).reset_index(drop=True)
    logging.getLogger("EMA").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ipyparallel's absence, pandas' future changes
        from ema_workbench.analysis import prim

        finder = prim.Prim(
            x, y, peel_alpha=settings.peel_alpha, paste_alpha=settings.paste_alpha,
            mass_min=settings.mass_min,
        )  # fmt: skip
        init = finder.box_init
        boxes = []
        remaining = np.ones(len(y), dtype=bool)  # cases outside every box found so far
        for number in range(settings.boxes):
            if not y[remaining].any():
                break  # every case of interest is in a box already
            box = finder.find_box()
            if box is None:
                break
            traj = box.peeling_trajectory
            density = traj["density"].to_numpy(dtype=np.float64)
            coverage = traj["coverage"].to_numpy(dtype=np.float64)
            dense = np.flatnonzero(density >= settings.min_density)
            if dense.size:
                chosen = int(dense[np.argmax(coverage[dense])])
                note = None
            else:
                chosen = int(np.argmax(density))
                note = (
                    f"no box on the trajectory is as dense as {settings.min_density:g}; "
                    f"the densest ({density[chosen]:.3f}) is shown"
                )
            box.select(chosen)
            remaining[box.yi] = False
            lim = box.box_lims[chosen]
            restricted = _restricted(lim, init)
            stats = traj.iloc[chosen]
            boxes.append(
                {
                    "box": number,
                    "chosen": chosen,
                    "meets_min_density": note is None,
                    "note": note,
                    "coverage": float(stats["coverage"]),
                    "density": float(stats["density"]),
                    "mass": float(stats["mass"]),
                    "cases": int(stats["n"]),
                    "restricted": [_public(c) for c in restricted],
                    "limits": _limits(lim, init, restricted, box.p_values[chosen]),
                    "trajectory": [
                        {
                            "step": int(i),
                            "coverage": float(r["coverage"]),
                            "density": float(r["density"]),
                            "mass": float(r["mass"]),
                            "restricted": int(r["res_dim"]),
                            "cases": int(r["n"]),
                        }
                        for i, r in traj.iterrows()
                    ],
                }
            )
    return boxes


# --------------------------------------------------------------------------- sweeps


def select_inputs(columns: Sequence[str], wanted: Sequence[str] | None, path) -> list[str]:
    """The sweep's inputs PRIM sees: all, ``levers``, ``uncertainties`` or named paths."""
    if not wanted:
        return list(columns)
    chosen: list[str] = []
    for name in wanted:
        if name == "levers":
            chosen += [c for c in columns if is_lever(c)]
        elif name == "uncertainties":
            chosen += [c for c in columns if not is_lever(c) and c != _SCENARIO_COLUMN]
        elif name in columns:
            chosen.append(name)
        else:
            raise ScenarioError(
                f"--inputs {name}: not an input of the sweep in {path} (it varied "
                f"{', '.join(columns)}; or say levers or uncertainties)"
            )
    return list(dict.fromkeys(chosen))


def sweep_outcome(
    manifest: Manifest,
    path: str | Path,
    indicator: str,
    threshold: float | None = None,
    year: int = TARGET_YEAR,
) -> Outcome:
    """The outcome asked of a sweep: a model indicator in a year (its target by default),
    or, for a sweep of a function, one of the function's outcomes and a threshold."""
    function = manifest.function
    if function is None:
        return outcome(indicator, threshold, year)
    if indicator not in manifest.indicators:
        raise ScenarioError(
            f"--target {indicator!r}: the sweep in {path} is of the function {function}, "
            f"whose outcomes are {', '.join(manifest.indicators)}"
        )
    if threshold is None:
        raise ScenarioError(
            f"--threshold: {function}'s outcome {indicator!r} has no target; give a threshold"
        )
    return Outcome(indicator, float(threshold), None)


def discovery_cases(
    path: str | Path,
    target: Outcome,
    missed: bool = False,
    inputs: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, np.ndarray, pd.Series, Manifest]:
    """A finished sweep's runs as PRIM cases: (inputs, class, the indicator, manifest).

    ``inputs`` limits the inputs to some of the sweep's parameters (``levers`` and
    ``uncertainties`` name those kinds). Refused with one message each: a folder that is
    not a finished sweep, an indicator or year the sweep did not keep, a sweep that
    varied no input, an input it did not vary, no finished run, and a class that no run
    (or every run) belongs to.
    """
    manifest = load_manifest(path)
    status = manifest.status
    if status not in FINISHED:
        raise ScenarioError(
            f"{path}: not a finished sweep ({status}, {manifest.done_runs} of "
            f"{manifest.runs.count} runs); finish it with "
            f"`rainforest sweep {manifest.sweep_file} --out {path}`"
        )
    if target.indicator not in manifest.indicators:
        raise ScenarioError(
            f"--target {target.indicator}: the sweep in {path} did not keep it (it kept "
            f"{', '.join(manifest.indicators)})"
        )
    if target.year is not None and target.year not in manifest.years:
        kept = ", ".join(str(y) for y in manifest.years)
        raise ScenarioError(f"--year {target.year}: the sweep in {path} kept the years {kept}")
    inputs_wanted = list(inputs or ())
    varied = list(manifest.samples.columns)
    if not varied:
        raise ScenarioError(f"{path}: the sweep varied no inputs, so there is nothing to discover")
    inputs = select_inputs(varied, inputs, path)
    if not inputs:
        raise ScenarioError(f"--inputs {', '.join(inputs_wanted)}: the sweep in {path} varied none")
    column = value_column(target.indicator, target.year)
    frame = load_results(path, columns=[*inputs, column, "error"])
    frame = frame[frame["error"].isna()]
    if frame.empty:
        raise ScenarioError(f"{path}: no finished run without an error to discover from")
    x = pd.DataFrame(index=frame.index)
    for name in inputs:
        values = frame[name]
        if values.isna().any() or values.nunique() < 2:
            continue  # not varied in every run (a list sweep's partial rows), or not at all
        if values.dtype == bool or values.dtype == object:
            values = values.astype(str)
        x[name] = values
    if x.shape[1] == 0:
        raise ScenarioError(
            f"{path}: no input takes more than one value in every run, so there is nothing "
            "to discover"
        )
    indicator = frame[column].astype(np.float64)
    reached = target.reached(indicator.to_numpy())
    y = (~reached if missed else reached).astype(np.int64)
    what = f"misses {target.label}" if missed else f"reaches {target.label}"
    if y.sum() == 0:
        raise ScenarioError(f"{path}: no run {what} (of {len(y)} runs); nothing to discover")
    if y.sum() == len(y):
        raise ScenarioError(
            f"{path}: every run {what} ({len(y)} runs); there is no region to tell apart"
        )
    return x.reset_index(drop=True), y, indicator.reset_index(drop=True), manifest


def discover(
    path: str | Path,
    indicator: str = "output_value_bn",
    threshold: float | None = None,
    year: int = TARGET_YEAR,
    missed: bool = False,
    settings: PrimSettings = PrimSettings(),
    inputs: Sequence[str] | None = None,
) -> dict[str, Any]:
    """PRIM over a finished sweep's runs, as plain data (what ``analysis.json`` holds).

    The target is ``indicator`` in ``year`` against ``threshold`` (by default the plan's
    target); for a sweep of a function, one of its outcomes against a threshold given.
    """
    target = sweep_outcome(load_manifest(path), path, indicator, threshold, year)
    x, y, values, manifest = discovery_cases(path, target, missed, inputs)
    chosen = select_inputs(manifest.samples.columns, inputs, path)
    boxes = prim_boxes(x, y, settings)
    return {
        "kind": "discovery",
        "title": (
            f"Scenario discovery: where {manifest.name} "
            f"{'misses' if missed else 'reaches'} {target.label}"
        ),
        "sweep": manifest.name,
        "target": {
            "indicator": target.indicator,
            "threshold": target.threshold,
            "year": target.year,
            "unit": target.unit,
            "missed": missed,
        },
        "cases": int(len(y)),
        "cases_of_interest": int(y.sum()),
        "base_rate": float(y.mean()),
        "inputs": list(x.columns),
        "inputs_left_out": [c for c in chosen if c not in x.columns],
        "settings": {
            "min_density": settings.min_density,
            "peel_alpha": settings.peel_alpha,
            "paste_alpha": settings.paste_alpha,
            "mass_min": settings.mass_min,
            "boxes": settings.boxes,
        },
        "boxes": boxes,
        "provenance": provenance(
            source=str(path),
            code_version=dict(manifest.code),
            root_seed=manifest.root_seed,
            replicates=manifest.replicates,
            scale=manifest.scale,
            manifest_hash=manifest.identity,
            sweep_sha256=manifest.sweep_sha256,
            sampler=manifest.sampler,
            samples=manifest.samples.count,
            function=manifest.function,
        ),
    }


def limits_frame(report: dict[str, Any]) -> pd.DataFrame:
    """Every box's limits as one flat table (``boxes.csv``)."""
    rows = []
    for box in report["boxes"]:
        for lim in box["limits"]:
            row = {
                "box": box["box"], "coverage": box["coverage"], "density": box["density"],
                "mass": box["mass"], "input": lim["input"], "restricted": lim["restricted"],
                "min": lim.get("min"), "max": lim.get("max"),
                "data_min": lim.get("data_min"), "data_max": lim.get("data_max"),
                "levels": " ".join(lim["levels"]) if "levels" in lim else None,
                "qp_lower": lim.get("qp_lower"), "qp_upper": lim.get("qp_upper"),
            }  # fmt: skip
            rows.append(row)
    return pd.DataFrame(rows)


def trajectory_frame(report: dict[str, Any]) -> pd.DataFrame:
    """Every box's peeling trajectory (``peeling_trajectory.csv``)."""
    rows = []
    for box in report["boxes"]:
        for step in box["trajectory"]:
            rows.append({"box": box["box"], **step, "chosen": step["step"] == box["chosen"]})
    return pd.DataFrame(rows)
