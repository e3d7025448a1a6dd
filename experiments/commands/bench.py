"""`rainforest bench`: engine speed as JSON (or a short table)."""

from __future__ import annotations

import argparse
import json

from rainforest.scenarios.errors import ScenarioError

SCALES = ("classroom", "district", "city")


def register(sub) -> None:
    bench = sub.add_parser("bench", help="measure the engines' speed")
    bench.add_argument("--scales", default=",".join(SCALES),
                       help="comma-separated: classroom,district,city")  # fmt: skip
    bench.add_argument("--repeats", type=int, default=5,
                       help="timed runs per engine and scale, at least (fast ones repeat "
                       "until a second is timed); the median and the fastest are "
                       "reported")  # fmt: skip
    bench.add_argument("--no-compile", action="store_true",
                       help="skip the fresh-cache compile measurement (minutes)")  # fmt: skip
    bench.add_argument("--json", action="store_true")
    bench.set_defaults(handler=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    from rainforest.experiments.bench import run_bench

    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    unknown = [s for s in scales if s not in SCALES]
    if not scales or unknown:
        raise ScenarioError(f"--scales: unknown scale(s) {unknown or scales}; use {SCALES}")
    if args.repeats < 1:
        raise ScenarioError("--repeats: must be >= 1")
    report = run_bench(scales, repeats=args.repeats, measure_compile=not args.no_compile)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for scale, k in report["kernel"].items():
        print(f"kernel {scale:9s} {k['run_s']:.3f} s (fastest {k['run_s_min']:.3f})  "
              f"{k['tick_ms']:.2f} ms/tick  "
              f"{k['agent_updates_per_s']:.3g} agent-updates/s")  # fmt: skip
    if "speedup_vs_mesa" in report:
        print(f"mesa classroom {report['mesa']['classroom']['run_s']:.2f} s; "
              f"kernel is {report['speedup_vs_mesa']:.0f}x faster")  # fmt: skip
    for key in ("tick_over_copy_floor", "compile_s", "cached_start_s", "peak_rss_mb"):
        if key in report:
            print(f"{key} {report[key]:.3g}")
    return 0
