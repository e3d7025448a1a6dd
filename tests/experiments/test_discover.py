"""`rainforest discover`: PRIM on a function with a known box, then on a small sweep."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rainforest.experiments.cli import main
from rainforest.experiments.studies.discovery import PrimSettings, prim_boxes
from rainforest.experiments.sweeps.executors import LocalExecutor
from rainforest.experiments.sweeps.runner import run_sweep
from rainforest.experiments.sweeps.spec import load_sweep
from rainforest.experiments.sweeps.storage import load_results

# 24 Latin-hypercube points x 2 replicates at classroom scale: two budgets and the market
# potential, which any sensible model turns into output.
SWEEP = """
base = "action_plan"
sampler = "lhs"
samples = 24
replicates = 2
seed = 11
scale = "classroom"
indicators = ["output_value_bn", "pilot_areas"]

[parameters]
"plans.array.budget_bn" = { min = 0.0, max = 3.0 }
"plans.rainforest.budget_bn" = { min = 0.0, max = 6.0 }
"market.national_potential_bn" = { min = 2000.0, max = 16000.0 }
"""


def test_prim_finds_a_known_box_within_the_sample_resolution():
    """y = 1 inside x1 in [0.2, 0.5], x2 in [0.6, 0.9]; x3 is noise."""
    rng = np.random.default_rng(5)
    n = 2000
    x = pd.DataFrame(rng.uniform(size=(n, 3)), columns=["x1", "x2", "x3"])
    inside = x["x1"].between(0.2, 0.5) & x["x2"].between(0.6, 0.9)
    (box,) = prim_boxes(x, inside.to_numpy(dtype=np.int64), PrimSettings(min_density=0.95))
    assert box["restricted"] == ["x1", "x2"] or box["restricted"] == ["x2", "x1"]
    limits = {lim["input"]: lim for lim in box["limits"]}
    # one peel removes 5 % of the box's cases, a slice about 0.05 x its width, so the
    # edges are found to within a few such slices of the 0.3-wide box (about 0.015)
    resolution = 0.05 * 0.3 * 2
    assert limits["x1"]["min"] == pytest.approx(0.2, abs=resolution)
    assert limits["x1"]["max"] == pytest.approx(0.5, abs=resolution)
    assert limits["x2"]["min"] == pytest.approx(0.6, abs=resolution)
    assert limits["x2"]["max"] == pytest.approx(0.9, abs=resolution)
    assert not limits["x3"]["restricted"]
    assert box["density"] >= 0.95 and box["coverage"] >= 0.85
    truth = inside.mean()
    assert box["mass"] == pytest.approx(truth, abs=0.02)
    traj = box["trajectory"]
    assert traj[0]["coverage"] == 1.0 and traj[0]["density"] == pytest.approx(truth)
    assert box["meets_min_density"] and box["note"] is None


def test_discover_finds_the_known_box_of_the_shipped_function_sweep(tmp_path, capsys):
    """The whole pipeline on a function with a known box: sweep, storage, PRIM, report."""
    from rainforest.experiments.studies.analytic import KNOWN_BOX

    out = tmp_path / "known_box"
    assert run_sweep(load_sweep("known_box"), out, lambda: LocalExecutor(1)).ok
    argv = ["discover", str(out), "--target", "value", "--threshold", "500", "--json"]
    assert main([*argv, "--min-density", "0.95"]) == 0
    report = json.loads(capsys.readouterr().out)
    (box,) = report["boxes"]
    assert sorted(box["restricted"]) == ["x1", "x2"] and report["target"]["year"] is None
    limits = {lim["input"]: lim for lim in box["limits"]}
    # 1,000 Latin-hypercube points: neighbouring values 0.001 apart, and one peel takes
    # 5 % of the box (about 0.02 of a 0.4-wide side): the edges to within two peels
    for name, (low, high) in KNOWN_BOX.items():
        assert limits[name]["min"] == pytest.approx(low, abs=0.04)
        assert limits[name]["max"] == pytest.approx(high, abs=0.04)
    assert box["density"] >= 0.95 and box["coverage"] >= 0.85
    assert main(argv[:-3] + ["--json"]) == 2  # a function's outcome has no target
    assert "--threshold: " in capsys.readouterr().err
    assert main([*argv[:2], "--target", "nope", "--threshold", "1"]) == 2
    assert "whose outcomes are value, inside" in capsys.readouterr().err


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("discovery")
    (folder / "small.toml").write_text(SWEEP)
    out = folder / "results"
    summary = run_sweep(load_sweep(folder / "small.toml"), out, lambda: LocalExecutor(2))
    assert summary.ok
    return out


@pytest.fixture(scope="module")
def median_output(sweep_dir) -> float:
    return float(load_results(sweep_dir)["output_value_bn_2030"].median())


@pytest.fixture(scope="module")
def discovered(sweep_dir, median_output, tmp_path_factory) -> tuple[int, Path]:
    out = tmp_path_factory.mktemp("report") / "discover"
    code = main(
        ["discover", str(sweep_dir), "--target", "output_value_bn", "--threshold",
         f"{median_output}", "--min-density", "0.8", "--out", str(out)]
    )  # fmt: skip
    return code, out


def test_discover_writes_the_box_its_tables_and_figures(discovered, sweep_dir):
    code, out = discovered
    assert code == 0
    report = json.loads((out / "analysis.json").read_text())
    assert report["kind"] == "discovery" and report["title"]
    assert report["cases"] == 48 and 0 < report["cases_of_interest"] < 48
    prov = report["provenance"]
    assert prov["source"] == str(sweep_dir) and prov["seeds"] == {"root": 11, "replicates": 2}
    assert prov["manifest_hash"] and prov["code_version"]["model_sha256"]
    files = {f["file"] for f in report["figures"]} | {t["file"] for t in report["tables"]}
    assert files == {
        "peeling_trajectory.png",
        "box_limits.png",
        "boxes.csv",
        "peeling_trajectory.csv",
    }
    for f in report["figures"]:
        assert (out / f["file"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f["caption"]
    (box,) = report["boxes"]
    # peeling only ever raises the density above the base rate, and lowers the coverage
    assert box["density"] >= report["base_rate"]
    assert 0.0 < box["coverage"] <= 1.0
    traj = pd.read_csv(out / "peeling_trajectory.csv")
    assert traj["chosen"].sum() == 1 and traj["coverage"].iloc[0] == 1.0
    limits = pd.read_csv(out / "boxes.csv")
    assert set(limits["input"]) == {
        "plans.array.budget_bn", "plans.rainforest.budget_bn", "market.national_potential_bn",
    }  # fmt: skip
    restricted = limits[limits["restricted"]]
    assert set(restricted["input"]) == set(box["restricted"]) and len(restricted) >= 1
    # a bigger market makes more output in any sensible model: the box of runs above the
    # median leaves out the smallest markets
    potential = limits.set_index("input").loc["market.national_potential_bn"]
    assert potential["restricted"] and potential["min"] > potential["data_min"]


def test_discover_missed_finds_the_small_markets(sweep_dir, median_output, capsys):
    code = main(
        ["discover", str(sweep_dir), "--threshold", f"{median_output}", "--missed", "--json"]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["target"]["missed"] is True
    limits = {lim["input"]: lim for lim in report["boxes"][0]["limits"]}
    potential = limits["market.national_potential_bn"]
    assert potential["restricted"] and potential["max"] < potential["data_max"]


def test_discover_can_look_at_the_uncertainties_or_the_levers_alone(
    sweep_dir, median_output, capsys
):
    expected = {
        "uncertainties": ["market.national_potential_bn"],
        "levers": ["plans.array.budget_bn", "plans.rainforest.budget_bn"],
    }
    for kind, inputs in expected.items():
        argv = ["discover", str(sweep_dir), "--threshold", f"{median_output}", "--inputs", kind]
        assert main([*argv, "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["inputs"] == inputs
        assert {lim["input"] for lim in report["boxes"][0]["limits"]} == set(inputs)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--target", "no_such_indicator"], "--target 'no_such_indicator': unknown indicator"),
        (["--target", "enterprises", "--threshold", "10"], "did not keep it"),
        (["--target", "talents"], "the plan sets no target for it; give --threshold"),
        (["--year", "2027"], "--year 2027: the sweep in"),
        (["--threshold", "1e12"], "no run reaches output_value_bn >= 1e+12"),
        (["--threshold", "-1"], "every run reaches"),
        (["--inputs", "market.bass_q"], "--inputs market.bass_q: not an input of the sweep"),
    ],
)
def test_bad_input_is_one_message_and_exit_2(sweep_dir, argv, message, capsys, tmp_path):
    out = tmp_path / "nothing"
    assert main(["discover", str(sweep_dir), *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()  # nothing half-written


def test_a_folder_that_is_not_a_finished_sweep_is_refused(sweep_dir, tmp_path, capsys):
    assert main(["discover", str(tmp_path)]) == 2
    assert "not a sweep results folder" in capsys.readouterr().err
    copy = tmp_path / "unfinished"
    copy.mkdir()
    manifest = json.loads((sweep_dir / "manifest.json").read_text())
    manifest["status"] = "incomplete"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    assert main(["discover", str(copy)]) == 2
    assert "not a finished sweep (incomplete" in capsys.readouterr().err


def test_the_shipped_discovery_sweep_has_the_ema_clients_levers_and_uncertainties():
    from rainforest.experiments.ema import levers, uncertainties
    from rainforest.scenarios import load_scenario

    sweep = load_sweep("discovery")
    assert sweep.sampler == "lhs" and sweep.base == "action_plan"
    expected = levers() + uncertainties(load_scenario("action_plan"))
    assert [p.path for p in sweep.parameters] == [r.path for r in expected]
    bounds = [bound for p in sweep.parameters for bound in (p.low, p.high)]
    assert bounds == pytest.approx([bound for r in expected for bound in (r.low, r.high)])
    assert sum(p.path.endswith(".budget_bn") for p in sweep.parameters) == 6
