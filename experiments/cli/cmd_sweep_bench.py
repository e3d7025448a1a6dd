"""`rainforest sweep-bench`: sweep throughput, parallel efficiency and Dask overhead."""

from __future__ import annotations

import argparse
import json

from rainforest.experiments.cli.args import _pos_int, add_executor_bench_options
from rainforest.scenarios.schema import DEFAULT_SCALE, SCALE_NAMES


def register(sub) -> None:
    bench = sub.add_parser(
        "sweep-bench", help="measure sweep runs per hour, parallel efficiency and Dask overhead"
    )
    bench.add_argument("--scale", choices=SCALE_NAMES, default=DEFAULT_SCALE)
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
