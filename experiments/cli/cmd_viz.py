"""`rainforest viz`: the interactive view in a browser, served on this machine."""

from __future__ import annotations

import argparse
import sys


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be 0-65535 (0: any free port), got {value}")
    return value


def register(sub) -> None:
    from rainforest.experiments.cli.args import add_command
    from rainforest.viz.serve import DEFAULT_HOST, DEFAULT_PORT

    viz = add_command(
        sub, "viz", "serve the interactive view (open it in a browser)",
        "Serve the interactive view on this machine and print its address: a city of "
        "firms, institutes and talent you can step through quarter by quarter, the six "
        "plans' sliders, a what-if that reruns the plan with your changes beside the plan "
        "as written, and the network of ties. It answers only requests addressed to the "
        "address it listens on (or localhost, on this machine), so a web page elsewhere "
        "cannot reach it through your browser. Stop it with Ctrl-C or SIGTERM.",
        ["rainforest viz", "rainforest viz --port 8800"],
    )  # fmt: skip
    viz.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)",
    )
    viz.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    viz.set_defaults(handler=cmd_viz)


def cmd_viz(args: argparse.Namespace) -> int:
    from rainforest.viz.serve import is_loopback, serve

    if not is_loopback(args.host):
        print(
            f"rainforest: note: listening on {args.host}, so other machines can open the view",
            file=sys.stderr,
        )
    try:
        return serve(args.host, args.port)
    except RuntimeError as exc:
        print(f"rainforest: error: {exc}", file=sys.stderr)
        return 1
