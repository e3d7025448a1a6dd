"""`rainforest optimize`: the simplex, the robustness metrics, and small searches."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from rainforest.experiments.cli import main
from rainforest.experiments.studies.optimization import (
    robustness,
    scores,
    shares_from_unit,
    unit_from_shares,
)
from rainforest.experiments.studies.outcome import outcome
from rainforest.runs.execute import run_one
from rainforest.scenarios import load_scenario
from rainforest.scenarios.overrides import apply_overrides
from rainforest.scenarios.schema import PLAN_NAMES
from rainforest.sim.seeds import replicate_seeds

FUTURES = """
base = "action_plan"
sampler = "lhs"
samples = 3
seed = 5
[parameters]
"market.national_potential_bn" = { min = 4000.0, max = 12000.0 }
"market.bass_q" = { min = 0.1, max = 0.3 }
"""
ACTION_PLAN_2023 = {  # scenarios/library/action_plan.toml, RMB bn in 2023
    "foundation": 3.0, "leading": 2.5, "hand_in_hand": 2.0, "open_source": 1.5,
    "array": 1.5, "rainforest": 3.0,
}  # fmt: skip


def test_the_simplex_map_is_uniform_and_has_an_inverse():
    rng = np.random.default_rng(1)
    n = 20_000
    shares = np.array([shares_from_unit(u) for u in rng.uniform(size=(n, 6))])
    assert np.allclose(shares.sum(axis=1), 1.0) and (shares >= 0).all()
    # the uniform simplex is Dirichlet(1, ..., 1): each share has mean 1/6 (sd 0.14, so
    # the mean of 20,000 is within 0.005) and P(share > 1/2) = (1/2)^5
    assert shares.mean(axis=0) == pytest.approx(np.full(6, 1 / 6), abs=0.005)
    assert (shares[:, 0] > 0.5).mean() == pytest.approx(0.5**5, abs=0.005)
    target = [0.3, 0.0, 0.2, 0.1, 0.15, 0.25]
    assert shares_from_unit(unit_from_shares(target)) == pytest.approx(target, abs=1e-12)


def test_the_floor_and_the_regret_can_pick_different_candidates():
    # A is steady; B is a little worse in the bad future and far better in the good one
    medians = np.array([[10.0, 10.0], [7.0, 30.0]])
    reaches = np.array([[0.5, 0.5], [0.0, 1.0]])
    m = robustness(medians, reaches)
    assert m["p10_outcome"] == pytest.approx([10.0, 7.0 + 0.1 * 23.0])
    assert m["max_regret_outcome"] == pytest.approx([20.0, 3.0])
    assert np.argmax(m["p10_outcome"]) == 0 and np.argmin(m["max_regret_outcome"]) == 1
    assert m["mean_reach"] == pytest.approx([0.5, 0.5])
    assert m["max_regret_reach"] == pytest.approx([0.5, 0.5])


def test_the_score_breaks_ties_by_the_median_and_never_overturns_a_probability():
    goal = [outcome("output_value_bn", 500.0)]
    # (futures=1, replicates=4, outcomes=1): P = 0, 0 and 0.25
    far, near, one = (np.array([[[v] for v in values]]) for values in (
        [100.0, 120.0, 140.0, 160.0], [400.0, 420.0, 440.0, 460.0],
        [10.0, 20.0, 30.0, 600.0],
    ))  # fmt: skip
    s_far, s_near, s_one = (float(scores(v, goal)[0]) for v in (far, near, one))
    assert 0.0 < s_far < s_near < 0.125  # ties at P = 0 ordered by the median
    assert s_one > s_near and 0.25 <= s_one < 0.25 + 0.125  # one step always wins


@pytest.fixture(scope="module")
def budget_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("optimize")
    (folder / "futures.toml").write_text(FUTURES)
    out = folder / "out"
    argv = [
        "optimize", "--budget-bn", "12", "--trials", "6", "--replicates", "2", "--scale",
        "classroom", "--seed", "4", "--threshold", "650", "--futures",
        str(folder / "futures.toml"), "--out", str(out),
    ]  # fmt: skip
    assert main(argv) == 0
    return argv, out


def test_every_candidate_spends_the_budget_and_the_first_is_the_plans_own_mix(budget_run):
    _, out = budget_run
    report = json.loads((out / "analysis.json").read_text())
    assert report["kind"] == "optimization" and report["mode"] == "budget" and report["title"]
    assert len(report["trials"]) == 6 and report["runs"] == 6 * 3 * 2
    for t in report["trials"]:
        assert sum(t["budgets_bn"].values()) == pytest.approx(12.0)
        assert 0.0 <= t["reach_probability"]["output_value_bn"] <= 1.0
    reference = report["trials"][report["reference"]]
    total = sum(ACTION_PLAN_2023.values())
    for plan in PLAN_NAMES:
        assert reference["budgets_bn"][plan] == pytest.approx(12.0 * ACTION_PLAN_2023[plan] / total)
    best = report["trials"][report["best"]]
    reach = [t["reach_probability"]["output_value_bn"] for t in report["trials"]]
    assert best["reach_probability"]["output_value_bn"] == max(reach)
    assert best["score"]["output_value_bn"] == max(
        t["score"]["output_value_bn"] for t in report["trials"]
    )
    files = {f["file"] for f in report["figures"]} | {t["file"] for t in report["tables"]}
    assert files == {
        "allocation.png", "search.png", "robustness.png", "trials.csv", "robustness.csv",
        "futures.csv",
    }  # fmt: skip
    for f in report["figures"]:
        assert (out / f["file"]).read_bytes()[:4] == b"\x89PNG"


def test_candidates_share_the_seeds_so_a_row_is_reproduced_by_its_runs(budget_run):
    _, out = budget_run
    report = json.loads((out / "analysis.json").read_text())
    seeds = report["provenance"]["replicate_seeds"]
    assert seeds == replicate_seeds(4, 2)
    futures = pd.read_csv(out / "futures.csv")
    assert len(futures) == 6 * 3
    row = futures[(futures["trial"] == report["best"]) & (futures["future"] == 2)].iloc[0]
    best = report["trials"][report["best"]]
    scenario = apply_overrides(
        load_scenario("action_plan"),
        {
            "scale": "classroom",
            "market.national_potential_bn": row["market.national_potential_bn"],
            "market.bass_q": row["market.bass_q"],
            **{f"plans.{p}.budget_bn": v for p, v in best["budgets_bn"].items()},
        },
    )
    values = [run_one(scenario, s).at_year_end()["output_value_bn"] for s in seeds]
    assert row["median_output_value_bn"] == pytest.approx(np.median(values), rel=1e-12)
    rob = pd.read_csv(out / "robustness.csv")
    assert set(rob.columns) >= {"trial", "p10_outcome", "max_regret_outcome", "mean_reach"}
    # the maximum regret is, per candidate, the most it falls short of the best candidate
    # of each future (recomputed from the futures' medians)
    medians = futures.pivot(index="trial", columns="future", values="median_output_value_bn")
    regret = (medians.max(axis=0) - medians).max(axis=1)
    assert rob.set_index("trial")["max_regret_outcome"].to_numpy() == pytest.approx(
        regret.loc[rob["trial"]].to_numpy(), rel=1e-12
    )
    assert (rob["max_regret_outcome"] >= 0).all()


def test_the_same_seed_gives_the_same_search_on_any_number_of_workers(budget_run, tmp_path):
    argv, out = budget_run
    again = tmp_path / "again"
    assert main([*argv[:-1], str(again), "--workers", "2"]) == 0
    assert (again / "trials.csv").read_text() == (out / "trials.csv").read_text()
    assert (again / "futures.csv").read_text() == (out / "futures.csv").read_text()
    assert json.loads((again / "analysis.json").read_text())["workers"] == 2


def test_the_pareto_front_holds_exactly_the_undominated_trials(tmp_path):
    out = tmp_path / "pareto"
    argv = [
        "optimize", "--pareto", "--budget-range", "0:20", "--trials", "8", "--replicates",
        "2", "--scale", "classroom", "--threshold", "650", "--out", str(out),
    ]  # fmt: skip
    assert main(argv) == 0
    report = json.loads((out / "analysis.json").read_text())
    assert report["mode"] == "pareto" and report["front"]
    # the front is over what the sampler saw: cost and score (the reach probability with
    # its tie-break)
    points = {t["trial"]: (t["total_bn"], t["score"]["output_value_bn"])
              for t in report["trials"]}  # fmt: skip
    reach = {t["trial"]: t["reach_probability"]["output_value_bn"] for t in report["trials"]}
    assert all(0.0 <= c <= 20.0 for c, _ in points.values())

    def dominated(a):
        ca, pa = points[a]
        return any(
            (c <= ca and p >= pa) and (c < ca or p > pa) for b, (c, p) in points.items() if b != a
        )

    assert set(report["front"]) == {t for t in points if not dominated(t)}
    assert {f["file"] for f in report["figures"]} == {"pareto.png", "front_allocations.png"}
    for level, pick in report["cheapest"].items():
        able = [points[t][0] for t, p in reach.items() if p >= float(level)]
        assert (pick is None) == (not able)
        if pick is not None:
            assert pick["total_bn"] == min(able)


def test_further_objectives_give_a_front_over_every_objective(capsys):
    argv = [
        "optimize", "--budget-bn", "12", "--objectives", "output_value_bn,pilot_areas",
        "--trials", "4", "--replicates", "1", "--scale", "classroom", "--json",
    ]  # fmt: skip
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert [o["indicator"] for o in report["objectives"]] == ["output_value_bn", "pilot_areas"]
    assert report["objectives"][1]["threshold"] == 15.0  # pilot areas' 2030 target
    scores = {t["trial"]: tuple(t["score"].values()) for t in report["trials"]}

    def dominated(a):
        return any(
            all(y >= x for x, y in zip(scores[a], other, strict=True)) and other != scores[a]
            for b, other in scores.items() if b != a
        )  # fmt: skip

    assert set(report["front"]) == {t for t in scores if not dominated(t)}
    assert report["best"] in report["front"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--budget-bn", "10", "--objectives", "nope"], "--objectives 'nope': unknown indicator"),
        (["--budget-bn", "-1"], "--budget-bn: must be a positive number"),
        (["--budget-bn", "10", "--budget-range", "0:5"], "--budget-range: only with --pareto"),
        (["--pareto", "--budget-range", "5:1"], "--budget-range: needs 0 <= LOW < HIGH"),
        (["--budget-bn", "10", "--futures", "no_such.toml"], "no_such.toml"),
        (["--budget-bn", "10", "--futures", "six_plans_lhs"], "futures vary uncertainties only"),
        (["--budget-bn", "10", "--year", "2040"], "--year 2040: outside scenario"),
        (["no_array", "--budget-bn", "10"], "plans.array disabled (enabled = false)"),
        ([], "one of the arguments --budget-bn --pareto is required"),
    ],
)
def test_bad_input_is_one_message_and_exit_2(argv, message, capsys, tmp_path):
    out = tmp_path / "out"
    try:
        code = main(["optimize", *argv, "--trials", "1", "--scale", "classroom", "--out", str(out)])
    except SystemExit as exc:  # argparse's own errors exit the same way
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


SIX_BUDGETS = """
base = "action_plan"
sampler = "lhs"
samples = 40
replicates = 1
seed = 11
scale = "classroom"
years = [2030]
[parameters]
"plans.foundation.budget_bn" = { min = 0.0, max = 6.0 }
"plans.leading.budget_bn" = { min = 0.0, max = 5.0 }
"plans.hand_in_hand.budget_bn" = { min = 0.0, max = 4.0 }
"plans.open_source.budget_bn" = { min = 0.0, max = 3.0 }
"plans.array.budget_bn" = { min = 0.0, max = 3.0 }
"plans.rainforest.budget_bn" = { min = 0.0, max = 6.0 }
"""


@pytest.fixture(scope="module")
def six_budget_emulator(tmp_path_factory):
    from rainforest.experiments.sweeps.executors import LocalExecutor
    from rainforest.experiments.sweeps.runner import run_sweep
    from rainforest.experiments.sweeps.spec import load_sweep

    folder = tmp_path_factory.mktemp("six")
    (folder / "six.toml").write_text(SIX_BUDGETS)
    assert run_sweep(load_sweep(folder / "six.toml"), folder / "runs", lambda: LocalExecutor(1)).ok
    assert main(["emulate", "train", str(folder / "runs"), "--out", str(folder / "emu")]) == 0
    return folder / "emu"


def test_optimize_screens_with_the_emulator_and_confirms_with_real_runs(
    six_budget_emulator, tmp_path, capsys
):
    out = tmp_path / "opt"
    argv = ["optimize", "--budget-bn", "15", "--scale", "classroom", "--replicates", "2",
            "--emulator", str(six_budget_emulator), "--screen", "3000", "--confirm", "3",
            "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "the emulator scored 3000 candidates" in text
    report = json.loads((out / "analysis.json").read_text())
    assert report["sampler"]["name"] == "emulator screen" and report["runs"] == 4 * 2
    trials = report["trials"]
    assert len(trials) == 4 and report["reference"] == 0
    screened = pd.read_csv(out / "screened.csv")
    assert len(screened) == 3000
    inside = screened[~screened["outside_region"]]
    best_emulated = inside["emulated_reach_output_value_bn"].max()
    for t in trials:
        assert t["total_bn"] == pytest.approx(15.0)
        assert not t["outside_region"]
        assert 0.0 <= t["emulated_reach_probability"]["output_value_bn"] <= 1.0
    confirmed = [t for t in trials if not t["reference"]]
    assert max(t["emulated_reach_probability"]["output_value_bn"] for t in confirmed) == (
        pytest.approx(best_emulated)
    )
    # the confirmation is real: each trial's median is its runs' (common seeds)
    seeds = replicate_seeds(0, 2)
    base = apply_overrides(load_scenario("action_plan"), {"scale": "classroom"})
    t = confirmed[0]
    overrides = {f"plans.{n}.budget_bn": v for n, v in t["budgets_bn"].items()}
    finals = [run_one(apply_overrides(base, overrides), s).at_year_end()["output_value_bn"]
              for s in seeds]  # fmt: skip
    assert t["median"]["output_value_bn"] == pytest.approx(float(np.median(finals)))


def test_an_emulator_of_other_inputs_or_scale_is_refused(six_budget_emulator, capsys):
    base = ["optimize", "--budget-bn", "15", "--emulator", str(six_budget_emulator)]
    assert main([*base, "--scale", "district"]) == 2
    assert "trained on classroom runs" in capsys.readouterr().err
    assert main([*base, "--scale", "classroom", "--objectives", "pilot_areas",
                 "--year", "2025"]) == 2  # fmt: skip
    assert "does not emulate pilot_areas_2025" in capsys.readouterr().err
    assert main([*base, "--scale", "classroom", "--futures", "uncertainty"]) == 2
    assert "not with --emulator" in capsys.readouterr().err
