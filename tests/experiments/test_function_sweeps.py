"""A sweep of a plain function: the pipeline (samplers, executors, storage, resume,
analysis) checked against functions whose answers are known in closed form."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rainforest.experiments.cli import main
from rainforest.experiments.studies import analytic
from rainforest.experiments.studies.attribution import (
    attribute_game,
    bootstrap_counts,
    coalition_games,
)
from rainforest.experiments.sweeps.analysis import analyze
from rainforest.experiments.sweeps.executors import DaskExecutor, LocalExecutor
from rainforest.experiments.sweeps.runner import run_sweep
from rainforest.experiments.sweeps.spec import load_sweep, locate_sweep, sweep_from_text
from rainforest.experiments.sweeps.storage import load_manifest, load_results
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.schema import PLAN_NAMES

MODULE = "rainforest.experiments.studies.analytic"
LINEAR_RANGES = {"x1": (0.0, 1.0), "x2": (-1.0, 3.0), "x3": (10.0, 20.0), "x4": (0.0, 5.0)}
LINEAR = f"""
model = "{MODULE}:linear"
sampler = "morris"
samples = 10
morris_levels = 4
seed = 5

[parameters]
""" + "".join(f"{k} = {{ min = {lo}, max = {hi} }}\n" for k, (lo, hi) in LINEAR_RANGES.items())


def _game_rows() -> str:
    rows = []
    for mask in range(64):
        cells = ", ".join(
            f"{p} = {str(bool(mask >> i & 1)).lower()}" for i, p in enumerate(PLAN_NAMES)
        )
        rows.append(f"  {{ {cells} }},")
    return "rows = [\n" + "\n".join(rows) + "\n]\n"


GAME = (
    'model = "MODULE:GAME"\nsampler = "list"\nreplicates = 4\nseed = 9\n'
    "common_seeds = true\n" + _game_rows()
)


def _run(folder: Path, name: str, text: str, make=None) -> Path:
    (folder / f"{name}.toml").write_text(text)
    out = folder / name
    summary = run_sweep(
        load_sweep(folder / f"{name}.toml"), out, make or (lambda: LocalExecutor(2, warm=False))
    )
    assert summary.ok, summary.to_dict()
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("functions")


@pytest.fixture(scope="module")
def ishigami_sweep(folder) -> Path:
    """The shipped sweep, ``rainforest sweep ishigami``: 1,024 Sobol' samples."""
    return _run(folder, "ishigami", locate_sweep("ishigami").read_text())


@pytest.fixture(scope="module")
def linear_sweep(folder) -> Path:
    return _run(folder, "linear", LINEAR)


def test_sobol_indices_of_ishigami_match_the_analytic_values(ishigami_sweep):
    report = analyze(ishigami_sweep)
    assert report["model"] == f"{MODULE}:ishigami" and report["year"] is None
    assert report["finished_runs"] == 1024 * 5
    first, total = analytic.ishigami_indices()
    entries = report["sensitivity"]["indicators"]["y"]["parameters"]
    for entry, s1, st in zip(entries, first, total, strict=True):
        # SALib's 95 % bootstrap half-widths; twice that is about four standard errors
        assert abs(entry["S1"] - s1) <= 2 * entry["S1_conf"], entry
        assert abs(entry["ST"] - st) <= 2 * entry["ST_conf"], entry
        assert entry["S1_conf"] < 0.1 and entry["ST_conf"] < 0.1  # 1,024 samples resolve them
    # the ranking the analytic values give: x2 first by S1, x1 first by ST, x3 nil alone
    assert max(entries, key=lambda e: e["S1"])["parameter"] == "x2"
    assert max(entries, key=lambda e: e["ST"])["parameter"] == "x1"


def test_morris_on_a_linear_function_finds_each_coefficient_times_its_range(linear_sweep):
    report = analyze(linear_sweep)
    entries = {e["parameter"]: e for e in report["sensitivity"]["indicators"]["y"]["parameters"]}
    for name, (lo, hi) in LINEAR_RANGES.items():
        c = analytic.LINEAR_COEFFICIENTS[name]
        # every elementary effect of a linear function is the same number: exact answers
        assert entries[name]["mu_star"] == pytest.approx(abs(c) * (hi - lo), abs=1e-9)
        assert entries[name]["mu"] == pytest.approx(c * (hi - lo), abs=1e-9)
        assert entries[name]["sigma"] == pytest.approx(0.0, abs=1e-9)


def test_the_dask_executor_and_a_resume_give_the_same_dataset(folder, linear_sweep):
    reference = load_results(linear_sweep)
    on_dask = _run(folder, "linear_dask", LINEAR, lambda: DaskExecutor(workers=2, warm=False))
    pd.testing.assert_frame_equal(load_results(on_dask), reference, check_exact=True)
    chunk = sorted((on_dask / "chunks").glob("part-*.parquet"))[1]
    chunk.unlink()
    again = run_sweep(
        load_sweep(folder / "linear_dask.toml"), on_dask, lambda: LocalExecutor(1, warm=False)
    )
    assert again.ok and 0 < again.ran_now < len(reference)
    pd.testing.assert_frame_equal(load_results(on_dask), reference, check_exact=True)


@pytest.mark.parametrize("game", ["additive_game", "pair_game"])
def test_shapley_of_a_game_run_as_a_sweep_with_common_seeds(folder, game):
    out = _run(folder, game, GAME.replace("MODULE", MODULE).replace("GAME", game))
    manifest = load_manifest(out)
    seeds = np.array(manifest.runs.seed).reshape(64, 4)
    assert (seeds == seeds[0]).all() and len(set(seeds[0])) == 4  # one seed per replicate
    frame = load_results(out)
    games, kept, dropped = coalition_games(frame, ["value"])
    v = games["value"]
    assert kept == [0, 1, 2, 3] and not dropped
    assert np.ptp(v[0]) > 0  # the seed's noise moves every coalition's worth ...
    result = attribute_game(v, bootstrap_counts(9, 4))
    bonus = analytic.PAIR_SYNERGY / 2 if game == "pair_game" else 0.0
    for plan in PLAN_NAMES:
        expected = analytic.ADDITIVE_SHAPLEY[plan] + (bonus if plan in analytic.PAIR else 0.0)
        value = result["shapley"][plan]
        # ... but cancels from every marginal contribution: exact values, zero-width intervals
        assert value["mean"] == pytest.approx(expected, abs=1e-9)
        assert value["high"] - value["low"] == pytest.approx(0.0, abs=1e-9)
    assert result["efficiency_gap"] <= result["efficiency_tolerance"]
    for plan in PLAN_NAMES:  # alone, a pair's plan lacks its synergy; left out, it loses it all
        worth = analytic.ADDITIVE_SHAPLEY[plan]
        synergy = 2 * bonus if plan in analytic.PAIR else 0.0
        assert result["alone"][plan]["mean"] == pytest.approx(worth, abs=1e-9)
        assert result["leave_one_out"][plan]["mean"] == pytest.approx(worth + synergy, abs=1e-9)
    for pair in result["interactions"]:
        synergy = (
            analytic.PAIR_SYNERGY
            if game == "pair_game" and tuple(pair["plans"]) == analytic.PAIR
            else 0.0
        )
        assert pair["interaction"]["mean"] == pytest.approx(synergy, abs=1e-9)
        assert pair["mobius"]["mean"] == pytest.approx(synergy, abs=1e-9)


def test_the_known_box_holds_the_high_outcomes_exactly(folder):
    """The shipped sweep for scenario discovery: ``value >= 500`` exactly in the box."""
    frame = load_results(_run(folder, "box", locate_sweep("known_box").read_text()))
    (lo1, hi1), (lo2, hi2) = analytic.KNOWN_BOX["x1"], analytic.KNOWN_BOX["x2"]
    inside = frame["x1"].between(lo1, hi1) & frame["x2"].between(lo2, hi2)
    assert 0 < inside.sum() < len(frame)
    assert ((frame["value"] >= 500) == inside).all() and (frame["inside"] == inside).all()
    assert frame.groupby("sample")["value"].nunique().max() == 2  # the seed moves the noise


def test_the_cli_sweeps_and_analyses_a_function(folder, capsys):
    (folder / "cli.toml").write_text(LINEAR.replace("samples = 10", "samples = 2"))
    assert (
        main(["sweep", str(folder / "cli.toml"), "--out", str(folder / "cli"), "--workers", "1"])
        == 0
    )
    assert main(["analyze", str(folder / "cli"), "--out", str(folder / "cli_report")]) == 0
    assert (folder / "cli_report" / "morris_y.png").stat().st_size > 0
    out = capsys.readouterr().out
    assert "morris sensitivity" in out and "x4" in out


BAD = [
    ("not importable", 'model = "no_such_module_xyz:f"\nsampler = "list"\nrows = [{ x = 1 }]\n',
     "cannot import 'no_such_module_xyz'"),
    ("not a reference", 'model = "ishigami"\nsampler = "list"\nrows = [{ x = 1 }]\n',
     "not a function reference"),
    ("no such function", f'model = "{MODULE}:nothing"\nsampler = "list"\nrows = [{{ x = 1 }}]\n',
     "has no 'nothing'"),
    ("unknown argument", f'model = "{MODULE}:linear"\nsampler = "lhs"\nsamples = 4\n'
     "[parameters]\nx9 = { min = 0.0, max = 1.0 }\n", "parameters.x9: "),
    ("missing argument", f'model = "{MODULE}:ishigami"\nsampler = "list"\n'
     "rows = [{ x1 = 1.0 }]\n", "needs a value for 'x2'"),
    ("base with a function", f'model = "{MODULE}:ishigami"\nbase = "action_plan"\n'
     'sampler = "list"\nrows = [{ x1 = 1.0, x2 = 1.0, x3 = 1.0 }]\n',
     "base: a sweep of a function"),
    ("replicates without a seed", f'model = "{MODULE}:ishigami"\nsampler = "list"\n'
     "replicates = 3\nrows = [{ x1 = 1.0, x2 = 1.0, x3 = 1.0 }]\n", "takes no seed argument"),
    ("unknown outcome", f'model = "{MODULE}:ishigami"\nsampler = "list"\nindicators = ["z"]\n'
     "rows = [{ x1 = 1.0, x2 = 1.0, x3 = 1.0 }]\n", "has no outcome 'z'"),
    ("a model sweep without a base", 'sampler = "list"\nrows = [{ horizon_year = 2025 }]\n',
     "base: missing"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "text", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_function_sweeps_get_one_message(tmp_path, case, text, message):
    with pytest.raises(ScenarioError, match=None) as err:
        sweep_from_text(text, tmp_path / "bad.toml")
    assert message in str(err.value), str(err.value)
