"""`rainforest sweep-bench`: sweep throughput, parallel efficiency and Dask overhead."""

from __future__ import annotations

import argparse
import json

from rainforest.experiments.cli.args import _pos_int, add_command, add_executor_bench_options
from rainforest.scenarios.schema import DEFAULT_SCALE, SCALE_NAMES


def register(sub) -> None:
    bench = add_command(
        sub, "sweep-bench", "measure sweep runs per hour, parallel efficiency and Dask overhead",
        "Time the same small sweep on one worker, on --workers local processes and on a "
        "Dask LocalCluster, and report runs per hour, the parallel efficiency (the speed-up "
        "over one worker, per worker) and what Dask adds. Use it to choose --workers and an "
        "executor for a long sweep on this machine.",
        [
            "rainforest sweep-bench --scale classroom --runs 20 --workers 2",
            "rainforest sweep-bench --no-dask --repeat 3 --json",
        ],
    )  # fmt: skip
    bench.add_argument(
        "--scale", choices=SCALE_NAMES, default=DEFAULT_SCALE, help="population scale"
    )
    bench.add_argument("--runs", type=_pos_int, default=20, help="runs per measured sweep")
    bench.add_argument("--horizon", type=int, default=2030, help="the runs' last year")
    add_executor_bench_options(bench)
    bench.set_defaults(handler=cmd_sweep_bench)


def cmd_sweep_bench(args: argparse.Namespace) -> int:
    from rainforest.experiments.benchmarks.sweep_speed import run_bench
    from rainforest.scenarios.errors import ScenarioError
    from rainforest.scenarios.schema import MAX_YEAR, MIN_YEAR

    if not MIN_YEAR <= args.horizon <= MAX_YEAR:
        raise ScenarioError(f"--horizon: must be within {MIN_YEAR}-{MAX_YEAR}, got {args.horizon}")
    report = run_bench(
        scale=args.scale, runs=args.runs, horizon_year=args.horizon,
        workers=args.workers, dask=not args.no_dask, repeat=args.repeat,
    )  # fmt: skip
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"sweep benchmark: {report['runs']} runs, {report['scale']} "
        f"scale, {report['quarters']} quarters, {report['cpus']} CPUs, "
        f"best of {report['repeat']} (load average {report['load_average'][0]})"
    )
    for name, seconds in report["wall_s"].items():
        rate = report["runs_per_hour"][name]
        busy = 100 * report["workers_busy"][name]
        print(f"  {name:14s} {seconds:8.1f} s  {rate:10.1f} runs/hour  workers busy {busy:.0f} %")
    efficiency = report["parallel_efficiency"]
    print(f"  parallel efficiency ({report['workers']} workers over 1): {efficiency:.2f}")
    if "dask_local_vs_local" in report:
        overhead = 100 * report["dask_local_vs_local"]
        print(f"  Dask LocalCluster wall time vs local executor: {overhead:+.1f} %")
    print(f"  identical results across executors: {report['identical_results']}")
    return 0
