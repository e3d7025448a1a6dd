"""Shared fixtures: scenarios reused across the layers' tests."""

from __future__ import annotations

import pytest

from scenarios import load_scenario
from scenarios.loader import with_overrides


@pytest.fixture(scope="session")
def action_plan():
    return load_scenario("action_plan")


@pytest.fixture(scope="session")
def short_action_plan(action_plan):
    """The action plan's first two years (8 quarters), for quick tests."""
    return with_overrides(action_plan, {"horizon_year": 2024})
