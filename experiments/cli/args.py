"""Argument types shared by the subcommands."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path


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


def out_path(text: str) -> Path:
    """``--out``'s type: a path, never an empty one (which would name the current folder,
    where an unset shell variable would otherwise put a command's files)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("empty; name the folder (--out . for this one)")
    return Path(text)


def add_executor_bench_options(bench: argparse.ArgumentParser) -> None:
    """The options the executor benchmarks share: workers, whether to time Dask too,
    rounds on a busy machine, JSON output."""
    bench.add_argument(
        "--workers", type=_pos_int, default=2, help="worker processes of the parallel runs"
    )
    bench.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster")
    bench.add_argument(
        "--repeat", type=_pos_int, default=1,
        help="rounds; each figure is its fastest round (for a machine shared with other work)",
    )  # fmt: skip
    bench.add_argument("--json", action="store_true", help="print the figures as JSON")


def add_local_workers_option(parser: argparse.ArgumentParser) -> None:
    """``--workers`` for analyses that spread their runs over local processes."""
    parser.add_argument(
        "--workers", type=_pos_int, default=1,
        help="local worker processes for the runs (default 1: this process); the results "
        "do not depend on it",
    )  # fmt: skip


class HelpFormatter(argparse.HelpFormatter):
    """Help as a reader wants it: the description filled as paragraphs, the examples kept
    line by line as written, and every option's default stated where its own help does
    not already state it."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        parts = []
        for paragraph in text.split("\n\n"):
            if "\n  " in paragraph:  # an example block: kept as written
                parts.append(paragraph)
            else:
                parts.append(
                    textwrap.fill(
                        " ".join(paragraph.split()),
                        width,
                        initial_indent=indent,
                        subsequent_indent=indent,
                    )
                )
        return "\n\n".join(parts)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        shown = action.option_strings or action.nargs in ("?", "*")
        if not shown or "default" in text or not has_default(action):
            return text
        return f"{text} (default: %(default)s)" if text else "default: %(default)s"


def has_default(action: argparse.Action) -> bool:
    """Whether an option has a default worth stating (not None, False, empty, or help's)."""
    if isinstance(action, argparse._HelpAction | argparse._VersionAction):
        return False
    default = action.default
    return default not in (None, False, argparse.SUPPRESS) and default != []


def add_scale_option(parser: argparse.ArgumentParser) -> None:
    """``--scale``, as the door resolves it (``rainforest.runs.resolve_request``)."""
    from rainforest.scenarios.schema import DEFAULT_SCALE, SCALE_NAMES

    parser.add_argument(
        "--scale", choices=SCALE_NAMES, default=None,
        help=f"population scale (default: the scenario file's, else {DEFAULT_SCALE})",
    )  # fmt: skip


def add_seed_option(parser: argparse.ArgumentParser, what: str = "the root seed") -> None:
    """``--seed``: the root seed the door derives every run's seed (and draw) from."""
    from rainforest.runs.request import DEFAULT_SEED

    parser.add_argument(
        "--seed", type=_nonneg_int, default=DEFAULT_SEED, help=f"{what} (default {DEFAULT_SEED})"
    )


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """``--set PATH=VALUE`` (repeatable): dotted overrides, read by ``parse_overrides``."""
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
        help="set a scenario value by dotted path, as sweep files do (repeatable): "
        "--set plans.array.budget_bn=3.0 --set market.bass_q=0.3",
    )  # fmt: skip


def add_posterior_options(parser: argparse.ArgumentParser, posterior_help: str) -> None:
    """``--posterior``, ``--draws`` and ``--ensemble``: what the door's posterior request
    takes (``resolve_request(..., posterior=True, draws=, ensemble=)``)."""
    from pathlib import Path

    from rainforest.runs.request import DEFAULT_DRAWS

    parser.add_argument("--posterior", action="store_true", help=posterior_help)
    parser.add_argument(
        "--draws", type=_pos_int, default=None,
        help=f"with --posterior: accepted sets to draw (default {DEFAULT_DRAWS})",
    )  # fmt: skip
    parser.add_argument(
        "--ensemble", type=Path, default=None,
        help="with --posterior: the ensemble file (default: the shipped one of the "
        "scenario's market form)",
    )  # fmt: skip


def add_command(
    sub, name: str, summary: str, description: str, examples: list[str]
) -> argparse.ArgumentParser:
    """A subcommand whose help says what it does (``description``, one paragraph), shows
    how it is called (``examples``, each a full command line) and states its defaults."""
    epilog = "examples:\n" + "\n".join(f"  {line}" for line in examples)
    return sub.add_parser(
        name, help=summary, description=description, epilog=epilog,
        formatter_class=HelpFormatter,
    )  # fmt: skip


def add_dry_run_option(parser: argparse.ArgumentParser) -> None:
    """``--dry-run``: print how many runs the command would make, and about how long they
    would take, then stop without running any."""
    parser.add_argument(
        "--dry-run", action="store_true",
        help="print the plan (how many runs, about how long) and exit without running",
    )  # fmt: skip
