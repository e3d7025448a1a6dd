"""A Gaussian-process stand-in for runs: a what-if answered in milliseconds, with its interval.

A city what-if costs seconds of real runs; an emulator trained on stored runs answers in
milliseconds. Each outcome gets its own scikit-learn ``GaussianProcessRegressor`` over the
inputs scaled to the unit box: a constant times an anisotropic Matern 5/2 kernel, plus a
``WhiteKernel`` for what the inputs do not explain.

Replicates of one input point are averaged before the fit and the seed noise is estimated
from their spread (pooled within-point variance), given to the GP as the known noise of
each mean (``alpha``): the GP then has one row per point, not per run, so it trains and
predicts fast, and its interval for a new *run* adds the seed noise back. Without
replicates the white kernel carries the seed noise.

The emulator keeps its training region (each input's min and max) and flags every
prediction outside it: a GP's answer there is an extrapolation.

It is stored as data, not as a pickle: ``emulator.json`` (inputs, outputs, region, each
kernel's hyperparameters, provenance) and ``emulator.npz`` (the points it conditions on),
read with ``allow_pickle=False``; loading re-conditions each GP on its points with the
stored hyperparameters (no optimisation), which gives the same predictions. A file from
elsewhere can therefore be read without running its code.

It lives with the runs because the view's what-if (``viz``) asks it before the real runs
answer; the studies that train and validate it on sweeps are in
``experiments/studies/emulator.py``.
"""

from __future__ import annotations

import io
import json
import math
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rainforest.runs.json_data import plain
from rainforest.scenarios.errors import ScenarioError

LEVEL = 0.90  # the predictive intervals' probability
Z = 1.6448536269514722  # the standard normal's 95 % quantile: a central 90 % interval
HYPER_POINTS = 300  # points the kernel's hyperparameters are fitted on, at most
MAX_POINTS = 600  # points the GP conditions on, at most: a prediction costs O(points^2)
RESTARTS = 0  # extra optimiser starts per outcome (each costs a fit)
# The shortest length scale, in units of an input's range. With one run a point, a
# shorter one lets the GP read the seed noise as signal (it interpolates the runs, and its
# intervals for new runs are too narrow); a policy response that turns on a tenth of a
# slider's range is not one the model's mechanisms make.
MIN_LENGTH_SCALE = 0.1
ABOUT_FILE = "emulator.json"
ARRAYS_FILE = "emulator.npz"
FORMAT = "rainforest-emulator/2"


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
    warps: dict[str, str] = field(default_factory=dict)  # input -> a WARPS name

    def unit(self, xv: np.ndarray) -> np.ndarray:
        """Input points (columns in ``inputs`` order) in the GP's unit box: each input
        warped (``warps``), then scaled by the warped region."""
        xw, low, high = (
            _warp(xv, self.inputs, self.warps),
            *(_warp(b[None, :], self.inputs, self.warps)[0] for b in (self.low, self.high)),
        )
        return (xw - low) / (high - low)

    # ------------------------------------------------------------------ fit

    @classmethod
    def fit(
        cls,
        x: pd.DataFrame,
        y: pd.DataFrame,
        about: Mapping[str, Any] | None = None,
        seed: int = 0,
        bounds: tuple[Sequence[float], Sequence[float]] | None = None,
        warps: Mapping[str, str] | None = None,
    ) -> Emulator:
        """Fit one GP per column of ``y`` on the inputs ``x`` (one row per run).

        The training region is the runs' min and max of each input, or ``bounds`` (low,
        high) where the runs were drawn to cover a known box: a design's box, whose edges
        a finite sample never quite reaches. ``warps`` names inputs the GP sees through a
        monotone warp (``"sqrt"``: a budget whose first units do most, so that the GP's
        one length scale fits a response that flattens)."""
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
        if bounds is not None:
            low, high = np.asarray(bounds[0], dtype=float), np.asarray(bounds[1], dtype=float)
            if low.shape != (len(inputs),) or high.shape != (len(inputs),):
                raise ScenarioError(f"emulator: bounds need {len(inputs)} lows and highs")
            if np.any(xv < low) or np.any(xv > high):
                raise ScenarioError("emulator: training runs lie outside the bounds given")
        if np.any(high <= low):
            flat = [n for n, lo, hi in zip(inputs, low, high, strict=True) if hi <= lo]
            raise ScenarioError(f"emulator: inputs {flat} do not vary in the training runs")
        warps = dict(warps or {})
        unknown = [n for n, w in warps.items() if n not in inputs or w not in WARPS]
        if unknown:
            raise ScenarioError(f"emulator: warps {unknown} name no input or no warp")
        if warps and np.any(low[[inputs.index(n) for n in warps]] < 0):
            raise ScenarioError("emulator: a warped input must not be negative")
        points, group = np.unique(xv, axis=0, return_inverse=True)
        group = group.ravel()
        counts = np.bincount(group).astype(float)
        unit = cls(inputs, outputs, low, high, {}, {}, {}, warps).unit(points)
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(points))
        hyper = np.sort(order[:HYPER_POINTS])
        used = np.sort(order[:MAX_POINTS])
        models, noise = {}, {}
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
        return cls(inputs, outputs, low, high, models, noise, info, warps)

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
        unit = self.unit(xv)
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

    def predict_difference(
        self, a: Mapping[str, float], b: Mapping[str, float]
    ) -> dict[str, tuple[float, float, float]]:
        """The expected difference of each outcome between points ``a`` and ``b`` (a
        plan's effect when ``b`` is ``a`` without it): ``(mean, lower, upper)`` of its
        90 % interval, from the GP's joint distribution at the two points. The interval
        is for the expected difference, over seeds; it leaves out the seed noise of a
        single pair of runs."""
        return {name: pair["difference"] for name, pair in self.predict_pair(a, b).items()}

    def predict_pair(self, a: Mapping[str, float], b: Mapping[str, float]) -> dict[str, Any]:
        """Both points' predictions and their difference, from one GP call an outcome:
        per outcome, ``a`` and ``b`` (``(mean, lower, upper)`` of the 90 % interval for a
        new run, as ``predict_point``) and ``difference`` (as ``predict_difference``).
        What a what-if asks at each slider move, at half the cost of asking separately."""
        missing = [n for n in self.inputs if n not in a or n not in b]
        if missing:
            raise ScenarioError(f"emulator: no value for inputs {missing}")
        xv = np.array([[float(p[n]) for n in self.inputs] for p in (a, b)])
        unit = self.unit(xv)
        out = {}
        for name in self.outputs:
            gp = self.models[name]
            mean, cov = gp.predict(unit, return_cov=True)
            white = _white_noise(gp.kernel_) * float(np.mean(gp._y_train_std)) ** 2
            run_sd = np.sqrt(np.maximum(np.diag(cov), 0.0) + self.run_noise_sd[name] ** 2)
            latent = cov - white * np.eye(2)
            diff = float(mean[0] - mean[1])
            sd = math.sqrt(max(float(latent[0, 0] + latent[1, 1] - 2 * latent[0, 1]), 0.0))
            out[name] = {
                side: (float(mean[k]), float(mean[k] - Z * run_sd[k]),
                       float(mean[k] + Z * run_sd[k]))
                for k, side in enumerate(("a", "b"))
            }  # fmt: skip
            out[name]["difference"] = (diff, diff - Z * sd, diff + Z * sd)
        return out

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
            "kernel_theta": {n: gp.kernel_.theta.tolist() for n, gp in self.models.items()},
            "run_noise_sd": self.run_noise_sd,
            "warps": self.warps,
            "interval": {"level": LEVEL, "z": Z},
            **self.about,
        }

    def files(self) -> dict[str, bytes]:
        """The emulator as two files' bytes, ``emulator.json`` and ``emulator.npz``."""
        arrays: dict[str, np.ndarray] = {"low": self.low, "high": self.high}
        first = np.asarray(self.models[self.outputs[0]].X_train_, dtype=float)
        shared = all(np.array_equal(self.models[n].X_train_, first) for n in self.outputs)
        if shared:  # the usual case: every outcome conditioned on the same points
            arrays["x"] = first
        for j, name in enumerate(self.outputs):
            gp = self.models[name]
            if not shared:
                arrays[f"x_{j}"] = np.asarray(gp.X_train_, dtype=float)
            arrays[f"y_{j}"] = np.asarray(gp.y_train_, dtype=float) * gp._y_train_std + (
                gp._y_train_mean
            )
            arrays[f"alpha_{j}"] = np.broadcast_to(
                np.asarray(gp.alpha, dtype=float), (len(gp.X_train_),)
            ).copy()
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        text = json.dumps(plain(self.describe()), indent=2, allow_nan=False) + "\n"
        return {ABOUT_FILE: text.encode("utf-8"), ARRAYS_FILE: buffer.getvalue()}

    @classmethod
    def load(cls, folder: str | Path) -> Emulator:
        """An emulator ``files`` wrote into ``folder``. Nothing in it is executed: the
        arrays are read without pickles and the kernels rebuilt from their numbers."""
        folder = Path(folder)
        about_path, arrays_path = folder / ABOUT_FILE, folder / ARRAYS_FILE
        if not about_path.is_file() or not arrays_path.is_file():
            raise ScenarioError(
                f"{folder}: not an emulator folder (it needs {ABOUT_FILE} and {ARRAYS_FILE})"
            )
        try:
            about = json.loads(about_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ScenarioError(f"{about_path}: not JSON ({exc})") from None
        if not isinstance(about, dict) or about.get("format") != FORMAT:
            raise ScenarioError(f"{about_path}: not a {FORMAT} file; train the emulator again")
        try:
            with np.load(arrays_path, allow_pickle=False) as data:
                arrays = {k: np.asarray(data[k], dtype=float) for k in data.files}
            inputs = [str(n) for n in about["inputs"]]
            outputs = [str(n) for n in about["outputs"]]
            noise = {n: float(about["run_noise_sd"][n]) for n in outputs}
            models = {}
            for j, name in enumerate(outputs):
                x = arrays[f"x_{j}"] if f"x_{j}" in arrays else arrays["x"]
                y, alpha = arrays[f"y_{j}"], arrays[f"alpha_{j}"]
                if x.ndim != 2 or x.shape[1] != len(inputs) or len(y) != len(x):
                    raise ValueError(f"the points of {name!r} do not match its inputs")
                theta = np.asarray(about["kernel_theta"][name], dtype=float)
                models[name] = _conditioned(len(inputs), theta, x, y, alpha)
            low, high = arrays["low"], arrays["high"]
            warps = {str(k): str(v) for k, v in dict(about.get("warps") or {}).items()}
            if any(n not in inputs or w not in WARPS for n, w in warps.items()):
                raise ValueError(f"unknown warps {warps}")
        except (KeyError, ValueError, TypeError, OSError) as exc:
            raise ScenarioError(f"{folder}: a damaged emulator ({exc})") from None
        if low.shape != (len(inputs),) or high.shape != (len(inputs),) or np.any(high <= low):
            raise ScenarioError(f"{folder}: a damaged emulator (its training region)")
        kept = {
            k: v
            for k, v in about.items()
            if k not in ("format", "inputs", "outputs", "region", "kernels", "kernel_theta",
                         "run_noise_sd", "interval", "warps")
        }  # fmt: skip
        return cls(inputs, outputs, low, high, models, noise, kept, warps)


WARPS = {"sqrt": np.sqrt}


def _warp(xv: np.ndarray, inputs: Sequence[str], warps: Mapping[str, str]) -> np.ndarray:
    """``xv`` with each warped input's column through its warp."""
    if not warps:
        return xv
    out = np.array(xv, dtype=float, copy=True)
    for name, warp in warps.items():
        j = inputs.index(name)
        out[:, j] = WARPS[warp](np.maximum(out[:, j], 0.0))
    return out


def _white_noise(kernel) -> float:
    """The noise level of the white kernels in ``kernel`` (a sum of kernels)."""
    from sklearn.gaussian_process.kernels import KernelOperator, WhiteKernel

    if isinstance(kernel, WhiteKernel):
        return float(kernel.noise_level)
    if isinstance(kernel, KernelOperator) and type(kernel).__name__ == "Sum":
        return _white_noise(kernel.k1) + _white_noise(kernel.k2)
    return 0.0


def _default_kernel(dims: int):
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    return ConstantKernel(1.0, (1e-3, 1e3)) * Matern(
        length_scale=np.full(dims, 0.5), length_scale_bounds=(MIN_LENGTH_SCALE, 1e2), nu=2.5
    ) + WhiteKernel(1e-2, (1e-8, 1e1))


def _regressor(dims: int, alpha: np.ndarray, seed: int, kernel=None):
    from sklearn.gaussian_process import GaussianProcessRegressor

    if kernel is None:
        return GaussianProcessRegressor(
            _default_kernel(dims), alpha=alpha, normalize_y=True,
            n_restarts_optimizer=RESTARTS, random_state=seed,
        )  # fmt: skip
    return GaussianProcessRegressor(kernel, alpha=alpha, normalize_y=True, optimizer=None)


def _conditioned(dims: int, theta: np.ndarray, x: np.ndarray, y: np.ndarray, alpha: np.ndarray):
    """A GP with the kernel of hyperparameters ``theta`` conditioned on (x, y)."""
    kernel = _default_kernel(dims)
    if theta.shape != kernel.theta.shape:
        raise ValueError(f"{len(theta)} kernel hyperparameters, {len(kernel.theta)} expected")
    gp = _regressor(dims, alpha, 0, kernel=kernel.clone_with_theta(theta))
    return gp.fit(x, y)


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
