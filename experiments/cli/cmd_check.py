"""`rainforest check OBSERVATIONS.toml`: new statistics against the model's predictive.

Each observation of the file (experiments/studies/predictive_check.py says the format)
is compared with runs over posterior draws (``--posterior``) or over seeds of the median
set, made through the one door and ending in the last observed year. Exit status 0 when
every observation passes, 1 when any misses, 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rainforest.experiments.cli.args import (
    _pos_int,
    add_command,
    add_dry_run_option,
    add_scale_option,
    add_seed_option,
    out_path,
)
from rainforest.runs.request import DEFAULT_DRAWS, DEFAULT_SCENARIO
from rainforest.scenarios.schema import MARKET_FORMS

PLAIN_REPLICATES = 10  # seeds of the median set when the check runs without --posterior
CHECK_JSON = "check.json"
CHECK_PNG = "check.png"


def register(sub) -> None:
    check = add_command(
        sub, "check", "compare observations with the model's predictive distribution",
        "Compare a file of observations (each an indicator in a year, a sum over a year's "
        "quarters, a change or a growth rate between two years; a value or an interval; a "
        "source) with what the model predicts: runs over draws of the posterior ensemble "
        "(--posterior) or over seeds of its median set, through the same door as rainforest "
        "run, ending in the last observed year. Prints each observation's 5-95 % predictive "
        "interval, the quantile where the observed value falls and pass (inside the "
        "interval, or an observed interval overlapping it) or miss. Exit status 0 when all "
        "pass, 1 when any misses, 2 for bad input. The file's format is in docs/VALIDATION.md "
        "section 2 and experiments/studies/predictive_check.py.",
        [
            "rainforest check my_statistics.toml --posterior --draws 20",
            "rainforest check my_statistics.toml --posterior --form compounding_outside "
            "--out checks/",
        ],
    )  # fmt: skip
    check.add_argument("observations", type=Path, help="a TOML file of [[observation]] tables")
    check.add_argument(
        "--scenario", default=DEFAULT_SCENARIO,
        help=f"the scenario run, a built-in name or a file (default {DEFAULT_SCENARIO}, the "
        "policy in force since 2023)",
    )  # fmt: skip
    check.add_argument(
        "--posterior", action="store_true",
        help="runs over accepted sets of the posterior ensemble (parameter and chance "
        "uncertainty); without it, seeds of the median set (chance only)",
    )  # fmt: skip
    check.add_argument(
        "--draws", type=_pos_int, default=None,
        help=f"with --posterior: accepted sets to draw (default {DEFAULT_DRAWS})",
    )  # fmt: skip
    check.add_argument(
        "--replicates", type=_pos_int, default=None,
        help=f"runs per draw (default 1 with --posterior, else {PLAIN_REPLICATES})",
    )  # fmt: skip
    check.add_argument(
        "--form", choices=MARKET_FORMS, default=None,
        help="the market form (default: the scenario's); --posterior then draws from that "
        "form's ensemble",
    )  # fmt: skip
    check.add_argument(
        "--ensemble", type=Path, default=None,
        help="with --posterior: the ensemble file (default: the shipped one of the form)",
    )  # fmt: skip
    add_scale_option(check)
    add_seed_option(check, "the root seed the runs' seeds and the draws derive from")
    check.add_argument(
        "--out", type=out_path, default=None,
        help=f"folder for {CHECK_JSON} (the report) and {CHECK_PNG} (one panel an observation)",
    )  # fmt: skip
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    add_dry_run_option(check)
    check.set_defaults(handler=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    from rainforest.experiments.cli.plan import RunPlan, announce
    from rainforest.experiments.files import output_folder, write_atomic
    from rainforest.experiments.studies import predictive_check as pc
    from rainforest.runs import resolve_request, run_request
    from rainforest.scenarios.loader import load_scenario

    base = load_scenario(args.scenario)
    observations = pc.read_observations(args.observations, base.start_year, base.horizon_year)
    replicates = args.replicates or (1 if args.posterior else PLAIN_REPLICATES)
    request = resolve_request(
        base, overrides=pc.check_overrides(observations, args.form), scale=args.scale,
        seed=args.seed, replicates=replicates, posterior=args.posterior, draws=args.draws,
        ensemble=args.ensemble,
    )  # fmt: skip
    sc = request.scenario
    if request.posterior is not None:
        what = (
            f"posterior predictive, {len(request.posterior.sets)} draws of "
            f"{request.posterior.file} x {replicates} replicate{'s' * (replicates > 1)}"
        )
    else:
        what = f"the median set, {replicates} seeds"
    what += f", {sc.market.form} form, {request.scale} scale, runs to {sc.horizon_year}"
    plan = RunPlan(
        f"predictive check of {len(observations)} observation{'s' * (len(observations) > 1)}",
        request.run_count,
        request.scale, sc.years,
    )  # fmt: skip
    if announce(plan, args.dry_run):
        return 0
    if args.out is not None:
        output_folder(args.out)
    runs = run_request(request)
    frames = [r.indicators for r in runs.results]
    about = {
        "file": str(args.observations),
        "scenario": sc.name,
        "predictive": what,
        "request": request.to_dict(),
    }
    result = pc.report(observations, frames, about)
    if args.out is not None:
        samples = {ob.name: [pc.simulated(ob, f) for f in frames] for ob in observations}
        text = json.dumps(result, indent=1, allow_nan=False) + "\n"
        write_atomic(args.out / CHECK_JSON, text)
        write_atomic(args.out / CHECK_PNG, pc.png(pc.figure(result, samples)))
    if args.json:
        print(json.dumps(result, indent=2, allow_nan=False))
    else:
        print(pc.text_table(result))
        misses = len(result["misses"])
        print(
            f"{result['passes']} pass, {misses} miss{'es' * (misses != 1)} ({what}; "
            f"pass: inside the 5-95 % predictive interval)"
        )
        if args.out is not None:
            print(f"wrote {args.out / CHECK_JSON} and {args.out / CHECK_PNG}")
    sys.stdout.flush()
    return 1 if result["misses"] else 0
