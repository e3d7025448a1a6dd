"""`rainforest switching`: root finding on known functions, then on the compiled model."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from rainforest.experiments.cli import main
from rainforest.experiments.studies.outcome import outcome
from rainforest.experiments.studies.switching import MedianOutcome, find_crossings
from rainforest.scenarios import load_scenario
from rainforest.scenarios.overrides import apply_overrides
from rainforest.sim.seeds import replicate_seeds

INPUT = "market.national_potential_bn"
LOW, HIGH = 2000.0, 16000.0


def test_a_smooth_crossing_is_found_to_the_tolerance():
    found = find_crossings(lambda x: x * x, 0.0, 3.0, 2.0, base=1.0, xtol=1e-6)
    (c,) = found["crossings"]
    assert c["value"] == pytest.approx(math.sqrt(2.0), abs=1e-5)
    assert c["reached"] == "above" and c["interval"] == [1.0, 3.0] and c["converged"]


def test_a_step_is_located_within_xtol_and_its_side_is_named():
    found = find_crossings(lambda x: 1.0 if x < 0.37 else 0.0, 0.0, 1.0, 0.5, xtol=1e-3)
    (c,) = found["crossings"]
    assert abs(c["value"] - 0.37) <= 2e-3 and c["reached"] == "below"


def test_both_sides_of_the_base_are_searched_and_flat_ranges_are_not_crossed():
    hump = find_crossings(lambda x: 1.0 - (x - 1.0) ** 2, -1.0, 3.0, 0.5, base=1.0, xtol=1e-7)
    values = [c["value"] for c in hump["crossings"]]
    assert values == pytest.approx([1 - math.sqrt(0.5), 1 + math.sqrt(0.5)], abs=1e-6)
    assert [c["reached"] for c in hump["crossings"]] == ["above", "below"]
    flat = find_crossings(lambda x: 3.0, 0.0, 1.0, 2.0, base=0.5)
    assert flat["crossings"] == [] and len(flat["points"]) == 3


@pytest.fixture(scope="module")
def ends() -> tuple[float, float]:
    """The model's median output at the input's two ends (classroom, 2 replicates)."""
    scenario = apply_overrides(load_scenario("action_plan"), {"scale": "classroom"})
    fn = MedianOutcome(scenario, INPUT, outcome("output_value_bn"), replicate_seeds(3, 2))
    return fn(LOW), fn(HIGH)


@pytest.fixture(scope="module")
def switched(ends, tmp_path_factory):
    """A threshold half-way between the ends: the model must cross it inside the range."""
    threshold = 0.5 * (ends[0] + ends[1])
    out = tmp_path_factory.mktemp("switching") / "out"
    argv = [
        "switching", "action_plan", "--scale", "classroom", "--replicates", "2", "--seed", "3",
        "--inputs", f"{INPUT}={LOW}:{HIGH}", "--threshold", f"{threshold}", "--out", str(out),
    ]  # fmt: skip
    assert main(argv) == 0
    return threshold, out, argv


def test_the_switching_value_separates_reaching_from_missing(switched, ends):
    threshold, out, _ = switched
    report = json.loads((out / "analysis.json").read_text())
    assert report["kind"] == "switching" and report["title"]
    assert report["provenance"]["seeds"] == {"root": 3, "replicates": 2}
    (entry,) = report["inputs"]
    assert entry["outcome_low"] == pytest.approx(ends[0])
    assert entry["outcome_high"] == pytest.approx(ends[1])
    assert entry["status"] == "crossed" and entry["crossings"]
    c = entry["crossings"][0]
    assert LOW < c["value"] < HIGH
    # with the seeds fixed the median is deterministic: just either side of the switching
    # value (within the tolerance), the target is reached on one side and missed on the other
    scenario = apply_overrides(load_scenario("action_plan"), {"scale": "classroom"})
    fn = MedianOutcome(scenario, INPUT, outcome("output_value_bn"), replicate_seeds(3, 2))
    lo, hi = c["value"] - entry["xtol"], c["value"] + entry["xtol"]
    assert (fn(lo) >= threshold) != (fn(hi) >= threshold)
    files = {f["file"] for f in report["figures"]} | {t["file"] for t in report["tables"]}
    assert files == {"tornado.png", "switching_values.csv"}
    assert (out / "tornado.png").read_bytes()[:4] == b"\x89PNG"
    table = pd.read_csv(out / "switching_values.csv")
    assert list(table["input"]) == [INPUT] and table["status"].iloc[0] == "crossed"


def test_the_same_inputs_give_the_same_switching_values(switched, tmp_path):
    _, out, argv = switched
    again = tmp_path / "again"
    assert main([*argv[:-1], str(again)]) == 0
    first = (out / "switching_values.csv").read_text()
    assert (again / "switching_values.csv").read_text() == first


def test_a_threshold_out_of_reach_is_reported_as_not_crossed(capsys):
    argv = [
        "switching", "--scale", "classroom", "--replicates", "1", "--inputs",
        "market.bass_q", "--threshold", "1e9", "--json",
    ]  # fmt: skip
    assert main(argv) == 0
    (entry,) = json.loads(capsys.readouterr().out)["inputs"]
    assert entry["crossings"] == [] and entry["status"] == "missed across the range"
    from rainforest.experiments.sweeps.spec import load_sweep

    (bass_q,) = [p for p in load_sweep("discovery").parameters if p.path == "market.bass_q"]
    assert (entry["low"], entry["high"]) == (bass_q.low, bass_q.high)  # the discovery sweep's


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--inputs", "market.no_such"], "--inputs market.no_such: not an uncertainty of"),
        (["--inputs", "plans.array.budget_bn=0:3"], "--inputs plans.array.budget_bn: a switching"),
        (["--inputs", "market.bass_q=0.3:0.1"], "empty or inverted range"),
        (["--inputs", "market.bass_q=-1:0.3"], "--inputs market.bass_q: range -1.0 - 0.3"),
        (["--target", "nope"], "--target 'nope': unknown indicator"),
        (["--year", "2040"], "--year 2040: outside scenario 'action_plan'"),
        (["no_such_scenario"], "no_such_scenario"),
    ],
)
def test_bad_input_is_one_message_and_exit_2(argv, message, capsys, tmp_path):
    out = tmp_path / "out"
    assert main(["switching", *argv, "--scale", "classroom", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()
