"""Compiling the tick's functions side by side, in worker processes, on a cold cache.

A fresh environment compiles every compiled function of the tick once: about a minute of
work for one core. The functions are independent (``sim/loop.py`` calls each from
Python), so when the on-disk cache has none of them, this process and
``RAINFOREST_COMPILE_WORKERS - 1`` child processes (by default, one per core, at most
eight) compile them in parallel, each taking the next function from a shared list of
tasks; each writes what it compiled to the cache, where the run then finds it. The
compiled code is the same whichever process compiles it. A child is a fresh interpreter
(``python -m rainforest.sim.engine.precompile``), so no user script is imported again.
Where a child cannot start or fails, the run compiles what is missing itself.

A file in the cache folder marks the sources' version as compiled, so the check costs a
later process one file lookup; a lock on it makes processes that start together (a
sweep's workers) wait for the first one instead of compiling the same code, with one
worker as with several. This is the one mechanism that keeps processes from compiling
the same code side by side.
"""

from __future__ import annotations

import importlib
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from numba import typeof
from rainforest.sim.engine.cache import sources_digest

_CHECKED = False
MAX_WORKERS = 8


class file_lock:
    """An exclusive advisory lock on a file, where the platform has them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def __enter__(self) -> file_lock:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            import fcntl

            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except ImportError:
            pass
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing releases the lock
            self.fd = None


def _workers() -> int:
    """Processes to compile with, this one included."""
    asked = os.environ.get("RAINFOREST_COMPILE_WORKERS", "").strip()
    if asked.isdigit() and int(asked) > 0:
        return int(asked)
    return min(os.cpu_count() or 1, MAX_WORKERS)


def compile_ahead(calls) -> None:
    """Compile the functions ``calls()`` lists (pairs of a dispatcher and arguments of
    the types it is called with, largest first) in parallel, once per sources version
    and cache folder; a no-op after the first call in a process."""
    global _CHECKED
    if _CHECKED:
        return
    _CHECKED = True
    cache = os.environ.get("NUMBA_CACHE_DIR")
    if not cache:
        return
    folder = Path(cache)
    marker = folder / f"compiled-{sources_digest()}"
    if marker.exists():
        return
    with ExitStack() as held:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            held.enter_context(file_lock(folder / ".compile.lock"))
        except OSError:  # a folder no process can write (``prepare`` replaces one)
            return  # the run compiles what it calls, as it calls it
        if marker.exists():
            return
        listed = calls()
        workers = min(_workers(), len(listed))
        if workers < 2:
            for fn, args in listed:
                fn.compile(tuple(typeof(a) for a in args))
        else:
            _compile_in_parallel(folder, listed, workers)
        marker.touch()


def _compile_in_parallel(folder: Path, calls, workers: int) -> None:
    tasks = Path(tempfile.mkdtemp(prefix="tasks-", dir=folder))
    try:
        for i, (fn, args) in enumerate(calls):
            task = (fn.py_func.__module__, fn.py_func.__qualname__, tuple(typeof(a) for a in args))
            (tasks / f"{i:03d}.task").write_bytes(pickle.dumps(task))
        children = []
        for _ in range(workers - 1):
            try:
                children.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "rainforest.sim.engine.precompile", str(tasks)],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )  # fmt: skip
                )
            except OSError:
                break
        compile_tasks(tasks)
        for child in children:
            child.wait()
    finally:
        shutil.rmtree(tasks, ignore_errors=True)


def compile_tasks(tasks: Path) -> None:
    """Take tasks from the folder one at a time (a rename claims one) and compile each."""
    for task in sorted(tasks.glob("*.task")):
        claimed = task.with_suffix(f".{os.getpid()}")
        try:
            task.rename(claimed)
        except OSError:
            continue  # another process took it
        module, qualname, signature = pickle.loads(claimed.read_bytes())
        fn = importlib.import_module(module)
        for part in qualname.split("."):
            fn = getattr(fn, part)
        fn.compile(signature)


if __name__ == "__main__":  # a child: the cache folder is in the environment it inherits
    import rainforest.sim.loop  # noqa: F401  (every compiled function of the tick, first)
    from rainforest.sim.engine import prepare

    prepare()
    compile_tasks(Path(sys.argv[1]))
