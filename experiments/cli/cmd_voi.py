"""`rainforest voi [SCENARIO]`: what it is worth to learn each parameter before choosing
how to split the plan's money (EVPI and EVPPI over the posterior)."""

from __future__ import annotations

import argparse
import json
import os
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
from rainforest.scenarios.schema import PLAN_NAMES

DEFAULT_DRAWS = 30


def register(sub) -> None:
    voi = add_command(
        sub, "voi",
        "value of information: what learning each parameter is worth for the choice of "
        "allocation (EVPI, EVPPI)",
        "Which uncertainty matters for the choice between allocations of the plan's money, "
        "and what resolving it would be worth. The candidates are the scenario's own "
        "budgets ('today') and, for each plan, its budget +20 % in every plan year with the "
        "other plans scaled so each year's total is unchanged (--rule add: the 20 % added "
        "instead), plus any from --candidates FILE ([[candidates]] tables: name, factors = "
        "{plan = factor}, keep_total). Every candidate runs on the same posterior draws and "
        "seeds. The outcome is the 2030 output (RMB bn) or, with --measure reach, whether it "
        "reaches 500 bn. EVPI is E[max over candidates] - max of E over the draws; each "
        "parameter's EVPPI is estimated by regression (Strong, Oakley & Brennan 2014) and "
        "clipped to [0, EVPI]. Writes voi.csv, voi_candidates.csv, voi.png and "
        "analysis.json to --out (rainforest report shows it). That is candidates x draws x "
        "replicates runs: the command says how many before it starts (--dry-run stops there).",
        [
            "rainforest voi --scale classroom --draws 10 --dry-run",
            "rainforest voi action_plan --draws 30 --workers 2 --out results/voi",
            "rainforest voi --measure reach --candidates my_allocations.toml --out results/voi",
            "rainforest voi --optimized results/optimize --draws 30 --out results/voi",
            "rainforest voi --emulator emulators/action_plan_posterior --draws 600 "
            "--out results/voi_emulated",
        ],
    )  # fmt: skip
    voi.add_argument(
        "scenario", nargs="?", default="action_plan",
        help="a built-in scenario name or a scenario TOML file (default: action_plan)",
    )  # fmt: skip
    voi.add_argument(
        "--measure", choices=["output", "reach"], default="output",
        help="the outcome: 2030 output in RMB bn, or reaching 500 bn (default: output)",
    )  # fmt: skip
    voi.add_argument(
        "--rule", choices=["shift", "add"], default="shift",
        help="each plan's +20 %%: taken from the others (shift) or added (default: shift)",
    )  # fmt: skip
    voi.add_argument(
        "--plans", nargs="+", choices=PLAN_NAMES, default=None, metavar="PLAN",
        help="the plans that get a +20 %% candidate (default: all six)",
    )  # fmt: skip
    voi.add_argument(
        "--candidates", type=Path, default=None, metavar="FILE",
        help="a TOML file of further candidate allocations (default: none)",
    )  # fmt: skip
    voi.add_argument(
        "--optimized", type=Path, default=None, metavar="DIR",
        help="a rainforest optimize folder: its best allocation becomes the candidate "
        "'optimised' (default: none)",
    )  # fmt: skip
    voi.add_argument(
        "--draws", type=_pos_int, default=DEFAULT_DRAWS,
        help=f"posterior draws, the same for every candidate (default: {DEFAULT_DRAWS})",
    )  # fmt: skip
    voi.add_argument(
        "--replicates", type=_pos_int, default=1,
        help="seeds per draw, the same for every candidate (default: 1)",
    )  # fmt: skip
    add_scale_option(voi)
    add_seed_option(voi, "the root seed: which draws and seeds")
    voi.add_argument(
        "--ensemble", type=Path, default=None,
        help="a posterior ensemble file (default: the shipped one of the scenario's form)",
    )  # fmt: skip
    voi.add_argument(
        "--workers", type=_pos_int, default=None,
        help="local worker processes (default: CPUs)",
    )  # fmt: skip
    voi.add_argument(
        "--out", type=out_path, default=None,
        help="the analysis folder (default: voi_<scenario>)",
    )  # fmt: skip
    voi.add_argument(
        "--emulator", type=Path, default=None, metavar="DIR",
        help="an emulator over the posterior (rainforest emulate whatif --posterior, same "
        "scenario and scale): each candidate's expected outcome in each draw is emulated "
        "instead of run, so --draws can be every accepted set at no cost in runs",
    )  # fmt: skip
    voi.add_argument("--json", action="store_true", help="print the analysis as JSON")
    add_dry_run_option(voi)
    voi.set_defaults(handler=cmd_voi)


def cmd_voi(args: argparse.Namespace) -> int:
    from rainforest.experiments.cli.plan import RunPlan, announce
    from rainforest.experiments.studies.analysis_dir import plain
    from rainforest.experiments.studies.voi import (
        analyze,
        candidate_from_optimization,
        default_candidates,
        prepare,
        read_candidates,
        run_outcomes,
        write_voi,
    )

    candidates = default_candidates(args.rule, args.plans)
    if args.candidates is not None:
        candidates += read_candidates(args.candidates)
    if args.optimized is not None:
        candidates.append(candidate_from_optimization(args.optimized))
    request = prepare(
        args.scenario, candidates, args.draws, args.replicates, args.seed, args.scale,
        args.measure, args.ensemble,
    )  # fmt: skip
    sc = request.scenario
    if args.emulator is not None:
        from rainforest.experiments.studies.voi import emulated_outcomes
        from rainforest.runs.emulator import Emulator

        emulator = Emulator.load(args.emulator)
        if args.dry_run:
            print(
                f"value of information for {sc.name} by the emulator {args.emulator}: "
                f"{len(request.candidates)} candidates x {request.draws} draws, no runs"
            )
            return 0
        expected, reach, outside = emulated_outcomes(request, emulator)
        about = {"source": str(args.emulator), "outside_region": outside,
                 **{k: emulator.about.get(k) for k in ("scenario", "scale", "posterior",
                                                       "design", "runs", "check")}}  # fmt: skip
        report = analyze(request, expected, args.ensemble, {"reach": reach, "about": about})
        return _finish(args, report, sc.name, write_voi, plain)
    workers = args.workers or os.cpu_count() or 1
    plan = RunPlan(
        f"value of information for {sc.name}: {len(request.candidates)} candidates x "
        f"{request.draws} draws x {request.replicates} replicates",
        request.runs, request.requests[0].scale, sc.years,
        min(workers, request.runs),
    )  # fmt: skip
    if announce(plan, args.dry_run):
        return 0
    outputs = run_outcomes(request, workers)
    report = analyze(request, outputs, args.ensemble)
    return _finish(args, report, sc.name, write_voi, plain)


def _finish(args: argparse.Namespace, report: dict, name: str, write_voi, plain) -> int:
    out = args.out if args.out is not None else Path(f"voi_{name}")
    written = write_voi(report, out)
    if args.json:
        print(json.dumps(plain(report), indent=2))
        return 0
    render(report)
    if report.get("emulator") and report["emulator"]["outside_region"]:
        print(
            f"warning: {report['emulator']['outside_region']} candidate-draw points lie "
            "outside the emulator's training region (it extrapolates there)",
            file=sys.stderr,
        )
    print(f"wrote {', '.join(str(p) for p in written)}")
    return 0


def render(report: dict) -> None:
    """The candidates and the EVPPI table in the terminal."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(report["title"])
    console.print(f"{report['band']}; best on expectation: {report['best_candidate']}")
    cand = Table(title="candidates (2030 output, RMB bn)")
    for col in ("candidate", "mean", "5-95 %", "P(>=500)", "regret", "best in"):
        cand.add_column(col, justify="left" if col == "candidate" else "right")
    for c in report["candidates"]:
        cand.add_row(
            c["candidate"], f"{c['mean_output_bn']:,.1f}",
            f"{c['output_p05_bn']:,.0f}-{c['output_p95_bn']:,.0f}",
            f"{c['reach_500_probability']:.2f}", f"{c['expected_regret']:.3g}",
            f"{c['best_in_share_of_draws']:.0%}",
        )  # fmt: skip
    console.print(cand)
    table = Table(title=f"EVPI {report['evpi']:.3g}; EVPPI ({report['unit']})")
    for col in ("parameter", "EVPPI", "share", "today", "informed by"):
        table.add_column(col, justify="right" if col in ("EVPPI", "share") else "left")
    for r in report["evppi"]:
        table.add_row(
            r["parameter"], f"{r['evppi']:.3g}", f"{r['share_of_evpi']:.0%}",
            r["identified_today"], r["informed_by"],
        )  # fmt: skip
    console.print(table)
