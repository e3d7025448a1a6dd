"""The page's settings: one set per browser session, read by Reset and by the what-if panel.

Mesa's ``ModelController`` (Reset, ▶, Step) rebuilds the model on Reset as
``model.__class__(**params)``. The page keeps its settings in Solara reactive variables
(each browser session has its own values, and every panel can read them) and hands the
controller a single fixed parameter, ``controls``: Reset builds the model from the
settings as they are then, and the what-if panel re-runs whenever one of them changes,
without Reset. The sidebar's run card says where the run is in dates and marks it when
the settings have moved since its Reset.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import solara
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter
from rainforest.runs.request import DEFAULT_SEED
from rainforest.scenarios.loader import library_names
from rainforest.scenarios.schema import DEFAULT_SCALE
from rainforest.viz.model import (
    ANIMATED_DEFAULT_SCALE,
    DEFAULT_SCENARIO,
    MAX_MULTIPLIER,
    PLAN_TITLES,
    SCALES,
    WHATIF_SCALES,
    ViewModel,
)

__all__ = [
    "CONTROLS",
    "WHATIF_SCALES",
    "Controls",
    "RunCard",
    "Settings",
    "SettingsCard",
    "settings_differences",
]
PLAY_INTERVAL_MS = 150  # ▶ steps a quarter about this often (Mesa's "Play Interval")
UNCHANGED = "the scenario unchanged"
SAVED = "the saved settings"


@dataclass(frozen=True)
class Settings:
    """One moment's values of every control."""

    scenario_name: str
    scale: str
    seed: int
    multipliers: tuple[tuple[str, float], ...]

    def model_kwargs(self) -> dict:
        return {
            "scenario_name": self.scenario_name,
            "scale": self.scale,
            "seed": self.seed,
            **dict(self.multipliers),
        }


@dataclass(frozen=True)
class Controls:
    """The settings as reactive variables (per browser session), and the what-if's own."""

    scenario_name: solara.Reactive[str] = field(
        default_factory=lambda: solara.reactive(DEFAULT_SCENARIO)
    )
    scale: solara.Reactive[str] = field(
        default_factory=lambda: solara.reactive(ANIMATED_DEFAULT_SCALE)
    )
    seed: solara.Reactive[int] = field(default_factory=lambda: solara.reactive(DEFAULT_SEED))
    multipliers: dict[str, solara.Reactive[float]] = field(
        default_factory=lambda: {plan: solara.reactive(1.0) for plan in PLAN_TITLES}
    )
    whatif_scale: solara.Reactive[str] = field(
        default_factory=lambda: solara.reactive(DEFAULT_SCALE)
    )
    whatif_replicates: solara.Reactive[int] = field(default_factory=lambda: solara.reactive(2))
    compare_with: solara.Reactive[str] = field(default_factory=lambda: solara.reactive(UNCHANGED))
    saved: solara.Reactive[Settings | None] = field(default_factory=lambda: solara.reactive(None))
    selected: solara.Reactive[int | None] = field(default_factory=lambda: solara.reactive(None))

    def settings(self) -> Settings:
        """The values now (a component that calls this re-renders when one changes)."""
        return self._settings(lambda r: r.value)

    def peek_settings(self) -> Settings:
        """The values now, without re-rendering the caller when one changes: the page
        builds its first model from them, and must not redraw itself on every slider."""
        return self._settings(lambda r: r.peek())

    def _settings(self, read) -> Settings:
        return Settings(
            scenario_name=read(self.scenario_name),
            scale=read(self.scale),
            seed=max(0, int(read(self.seed))),  # the seed field refuses nothing
            multipliers=tuple((plan, float(read(r))) for plan, r in self.multipliers.items()),
        )


CONTROLS = Controls()  # Solara keeps each reactive variable's value per browser session


@solara.component
def SettingsCard(controls: Controls) -> None:
    """The scenario, the population, the seed and one budget slider per plan."""
    with solara.Card("Settings", classes=["rf-settings"]):
        solara.Select("Scenario", value=controls.scenario_name, values=library_names())
        solara.Select("Population scale", value=controls.scale, values=list(SCALES))
        solara.InputInt("Seed", value=controls.seed, continuous_update=False)
        for plan, title in PLAN_TITLES.items():
            solara.SliderFloat(
                f"{title} plan budget ×",
                value=controls.multipliers[plan],
                min=0.0,
                max=MAX_MULTIPLIER,
                step=0.1,
                thumb_label="always",
                tick_labels=False,
            )
        solara.Text(
            "Reset builds the animated ecosystem with these settings; the What if? panel "
            "follows them at once (its runs take a few seconds).",
            style={"font-size": "12px"},
        )


def settings_differences(built_with: dict, now: Settings) -> list[str]:
    """What the settings now would change in a run built with ``built_with`` (a
    ``ViewModel.built_with``), in words: ``Array plan budget × 1.0 → 1.5``."""
    names = {
        "scenario_name": "Scenario",
        "scale": "Population scale",
        "seed": "Seed",
        **{plan: f"{title} plan budget ×" for plan, title in PLAN_TITLES.items()},
    }
    changes = []
    for key, value in now.model_kwargs().items():
        was = built_with.get(key)
        if was != value:
            shown = (f"{was:.1f}", f"{value:.1f}") if isinstance(value, float) else (was, value)
            changes.append(f"{names.get(key, key)} {shown[0]} → {shown[1]}")
    return changes


def run_date(model: ViewModel) -> str:
    """Where the animated run is, in dates: ``2023 Q2 (quarter 10 of 40)``."""
    return f"{model.quarter_label()} (quarter {model.tick} of {model.params.n_ticks})"


@solara.component
def RunStatus(model: ViewModel, controls: Controls) -> None:
    """The animated run's date, and a mark when the settings have moved since its Reset."""
    update_counter.get()  # Mesa's Step and ▶ bump it: the date follows each quarter
    solara.Text(
        f"Animated run: {run_date(model)}",
        style={"font-weight": "bold", "font-size": "14px", "display": "block", "margin": "8px 0"},
        classes=["rf-run-date"],
    )
    changes = settings_differences(model.built_with, controls.settings())
    if changes:
        solara.Warning(
            "The animated run still uses the settings of its last Reset; the sliders now "
            "differ: " + "; ".join(changes) + ". Press Reset to apply them (the What if? "
            "panel already follows them).",
            dense=True,
            classes=["rf-out-of-sync"],
        )


@solara.component
def RunCard(model: solara.Reactive[ViewModel], controls: Controls) -> None:
    """Mesa's Reset, ▶ and Step for the animated run, its date, and what the buttons do.

    Mesa's own tuning controls are left out: the page plays a quarter every
    ``PLAY_INTERVAL_MS`` ms (Play Interval), draws every quarter (Render Interval) and
    steps in the server's worker thread (Use Threads off)."""
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    with solara.Card("Animated run", classes=["rf-run"]):
        ModelController(
            model,
            model_parameters={"controls": controls},
            play_interval=play_interval,
            render_interval=render_interval,
            use_threads=use_threads,
        )
        RunStatus(model.value, controls)
        solara.Text(
            "Reset builds the ecosystem with the settings below; Step simulates one "
            "quarter; ▶ plays quarter after quarter to the end of 2030 (❚❚ pauses).",
            style={"font-size": "12px", "display": "block", "margin-top": "8px"},
        )
