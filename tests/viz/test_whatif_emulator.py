"""The what-if's instant answer: the stored emulators, what they say, and how they are drawn.

The emulators in viz/emulators/ were trained on runs of today's model; a model change
makes them stale. ``test_the_stored_emulators_runs_are_todays_model`` re-runs some of the
runs each one was checked on and fails, naming ``make emulators``, when a number moved.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from rainforest.runs.execute import run_one
from rainforest.scenarios.targets import targets
from rainforest.viz.model import PLAN_TITLES, view_scenario
from rainforest.viz.whatif_emulator import (
    EMULATOR_DIR,
    chart_column,
    emulator_folder,
    instant_answer,
    outcome_column,
    stored_emulator,
    svg_chart,
)

STORED = [("action_plan", "classroom"), ("action_plan", "city")]
RECHECKED_RUNS = {"classroom": 3, "city": 1}
ONES = dict.fromkeys(PLAN_TITLES, 1.0)


@pytest.mark.parametrize(("scenario", "scale"), STORED)
def test_the_stored_emulators_runs_are_todays_model(scenario, scale):
    checks = pd.read_csv(emulator_folder(scenario, scale) / "check_runs.csv")
    for row in checks.head(RECHECKED_RUNS[scale]).to_dict("records"):
        multipliers = {plan: row[plan] for plan in PLAN_TITLES}
        final = run_one(view_scenario(scenario, scale, multipliers), int(row["seed"])).at_year_end()
        for name in targets():
            assert final[name] == pytest.approx(row[outcome_column(name)], rel=1e-12), (
                f"{scenario} at {scale}: {name} moved since the emulator was trained; "
                "rebuild the view's emulators with `make emulators`"
            )


@pytest.mark.parametrize(("scenario", "scale"), STORED)
def test_each_stored_emulator_passed_its_check_on_runs_it_never_saw(scenario, scale):
    emulator = stored_emulator(scenario, scale)
    check = emulator.about["check"]
    assert check["runs"] >= 60
    rows = check["outcomes"]
    shares = [row["coverage_90"] for row in rows]
    # Each outcome's share inside its 90 % intervals has a sampling sd of about 4 points
    # with 60 check runs, so a right emulator leaves one outcome in eight outside 85-95 %;
    # pooled over the outcomes the share is steady enough to hold to the target itself,
    # and no outcome may fall where a right emulator would not (below 78 %: p < 0.003).
    pooled = sum(r["coverage_90"] * r["runs"] for r in rows) / sum(r["runs"] for r in rows)
    assert 0.85 <= pooled <= 0.95, pooled
    assert min(shares) >= 0.78, shares
    assert emulator.about["scenario"] == scenario and emulator.about["scale"] == scale


def test_the_same_settings_change_nothing_and_a_cut_plan_goes_down():
    emulator = stored_emulator("action_plan", "classroom")
    same = instant_answer(emulator, ONES, ONES)
    assert all(row["delta"] == 0.0 for row in same.rows)
    assert same.outside == []
    cut = instant_answer(emulator, {**ONES, "foundation": 0.0}, ONES)
    centers = {row["indicator"]: row for row in cut.rows}["innovation_centers"]
    assert centers["delta_upper"] < 0 < centers["compared_mean"]
    assert cut.milliseconds < 100
    years = [year for year, *_ in cut.chart["these settings"]]
    assert years == list(range(2021, 2031))
    for _, mean, low, high in cut.chart["these settings"]:
        assert low <= mean <= high


def test_chances_and_intervals_agree():
    emulator = stored_emulator("action_plan", "classroom")
    for row in instant_answer(emulator, {**ONES, "rainforest": 3.0}, ONES).rows:
        assert row["lower"] <= row["mean"] <= row["upper"]
        assert 0.0 <= row["chance"] <= 1.0
        if row["lower"] > row["target"]:
            assert row["chance"] > 0.95
        if row["upper"] < row["target"]:
            assert row["chance"] < 0.05


def test_no_emulator_for_an_untrained_scale():
    assert not emulator_folder("action_plan", "district").exists()
    assert stored_emulator("action_plan", "district") is None
    assert stored_emulator("no_such_scenario", "city") is None


def test_the_chart_is_svg_with_both_series_and_the_target():
    emulator = stored_emulator("action_plan", "classroom")
    answer = instant_answer(emulator, {**ONES, "array": 2.0}, ONES, ("ours", "theirs <b>"))
    svg = svg_chart(answer.chart)
    root = ET.fromstring(svg)  # well-formed, a label's markup escaped
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}polygon")) == 2 and len(root.findall(f"{ns}polyline")) == 2
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "2030 target 500" in texts
    assert "theirs <b>: emulated mean, 90 % band" in texts


def test_every_chart_year_is_an_outcome_or_a_constant():
    for scenario, scale in STORED:
        emulator = stored_emulator(scenario, scale)
        known = {*emulator.outputs, *emulator.about.get("constant_outputs", {})}
        assert chart_column(2025) in known and outcome_column("output_value_bn") in known
    assert {p.name for p in EMULATOR_DIR.iterdir()} == {f"{a}_{b}" for a, b in STORED}
