"""`rainforest scenarios list | show NAME | validate FILE`."""

from __future__ import annotations

import argparse
import json

from rainforest.experiments.cli import Parser
from rainforest.experiments.cli.args import (
    _pos_int,
    add_command,
    add_scale_option,
    add_seed_option,
    add_set_option,
)
from rainforest.runs.request import DEFAULT_REPLICATES


def register(sub) -> None:
    scen = add_command(
        sub, "scenarios", "list, show or validate scenarios",
        "The scenarios a run can start from: list names the built-in ones with what each "
        "assumes (the baseline without the 2023 plan, the action plan as written, and one "
        "without each of its six plans); show prints one in full as TOML, every default "
        "spelt out, as rainforest run would run it; validate checks a scenario file of "
        "your own and names the field at fault.",
        [
            "rainforest scenarios list",
            "rainforest scenarios show action_plan --set market.bass_q=0.3",
            "rainforest scenarios validate my_plan.toml",
        ],
    )  # fmt: skip
    scen_sub = scen.add_subparsers(dest="action", required=True, parser_class=Parser)
    scen_sub.add_parser("list", help="the built-in scenarios")
    show = scen_sub.add_parser(
        "show",
        help="a scenario in full, every default spelt out, as `rainforest run` would run it",
        description="Print the request `rainforest run NAME [options]` would run (scale, seed, "
        "replicates, overrides, as comments) and its scenario in full as TOML, every default "
        "spelt out. Example: rainforest scenarios show action_plan --set market.bass_q=0.3",
    )
    show.add_argument("name", help="a built-in scenario name or a scenario TOML file")
    add_scale_option(show)
    add_seed_option(show)
    show.add_argument(
        "--replicates", type=_pos_int, default=DEFAULT_REPLICATES, help="runs of the request"
    )
    add_set_option(show)
    validate = scen_sub.add_parser("validate", help="check a scenario file")
    validate.add_argument("file")
    scen.set_defaults(handler=cmd_scenarios)


def cmd_scenarios(args: argparse.Namespace) -> int:
    from rainforest.scenarios.loader import library_names, load_scenario, scenario_to_toml

    if args.action == "list":
        for name in library_names():
            print(f"{name:18s} {load_scenario(name).description}")
    elif args.action == "show":
        from rainforest.experiments.cli.cmd_run import parse_overrides
        from rainforest.runs.request import resolve_request

        request = resolve_request(
            args.name, overrides=parse_overrides(args.overrides) or None, scale=args.scale,
            seed=args.seed, replicates=args.replicates,
        )  # fmt: skip
        print(f"# `rainforest run {args.name}` with these options runs this request:")
        for key, value in request.to_dict().items():
            print(f"# {key} = {json.dumps(value)}")
        print(scenario_to_toml(request.scenario), end="")
    elif args.action == "validate":
        scenario = load_scenario(args.file)
        print(f"{args.file}: valid scenario {scenario.name!r} ({scenario.ticks} quarters)")
    return 0
