"""The same answer at every scale: classroom and district against city, the reference
scale (one simulated firm per real firm).

Medians of 2030 output: 10 replicates at classroom and district scale, 4 at city (a city
run takes about half a second). The tolerance is ±7 % of the city value; replicates at
city scale differ by about 4 %, so the 4-replicate median is itself uncertain by about
±2 %, which the tolerance leaves room for. The six plans' ranking by the output lost
without each is compared at district and city scale on the same 4 seeds.
"""

from __future__ import annotations

import numpy as np
import pytest
from rainforest.scenarios import load_scenario
from rainforest.scenarios.loader import with_overrides
from rainforest.scenarios.schema import PLAN_NAMES
from rainforest.sim.indicators import INDICATOR_NAMES
from rainforest.sim.loop import simulate
from rainforest.sim.params import build_params
from rainforest.sim.population import population_for

SEEDS = {"classroom": range(10), "district": range(10), "city": range(4)}
OUTPUT = INDICATOR_NAMES.index("output_value_bn")
SCENARIOS = ("action_plan", "baseline", *(f"no_{plan}" for plan in PLAN_NAMES))


@pytest.fixture(scope="module")
def outputs() -> dict[tuple[str, str], np.ndarray]:
    """2030 output by (scenario, scale), one value per seed."""
    out = {}
    for scale, seeds in SEEDS.items():
        for name in SCENARIOS if scale != "classroom" else ("action_plan", "baseline"):
            scenario = with_overrides(load_scenario(name), {"scale": scale})
            params = build_params(scenario)
            out[name, scale] = np.array(
                [simulate(params, population_for(scenario, s), s)[0][-1, OUTPUT] for s in seeds]
            )
    return out


@pytest.mark.parametrize("scale", ["classroom", "district"])
@pytest.mark.parametrize("name", ["action_plan", "baseline"])
def test_every_scale_gives_the_citys_output_within_7_percent(outputs, name, scale):
    city = np.median(outputs[name, "city"])
    assert np.median(outputs[name, scale]) == pytest.approx(city, rel=0.07)


def test_the_plans_rank_the_same_at_district_and_city_scale(outputs):
    """The six plans ordered by the mean paired output lost without each."""

    def ranking(scale):
        full = outputs["action_plan", scale]
        n = len(SEEDS["city"])  # the same seeds at both scales
        loss = {p: float(np.mean(full[:n] - outputs[f"no_{p}", scale][:n])) for p in PLAN_NAMES}
        return sorted(PLAN_NAMES, key=loss.get, reverse=True)

    assert ranking("district") == ranking("city")
