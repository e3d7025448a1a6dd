"""`rainforest run`: one scenario, some replicates, the 2030 scorecard."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rainforest.experiments.cli.args import (
    _pos_int,
    add_command,
    add_posterior_options,
    add_scale_option,
    add_seed_option,
    add_set_option,
    out_path,
)
from rainforest.runs.request import DEFAULT_REPLICATES

# from this many runs (replicates x posterior draws) `run` says how many and about how long
# first, on standard error, as the commands that launch many runs do (cli/plan.py)
MANY_RUNS = 10


def register(sub) -> None:
    run = add_command(
        sub, "run", "run a scenario and print its 2030 scorecard",
        "Run a scenario (a built-in name or a scenario file) from 2021 to its horizon, "
        "some replicates on seeds derived from one root seed, and print its scorecard: each "
        "indicator's median and 5-95 % band in the report year against the plan's 2030 "
        "target, and the share of runs that reach it. With --posterior the replicates run "
        "on accepted parameter sets of the posterior ensemble, so the band covers what the "
        "model's parameters are not sure of as well as chance. --out keeps every run's "
        "indicators, quarter by quarter, and the figures, for rainforest report.",
        [
            "rainforest run action_plan --scale classroom --replicates 5",
            "rainforest run action_plan --posterior --draws 10 --out results/plan",
            "rainforest run baseline --set market.bass_q=0.3 --json",
        ],
    )  # fmt: skip
    run.add_argument("scenario", help="a built-in scenario name or a scenario TOML file")
    add_scale_option(run)
    add_set_option(run)
    add_seed_option(run, "the root seed the runs' seeds derive from")
    run.add_argument(
        "--replicates", type=_pos_int, default=DEFAULT_REPLICATES,
        help=f"runs (per posterior draw) (default {DEFAULT_REPLICATES})",
    )  # fmt: skip
    run.add_argument(
        "--out", type=out_path, default=None,
        help="folder for Parquet, summary.json and the fan chart and scorecard PNGs",
    )  # fmt: skip
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_posterior_options(
        run,
        "run each replicate on a different accepted set of the posterior ensemble "
        "(replicates x draws runs); without it a run uses the ensemble's median set",
    )
    run.set_defaults(handler=cmd_run)


def _progress(enabled: bool):
    """A rich progress bar on a terminal; nothing otherwise."""
    if not enabled:
        return None
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(), transient=True,
    )  # fmt: skip


def _figures(name: str, results: list) -> dict[str, bytes]:
    """The report figures written beside the result files: output fan chart and scorecard."""
    from rainforest.viz.figures import report_pngs

    return report_pngs({name: [r.indicators for r in results]})


def parse_overrides(items: list[str]) -> dict[str, object]:
    """``PATH=VALUE`` options as overrides; a value is read as TOML (``3.0``, ``true``,
    ``{ 2025 = 1.0 }``, ``"text"``), and as plain text if it is not TOML."""
    import tomllib

    from rainforest.scenarios.errors import ScenarioError

    overrides: dict[str, object] = {}
    for item in items:
        path, sep, text = item.partition("=")
        path = path.strip()
        if not sep or not path:
            raise ScenarioError(f"--set {item!r}: expected PATH=VALUE, as market.bass_q=0.3")
        try:
            value = tomllib.loads(f"value = {text}")["value"]
        except tomllib.TOMLDecodeError:
            value = text.strip()
        except RecursionError:
            raise ScenarioError(f"--set {path}: the value is nested too deeply") from None
        if path in overrides:
            raise ScenarioError(f"--set {path}: set twice")
        overrides[path] = value
    return overrides


def refuse_results_of_others(out: Path) -> None:
    """A run's files do not go into a sweep's results or an analysis: ``report`` would read
    the folder as those and never see the run."""
    from rainforest.scenarios.errors import ScenarioError

    for name, holds in (("manifest.json", "a sweep's results"), ("analysis.json", "an analysis")):
        if (out / name).exists():
            raise ScenarioError(
                f"--out {out}: holds {holds} ({name}); give a folder of its own for the run"
            )


def cmd_run(args: argparse.Namespace) -> int:
    from rainforest.experiments.cli.plan import RunPlan, announce, say_if_cold
    from rainforest.experiments.files import output_folder
    from rainforest.experiments.run_files import write_run_results
    from rainforest.experiments.scorecard import render_scorecard
    from rainforest.runs import resolve_request, run_request

    request = resolve_request(
        args.scenario,
        overrides=parse_overrides(args.overrides) if args.overrides else None,
        scale=args.scale, seed=args.seed, replicates=args.replicates,
        posterior=args.posterior, draws=args.draws, ensemble=args.ensemble,
    )  # fmt: skip
    if args.out is not None:  # an unwritable folder is found before the runs, not after
        refuse_results_of_others(args.out)
        output_folder(args.out)
    if request.run_count >= MANY_RUNS:  # say how long before a wait worth knowing about
        announce(
            RunPlan("run", request.run_count, request.scale, request.scenario.years),
            dry_run=False,
        )
    else:
        say_if_cold()
    progress = _progress(sys.stderr.isatty() and not args.json)
    if progress is None:
        runs = run_request(request)
    else:
        with progress:
            total = request.run_count * request.scenario.ticks
            task = progress.add_task(request.scenario.name, total=total)
            runs = run_request(request, on_tick=lambda _t: progress.advance(task))
    summary = runs.summary
    if args.out is not None:
        figures = _figures(runs.scenario.name, list(runs.results))
        write_run_results(args.out, runs.results, summary, figures)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        render_scorecard(summary)
        if args.out is not None:
            print(
                f"wrote {args.out}/indicators.parquet, summary.json, fan_chart.png and "
                "scorecard.png"
            )
    return 0
