"""The attribution benchmark: a whole ``rainforest attribute`` on the local executor and on
a Dask LocalCluster, and how their wall times compare.

The issue's figure is a full attribution at city scale (64 coalitions x 20 replicates =
1,280 runs) in under 15 minutes on a 2-core machine, with the Dask LocalCluster within
10 % of the local executor. Each wall time covers what a user waits for: starting the
workers (each loads the compiled model from the on-disk cache, warmed beforehand), the
runs, the Shapley analysis and the figures. Both executors must store the same runs.
With ``repeat`` > 1 the executors take turns, round after round, and each one's figure
is its fastest round: on a machine shared with other work, the least disturbed one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rainforest.experiments.benchmarks.sweep_speed import bench_files
from rainforest.experiments.studies.attribution import (
    COALITIONS,
    RUNS,
    analyze_attribution,
    prepare,
    run_attribution,
    write_attribution,
)
from rainforest.experiments.sweeps.executors import DaskExecutor, Executor, LocalExecutor
from rainforest.experiments.sweeps.runner import run_sweep
from rainforest.experiments.sweeps.spec import load_sweep
from rainforest.experiments.sweeps.storage import load_results

BUDGET_S = 15 * 60  # the bound for a city-scale attribution on this machine
DASK_MARGIN = 0.10


def _timed(request, out: Path, make: Callable[[], Executor]) -> float:
    started = time.perf_counter()
    summary = run_attribution(request, out, make)
    if not summary.ok:
        raise RuntimeError(f"benchmark attribution did not finish cleanly: {summary.to_dict()}")
    write_attribution(analyze_attribution(out), out)
    return time.perf_counter() - started


def run_bench(
    scale: str = "city",
    replicates: int = 20,
    workers: int = 2,
    dask: bool = True,
    scenario: str = "action_plan",
    repeat: int = 1,
) -> dict[str, Any]:
    """Measure one attribution per executor on this machine; plain data for ``--json``."""
    request = prepare(scenario, None, replicates, 2022, scale)
    configs: dict[str, Callable[[], Executor]] = {
        f"local_{workers}": lambda: LocalExecutor(workers)
    }
    if dask:
        configs[f"dask_local_{workers}"] = lambda: DaskExecutor(workers=workers)
    rounds: dict[str, list[float]] = {name: [] for name in configs}
    with tempfile.TemporaryDirectory(prefix="rainforest-attribution-bench-") as tmp:
        folder = Path(tmp)
        warm = load_sweep(bench_files(folder / "warm", scale, 1, 2023, tiny=True))
        run_sweep(warm, folder / "warm_out", lambda: LocalExecutor(1))  # cache warm
        frames = []
        for r in range(max(1, repeat)):
            for name, make in configs.items():
                out = folder / f"{name}_{r}"
                rounds[name].append(_timed(request, out, make))
                frames.append(load_results(out / RUNS))
                shutil.rmtree(out)
        identical = all(frames[0].equals(f) for f in frames[1:])
    wall = {name: min(times) for name, times in rounds.items()}
    runs = COALITIONS * replicates
    local = wall[f"local_{workers}"]
    report: dict[str, Any] = {
        "scenario": scenario,
        "scale": scale,
        "replicates": replicates,
        "runs": runs,
        "workers": workers,
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "repeat": max(1, repeat),
        "wall_s": {k: round(v, 2) for k, v in wall.items()},
        "wall_s_rounds": {k: [round(t, 2) for t in v] for k, v in rounds.items()},
        "runs_per_hour": {k: round(3600 * runs / v, 1) for k, v in wall.items()},
        "within_budget": {k: v < BUDGET_S for k, v in wall.items()},
        "budget_s": BUDGET_S,
        "identical_results": identical,
    }
    if dask:
        ratio = wall[f"dask_local_{workers}"] / local - 1.0
        report["dask_local_vs_local"] = round(ratio, 3)
        report["dask_within_margin"] = ratio <= DASK_MARGIN
    return report
