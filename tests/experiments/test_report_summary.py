"""The report says what it found: a summary in words computed from the run folders, band
labels that say over how many runs of what, provenance once per source, and cautions.

Two run folders (the action plan and the baseline, classroom scale, to 2024, three
replicates each on the same seeds) are made once; a posterior run's folder is the plan's
with the ``posterior`` record ``rainforest run --posterior`` writes into summary.json.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rainforest.experiments.cli import main
from rainforest.experiments.report_inputs import value_text
from rainforest.runs.request import PosteriorDraws
from rainforest.scenarios import load_scenario

SHORT = 'extends = "{base}"\nname = "{base}"\nscale = "classroom"\nhorizon_year = 2024\n'
REPLICATES = 3


def _text(page: Path) -> str:
    """The page's words, tags removed and spaces collapsed."""
    body = page.read_text(encoding="utf-8")
    body = re.sub(r'src="data:[^"]+"', "", body)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("summary-inputs")
    out = {}
    for name in ("action_plan", "baseline"):
        scenario = root / f"{name}-short.toml"
        scenario.write_text(SHORT.format(base=name))
        out[name] = root / name
        command = ["run", str(scenario), "--replicates", str(REPLICATES), "--out", str(out[name])]
        assert main(command) == 0
    out["posterior"] = root / "posterior"
    shutil.copytree(out["action_plan"], out["posterior"])
    summary = json.loads((out["posterior"] / "summary.json").read_text())
    drawn = PosteriorDraws("scenarios/posterior.toml", (4, 9, 2), ({}, {}, {}), 1, "2026-01-01", "")
    summary["posterior"] = drawn.to_dict()
    (out["posterior"] / "summary.json").write_text(json.dumps(summary))
    return out


def _report(folders: dict[str, Path], names: list[str], tmp_path: Path) -> str:
    page = tmp_path / "report.html"
    assert main(["report", *(str(folders[n]) for n in names), "--out", str(page)]) == 0
    return _text(page)


def _year_end(folder: Path) -> dict[int, float]:
    frame = pd.read_parquet(folder / "indicators.parquet")
    last = frame[frame["year"] == 2024].groupby("seed").tail(1)
    return dict(zip(last["seed"], last["output_value_bn"], strict=True))


def test_the_report_opens_with_what_the_plan_and_the_baseline_give(folders, tmp_path, capsys):
    text = _report(folders, ["action_plan", "baseline"], tmp_path)
    capsys.readouterr()
    assert text.index("What the results say") < text.index("Scorecard against the 2030 targets")
    for name in ("action_plan", "baseline"):
        s = json.loads((folders[name] / "summary.json").read_text())
        o = s["indicators"]["output_value_bn"]
        median, low, high = (
            value_text("output_value_bn", o[k], o["median"], o["p05"], o["p95"])
            for k in ("median", "p05", "p95")
        )
        assert s["market_form"] == "frontier"  # the summary says which market form ran
        described = s.get("description") or load_scenario(name).description
        described = " ".join(described.split()).rstrip(".")
        sentence = (
            f"{name} ({described}): in 2024, future-industry output value "
            f"is {median} RMB bn per year (median; 5-95 % band {low}-{high} over "
            f"{REPLICATES} runs on different seeds, frontier market form), against the 2030 "
            "target of 500: reached "
            f"in {100 * o['reach_probability']:.0f} % of runs."
        )
        assert sentence in text
    plan, base = _year_end(folders["action_plan"]), _year_end(folders["baseline"])
    gaps = np.array([plan[seed] - base[seed] for seed in sorted(plan)])
    median = float(np.median(gaps))
    low, high = np.quantile(gaps, [0.05, 0.95])
    side = "above" if median >= 0 else "below"
    assert (
        f"On the same {REPLICATES} seeds, action_plan's future-industry output value in 2024 "
        f"is {value_text('output_value_bn', abs(median), low, high)} RMB bn per year {side} "
        "baseline's (median of the paired differences; 5-95 % band "
        f"{value_text('output_value_bn', low, median, high)} to "
        f"{value_text('output_value_bn', high, median, low)}), higher in "
        f"{int(np.sum(gaps > 0))} of {REPLICATES} pairs."
    ) in text
    assert "reaches" in text and "of the 7 targets in at least half of its runs" in text
    assert f"action_plan: chance ({REPLICATES} runs)" in text  # the chance of each target
    assert "Caution: the bands of action_plan" in text and "rest on few runs" in text


def test_every_band_says_over_how_many_runs_and_provenance_comes_once(folders, tmp_path):
    text = _report(folders, ["action_plan", "baseline"], tmp_path)
    assert f"action_plan: median [5-95 %] of {REPLICATES} runs" in text
    assert f"action_plan: {REPLICATES} runs on different seeds" in text  # figure captions
    assert "output_value_bn" not in text  # plain names, not code names
    assert "Future-industry output value" in text and "Future technical colleges" in text
    assert text.count("root seed 0") == 2  # once per source, in the sources table
    assert "from sources 1, 2" in text
    counts = re.findall(r"Future technical colleges 5 count (\S+) \[(\S+) - (\S+)\]", text)
    assert counts and all(re.fullmatch(r"\d+", c) for row in counts for c in row)


def test_a_posterior_runs_report_says_posterior(folders, tmp_path):
    text = _report(folders, ["posterior", "baseline"], tmp_path)
    assert f"over {REPLICATES} runs: 3 posterior draws x 1 seed" in text
    assert "run of action_plan on the posterior" in text
    assert "3 draws of scenarios/posterior.toml (2026-01-01), 1 seed each" in text
    assert "were not run on the same seeds" in text  # no paired difference across them


def test_results_at_different_scales_are_flagged(folders, tmp_path):
    city = tmp_path / "city"
    shutil.copytree(folders["baseline"], city)
    summary = json.loads((city / "summary.json").read_text())
    (city / "summary.json").write_text(json.dumps({**summary, "scale": "city"}))
    page = tmp_path / "mixed.html"
    assert main(["report", str(folders["action_plan"]), str(city), "--out", str(page)]) == 0
    text = _text(page)
    assert "Caution: these results come from runs at different scales" in text
    assert "classroom: source 1; city: source 2" in text


def test_a_scenario_is_described_as_its_file_describes_it(tmp_path):
    scenario = tmp_path / "mine.toml"
    scenario.write_text(
        SHORT.format(base="action_plan").replace('name = "action_plan"', 'name = "mine"')
        + 'description = "The plan with a bolder array budget."\n'
    )
    assert main(["run", str(scenario), "--out", str(tmp_path / "mine")]) == 0
    assert json.loads((tmp_path / "mine" / "summary.json").read_text())["description"]
    page = tmp_path / "mine.html"
    assert main(["report", str(tmp_path / "mine"), "--out", str(page)]) == 0
    assert "mine (The plan with a bolder array budget): in 2024" in _text(page)
