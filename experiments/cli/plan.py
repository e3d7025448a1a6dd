"""What a command that launches many runs says before it starts: how many runs, at what
scale and over which years, about how long they will take; and, on a machine whose
compiled-code cache is cold, that the model is compiled first.

Commands print this on standard error (standard output stays the result's, so ``--json``
is still plain JSON); with ``--dry-run`` they print it on standard output and stop.
The time is a rough figure from the model's speed on one core of an ordinary machine
(docs/VALIDATION.md: about 2.5 s for a city run of 2021-2030), divided among workers.
"""

from __future__ import annotations

import math
import sys
import warnings
from dataclasses import dataclass

# seconds one core takes to simulate one year of one run, by scale (city: 126 runs of
# 2021-2030 in 163 s on 2 workers; the smaller scales are 1/5 and 1/50 of its agents)
SECONDS_PER_RUN_YEAR: dict[str, float] = {"classroom": 0.01, "district": 0.06, "city": 0.25}
COMPILE_SECONDS = 60.0
COLD_CACHE_NOTICE = (
    "rainforest: compiling the model once, about a minute; later runs start in a second or two"
)


@dataclass(frozen=True)
class RunPlan:
    """The runs a command is about to make: ``runs`` (``most_runs`` when the count is only
    known to lie in a range), at ``scale``, each simulating ``years`` years, on
    ``workers`` processes; ``what`` names them."""

    what: str
    runs: int
    scale: str | None
    years: int
    workers: int = 1
    most_runs: int | None = None
    note: str = ""

    def seconds(self, runs: int | None = None) -> float:
        """The rough wall time of ``runs`` (default: the planned count) runs."""
        runs = self.runs if runs is None else runs
        per_year = SECONDS_PER_RUN_YEAR.get(self.scale or "city", SECONDS_PER_RUN_YEAR["city"])
        return runs * self.years * per_year / max(1, self.workers)

    def text(self) -> str:
        """The plan in one or two lines."""
        if self.most_runs is not None and self.most_runs > self.runs:
            count = f"{self.runs:,} to about {self.most_runs:,} runs"
            time = f"{duration(self.seconds())} to {duration(self.seconds(self.most_runs))}"
        else:
            count = f"{self.runs:,} run{'' if self.runs == 1 else 's'}"
            time = duration(self.seconds())
        where = f"{self.scale} scale, " if self.scale else ""
        span = f"{self.years} simulated year{'' if self.years == 1 else 's'} each"
        workers = f"{self.workers} worker{'' if self.workers == 1 else 's'}"
        line = f"{self.what}: {count} ({where}{span}), about {time} with {workers}"
        return line + (f"; {self.note}" if self.note else "")


def duration(seconds: float) -> str:
    """A rough duration in words: seconds, minutes or hours."""
    if seconds < 90:
        return f"{max(1, math.ceil(seconds))} s"
    if seconds < 90 * 60:
        return f"{math.ceil(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def cache_is_cold() -> bool:
    """Whether this machine has not yet compiled this version of the model (its first run
    will compile for about a minute). Reads the marker the engine writes once compiled,
    in the cache folder the engine chooses (and keeps for this process's runs)."""
    from rainforest.sim.engine.cache import choose_run_cache_folder, sources_digest

    return not (choose_run_cache_folder() / f"compiled-{sources_digest()}").exists()


def say_if_cold(stream=None) -> None:
    """Print the cold-cache notice on standard error when the model must be compiled, and
    before it, in one line, a warning that the cache cannot be kept where it should."""
    from rainforest.sim.engine.cache import CacheFolderWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            cold = cache_is_cold()
        except OSError:
            cold = False
    for warning in caught:
        if issubclass(warning.category, CacheFolderWarning):
            print(f"rainforest: warning: {warning.message}", file=stream or sys.stderr)
        else:
            warnings.warn(warning.message, warning.category, stacklevel=2)
    if cold:
        print(COLD_CACHE_NOTICE, file=stream or sys.stderr, flush=True)


def announce(plan: RunPlan, dry_run: bool, models: bool = True) -> bool:
    """Print the plan: on standard output and return True (the command stops) for a dry
    run; else on standard error, with the cold-cache notice when ``models`` run. The
    caller returns 0 when this returns True."""
    if dry_run:
        print(plan.text())
        print("dry run: nothing was run")
        return True
    print(plan.text(), file=sys.stderr, flush=True)
    if models:
        say_if_cold()
    return False
