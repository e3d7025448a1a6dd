"""`rainforest analyze`: outcomes by sample, reach probabilities, Sobol' and Morris."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rainforest.experiments.cli import main
from rainforest.experiments.sweeps.analysis import analyze
from rainforest.experiments.sweeps.executors import LocalExecutor
from rainforest.experiments.sweeps.runner import run_sweep
from rainforest.experiments.sweeps.spec import load_sweep
from rainforest.experiments.sweeps.storage import load_manifest, load_results
from rainforest.sim.indicators import TARGETED, spec

TINY = (
    'extends = "action_plan"\nname = "tiny"\nhorizon_year = 2024\n'
    "population = { enterprises = 60, institutes = 6, talents = 300 }\n"
)
LIST = """
base = "tiny.toml"
sampler = "list"
replicates = 3
seed = 4
rows = [
  { "plans.leading.pilot_areas" = 5 },
  { "plans.leading.pilot_areas" = 15, "plans.leading.budget_bn" = 4.0 },
  { horizon_year = 2023 },
]
"""
SENSITIVITY = """
base = "tiny.toml"
sampler = "{sampler}"
samples = {samples}
replicates = 1
seed = 8
indicators = ["output_value_bn", "enterprises", "pilot_areas"]

[parameters]
"plans.array.budget_bn" = {{ min = 0.0, max = 3.0 }}
"behaviour.founding_rate" = {{ min = 0.001, max = 0.01 }}
"""


def _run(folder: Path, name: str, text: str) -> Path:
    (folder / "tiny.toml").write_text(TINY)
    (folder / f"{name}.toml").write_text(text)
    out = folder / name
    run_sweep(load_sweep(folder / f"{name}.toml"), out, lambda: LocalExecutor(2))
    return out


@pytest.fixture(scope="module")
def list_sweep(tmp_path_factory) -> Path:
    return _run(tmp_path_factory.mktemp("list"), "list", LIST)


@pytest.fixture(scope="module")
def sobol_sweep(tmp_path_factory) -> Path:
    text = SENSITIVITY.format(sampler="sobol", samples=4)
    return _run(tmp_path_factory.mktemp("sobol"), "sobol", text)


@pytest.fixture(scope="module")
def morris_sweep(tmp_path_factory) -> Path:
    text = SENSITIVITY.format(sampler="morris", samples=3)
    return _run(tmp_path_factory.mktemp("morris"), "morris", text)


def test_per_sample_medians_bands_and_reach_match_the_runs(list_sweep):
    report = analyze(list_sweep)
    frame = load_results(list_sweep)
    assert report["year"] == 2024 and report["finished_runs"] == 9
    assert report["failed_runs"] == 3
    assert [s["runs"] for s in report["samples"]] == [3, 3, 3]
    for entry in report["samples"][:2]:
        runs = frame[frame["sample"] == entry["sample"]]
        assert entry["failed"] == 0
        for name in TARGETED:
            values = runs[f"{name}_2024"].to_numpy()
            stats = entry["indicators"][name]
            assert stats["median"] == pytest.approx(np.median(values), rel=1e-12)
            assert stats["p05"] == pytest.approx(np.quantile(values, 0.05), rel=1e-12)
            assert stats["p95"] == pytest.approx(np.quantile(values, 0.95), rel=1e-12)
            reach = float(np.mean(values >= spec(name).target))
            assert stats["reach_probability"] == pytest.approx(reach)
    pilot = [s["indicators"]["pilot_areas"]["reach_probability"] for s in report["samples"]]
    assert pilot[:2] == [0.0, 1.0]  # 5 pilot areas miss the target of 15; 15 reach it
    failed = report["samples"][2]
    assert failed["failed"] == 3 and failed["indicators"]["pilot_areas"]["median"] is None
    assert "year 2024 is outside this run" in frame.loc[frame["sample"] == 2, "error"].iloc[0]
    assert report["sensitivity"] is None


def test_sobol_indices_come_from_the_replicate_means_in_sample_order(sobol_sweep):
    from SALib.analyze import sobol

    report = analyze(sobol_sweep)
    manifest = load_manifest(sobol_sweep)
    sens = report["sensitivity"]
    assert sens["method"] == "sobol" and report["finished_runs"] == 4 * (2 + 2)
    frame = load_results(sobol_sweep)
    y = frame.groupby("sample")["output_value_bn_2024"].mean().to_numpy()
    problem = {"num_vars": 2, "names": list(manifest.samples.columns), "bounds": [[0, 1]] * 2}
    direct = sobol.analyze(problem, y, calc_second_order=False, seed=8, num_resamples=200)
    got = sens["indicators"]["output_value_bn"]["parameters"]
    assert [p["parameter"] for p in got] == ["plans.array.budget_bn", "behaviour.founding_rate"]
    assert [p["S1"] for p in got] == pytest.approx(list(direct["S1"]))
    assert [p["ST"] for p in got] == pytest.approx(list(direct["ST"]))
    assert all(p["ST_conf"] is not None and p["ST_conf"] >= 0 for p in got)
    assert "same value in every sample" in sens["indicators"]["pilot_areas"]["note"]


def test_morris_measures_are_reported_with_intervals(morris_sweep):
    report = analyze(morris_sweep)
    sens = report["sensitivity"]
    assert sens["method"] == "morris" and report["finished_runs"] == 3 * (2 + 1)
    for p in sens["indicators"]["enterprises"]["parameters"]:
        assert p["mu_star"] >= abs(p["mu"]) - 1e-9
        assert p["sigma"] >= 0 and p["mu_star_conf"] >= 0


def test_the_cli_writes_tables_and_bar_charts(sobol_sweep, morris_sweep, tmp_path, capsys):
    for folder, method in ((sobol_sweep, "sobol"), (morris_sweep, "morris")):
        report_dir = tmp_path / method
        assert main(["analyze", str(folder), "--out", str(report_dir)]) == 0
        out = capsys.readouterr().out
        assert f"{method} sensitivity" in out
        for name in ("output_value_bn", "enterprises"):
            png = report_dir / f"{method}_{name}.png"
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert not (report_dir / f"{method}_pilot_areas.png").exists()
        samples = pd.read_csv(report_dir / "samples.csv")
        assert len(samples) == load_manifest(folder).samples.count
        assert (
            "output_value_bn_median" in samples and "output_value_bn_reach_probability" in samples
        )
        sens = pd.read_csv(report_dir / "sensitivity.csv")
        assert set(sens["indicator"]) == {"output_value_bn", "enterprises"}
        saved = json.loads((report_dir / "analysis.json").read_text())
        assert saved == analyze(folder)


def test_json_output_and_bad_folders(list_sweep, tmp_path, capsys):
    assert main(["analyze", str(list_sweep), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["sweep"] == "list" and len(report["samples"]) == 3
    assert main(["analyze", str(tmp_path)]) == 2
    assert "not a sweep results folder" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err
