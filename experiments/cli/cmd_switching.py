"""`rainforest switching [SCENARIO]`: the value of each uncertain input at which the
scenario's median outcome stops reaching a target, and a tornado chart."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rainforest.experiments.cli.args import add_scale_option, add_seed_option
from rainforest.experiments.cli.show import show_analysis


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
        sub, "switching",
        "switching values: where each uncertain input makes the plan miss its target",
        "For each uncertain input, the value at which the scenario's median outcome crosses "
        "the target: the input is set to its range's ends and to the scenario's own value, "
        "and where the outcome changes side a root finder narrows the crossing down to "
        "--xtol of the range, every evaluation on the same replicate seeds. The result is "
        "a table of switching values and a tornado chart of the outcome at each input's "
        "ends. Each input costs 3 evaluations, plus about a dozen where it crosses, each of "
        "--replicates runs: the command says how many and about how long before it starts "
        "(--dry-run stops there).",
        [
            "rainforest switching --scale classroom --replicates 4 --dry-run",
            "rainforest switching action_plan --inputs market.bass_q,market.bass_p "
            "--out results/switching",
        ],
    )  # fmt: skip
    p.add_argument(
        "scenario", nargs="?", default="action_plan",
        help="a built-in scenario name or a scenario TOML file",
    )  # fmt: skip
    p.add_argument("--target", default="output_value_bn", help="the indicator")
    p.add_argument(
        "--threshold", type=float, default=None,
        help="the value to reach (default: the plan's 2030 target for the indicator)",
    )  # fmt: skip
    p.add_argument("--year", type=int, default=TARGET_YEAR, help="the year the outcome is read")
    p.add_argument(
        "--inputs", action="append", default=[], metavar="PATH[=LOW:HIGH][,...]",
        help="the inputs (default: every uncertainty of --ranges); a range may be given "
        "as market.bass_q=0.1:0.3",
    )  # fmt: skip
    p.add_argument(
        "--ranges", default="discovery",
        help="a sweep file (or shipped sweep) whose uncertainties give the ranges "
        "(default: discovery)",
    )  # fmt: skip
    p.add_argument(
        "--replicates", type=_pos_int, default=8,
        help="runs per evaluation, on the same seeds at every value",
    )  # fmt: skip
    add_seed_option(p, "the root seed of the runs")
    add_scale_option(p)
    p.add_argument(
        "--xtol", type=float, default=0.01,
        help="precision of a switching value, as a share of its range (default 0.01)",
    )  # fmt: skip
    add_local_workers_option(p)
    add_dry_run_option(p)
    p.add_argument("--json", action="store_true", help="print the analysis as JSON")
    p.add_argument(
        "--out", type=out_path, default=None,
        help="folder for analysis.json, switching_values.csv and tornado.png",
    )  # fmt: skip
    p.set_defaults(handler=cmd_switching)


def parse_inputs(items: list[str], ranges_file: str) -> dict[str, tuple[float, float]]:
    """``--inputs`` as {path: (low, high)}: a range given, or the ranges file's."""
    from rainforest.experiments.studies.uncertainties import uncertainty_ranges
    from rainforest.experiments.sweeps.spec import load_sweep
    from rainforest.scenarios.errors import ScenarioError

    wanted = [part.strip() for item in items for part in item.split(",") if part.strip()]
    file_ranges = None
    out: dict[str, tuple[float, float]] = {}
    for item in wanted:
        path, sep, span = item.partition("=")
        if sep:
            low, colon, high = span.partition(":")
            try:
                out[path] = (float(low), float(high))
            except ValueError:
                raise ScenarioError(f"--inputs {item}: expected PATH=LOW:HIGH") from None
            if not colon:
                raise ScenarioError(f"--inputs {item}: expected PATH=LOW:HIGH")
            continue
        if file_ranges is None:
            file_ranges = uncertainty_ranges(load_sweep(ranges_file))
        if path not in file_ranges:
            raise ScenarioError(
                f"--inputs {path}: not an uncertainty of {ranges_file} (it has "
                f"{', '.join(file_ranges)}); give a range as {path}=LOW:HIGH"
            )
        p = file_ranges[path]
        out[path] = (p.low, p.high)
    if not wanted:
        file_ranges = uncertainty_ranges(load_sweep(ranges_file))
        if not file_ranges:
            raise ScenarioError(f"--ranges {ranges_file}: the sweep has no numeric uncertainties")
        out = {path: (p.low, p.high) for path, p in file_ranges.items()}
    return out


def write_switching(report: dict[str, Any], out: Path) -> list[Path]:
    from rainforest.experiments.studies.analysis_dir import write_analysis
    from rainforest.experiments.studies.switching import switching_frame
    from rainforest.viz.figures import png_bytes
    from rainforest.viz.switching_figures import tornado

    target = report["target"]
    fig = tornado(
        report["inputs"], target["threshold"], report["outcome_at_base"], target["unit"],
        report["title"],
    )  # fmt: skip
    figures = {
        "tornado.png": (
            png_bytes(fig),
            f"Median {target['indicator']} in {target['year']} at each input's low and high "
            f"end; markers where it crosses {target['threshold']:g} (switching values)",
        )
    }
    tables = {
        "switching_values.csv": (
            switching_frame(report),
            "Switching value of each input, with the outcome at its range's ends",
        )
    }
    return write_analysis(out, report, figures, tables)


def render(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = report["target"]
    table = Table(title=f"{report['title']} (at the scenario: {report['outcome_at_base']:.4g})")
    for column in ("input", "range", "base", "outcome low - high", "switching value"):
        table.add_column(column)
    for e in report["inputs"]:
        if e["crossings"]:
            values = "; ".join(f"{c['value']:.4g} (reached {c['reached']})" for c in e["crossings"])
        else:
            values = f"not crossed within range ({e['status']})"
        table.add_row(
            e["input"], f"{e['low']:.4g} - {e['high']:.4g}", f"{e['base']:.4g}",
            f"{e['outcome_low']:.4g} - {e['outcome_high']:.4g} {t['unit']}", values,
        )  # fmt: skip
    Console().print(table)


def cmd_switching(args: argparse.Namespace) -> int:
    import math

    from rainforest.experiments.cli.plan import RunPlan, announce
    from rainforest.experiments.studies.outcome import outcome
    from rainforest.experiments.studies.switching import switching_values
    from rainforest.scenarios.errors import ScenarioError
    from rainforest.scenarios.loader import load_scenario

    if not 0.0 < args.xtol < 1.0:
        raise ScenarioError(f"--xtol: must be between 0 and 1, got {args.xtol}")
    target = outcome(args.target, args.threshold, args.year)
    scenario = load_scenario(args.scenario)
    ranges = parse_inputs(args.inputs, args.ranges)
    evaluations = 3 * len(ranges)
    most = evaluations + len(ranges) * (math.ceil(math.log2(1 / args.xtol)) + 4)
    plan = RunPlan(
        f"switching values of {len(ranges)} inputs, {args.replicates} replicates an evaluation",
        evaluations * args.replicates, args.scale or scenario.scale,
        scenario.years, args.workers,
        most_runs=most * args.replicates,
    )  # fmt: skip
    if announce(plan, args.dry_run):
        return 0
    report = switching_values(
        scenario, ranges, target, replicates=args.replicates, root_seed=args.seed,
        scale=args.scale, xtol_share=args.xtol, source=args.scenario, workers=args.workers,
    )  # fmt: skip
    written = write_switching(report, args.out) if args.out is not None else []
    return show_analysis(report, written, args.json, render)
