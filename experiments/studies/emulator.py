"""A Gaussian-process emulator of a sweep's outcomes, and its validation on held-out runs.

The emulator itself (one scikit-learn GP an outcome, its training region, its files) is
``rainforest.runs.emulator``; here it is trained on a stored sweep (each outcome a
sweep's ``<indicator>_<year>`` column, or a function sweep's outcome, over the sweep's
varied parameters) and checked: ``validate`` compares its 90 % predictive intervals with
runs it did not see; the target share inside is 85-95 %.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rainforest.runs.emulator import (
    ABOUT_FILE,
    ARRAYS_FILE,
    LEVEL,
    Emulator,
    Prediction,
    Z,
    prediction_seconds,
)
from rainforest.scenarios.errors import ScenarioError

COVERAGE_TARGET = (0.85, 0.95)
RUN_COLUMNS = ("run", "sample", "replicate", "seed", "error")
__all__ = [
    "ABOUT_FILE", "ARRAYS_FILE", "COVERAGE_TARGET", "Emulator", "LEVEL", "Prediction", "Z",
    "figure", "is_emulator_folder", "load_sweep", "plan_inputs", "prediction_seconds", "save",
    "split_by_sample", "sweep_columns", "text_table", "train_on_sweep", "validate",
]  # fmt: skip


def save(emulator: Emulator, folder: str | Path) -> list[Path]:
    """The emulator's two files (``emulator.json``, ``emulator.npz``), written as one set."""
    from rainforest.experiments.files import write_files

    return write_files(Path(folder), emulator.files())


def plan_inputs(emulator: Emulator) -> dict[str, str]:
    """Each plan whose budget is an input of ``emulator``, and that input: the view's
    multiplier (named by the plan) or a sweep's ``plans.<plan>.budget_bn``."""
    from rainforest.scenarios.schema import PLAN_NAMES

    out = {}
    for plan in PLAN_NAMES:
        for name in (plan, f"plans.{plan}.budget_bn"):
            if name in emulator.inputs:
                out[plan] = name
    return out


def is_emulator_folder(folder: str | Path) -> bool:
    """Whether ``folder`` holds an emulator (rather than a sweep's runs)."""
    return (Path(folder) / ABOUT_FILE).is_file()


# ------------------------------------------------------------------ sweeps


def sweep_columns(manifest, frame: pd.DataFrame) -> tuple[list[str], list[str], list[str]]:
    """(inputs, outcomes, left out): the sweep's numeric parameters that vary, its
    outcome columns in the report year (2030 where run) that vary, and what was left out
    and why."""
    from rainforest.experiments.sweeps.spec import value_column

    year = manifest.report_year if manifest.years else None
    left = []
    inputs = []
    for path in manifest.parameter_paths:
        column = frame[path] if path in frame.columns else None
        if column is None or not pd.api.types.is_numeric_dtype(column):
            left.append(f"{path} (not a number)")
        elif column.nunique() < 2:
            left.append(f"{path} (constant)")
        else:
            inputs.append(path)
    outputs = []
    for name in manifest.indicators:
        col = value_column(name, year)
        if col not in frame.columns:
            continue
        if frame[col].nunique() < 2:
            left.append(f"{col} (constant in the runs)")
        else:
            outputs.append(col)
    return inputs, outputs, left


def load_sweep(folder: str | Path) -> tuple[Any, pd.DataFrame]:
    """A sweep folder's manifest and its finished runs (failed runs dropped)."""
    from rainforest.experiments.sweeps.storage import load_manifest, load_results

    manifest = load_manifest(folder)
    frame = load_results(folder)
    if "error" in frame.columns:
        frame = frame[frame["error"].isna()]
    if frame.empty:
        raise ScenarioError(f"{folder}: no finished runs to train on")
    return manifest, frame.reset_index(drop=True)


def split_by_sample(
    frame: pd.DataFrame, share: float, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training, held-out) runs: ``share`` of the samples held out with all their
    replicates, so no held-out point has a replicate in the training runs."""
    if not 0.0 < share < 1.0:
        raise ScenarioError(f"--holdout: a share between 0 and 1, got {share}")
    samples = np.unique(frame["sample"].to_numpy())
    n_out = max(1, round(share * len(samples)))
    if n_out >= len(samples):
        raise ScenarioError(f"--holdout: {len(samples)} samples leave none to train on")
    held = np.random.default_rng(seed).choice(samples, n_out, replace=False)
    out = frame["sample"].isin(held)
    return frame[~out].reset_index(drop=True), frame[out].reset_index(drop=True)


def train_on_sweep(
    folder: str | Path,
    outputs: Sequence[str] | None = None,
    frame: pd.DataFrame | None = None,
    seed: int = 0,
) -> Emulator:
    """An emulator of a sweep folder's outcomes (``frame``: a subset of its runs)."""
    manifest, runs = load_sweep(folder)
    if frame is not None:
        runs = frame
    inputs, found, left = sweep_columns(manifest, runs)
    if outputs:
        unknown = [o for o in outputs if o not in runs.columns]
        if unknown:
            raise ScenarioError(f"--outputs: no column {unknown[0]!r}; the sweep has {found}")
        found = list(outputs)
    if not inputs:
        raise ScenarioError(f"{folder}: no numeric parameter varies; nothing to emulate")
    if not found:
        raise ScenarioError(f"{folder}: no outcome varies; nothing to emulate")
    base_name, scale = _base_and_scale(manifest)
    about = {
        "source": str(folder),
        "sweep": manifest.name,
        "base": base_name,
        "manifest_hash": manifest.identity,
        "sweep_sha256": manifest.sweep_sha256,
        "code_version": dict(manifest.code),
        "scale": scale,
        "function": manifest.function,
        "left_out": left,
    }
    return Emulator.fit(
        runs[inputs], runs[found], about, seed=seed, bounds=design_box(manifest, runs[inputs])
    )


def _base_and_scale(manifest) -> tuple[str | None, str | None]:
    """The sweep's base scenario by its name (a file's base by the name inside it) and
    the scale its runs ran at (the base's own where the sweep sets none)."""
    from rainforest.scenarios.loader import load_scenario

    if manifest.base is None:
        return None, manifest.scale
    try:
        scenario = load_scenario(manifest.base)
    except ScenarioError:
        return str(manifest.base), manifest.scale
    return scenario.name, manifest.scale or scenario.scale


def design_box(manifest, x: pd.DataFrame) -> tuple[list[float], list[float]] | None:
    """The sweep's declared box of the inputs ``x`` (each parameter's min and max), the
    region its sampler covered, or None where an input has no such range or a run lies
    outside it: the training region is then the runs' own min and max."""
    ranges = {str(p["path"]): p for p in manifest.parameters}
    low, high = [], []
    for name in x.columns:
        p = ranges.get(name, {})
        if not isinstance(p.get("min"), int | float) or not isinstance(p.get("max"), int | float):
            return None
        low.append(float(p["min"]))
        high.append(float(p["max"]))
    values = x.to_numpy(dtype=float)
    if np.any(values < np.array(low)) or np.any(values > np.array(high)):
        return None
    return low, high


# --------------------------------------------------------------- validation


def validate(emulator: Emulator, x: pd.DataFrame, y: pd.DataFrame) -> dict[str, Any]:
    """The emulator against runs it did not see: per outcome, the share inside its 90 %
    intervals, the standardised errors' mean and sd (0 and 1 when the intervals are
    right) and the RMSE; ``passed`` when every share is within 85-95 %."""
    prediction = emulator.predict(x)
    rows, points = [], []
    for name in emulator.outputs:
        actual = y[name].to_numpy(dtype=float)
        mean, sd = prediction.mean[name].to_numpy(), prediction.sd[name].to_numpy()
        ok = np.isfinite(actual)
        z = (actual[ok] - mean[ok]) / sd[ok]
        inside = np.abs(z) <= Z
        coverage = float(inside.mean()) if len(z) else math.nan
        rows.append(
            {
                "outcome": name,
                "runs": int(ok.sum()),
                "coverage_90": coverage,
                "z_mean": float(z.mean()) if len(z) else math.nan,
                "z_sd": float(z.std(ddof=1)) if len(z) > 1 else math.nan,
                "rmse": float(np.sqrt(np.mean((actual[ok] - mean[ok]) ** 2))),
                "mean_interval_width": float(np.mean(2 * Z * sd[ok])),
                "passed": COVERAGE_TARGET[0] <= coverage <= COVERAGE_TARGET[1],
            }
        )
        points.append(
            pd.DataFrame(
                {
                    "outcome": name,
                    "actual": actual,
                    "predicted": mean,
                    "lower_90": mean - Z * sd,
                    "upper_90": mean + Z * sd,
                    "outside_region": prediction.outside,
                }
            )
        )
    return {
        "outcomes": rows,
        "held_out_runs": len(x),
        "outside_region": int(prediction.outside.sum()),
        "coverage_target": list(COVERAGE_TARGET),
        "passed": all(r["passed"] for r in rows),
        "points": pd.concat(points, ignore_index=True),
    }


def figure(points: pd.DataFrame, rows: Sequence[Mapping[str, Any]]):
    """One panel an outcome: predicted against actual with the 90 % intervals, the
    diagonal, and the coverage in the title (red outside 85-95 %)."""
    from matplotlib.figure import Figure

    cols = min(3, len(rows))
    nrows = math.ceil(len(rows) / cols)
    fig = Figure(figsize=(4.0 * cols, 3.6 * nrows + 0.5))
    axes = np.atleast_1d(fig.subplots(nrows, cols, squeeze=False)).ravel()
    for ax, r in zip(axes, rows, strict=False):
        p = points[points["outcome"] == r["outcome"]]
        inside = p["outside_region"].to_numpy() == 0
        err = np.vstack([p["predicted"] - p["lower_90"], p["upper_90"] - p["predicted"]])
        ax.errorbar(p["actual"], p["predicted"], yerr=err, fmt="none", ecolor="#999999",
                    alpha=0.5, lw=0.8)  # fmt: skip
        ax.scatter(p["actual"][inside], p["predicted"][inside], s=9, color="#2166ac")
        ax.scatter(p["actual"][~inside], p["predicted"][~inside], s=12, color="#d6604d",
                   marker="x", label="outside training region")  # fmt: skip
        lo = float(min(p["actual"].min(), p["lower_90"].min()))
        hi = float(max(p["actual"].max(), p["upper_90"].max()))
        ax.plot([lo, hi], [lo, hi], color="#4d4d4d", lw=0.8)
        colour = "#1b7837" if r["passed"] else "#b2182b"
        ax.set_title(f"{r['outcome']}: {r['coverage_90']:.0%} inside", fontsize=9, color=colour)
        ax.set_xlabel("actual run", fontsize=8)
        ax.set_ylabel("emulator (90 % interval)", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(rows) :]:
        ax.set_visible(False)
    fig.suptitle("Emulator against held-out runs (target: 85-95 % inside)", fontsize=10)
    fig.tight_layout()
    return fig


def text_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """The validation per outcome, as aligned text."""
    head = ["outcome", "runs", "inside 90 %", "z mean", "z sd", "rmse", "result"]
    lines = [head]
    for r in rows:
        lines.append(
            [
                r["outcome"], str(r["runs"]), f"{r['coverage_90']:.1%}", f"{r['z_mean']:+.2f}",
                f"{r['z_sd']:.2f}", f"{r['rmse']:.4g}", "pass" if r["passed"] else "FAIL",
            ]
        )  # fmt: skip
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return "\n".join(
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                  enumerate(zip(line, widths, strict=True))).rstrip()
        for line in lines
    )  # fmt: skip
