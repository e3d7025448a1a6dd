"""A Gaussian-process emulator of a sweep's outcomes, and its validation on held-out runs.

A city what-if costs seconds of real runs; an emulator trained on a stored sweep answers
in milliseconds, with an interval. Each outcome (a sweep's ``<indicator>_<year>`` column,
or a function sweep's outcome) gets its own scikit-learn ``GaussianProcessRegressor``
over the sweep's varied parameters scaled to the unit box: a constant times an
anisotropic Matern 5/2 kernel, plus a ``WhiteKernel`` for what the inputs do not explain.

Replicates of one input point are averaged before the fit and the seed noise is
estimated from their spread (pooled within-point variance), given to the GP as the
known noise of each mean (``alpha``): the GP then has one row per point, not per run, so
it trains and predicts fast, and its interval for a new *run* adds the seed noise back.
Without replicates the white kernel carries the seed noise.

The emulator keeps its training region (each input's min and max) and flags every
prediction outside it: a GP's answer there is an extrapolation. ``validate`` compares its
90 % predictive intervals with runs it did not see; the target share inside is 85-95 %.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rainforest.scenarios.errors import ScenarioError

LEVEL = 0.90  # the predictive intervals' probability
Z = 1.6448536269514722  # the standard normal's 95 % quantile: a central 90 % interval
COVERAGE_TARGET = (0.85, 0.95)
HYPER_POINTS = 300  # points the kernel's hyperparameters are fitted on, at most
MAX_POINTS = 600  # points the GP conditions on, at most: a prediction costs O(points^2)
RESTARTS = 0  # extra optimiser starts per outcome (each costs a fit)
MODEL_FILE = "emulator.joblib"
ABOUT_FILE = "emulator.json"
FORMAT = "rainforest-emulator/1"
RUN_COLUMNS = ("run", "sample", "replicate", "seed", "error")


@dataclass
class Prediction:
    """Predictions for a table of input points: the mean and sd of a new run's outcome,
    the 90 % interval, and whether each point lies outside the training region."""

    mean: pd.DataFrame
    sd: pd.DataFrame
    outside: np.ndarray  # bool, one per point
    outside_inputs: list[list[str]]  # per point, the inputs beyond the region

    @property
    def lower(self) -> pd.DataFrame:
        return self.mean - Z * self.sd

    @property
    def upper(self) -> pd.DataFrame:
        return self.mean + Z * self.sd


@dataclass
class Emulator:
    """One fitted GP an outcome over ``inputs``, with the region it was trained on."""

    inputs: list[str]
    outputs: list[str]
    low: np.ndarray
    high: np.ndarray
    models: dict[str, Any]  # outcome -> fitted GaussianProcessRegressor
    run_noise_sd: dict[str, float]  # seed noise added to the GP's sd for a new run
    about: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ fit

    @classmethod
    def fit(
        cls,
        x: pd.DataFrame,
        y: pd.DataFrame,
        about: Mapping[str, Any] | None = None,
        seed: int = 0,
    ) -> Emulator:
        """Fit one GP per column of ``y`` on the inputs ``x`` (one row per run)."""
        from sklearn.exceptions import ConvergenceWarning

        start = time.perf_counter()
        inputs, outputs = [str(c) for c in x.columns], [str(c) for c in y.columns]
        xv = x.to_numpy(dtype=float)
        yv = y.to_numpy(dtype=float)
        keep = np.isfinite(xv).all(axis=1) & np.isfinite(yv).all(axis=1)
        xv, yv = xv[keep], yv[keep]
        if len(xv) < 4:
            raise ScenarioError(f"emulator: {len(xv)} usable runs; at least 4 are needed")
        low, high = xv.min(axis=0), xv.max(axis=0)
        if np.any(high <= low):
            flat = [n for n, lo, hi in zip(inputs, low, high, strict=True) if hi <= lo]
            raise ScenarioError(f"emulator: inputs {flat} do not vary in the training runs")
        points, group = np.unique(xv, axis=0, return_inverse=True)
        group = group.ravel()
        counts = np.bincount(group).astype(float)
        unit = (points - low) / (high - low)
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(points))
        hyper = np.sort(order[:HYPER_POINTS])
        used = np.sort(order[:MAX_POINTS])
        models, noise = {}, {}
        import warnings

        for j, name in enumerate(outputs):
            means = np.bincount(group, weights=yv[:, j]) / counts
            resid = yv[:, j] - means[group]
            dof = len(yv) - len(points)
            run_var = float(resid @ resid / dof) if dof > 0 else 0.0
            scale = float(np.std(means)) or 1.0
            alpha = np.maximum(run_var / counts / scale**2, 1e-10)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                gp = _regressor(len(inputs), alpha[hyper], seed)
                gp.fit(unit[hyper], means[hyper])
                if len(hyper) < len(used):  # the found kernel, on every point used
                    gp = _regressor(len(inputs), alpha[used], seed, kernel=gp.kernel_)
                    gp.fit(unit[used], means[used])
            models[name] = gp
            noise[name] = math.sqrt(run_var)
        info = dict(about or {})
        info.update(
            runs=int(len(xv)),
            points=int(len(points)),
            points_used=int(len(used)),
            fit_seconds=round(time.perf_counter() - start, 3),
        )
        return cls(inputs, outputs, low, high, models, noise, info)

    # -------------------------------------------------------------- predict

    def region(self) -> dict[str, dict[str, float]]:
        """The training region: each input's min and max over the training runs."""
        return {
            n: {"min": float(lo), "max": float(hi)}
            for n, lo, hi in zip(self.inputs, self.low, self.high, strict=True)
        }

    def _matrix(self, x: pd.DataFrame | Mapping[str, Any]) -> np.ndarray:
        if isinstance(x, Mapping):
            x = pd.DataFrame([dict(x)])
        missing = [n for n in self.inputs if n not in x.columns]
        if missing:
            raise ScenarioError(f"emulator: no value for inputs {missing}")
        return x[self.inputs].to_numpy(dtype=float)

    def predict_array(self, xv: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mean, sd) of a new run, each points x outcomes, and the out-of-region flag
        per point, for an array of input points (columns in ``inputs`` order)."""
        xv = np.atleast_2d(np.asarray(xv, dtype=float))
        unit = (xv - self.low) / (self.high - self.low)
        mean = np.empty((len(xv), len(self.outputs)))
        sd = np.empty_like(mean)
        for j, name in enumerate(self.outputs):
            m, s = self.models[name].predict(unit, return_std=True)
            mean[:, j] = m
            sd[:, j] = np.sqrt(s**2 + self.run_noise_sd[name] ** 2)
        return mean, sd, ((xv < self.low) | (xv > self.high)).any(axis=1)

    def predict_point(self, values: Mapping[str, float]) -> dict[str, Any]:
        """One point's prediction of every outcome: ``{outcome: (mean, lower, upper)}``
        of the 90 % interval, and ``outside``: the inputs beyond the training region."""
        missing = [n for n in self.inputs if n not in values]
        if missing:
            raise ScenarioError(f"emulator: no value for inputs {missing}")
        xv = np.array([[float(values[n]) for n in self.inputs]])
        mean, sd, _ = self.predict_array(xv)
        out = {
            name: (float(mean[0, j]), float(mean[0, j] - Z * sd[0, j]),
                   float(mean[0, j] + Z * sd[0, j]))
            for j, name in enumerate(self.outputs)
        }  # fmt: skip
        beyond = (xv[0] < self.low) | (xv[0] > self.high)
        return {"outcomes": out, "outside": [self.inputs[k] for k in np.flatnonzero(beyond)]}

    def predict(self, x: pd.DataFrame | Mapping[str, Any]) -> Prediction:
        """Every outcome's mean and sd for a new run at each row of ``x`` (or one point,
        a mapping), and the flag of points outside the training region."""
        xv = self._matrix(x)
        mean, sd, outside = self.predict_array(xv)
        beyond = (xv < self.low) | (xv > self.high)
        names = [[self.inputs[k] for k in np.flatnonzero(row)] for row in beyond]
        return Prediction(
            pd.DataFrame(mean, columns=self.outputs),
            pd.DataFrame(sd, columns=self.outputs),
            outside,
            names,
        )

    # ------------------------------------------------------------ save/load

    def describe(self) -> dict[str, Any]:
        """What ``emulator.json`` holds: inputs, outputs, region, kernels, provenance."""
        return {
            "format": FORMAT,
            "inputs": self.inputs,
            "outputs": self.outputs,
            "region": self.region(),
            "kernels": {n: str(gp.kernel_) for n, gp in self.models.items()},
            "run_noise_sd": self.run_noise_sd,
            "interval": {"level": LEVEL, "z": Z},
            **self.about,
        }

    def save(self, folder: str | Path) -> list[Path]:
        """The fitted models (joblib) and ``emulator.json``, written as one set."""
        import io

        import joblib
        from rainforest.experiments.files import write_files
        from rainforest.experiments.studies.analysis_dir import plain

        buffer = io.BytesIO()
        joblib.dump({"format": FORMAT, "emulator": self}, buffer)
        text = json.dumps(plain(self.describe()), indent=2, allow_nan=False) + "\n"
        files = {MODEL_FILE: buffer.getvalue(), ABOUT_FILE: text.encode("utf-8")}
        return write_files(Path(folder), files)

    @classmethod
    def load(cls, folder: str | Path) -> Emulator:
        """An emulator ``save`` wrote. The joblib file is a pickle: load only your own."""
        import joblib

        path = Path(folder) / MODEL_FILE
        if not path.is_file():
            raise ScenarioError(f"{folder}: not an emulator folder (no {MODEL_FILE})")
        data = joblib.load(path)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ScenarioError(f"{path}: not a {FORMAT} file")
        return data["emulator"]


def _regressor(dims: int, alpha: np.ndarray, seed: int, kernel=None):
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    if kernel is None:
        kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(
            length_scale=np.full(dims, 0.5), length_scale_bounds=(1e-2, 1e2), nu=2.5
        ) + WhiteKernel(1e-2, (1e-8, 1e1))
        return GaussianProcessRegressor(
            kernel, alpha=alpha, normalize_y=True, n_restarts_optimizer=RESTARTS,
            random_state=seed,
        )  # fmt: skip
    return GaussianProcessRegressor(kernel, alpha=alpha, normalize_y=True, optimizer=None)


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
    about = {
        "source": str(folder),
        "sweep": manifest.name,
        "manifest_hash": manifest.identity,
        "sweep_sha256": manifest.sweep_sha256,
        "code_version": dict(manifest.code),
        "scale": manifest.scale,
        "function": manifest.function,
        "left_out": left,
    }
    return Emulator.fit(runs[inputs], runs[found], about, seed=seed)


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


def prediction_seconds(emulator: Emulator, repeats: int = 200) -> float:
    """The median time of one prediction of every outcome at one point (the region's
    centre): what a what-if slider waits for."""
    centre = dict(zip(emulator.inputs, (emulator.low + emulator.high) / 2, strict=True))
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        emulator.predict_point(centre)
        times.append(time.perf_counter() - t)
    return float(np.median(times))


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
