"""`rainforest calibrate`: a posterior ensemble from observations of 2021-2025.

ABC rejection in waves over the market, behaviour and plan-effect parameters
(experiments/studies/calibration.py); runs end in 2025, so no 2030 outcome can enter.
Writes the accepted sets, their seeds, the acceptance rule and the code version as TOML.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rainforest.experiments.cli.args import _nonneg_int, _pos_int
from rainforest.scenarios.schema import DEFAULT_SCALE, SCALE_NAMES


def register(sub) -> None:
    cal = sub.add_parser(
        "calibrate", help="a posterior ensemble from observations of 2021-2025 (ABC)"
    )
    cal.add_argument(
        "--samples", type=_pos_int, default=1100, help="prior samples per wave (default 1100)"
    )
    cal.add_argument("--waves", type=_pos_int, default=2, help="ABC waves (default 2)")
    cal.add_argument("--scale", choices=SCALE_NAMES, default=DEFAULT_SCALE)
    cal.add_argument("--seed", type=_nonneg_int, default=2022, help="root seed of the runs")
    cal.add_argument("--sampler-seed", type=_nonneg_int, default=0, help="Latin hypercube seed")
    cal.add_argument("--workers", type=_pos_int, default=1, help="worker processes (default 1)")
    cal.add_argument("--out", type=Path, default=None, help="TOML file (default: stdout)")
    cal.add_argument(
        "--apply", action="store_true",
        help="write the median set into scenarios/library/action_plan.toml and baseline.toml",
    )  # fmt: skip
    cal.set_defaults(handler=cmd_calibrate)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from rainforest.experiments.studies.calibration import calibrate, to_toml

    def progress(wave: int, done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            print(f"wave {wave + 1}: {done}/{total} runs", file=sys.stderr, flush=True)

    record = calibrate(
        samples=args.samples,
        waves=args.waves,
        scale=args.scale,
        root_seed=args.seed,
        sampler_seed=args.sampler_seed,
        workers=args.workers,
        on_progress=progress,
    )
    method = record["method"]
    print(
        f"{method['accepted']} of {method['simulations']} runs accepted "
        f"({method['wall_seconds']:.0f} s)",
        file=sys.stderr,
    )
    if not record["sets"]:
        print("calibrate: no run was accepted; nothing written", file=sys.stderr)
        return 1
    text = to_toml(record)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        from rainforest.experiments.files import write_atomic

        write_atomic(args.out, text)
        print(f"wrote {args.out}", file=sys.stderr)
    if args.apply:
        from rainforest.experiments.studies.calibration import apply_to_library

        for path in apply_to_library(record["median"]["parameters"]):
            print(f"updated {path}", file=sys.stderr)
    return 0
