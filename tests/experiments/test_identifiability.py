"""The identifiability report tells an informed parameter from an uninformed one: a
synthetic ensemble with a known answer (one parameter pinned by an observation, one drawn
from its prior, one piled against its lower bound, one whole-number prior), and the
report of a shipped ensemble file written by ``rainforest calibrate --report``."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from rainforest.experiments.studies.identifiability import (
    identifiability,
    ks_critical,
    markdown_table,
    report_paths,
)

N = 200


def _record(seed: int = 1) -> tuple[dict, list[dict]]:
    rng = np.random.default_rng(seed)
    tight = np.clip(rng.normal(0.3, 0.02, N), 0.0, 1.0)  # prior 0-1: informed
    loose = np.exp(rng.uniform(math.log(1.0), math.log(100.0), N))  # its log-uniform prior
    pressed = 5.0 + 5.0 * np.abs(rng.normal(0.0, 0.04, N))  # prior 5-10, piled at 5
    whole = np.floor(2.0 + rng.uniform(0.0, 1.0, N) * 6.0 + 0.5)  # prior 2-8, whole
    sets = []
    for i in range(N):
        parameters = {"a.tight": float(tight[i]), "a.loose": float(loose[i]),
                      "a.pressed": float(pressed[i]), "a.whole": float(whole[i])}  # fmt: skip
        observed = {"obs_tight": 10.0 * tight[i] + rng.normal(0.0, 0.05),
                    "obs_noise": float(rng.normal())}  # fmt: skip
        sets.append({"sample": i, "parameters": parameters, "observed": observed})
    record = {
        "method": {"market_form": "frontier"},
        "priors": {
            "a.tight": {"low": 0.0, "high": 1.0, "scale": "linear"},
            "a.loose": {"low": 1.0, "high": 100.0, "scale": "log"},
            "a.pressed": {"low": 5.0, "high": 10.0, "scale": "linear"},
            "a.whole": {"low": 2.0, "high": 8.0, "scale": "linear", "integer": True},
        },
        "observations": {"obs_tight": {}, "obs_noise": {}},
        "sets": sets,
    }
    return record, sets


def test_a_pinned_parameter_is_informed_and_a_prior_draw_is_not() -> None:
    record, _ = _record()
    report = identifiability(record)
    rows = report["parameters"]
    assert report["ks_critical"] == pytest.approx(ks_critical(N), abs=1e-4)
    assert 0.09 < report["ks_critical"] < 0.1  # about 1.36 / sqrt(200)
    assert rows["a.tight"]["verdict"] == "informed"
    assert rows["a.tight"]["sd_ratio"] < 0.1 and rows["a.tight"]["ks"] > 0.5
    assert rows["a.loose"]["verdict"] == "not informed"  # log-uniform, in quantile units
    assert 0.85 < rows["a.loose"]["sd_ratio"] < 1.15
    assert rows["a.whole"]["verdict"] == "not informed"  # discrete prior, compared exactly
    assert 0.85 < rows["a.whole"]["sd_ratio"] < 1.15
    assert rows["a.tight"]["informed_by"] == ["obs_tight"]
    assert rows["a.loose"]["informed_by"] == []
    assert report["summary"]["informed"] == ["a.tight", "a.pressed"]


def test_a_posterior_piled_at_a_bound_presses_against_it() -> None:
    record, _ = _record()
    rows = identifiability(record)["parameters"]
    assert rows["a.pressed"]["at_bound"]["presses"] == "low"
    assert rows["a.pressed"]["at_bound"]["low_share"] > 0.3
    for name in ("a.tight", "a.loose", "a.whole"):
        assert rows[name]["at_bound"]["presses"] is None, name


def test_correlations_and_the_runs_basis() -> None:
    record, sets = _record()
    # a fifth parameter, the tight one's mirror: correlation -1
    record["priors"]["a.mirror"] = {"low": 0.0, "high": 1.0, "scale": "linear"}
    for s in sets:
        s["parameters"]["a.mirror"] = 1.0 - s["parameters"]["a.tight"]
    report = identifiability(record, runs=sets[:150])
    paths = report["correlation"]["parameters"]
    matrix = report["correlation"]["matrix"]
    i, j = paths.index("a.tight"), paths.index("a.mirror")
    assert matrix[i][j] == pytest.approx(-1.0) and matrix[i][i] == pytest.approx(1.0)
    assert report["strong_correlations"][0]["r"] == pytest.approx(-1.0)
    assert "150 simulated runs" in report["informed_by_basis"]
    assert report["parameters"]["a.mirror"]["informed_by"] == ["obs_tight"]
    table = markdown_table(report)
    assert table.count("\n") == 2 + len(paths) - 1 and "`a.tight`" in table


def test_calibrate_report_writes_the_report_of_a_shipped_ensemble(tmp_path, capsys) -> None:
    from rainforest.experiments.cli import main
    from rainforest.scenarios.ensemble import ENSEMBLE_FILES

    ensemble = ENSEMBLE_FILES["compounding_outside"]
    assert main(["calibrate", "--report", str(ensemble), "--out", str(tmp_path)]) == 0
    json_path, png_path = report_paths(ensemble, tmp_path)
    report = json.loads(json_path.read_text())
    assert png_path.read_bytes()[:4] == b"\x89PNG"
    from rainforest.scenarios.ensemble import load_ensemble

    shipped = len(load_ensemble(ensemble)["sets"])
    assert report["sets"] == shipped and report["market_form"] == "compounding_outside"
    # the outside option's progress is informed (moderate growth needs it); the plan
    # effects are not (observations up to 2025 say little of them)
    progress = report["parameters"]["market.outside_progress"]
    assert progress["verdict"] == "informed"
    assert len(report["summary"]["not_informed"]) >= 12
    # the report the command writes is the one shipped beside the ensemble
    shipped_report = json.loads(report_paths(ensemble)[0].read_text())
    assert report["summary"] == shipped_report["summary"]
    assert "| `market.outside_progress` |" in capsys.readouterr().out


def test_calibrate_report_of_a_missing_file_is_one_message(tmp_path, capsys) -> None:
    from rainforest.experiments.cli import main

    assert main(["calibrate", "--report", str(tmp_path / "none.toml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "none.toml" in err[0]


def test_calibrate_writes_the_report_beside_the_ensemble(tmp_path) -> None:
    import tomllib

    from rainforest.experiments.cli import main

    out = tmp_path / "posterior.toml"
    argv = ["calibrate", "--samples", "8", "--waves", "1", "--scale", "classroom",
            "--seed", "3", "--form", "compounding_outside", "--omit", "output_2022_bn",
            "--omit", "growth_2023", "--omit", "growth_2024", "--omit", "growth_2025",
            "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    json_path, png_path = report_paths(out)
    sets = tomllib.loads(out.read_text())["sets"]
    report = json.loads(json_path.read_text())
    assert len(sets) >= 2 and report["sets"] == len(sets) and png_path.exists()
    assert report["informed_by_basis"].endswith("over all 8 simulated runs")
    assert set(report["parameters"]) == set(tomllib.loads(out.read_text())["priors"])
