"""One door: the same request gives the same numbers whichever way it is asked.

The CLI (``rainforest run --json``), ``rf.run``, a one-row sweep, the EMA adapter and the
view's what-if all resolve and run a request through ``rainforest.runs``; these tests ask
each of them for the same request, with and without overrides (and the CLI and the API
with and without ``--posterior``), and require identical numbers. The scenario is a short
one (to 2024) that names no scale, so every route must pick the same default (city).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rainforest.experiments.cli import main
from rainforest.runs.request import DEFAULT_SEED, resolve_request
from rainforest.runs.summary import band
from rainforest.scenarios.schema import DEFAULT_SCALE

import rainforest as rf

SHORT = 'extends = "action_plan"\nname = "short"\nhorizon_year = 2024\n'
YEAR = 2024
SEED = 11
REPLICATES = 2
OVERRIDES = {"market.bass_q": 0.3, "plans.array.budget_bn": 2.0}
CASES = [pytest.param({}, id="as-is"), pytest.param(OVERRIDES, id="overrides")]


@pytest.fixture(scope="module")
def short_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("door") / "short.toml"
    path.write_text(SHORT)
    return path


def _sets(overrides: dict) -> list[str]:
    return [arg for k, v in overrides.items() for arg in ("--set", f"{k}={v}")]


def _cli(capsys, *argv: str) -> dict:
    assert main(["run", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _outputs(summary: dict) -> dict[str, float]:
    return {name: entry["median"] for name, entry in summary["indicators"].items()}


@pytest.fixture(scope="module")
def cli_runs(short_file, tmp_path_factory) -> dict:
    """The CLI's answer for each case, computed once (the reference)."""
    import contextlib
    import io

    answers = {}
    for overrides in ({}, OVERRIDES):
        buffer = io.StringIO()
        argv = ["run", str(short_file), "--seed", str(SEED), "--replicates", str(REPLICATES),
                *_sets(overrides), "--json"]  # fmt: skip
        with contextlib.redirect_stdout(buffer):
            assert main(argv) == 0
        answers[json.dumps(overrides, sort_keys=True)] = json.loads(buffer.getvalue())
    return answers


def _reference(cli_runs: dict, overrides: dict) -> dict:
    return cli_runs[json.dumps(overrides, sort_keys=True)]


@pytest.mark.parametrize("overrides", CASES)
def test_the_cli_runs_at_the_default_scale_whatever_the_overrides(cli_runs, overrides):
    summary = _reference(cli_runs, overrides)
    assert summary["scale"] == DEFAULT_SCALE == "city"
    assert summary["year"] == YEAR and summary["replicates"] == REPLICATES


@pytest.mark.parametrize("overrides", CASES)
def test_rf_run_gives_the_cli_summary(cli_runs, short_file, overrides):
    runs = rf.run(short_file, replicates=REPLICATES, seed=SEED, overrides=overrides or None)
    assert json.loads(json.dumps(runs.summary)) == _reference(cli_runs, overrides)


@pytest.mark.parametrize("overrides", CASES)
def test_a_one_row_sweep_gives_the_cli_numbers(cli_runs, short_file, tmp_path, overrides):
    row = ", ".join(f'"{k}" = {v}' for k, v in overrides.items()) or f'scenario = "{short_file}"'
    (tmp_path / "one.toml").write_text(
        f'base = "{short_file}"\nsampler = "list"\nreplicates = {REPLICATES}\nseed = {SEED}\n'
        f"years = [{YEAR}]\nrows = [ {{ {row} }} ]\n"
    )
    frame = rf.sweep(tmp_path / "one.toml", out=tmp_path / "out", workers=1)
    reference = _reference(cli_runs, overrides)
    assert list(frame["seed"]) == reference["seeds"]
    kept = [n for n in reference["indicators"] if f"{n}_{YEAR}" in frame.columns]
    assert "output_value_bn" in kept
    for name in kept:
        entry = reference["indicators"][name]
        stats = band(list(frame[f"{name}_{YEAR}"]), entry["target"])
        assert stats == {k: entry[k] for k in stats}, name


@pytest.mark.parametrize("overrides", CASES)
def test_the_ema_adapter_gives_the_cli_numbers(cli_runs, short_file, overrides):
    model = rf.ema.model(short_file, replications=REPLICATES, seed=SEED, year=YEAR)
    reference = _reference(cli_runs, overrides)
    per_run = [model.function(**{**overrides, "seed": s}) for s in reference["seeds"]]
    for name in per_run[0]:
        entry = reference["indicators"][name]
        stats = band([r[name] for r in per_run], entry["target"])
        assert stats == {k: entry[k] for k in stats}, name


@pytest.mark.parametrize("overrides", CASES)
def test_the_views_whatif_gives_the_cli_numbers(cli_runs, short_file, overrides):
    from rainforest.scenarios.loader import load_scenario
    from rainforest.scenarios.overrides import apply_overrides
    from rainforest.viz.whatif import scorecard_rows, whatif_results

    scenario = load_scenario(short_file)
    if overrides:
        scenario = apply_overrides(scenario, overrides)
    results = whatif_results(scenario, REPLICATES, SEED)
    reference = _reference(cli_runs, overrides)
    assert [r.seed for r in results] == reference["seeds"]
    for row in scorecard_rows(results):
        entry = reference["indicators"][row["indicator"]]
        assert row["median"] == entry["median"]
        assert row["reach_probability"] == entry["reach_probability"]


def test_a_posterior_request_gives_the_same_numbers_by_cli_and_api(short_file, capsys):
    args = [str(short_file), "--posterior", "--draws", "2", "--seed", str(SEED)]
    printed = _cli(capsys, *args)
    runs = rf.run(short_file, seed=SEED, posterior=True, draws=2)
    assert json.loads(json.dumps(runs.summary)) == printed
    assert printed["scale"] == DEFAULT_SCALE
    with_set = _cli(capsys, *args, *_sets(OVERRIDES))
    api_set = rf.run(short_file, seed=SEED, posterior=True, draws=2, overrides=OVERRIDES)
    assert json.loads(json.dumps(api_set.summary)) == with_set
    assert with_set["scale"] == DEFAULT_SCALE
    assert _outputs(with_set) != _outputs(printed)  # the overrides reached the runs


def test_defaults_are_stated_once():
    request = resolve_request("action_plan")
    assert request.scale == DEFAULT_SCALE and request.seed == DEFAULT_SEED
    assert request.replicates == 1 and request.posterior is None
    assert rf.load_scenario("action_plan").scale == DEFAULT_SCALE


def test_overrides_never_change_a_value_nobody_named(tmp_path):
    path = tmp_path / "district.toml"
    path.write_text(SHORT + 'scale = "district"\n')
    assert resolve_request(path).scale == "district"
    # an override of another value keeps the file's scale; a value equal to the
    # scenario's own changes nothing at all
    assert resolve_request(path, overrides={"market.bass_q": 0.3}).scale == "district"
    plain = resolve_request("action_plan").scenario
    same = resolve_request("action_plan", overrides={"market.bass_q": plain.market.bass_q})
    assert same.scenario == plain
    assert resolve_request(path, scale="classroom").scale == "classroom"


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": "7"}, "seed"),
        ({"replicates": 0}, "replicates"),
        ({"replicates": True}, "replicates"),
        ({"scale": "county"}, "scale"),
        ({"overrides": [1, 2]}, "overrides"),
        ({"draws": 3}, "posterior"),
        ({"scenario": 3}, "scenario"),
    ],
)
def test_a_bad_request_is_one_error_naming_the_argument(kwargs, needle):
    with pytest.raises(rf.ScenarioError, match=needle):
        resolve_request(**kwargs)
