"""`rainforest attribute [SCENARIO]`: each plan's Shapley share of the 2030 outcome."""

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
    add_posterior_options,
    add_scale_option,
    add_seed_option,
    out_path,
)

EXIT_RUNS_FAILED = 1
EXIT_INTERRUPTED = 130


def register(sub) -> None:
    attribute = add_command(
        sub, "attribute",
        "exact Shapley attribution of the 2030 outcome to the six plans (64 coalitions)",
        "How much of a scenario's 2030 outcome each of the six plans brings: the scenario "
        "is run with every one of the 64 on/off combinations of the plans, each on the "
        "same seeds (common random numbers), and each plan's exact Shapley value is its "
        "average marginal contribution over the combinations, with bootstrap intervals, "
        "the pairwise interaction indices and a check that the values add up. That is "
        "64 x replicates runs: the command says how many and about how long before it "
        "starts (--dry-run stops there). The runs are kept in --out, so an interrupted "
        "attribution resumes where it stopped.",
        [
            "rainforest attribute --scale classroom --replicates 4 --dry-run",
            "rainforest attribute action_plan --replicates 20 --out results/attribution",
            "rainforest attribute --posterior --draws 20 --replicates 2 --scale district "
            "--out results/attribution_posterior",
        ],
    )  # fmt: skip
    attribute.add_argument(
        "scenario", nargs="?", default="action_plan",
        help="a built-in scenario name or a scenario TOML file (default: action_plan)",
    )  # fmt: skip
    attribute.add_argument(
        "--indicators", nargs="+", default=None, metavar="NAME",
        help="indicators to attribute (default: the targeted ones); commas also separate",
    )  # fmt: skip
    attribute.add_argument(
        "--replicates", type=_pos_int, default=20,
        help="replicates per coalition, on the same seeds in all 64 (default: 20)",
    )  # fmt: skip
    add_scale_option(attribute)
    add_seed_option(attribute)
    attribute.add_argument(
        "--out", type=out_path, default=None,
        help="folder for runs/, sweep.toml, analysis.json, tables and figures "
        "(default: attribution_<scenario>)",
    )  # fmt: skip
    attribute.add_argument(
        "--executor", choices=["local", "dask"], default="local",
        help="local worker processes (default) or Dask",
    )  # fmt: skip
    attribute.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="with --executor dask: a Dask scheduler, tcp://HOST:PORT (default: a LocalCluster)",
    )  # fmt: skip
    attribute.add_argument(
        "--workers", type=_pos_int, default=None,
        help="local worker processes, or the LocalCluster's workers (default: CPUs)",
    )  # fmt: skip
    attribute.add_argument("--chunk-size", type=_pos_int, default=None, help="runs per chunk")
    add_posterior_options(
        attribute,
        "attribute over --draws accepted sets of the posterior ensemble, each draw its own "
        "64 coalitions on its own seeds (64 x draws x replicates runs); the report keeps "
        "parameter and seed uncertainty apart",
    )
    attribute.add_argument("--json", action="store_true", help="print the attribution as JSON")
    add_dry_run_option(attribute)
    attribute.set_defaults(handler=cmd_attribute)


def _indicators(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [name for value in values for name in value.split(",") if name]


def make_executor_factory(args: argparse.Namespace):
    """The executor the options ask for, created only once the runs folder is checked."""
    from rainforest.experiments.sweeps.executors import DaskExecutor, LocalExecutor
    from rainforest.scenarios.errors import ScenarioError

    if args.scheduler and args.executor != "dask":
        raise ScenarioError("--scheduler: goes with --executor dask")
    workers = args.workers or os.cpu_count() or 1

    def make():
        if args.executor == "dask":
            if args.scheduler:
                return DaskExecutor(address=args.scheduler)
            return DaskExecutor(workers=workers)
        return LocalExecutor(workers)

    return make


def cmd_attribute(args: argparse.Namespace) -> int:
    from rainforest.experiments.cli.cmd_sweep import print_summary
    from rainforest.experiments.cli.plan import RunPlan, announce
    from rainforest.experiments.cli.progress import PlainProgress, RichProgress
    from rainforest.experiments.studies.attribution import (
        COALITIONS,
        analyze_attribution,
        prepare,
        run_attribution,
        write_attribution,
    )

    request = prepare(
        args.scenario, _indicators(args.indicators), args.replicates, args.seed, args.scale,
        posterior=args.posterior, draws=args.draws, ensemble=args.ensemble,
    )  # fmt: skip
    out = args.out if args.out is not None else Path(f"attribution_{request.scenario.name}")
    make = make_executor_factory(args)
    workers = 1 if args.scheduler else args.workers or os.cpu_count() or 1
    over = f" x {len(request.draws)} posterior draws" if request.draws else ""
    plan = RunPlan(
        f"attribution of {request.scenario.name}: {COALITIONS} coalitions x "
        f"{request.replicates} replicates{over}", request.runs, request.scale,
        request.scenario.years, workers,
        note=f"runs already in {out / 'runs'} are kept",
    )  # fmt: skip
    if announce(plan, args.dry_run, models=not args.scheduler):
        return 0
    progress = RichProgress() if sys.stderr.isatty() else PlainProgress()
    try:
        summary = run_attribution(request, out, make, chunk_size=args.chunk_size, progress=progress)
    except KeyboardInterrupt:
        print(
            "rainforest: interrupted; the finished runs are kept in "
            f"{out / 'runs'}: run the same command again to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if not summary.ok:
        print_summary(summary, stream=sys.stderr)
        print("rainforest: the attribution needs every run; nothing analysed", file=sys.stderr)
        return EXIT_RUNS_FAILED
    report = analyze_attribution(out)
    written = write_attribution(report, out)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    render(report, summary)
    print(f"wrote {', '.join(str(p) for p in written)}")
    return 0


def _fmt(x: float) -> str:
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:,.3g}"


def render(report: dict, summary) -> None:
    """The Shapley values as terminal tables: one per indicator, the plans down the side."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"{summary.finished_runs} runs ({summary.ran_now} in this call, "
        f"{summary.seconds:.1f} s, executor {summary.executor})"
    )
    console.print(report["title"])
    level = int(100 * report["conf_level"])
    for name, entry in report["indicators"].items():
        measures = entry["measures"]
        table = Table(title=f"{name} ({entry['unit']}), Shapley value [{level} % interval]")
        table.add_column("")
        for measure in measures:
            table.add_column("2030 value" if measure == "value" else "P(reach)", justify="right")

        def cell(v: dict) -> str:
            return f"{_fmt(v['mean'])} [{_fmt(v['low'])}, {_fmt(v['high'])}]"

        table.add_row("no plan", *[cell(m["none"]) for m in measures.values()])
        for plan in report["plans"]:
            table.add_row(plan, *[cell(m["shapley"][plan]) for m in measures.values()])
        table.add_row("all plans", *[cell(m["all"]) for m in measures.values()])
        console.print(table)
    for name, entry in report["indicators"].items():
        sources = entry["measures"]["value"].get("sources")
        if not sources:
            continue
        table = Table(title=f"{name} over the posterior: where the uncertainty comes from")
        for column in ("plan", "mean", "5-95 % over draws", "parameter sd", "seed sd"):
            table.add_column(column, justify="left" if column == "plan" else "right")
        for plan in report["plans"]:
            s, mean = sources[plan], entry["measures"]["value"]["shapley"][plan]["mean"]
            table.add_row(
                plan, _fmt(mean), f"{_fmt(s['posterior_low'])} to {_fmt(s['posterior_high'])}",
                "-" if s["parameter_sd"] is None else _fmt(s["parameter_sd"]),
                "-" if s["seed_sd"] is None else _fmt(s["seed_sd"]),
            )  # fmt: skip
        console.print(table)
    console.print(report["uncertainty"])
    eff = report["efficiency"]
    verdict = "they do" if eff["holds"] else "they DO NOT"
    console.print(
        "efficiency: in every replicate the Shapley values add up to v(all) - v(none): "
        f"{verdict} (largest gap {eff['largest_gap']:.1e})"
    )
