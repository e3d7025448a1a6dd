"""Each plan drives what its causal path says: leaving it out lowers that, in the median."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from experiments.run import derive_seed, run_one
from scenarios import load_scenario

REPLICATES = 4
EXPECTED = {
    "no_foundation": ["future_technical_colleges", "innovation_centers"],
    "no_leading": ["pilot_areas"],
    "no_hand_in_hand": ["consortia"],
    "no_open_source": ["trl7_enterprises"],
    "no_array": ["high_level_talents"],
    "no_rainforest": ["startup_survival"],
}


def _final(args: tuple[str, int]) -> tuple[str, int, dict[str, float]]:
    name, replicate = args
    result = run_one(load_scenario(name), derive_seed(2030, 0, replicate), engine="mesa")
    return name, replicate, result.at_year_end()


@pytest.fixture(scope="module")
def medians() -> dict[str, dict[str, float]]:
    jobs = [(n, r) for n in ["action_plan", *EXPECTED] for r in range(REPLICATES)]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        rows = list(pool.map(_final, jobs))
    out: dict[str, dict[str, float]] = {}
    for name in ["action_plan", *EXPECTED]:
        finals = [f for n, _, f in rows if n == name]
        out[name] = {k: float(np.median([f[k] for f in finals])) for k in finals[0]}
    return out


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_leaving_a_plan_out_lowers_what_it_drives(medians, scenario):
    for indicator in EXPECTED[scenario]:
        assert medians[scenario][indicator] < medians["action_plan"][indicator], indicator
