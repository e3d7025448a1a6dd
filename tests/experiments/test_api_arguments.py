"""The Python API refuses wrong argument types and values at its boundary, with one error
that names the argument (ScenarioError, a ValueError, or TypeError), never one from deep
inside numpy, Mesa, Numba or Arrow; and nothing is run or written first."""

from __future__ import annotations

import pytest
from rainforest.agents import EcosystemModel
from rainforest.scenarios.errors import ScenarioError

import rainforest as rf

SWEEP = """name = "s"
base = "baseline"
sampler = "list"
scale = "classroom"
years = [2023]
rows = [{ "plans.array.retention" = 0.5 }]
"""


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"overrides": [1, 2]}, "overrides"),
        ({"seed": "7"}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": -1}, "seed"),
        ({"replicates": 2.5}, "replicates"),
        ({"replicates": True}, "replicates"),
        ({"replicates": 10**9}, "replicates"),
        ({"scenario": 3}, "scenario"),
    ],
)
def test_run_names_the_wrong_argument(arguments, named):
    with pytest.raises(ScenarioError, match=f"^{named}"):
        rf.run(**{"scenario": "baseline", "scale": "classroom", **arguments})


@pytest.mark.parametrize("seed", [-1, 1.5, "7", 2**70, True])
def test_the_mesa_model_names_a_wrong_seed(short_action_plan, seed):
    with pytest.raises(ScenarioError, match="^seed"):
        EcosystemModel(short_action_plan, seed=seed)


def test_the_mesa_model_needs_a_scenario():
    with pytest.raises(TypeError, match="^scenario"):
        EcosystemModel("action_plan")


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"workers": "x"}, "workers"),
        ({"workers": 0}, "workers"),
        ({"workers": 2.5}, "workers"),
        ({"chunk_size": -1}, "chunk_size"),
        ({"out": 5}, "out"),
    ],
)
def test_sweep_names_the_wrong_argument(arguments, named, tmp_path):
    file = tmp_path / "s.toml"
    file.write_text(SWEEP)
    call = {"file": file, "out": tmp_path / "out", **arguments}
    with pytest.raises(ScenarioError, match=f"^{named}"):
        rf.sweep(**call)
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    file = tmp_path_factory.mktemp("sweep") / "s.toml"
    file.write_text(SWEEP)
    out = file.parent / "out"
    rf.sweep(file, out, workers=1)
    return out


@pytest.mark.parametrize("columns", [["nope"], "output_value_bn_2023", [1]])
def test_load_results_names_a_wrong_column(results, columns):
    with pytest.raises(ScenarioError, match="^columns"):
        rf.load_results(results, columns=columns)


def test_load_results_keeps_the_columns_asked_for(results):
    frame = rf.load_results(results, columns=["output_value_bn_2023"])
    assert "output_value_bn_2023" in frame.columns
