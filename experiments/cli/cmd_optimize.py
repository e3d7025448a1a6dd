"""`rainforest optimize --budget-bn X | --pareto`: the allocation across the six plans most
likely to reach the targets, or the front of cost against reach."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rainforest.experiments.cli.args import add_scale_option, add_seed_option
from rainforest.experiments.cli.show import show_analysis


def _range(text: str) -> tuple[float, float]:
    low, sep, high = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return float(low), float(high)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW:HIGH, got {text!r}") from None


def register(sub) -> None:
    from rainforest.experiments.cli.args import (
        _pos_int,
        add_command,
        add_dry_run_option,
        add_local_workers_option,
        out_path,
    )
    from rainforest.scenarios.targets import TARGET_YEAR

    p = add_command(
        sub, "optimize",
        "the allocation of a budget across the six plans most likely to reach the targets",
        "Search how to split a yearly budget across the six plans: each candidate split "
        "(a trial, chosen by Optuna's sampler; the scenario's own split is the first) is run "
        "on the same replicate seeds and scored by its chance of reaching the target, so "
        "the best split can be set beside the plan as written. --pareto searches the total "
        "too and gives the front of cost against that chance; --futures scores every "
        "candidate in each future of a sweep file and ranks them by robustness. That is "
        "trials x replicates (x futures) runs: the command says how many and about how "
        "long before it starts (--dry-run stops there). With --emulator, a Gaussian-process "
        "emulator of the budgets scores thousands of candidates at once and only its best "
        "few, and the scenario's own mix, are run; each says what the emulator predicted.",
        [
            "rainforest optimize --budget-bn 20 --scale classroom --trials 20 --dry-run",
            "rainforest optimize --pareto --trials 100 --out results/pareto",
            "rainforest optimize --budget-bn 20 --futures uncertainty --out results/robust",
            "rainforest optimize --budget-bn 20 --emulator emulators/six_plans --screen 5000 "
            "--confirm 5 --out results/emulated",
        ],
    )  # fmt: skip
    p.add_argument(
        "scenario", nargs="?", default="action_plan",
        help="a built-in scenario name or a scenario TOML file",
    )  # fmt: skip
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--budget-bn", type=float, default=None,
        help="the total budget, RMB bn a year from 2023, to split across the plans",
    )  # fmt: skip
    mode.add_argument(
        "--pareto", action="store_true",
        help="search totals too: the front of total cost against reach probability",
    )  # fmt: skip
    p.add_argument(
        "--budget-range", type=_range, default=None, metavar="LOW:HIGH",
        help="with --pareto, the totals searched (default: 0 to twice the scenario's)",
    )  # fmt: skip
    p.add_argument(
        "--objectives", default="output_value_bn",
        help="indicators whose chance of reaching its target to maximise, the first the "
        "primary (comma-separated; default output_value_bn)",
    )  # fmt: skip
    p.add_argument(
        "--threshold", type=float, default=None,
        help="the primary objective's threshold (default: its 2030 target)",
    )  # fmt: skip
    p.add_argument("--year", type=int, default=TARGET_YEAR, help="the year the outcome is read")
    p.add_argument(
        "--trials", type=_pos_int, default=50,
        help="candidate allocations to run, the scenario's own mix the first",
    )  # fmt: skip
    p.add_argument("--replicates", type=_pos_int, default=8, help="runs per candidate and future")
    add_scale_option(p)
    add_seed_option(p, "root seed of runs and sampler")
    add_dry_run_option(p)
    p.add_argument(
        "--futures", default=None, metavar="SWEEP",
        help="a sweep file of uncertainties (or a shipped one): each of its samples is a "
        "future every candidate is scored in",
    )  # fmt: skip
    p.add_argument(
        "--emulator", type=Path, default=None, metavar="DIR",
        help="an emulator of the six plans' budgets (rainforest emulate train on a sweep "
        "like six_plans_lhs, at this scale): score --screen candidates with it in "
        "milliseconds, then confirm its best --confirm with real runs (--trials unused)",
    )  # fmt: skip
    p.add_argument(
        "--screen", type=_pos_int, default=5000,
        help="with --emulator: candidate allocations the emulator scores",
    )  # fmt: skip
    p.add_argument(
        "--confirm", type=_pos_int, default=5,
        help="with --emulator: the emulator's best candidates run for real (with the "
        "scenario's own mix)",
    )  # fmt: skip
    add_local_workers_option(p)
    p.add_argument("--json", action="store_true", help="print the analysis as JSON")
    p.add_argument(
        "--out", type=out_path, default=None,
        help="folder for analysis.json, trials.csv, the figures and, with --futures, "
        "robustness.csv and futures.csv",
    )  # fmt: skip
    p.set_defaults(handler=cmd_optimize)


def write_optimization(report: dict[str, Any], out: Path) -> list[Path]:
    from rainforest.experiments.studies.analysis_dir import write_analysis
    from rainforest.experiments.studies.optimization import (
        futures_frame,
        robustness_frame,
        trials_frame,
    )
    from rainforest.viz import optimization_figures as figs
    from rainforest.viz.figures import png_bytes

    primary = report["objectives"][0]
    name, threshold = primary["indicator"], primary["threshold"]
    trials = report["trials"]
    by_number = {t["trial"]: t for t in trials}
    figures: dict[str, tuple[bytes, str]] = {}
    tables = {"trials.csv": (trials_frame(report), "Every candidate tried: shares, budgets, reach")}
    screened = report.pop("screened", None)
    if screened is not None:
        tables["screened.csv"] = (
            screened,
            "Every candidate the emulator scored: shares, total, emulated reach and mean, "
            "whether it lies outside the emulator's training region",
        )
    if report["mode"] == "pareto":
        figures["pareto.png"] = (
            png_bytes(figs.pareto_front(trials, name, f"Cost against P({name} >= {threshold:g})")),
            f"Total budget against P({name} >= {threshold:g}): every trial, the "
            "Pareto front in red, the scenario's own mix as a star",
        )
        front = sorted((by_number[n] for n in report["front"]), key=lambda t: t["total_bn"])
        if front:
            rows = [(f"trial {t['trial']}", t) for t in front]
            figures["front_allocations.png"] = (
                png_bytes(figs.allocation_chart(rows, name, "Allocations on the front")),
                "The budget by plan of each allocation on the front, cheapest first",
            )
    else:
        rows = []
        if report["reference"] is not None:
            rows.append((f"{report['scenario']}'s mix", by_number[report["reference"]]))
        rows.append((f"best (trial {report['best']})", by_number[report["best"]]))
        figures["allocation.png"] = (
            png_bytes(figs.allocation_chart(rows, name, f"RMB {report['budget_bn']:g} bn a year")),
            f"The best allocation of RMB {report['budget_bn']:g} bn a year against the "
            "scenario's own mix at the same total",
        )
        figures["search.png"] = (
            png_bytes(figs.search_history(trials, name, "Reach probability by trial")),
            "Each candidate's reach probability in the order tried, with the best so far",
        )
    if report["robustness"] is not None:
        rob = report["robustness"]
        chart = figs.robustness_chart(
            rob["metrics"], rob["most_robust"], primary["unit"],
            f"Robustness over {report['futures']['count']} futures", report["reference"],
        )  # fmt: skip
        figures["robustness.png"] = (
            png_bytes(chart),
            "Each candidate's 10th-percentile outcome against its maximum regret across "
            "futures, the most robust by each metric and the scenario's own mix marked",
        )
        tables["robustness.csv"] = (
            robustness_frame(report),
            "Robustness metrics of every candidate over the futures",
        )
        tables["futures.csv"] = (futures_frame(report), "Every candidate's outcome in every future")
    return write_analysis(out, report, figures, tables)


def render(report: dict[str, Any]) -> None:
    from rainforest.scenarios.schema import PLAN_NAMES
    from rich.console import Console
    from rich.table import Table

    console = Console()
    names = [o["indicator"] for o in report["objectives"]]
    by_number = {t["trial"]: t for t in report["trials"]}
    if report["mode"] == "pareto":
        shown = sorted((by_number[n] for n in report["front"]), key=lambda t: t["total_bn"])
        title = f"{report['title']}: the front ({len(shown)} of {len(report['trials'])} trials)"
    else:
        shown = [by_number[report["best"]]]
        if report["reference"] is not None and report["reference"] != report["best"]:
            shown.insert(0, by_number[report["reference"]])
        title = f"{report['title']} ({len(report['trials'])} trials, {report['runs']} runs)"
    # one column per candidate shown, one row per plan: plan names stay readable
    table = Table(title=title)
    table.add_column("RMB bn a year")
    for t in shown:
        label = f"trial {t['trial']}" + (" (scenario's mix)" if t["reference"] else "")
        table.add_column(label + (" best" if t["trial"] == report["best"] else ""), justify="right")
    for plan in PLAN_NAMES:
        table.add_row(plan, *(f"{t['budgets_bn'][plan]:.2f}" for t in shown))
    table.add_row("total", *(f"{t['total_bn']:.3g}" for t in shown), end_section=True)
    for n in names:
        table.add_row(f"P({n})", *(f"{t['reach_probability'][n]:.2f}" for t in shown))
        table.add_row(f"median {n}", *(f"{t['median'][n]:.4g}" for t in shown))
        if report.get("emulator"):
            table.add_row(
                f"emulated P({n})", *(f"{t['emulated_reach_probability'][n]:.2f}" for t in shown)
            )
            table.add_row(f"emulated mean {n}", *(f"{t['emulated_mean'][n]:.4g}" for t in shown))
    console.print(table)
    if report.get("emulator"):
        s = report["sampler"]
        console.print(
            f"the emulator scored {s['screened']} candidates inside its training region (of "
            f"{s['drawn']} drawn; {s['outside_region']} scored outside it, never confirmed); "
            f"{s['confirmed']} were run for real"
        )
    rob = report["robustness"]
    if rob is not None:
        picks = rob["most_robust"]
        console.print(
            f"robust over {report['futures']['count']} futures: best mean reach trial "
            f"{picks['mean_reach']}, best 10th-percentile outcome trial {picks['p10_outcome']}, "
            f"least maximum regret trial {picks['max_regret_outcome']}"
            + (" (the metrics disagree)" if rob["metrics_disagree"] else "")
        )
    if report["cheapest"]:
        for level, pick in report["cheapest"].items():
            text = (
                "none tried"
                if pick is None
                else (f"trial {pick['trial']}, RMB {pick['total_bn']:.3g} bn a year")
            )
            console.print(f"cheapest with P({names[0]}) >= {level}: {text}")


def cmd_optimize(args: argparse.Namespace) -> int:
    from rainforest.experiments.cli.plan import RunPlan, announce
    from rainforest.experiments.studies.optimization import optimize
    from rainforest.experiments.studies.outcome import outcome
    from rainforest.experiments.studies.uncertainties import futures
    from rainforest.experiments.sweeps.spec import load_sweep
    from rainforest.scenarios.errors import ScenarioError
    from rainforest.scenarios.loader import load_scenario

    names = [n.strip() for n in args.objectives.split(",") if n.strip()]
    if not names:
        raise ScenarioError("--objectives: at least one indicator")
    if len(set(names)) != len(names):
        raise ScenarioError(f"--objectives: names an indicator twice ({args.objectives})")
    if args.budget_range is not None and not args.pareto:
        raise ScenarioError("--budget-range: only with --pareto (--budget-bn fixes the total)")
    objectives = [
        outcome(n, args.threshold if i == 0 else None, args.year, where="--objectives")
        for i, n in enumerate(names)
    ]
    scenario = load_scenario(args.scenario)
    ensemble = None
    if args.futures is not None:
        if args.emulator is not None:
            raise ScenarioError("--futures: not with --emulator (it emulates one future)")
        ensemble = futures(load_sweep(args.futures))
    if args.emulator is not None:
        return _optimize_with_emulator(args, scenario, objectives)
    n_futures = len(ensemble) if ensemble else 1
    plan = RunPlan(
        f"optimisation: {args.trials} trials x {args.replicates} replicates"
        + (f" x {n_futures} futures" if ensemble else ""),
        args.trials * args.replicates * n_futures, args.scale or scenario.scale,
        scenario.years, args.workers,
    )  # fmt: skip
    if announce(plan, args.dry_run):
        return 0
    report = optimize(
        scenario, objectives, budget_bn=args.budget_bn, budget_range=args.budget_range,
        trials=args.trials, replicates=args.replicates, root_seed=args.seed, scale=args.scale,
        futures=ensemble, futures_source=args.futures, source=args.scenario,
        workers=args.workers,
    )  # fmt: skip
    written = write_optimization(report, args.out) if args.out is not None else []
    return show_analysis(report, written, args.json, render)


def _optimize_with_emulator(args: argparse.Namespace, scenario, objectives) -> int:
    from rainforest.experiments.cli.plan import RunPlan, announce
    from rainforest.experiments.studies.optimization import optimize_with_emulator
    from rainforest.runs.emulator import Emulator

    emulator = Emulator.load(args.emulator)
    plan = RunPlan(
        f"optimisation by emulator: {args.screen} candidates scored, the best {args.confirm} "
        f"and the scenario's mix x {args.replicates} replicates run",
        (args.confirm + 1) * args.replicates, args.scale or scenario.scale, scenario.years,
        args.workers,
    )  # fmt: skip
    if announce(plan, args.dry_run):
        return 0
    report = optimize_with_emulator(
        scenario, objectives, emulator, budget_bn=args.budget_bn,
        budget_range=args.budget_range, screen=args.screen, confirm=args.confirm,
        replicates=args.replicates, root_seed=args.seed, scale=args.scale,
        source=args.scenario, emulator_source=str(args.emulator), workers=args.workers,
    )  # fmt: skip
    written = write_optimization(report, args.out) if args.out is not None else []
    report.pop("screened", None)
    return show_analysis(report, written, args.json, render)
