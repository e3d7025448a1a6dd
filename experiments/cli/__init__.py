"""The ``rainforest`` command line.

Each subcommand lives in its own module here, ``cli/cmd_<command>.py``, and registers
itself with ``register(subparsers)``; ``cli/args.py`` holds the argument types they share.
Bad input (a malformed scenario or sweep, an unknown name, a bad option) prints one
message that names the field or file and exits with status 2, no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from rainforest.scenarios.errors import ScenarioError, clipped

EXIT_BAD_INPUT = 2

COMMAND_MODULES: tuple[str, ...] = (
    "rainforest.experiments.cli.cmd_run",
    "rainforest.experiments.cli.cmd_scenarios",
    "rainforest.experiments.cli.cmd_bench",
    "rainforest.experiments.cli.cmd_viz",
    "rainforest.experiments.cli.cmd_sweep",
    "rainforest.experiments.cli.cmd_analyze",
    "rainforest.experiments.cli.cmd_sweep_bench",
    "rainforest.experiments.cli.cmd_calibrate",
    "rainforest.experiments.cli.cmd_check",
    "rainforest.experiments.cli.cmd_report",
    "rainforest.experiments.cli.cmd_attribute",
    "rainforest.experiments.cli.cmd_attribute_bench",
    "rainforest.experiments.cli.cmd_discover",
    "rainforest.experiments.cli.cmd_optimize",
    "rainforest.experiments.cli.cmd_switching",
    "rainforest.experiments.cli.cmd_voi",
    "rainforest.experiments.cli.cmd_emulate",
)


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, status 2, as for any bad input
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {clipped(message)}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


class VersionAction(argparse.Action):
    """``--version``: the package version, the git commit and the model's digest, looked
    up only when asked (the commit costs a git call)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="print the version of rainforest and of its model, and exit"):  # fmt: skip
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(version_line())
        parser.exit()


def version_line() -> str:
    """``rainforest 0.1.0 (model 1a2b..., commit 3c4d...)``: which code makes the numbers."""
    from rainforest.experiments.provenance import code_version

    code = code_version()
    parts = [f"model {code['model_sha256']}"]
    if code.get("git_commit"):
        parts.append(f"commit {code['git_commit'][:10]}")
    return f"rainforest {code.get('package') or 'unknown'} ({', '.join(parts)})"


def build_parser() -> argparse.ArgumentParser:
    from rainforest.experiments.cli.args import HelpFormatter

    parser = Parser(
        prog="rainforest",
        description=(
            "Agent-based simulator of Shanghai's future-industry innovation ecosystem: run "
            "the 2021-2030 scenarios, sweep and analyse them, and report what they find. "
            "Each command has its own help, with an example: rainforest COMMAND --help."
        ),
        epilog="examples:\n  rainforest run action_plan --scale classroom\n"
        "  rainforest scenarios list\n  rainforest sweep --list",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action=VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def error_line(exc: ScenarioError) -> str:
    """The one line bad input prints; a damaged results folder's also names the command
    that repairs it."""
    from rainforest.experiments.sweeps.integrity import DamagedResults

    if isinstance(exc, DamagedResults):
        from rainforest.experiments.cli.cmd_sweep import resume_command

        return (
            f"{exc.what}; resume the sweep to run their runs again: "
            f"{resume_command(exc.sweep_file, exc.path)}"
        )
    return str(exc)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except ScenarioError as exc:
        print(f"rainforest: error: {clipped(error_line(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("rainforest: interrupted", file=sys.stderr)
        return 130


def entry() -> None:
    """The console script. Worker processes of a sweep import modules again (spawn), so
    nothing here runs at import: only a call to ``entry`` runs a command.

    A reader that stops reading (``rainforest run ... --json | head``) closes the pipe:
    the command then ends quietly, as Python's documentation of SIGPIPE advises, with
    standard output pointed at devnull so the interpreter's last flush cannot fail."""
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
    sys.exit(status)
