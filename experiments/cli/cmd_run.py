"""`rainforest run`: one scenario, some replicates, the 2030 scorecard."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rainforest.experiments.cli.args import _nonneg_int, _pos_int


def register(sub) -> None:
    run = sub.add_parser("run", help="run a scenario and print its 2030 scorecard")
    run.add_argument("scenario", help="a built-in scenario name or a scenario TOML file")
    run.add_argument("--scale", choices=["classroom", "district", "city"], default=None)
    run.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
        help="set a scenario value by dotted path, as sweep files do (repeatable): "
        "--set plans.array.budget_bn=3.0 --set market.bass_q=0.3",
    )  # fmt: skip
    run.add_argument("--seed", type=_nonneg_int, default=0)
    run.add_argument("--replicates", type=_pos_int, default=1)
    run.add_argument(
        "--out", type=Path, default=None,
        help="folder for Parquet, summary.json and the fan chart and scorecard PNGs",
    )  # fmt: skip
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
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


def _write_figures(out: Path, name: str, results: list) -> None:
    """The report figures next to the result files: output fan chart and scorecard."""
    from rainforest.experiments.files import write_atomic
    from rainforest.viz.figures import report_pngs

    for file_name, png in report_pngs({name: [r.indicators for r in results]}).items():
        write_atomic(out / file_name, png)


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
        if path in overrides:
            raise ScenarioError(f"--set {path}: set twice")
        overrides[path] = value
    return overrides


def cmd_run(args: argparse.Namespace) -> int:
    from rainforest.experiments.run import default_scale, run_replicates
    from rainforest.experiments.run_files import write_run_results
    from rainforest.experiments.scorecard import render_scorecard, summary_dict
    from rainforest.scenarios.loader import load_scenario
    from rainforest.scenarios.overrides import apply_overrides

    scenario = load_scenario(args.scenario)
    if args.overrides:
        scenario = apply_overrides(scenario, parse_overrides(args.overrides))
    scale = args.scale or default_scale(scenario)
    if scale != scenario.scale:
        scenario = apply_overrides(scenario, {"scale": scale})
    progress = _progress(sys.stderr.isatty() and not args.json)
    if progress is None:
        results = run_replicates(scenario, args.replicates, args.seed)
    else:
        with progress:
            total = args.replicates * scenario.ticks
            task = progress.add_task(f"{scenario.name}", total=total)
            results = run_replicates(
                scenario, args.replicates, args.seed,
                on_tick=lambda _t: progress.advance(task),
            )  # fmt: skip
    summary = summary_dict(results, args.seed)
    if args.out is not None:
        write_run_results(args.out, results, summary)
        _write_figures(args.out, scenario.name, results)
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
