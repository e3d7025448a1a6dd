"""`rainforest bench`: the model's speed as JSON (or a short table)."""

from __future__ import annotations

import argparse
import json

from rainforest.experiments.cli.args import add_command
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.schema import SCALE_NAMES


def register(sub) -> None:
    bench = add_command(
        sub, "bench", "measure the model's speed",
        "Measure how fast the compiled model runs at each scale (the median and fastest "
        "of timed runs 2021-2030, after one warm-up), how fast the Mesa face steps, and "
        "how long a fresh cache takes to compile (minutes; --no-compile skips it). Use it "
        "to size a sweep, or to check a change to the model did not slow it down.",
        [
            "rainforest bench --scales classroom,district --no-compile",
            "rainforest bench --json",
        ],
    )  # fmt: skip
    bench.add_argument("--scales", default=",".join(SCALE_NAMES),
                       help="compiled runs, comma-separated: classroom,district,city")  # fmt: skip
    bench.add_argument("--repeats", type=int, default=5,
                       help="timed runs per scale, at least (fast ones repeat until a "
                       "second is timed); the median and the fastest are reported")  # fmt: skip
    bench.add_argument("--mesa-scales", default=None,
                       help="scales the Mesa face's step is timed at, comma-separated "
                       "(default classroom,district; 'none' skips it)")  # fmt: skip
    bench.add_argument("--mesa-quarters", type=int, default=None,
                       help="Mesa steps timed per scale (default 8)")  # fmt: skip
    bench.add_argument("--no-compile", action="store_true",
                       help="skip the fresh-cache compile measurement (minutes)")  # fmt: skip
    bench.add_argument("--json", action="store_true", help="print the figures as JSON")
    bench.set_defaults(handler=cmd_bench)


def _scales(option: str, text: str) -> list[str]:
    scales = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in scales if s not in SCALE_NAMES]
    if not scales or unknown:
        raise ScenarioError(f"{option}: unknown scale(s) {unknown or scales}; use {SCALE_NAMES}")
    return scales


def cmd_bench(args: argparse.Namespace) -> int:
    from rainforest.experiments.benchmarks.model_speed import MESA_QUARTERS, MESA_SCALES, run_bench

    scales = _scales("--scales", args.scales)
    if args.mesa_scales is None:
        mesa_scales = list(MESA_SCALES)
    elif args.mesa_scales.strip() == "none":
        mesa_scales = []
    else:
        mesa_scales = _scales("--mesa-scales", args.mesa_scales)
    mesa_quarters = MESA_QUARTERS if args.mesa_quarters is None else args.mesa_quarters
    if args.repeats < 1:
        raise ScenarioError("--repeats: must be >= 1")
    if mesa_quarters < 1:
        raise ScenarioError("--mesa-quarters: must be >= 1")
    report = run_bench(
        scales, repeats=args.repeats, measure_compile=not args.no_compile,
        mesa_scales=mesa_scales, mesa_quarters=mesa_quarters,
    )  # fmt: skip
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for scale, k in report["kernel"].items():
        print(f"kernel {scale:9s} {k['run_s']:.3f} s (fastest {k['run_s_min']:.3f})  "
              f"{k['tick_ms']:.2f} ms/tick  "
              f"{k['agent_updates_per_s']:.3g} agent-updates/s")  # fmt: skip
    for scale, m in report["mesa"].items():
        print(f"mesa   {scale:9s} {1000 * m['step_s']:.1f} ms/step "
              f"(fastest {1000 * m['step_s_min']:.1f}, {m['quarters']} steps)")  # fmt: skip
    for key in ("tick_over_copy_floor", "compile_s", "cached_start_s", "peak_rss_mb"):
        if key in report:
            print(f"{key} {report[key]:.3g}")
    return 0
