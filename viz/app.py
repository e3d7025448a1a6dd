"""The interactive view: ``rainforest viz``, or ``solara run viz/app.py``.

A Solara page around a Mesa model. The sidebar holds Mesa's Reset, ▶ and Step with the
animated run's date (``viz.controls.RunCard``), then the settings (the scenario, the
population scale, the seed and one budget slider per plan). The main area holds the
What if? panel (compiled runs to 2030 against a comparison, with its scorecard beside
its chart) and, below it, the panels of ``viz.panels``: the innovation network and its
inspector, output value against the target, the designation counters, the talents, the
plans, what the model expects, and a guide.

The page lays the panels out itself rather than through Mesa's SolaraViz, whose grid
gives every panel the same fixed height (the what-if's scorecard fell below its fold) and
whose sidebar puts its tuning sliders above the buttons. Mesa's ``ModelController`` still
runs the model; Mesa's ``update_counter`` tells the panels a quarter was stepped.

Every browser session builds its own model, so two students on one server do not step
each other's simulation.
"""

from __future__ import annotations

import solara
import solara.lab
from mesa.visualization.utils import update_counter
from rainforest.viz.controls import CONTROLS, RunCard, SettingsCard
from rainforest.viz.model import ViewModel
from rainforest.viz.panels import PANELS
from rainforest.viz.whatif import WhatIfPanel

TITLE = "rainforest: Shanghai's future-industry ecosystem"

INTRO_HTML = (
    "Move a plan's budget slider on the left: the <b>What if?</b> panel shows what it does "
    "by 2030 (compiled runs, at city scale by default), as the change against a comparison. "
    "Press <b>Reset</b> to build the animated ecosystem with the same settings, then "
    "<b>Step</b> (one quarter) or <b>▶</b> (play to 2030); click an organisation on the "
    "network to inspect it. <b>What the model expects</b> and the guide are at the bottom."
)

# Two columns of panels under the what-if, each as tall as its content; room at the
# bottom for Solara's badge. A setting's slider takes the sidebar's width under its label,
# with room for its value.
PAGE_CSS = """
.rf-panels { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px; }
.rf-page { padding-bottom: 56px; }
.rf-settings .v-input__slider .v-input__slot { flex-wrap: wrap; }
.rf-settings .v-input__slider .v-input__slot > .v-label { flex: 0 0 100%; margin-bottom: 28px; }
"""


@solara.component
def Panels(model: ViewModel) -> None:
    """The model's panels; redrawn when Mesa's Step or ▶ bumps its update counter."""
    update_counter.get()
    with solara.Div(classes=["rf-panels"]):
        for panel in PANELS:
            panel(model)


@solara.component
def Page() -> None:
    """The whole page; one model and one set of settings per browser session."""
    first = solara.use_memo(lambda: ViewModel(**CONTROLS.peek_settings().model_kwargs()), [])
    model = solara.use_reactive(first)
    solara.Style(PAGE_CSS)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
        solara.lab.ThemeToggle()
    with solara.Sidebar():
        RunCard(model, CONTROLS)
        SettingsCard(CONTROLS)
    with solara.Column(classes=["rf-page"], style={"padding": "0px 12px"}):
        solara.HTML(tag="p", unsafe_innerHTML=INTRO_HTML, style="margin: 8px 0px 4px 0px")
        WhatIfPanel(controls=CONTROLS)
        Panels(model.value)
