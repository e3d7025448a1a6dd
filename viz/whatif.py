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
from dataclasses import dataclass
from functools import lru_cache

import solara
import solara.lab
from rainforest.runs.execute import run_one
from rainforest.runs.request import resolve_request
from rainforest.runs.result import RunResult
from rainforest.runs.summary import summary_dict
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.loader import library_names
from rainforest.scenarios.schema import Scenario
from rainforest.scenarios.targets import targets
from rainforest.viz.cards import png_image
from rainforest.viz.controls import SAVED, UNCHANGED, WHATIF_SCALES, Controls, Settings
from rainforest.viz.drawing import figure_png
from rainforest.viz.figures import fan_chart
from rainforest.viz.model import view_scenario
from rainforest.viz.whatif_emulator import InstantAnswer, instant_answer, stored_emulator, svg_chart

CACHED_RUNS = 256  # a city run's per-tick indicators are about 15 kB
# The card grows with its content (no inner scrolling); the chart is kept short enough that
# the chart and the scorecard fit side by side on a 1600 x 1000 screen (and 1280 x 800).
WHATIF_CARD_STYLE = {"margin": "0px 0px 12px 0px"}
WHATIF_CHART_HEIGHT = "min(420px, 46vh)"
SETTLE_S = 0.2  # the server draws its busy sign before the runs take the interpreter


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


SAME = 0.5  # a difference that rounds to nothing in the scorecard's whole numbers


def change_arrow(delta: float) -> str:
    """▲ up, ▼ down, = unchanged: what a reader sees before reading the number."""
    if delta >= SAME:
        return "▲"
    if delta <= -SAME:
        return "▼"
    return "="


def _shown(value: float) -> float:
    """``value`` as the scorecard prints it (a whole number)."""
    return float(f"{value:.0f}")


def _share(delta: float, compared: float) -> str:
    """The difference as a share of the comparison (" (+37 %)"), none against nothing."""
    if abs(compared) < SAME:
        return ""
    share = 100 * delta / compared
    return f" ({share:+.1f} %)" if abs(share) < 1 else f" ({share:+.0f} %)"


def scorecard_changes(ours: Sequence[dict], theirs: Sequence[dict]) -> list[dict]:
    """``scorecard_rows`` of these settings beside the comparison's: each indicator's
    difference of medians (with its arrow and, where the comparison is not zero, its
    share), and the difference of chances in percentage points."""
    rows = []
    for a, b in zip(ours, theirs, strict=True):
        # the difference of the numbers shown (whole numbers), so that 42 beside 42 reads
        # "no change" even where the medians are 42.4 and 41.6
        delta = _shown(a["median"]) - _shown(b["median"])
        share = _share(delta, b["median"])
        points = 100 * (a["reach_probability"] - b["reach_probability"])
        rows.append(
            {
                **a,
                "compared_median": b["median"],
                "compared_reach_probability": b["reach_probability"],
                "delta": delta,
                "arrow": change_arrow(delta),
                "delta_text": f"{change_arrow(delta)} {delta:+,.0f}{share}"
                if abs(delta) >= SAME
                else "= no change",
                "chance_delta_points": points,
            }
        )
    return rows


def headline(row: dict, other_label: str) -> str:
    """The change in one sentence: ``Output in 2030: 610 with these settings, ▲ +66
    (+12 %) against the baseline unchanged (544).``"""
    ours = f"{row['median']:,.0f}"
    if row["arrow"] == "=":
        return f"{row['label']} in 2030: {ours}, the same as {other_label}."
    return (
        f"{row['label']} in 2030: {ours} with these settings, {row['delta_text']} against "
        f"{other_label} ({row['compared_median']:,.0f})."
    )


def _emulator_said(instant: InstantAnswer) -> str:
    row = instant.rows[0]
    band = _interval(row["lower"], row["upper"])
    return (
        f" The emulator had answered {row['mean']:,.0f}"
        + (f" (90 % for a run: {band})" if band else "")
        + f" for {row['label'].lower()}."
    )


def _percent(p: float) -> str:
    return f"{100 * p:.0f} %"


DELTA_COLOURS = {"▲": "#1a7f37", "▼": "#b2182b", "=": "#666666"}
SCORECARD_GRID = {
    "display": "grid",
    "grid-template-columns": "minmax(0, 2.2fr) repeat(3, minmax(0, 1fr))",
    "column-gap": "10px",
    "row-gap": "4px",
    "font-size": "13px",
    "align-items": "baseline",
}


@solara.component
def Scorecard(rows: list[dict], other_label: str) -> None:
    """2030's targeted indicators: these settings, the comparison, and the difference."""
    with solara.Div(classes=["rf-whatif-scorecard"], style=SCORECARD_GRID):
        for text in ("2030: median (chance of the target)", "these settings", other_label, "Δ"):
            solara.Text(text, style={"font-weight": "bold"}, classes=["rf-whatif-head"])
        for row in rows:
            name = row["indicator"]
            solara.Text(f"{row['label']} (target {row['target']:,.0f})")
            solara.Text(
                f"{row['median']:,.0f} ({_percent(row['reach_probability'])})",
                classes=[f"rf-whatif-ours-{name}"],
            )
            solara.Text(
                f"{row['compared_median']:,.0f} ({_percent(row['compared_reach_probability'])})",
                classes=[f"rf-whatif-theirs-{name}"],
            )
            solara.Text(
                row["delta_text"],
                style={"color": DELTA_COLOURS[row["arrow"]], "font-weight": "bold"},
                classes=[f"rf-whatif-delta-{name}"],
            )


def instant_for(
    now: Settings, other: Settings, other_label: str, scale: str
) -> InstantAnswer | None:
    """The stored emulator's answer for ``now`` against ``other``, where one is stored for
    their scenario at ``scale`` (both sides must be that scenario); else None."""
    if now.scenario_name != other.scenario_name:
        return None
    try:
        emulator = stored_emulator(now.scenario_name, scale)
        if emulator is None:
            return None
        return instant_answer(
            emulator, dict(now.multipliers), dict(other.multipliers),
            ("these settings", other_label),
        )  # fmt: skip
    except ScenarioError:
        return None  # a damaged or foreign emulator: the real runs still answer


def _interval(low: float, high: float) -> str:
    return f"{low:,.0f}-{high:,.0f}" if round(high) > round(low) else ""


def instant_delta_text(row: dict) -> str:
    """The expected difference with its 90 % interval: ``▲ +45 (+20 to +70)``."""
    delta = row["delta"]
    if abs(delta) < SAME and abs(row["delta_upper"] - row["delta_lower"]) < 2 * SAME:
        return "= no change"
    arrow = change_arrow(delta)
    return f"{arrow} {delta:+,.0f} ({row['delta_lower']:+,.0f} to {row['delta_upper']:+,.0f})"


def instant_headline(row: dict, other_label: str) -> str:
    """The emulator's answer in one sentence, with its interval."""
    band = _interval(row["lower"], row["upper"])
    return (
        f"{row['label']} in 2030: about {row['mean']:,.0f}"
        + (f" (90 %: {band})" if band else "")
        + f" with these settings, {instant_delta_text(row)} against {other_label}"
        + f" ({row['compared_mean']:,.0f}): the emulator's answer, real runs computing."
    )


@solara.component
def InstantCard(instant: InstantAnswer, other_label: str) -> None:
    """The emulator's chart and 2030 scorecard, shown while the real runs compute."""
    with solara.Row(
        style={"align-items": "flex-start", "flex-wrap": "wrap"}, classes=["rf-whatif-instant"]
    ):
        with solara.Div(style={"flex": "1 1 380px", "min-width": "300px"}):
            solara.HTML(
                tag="div",
                unsafe_innerHTML=svg_chart(instant.chart),
                classes=["rf-whatif-instant-chart"],
            )
        with solara.Div(style={"flex": "1 1 360px", "min-width": "320px"}):
            solara.Text(
                instant_headline(instant.rows[0], other_label),
                style={"font-size": "15px", "font-weight": "bold"},
                classes=["rf-whatif-instant-headline"],
            )
            if instant.outside:
                solara.Warning(
                    f"Outside the emulator's training region in {', '.join(instant.outside)}: "
                    "its answer is an extrapolation; wait for the real runs.",
                    classes=["rf-whatif-instant-outside"],
                )
            with solara.Div(classes=["rf-whatif-instant-scorecard"], style=SCORECARD_GRID):
                for text in ("2030: expected (90 % for a run)", "these settings",
                             other_label, "Δ expected (90 %)"):  # fmt: skip
                    solara.Text(text, style={"font-weight": "bold"})
                for row in instant.rows:
                    name = row["indicator"]
                    band = _interval(row["lower"], row["upper"])
                    solara.Text(f"{row['label']} (target {row['target']:,.0f})")
                    solara.Text(
                        f"{row['mean']:,.0f}" + (f" ({band})" if band else ""),
                        classes=[f"rf-instant-ours-{name}"],
                    )
                    solara.Text(
                        f"{row['compared_mean']:,.0f}", classes=[f"rf-instant-theirs-{name}"]
                    )
                    solara.Text(
                        instant_delta_text(row),
                        style={"color": DELTA_COLOURS[change_arrow(row["delta"])]},
                        classes=[f"rf-instant-delta-{name}"],
                    )
            solara.Text(
                f"A Gaussian-process emulator trained on {instant.runs} runs of this scenario at "
                "this scale (each slider's multiplier drawn over 0-3): the expected value over "
                "seeds, with the interval a new run falls in nine times in ten. It answered in "
                f"{instant.milliseconds:.0f} ms; the real runs replace it when they finish.",
                style={"font-size": "12px"},
                classes=["rf-whatif-instant-time"],
            )


@solara.component_vue("whatif_busy.vue")
def WhatIfBusy(busy: bool, text: str) -> None:
    """The busy sign: shown while ``busy``, and by the browser itself as soon as a
    setting's slider moves (the server hears of the move a round trip later)."""


@dataclass(frozen=True)
class WhatIfAnswer:
    """One finished computation: for which settings, against what, its scorecard (rows of
    ``scorecard_changes``), its chart and its time."""

    key: tuple
    compared: str
    rows: list[dict]
    png: bytes
    seconds: float


@solara.component
def WhatIfPanel(controls: Controls) -> None:
    """What the settings do by 2030: compiled runs against a comparison, computed in a
    thread so that the page shows a busy sign at once and the last answer until the new
    one is ready."""
    now = controls.settings()
    scale = controls.whatif_scale.value
    replicates = int(controls.whatif_replicates.value)
    other_label, other = _compared_settings(controls, now)
    key = (now, other_label, other, scale, replicates)

    def compute() -> WhatIfAnswer | None:
        # Let the page draw the busy sign before the runs take the interpreter, and let a
        # slider still moving supersede this call: a stale call stops (its answer would be
        # dropped anyway).
        time.sleep(SETTLE_S)
        start = time.perf_counter()
        runs = {}
        for label, settings in (("these settings", now), (other_label, other)):
            if not task.is_current():
                return None
            runs[label] = _whatif_results(settings, scale, replicates)
        frames = {label: [r.indicators for r in results] for label, results in runs.items()}
        png = figure_png(fan_chart(frames))
        ours, theirs = (scorecard_rows(results) for results in runs.values())
        rows = scorecard_changes(ours, theirs)
        return WhatIfAnswer(key, other_label, rows, png, time.perf_counter() - start)

    task = solara.lab.use_task(compute, dependencies=[key], prefer_threaded=True)
    answer: WhatIfAnswer | None = task.latest
    busy = task.pending or answer is None or answer.key != key
    instant = instant_for(now, other, other_label, scale)
    with solara.Card(classes=["rf-whatif"], style=WHATIF_CARD_STYLE):
        solara.Text(
            f"What if? These settings by 2030, at {scale} scale, {replicates} runs each",
            style={"font-weight": "bold"},
            classes=["rf-whatif-title"],
        )
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
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
        WhatIfBusy(
            busy=busy,
            text=f"Computing {2 * replicates} runs at {scale} scale (a few seconds"
            + ("; the answer below is for the previous settings)" if answer else ")"),
        )
        if task.error:
            solara.Error(f"The what-if could not run: {task.exception}")
        if busy and instant is not None:
            InstantCard(instant, other_label)
            return
        if answer is None:
            return
        answer_label, rows = answer.compared, answer.rows
        stale = {"opacity": "0.45"} if busy else {}
        with solara.Row(style={"align-items": "flex-start", "flex-wrap": "wrap", **stale}):
            with solara.Div(style={"flex": "1 1 380px", "min-width": "300px"}):
                png_image(answer.png, max_height=WHATIF_CHART_HEIGHT)
            with solara.Div(style={"flex": "1 1 360px", "min-width": "320px"}):
                solara.Text(
                    headline(rows[0], answer_label),
                    style={"font-size": "15px", "font-weight": "bold"},
                    classes=["rf-whatif-headline"],
                )
                Scorecard(rows, answer_label)
                solara.Text(
                    f"Each line is the median of {replicates} compiled runs start to 2030 "
                    f"(the seeds `rainforest run --seed {now.seed}` uses); the band spans "
                    f"them. Δ is these settings minus {answer_label}; ▲ more, ▼ less. "
                    f"Computed in {answer.seconds:.1f} s."
                    + (_emulator_said(instant) if instant is not None else ""),
                    style={"font-size": "12px"},
                    classes=["rf-whatif-time"],
                )
