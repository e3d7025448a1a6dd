"""The ``rainforest`` command line.

Each subcommand lives in its own module under ``experiments/commands`` and registers
itself here. Bad input (a malformed scenario or sweep, an unknown name, a bad option)
prints one message that names the field or file and exits with status 2, no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from rainforest.scenarios.errors import ScenarioError

EXIT_BAD_INPUT = 2

COMMAND_MODULES: tuple[str, ...] = (
    "rainforest.experiments.commands.run",
    "rainforest.experiments.commands.scenarios",
    "rainforest.experiments.commands.bench",
    "rainforest.experiments.commands.viz",
    "rainforest.experiments.commands.sweep",
    "rainforest.experiments.commands.analyze",
    "rainforest.experiments.commands.sweep_bench",
    "rainforest.experiments.commands.calibrate",
)


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, status 2, as for any bad input
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="rainforest",
        description="Agent-based simulator of Shanghai's future-industry innovation ecosystem.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
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
