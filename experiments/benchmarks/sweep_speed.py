"""The sweep benchmark: runs per hour, parallel efficiency, and Dask's overhead.

One sweep (the six plans' budgets by Latin hypercube, one replicate per sample) runs
three ways on this machine: local executor with one worker, with ``workers`` workers,
and a Dask LocalCluster with ``workers`` workers. Wall times include starting the
workers (each loads the compiled model from the on-disk cache, warmed beforehand), as a
user's sweep does. The three datasets must be identical, and the report says so.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rainforest.experiments.sweeps.executors import DaskExecutor, Executor, LocalExecutor
from rainforest.experiments.sweeps.runner import run_sweep
from rainforest.experiments.sweeps.spec import load_sweep
from rainforest.experiments.sweeps.storage import load_results
from rainforest.scenarios.loader import load_scenario
from rainforest.scenarios.schema import PLAN_NAMES

_PLANS = PLAN_NAMES
_MAX_BUDGET = {"foundation": 6.0, "leading": 5.0, "hand_in_hand": 4.0, "open_source": 3.0,
               "array": 3.0, "rainforest": 6.0}  # fmt: skip


def bench_files(folder: Path, scale: str, runs: int, horizon_year: int, tiny: bool = False) -> Path:
    """Write the benchmark's base scenario and sweep file into ``folder``; the sweep's path.

    ``tiny`` gives the base a few dozen agents: a sweep that only warms the Numba cache.
    """
    folder.mkdir(parents=True, exist_ok=True)
    base = f'extends = "action_plan"\nname = "bench_base"\nhorizon_year = {horizon_year}\n'
    if tiny:
        base += "population = { enterprises = 40, institutes = 4, talents = 200 }\n"
    (folder / "bench_base.toml").write_text(base)
    lines = [
        'name = "sweep_bench"', 'base = "bench_base.toml"', 'sampler = "lhs"',
        f"samples = {runs}", "replicates = 1", "seed = 1",
        f'scale = "{scale}"', "", "[parameters]",
    ]  # fmt: skip
    lines += [f'"plans.{p}.budget_bn" = {{ min = 0.0, max = {_MAX_BUDGET[p]} }}' for p in _PLANS]
    path = folder / "bench.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _timed(sweep, out: Path, make, chunk_size: int | None) -> tuple[float, float]:
    """(wall seconds, the workers' seconds inside chunks) of one sweep."""
    started = time.perf_counter()
    summary = run_sweep(sweep, out, make, chunk_size=chunk_size)
    seconds = time.perf_counter() - started
    if not summary.ok:
        raise RuntimeError(f"benchmark sweep did not finish cleanly: {summary.to_dict()}")
    return seconds, summary.compute_seconds


def run_bench(
    scale: str = "city",
    runs: int = 20,
    horizon_year: int = 2030,
    workers: int = 2,
    dask: bool = True,
    chunk_size: int | None = None,
    repeat: int = 1,
) -> dict[str, Any]:
    """Measure the sweep layer on this machine; plain data for ``--json``.

    With ``repeat`` > 1 the configurations take turns, round after round, and each one's
    figure is its fastest round: on a machine shared with other work, the least
    disturbed measurement (every round's times are reported too). ``workers_busy`` is the
    share of the workers' wall time spent inside chunks: what the sweep layer's own
    costs (starting workers, scheduling, writing) leave for the model.
    """
    configs: dict[str, tuple[int, Callable[[], Executor]]] = {
        "local_1": (1, lambda: LocalExecutor(1)),
        f"local_{workers}": (workers, lambda: LocalExecutor(workers)),
    }
    if dask:
        configs[f"dask_local_{workers}"] = (workers, lambda: DaskExecutor(workers=workers))
    rounds: dict[str, list[tuple[float, float]]] = {name: [] for name in configs}
    with tempfile.TemporaryDirectory(prefix="rainforest-sweep-bench-") as tmp:
        folder = Path(tmp)
        sweep = load_sweep(bench_files(folder, scale, runs, horizon_year))
        warm = load_sweep(bench_files(folder / "warm", scale, 1, 2023, tiny=True))
        run_sweep(warm, folder / "warm_out", lambda: LocalExecutor(1))  # cache warm
        frames = []
        for r in range(max(1, repeat)):
            for name, (_, make) in configs.items():
                out = folder / f"{name}_{r}"
                rounds[name].append(_timed(sweep, out, make, chunk_size))
                frames.append(load_results(out))
                shutil.rmtree(out)
        identical = all(frames[0].equals(f) for f in frames[1:])
    best = {name: min(times) for name, times in rounds.items()}
    wall = {name: b[0] for name, b in best.items()}
    many = wall[f"local_{workers}"]
    report: dict[str, Any] = {
        "scale": scale,
        "horizon_year": horizon_year,
        "quarters": 4 * (horizon_year - load_scenario("action_plan").start_year + 1),
        "runs": runs,
        "workers": workers,
        "cpus": os.cpu_count(),
        "chunk_size": chunk_size,
        "repeat": max(1, repeat),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "wall_s": {k: round(v, 2) for k, v in wall.items()},
        "wall_s_rounds": {k: [round(t, 2) for t, _ in v] for k, v in rounds.items()},
        "workers_busy": {
            name: round(best[name][1] / (configs[name][0] * best[name][0]), 3) for name in best
        },
        "runs_per_hour": {k: round(3600 * runs / v, 1) for k, v in wall.items()},
        "parallel_efficiency": round(wall["local_1"] / (workers * many), 3),
        "identical_results": identical,
    }
    if dask:
        report["dask_local_vs_local"] = round(wall[f"dask_local_{workers}"] / many - 1.0, 3)
    return report
