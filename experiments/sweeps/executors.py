"""Where a sweep's chunks run: local worker processes, or a Dask distributed cluster.

Both executors take chunk tasks lazily and keep only a few in flight (twice the workers),
so a sweep of any size holds a bounded amount in memory; each yields a chunk's outcome
as soon as it is done, in whatever order chunks finish. Results do not depend on where
or in which order chunks run: a run's numbers come from its scenario and seed alone.

Numba in workers: the compiled model lives in an on-disk cache folder of each machine
(``sim.engine`` sets ``NUMBA_CACHE_DIR`` to ``~/.cache/rainforest/numba/<host>/<sources>``
when a run starts, unless it is set), so machines sharing a home folder never share
compiled code. Before a worker runs its first chunk it runs one tiny model: the first
worker on a machine compiles and writes the cache while holding the engine's file lock
(``sim.engine.precompile``), and the others wait for it and then only load; each worker
then reuses its compiled code for every chunk.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Protocol

from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.schema import Scenario

RETRIES = 2  # a chunk whose worker dies is run again up to this many times
_prepare_lock = threading.Lock()
_prepared = False


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs to run runs ``first`` to ``stop - 1`` of a sweep."""

    first: int
    stop: int
    bases: dict[str, Scenario]
    default_base: str
    indicators: tuple[str, ...]
    years: tuple[int, ...]
    runs: tuple[tuple[int, int, dict[str, Any]], ...]  # (run, seed, parameter values)
    function: str | None = None  # "module:function" for a sweep of a function, not the model


@dataclass
class ChunkOutcome:
    """A finished chunk: per run, (run, error or None, indicator values or None)."""

    first: int
    stop: int
    rows: list[tuple[int, str | None, list[float] | None]]
    fingerprint: str
    host: str
    seconds: float


@dataclass
class ChunkFailure:
    """A chunk that could not be run (not a run that raised: those are outcomes)."""

    task: ChunkTask
    reason: str


class Executor(Protocol):
    name: str
    parallelism: int
    remote: bool  # workers may run on other machines, with other copies of the code

    def run(self, tasks: Iterable[ChunkTask]) -> Iterator[ChunkOutcome | ChunkFailure]: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- workers


def _warm_scenario() -> Scenario:
    """A tiny run of the action plan: every plan on, so every compiled rule is used."""
    from rainforest.scenarios.loader import load_scenario
    from rainforest.scenarios.overrides import apply_overrides

    return apply_overrides(
        load_scenario("action_plan"),
        {"horizon_year": 2024, "population": {"enterprises": 40, "institutes": 4, "talents": 200}},
    )


def prepare_worker() -> str:
    """Compile the model once in this process, or load it from this machine's cache.

    Returns the host name, so ``Client.run`` shows which machines are ready.
    """
    global _prepared
    with _prepare_lock:
        if _prepared:
            return socket.gethostname()
        from rainforest.runs.execute import run_one

        run_one(_warm_scenario(), 0)  # compiles under sim.engine's lock, or loads
        _prepared = True
        return socket.gethostname()


def run_chunk(task: ChunkTask) -> ChunkOutcome:
    """Run a chunk's runs; a run that raises is recorded with its error, not raised."""
    if task.function is not None:
        return _run_function_chunk(task)
    prepare_worker()
    from rainforest.experiments.provenance import model_fingerprint
    from rainforest.experiments.sweeps.spec import scenario_for
    from rainforest.runs.execute import run_one

    started = time.perf_counter()
    rows: list[tuple[int, str | None, list[float] | None]] = []
    for run, seed, values in task.runs:
        try:
            scenario = scenario_for(task.bases, task.default_base, values)
            result = run_one(scenario, seed)
            ends = {year: result.at_year_end(year) for year in task.years}
            numbers = [ends[year][name] for name in task.indicators for year in task.years]
            rows.append((run, None, numbers))
        except Exception as exc:  # recorded as the run's error; the sweep goes on
            rows.append((run, f"{type(exc).__name__}: {exc}", None))
    return ChunkOutcome(
        task.first, task.stop, rows, model_fingerprint(), socket.gethostname(),
        time.perf_counter() - started,
    )  # fmt: skip


def _run_function_chunk(task: ChunkTask) -> ChunkOutcome:
    """A chunk of a function sweep: each run is one call of the function; its fingerprint
    is the function's module's digest, which the sweep compares with its own."""
    from rainforest.experiments.sweeps.functions import evaluate, source_digest

    started = time.perf_counter()
    rows: list[tuple[int, str | None, list[float] | None]] = []
    for run, seed, values in task.runs:
        try:
            rows.append((run, None, evaluate(task.function, values, seed, task.indicators)))
        except Exception as exc:  # recorded as the run's error; the sweep goes on
            rows.append((run, f"{type(exc).__name__}: {exc}", None))
    return ChunkOutcome(
        task.first, task.stop, rows, source_digest(task.function) or "", socket.gethostname(),
        time.perf_counter() - started,
    )  # fmt: skip


def _init_local_worker(parent: int, warm: bool = True) -> None:
    """Local worker start-up: leave quietly on Ctrl-C (the sweep process reports it) or
    when the sweep process dies, then (``warm``) load the compiled model."""
    import signal

    signal.signal(signal.SIGINT, lambda *_: os._exit(130))

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()
    if warm:
        prepare_worker()


# --------------------------------------------------------------------------- executors


@dataclass
class _Flight:
    task: ChunkTask
    attempts: int = 0


class WorkersLost(RuntimeError):
    """The worker processes keep dying before finishing any chunk: the sweep stops."""


class LocalExecutor:
    """Worker processes on this machine (spawned, never forked: each starts a fresh
    interpreter, not a copy of the sweep process). ``warm=False`` skips loading the
    compiled model as a worker starts (a sweep of a plain function never needs it)."""

    name = "local"
    remote = False

    def __init__(self, workers: int, warm: bool = True) -> None:
        self.parallelism = max(1, int(workers))
        self.warm = warm
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        import multiprocessing

        return ProcessPoolExecutor(
            max_workers=self.parallelism,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_local_worker,
            initargs=(os.getpid(), self.warm),
        )

    def run(self, tasks: Iterable[ChunkTask]) -> Iterator[ChunkOutcome | ChunkFailure]:
        from concurrent.futures.process import BrokenProcessPool

        source = iter(tasks)
        retry: list[_Flight] = []
        pending: dict[Future, _Flight] = {}
        self._pool = self._new_pool()
        limit = 2 * self.parallelism
        breaks = 0  # pool failures since the last finished chunk
        try:
            while True:
                while len(pending) < limit:
                    flight = retry.pop() if retry else None
                    if flight is None:
                        task = next(source, None)
                        if task is None:
                            break
                        flight = _Flight(task)
                    pending[self._pool.submit(run_chunk, flight.task)] = flight
                if not pending:
                    return
                done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    flight = pending.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        broken = True
                        flight.attempts += 1
                        if flight.attempts > RETRIES:
                            yield ChunkFailure(flight.task, "its worker process died, every try")
                        else:
                            retry.append(flight)
                    except Exception as exc:
                        yield ChunkFailure(flight.task, f"{type(exc).__name__}: {exc}")
                    else:
                        breaks = 0
                        yield outcome
                if broken:  # every chunk still in flight died with the pool: run them again
                    breaks += 1
                    if breaks > RETRIES:
                        raise WorkersLost(
                            "the worker processes died before finishing a chunk, "
                            f"{breaks} times in a row"
                        )
                    for flight in pending.values():
                        retry.append(flight)
                    pending.clear()
                    self._pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = self._new_pool()
        finally:
            self._shutdown()

    def _shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        self._shutdown()


class DaskExecutor:
    """A Dask distributed cluster: an existing scheduler's, or a LocalCluster started here.

    Dask reschedules the chunks of a worker that is lost; a chunk whose task itself fails
    is tried again up to ``RETRIES`` times. ``warm=False`` skips loading the compiled model
    on every worker up front (a sweep of a plain function never needs it).
    """

    def __init__(self, address: str | None = None, workers: int = 1, warm: bool = True) -> None:
        import logging

        from distributed import Client, LocalCluster

        self.cluster = None
        self._tag = uuid.uuid4().hex[:8]
        self.remote = address is not None
        if address is None:
            self.name = "dask-local"
            self.cluster = LocalCluster(
                n_workers=max(1, int(workers)), threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=logging.ERROR,
            )  # fmt: skip
            self.client = Client(self.cluster)
        else:
            self.name = f"dask {address}"
            try:
                self.client = Client(address, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise ScenarioError(f"--scheduler {address}: cannot connect ({exc})") from None
        if warm:
            self.client.run(prepare_worker)  # compile or load on every worker up front

    @property
    def parallelism(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def run(self, tasks: Iterable[ChunkTask]) -> Iterator[ChunkOutcome | ChunkFailure]:
        from distributed import as_completed

        source = iter(tasks)
        flights: dict[str, ChunkTask] = {}
        queue = as_completed()

        def submit() -> bool:
            task = next(source, None)
            if task is None:
                return False
            key = f"rainforest-chunk-{task.first}-{task.stop}-{self._tag}"
            future = self.client.submit(run_chunk, task, key=key, retries=RETRIES, pure=False)
            flights[future.key] = task
            queue.add(future)
            return True

        while len(flights) < 2 * self.parallelism and submit():
            pass
        try:
            for future in queue:
                task = flights.pop(future.key)
                try:
                    yield future.result()
                except Exception as exc:
                    yield ChunkFailure(task, f"{type(exc).__name__}: {exc}")
                finally:
                    future.release()
                while len(flights) < 2 * self.parallelism and submit():
                    pass
        finally:
            for future in list(queue.futures):
                future.cancel()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
