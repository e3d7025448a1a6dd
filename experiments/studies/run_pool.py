"""The runs a study asks for at once, in this process or spread over local workers.

An optimiser's candidate or a switching value's evaluation is a handful of runs (futures
x replicates) whose results are needed before the next question is asked. A pool of
spawned worker processes, started once per study and warmed like a sweep's workers
(``sweeps.executors.prepare_worker``: the compiled model loaded from this machine's
cache), runs them side by side; results come back in the order asked, so a study's
numbers do not depend on the number of workers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

from rainforest.scenarios.schema import Scenario

T = TypeVar("T")


def outcomes_at(scenario: Scenario, seed: int, year: int) -> dict[str, float]:
    """Every indicator of one run in ``year`` (a worker's task)."""
    from rainforest.runs.execute import run_one

    return run_one(scenario, seed).at_year_end(year)


class RunPool:
    """``workers`` processes (1: this process), used as a context manager."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, int(workers))
        self.runs = 0
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> RunPool:
        if self.workers > 1:
            import multiprocessing

            from rainforest.experiments.sweeps.executors import prepare_worker

            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=prepare_worker,
            )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map(self, fn: Callable[..., T], *columns: Sequence[Any]) -> list[T]:
        """``fn`` of each row of ``columns`` (a module-level function, so that a worker
        can import it), in the order given."""
        count = len(columns[0]) if columns else 0
        self.runs += count
        if self._pool is None:
            return [fn(*row) for row in zip(*columns, strict=True)]
        chunk = max(1, count // (2 * self.workers))
        return list(self._pool.map(fn, *columns, chunksize=chunk))

    def outcomes(self, jobs: Sequence[tuple[Scenario, int]], year: int) -> list[dict[str, float]]:
        """Each (scenario, seed) run's indicators in ``year``, in the order given."""
        self.runs += len(jobs)
        if self._pool is None:
            return [outcomes_at(scenario, seed, year) for scenario, seed in jobs]
        chunk = max(1, len(jobs) // (2 * self.workers))
        scenarios = [scenario for scenario, _ in jobs]
        seeds = [seed for _, seed in jobs]
        return list(
            self._pool.map(outcomes_at, scenarios, seeds, [year] * len(jobs), chunksize=chunk)
        )
