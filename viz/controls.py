"""The page's settings: one set per browser session, read by Reset and by the what-if panel.

Mesa's SolaraViz rebuilds the model on Reset as ``model.__class__(**params)``. Its own
parameter inputs hold their values inside SolaraViz, where no other panel can see them,
and show no numbers on their sliders. The page therefore keeps its settings in Solara
reactive variables (each browser session has its own values) and hands SolaraViz a
single fixed parameter, ``controls``: Reset builds the model from the settings as they
are then, and the what-if panel re-runs whenever one of them changes, without Reset.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import solara
from rainforest.scenarios.loader import library_names
from rainforest.viz.model import (
    DEFAULT_SCENARIO,
    MAX_MULTIPLIER,
    PLAN_TITLES,
    SCALES,
    WHATIF_SCALES,
)

__all__ = ["CONTROLS", "WHATIF_SCALES", "Controls", "Settings", "SettingsCard"]
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
    scale: solara.Reactive[str] = field(default_factory=lambda: solara.reactive("classroom"))
    seed: solara.Reactive[int] = field(default_factory=lambda: solara.reactive(0))
    multipliers: dict[str, solara.Reactive[float]] = field(
        default_factory=lambda: {plan: solara.reactive(1.0) for plan in PLAN_TITLES}
    )
    whatif_scale: solara.Reactive[str] = field(default_factory=lambda: solara.reactive("city"))
    whatif_replicates: solara.Reactive[int] = field(default_factory=lambda: solara.reactive(2))
    compare_with: solara.Reactive[str] = field(default_factory=lambda: solara.reactive(UNCHANGED))
    saved: solara.Reactive[Settings | None] = field(default_factory=lambda: solara.reactive(None))
    selected: solara.Reactive[int | None] = field(default_factory=lambda: solara.reactive(None))

    def settings(self) -> Settings:
        """The values now (a component that calls this re-renders when one changes)."""
        return Settings(
            scenario_name=self.scenario_name.value,
            scale=self.scale.value,
            seed=max(0, int(self.seed.value)),  # the seed field refuses nothing
            multipliers=tuple((plan, float(r.value)) for plan, r in self.multipliers.items()),
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
            "Reset builds the ecosystem with these settings; the what-if panel follows them "
            "at once.",
            style={"font-size": "12px"},
        )
