"""`rainforest scenarios list | show NAME | validate FILE`."""

from __future__ import annotations

import argparse

from rainforest.experiments.cli import Parser


def register(sub) -> None:
    scen = sub.add_parser("scenarios", help="list, show or validate scenarios")
    scen_sub = scen.add_subparsers(dest="action", required=True, parser_class=Parser)
    scen_sub.add_parser("list", help="the built-in scenarios")
    show = scen_sub.add_parser("show", help="a scenario in full, every default spelt out")
    show.add_argument("name")
    validate = scen_sub.add_parser("validate", help="check a scenario file")
    validate.add_argument("file")
    scen.set_defaults(handler=cmd_scenarios)


def cmd_scenarios(args: argparse.Namespace) -> int:
    from rainforest.scenarios.loader import library_names, load_scenario, scenario_to_toml

    if args.action == "list":
        for name in library_names():
            print(f"{name:18s} {load_scenario(name).description}")
    elif args.action == "show":
        print(scenario_to_toml(load_scenario(args.name)), end="")
    elif args.action == "validate":
        scenario = load_scenario(args.file)
        print(f"{args.file}: valid scenario {scenario.name!r} ({scenario.ticks} quarters)")
    return 0
