"""Shared fixtures: scenarios reused across the layers' tests."""

from __future__ import annotations

import pytest
from rainforest.scenarios import load_scenario
from rainforest.scenarios.loader import with_overrides


@pytest.fixture(scope="session")
def action_plan():
    """The action plan at classroom scale, the tests' scale (runs default to city)."""
    return with_overrides(load_scenario("action_plan"), {"scale": "classroom"})


@pytest.fixture(scope="session")
def short_action_plan(action_plan):
    """The action plan's first two years (8 quarters), for quick tests."""
    return with_overrides(action_plan, {"horizon_year": 2024})


@pytest.fixture(scope="session", autouse=True)
def compiled_kernel():
    """Compile the model once, in this process, before any test spawns workers.

    The compiled code lands in the on-disk cache, so worker processes load it instead
    of each compiling it again.
    """
    from rainforest.sim.loop import simulate
    from rainforest.sim.params import build_params
    from rainforest.sim.population import build_population

    scenario = with_overrides(load_scenario("action_plan"), {"horizon_year": 2023})
    simulate(build_params(scenario), build_population(0, (60, 10, 300)), 0)


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/ from the model as it is now and print what moved",
    )


@pytest.fixture(scope="session")
def group_ended():
    """``group_ended(pgid, within_s)``: whether every process of a process group has
    ended within ``within_s`` seconds (for tests that stop a command and its children)."""
    import os
    import time

    def ended(group: int, within_s: float) -> bool:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return True
            time.sleep(0.1)
        return False

    return ended
