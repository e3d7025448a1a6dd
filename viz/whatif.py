"""What a setting does by 2030: compiled runs of a scenario, a few replicates at once.

The view's what-if panel answers "what does this slider do?" without stepping: it runs
the model start to horizon (one compiled call a replicate) for the current settings and
for the scenario they are compared with, at any scale, with the replicate seeds
``rainforest run`` uses for the same root seed, so its numbers are the command line's.
Runs are cached by (scenario, seed), so moving a slider back, or comparing with the
unchanged scenario, runs nothing again.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import lru_cache

import solara
from rainforest.runs.execute import run_one
from rainforest.runs.request import resolve_request
from rainforest.runs.result import RunResult
from rainforest.runs.summary import summary_dict
from rainforest.scenarios.loader import library_names
from rainforest.scenarios.schema import Scenario
from rainforest.scenarios.targets import targets
from rainforest.viz.cards import CARD_STYLE, png_image
from rainforest.viz.controls import SAVED, UNCHANGED, WHATIF_SCALES, Controls, Settings
from rainforest.viz.drawing import figure_png
from rainforest.viz.figures import fan_chart
from rainforest.viz.model import view_scenario

CACHED_RUNS = 256  # a city run's per-tick indicators are about 15 kB


@lru_cache(maxsize=CACHED_RUNS)
def _run(scenario_json: str, seed: int) -> RunResult:
    return run_one(Scenario.model_validate_json(scenario_json), seed)


def whatif_results(scenario: Scenario, replicates: int, root_seed: int) -> list[RunResult]:
    """Each replicate's run, as ``rainforest run`` makes it: the door resolves the request
    (seeds ``replicate_seeds(root_seed, replicates)``), and runs are cached by scenario
    and seed."""
    request = resolve_request(scenario, seed=root_seed, replicates=replicates)
    key = request.scenario.model_dump_json()
    return [_run(key, p.seed) for p in request.planned_runs()]


def scorecard_rows(results: Sequence[RunResult]) -> list[dict]:
    """Each targeted indicator in the report year: target, median and reach probability
    over the replicates (``rainforest run``'s summary, the same function)."""
    summary = summary_dict(results, 0)["indicators"]
    return [
        {
            "indicator": name,
            "label": target.label,
            "target": float(target.value),
            "median": summary[name]["median"],
            "reach_probability": summary[name]["reach_probability"],
        }
        for name, target in targets().items()
    ]


def _compared_settings(controls: Controls, now: Settings) -> tuple[str, Settings]:
    """The label and settings the current ones are compared with."""
    choice = controls.compare_with.value
    unchanged = tuple((plan, 1.0) for plan, _ in now.multipliers)
    if choice == SAVED and controls.saved.value is not None:
        return "saved settings", controls.saved.value
    if choice in (UNCHANGED, SAVED):
        return f"{now.scenario_name} unchanged", Settings(
            now.scenario_name, now.scale, now.seed, unchanged
        )
    return f"{choice} unchanged", Settings(choice, now.scale, now.seed, unchanged)


def _whatif_results(settings: Settings, scale: str, replicates: int) -> list[RunResult]:
    scenario = view_scenario(settings.scenario_name, scale, dict(settings.multipliers))
    return whatif_results(scenario, replicates, settings.seed)


@solara.component
def WhatIfPanel(controls: Controls) -> None:
    """What the settings do by 2030, at once: compiled runs, against a comparison."""
    now = controls.settings()
    scale = controls.whatif_scale.value
    replicates = int(controls.whatif_replicates.value)
    other_label, other = _compared_settings(controls, now)

    def compute():
        start = time.perf_counter()
        runs = {
            "these settings": _whatif_results(now, scale, replicates),
            other_label: _whatif_results(other, scale, replicates),
        }
        frames = {label: [r.indicators for r in results] for label, results in runs.items()}
        png = figure_png(fan_chart(frames))
        return runs, png, time.perf_counter() - start

    runs, png, seconds = solara.use_memo(compute, [now, other, scale, replicates])
    ours, theirs = (scorecard_rows(results) for results in runs.values())
    with solara.Card(classes=["rf-whatif"], style=CARD_STYLE):
        solara.Text(
            f"What if? These settings by 2030, at {scale} scale, {replicates} runs each",
            style={"font-weight": "bold"},
            classes=["rf-whatif-title"],
        )
        with solara.Row():
            solara.Select("Scale", value=controls.whatif_scale, values=list(WHATIF_SCALES))
            solara.Select("Runs", value=controls.whatif_replicates, values=list(range(1, 6)))
            solara.Select(
                "Compare with",
                value=controls.compare_with,
                values=[UNCHANGED, SAVED, *library_names()],
            )
            solara.Button(
                "Save these settings",
                on_click=lambda: controls.saved.set(now),
                classes=["rf-save-settings"],
            )
        png_image(png)
        with solara.Div(classes=["rf-whatif-scorecard"], style={"font-size": "13px"}):
            with solara.Row(justify="space-between", style={"font-weight": "bold"}):
                solara.Text("2030 (median; chance of reaching the target)")
                solara.Text(f"these settings | {other_label}", classes=["rf-whatif-compared"])
            for a, b in zip(ours, theirs, strict=True):
                with solara.Row(justify="space-between"):
                    solara.Text(f"{a['label']} (target {a['target']:,.0f})")
                    solara.Text(
                        f"{a['median']:,.0f} ({100 * a['reach_probability']:.0f} %) | "
                        f"{b['median']:,.0f} ({100 * b['reach_probability']:.0f} %)",
                        classes=[f"rf-whatif-{a['indicator']}"],
                    )
        solara.Text(
            f"Each line is the median of {replicates} compiled runs start to 2030 (the seeds "
            f"`rainforest run --seed {now.seed}` uses); the band spans them. Computed in "
            f"{seconds:.1f} s.",
            style={"font-size": "12px"},
            classes=["rf-whatif-time"],
        )
