"""The Python API behind ``import rainforest as rf``: runs, sweeps and their results.

A notebook should get the numbers ``rainforest run`` prints without going through the
command line, and the same numbers: ``run`` uses the same seeds (``run_replicates``), the
same summary (``summary_dict``) and the same figures (``viz.figures``) as the CLI, so a
result in a notebook can be checked against a result file and back.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rainforest.scenarios.loader import load_scenario
from rainforest.scenarios.overrides import apply_overrides
from rainforest.scenarios.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure
    from rainforest.experiments.run import RunResult


@dataclass(frozen=True)
class RunSet:
    """Replicates of one scenario, and what a notebook asks of them.

    ``summary`` is the dict ``rainforest run --json`` prints; ``scorecard()`` is it as a
    table; ``frame`` holds every replicate's indicators, quarter by quarter.
    """

    scenario: Scenario
    seed: int  # the root seed the replicates' seeds are derived from
    results: tuple[RunResult, ...] = field(repr=False)

    @property
    def seeds(self) -> list[int]:
        """Each replicate's own seed (``run_one(scenario, seed)`` reproduces it)."""
        return [r.seed for r in self.results]

    @cached_property
    def summary(self) -> dict[str, Any]:
        """Median, 5-95 % band and reach probability of every indicator in the report
        year, as plain data: the same dict as ``rainforest run --json``."""
        from rainforest.experiments.scorecard import summary_dict

        return summary_dict(self.results, self.seed)

    def scorecard(self) -> pd.DataFrame:
        """One row per indicator (targeted ones first): indicator, target, unit, median,
        p05, p95 and reach_probability in the report year."""
        from rainforest.experiments.scorecard import scorecard_frame

        return scorecard_frame(self.summary)

    @cached_property
    def frame(self) -> pd.DataFrame:
        """Every replicate's indicators, one row per quarter: scenario, replicate, seed,
        tick, year, quarter, then one column per indicator (as indicators.parquet)."""
        from rainforest.experiments.run_files import replicates_frame

        return replicates_frame(self.results)

    def fan_chart(self, indicator: str = "output_value_bn") -> Figure:
        """The median and 5-95 % band of ``indicator`` over the replicates, quarter by
        quarter, against its target (a matplotlib Figure; the CLI's fan_chart.png)."""
        from rainforest.viz.figures import fan_chart

        return fan_chart({self.scenario.name: [r.indicators for r in self.results]}, indicator)


def _scenario(scenario: str | os.PathLike[str] | Scenario) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def run(
    scenario: str | os.PathLike[str] | Scenario = "action_plan",
    replicates: int = 1,
    scale: str | None = None,
    seed: int = 0,
    overrides: Mapping[str, Any] | None = None,
    posterior: bool = False,
    draws: int = 10,
) -> RunSet:
    """Run ``replicates`` replicates of ``scenario`` (a built-in name, a file or a
    Scenario) and return them as a RunSet.

    The defaults are ``rainforest run``'s, and so are the numbers: the same arguments
    give the same seeds and the same summary. ``overrides`` sets values by dotted path
    (``{"plans.array.budget_bn": 2.0}``, see ``scenarios.overrides``); ``scale``, when
    given, is applied after them. ``posterior=True`` runs ``replicates`` replicates on
    each of ``draws`` accepted sets of the posterior ensemble, as ``rainforest run
    --posterior --draws``; the summary then carries the draws used under "posterior".
    """
    from rainforest.experiments.run import run_replicates

    if posterior:
        from rainforest.experiments.posterior import run_posterior

        results, info = run_posterior(
            _scenario(scenario), draws, replicates, seed, overrides, scale
        )
        runs = RunSet(results[0].scenario, int(seed), tuple(results))
        runs.summary["posterior"] = info.to_dict()
        return runs
    base = _scenario(scenario)
    if overrides:
        base = apply_overrides(base, overrides)
    if scale is not None:
        base = apply_overrides(base, {"scale": scale})
    return RunSet(base, int(seed), tuple(run_replicates(base, replicates, seed)))


def sweep(
    file: str | os.PathLike[str],
    out: str | os.PathLike[str],
    workers: int | None = None,
    chunk_size: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Run a sweep file (or a shipped sweep, by name) into the results folder ``out`` and
    return its results, one row per run (``load_results``).

    As ``rainforest sweep``: runs go to ``workers`` local processes (default: the CPUs),
    a folder that already holds part of the same sweep is finished rather than redone,
    and a run that raises is kept with its error. The summary of what ran is in the
    frame's ``attrs["sweep"]``; failed runs have their message in the ``error`` column.
    """
    from rainforest.experiments.sweeps.executors import LocalExecutor
    from rainforest.experiments.sweeps.runner import run_sweep
    from rainforest.experiments.sweeps.spec import load_sweep

    spec = load_sweep(file)
    count = workers or os.cpu_count() or 1
    shown = None
    if progress:
        from rainforest.experiments.sweeps.progress import PlainProgress

        shown = PlainProgress()
    summary = run_sweep(
        spec, Path(out), lambda: LocalExecutor(count), chunk_size=chunk_size, progress=shown
    )
    frame = load_results(out)
    frame.attrs["sweep"] = summary.to_dict()
    return frame


def load_results(path: str | os.PathLike[str], columns: list[str] | None = None) -> pd.DataFrame:
    """A sweep's results folder as one DataFrame, one row per finished run, in run order:
    run, sample, replicate, seed, the sample's parameters, ``<indicator>_<year>``, error."""
    from rainforest.experiments.sweeps.storage import load_results as load

    return load(path, columns=columns)
