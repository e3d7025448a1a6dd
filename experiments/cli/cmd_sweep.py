"""`rainforest sweep FILE --out DIR`: every (sample, replicate) of a sweep file, in chunks.

The sweep engine (``experiments/sweeps``) returns records and raises errors; what the
user reads (the summary, the ``--verify`` report, how to resume) is written here.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

from rainforest.experiments.cli.args import (
    _pos_int,
    add_command,
    add_dry_run_option,
    out_path,
)

EXIT_RUNS_FAILED = 1
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 128 + signal.SIGTERM
FAILURES_SHOWN = 20


def register(sub) -> None:
    sweep = add_command(
        sub, "sweep", "run a sweep file's samples x replicates into a results folder",
        "Run every sample of a sweep file (the values it varies, drawn by its sampler: a "
        "list, a grid, a Latin hypercube, Sobol' or Morris) times its replicates, in "
        "chunks spread over worker processes or a Dask cluster, into a results folder that "
        "rainforest analyze, discover and report read. The command says how many runs it "
        "will make and about how long they take before it starts. A folder that already "
        "holds part of the same sweep is finished, not redone, so an interrupted sweep is "
        "resumed by running the same command again. --list names the shipped sweeps.",
        [
            "rainforest sweep --list",
            "rainforest sweep six_plans_lhs --out results/lhs --dry-run",
            "rainforest sweep six_plans_lhs --out results/lhs --workers 4",
            "rainforest sweep six_plans_lhs --out results/lhs --verify",
        ],
    )  # fmt: skip
    sweep.add_argument(
        "file", nargs="?", default=None,
        help="a sweep TOML file, or a shipped sweep's name (rainforest sweep --list)",
    )  # fmt: skip
    sweep.add_argument(
        "--out", type=out_path, default=None, help="the results folder (required to run a sweep)"
    )
    sweep.add_argument(
        "--list", action="store_true", help="list the shipped sweeps with their descriptions"
    )
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
    sweep.add_argument(
        "--allow-module", dest="allow_modules", action="append", default=[], metavar="MODULE",
        help="let a sweep file that names a function (model = \"MODULE:function\") call "
        "the functions of MODULE: a sweep file is code, allow only one you trust "
        "(repeatable; the package's own sweep functions need no option)",
    )  # fmt: skip
    add_dry_run_option(sweep)
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


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C raises KeyboardInterrupt."""


@contextlib.contextmanager
def stopped_by_sigterm_as_by_ctrl_c() -> Iterator[None]:
    """While the sweep runs, SIGTERM (a ``kill``, a job scheduler's stop) stops it as
    Ctrl-C does: its worker processes get SIGINT and leave quietly, and this process
    raises ``Terminated``, so the finished chunks are kept and the resume hint printed."""

    def stop(signum, frame) -> None:
        import multiprocessing

        for child in multiprocessing.active_children():
            with contextlib.suppress(OSError):
                os.kill(child.pid, signal.SIGINT)
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: SIGTERM keeps its usual effect
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


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


def print_shipped_sweeps(stream=None) -> None:
    """``rainforest sweep --list``: each shipped sweep's name and description."""
    from rainforest.experiments.sweeps.spec import shipped_sweeps

    stream = stream if stream is not None else sys.stdout
    shipped = shipped_sweeps()
    width = max(map(len, shipped), default=0)
    print(
        f"{len(shipped)} shipped sweeps (run one with: rainforest sweep NAME --out DIR):",
        file=stream,
    )
    for name, description in shipped.items():
        print(f"  {name:<{width}}  {description}", file=stream)


def sweep_plan(sweep, workers: int):
    """The runs a sweep file asks for, and about how long they take (``cli.plan``)."""
    from rainforest.experiments.cli.plan import RunPlan
    from rainforest.experiments.sweeps.samplers import sample_count

    samples = sample_count(sweep)
    runs = samples * sweep.replicates
    what = f"sweep {sweep.name}: {samples:,} samples x {sweep.replicates} replicates"
    if sweep.function is not None:
        return RunPlan(what, runs, None, 0, workers, note=f"each a call of {sweep.function}")
    base = next(iter(sweep.bases.values()))
    scale = sweep.scale or base.scale
    years = base.years
    return RunPlan(what, runs, scale, years, workers, note="runs already in --out are kept")


def cmd_sweep(args: argparse.Namespace) -> int:
    from rainforest.experiments.cli.plan import announce
    from rainforest.experiments.cli.progress import PlainProgress, RichProgress
    from rainforest.experiments.files import OutputError, output_folder
    from rainforest.experiments.sweeps.runner import run_sweep
    from rainforest.experiments.sweeps.spec import load_sweep
    from rainforest.scenarios.errors import ScenarioError

    if args.list:
        print_shipped_sweeps()
        return 0
    if args.file is None:
        raise ScenarioError("sweep: give a sweep file or a shipped sweep's name (--list)")
    sweep = load_sweep(args.file, args.allow_modules)
    if args.out is None and not args.dry_run:
        raise ScenarioError("--out: give the results folder the sweep writes")
    if args.verify:
        from rainforest.experiments.sweeps.integrity import verify_results

        manifest, check = verify_results(sweep, args.out)
        print_check(check, manifest, args.json)
        return 0 if check.ok else 1
    workers = args.workers or os.cpu_count() or 1
    plan = sweep_plan(sweep, 1 if args.scheduler else workers)
    if announce(plan, args.dry_run, models=sweep.function is None and not args.scheduler):
        return 0
    output_folder(args.out)  # an unwritable folder is found before the runs, not after
    progress = RichProgress() if sys.stderr.isatty() else PlainProgress()
    try:
        with stopped_by_sigterm_as_by_ctrl_c():
            summary = run_sweep(
                sweep, args.out, make_executor_factory(args, warm=sweep.function is None),
                chunk_size=args.chunk_size,
                progress=progress,
            )  # fmt: skip
    except KeyboardInterrupt as exc:
        print(interrupted_message(args.file, args.out), file=sys.stderr)
        return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED
    except OutputError as exc:  # a full disk midway: the finished chunks are whole
        raise OutputError(
            f"{exc}; the finished chunks are kept: make room, then resume with: "
            f"{resume_command(args.file, args.out)}"
        ) from None
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        print_summary(summary)
    return 0 if summary.ok else EXIT_RUNS_FAILED
