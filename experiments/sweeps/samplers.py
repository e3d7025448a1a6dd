"""The sample table of a sweep: which parameter values each sample runs with.

Samplers draw points in the unit cube (scipy.stats.qmc for Latin hypercubes, SALib for
Sobol' and Morris designs, which the sensitivity analyses need in their own layout) and
map each coordinate onto a parameter's values through its distribution. The grid takes
the product of every parameter's levels; the list sampler takes the sweep file's rows as
they are. Every sampler is seeded by the sweep's root seed, so a sweep file always gives
the same table.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from rainforest.experiments.sweeps.spec import Sweep


@dataclass(frozen=True)
class SampleTable:
    """One dict of parameter values per sample; ``unit`` holds the unit-cube design."""

    columns: tuple[str, ...]
    values: list[dict[str, Any]]
    unit: np.ndarray | None = None  # (samples, parameters) for lhs, sobol and morris

    def __len__(self) -> int:
        return len(self.values)


def salib_problem(sweep: Sweep) -> dict[str, Any]:
    """The SALib problem over the unit cube: values come from each parameter's mapping."""
    names = [p.path for p in sweep.parameters]
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def unit_design(sweep: Sweep) -> np.ndarray:
    """The sampler's points in the unit cube, one row per sample."""
    d = len(sweep.parameters)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if sweep.sampler == "lhs":
            from scipy.stats import qmc

            rng = np.random.default_rng(sweep.seed)
            return qmc.LatinHypercube(d=d, rng=rng).random(sweep.samples)
        if sweep.sampler == "sobol":
            from SALib.sample import sobol

            return sobol.sample(
                salib_problem(sweep), sweep.samples,
                calc_second_order=sweep.second_order, scramble=True, seed=sweep.seed,
            )  # fmt: skip
        if sweep.sampler == "morris":
            from SALib.sample import morris

            return morris.sample(
                salib_problem(sweep), sweep.samples, num_levels=sweep.morris_levels,
                seed=sweep.seed,
            )  # fmt: skip
    raise ValueError(f"the {sweep.sampler} sampler has no unit-cube design")


def sample_table(sweep: Sweep) -> SampleTable:
    """Every sample's parameter values, in sample order."""
    columns = sweep.columns
    if sweep.sampler == "list":
        return SampleTable(columns, [dict(row) for row in sweep.rows or ()])
    if sweep.sampler == "grid":
        axes = [p.grid_values() for p in sweep.parameters]
        values = [dict(zip(columns, point, strict=True)) for point in itertools.product(*axes)]
        return SampleTable(columns, values)
    unit = unit_design(sweep)
    values = [
        {p.path: p.from_unit(float(u)) for p, u in zip(sweep.parameters, row, strict=True)}
        for row in unit
    ]
    return SampleTable(columns, values, unit)


def sample_count(sweep: Sweep) -> int:
    """How many samples the sampler gives, without drawing them."""
    d = len(sweep.parameters)
    if sweep.sampler == "list":
        return len(sweep.rows or ())
    if sweep.sampler == "grid":
        # the most points the axes can give, counted before any axis is built: a grid
        # over the sweep limit is refused without allocating it
        most = math.prod(
            len(p.levels) if p.levels is not None else int(p.steps or 1) for p in sweep.parameters
        )
        from rainforest.experiments.sweeps.runner import MAX_RUNS

        if most > MAX_RUNS:
            return most
        return math.prod(len(p.grid_values()) for p in sweep.parameters)
    if sweep.sampler == "sobol":
        return sweep.samples * ((2 * d + 2) if sweep.second_order else (d + 2))
    if sweep.sampler == "morris":
        return sweep.samples * (d + 1)
    return int(sweep.samples)
