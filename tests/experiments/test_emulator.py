"""The emulator: calibrated 90 % intervals on a noisy analytic function, the
out-of-region flag, a save/load round trip, and `rainforest emulate` end to end on a
small classroom sweep of two budgets."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from rainforest.experiments.cli import main
from rainforest.experiments.studies.emulator import (
    Emulator,
    prediction_seconds,
    save,
    validate,
)
from rainforest.experiments.sweeps.executors import LocalExecutor
from rainforest.experiments.sweeps.runner import run_sweep
from rainforest.experiments.sweeps.spec import load_sweep

NOISE = 0.1
INPUTS = ["a", "b", "c"]

SWEEP = """
base = "action_plan"
sampler = "lhs"
samples = 16
replicates = 2
seed = 5
scale = "classroom"
indicators = ["output_value_bn", "leading_enterprises"]

[parameters]
"plans.array.budget_bn" = { min = 0.0, max = 3.0 }
"plans.rainforest.budget_bn" = { min = 0.0, max = 6.0 }
"""


def _truth(x: np.ndarray) -> np.ndarray:
    return np.sin(3 * x[:, 0]) + 2 * x[:, 1] ** 2 + 0.5 * x[:, 2]


def _runs(rng, points: int, replicates: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    x = np.repeat(rng.uniform(size=(points, 3)), replicates, axis=0)
    y = _truth(x) + rng.normal(0.0, NOISE, len(x))
    return pd.DataFrame(x, columns=INPUTS), pd.DataFrame({"y": y, "y10": 10 * y})


@pytest.fixture(scope="module")
def fitted() -> Emulator:
    rng = np.random.default_rng(1)
    x, y = _runs(rng, 80, 4)  # replicates: the seed noise from their spread
    return Emulator.fit(x, y, {"source": "analytic"})


@pytest.mark.parametrize("replicates", [1, 4])
def test_intervals_cover_90_percent_of_held_out_runs(replicates, fitted):
    rng = np.random.default_rng(2)
    emulator = fitted if replicates == 4 else Emulator.fit(*_runs(rng, 200, 1))
    x, y = _runs(np.random.default_rng(3), 1000, 1)
    result = validate(emulator, x, y)
    for row in result["outcomes"]:
        # 1,000 runs: the share's sampling sd is about 1 %
        assert 0.87 <= row["coverage_90"] <= 0.93, row
        assert abs(row["z_mean"]) < 0.15 and 0.85 < row["z_sd"] < 1.15, row
    rmse = {r["outcome"]: r["rmse"] for r in result["outcomes"]}
    assert rmse["y"] < 1.3 * NOISE  # nearly all the error is the noise itself
    assert rmse["y10"] == pytest.approx(10 * rmse["y"], rel=0.05)
    assert result["passed"]
    assert 0 < result["outside_region"] < 100  # near the unit box's faces, just beyond


def test_noise_from_replicates_and_predictions_are_accurate(fitted):
    assert fitted.run_noise_sd["y"] == pytest.approx(NOISE, rel=0.15)
    grid = np.random.default_rng(4).uniform(0.1, 0.9, size=(200, 3))
    mean = fitted.predict(pd.DataFrame(grid, columns=INPUTS)).mean["y"].to_numpy()
    assert np.sqrt(np.mean((mean - _truth(grid)) ** 2)) < 0.05
    assert prediction_seconds(fitted, repeats=50) < 0.010


def test_points_outside_the_training_region_are_flagged(fitted):
    region = fitted.region()
    assert set(region) == set(INPUTS)
    assert 0.0 <= region["a"]["min"] < 0.05 and 0.95 < region["a"]["max"] <= 1.0
    x = pd.DataFrame({"a": [0.5, 1.5, 0.5], "b": [0.5, 0.5, -0.2], "c": [0.5, 0.5, 2.0]})
    prediction = fitted.predict(x)
    assert prediction.outside.tolist() == [False, True, True]
    assert prediction.outside_inputs == [[], ["a"], ["b", "c"]]
    assert fitted.predict_point({"a": 0.5, "b": 0.5, "c": 0.5})["outside"] == []
    assert fitted.predict_point({"a": 0.5, "b": 0.5, "c": 3.0})["outside"] == ["c"]


def test_save_and_load_give_the_same_predictions(fitted, tmp_path):
    save(fitted, tmp_path / "emu")
    loaded = Emulator.load(tmp_path / "emu")
    x = pd.DataFrame(np.random.default_rng(6).uniform(size=(20, 3)), columns=INPUTS)
    a, b = fitted.predict(x), loaded.predict(x)
    pd.testing.assert_frame_equal(a.mean, b.mean)
    pd.testing.assert_frame_equal(a.sd, b.sd)
    about = json.loads((tmp_path / "emu" / "emulator.json").read_text())
    assert about["inputs"] == INPUTS and about["outputs"] == ["y", "y10"]
    assert about["region"]["b"] == fitted.region()["b"] and "Matern" in about["kernels"]["y"]


def test_emulate_train_and_validate_on_a_classroom_sweep(tmp_path, capsys):
    (tmp_path / "two_budgets.toml").write_text(SWEEP)
    results = tmp_path / "results"
    assert run_sweep(
        load_sweep(tmp_path / "two_budgets.toml"), results, lambda: LocalExecutor(1)
    ).ok
    emu, val = tmp_path / "emu", tmp_path / "val"
    assert main(["emulate", "train", str(results), "--out", str(emu)]) == 0
    out = capsys.readouterr().out
    assert "trained on 32 runs (16 points)" in out
    about = json.loads((emu / "emulator.json").read_text())
    assert about["inputs"] == ["plans.array.budget_bn", "plans.rainforest.budget_bn"]
    assert "output_value_bn_2030" in about["outputs"] and about["manifest_hash"]

    status = main(["emulate", "validate", str(results), "--holdout", "0.25", "--out", str(val)])
    analysis = json.loads((val / "analysis.json").read_text())
    assert status == (0 if analysis["passed"] else 1)
    assert analysis["kind"] == "emulator_validation" and analysis["held_out_runs"] == 8
    assert (val / "emulator_validation.png").stat().st_size > 1000
    table = pd.read_csv(val / "emulator_validation.csv")
    assert {"coverage_90", "z_mean", "z_sd"} <= set(table.columns)
    capsys.readouterr()

    # the whole sweep against the emulator trained on it: every run inside the region
    status = main(["emulate", "validate", str(emu), "--against", str(results)])
    assert status in (0, 1) and "outside the training region" not in capsys.readouterr().err
    assert main(["emulate", "predict", str(emu), "--set", "plans.array.budget_bn=9"]) == 0
    captured = capsys.readouterr()
    assert "output_value_bn_2030:" in captured.out
    assert "outside the training region in plans.array.budget_bn" in captured.err
    assert main(["emulate", "validate", str(emu)]) == 2  # an emulator needs --against


def test_an_emulator_file_is_data_and_a_damaged_one_is_refused(fitted, tmp_path):
    from rainforest.scenarios.errors import ScenarioError

    folder = tmp_path / "emu"
    save(fitted, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["emulator.json", "emulator.npz"]
    arrays = dict(np.load(folder / "emulator.npz", allow_pickle=False))
    arrays["x_0"] = np.array([{"code": "runs on load"}], dtype=object)  # a pickled object
    np.savez(folder / "emulator.npz", **arrays)
    with pytest.raises(ScenarioError, match="damaged emulator"):
        Emulator.load(folder)
    save(fitted, folder)
    about = json.loads((folder / "emulator.json").read_text())
    about["kernel_theta"]["y"] = about["kernel_theta"]["y"][:-1]
    (folder / "emulator.json").write_text(json.dumps(about))
    with pytest.raises(ScenarioError, match="damaged emulator"):
        Emulator.load(folder)
    (folder / "emulator.json").write_text('{"format": "rainforest-emulator/1"}')
    with pytest.raises(ScenarioError, match="train the emulator again"):
        Emulator.load(folder)


def test_predict_gives_each_plans_effect_with_an_interval(capsys):
    from rainforest.viz.whatif_emulator import emulator_folder

    folder = emulator_folder("action_plan", "classroom")
    ones = [f"--set={plan}=1" for plan in ("foundation", "leading", "hand_in_hand",
                                            "open_source", "array", "rainforest")]  # fmt: skip
    assert main(["emulate", "predict", str(folder), *ones, "--effects"]) == 0
    lines = capsys.readouterr().out.splitlines()
    effect = next(line for line in lines if line.startswith("effect of foundation on innovation"))
    numbers = re.findall(r"[+-][\d.]+(?:e[+-]?\d+)?", effect.split(": ", 1)[1])
    mean, low, high = (float(x) for x in numbers)
    # the foundation plan pays for the innovation centers: it adds them, surely
    assert 0 < low <= mean <= high
    assert sum(line.startswith("effect of ") for line in lines) >= 6 * 7


def test_a_square_root_warp_fits_a_response_that_flattens_and_is_saved(tmp_path):
    rng = np.random.default_rng(12)
    x = pd.DataFrame({"budget": rng.uniform(0.0, 3.0, 150), "other": rng.uniform(size=150)})
    y = pd.DataFrame({"out": 10 * np.sqrt(x["budget"]) + rng.normal(0.0, 0.5, 150)})
    plain = Emulator.fit(x, y, seed=1, bounds=([0.0, 0.0], [3.0, 1.0]))
    warped = Emulator.fit(x, y, seed=1, bounds=([0.0, 0.0], [3.0, 1.0]), warps={"budget": "sqrt"})
    grid = pd.DataFrame({"budget": [0.0, 0.05, 0.2, 0.5], "other": 0.5})
    truth = 10 * np.sqrt(grid["budget"].to_numpy())

    def error(emulator):
        return np.abs(emulator.predict(grid).mean["out"].to_numpy() - truth).max()

    assert error(warped) < error(plain) and error(warped) < 1.0
    save(warped, tmp_path / "w")
    loaded = Emulator.load(tmp_path / "w")
    assert loaded.warps == {"budget": "sqrt"}
    pd.testing.assert_frame_equal(loaded.predict(grid).mean, warped.predict(grid).mean)
    from rainforest.scenarios.errors import ScenarioError

    with pytest.raises(ScenarioError, match="warps"):
        Emulator.fit(x, y, warps={"budget": "cube"})


def test_a_difference_is_of_expectations_so_a_point_against_itself_is_exactly_zero(fitted):
    a = {"a": 0.3, "b": 0.5, "c": 0.5}
    same = fitted.predict_difference(a, a)
    for mean, low, high in same.values():
        assert mean == 0.0 and high - low < 1e-5
    # the difference's interval is narrower than a single run's: no seed noise in it
    moved = fitted.predict_difference({**a, "a": 0.7}, a)["y"]
    run = fitted.predict_point(a)["outcomes"]["y"]
    assert moved[2] - moved[1] < run[2] - run[1]
