"""The shipped timing sweep: each row differs from the action plan where it says, and runs."""

from __future__ import annotations

import dataclasses

import pytest
from rainforest.experiments.sweeps.executors import LocalExecutor
from rainforest.experiments.sweeps.runner import run_sweep
from rainforest.experiments.sweeps.samplers import sample_table
from rainforest.experiments.sweeps.spec import load_sweep, scenario_for
from rainforest.experiments.sweeps.storage import load_results
from rainforest.scenarios.schema import PLAN_NAMES
from rainforest.sim.seeds import derive_seed

BUDGETS = {f"plans.{p}.budget_bn" for p in PLAN_NAMES}
EXPECTED = [  # what each row changes, as the per-year tables it rewrites
    set(),
    {"plans.leading.pilot_areas"},
    {"plans.foundation.centers"},
    BUDGETS,
    BUDGETS,
]


def _tables(scenario) -> dict[str, dict[int, float]]:
    out = {}
    for plan in PLAN_NAMES:
        section = getattr(scenario.plans, plan)
        for key in ("budget_bn", "colleges", "centers", "pilot_areas"):
            if hasattr(section, key):
                out[f"plans.{plan}.{key}"] = dict(getattr(section, key))
    return out


@pytest.fixture(scope="module")
def sweep():
    return load_sweep("timing")


def test_each_row_changes_only_what_it_names(sweep):
    base = sweep.bases[sweep.base]
    assert len(sweep.rows) == len(EXPECTED)
    for row, expected in zip(sweep.rows, EXPECTED, strict=True):
        scenario = scenario_for(sweep.bases, sweep.base, row)
        rest = {"plans", "name"}
        assert scenario.model_dump(exclude=rest) == base.model_dump(exclude=rest)
        before, after = _tables(base), _tables(scenario)
        assert {p for p in before if before[p] != after[p]} == expected, row
        for path in expected:  # plan enabled flags and plan parameters untouched
            plan = path.split(".")[1]
            keep = {"budget_bn", "colleges", "centers", "pilot_areas"}
            assert getattr(scenario.plans, plan).model_dump(exclude=keep) == getattr(
                base.plans, plan
            ).model_dump(exclude=keep)
    late = scenario_for(sweep.bases, sweep.base, sweep.rows[1]).plans.leading.pilot_areas
    assert late == {y + 2: n for y, n in base.plans.leading.pilot_areas.items()}
    early = scenario_for(sweep.bases, sweep.base, sweep.rows[3]).plans.rainforest.budget_bn
    later = scenario_for(sweep.bases, sweep.base, sweep.rows[4]).plans.rainforest.budget_bn
    assert early[2023] > base.plans.rainforest.budget_bn[2023] > later[2023]
    assert sum(early.values()) == pytest.approx(sum(base.plans.rainforest.budget_bn.values()))


def test_every_row_runs(sweep, tmp_path):
    small = dataclasses.replace(sweep, replicates=2)
    summary = run_sweep(small, tmp_path / "timing", lambda: LocalExecutor(1))
    assert summary.ok
    frame = load_results(tmp_path / "timing")
    assert len(frame) == len(sample_table(small)) * 2 and frame["error"].isna().all()
    # common seeds: every row on the replicates' seeds, so rows differ by timing alone
    assert list(frame["seed"]) == [derive_seed(sweep.seed, 0, r % 2) for r in frame["run"]]
    late = frame[frame["plans.leading.pilot_areas.shift"] == 2]
    on_time = frame[frame["sample"] == 0]
    # in 2024 the late schedule has designated nothing (its first 3 areas come in 2025)
    # where the plan has the 3 areas of 2023
    assert late["pilot_areas_2024"].median() < on_time["pilot_areas_2024"].median()
