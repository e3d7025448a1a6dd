"""Runs over the posterior: `rainforest run --posterior`, `rf.run(posterior=True)`.

Classroom scale, a few draws: the mechanics (which set each run used, seeds, bits,
messages), not the numbers, which docs/VALIDATION.md gives at city scale.
"""

from __future__ import annotations

import json

import pytest
from rainforest.experiments.cli import main
from rainforest.runs.request import draw_order, resolve_request, run_request
from rainforest.scenarios.ensemble import ensemble_sets, load_ensemble
from rainforest.scenarios.errors import ScenarioError

ARGS = ["run", "action_plan", "--posterior", "--draws", "3", "--replicates", "2",
        "--scale", "classroom", "--seed", "5", "--json"]  # fmt: skip


def run_posterior(draws, replicates, seed, overrides=None, ensemble=None):
    request = resolve_request(
        "action_plan", overrides=overrides, scale="classroom", seed=seed,
        replicates=replicates, posterior=True, draws=draws, ensemble=ensemble,
    )  # fmt: skip
    return list(run_request(request).results), request.posterior


def _json(capsys, argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_posterior_run_carries_its_draws_and_reruns_bit_for_bit(capsys) -> None:
    first = _json(capsys, ARGS)
    again = _json(capsys, ARGS)
    assert first == again
    post = first["posterior"]
    assert post["draws"] == 3 and post["replicates_per_draw"] == 2
    assert first["replicates"] == 6 and len(set(first["seeds"])) == 6
    samples = {s["sample"] for s in load_ensemble()["sets"]}
    assert len(set(post["sets"])) == 3 and set(post["sets"]) <= samples


def test_each_draw_runs_on_its_own_accepted_set() -> None:
    sets = {s["sample"]: s["parameters"] for s in load_ensemble()["sets"]}
    results, info = run_posterior(2, 2, 9)
    assert len(results) == 4
    for d, sample in enumerate(info.sets):
        for r in range(2):
            sc = results[2 * d + r].scenario
            assert sc.market.bass_q == pytest.approx(sets[sample]["market.bass_q"])
            assert sc.plans.open_source.demo_adoption_effect == pytest.approx(
                sets[sample]["plans.open_source.demo_adoption_effect"]
            )
    # different sets, different runs: parameter uncertainty reaches the output
    outs = {round(r.at_year_end(2030)["output_value_bn"], 9) for r in results}
    assert len(outs) == 4


def test_more_draws_extend_fewer_and_user_overrides_win() -> None:
    n = len(ensemble_sets())
    assert sorted(draw_order(n, 1)) == list(range(n))
    assert draw_order(n, 1) != draw_order(n, 2)
    few, a = run_posterior(2, 1, 4)
    more, b = run_posterior(3, 1, 4, {"market.bass_q": 0.45})
    assert b.sets[:2] == a.sets
    assert all(r.scenario.market.bass_q == 0.45 for r in more)


def test_python_api_runs_the_posterior() -> None:
    import rainforest as rf

    runs = rf.run("action_plan", replicates=1, scale="classroom", posterior=True, draws=2)
    assert runs.summary["posterior"]["draws"] == 2 and len(runs.results) == 2


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--posterior", "--draws", "0"], "--draws"),
        (["--draws", "3"], "--posterior"),
        (["--posterior", "--ensemble", "{missing}"], "no ensemble file"),
        (["--posterior", "--draws", "100000"], "holds"),
    ],
)
def test_bad_posterior_input_is_one_message_and_exit_2(tmp_path, capsys, extra, needle) -> None:
    extra = [x.format(missing=tmp_path / "none.toml") for x in extra]
    try:
        status = main(["run", "action_plan", "--scale", "classroom", *extra])
    except SystemExit as exc:  # argparse's own refusals (--draws 0)
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert len([ln for ln in err.splitlines() if "error" in ln]) == 1


def test_an_empty_ensemble_is_refused(tmp_path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text('date = "x"\nsets = []\n')
    with pytest.raises(ScenarioError, match="no accepted sets"):
        run_posterior(1, 1, 0, ensemble=path)
