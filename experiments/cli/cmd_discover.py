"""`rainforest discover DIR`: PRIM boxes of a finished sweep's inputs where a target is
reached (or missed)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rainforest.experiments.cli.show import show_analysis


def _unit_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {value}")
    return value


def register(sub) -> None:
    from rainforest.experiments.cli.args import (
        _pos_int,
        add_command,
        add_dry_run_option,
        out_path,
    )
    from rainforest.scenarios.targets import TARGET_YEAR

    p = add_command(
        sub, "discover",
        "scenario discovery (PRIM): where in a sweep's inputs a target is reached",
        "Scenario discovery on a finished sweep: PRIM peels away, a little at a time, the "
        "values of the sweep's inputs where the target is seldom reached (or, with "
        "--missed, seldom missed) and keeps the box of input ranges where it mostly is: "
        "the box's density is the share of its runs that reach the target, its coverage "
        "the share of all such runs it holds. It runs no model: it reads the sweep's "
        "results folder, so run a sweep that varies the inputs first (the shipped "
        "discovery sweep does). --dry-run says how many runs it would read.",
        [
            "rainforest sweep discovery --out results/discovery",
            "rainforest discover results/discovery --threshold 500 --out results/prim",
            "rainforest discover results/discovery --missed --boxes 2",
        ],
    )  # fmt: skip
    p.add_argument("dir", type=Path, help="a finished sweep's results folder")
    p.add_argument(
        "--target", default="output_value_bn",
        help="the indicator (default output_value_bn), or a function sweep's outcome",
    )  # fmt: skip
    p.add_argument(
        "--threshold", type=float, default=None,
        help="the value to reach (default: the plan's 2030 target for the indicator)",
    )  # fmt: skip
    p.add_argument("--year", type=int, default=TARGET_YEAR, help="the year the outcome is read")
    p.add_argument(
        "--missed", action="store_true",
        help="find where the target is missed instead of reached",
    )  # fmt: skip
    p.add_argument(
        "--min-density", type=_unit_float, default=0.8,
        help="the box chosen is the widest whose density is at least this (default 0.8)",
    )  # fmt: skip
    p.add_argument(
        "--inputs", default=None, metavar="PATH,...|levers|uncertainties",
        help="the sweep's inputs PRIM may restrict (default: every one it varied)",
    )  # fmt: skip
    p.add_argument("--boxes", type=_pos_int, default=1, help="boxes to find, one after another")
    add_dry_run_option(p)
    p.add_argument("--peel-alpha", type=_unit_float, default=0.05, help="share peeled per step")
    p.add_argument("--mass-min", type=_unit_float, default=0.05, help="smallest box, as a share")
    p.add_argument("--json", action="store_true", help="print the discovery as JSON")
    p.add_argument(
        "--out", type=out_path, default=None,
        help="folder for analysis.json, boxes.csv, peeling_trajectory.csv and the figures",
    )  # fmt: skip
    p.set_defaults(handler=cmd_discover)


def write_discovery(report: dict[str, Any], out: Path) -> list[Path]:
    """analysis.json, the box limits and trajectory as CSV, and two figures per box."""
    from rainforest.experiments.studies.analysis_dir import write_analysis
    from rainforest.experiments.studies.discovery import limits_frame, trajectory_frame
    from rainforest.viz.discovery_figures import box_limits, peeling_trajectory
    from rainforest.viz.figures import png_bytes

    goal = "missed" if report["target"]["missed"] else "reached"
    figures = {}
    for box in report["boxes"]:
        suffix = "" if box["box"] == 0 else f"_box{box['box']}"
        min_density = report["settings"]["min_density"]
        figures[f"peeling_trajectory{suffix}.png"] = (
            png_bytes(peeling_trajectory(box, min_density, f"{report['title']}\nbox {box['box']}")),
            f"PRIM peeling trajectory of box {box['box']}: coverage against density, "
            f"the chosen box ringed (runs where the target is {goal})",
        )
        figures[f"box_limits{suffix}.png"] = (
            png_bytes(box_limits(box, f"Box {box['box']}: where the target is {goal}")),
            f"Limits of box {box['box']} on each input, as a share of the sampled range",
        )
    tables = {
        "boxes.csv": (limits_frame(report), "Box limits per input, with coverage and density"),
        "peeling_trajectory.csv": (trajectory_frame(report), "PRIM peeling trajectory"),
    }
    return write_analysis(out, report, figures, tables)


def render(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"{report['title']}: {report['cases_of_interest']} of {report['cases']} runs "
        f"({100 * report['base_rate']:.0f} %)"
    )
    for box in report["boxes"]:
        table = Table(
            title=(
                f"box {box['box']}: coverage {box['coverage']:.2f}, density "
                f"{box['density']:.2f}, mass {box['mass']:.2f} ({box['cases']} runs), "
                f"{len(box['restricted'])} restricted inputs"
            )
        )
        for column in ("input", "box", "sampled", "qp"):
            table.add_column(column)
        for lim in box["limits"]:
            if not lim["restricted"]:
                continue
            if "levels" in lim:
                inside, sampled = ", ".join(lim["levels"]), ", ".join(lim["all_levels"])
            else:
                inside = f"{lim['min']:.4g} - {lim['max']:.4g}"
                sampled = f"{lim['data_min']:.4g} - {lim['data_max']:.4g}"
            qp = [lim.get("qp_lower"), lim.get("qp_upper")]
            table.add_row(
                lim["input"], inside, sampled,
                " / ".join("-" if v is None else f"{v:.2g}" for v in qp),
            )  # fmt: skip
        console.print(table)
        if box["note"]:
            console.print(f"note: {box['note']}")


def cmd_discover(args: argparse.Namespace) -> int:
    from rainforest.experiments.studies.discovery import PrimSettings, discover

    if args.dry_run:
        from rainforest.experiments.sweeps.storage import load_manifest

        manifest = load_manifest(args.dir)
        print(
            f"discovery: reads the {manifest.finished_runs or 0:,} finished runs of sweep "
            f"{manifest.name} in {args.dir}; runs no model"
        )
        print("dry run: nothing was run")
        return 0
    settings = PrimSettings(
        min_density=args.min_density, peel_alpha=args.peel_alpha, mass_min=args.mass_min,
        boxes=args.boxes,
    )  # fmt: skip
    inputs = None
    if args.inputs is not None:
        inputs = [part.strip() for part in args.inputs.split(",") if part.strip()]
    report = discover(
        args.dir, args.target, args.threshold, args.year, missed=args.missed,
        settings=settings, inputs=inputs,
    )  # fmt: skip
    written = write_discovery(report, args.out) if args.out is not None else []
    return show_analysis(report, written, args.json, render)
