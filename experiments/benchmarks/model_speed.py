"""``rainforest bench``: how fast the model runs, measured in one process, as JSON.

Speed is measured here, never in timed tests. Every figure is a median of several runs
after a warm-up, on the same scenario and seed: the compiled model over the scenario's
first ``BENCH_TICKS`` quarters (eight years) at each scale, and the Mesa face of the
model (``EcosystemModel``, what the interactive view steps) by its cost per quarter,
which is what decides how lively the view feels. Compile and cached-start times are
measured in fresh child processes (the cached start as the median of three).
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata

import numpy as np
from rainforest.scenarios import load_scenario
from rainforest.scenarios.overrides import apply_overrides

BENCH_TICKS = 32  # eight years: the library's 2021-2028
MESA_SCALES: tuple[str, ...] = ("classroom", "district")  # the scales the view offers
MESA_QUARTERS = 8  # the Mesa face's steps timed: the first two years

_CHILD = """
import time
t0 = time.perf_counter()
from rainforest.runs.execute import compiled_inputs
from rainforest.runs.request import resolve_request
from rainforest.sim.loop import simulate
request = resolve_request("{scenario}", scale="classroom", seed={seed})
simulate(*compiled_inputs(request.scenario, {seed}), {seed})
print(time.perf_counter() - t0)
"""


MIN_TIMED_S = 1.0  # fast runs repeat until this much time is timed (as timeit does)
MAX_RUNS = 500
CACHED_STARTS = 3  # fresh interpreters timed for the cached start


def _times(fn, repeats: int, min_total_s: float = 0.0) -> list[float]:
    """At least ``repeats`` runs, and more while less than ``min_total_s`` is timed: a
    median of a 10-ms run over five runs spans 50 ms, which one burst of a neighbour's
    load on a shared machine can cover entirely."""
    times = []
    while len(times) < repeats or (sum(times) < min_total_s and len(times) < MAX_RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def _median_time(fn, repeats: int) -> float:
    return statistics.median(_times(fn, repeats))


def _child_seconds(scenario: str, seed: int, cache_dir: str | None) -> float:
    """Wall time of a fresh interpreter that imports the project and runs one classroom run."""
    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", _CHILD.format(scenario=scenario, seed=seed)],
        check=True, capture_output=True, text=True, env=env,
    )  # fmt: skip
    return time.perf_counter() - start


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("numpy", "numba", "mesa", "networkx", "rainforest"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def copy_floor_s(state, repeats: int = 5) -> tuple[float, int]:
    """Time to read and write every state array once (a plain copy): the memory floor."""
    arrays = [getattr(state, f) for f in state._fields if isinstance(getattr(state, f), np.ndarray)]
    targets = [np.empty_like(a) for a in arrays]

    def copy_all():
        for src, dst in zip(arrays, targets, strict=True):
            np.copyto(dst, src)

    copy_all()
    return _median_time(copy_all, repeats), sum(a.nbytes for a in arrays)


def mesa_step_times(scenario, seed: int, quarters: int, population=None) -> list[float]:
    """Seconds of each of the Mesa face's first ``quarters`` steps (fewer if the run is
    shorter): what one press of the view's Step button costs."""
    from rainforest.agents import EcosystemModel

    model = EcosystemModel(scenario, seed=seed, population=population)
    times = []
    for _ in range(quarters):
        start = time.perf_counter()
        model.step()
        times.append(time.perf_counter() - start)
    return times


def run_bench(
    scales: list[str],
    scenario_name: str = "action_plan",
    seed: int = 0,
    repeats: int = 3,
    measure_compile: bool = True,
    mesa_scales: list[str] | tuple[str, ...] = MESA_SCALES,
    mesa_quarters: int = MESA_QUARTERS,
) -> dict:
    """All the figures, as nested plain data.

    Times are medians; each also has its fastest run (``run_s_min``), which on a shared or
    noisy machine says more about the code than about its neighbours. The compiled model
    (``kernel``) runs ``repeats`` times at each scale, and more at small scales, until a
    second is timed. The Mesa face steps ``mesa_quarters`` quarters at each of
    ``mesa_scales``; its figure is the median step (``step_s``), with the fastest
    (``step_s_min``).
    """
    from rainforest.runs.execute import compiled_inputs
    from rainforest.sim.loop import simulate
    from rainforest.sim.population import population_for
    from rainforest.sim.state import initial_state

    full = load_scenario(scenario_name)
    years = BENCH_TICKS // 4
    base = apply_overrides(
        full, {"horizon_year": min(full.horizon_year, full.start_year + years - 1)}
    )
    report: dict = {
        "scenario": scenario_name,
        "years": [base.start_year, base.horizon_year],
        "seed": seed,
        "machine": {"cpu": _cpu_name(), "cores": os.cpu_count(), "platform": platform.platform()},
        "versions": _versions(),
        "kernel": {},
        "population": {},
        "mesa": {},
    }
    if measure_compile:
        with tempfile.TemporaryDirectory() as empty_cache:
            report["compile_s"] = _child_seconds(scenario_name, seed, empty_cache)
    # warm this process (and the on-disk cache) before timing anything
    classroom = apply_overrides(base, {"scale": "classroom"})
    simulate(*compiled_inputs(classroom, seed), seed)
    # a fresh interpreter's start varies by a third from one to the next on a shared
    # machine (imports, the cached code's loading): the median of a few
    report["cached_start_s"] = statistics.median(
        _child_seconds(scenario_name, seed, None) for _ in range(CACHED_STARTS)
    )

    city_state = None
    for scale in scales:
        scenario = apply_overrides(base, {"scale": scale})
        build_s = _median_time(lambda sc=scenario: population_for(sc, seed), repeats)
        params, population = compiled_inputs(scenario, seed)
        agents = population.n_enterprises + population.n_institutes + population.n_talents
        report["population"][scale] = {"build_s": build_s, "agents": agents}
        simulate(params, population, seed)
        times = _times(
            lambda p=params, pop=population: simulate(p, pop, seed), repeats, MIN_TIMED_S
        )
        run_s = statistics.median(times)
        ticks = params.n_ticks
        report["kernel"][scale] = {
            "agents": agents,
            "ticks": ticks,
            "run_s": run_s,
            "run_s_min": min(times),
            "runs": len(times),
            "tick_ms": 1000.0 * run_s / ticks,
            "ticks_per_s": ticks / run_s,
            "agent_updates_per_s": agents * ticks / run_s,
        }
        if scale == "city":
            city_state = initial_state(population, params)

    for scale in mesa_scales:
        scenario = apply_overrides(base, {"scale": scale})
        population = population_for(scenario, seed)
        agents = population.n_enterprises + population.n_institutes + population.n_talents
        steps = mesa_step_times(scenario, seed, mesa_quarters, population)
        step_s = statistics.median(steps)
        report["mesa"][scale] = {
            "agents": agents,
            "quarters": len(steps),
            "step_s": step_s,
            "step_s_min": min(steps),
            "agent_updates_per_s": agents / step_s,
        }
    if city_state is not None:
        floor, nbytes = copy_floor_s(city_state)
        report["copy_floor"] = {"city_state_mb": nbytes / 2**20, "copy_s": floor}
        report["tick_over_copy_floor"] = report["kernel"]["city"]["tick_ms"] / 1000.0 / floor
    if "city" in scales and "district" in scales:
        kc, kd = report["kernel"]["city"], report["kernel"]["district"]
        report["city_over_district"] = {
            "tick_ratio": kc["tick_ms"] / kd["tick_ms"],
            "agent_ratio": kc["agents"] / kd["agents"],
        }
    report["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return report
