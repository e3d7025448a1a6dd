"""History matching: which parameter sets cannot be ruled out, by Gaussian-process emulators.

Rejection ABC from the prior wastes almost every run when the observations are jointly
informative (of the frontier form's prior, about one run in a thousand meets every
band). Refocusing on a box around the sets accepted so far is no cure: when the first
wave accepts one or two sets, the box is a narrow cube around them, every later draw
comes from it, and every parameter looks informed because the box, not the data, said
so. History matching (Craig, Goldstein, Seheult & Smith 1997; Vernon, Goldstein &
Bower 2010; Andrianakis et al. 2015, "Bayesian history matching of complex infectious
disease models using emulation") refocuses on what the runs show instead:

1. after each wave, one Gaussian-process emulator per observation that rejected runs
   (scikit-learn's ``GaussianProcessRegressor``: constant x anisotropic RBF plus a white
   noise term, which carries the spread of a run's observation over seeds), fitted on
   that wave's runs in prior-quantile coordinates;
2. a parameter set is *implausible* for an observation when the emulator is sure its
   runs miss the band: the distance from the emulator's mean to the band, over the
   emulator's standard deviation for a new run (emulator uncertainty and run noise
   together), exceeds ``CUTOFF`` (3, Pukelsheim's three-sigma rule: at most about 5 %
   of any unimodal distribution lies more than 3 sd from its mean, a fraction of that
   on the band's side);
3. the next wave draws uniformly from the prior and keeps the draws no emulator of any
   wave rules out: the *not ruled out yet* (NROY) space, which shrinks wave by wave.

A set that is ruled out has a negligible chance that its run meets every band, so the
NROY space holds (almost) all the posterior's mass, and runs drawn uniformly from it and
accepted by the bands are draws of the same ABC posterior as rejection from the prior
would give (the prior is uniform in its quantiles). Each emulator is checked on the
next wave's runs, which it did not see: the share inside its ``CUTOFF``-sd interval is
recorded beside it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

CUTOFF = 3.0  # implausibility above which a set is ruled out (Pukelsheim's 3-sigma rule)
MIN_REJECTED_SHARE = 0.05  # an observation is emulated once it rejects this share of a wave
TRAINING_MAX = 400  # runs an emulator is fitted on at most (GP fitting costs n^3)
BATCH = 20_000  # candidates predicted at once
LOG_FLOOR = 1e-6  # levels emulated in logs (output) are floored here first
# The least run-to-run variance an emulator assumes, as a share of its observation's
# variance over the wave: without a floor, a GP fitted on a few hundred runs in 23
# dimensions can interpolate them and claim a certainty no new run shares.
NOISE_FLOOR = 1e-3


@dataclass
class ObservationEmulator:
    """One wave's emulator of one observation: its band (in the emulated scale) and GP."""

    name: str
    band: tuple[float, float]
    log: bool
    gp: Any
    kernel: str

    def transform(self, x: np.ndarray) -> np.ndarray:
        """The emulated scale: logs for levels (outputs are positive and skewed), with
        non-finite values (a growth from zero output) held at a finite extreme."""
        x = np.asarray(x, dtype=float)
        if self.log:
            return np.log(np.maximum(np.nan_to_num(x, nan=LOG_FLOOR, posinf=1e6), LOG_FLOOR))
        return np.clip(np.nan_to_num(x, nan=-1.0, posinf=10.0, neginf=-10.0), -10.0, 10.0)

    def mean_sd(self, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The emulator's mean and sd of a new run's observation at ``units``."""
        means, sds = [], []
        for start in range(0, len(units), BATCH):
            m, s = self.gp.predict(units[start : start + BATCH], return_std=True)
            means.append(m)
            sds.append(s)
        return np.concatenate(means), np.maximum(np.concatenate(sds), 1e-12)

    def implausibility(self, units: np.ndarray) -> np.ndarray:
        """How many sd the emulator's mean lies outside the band (0 inside)."""
        mean, sd = self.mean_sd(units)
        lo, hi = self.band
        return np.maximum(np.maximum(lo - mean, mean - hi), 0.0) / sd

    def coverage(self, units: np.ndarray, observed: np.ndarray) -> float:
        """The share of runs (not fitted on) inside the emulator's ``CUTOFF``-sd interval."""
        mean, sd = self.mean_sd(units)
        return float(np.mean(np.abs(self.transform(observed) - mean) <= CUTOFF * sd))


def _log_scaled(name: str) -> bool:
    return name.endswith("_bn")


def fit_wave(
    units: np.ndarray,
    observed: Sequence[dict[str, float]],
    bands: dict[str, tuple[float, float]],
    seed: int,
) -> list[ObservationEmulator]:
    """Emulators of the observations that rejected at least ``MIN_REJECTED_SHARE`` of a
    wave's runs (``units``: the runs' prior quantiles; ``bands``: each observation's
    band). An observation every run met rules nothing out and is not emulated; an exact
    one (a count: a band of width 0) is left to the acceptance rule."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(np.random.SeedSequence([int(seed)]))
    n, d = units.shape
    keep = np.sort(rng.permutation(n)[:TRAINING_MAX]) if n > TRAINING_MAX else np.arange(n)
    out = []
    for name, (lo, hi) in bands.items():
        if hi <= lo:
            continue
        values = np.array([o[name] for o in observed], dtype=float)
        inside = np.isfinite(values) & (values >= lo) & (values <= hi)
        if np.mean(~inside) < MIN_REJECTED_SHARE or len(keep) < 3:
            continue
        log = _log_scaled(name)
        em = ObservationEmulator(name, (lo, hi), log, None, "")
        if log:
            em.band = (float(np.log(max(lo, LOG_FLOOR))), float(np.log(max(hi, LOG_FLOOR))))
        y = em.transform(values[keep])
        kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(
            np.full(d, 0.5), (0.02, 100.0)
        ) + WhiteKernel(0.1, (NOISE_FLOOR, 10.0))
        gp = GaussianProcessRegressor(
            kernel, normalize_y=True, n_restarts_optimizer=0, random_state=int(seed % 2**32)
        )
        with threadpool_limits(1), warnings.catch_warnings():
            # one BLAS thread: the thread count cannot change the bits; a length scale at its upper
            # bound only says the observation does not depend on that parameter
            warnings.simplefilter("ignore", ConvergenceWarning)
            gp.fit(units[keep], y)
        em.gp = gp
        em.kernel = str(gp.kernel_)
        out.append(em)
    return out


def implausibility(emulators: Sequence[ObservationEmulator], units: np.ndarray) -> np.ndarray:
    """The largest implausibility over ``emulators`` at each row of ``units``."""
    from threadpoolctl import threadpool_limits

    worst = np.zeros(len(units))
    with threadpool_limits(1):
        for em in emulators:
            worst = np.maximum(worst, em.implausibility(units))
    return worst


def not_ruled_out(waves: Sequence[Sequence[ObservationEmulator]], units: np.ndarray) -> np.ndarray:
    """Which rows of ``units`` no emulator of any wave rules out (the NROY space)."""
    keep = np.ones(len(units), dtype=bool)
    for emulators in waves:
        idx = np.flatnonzero(keep)
        if len(idx) == 0 or not emulators:
            continue
        keep[idx] = implausibility(emulators, units[idx]) <= CUTOFF
    return keep


def draw_not_ruled_out(
    waves: Sequence[Sequence[ObservationEmulator]],
    n: int,
    d: int,
    seed: int,
    max_candidates: int = 2_000_000,
) -> tuple[np.ndarray, int]:
    """``n`` uniform draws of the prior's quantiles that no emulator rules out, in draw
    order, and how many candidates were drawn for them. Fewer than ``n`` come back when
    ``max_candidates`` draws hold fewer (the NROY space is then below n / max_candidates
    of the prior)."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed)]))
    kept: list[np.ndarray] = []
    found = 0
    drawn = 0
    while found < n and drawn < max_candidates:
        size = min(BATCH * 5, max_candidates - drawn)
        batch = rng.random((size, d))
        mask = not_ruled_out(waves, batch)
        hits = np.flatnonzero(mask)
        if found + len(hits) >= n:  # count the candidates up to the n-th kept one only
            hits = hits[: n - found]
            size = int(hits[-1]) + 1
        kept.append(batch[hits])
        found += len(hits)
        drawn += size
    units = np.concatenate(kept)[:n] if kept else np.zeros((0, d))
    return units, drawn
