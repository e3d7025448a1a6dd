"""`rainforest run`: the scorecard, the JSON summary and the result files."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from rainforest.experiments.cli import main
from rainforest.runs.execute import run_one
from rainforest.scenarios.targets import targets
from rainforest.sim.indicators import INDICATOR_NAMES
from rainforest.sim.seeds import derive_seed

SHORT = ["--scale", "classroom"]


@pytest.fixture(scope="module")
def short_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("scen") / "short.toml"
    path.write_text('extends = "action_plan"\nname = "short"\nhorizon_year = 2024\n')
    return path


def test_json_summary_has_the_documented_keys(short_file, capsys):
    assert main(["run", str(short_file), "--replicates", "3", "--seed", "4", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert {"scenario", "seed", "replicates", "scale", "indicators"} <= set(summary)
    assert "engine" not in summary
    assert summary["scenario"] == "short" and summary["replicates"] == 3
    assert summary["seed"] == 4
    assert set(summary["indicators"]) == set(INDICATOR_NAMES)
    for name, target in targets().items():
        entry = summary["indicators"][name]
        assert entry["target"] == target.value
        assert entry["p05"] <= entry["median"] <= entry["p95"]
        assert 0.0 <= entry["reach_probability"] <= 1.0
    assert summary["indicators"]["consortia"]["reach_probability"] is None
    assert summary["year"] == 2024


def test_out_writes_every_replicate_per_tick(short_file, tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", str(short_file), "--replicates", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "output_value_bn" in printed and "scorecard" in printed
    frame = pd.read_parquet(out / "indicators.parquet")
    assert len(frame) == 2 * 4 * (2024 - 2021 + 1)  # two replicates, 2021-2024
    assert set(frame["replicate"]) == {0, 1}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seeds"] == [derive_seed(0, 0, 0), derive_seed(0, 0, 1)]
    assert sorted(frame["seed"].unique().tolist()) == sorted(summary["seeds"])
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_the_summary_is_the_runs_final_quarter(short_file, capsys):
    from rainforest.scenarios import load_scenario

    assert main(["run", str(short_file), "--seed", "9", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["scale"] == "city"  # the reference scale, when neither file nor flag sets one
    direct = run_one(load_scenario(short_file), derive_seed(9, 0, 0), scale="city").at_year_end()
    assert summary["indicators"]["output_value_bn"]["median"] == direct["output_value_bn"]


def test_engine_is_not_an_option(short_file, capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", str(short_file), "--engine", "mesa"])
    assert info.value.code == 2
    assert "--engine" in capsys.readouterr().err


def test_many_runs_are_counted_and_timed_first_on_standard_error(short_file, capsys):
    assert main(["run", str(short_file), "--replicates", "10", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["replicates"] == 10  # standard output stays JSON
    assert "run: 10 runs (" in captured.err and "about" in captured.err
    assert main(["run", str(short_file), "--replicates", "2", "--json"]) == 0
    assert "run:" not in capsys.readouterr().err  # a few runs start at once


def test_a_cold_cache_is_announced_and_a_warm_one_is_not(tmp_path, monkeypatch):
    import io

    from rainforest.experiments.cli import plan
    from rainforest.sim.engine import cache

    monkeypatch.setattr(cache, "choose_run_cache_folder", lambda: tmp_path)
    said = io.StringIO()
    plan.say_if_cold(said)
    assert said.getvalue().strip() == plan.COLD_CACHE_NOTICE
    (tmp_path / f"compiled-{cache.sources_digest()}").write_text("")
    said = io.StringIO()
    plan.say_if_cold(said)
    assert said.getvalue() == ""
