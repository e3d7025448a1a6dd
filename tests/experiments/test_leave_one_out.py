"""Each plan drives what its causal path says: leaving it out lowers that, in the median."""

from __future__ import annotations

import numpy as np
import pytest
from rainforest.runs.execute import run_one
from rainforest.scenarios import load_scenario
from rainforest.sim.seeds import derive_seed

REPLICATES = 8
EXPECTED = {
    "no_foundation": ["future_technical_colleges", "innovation_centers"],
    "no_leading": ["pilot_areas"],
    "no_hand_in_hand": ["consortia"],
    "no_open_source": ["trl7_enterprises"],
    "no_array": ["high_level_talents"],
    "no_rainforest": ["startup_survival"],
}


@pytest.fixture(scope="module")
def medians() -> dict[str, dict[str, float]]:
    """Median 2030 indicators over replicates ."""
    out: dict[str, dict[str, float]] = {}
    for name in ["action_plan", *EXPECTED]:
        scenario = load_scenario(name)
        finals = [
            run_one(scenario, derive_seed(2030, 0, r)).at_year_end() for r in range(REPLICATES)
        ]
        out[name] = {k: float(np.median([f[k] for f in finals])) for k in finals[0]}
    return out


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_leaving_a_plan_out_lowers_what_it_drives(medians, scenario):
    for indicator in EXPECTED[scenario]:
        assert medians[scenario][indicator] < medians["action_plan"][indicator], indicator
