"""`rainforest attribute-bench`: a whole attribution's wall time, local and on Dask."""

from __future__ import annotations

import argparse
import json

from rainforest.experiments.cli.args import _pos_int, add_command, add_executor_bench_options
from rainforest.scenarios.schema import DEFAULT_SCALE, SCALE_NAMES


def register(sub) -> None:
    bench = add_command(
        sub, "attribute-bench",
        "time a whole attribution (64 coalitions x replicates) locally and on Dask",
        "Run a whole attribution (64 coalitions x --replicates runs, as rainforest "
        "attribute) on local worker processes and on a Dask LocalCluster, and report the "
        "wall time, runs per second and the parallel efficiency of each, so you know what "
        "an attribution at city scale will cost before starting one.",
        [
            "rainforest attribute-bench --scale classroom --replicates 2 --no-dask",
            "rainforest attribute-bench --workers 4 --json",
        ],
    )  # fmt: skip
    bench.add_argument(
        "--scale", choices=SCALE_NAMES, default=DEFAULT_SCALE, help="population scale"
    )
    bench.add_argument("--replicates", type=_pos_int, default=20, help="replicates per coalition")
    add_executor_bench_options(bench)
    bench.set_defaults(handler=cmd_attribute_bench)


def cmd_attribute_bench(args: argparse.Namespace) -> int:
    from rainforest.experiments.benchmarks.attribution_speed import run_bench

    report = run_bench(
        scale=args.scale, replicates=args.replicates, workers=args.workers,
        dask=not args.no_dask, repeat=args.repeat,
    )  # fmt: skip
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"attribution benchmark: {report['scenario']}, {report['runs']} runs "
        f"(64 coalitions x {report['replicates']} replicates), {report['scale']} scale, "
        f"{report['cpus']} CPUs, best of {report['repeat']} "
        f"(load average {report['load_average'][0]})"
    )
    budget = report["budget_s"] / 60
    for name, seconds in report["wall_s"].items():
        within = "within" if report["within_budget"][name] else "OVER"
        print(
            f"  {name:14s} {seconds:8.1f} s  {report['runs_per_hour'][name]:10.1f} runs/hour  "
            f"({within} {budget:.0f} min)"
        )
    if "dask_local_vs_local" in report:
        print(
            f"  Dask LocalCluster wall time vs local executor: "
            f"{100 * report['dask_local_vs_local']:+.1f} %"
        )
    print(f"  identical runs across executors: {report['identical_results']}")
    return 0
