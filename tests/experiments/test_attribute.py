"""`rainforest attribute`: 64 coalitions x replicates on common seeds, Shapley values that
add up in every replicate, the tables and figures the report reads, and bad input.

These hold for any sensible model: nothing here depends on the model's numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rainforest.experiments.cli import main
from rainforest.experiments.studies.attribution import (
    COALITIONS,
    PLANS,
    analyze_attribution,
    coalition_games,
    coalition_scenario,
    efficiency_tolerance,
    prepare,
    run_attribution,
)
from rainforest.experiments.studies.shapley import efficiency_gap, shapley_values
from rainforest.experiments.sweeps.storage import load_manifest, load_results
from rainforest.runs.execute import run_one
from rainforest.scenarios import load_scenario
from rainforest.scenarios.targets import TARGET_YEAR
from rainforest.sim.indicators import TARGETED
from rainforest.sim.seeds import replicate_seeds

REPLICATES = 8
SEED = 11


@pytest.fixture(scope="module")
def attribution(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("attribution") / "out"
    argv = ["attribute", "action_plan", "--scale", "classroom", "--replicates", str(REPLICATES),
            "--seed", str(SEED), "--workers", "2", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    return out


@pytest.fixture(scope="module")
def report(attribution) -> dict:
    return json.loads((attribution / "analysis.json").read_text())


def test_every_replicates_shapley_values_add_up_to_all_plans_less_none(attribution):
    columns = [f"{name}_{TARGET_YEAR}" for name in TARGETED]
    games, kept, dropped = coalition_games(load_results(attribution / "runs"), columns)
    assert kept == list(range(REPLICATES)) and not dropped
    for column, v in games.items():
        assert v.shape == (COALITIONS, REPLICATES)
        gap = efficiency_gap(v, shapley_values(v))
        assert np.abs(gap).max() <= efficiency_tolerance(max(1.0, np.abs(v).max())), column


def test_the_coalitions_run_on_common_seeds_the_seeds_of_rainforest_run(attribution):
    manifest = load_manifest(attribution / "runs")
    assert manifest.common_seeds and manifest.runs.count == COALITIONS * REPLICATES
    seeds = np.array(manifest.runs.seed).reshape(COALITIONS, REPLICATES)
    assert (seeds == np.array(replicate_seeds(SEED, REPLICATES))).all()
    # the all-plans coalition is the scenario itself: its first replicate is `rainforest run`'s
    frame = load_results(attribution / "runs")
    every = frame[(frame["sample"] == COALITIONS - 1) & (frame["replicate"] == 0)].iloc[0]
    direct = run_one(load_scenario("action_plan"), int(seeds[0, 0]), scale="classroom")
    assert every[f"output_value_bn_{TARGET_YEAR}"] == direct.at_year_end()["output_value_bn"]


def test_a_plan_off_is_its_leave_one_out():
    base = load_scenario("action_plan")
    for i, plan in enumerate(PLANS):
        without = coalition_scenario(base, (COALITIONS - 1) & ~(1 << i))
        library = load_scenario(f"no_{plan}")
        skip = {"name", "description"}
        assert without.model_dump(exclude=skip) == library.model_dump(exclude=skip), plan
    assert coalition_scenario(base, COALITIONS - 1) == base


def test_analysis_json_follows_the_shared_contract(attribution, report):
    assert report["kind"] == "attribution" and report["title"]
    provenance = report["provenance"]
    assert provenance["seeds"] == {"root": SEED, "replicates": REPLICATES}
    assert provenance["scale"] == "classroom" and provenance["source"] == "action_plan"
    assert provenance["manifest_hash"] == load_manifest(attribution / "runs").identity
    assert provenance["code_version"]["model_sha256"]
    listed = [f["file"] for f in report["figures"]] + [t["file"] for t in report["tables"]]
    for file in listed:
        assert (attribution / file).stat().st_size > 0, file
    assert all(f["file"].endswith(".png") and f["caption"] for f in report["figures"])
    assert all(t["file"].endswith(".csv") and t["caption"] for t in report["tables"])
    assert {f"waterfall_{n}.png" for n in TARGETED} <= set(listed)
    assert (attribution / "sweep.toml").is_file()


def test_values_intervals_and_tables_agree(attribution, report):
    assert report["efficiency"]["holds"] and report["common_random_numbers"]
    assert report["replicates_used"] == REPLICATES
    shapley = pd.read_csv(attribution / "shapley.csv")
    for name in TARGETED:
        entry = report["indicators"][name]
        assert set(entry["measures"]) == {"value", "reach_probability"}
        for measure, m in entry["measures"].items():
            total = sum(v["mean"] for v in m["shapley"].values())
            assert total == pytest.approx(m["all"]["mean"] - m["none"]["mean"], abs=1e-9)
            for v in [*m["shapley"].values(), m["none"], m["all"]]:
                assert v["low"] - 1e-9 <= v["mean"] <= v["high"] + 1e-9
            if measure == "reach_probability":
                assert 0.0 <= m["none"]["mean"] <= 1.0 and 0.0 <= m["all"]["mean"] <= 1.0
            rows = shapley[(shapley["indicator"] == name) & (shapley["measure"] == measure)]
            assert list(rows["term"]) == ["none", *PLANS, "all"]
            assert len(m["interactions"]) == 15
    interactions = pd.read_csv(attribution / "interactions.csv")
    assert len(interactions) == 15 * 2 * len(TARGETED)
    coalitions = pd.read_csv(attribution / "coalitions.csv")
    assert len(coalitions) == COALITIONS and coalitions.loc[0, "plans_on"] == "none"
    assert coalitions[list(PLANS)].iloc[-1].all()


def test_running_again_resumes_and_reanalyses_without_a_run(attribution, report):
    request = prepare("action_plan", None, REPLICATES, SEED, "classroom")

    def no_executor():
        raise AssertionError("a finished attribution needs no workers")

    summary = run_attribution(request, attribution, no_executor)
    assert summary.ok and summary.ran_now == 0
    assert analyze_attribution(attribution)["indicators"] == report["indicators"]


def test_the_dask_executor_gives_the_same_runs(attribution, tmp_path):
    argv = ["attribute", "action_plan", "--scale", "classroom", "--replicates", "1",
            "--seed", str(SEED), "--indicators", "output_value_bn", "--executor", "dask",
            "--workers", "2", "--out", str(tmp_path / "dask")]  # fmt: skip
    assert main(argv) == 0
    column = f"output_value_bn_{TARGET_YEAR}"
    on_dask = load_results(tmp_path / "dask" / "runs")
    local = load_results(attribution / "runs")
    local = local[local["replicate"] == 0]
    # common seeds: replicate 0 is the same run whatever the replicate count
    assert on_dask[column].tolist() == local[column].tolist()


BAD = [
    (["--indicators", "no_such_indicator"], "unknown indicator 'no_such_indicator'"),
    (["no_such_scenario"], "no_such_scenario"),
    (["--executor", "local", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler"),
]


@pytest.mark.parametrize(("extra", "message"), BAD, ids=["indicator", "scenario", "scheduler"])
def test_bad_input_gets_one_message_exit_2_and_nothing_written(tmp_path, capsys, extra, message):
    out = tmp_path / "out"
    argv = ["attribute", *extra, "--scale", "classroom", "--replicates", "2", "--out", str(out)]
    if extra[0] == "no_such_scenario":
        argv = ["attribute", *extra, "--replicates", "2", "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in err[0]
    assert not out.exists()


def test_a_scenario_ending_before_the_target_year_is_refused(tmp_path, capsys):
    short = tmp_path / "short.toml"
    short.write_text('extends = "action_plan"\nname = "short"\nhorizon_year = 2026\n')
    assert main(["attribute", str(short), "--out", str(tmp_path / "out")]) == 2
    assert "must run through 2030" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_another_attributions_folder_is_refused(attribution, capsys):
    argv = ["attribute", "action_plan", "--scale", "classroom", "--replicates", "3",
            "--out", str(attribution)]  # fmt: skip
    assert main(argv) == 2
    assert "holds the runs of another attribution" in capsys.readouterr().err


POSTERIOR_DRAWS = 3
POSTERIOR_REPLICATES = 2


@pytest.fixture(scope="module")
def posterior_attribution(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("posterior_attribution") / "out"
    argv = ["attribute", "--posterior", "--draws", str(POSTERIOR_DRAWS), "--replicates",
            str(POSTERIOR_REPLICATES), "--scale", "classroom", "--seed", str(SEED),
            "--indicators", "output_value_bn", "--workers", "1", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    return out


def test_over_the_posterior_each_draw_is_its_own_game_on_its_own_seeds(posterior_attribution):
    from rainforest.runs.request import resolve_request
    from rainforest.scenarios.ensemble import as_overrides
    from rainforest.scenarios.overrides import apply_overrides
    from rainforest.sim.seeds import derive_seed

    out = posterior_attribution
    door = resolve_request("action_plan", scale="classroom", seed=SEED,
                           replicates=POSTERIOR_REPLICATES, posterior=True,
                           draws=POSTERIOR_DRAWS)  # fmt: skip
    seeds = set()
    for d in range(POSTERIOR_DRAWS):
        folder = out / "runs" / f"draw_{d:03d}"
        frame = load_results(folder)
        assert len(frame) == COALITIONS * POSTERIOR_REPLICATES
        # common seeds within the draw, its own across draws
        per_replicate = frame.groupby("replicate")["seed"].nunique()
        assert (per_replicate == 1).all()
        draw_seeds = set(frame["seed"])
        assert not draw_seeds & seeds
        seeds |= draw_seeds
        assert load_manifest(folder).root_seed == derive_seed(SEED, d, 0)
        # the grand coalition of draw d is the door's draw d, on that sweep's seed
        everything = frame[(frame["sample"] == COALITIONS - 1) & (frame["replicate"] == 0)]
        scenario = apply_overrides(
            apply_overrides(
                load_scenario("action_plan"), as_overrides(door.posterior.parameters[d])
            ),
            {"scale": "classroom"},
        )
        final = run_one(scenario, int(everything["seed"].iloc[0])).at_year_end()
        column = f"output_value_bn_{TARGET_YEAR}"
        assert final["output_value_bn"] == pytest.approx(float(everything[column].iloc[0]))


def test_over_the_posterior_the_report_splits_parameter_and_seed_uncertainty(
    posterior_attribution,
):
    report = json.loads((posterior_attribution / "analysis.json").read_text())
    assert report["posterior"]["draws"] == POSTERIOR_DRAWS
    assert report["replicates_used"] == POSTERIOR_DRAWS * POSTERIOR_REPLICATES
    assert "over the posterior and seeds together" in report["uncertainty"]
    value = report["indicators"]["output_value_bn"]["measures"]["value"]
    assert report["efficiency"]["holds"]
    for plan in PLANS:
        s = value["sources"][plan]
        assert s["posterior_low"] <= s["posterior_high"]
        assert s["parameter_sd"] >= 0 and s["seed_sd"] >= 0
    table = pd.read_csv(posterior_attribution / "shapley.csv")
    assert {"posterior_low", "posterior_high", "parameter_sd", "seed_sd"} <= set(table.columns)


def test_uncertainty_sources_recover_a_known_split():
    from rainforest.experiments.studies.attribution import uncertainty_sources

    rng = np.random.default_rng(4)
    draws, replicates = 400, 4
    # a game where only the first plan matters: its worth = a draw effect + seed noise
    effect = rng.normal(10.0, 3.0, draws)[:, None] + rng.normal(0.0, 2.0, (draws, replicates))
    v = np.zeros((COALITIONS, draws * replicates))
    for mask in range(COALITIONS):
        if mask & 1:
            v[mask] = effect.ravel()
    sources = uncertainty_sources(v, draws, replicates)
    assert sources["foundation"]["parameter_sd"] == pytest.approx(3.0, rel=0.1)
    assert sources["foundation"]["seed_sd"] == pytest.approx(2.0, rel=0.05)
    assert sources["leading"]["parameter_sd"] == 0.0
