"""The Python API behind ``import rainforest as rf``: runs, sweeps and their results.

A notebook gets the numbers ``rainforest run`` prints, the same ones: both resolve and
run their request through the one door (``rainforest.runs``), and draw the same figures
(``viz.figures``), so a result in a notebook can be checked against a result file and
back.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rainforest.runs.request import DEFAULT_REPLICATES, DEFAULT_SCENARIO, DEFAULT_SEED
from rainforest.runs.request import RunSet as _RunSet
from rainforest.scenarios.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


class RunSet(_RunSet):
    """A request's runs, and what a notebook asks of them (``rainforest.runs.RunSet``):
    ``summary`` is the dict ``rainforest run --json`` prints, ``scorecard()`` it as a
    table, ``frame`` every run's indicators quarter by quarter, and ``fan_chart()`` the
    CLI's fan chart."""

    def fan_chart(self, indicator: str = "output_value_bn") -> Figure:
        """The median and 5-95 % band of ``indicator`` over the runs, quarter by quarter,
        against its target (a matplotlib Figure; the CLI's fan_chart.png)."""
        from rainforest.viz.figures import fan_chart

        return fan_chart({self.scenario.name: [r.indicators for r in self.results]}, indicator)


MAIN_GUARD_MESSAGE = (
    "rf.sweep: its worker processes could not start. Each worker is a fresh Python that "
    "imports your script again; a script must call rf.sweep under "
    'if __name__ == "__main__": (put the call inside that block), or each worker tries '
    "to start a sweep of its own"
)


class SweepWorkersError(RuntimeError):
    """``sweep``'s worker processes could not start (most often: the calling script has
    no ``if __name__ == "__main__":`` guard)."""


def _in_worker_start_up() -> bool:
    """Whether this process is a spawned worker still importing its parent's main script
    (multiprocessing's own test before it refuses to start a process from there)."""
    import multiprocessing

    return bool(getattr(multiprocessing.current_process(), "_inheriting", False))


def run(
    scenario: str | os.PathLike[str] | Scenario = DEFAULT_SCENARIO,
    replicates: int = DEFAULT_REPLICATES,
    scale: str | None = None,
    seed: int = DEFAULT_SEED,
    overrides: Mapping[str, Any] | None = None,
    posterior: bool = False,
    draws: int | None = None,
    ensemble: str | os.PathLike[str] | None = None,
) -> RunSet:
    """Run ``replicates`` replicates of ``scenario`` (a built-in name, a file or a
    Scenario) and return them as a RunSet.

    This is ``rainforest run`` (both go through ``rainforest.runs.resolve_request``): the
    same arguments give the same request, seeds and summary. The scale is ``scale`` if
    given, else the scenario file's own, else city; ``overrides`` sets values by dotted
    path (``{"plans.array.budget_bn": 2.0}``, see ``scenarios.overrides``) and changes
    nothing else. ``posterior=True`` runs ``replicates`` replicates on each of ``draws``
    (default 10) accepted sets of the posterior ensemble, as ``rainforest run --posterior
    --draws``; the summary then carries the draws used under "posterior".
    """
    from rainforest.runs import resolve_request, run_request

    request = resolve_request(
        scenario, overrides=overrides, scale=scale, seed=seed, replicates=replicates,
        posterior=posterior, draws=draws, ensemble=ensemble,
    )  # fmt: skip
    done = run_request(request)
    return RunSet(done.request, done.results)


def _check_sweep_arguments(file: Any, out: Any, workers: Any, chunk_size: Any) -> None:
    """``sweep``'s arguments checked before anything starts: one ScenarioError naming the
    argument."""
    from rainforest.scenarios.errors import ScenarioError

    for name, value in (("file", file), ("out", out)):
        if not isinstance(value, str | os.PathLike) or not str(value):
            raise ScenarioError(f"{name}: a file or folder path, got {value!r}")
    for name, value in (("workers", workers), ("chunk_size", chunk_size)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise ScenarioError(f"{name}: must be a whole number, got {value!r}")
        if not 1 <= value <= 4096:
            raise ScenarioError(f"{name}: must be within 1 and 4096, got {value}")


def sweep(
    file: str | os.PathLike[str],
    out: str | os.PathLike[str],
    workers: int | None = None,
    chunk_size: int | None = None,
    progress: bool = False,
    allow_modules: tuple[str, ...] | list[str] = (),
) -> pd.DataFrame:
    """Run a sweep file (or a shipped sweep, by name) into the results folder ``out`` and
    return its results, one row per run (``load_results``).

    As ``rainforest sweep``: runs go to ``workers`` local processes (default: the CPUs),
    a folder that already holds part of the same sweep is finished rather than redone,
    and a run that raises is kept with its error. The summary of what ran is in the
    frame's ``attrs["sweep"]``; failed runs have their message in the ``error`` column.
    Nothing is printed unless ``progress`` asks for progress lines (on stderr).

    A sweep file that names a function runs it: sweep files are code. It may name the
    package's sweep functions, or those of a module in ``allow_modules`` (allow only a
    module, and a file, you trust).

    The workers are fresh Python processes that import the calling script again, so a
    script must call ``sweep`` under ``if __name__ == "__main__":``; where it does not,
    or the workers cannot start for another reason, ``sweep`` raises
    ``SweepWorkersError`` instead of returning an empty frame.
    """
    from rainforest.experiments.sweeps.executors import LocalExecutor
    from rainforest.experiments.sweeps.runner import run_sweep
    from rainforest.experiments.sweeps.spec import load_sweep

    if _in_worker_start_up():  # a worker importing a script that lacks the guard
        raise SweepWorkersError(MAIN_GUARD_MESSAGE)
    _check_sweep_arguments(file, out, workers, chunk_size)
    if isinstance(allow_modules, str) or not all(isinstance(m, str) for m in allow_modules):
        from rainforest.scenarios.errors import ScenarioError

        raise ScenarioError(f"allow_modules: a list of module names, got {allow_modules!r}")
    spec = load_sweep(file, allow_modules)
    count = workers or os.cpu_count() or 1
    shown = None
    if progress:
        from rainforest.experiments.cli.progress import PlainProgress

        shown = PlainProgress()
    warm = spec.function is None  # a sweep of a plain function never needs the model
    summary = run_sweep(
        spec, Path(out), lambda: LocalExecutor(count, warm=warm), chunk_size=chunk_size,
        progress=shown,
    )  # fmt: skip
    if summary.aborted and summary.ran_now == 0:
        raise SweepWorkersError(f"{MAIN_GUARD_MESSAGE} ({summary.aborted})")
    frame = load_results(out)
    frame.attrs["sweep"] = summary.to_dict()
    return frame


def load_results(path: str | os.PathLike[str], columns: list[str] | None = None) -> pd.DataFrame:
    """A sweep's results folder as one DataFrame, one row per finished run, in run order:
    run, sample, replicate, seed, the sample's parameters, ``<indicator>_<year>``, error."""
    from rainforest.experiments.sweeps.storage import load_results as load

    return load(path, columns=columns)
