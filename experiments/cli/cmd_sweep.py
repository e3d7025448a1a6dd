"""`rainforest sweep FILE --out DIR`: every (sample, replicate) of a sweep file, in chunks.

The sweep engine (``experiments/sweeps``) returns records and raises errors; what the
user reads (the summary, the ``--verify`` report, how to resume) is written here.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rainforest.experiments.cli.args import _pos_int

EXIT_RUNS_FAILED = 1
EXIT_INTERRUPTED = 130
FAILURES_SHOWN = 20


def register(sub) -> None:
    sweep = sub.add_parser(
        "sweep", help="run a sweep file's samples x replicates into a results folder"
    )
    sweep.add_argument("file", help="a sweep TOML file, or a shipped sweep's name")
    sweep.add_argument("--out", type=Path, required=True, help="the results folder")
    sweep.add_argument(
        "--workers", type=_pos_int, default=None,
        help="local worker processes, or the Dask LocalCluster's workers (default: CPUs)",
    )  # fmt: skip
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler, tcp://HOST:PORT")
    where.add_argument("--dask-local", action="store_true", help="start a Dask LocalCluster")
    sweep.add_argument(
        "--chunk-size", type=_pos_int, default=None,
        help="runs per chunk file (default: about eight chunks per worker, at most 50)",
    )  # fmt: skip
    sweep.add_argument("--json", action="store_true", help="print the summary as JSON")
    sweep.add_argument(
        "--verify", action="store_true",
        help="check the results folder's chunk files, run nothing: whole, damaged, missing",
    )  # fmt: skip
    sweep.set_defaults(handler=cmd_sweep)


def make_executor_factory(args: argparse.Namespace, warm: bool = True):
    """The executor the options ask for, created only once the folder is checked;
    ``warm`` loads the compiled model in every worker as it starts."""
    from rainforest.experiments.sweeps.executors import DaskExecutor, LocalExecutor

    workers = args.workers or os.cpu_count() or 1

    def make():
        if args.scheduler:
            return DaskExecutor(address=args.scheduler, warm=warm)
        if args.dask_local:
            return DaskExecutor(workers=workers, warm=warm)
        return LocalExecutor(workers, warm=warm)

    return make


def print_summary(summary, stream=None) -> None:
    """The outcome in a few lines, and which runs failed."""
    stream = stream if stream is not None else sys.stdout
    print(
        f"sweep {summary.name}: {summary.finished_runs}/{summary.total_runs} runs finished "
        f"({summary.ran_now} in this call, {summary.seconds:.1f} s, executor {summary.executor}), "
        f"{summary.failed_runs} failed",
        file=stream,
    )
    for note in summary.notes:
        print(f"note: {note}", file=stream)
    if summary.failures:
        print(f"failed runs ({summary.failed_runs}):", file=stream)
        for f in summary.failures[:FAILURES_SHOWN]:
            print(
                f"  run {f['run']} (sample {f['sample']}, replicate {f['replicate']}, "
                f"seed {f['seed']}): {f['error']}",
                file=stream,
            )
        if summary.failed_runs > FAILURES_SHOWN:
            print(
                f"  ... and {summary.failed_runs - FAILURES_SHOWN} more "
                f"(the error column of the results holds them all)",
                file=stream,
            )
    for line in summary.unrun:
        print(f"not run: {line}", file=stream)
    if summary.aborted:
        print(f"stopped: {summary.aborted}", file=stream)
    if summary.finished_runs < summary.total_runs:
        print("run the same command again to finish the remaining runs", file=stream)
    print(f"results: {summary.out}", file=stream)


def resume_command(sweep_file: str | Path, out: str | Path) -> str:
    """The command that finishes (or repairs) the sweep in ``out``."""
    return f"rainforest sweep {sweep_file} --out {out}"


def interrupted_message(sweep_file: str | Path, out: str | Path) -> str:
    """What a Ctrl-C during a sweep prints: the finished chunks are kept, and how to go on."""
    return (
        f"sweep interrupted: the finished chunks in {out} are kept; resume with: "
        f"{resume_command(sweep_file, out)}"
    )


def print_check(check, manifest, as_json: bool, stream=None) -> None:
    """``rainforest sweep --verify``: what is whole, what is damaged, what is missing."""
    from rainforest.experiments.sweeps.integrity import run_span

    stream = stream if stream is not None else sys.stdout
    if as_json:
        print(json.dumps(check.to_dict(), indent=2), file=stream)
        return
    n, whole = check.total_runs, check.whole_runs
    print(
        f"sweep {manifest.name}: {check.path}, {whole}/{n} runs in "
        f"{len(check.whole)} whole chunk file{'' if len(check.whole) == 1 else 's'}",
        file=stream,
    )
    for d in check.damaged:
        label = "missing" if d.missing else "damaged"
        print(f"{label}: {d.file} (runs {d.runs()}): {d.reason}", file=stream)
    if check.unfinished:
        spans = ", ".join(run_span(a, b) for a, b in check.unfinished)
        print(f"not in any whole chunk file: runs {spans} ({n - whole} runs)", file=stream)
    resume = resume_command(manifest.sweep_file, check.path)
    if check.ok:
        print("whole: every run is in a whole chunk file", file=stream)
    elif check.damaged:
        print(
            f"resume the sweep to move the damaged files aside and run their runs again: {resume}",
            file=stream,
        )
    else:
        print(f"resume the sweep to finish it: {resume}", file=stream)


def cmd_sweep(args: argparse.Namespace) -> int:
    from rainforest.experiments.cli.progress import PlainProgress, RichProgress
    from rainforest.experiments.sweeps.runner import run_sweep
    from rainforest.experiments.sweeps.spec import load_sweep

    sweep = load_sweep(args.file)
    if args.verify:
        from rainforest.experiments.sweeps.integrity import verify_results

        manifest, check = verify_results(sweep, args.out)
        print_check(check, manifest, args.json)
        return 0 if check.ok else 1
    progress = RichProgress() if sys.stderr.isatty() else PlainProgress()
    try:
        summary = run_sweep(
            sweep, args.out, make_executor_factory(args, warm=sweep.function is None),
            chunk_size=args.chunk_size,
            progress=progress,
        )  # fmt: skip
    except KeyboardInterrupt:
        print(interrupted_message(args.file, args.out), file=sys.stderr)
        return EXIT_INTERRUPTED
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        print_summary(summary)
    return 0 if summary.ok else EXIT_RUNS_FAILED
