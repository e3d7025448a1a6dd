"""`rainforest calibrate`: fit the free market parameters to the plan's known numbers.

Runs an optuna study over replicates of ``action_plan`` (experiments/studies/calibration.py)
and writes the fitted values, the objective, the seeds and the code version as TOML.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rainforest.experiments.cli.args import _nonneg_int, _pos_int


def register(sub) -> None:
    cal = sub.add_parser("calibrate", help="fit the free parameters to the plan's targets")
    cal.add_argument("--trials", type=_pos_int, default=80, help="optuna trials (default 80)")
    cal.add_argument("--replicates", type=_pos_int, default=4, help="seeds per trial")
    cal.add_argument("--scale", choices=["classroom", "district", "city"], default="district")
    cal.add_argument("--seed", type=_nonneg_int, default=2022, help="root seed of the runs")
    cal.add_argument("--sampler-seed", type=_nonneg_int, default=0, help="TPE sampler seed")
    cal.add_argument(
        "--check-replicates", type=_pos_int, default=8,
        help="fresh seeds the best fit is re-checked on (default 8)",
    )  # fmt: skip
    cal.add_argument(
        "--warm-start", action="store_true",
        help="also try the shipped scenarios/calibration.toml values first",
    )  # fmt: skip
    cal.add_argument("--out", type=Path, default=None, help="TOML file (default: stdout)")
    cal.add_argument(
        "--apply", action="store_true",
        help="write the fitted values into scenarios/library/action_plan.toml and baseline.toml",
    )  # fmt: skip
    cal.set_defaults(handler=cmd_calibrate)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from rainforest.experiments.studies.calibration import (
        CALIBRATION_FILE,
        FREE_PARAMETERS,
        START_POINTS,
        calibrate,
        read_calibration,
        to_toml,
    )

    start = list(START_POINTS)
    if args.warm_start and CALIBRATION_FILE.exists():
        shipped = read_calibration()["parameters"]
        missing = [fp.path for fp in FREE_PARAMETERS if fp.path not in shipped]
        if missing:
            # a record of an older parameter set: nothing to start from
            print(
                f"{CALIBRATION_FILE.name}: no warm start, the record lacks {', '.join(missing)}",
                file=sys.stderr,
            )
        else:
            start.append(shipped)

    def progress(number: int, value: float) -> None:
        print(f"trial {number + 1}/{args.trials}: loss {value:.3g}", file=sys.stderr, flush=True)

    result = calibrate(
        trials=args.trials,
        replicates=args.replicates,
        scale=args.scale,
        root_seed=args.seed,
        sampler_seed=args.sampler_seed,
        check_replicates=args.check_replicates,
        on_trial=progress,
        start=start,
    )
    text = to_toml(result)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        from rainforest.experiments.files import write_atomic

        write_atomic(args.out, text)
        print(f"wrote {args.out}", file=sys.stderr)
    if args.apply:
        from rainforest.experiments.studies.calibration import apply_to_library

        for path in apply_to_library(result["parameters"]):
            print(f"updated {path}", file=sys.stderr)
    check = result["check"]
    print(
        f"check on {check['replicates']} fresh seeds: median 2030 output "
        f"{check['median_output_2030_bn']:.1f} bn, growth 2023-25 "
        f"{100 * check['median_growth_2023_2025']:.1f} %/yr, designations on schedule "
        f"{100 * check['designations_on_schedule']:.0f} %",
        file=sys.stderr,
    )
    return 0
