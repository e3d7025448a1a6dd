"""The shipped calibration: its record, its use by the library, and that it still holds.

Checks run the compiled model at district scale on seeds the calibration did not use
(root seed 7): median growth 2023-25 inside 10-25 % a year, every designation on the
plan's schedule, the median end-2022 output inside the 80-200 bn prior, the baseline's
median below 90 % of the action plan's, and each leave-one-out below the action plan
(mean paired difference over the same seeds). The action plan's level is a result, not
something checked against the 2030 target.
"""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
from rainforest.experiments.run import derive_seed, run_one
from rainforest.experiments.studies.calibration import (
    CALIBRATION_FILE,
    FREE_PARAMETERS,
    GROWTH_BAND,
    PRIOR_OUTPUT_BN,
    calibrated_overrides,
    evaluate,
    read_calibration,
)
from rainforest.scenarios.loader import load_scenario

REPLICATES = 8
SEEDS = [derive_seed(7, 0, r) for r in range(REPLICATES)]
LEAVE_ONE_OUTS = (
    "no_foundation", "no_leading", "no_hand_in_hand", "no_open_source", "no_array",
    "no_rainforest",
)  # fmt: skip


def _value(scenario, path: str) -> float:
    obj = scenario
    for part in path.split("."):
        obj = getattr(obj, part)
    return float(obj)


@pytest.fixture(scope="module")
def shipped():
    return evaluate({}, SEEDS, "district", "action_plan")


def _outputs(name: str) -> np.ndarray:
    sc = load_scenario(name)
    return np.array(
        [run_one(sc, s, scale="district").at_year_end(2030)["output_value_bn"] for s in SEEDS]
    )


def test_record_names_values_objective_seeds_and_code() -> None:
    record = read_calibration()
    assert set(record["parameters"]) == {fp.path for fp in FREE_PARAMETERS}
    for fp in FREE_PARAMETERS:
        assert fp.low <= record["parameters"][fp.path] <= fp.high
    assert record["objective"]["scenario"] == "action_plan"
    assert len(record["study"]["seeds"]) == record["study"]["replicates"]
    assert record["code"]["model_sha256"] and record["date"]


@pytest.mark.parametrize("name", ["action_plan", "baseline", *LEAVE_ONE_OUTS])
def test_library_scenarios_carry_the_fitted_values(name: str) -> None:
    scenario = load_scenario(name)
    for path, value in calibrated_overrides().items():
        assert _value(scenario, path) == pytest.approx(value)


def test_shipped_values_keep_the_designations_on_schedule(shipped) -> None:
    assert shipped.designations_on_schedule == 1.0


def test_shipped_values_grow_10_to_25_percent_a_year(shipped) -> None:
    lo, hi = GROWTH_BAND
    assert lo <= shipped.median_growth <= hi


def test_shipped_values_put_2022_output_inside_its_prior(shipped) -> None:
    lo, hi = PRIOR_OUTPUT_BN
    assert lo <= shipped.median_output_2022 <= hi


def test_baseline_falls_clearly_short_of_the_action_plan(action_plan_outputs) -> None:
    assert np.median(_outputs("baseline")) < 0.9 * np.median(action_plan_outputs)


@pytest.fixture(scope="module")
def action_plan_outputs(shipped) -> np.ndarray:
    return np.array(shipped.output_2030)  # the same runs: action_plan, SEEDS, district


@pytest.mark.parametrize("name", LEAVE_ONE_OUTS)
def test_leave_one_out_costs_output(name: str, action_plan_outputs: np.ndarray) -> None:
    assert (action_plan_outputs - _outputs(name)).mean() > 0.0


def test_calibrate_smoke_writes_a_complete_record(tmp_path) -> None:
    from rainforest.experiments.cli import main

    out = tmp_path / "cal.toml"
    argv = ["calibrate", "--trials", "2", "--scale", "classroom", "--replicates", "1",
            "--check-replicates", "1", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    record = tomllib.loads(out.read_text())
    assert set(record["parameters"]) == {fp.path for fp in FREE_PARAMETERS}
    assert record["study"]["trials"] == 2 and record["study"]["scale"] == "classroom"
    assert len(record["study"]["seeds"]) == 1 and "loss" in record["objective"]
    assert "model_sha256" in record["code"] and CALIBRATION_FILE.name == "calibration.toml"


def test_apply_writes_the_fitted_values_and_keeps_the_plans(tmp_path) -> None:
    import shutil

    from rainforest.experiments.studies.calibration import LIBRARY_FILES, apply_to_library

    files = [shutil.copy(f, tmp_path / f.name) for f in LIBRARY_FILES]
    paths = [tmp_path / f.name for f in LIBRARY_FILES]
    # the shipped library already carries the shipped record: nothing to change
    assert apply_to_library(calibrated_overrides(), paths) == []
    new = {**calibrated_overrides(), "market.bass_q": 0.25}
    assert apply_to_library(new, paths) == paths
    for original, path in zip(LIBRARY_FILES, files, strict=True):
        before, after = load_scenario(original), load_scenario(path)
        assert after.market.bass_q == 0.25
        assert after.plans == before.plans
