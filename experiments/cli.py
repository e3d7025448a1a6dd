"""The ``rainforest`` command line.

Bad input (a malformed scenario, an unknown name, a bad option) prints one message that
names the field or file and exits with status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scenarios.errors import ScenarioError

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, status 2, as for any bad input
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _nonneg_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _pos_int(text: str) -> int:
    value = _nonneg_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rainforest",
        description="Agent-based simulator of Shanghai's future-industry innovation ecosystem.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run a scenario and print its 2030 scorecard")
    run.add_argument("scenario", help="a built-in scenario name or a scenario TOML file")
    run.add_argument("--engine", default="mesa", choices=["mesa"])
    run.add_argument("--scale", choices=["classroom", "district", "city"], default=None)
    run.add_argument("--seed", type=_nonneg_int, default=0)
    run.add_argument("--replicates", type=_pos_int, default=1)
    run.add_argument("--out", type=Path, default=None, help="folder for Parquet + summary.json")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")

    scen = sub.add_parser("scenarios", help="list, show or validate scenarios")
    scen_sub = scen.add_subparsers(dest="action", required=True, parser_class=_Parser)
    scen_sub.add_parser("list", help="the built-in scenarios")
    show = scen_sub.add_parser("show", help="a scenario in full, every default spelt out")
    show.add_argument("name")
    validate = scen_sub.add_parser("validate", help="check a scenario file")
    validate.add_argument("file")
    return parser


def _progress(enabled: bool):
    """A rich progress bar on a terminal; nothing otherwise."""
    if not enabled:
        return None
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(), transient=True,
    )  # fmt: skip


def cmd_run(args: argparse.Namespace) -> int:
    from experiments.results import write_run_results
    from experiments.run import derive_seed, run_one
    from experiments.scorecard import render_scorecard, summary_dict
    from scenarios.loader import load_scenario, with_overrides

    scenario = load_scenario(args.scenario)
    if args.scale is not None:
        scenario = with_overrides(scenario, {"scale": args.scale})
    seeds = [derive_seed(args.seed, 0, r) for r in range(args.replicates)]
    progress = _progress(sys.stderr.isatty() and not args.json)
    results = []
    if progress is None:
        for seed in seeds:
            results.append(run_one(scenario, seed, args.engine))
    else:
        with progress:
            task = progress.add_task(f"{scenario.name}", total=len(seeds) * scenario.ticks)
            for seed in seeds:
                results.append(
                    run_one(scenario, seed, args.engine, on_tick=lambda _t: progress.advance(task))
                )
    summary = summary_dict(results, args.seed)
    if args.out is not None:
        write_run_results(args.out, results, summary)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        render_scorecard(summary)
        if args.out is not None:
            print(f"wrote {args.out}/indicators.parquet and {args.out}/summary.json")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    from scenarios.loader import library_names, load_scenario, scenario_to_toml

    if args.action == "list":
        for name in library_names():
            print(f"{name:18s} {load_scenario(name).description}")
    elif args.action == "show":
        print(scenario_to_toml(load_scenario(args.name)), end="")
    elif args.action == "validate":
        scenario = load_scenario(args.file)
        print(f"{args.file}: valid scenario {scenario.name!r} ({scenario.ticks} quarters)")
    return 0


COMMANDS = {"run": cmd_run, "scenarios": cmd_scenarios}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ScenarioError as exc:
        print(f"rainforest: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("rainforest: interrupted", file=sys.stderr)
        return 130


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
