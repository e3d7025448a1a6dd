"""Argument types shared by the subcommands."""

from __future__ import annotations

import argparse


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


def add_executor_bench_options(bench: argparse.ArgumentParser) -> None:
    """The options the executor benchmarks share: workers, whether to time Dask too,
    rounds on a busy machine, JSON output."""
    bench.add_argument("--workers", type=_pos_int, default=2)
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
