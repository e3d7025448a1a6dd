"""The calibration: observations only, never a 2030 outcome; the shipped ensemble; its use.

The objective's terms declare the indicator and years they read, and the calibration's
runs end in 2025, so no term can read a target (the test reads both). The shipped
ensemble (scenarios/posterior.toml) must hold at least 100 accepted sets with their
seeds, the acceptance rule and the code version, every set inside its prior and its
observations inside their bands; re-run on seeds it was not fitted on, its sets must
still reproduce the observations (tolerance below). The library scenarios carry its
median set.
"""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
from rainforest.experiments.studies.calibration import (
    CALIBRATION_HORIZON,
    FREE_PARAMETERS,
    OBSERVATIONS,
    accepted,
    calibrate,
    calibration_scenario,
    library_medians,
    recorded_observations,
    simulate_set,
)
from rainforest.runs.execute import run_one
from rainforest.scenarios.ensemble import as_overrides, load_ensemble, median_overrides
from rainforest.scenarios.loader import load_scenario
from rainforest.scenarios.targets import TARGET_YEAR, targets
from rainforest.sim.seeds import derive_seed

LEAVE_ONE_OUTS = (
    "no_foundation", "no_leading", "no_hand_in_hand", "no_open_source", "no_array",
    "no_rainforest",
)  # fmt: skip
FRESH_SETS = 12  # sets re-run on fresh seeds (city scale, runs to 2025: ~5 s)
FRESH_ACCEPTED = 0.75  # share that must still pass: one run per set, bands have edges


def _value(scenario, path: str) -> float:
    obj = scenario
    for part in path.split("."):
        obj = getattr(obj, part)
    return float(obj)


def test_no_objective_term_reads_a_2030_outcome() -> None:
    targeted = set(targets())
    for ob in OBSERVATIONS:
        assert ob.years, ob.name
        assert max(ob.years) <= 2025, f"{ob.name} reads {ob.years}"
        assert TARGET_YEAR not in ob.years and 2030 not in ob.years
        # a targeted indicator may be read only in an observed year (pilot areas, 2023)
        if ob.indicator in targeted:
            assert max(ob.years) < TARGET_YEAR
        assert ob.band[0] <= ob.observed[0] <= ob.observed[1] <= ob.band[1], ob.name
        assert ob.source, ob.name
    # the runs calibration makes cannot reach 2026 at all
    assert CALIBRATION_HORIZON == 2025
    assert calibration_scenario().horizon_year == CALIBRATION_HORIZON


def test_the_objective_needs_every_observation_inside_its_band() -> None:
    inside = {ob.name: 0.5 * (ob.band[0] + ob.band[1]) for ob in OBSERVATIONS}
    assert accepted(inside)
    for ob in OBSERVATIONS:
        width = max(ob.band[1] - ob.band[0], 1.0)
        assert not accepted({**inside, ob.name: ob.band[1] + 0.01 * width}), ob.name
        assert not accepted({**inside, ob.name: float("nan")}), ob.name


@pytest.fixture(scope="module")
def record() -> dict:
    return load_ensemble()


def test_ensemble_holds_50_accepted_sets_with_seeds_rule_and_code(record) -> None:
    sets = record["sets"]
    assert len(sets) >= 50
    assert record["method"]["accepted"] == len(sets)
    assert record["method"]["scale"] == "city"
    assert record["method"]["horizon_year"] == CALIBRATION_HORIZON
    assert "band" in record["method"]["acceptance_rule"]
    assert record["code"]["model_sha256"] and record["code"]["git_commit"]
    assert len({s["seed"] for s in sets}) == len(sets)
    for s in sets:
        assert set(s["parameters"]) == {fp.path for fp in FREE_PARAMETERS}
        for fp in FREE_PARAMETERS:
            assert fp.low <= s["parameters"][fp.path] <= fp.high, (s["sample"], fp.path)
        assert accepted(s["observed"], recorded_observations(record)), s["sample"]
    median = record["median"]
    assert median["checks_accepted"] == len(median["check_seeds"]) >= 4
    for fp in FREE_PARAMETERS:
        values = [s["parameters"][fp.path] for s in sets]
        assert min(values) <= median["parameters"][fp.path] <= max(values)


def test_an_accepted_set_reproduces_its_observations_bit_for_bit(record) -> None:
    s = record["sets"][0]
    again = simulate_set(as_overrides(s["parameters"]), s["seed"], "city", calibration_scenario())
    assert again == s["observed"]


def test_ensemble_reproduces_the_facts_on_seeds_it_was_not_fitted_on() -> None:
    from rainforest.experiments.studies.calibration import check_ensemble

    check = check_ensemble(root_seed=7, sets=FRESH_SETS)
    assert check["sets"] == FRESH_SETS
    assert check["accepted_share"] >= FRESH_ACCEPTED


@pytest.mark.parametrize("name", ["action_plan", "baseline", *LEAVE_ONE_OUTS])
def test_library_scenarios_carry_the_median_set(name: str) -> None:
    scenario = load_scenario(name)
    for path, value in median_overrides().items():
        assert _value(scenario, path) == pytest.approx(value), path


def test_calibration_is_deterministic_and_writes_a_complete_record(tmp_path) -> None:
    from rainforest.experiments.cli import main

    a = calibrate(samples=6, waves=2, scale="classroom", root_seed=3, sampler_seed=4)
    b = calibrate(samples=6, waves=2, scale="classroom", root_seed=3, sampler_seed=4)
    assert a["sets"] == b["sets"]
    assert a["method"]["wave_details"] == b["method"]["wave_details"]
    assert a["method"]["simulations"] == 12
    out = tmp_path / "posterior.toml"
    argv = ["calibrate", "--samples", "6", "--waves", "2", "--scale", "classroom",
            "--seed", "3", "--sampler-seed", "4", "--out", str(out)]  # fmt: skip
    status = main(argv)
    if not a["sets"]:
        assert status == 1 and not out.exists()
        return
    assert status == 0
    written = tomllib.loads(out.read_text())
    assert [s["parameters"] for s in written["sets"]] == [s["parameters"] for s in a["sets"]]
    assert [s["seed"] for s in written["sets"]] == [s["seed"] for s in a["sets"]]
    assert set(written["observations"]) == {ob.name for ob in OBSERVATIONS}


def test_later_waves_draw_from_the_space_the_emulators_do_not_rule_out() -> None:
    a = calibrate(samples=12, waves=2, scale="classroom", root_seed=5, sampler_seed=1)
    w0, w1 = a["method"]["wave_details"]
    assert w0["prior_draws"] == w0["simulations"] == 12 and w0["not_ruled_out_share"] == 1.0
    assert w0["emulated"], "no observation rejected a run: the test would be vacuous"
    assert w1["simulations"] == 12 and w1["prior_draws"] > 12  # some draws were ruled out
    assert w1["not_ruled_out_share"] == pytest.approx(12 / w1["prior_draws"], abs=1e-6)
    # each emulator of wave 0 is checked on wave 1's runs, which it did not see
    assert set(w1["earlier_emulators_cover"]) == {f"wave 0 {n}" for n in w0["emulated"]}
    assert all(0.0 <= c <= 1.0 for c in w1["earlier_emulators_cover"].values())
    assert [r["sample"] for r in a["runs"]] == list(range(24))
    same_budget = a["method"]["rejection_abc_same_budget"]
    assert same_budget["expected_sets"] == pytest.approx(w0["accepted"] / 12 * 24, abs=0.05)
    # every accepted set is in the posterior unless a later emulator rules it out
    assert len(a["sets"]) + a["rejected_summary"]["accepted_but_ruled_out_later"] == sum(
        r["accepted"] for r in a["runs"]
    )


def test_a_backtest_runs_and_holds_the_years_up_to_its_horizon_only() -> None:
    from rainforest.experiments.studies.calibration import held_observations
    from rainforest.experiments.studies.observations import observe
    from rainforest.runs.execute import run_with_state

    held = held_observations(horizon=2024)
    assert held and all(max(ob.years) <= 2024 for ob in held)
    assert {"growth_2023", "growth_2024"} <= {ob.name for ob in held}
    assert "growth_2025" not in {ob.name for ob in held}
    base = calibration_scenario(horizon=2024)
    assert base.horizon_year == 2024
    result, state = run_with_state(base, 3, "classroom")
    shown = observe(result, state)
    assert set(shown) == {ob.name for ob in OBSERVATIONS if max(ob.years) <= 2024}
    with pytest.raises(ValueError, match="horizon"):
        calibration_scenario(horizon=2026)


def test_calibrate_refuses_a_horizon_after_the_observed_years(capsys) -> None:
    from rainforest.experiments.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["calibrate", "--horizon", "2026", "--dry-run"])
    assert exit_info.value.code == 2
    assert "--horizon" in capsys.readouterr().err


def test_a_chosen_prior_range_is_drawn_from_and_recorded() -> None:
    from rainforest.experiments.studies.calibration import free_parameters, recorded_parameters

    wide = {"market.bass_q": (0.01, 0.5), "market.bass_p": (0.0002, 0.03)}
    a = calibrate(samples=6, waves=1, scale="classroom", root_seed=3, sampler_seed=4,
                  priors=wide)  # fmt: skip
    assert a["method"]["chosen_priors"] == {"market.bass_q": [0.01, 0.5],
                                            "market.bass_p": [0.0002, 0.03]}  # fmt: skip
    assert (a["priors"]["market.bass_q"]["low"], a["priors"]["market.bass_q"]["high"]) == (
        0.01, 0.5)  # fmt: skip
    # the Latin hypercube spans the chosen range: some draw of six falls below the stated 0.05
    drawn = [r["parameters"]["market.bass_q"] for r in a["runs"]]
    assert min(drawn) < 0.05 and all(0.01 <= q <= 0.5 for q in drawn)
    # the parameters read back from the record are the chosen ones, the rest as stated
    back = {fp.path: (fp.low, fp.high) for fp in recorded_parameters(a)}
    stated = {fp.path: (fp.low, fp.high) for fp in free_parameters()}
    assert back["market.bass_q"] == (0.01, 0.5) and back["market.bass_p"] == (0.0002, 0.03)
    assert {k: v for k, v in back.items() if k not in wide} == {
        k: v for k, v in stated.items() if k not in wide
    }
    assert "chosen_priors" not in calibrate(samples=2, waves=1, scale="classroom")["method"]


@pytest.mark.parametrize(
    ("option", "names"),
    [
        ("market.bass_q=0.01", "PARAMETER=LOW,HIGH"),
        ("market.no_such=0.1,0.2", "market.no_such"),
        ("market.bass_q=0.5,0.1", "low < high"),
        ("market.frontier_growth=0,0.2", "low > 0"),
        ("market.national_potential_bn=1000,16000", "national_market_bn"),
    ],
)
def test_calibrate_refuses_a_prior_range_it_cannot_draw_from(option, names, capsys) -> None:
    from rainforest.experiments.cli import main

    assert main(["calibrate", "--prior", option, "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert names in err and "Traceback" not in err


def test_apply_writes_the_median_set_and_keeps_the_plans(tmp_path) -> None:
    import shutil

    from rainforest.experiments.studies.calibration import LIBRARY_FILES, apply_to_library

    files = [shutil.copy(f, tmp_path / f.name) for f in LIBRARY_FILES]
    paths = [tmp_path / f.name for f in LIBRARY_FILES]
    # the shipped library already carries the shipped medians (both forms'): nothing to change
    shipped = library_medians("frontier", median_overrides())
    assert apply_to_library(shipped, paths) == []
    new = {**shipped, "market.bass_q": 0.25, "plans.rainforest.co_investment": 3.0}
    assert apply_to_library(new, paths) == paths
    for original, path in zip(LIBRARY_FILES, files, strict=True):
        before, after = load_scenario(original), load_scenario(path)
        assert after.market.bass_q == 0.25
        assert after.plans.rainforest.co_investment == 3.0
        assert after.plans.rainforest.budget_bn == before.plans.rainforest.budget_bn
        assert after.plans.leading.pilot_areas == before.plans.leading.pilot_areas


def test_applying_the_other_form_keeps_the_default_forms_shared_values() -> None:
    default = median_overrides()
    other = {path: value * 1.5 for path, value in default.items()}
    other["market.outside_competition"] = 12345.0
    carried = library_medians("compounding_outside", other)
    for path, value in default.items():
        assert carried[path] == value, path
    assert carried["market.outside_competition"] == 12345.0


@pytest.fixture(scope="module")
def outputs() -> dict[str, np.ndarray]:
    seeds = [derive_seed(7, 0, r) for r in range(6)]
    out = {}
    for name in ("action_plan", "baseline", *LEAVE_ONE_OUTS):
        sc = load_scenario(name)
        out[name] = np.array(
            [run_one(sc, s, scale="district").at_year_end(2030)["output_value_bn"] for s in seeds]
        )
    return out


def test_baseline_falls_short_of_the_action_plan(outputs) -> None:
    assert np.median(outputs["baseline"]) < np.median(outputs["action_plan"])


@pytest.mark.parametrize("name", LEAVE_ONE_OUTS)
def test_leave_one_out_costs_output(name: str, outputs) -> None:
    assert (outputs["action_plan"] - outputs[name]).mean() > 0.0


def test_calibration_and_validation_share_observations_not_each_other() -> None:
    """Both studies read the observed facts from studies/observations.py; neither imports
    the other."""
    import ast
    import importlib.util

    studies = "rainforest.experiments.studies"
    for name, other in (("calibration", "validation"), ("validation", "calibration")):
        origin = importlib.util.find_spec(f"{studies}.{name}").origin
        with open(origin, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert f"{studies}.{other}" not in imported, f"{name} imports {other}"
        assert f"{studies}.observations" in imported


def test_the_backtest_check_holds_the_calibrations_2025_observations() -> None:
    """docs/backtest_2025.toml checks a 2024 calibration on the 2025 terms as the full
    calibration holds them: every 2025 term, with its band."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "docs" / "backtest_2025.toml"
    checks = {c["indicator"]: c for c in tomllib.loads(path.read_text())["observation"]}
    later = [ob for ob in OBSERVATIONS if max(ob.years) == 2025 and "frontier" in ob.forms]
    for ob in later:
        if ob.name in ("founding_rate_2023_2025", "exit_rate_2023_2025",
                       "pilot_firms_per_area_2025"):  # fmt: skip
            continue  # rates over mean firms and a final-state count: no check measure
        check = checks[ob.indicator]
        years = check.get("years", [check.get("year")])
        assert max(years) == 2025, ob.name
        if ob.band[0] == ob.band[1]:
            assert check["value"] == ob.band[0], ob.name
        else:
            assert check["interval"] == pytest.approx(list(ob.band), abs=1e-9), ob.name


CHOICE_FILES = {
    "posterior_growth_margin_0.25": {"growth_margin": 0.25},
    "posterior_without_national_share": {
        "omitted_observations": ["national_share_2021", "national_share_change_2021_2025"]
    },
    "posterior_without_growth": {
        "omitted_observations": ["growth_2023", "growth_2024", "growth_2025"]
    },
    "posterior_compounding_outside_wide_priors": {
        "chosen_priors": {
            "market.outside_competition": [100.0, 400000.0],
            "market.total_potential_bn": [1000.0, 3000.0],
            "behaviour.trl_hazard": [0.02, 0.6],
            "market.bass_q": [0.01, 0.5],
            "market.bass_p": [0.0002, 0.03],
        }
    },
    "posterior_wide_demand_priors": {
        "chosen_priors": {
            "market.bass_p": [0.0002, 0.03],
            "market.bass_q": [0.01, 0.5],
            "market.national_potential_bn": [1510.0, 16000.0],
        }
    },
}


@pytest.mark.parametrize("stem", sorted(CHOICE_FILES))
def test_each_calibration_choice_shipped_in_docs_records_its_choice(stem: str) -> None:
    """docs/VALIDATION.md reports the answer under each of these ensembles: each must be
    the calibration its name says, its sets inside the priors it records, with its
    identifiability report beside it."""
    import json
    from pathlib import Path

    from rainforest.experiments.studies.calibration import recorded_parameters

    folder = Path(__file__).resolve().parents[2] / "docs" / "calibration"
    record = load_ensemble(folder / f"{stem}.toml")
    method = record["method"]
    defaults = {"growth_margin": 0.1, "omitted_observations": [], "chosen_priors": {}}
    for key, default in defaults.items():
        assert method.get(key, default) == CHOICE_FILES[stem].get(key, default), key
    held = set(record["observations"])
    assert not held & set(method["omitted_observations"])
    for fp in recorded_parameters(record):
        values = [s["parameters"][fp.path] for s in record["sets"]]
        assert fp.low <= min(values) and max(values) <= fp.high, fp.path
    report = json.loads((folder / f"{stem}.identifiability.json").read_text())
    assert report["sets"] == len(record["sets"]) == method["accepted"]
    assert report["ensemble"] == f"docs/calibration/{stem}.toml"
    if "chosen_priors" in CHOICE_FILES[stem]:
        # the chosen range was drawn from: some accepted set lies below the stated bound
        stated = {fp.path: fp.low for fp in FREE_PARAMETERS}
        assert (
            min(s["parameters"]["market.bass_q"] for s in record["sets"]) < stated["market.bass_q"]
        )
