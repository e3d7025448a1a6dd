"""The Python API (``import rainforest as rf``): the CLI's numbers, lazily imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from rainforest.experiments.cli import main
from rainforest.sim.indicators import INDICATOR_NAMES, TARGETED
from rainforest.sim.seeds import derive_seed

import rainforest as rf

SHORT = 'extends = "action_plan"\nname = "short"\nhorizon_year = 2024\n'
TINY_SWEEP = """
base = "tiny.toml"
sampler = "lhs"
samples = 2
replicates = 2
seed = 3
years = [2024]

[parameters]
"plans.array.budget_bn" = { min = 0.0, max = 3.0 }
"""


@pytest.fixture(scope="module")
def short_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("api") / "short.toml"
    path.write_text(SHORT)
    return path


def test_import_rainforest_stays_light():
    code = (
        "import sys, rainforest as rf; "
        "print(sorted(m for m in ('numpy', 'pandas', 'numba', 'mesa') if m in sys.modules)); "
        "print(sorted(rf.__all__) == sorted({*rf._EXPORTS, *rf._MODULES}))"
    )
    out = subprocess.run(
        [sys.executable, "-P", "-c", code], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "[]" and out[1] == "True"


def test_run_gives_the_numbers_rainforest_run_prints(short_file, capsys):
    args = ["run", str(short_file), "--replicates", "3", "--seed", "4", "--scale", "classroom"]
    assert main([*args, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    runs = rf.run(short_file, replicates=3, scale="classroom", seed=4)
    assert json.loads(json.dumps(runs.summary)) == printed
    assert runs.seeds == [derive_seed(4, 0, r) for r in range(3)] == printed["seeds"]
    card = runs.scorecard()
    assert list(card.columns) == [
        "indicator", "target", "unit", "median", "p05", "p95", "reach_probability",
    ]  # fmt: skip
    assert list(card["indicator"][: len(TARGETED)]) == list(TARGETED)
    row = card.set_index("indicator").loc["output_value_bn"]
    assert row["median"] == printed["indicators"]["output_value_bn"]["median"]


def test_overrides_give_the_numbers_of_run_set(short_file, capsys):
    sets = ["--set", "plans.array.budget_bn=0.5", "--set", "market.bass_q=0.3"]
    assert main(["run", str(short_file), "--replicates", "2", *sets, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    overrides = {"plans.array.budget_bn": 0.5, "market.bass_q": 0.3}
    runs = rf.run(short_file, replicates=2, overrides=overrides)
    assert json.loads(json.dumps(runs.summary)) == printed


@pytest.mark.parametrize(
    ("option", "needle"),
    [("plans.array.budgt_bn=1.0", "plans.array.budgt_bn: no such parameter"),
     ("horizon_year", "--set 'horizon_year': expected PATH=VALUE"),
     ("plans.array.retention=2.0", "plans.array.retention"),
     ("behaviour.capital_output_ratio=-0.5", "behaviour.capital_output_ratio"),
     ("behaviour.exit_hazard_young=1.5", "behaviour.exit_hazard_young"),
     ("behaviour.demand_shock_persistence=1.0", "behaviour.demand_shock_persistence")],
)  # fmt: skip
def test_a_bad_set_is_one_message_and_status_2(short_file, capsys, option, needle):
    assert main(["run", str(short_file), "--set", option]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], lines


def test_the_frame_holds_every_replicate_and_the_fan_chart_is_a_figure(short_file):
    from matplotlib.figure import Figure

    runs = rf.run(short_file, replicates=2)
    frame = runs.frame
    assert len(frame) == 2 * 4 * (2024 - 2021 + 1)
    assert set(frame["replicate"]) == {0, 1} and set(frame["seed"]) == set(runs.seeds)
    assert set(INDICATOR_NAMES) <= set(frame.columns)
    assert isinstance(runs.fan_chart(), Figure)


def test_overrides_reach_the_scenario_and_bad_ones_name_the_path(short_file):
    runs = rf.run(short_file, overrides={"plans.array.budget_bn": 0.0, "horizon_year": 2023})
    assert runs.scenario.horizon_year == 2023
    assert all(v == 0.0 for y, v in runs.scenario.plans.array.budget_bn.items() if y >= 2023)
    with pytest.raises(rf.ScenarioError, match="plans.array.budgt_bn"):
        rf.run(short_file, overrides={"plans.array.budgt_bn": 1.0})


def test_sweep_runs_a_file_and_returns_what_load_results_reads(tmp_path):
    (tmp_path / "tiny.toml").write_text(
        SHORT + "population = { enterprises = 60, institutes = 6, talents = 300 }\n"
    )
    (tmp_path / "sweep.toml").write_text(TINY_SWEEP)
    out = tmp_path / "out"
    frame = rf.sweep(tmp_path / "sweep.toml", out=out, workers=1)
    assert len(frame) == 4 and frame["error"].isna().all()
    assert frame.attrs["sweep"]["finished_runs"] == 4
    pd.testing.assert_frame_equal(frame, rf.load_results(out))


def test_ecosystem_model_is_the_agents_model():
    from rainforest.agents import EcosystemModel

    assert rf.EcosystemModel is EcosystemModel
    assert rf.load_scenario("baseline").name == "baseline"
