"""A running sweep's progress: a bar on a terminal, plain lines in a log or a notebook.

Both follow ``sweeps.runner.Progress``: ``start(total, done)``, ``advance(runs, failed)``
after each chunk, ``stop()``. The sweep engine prints nothing itself: whoever runs a
sweep (a command, or ``rf.sweep(progress=True)``) passes one of these to see it go.
"""

from __future__ import annotations

import sys
import time


class PlainProgress:
    """Progress lines for logs: runs done of total, runs per second, time left."""

    def __init__(self, stream=None, every_s: float = 2.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.every_s = every_s

    def start(self, total: int, done: int) -> None:
        self.total, self.done, self.failed = total, done, 0
        self.at_start = done
        self.t0 = time.perf_counter()
        self.last = 0.0
        print(f"sweep: {done}/{total} runs already finished", file=self.stream, flush=True)

    def advance(self, runs: int, failed: int) -> None:
        self.done += runs
        self.failed += failed
        now = time.perf_counter()
        if now - self.last >= self.every_s or self.done == self.total:
            self.last = now
            print(self.line(now), file=self.stream, flush=True)

    def line(self, now: float) -> str:
        elapsed = max(now - self.t0, 1e-9)
        rate = (self.done - self.at_start) / elapsed
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        return (
            f"sweep: {self.done}/{self.total} runs ({100 * self.done / self.total:.1f} %), "
            f"{rate:.2f} runs/s, {_duration(left)} left, {self.failed} failed"
        )

    def stop(self) -> None:
        pass


class RichProgress:
    """A progress bar on a terminal: runs done of total, runs per second, time left."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TextColumn("runs"),
            TaskProgressColumn(), TextColumn("{task.fields[rate]} runs/s"),
            TimeRemainingColumn(), TextColumn("{task.fields[failed]} failed"),
            console=Console(stderr=True), transient=False,
        )  # fmt: skip

    def start(self, total: int, done: int) -> None:
        self.t0 = time.perf_counter()
        self.at_start = done
        self.failed = 0
        self.progress.start()
        self.task = self.progress.add_task("", total=total, completed=done, rate="-", failed=0)

    def advance(self, runs: int, failed: int) -> None:
        self.failed += failed
        self.progress.advance(self.task, runs)
        done = self.progress.tasks[0].completed - self.at_start
        rate = done / max(time.perf_counter() - self.t0, 1e-9)
        self.progress.update(self.task, rate=f"{rate:.2f}", failed=self.failed)

    def stop(self) -> None:
        self.progress.stop()


def _duration(seconds: float) -> str:
    if seconds == float("inf"):
        return "?"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s:02d}s" if m else f"{s}s")
