"""The interactive view: ``rainforest viz``, or ``solara run viz/app.py``.

A Mesa SolaraViz page. The sidebar holds the settings (the scenario, the population
scale, the seed and one budget slider per plan; ``viz.controls``) and Mesa's controls
(Reset, Play, Step). The main area holds the panels of ``viz.panels``: what the settings
do by 2030 (compiled runs, against a comparison), the innovation network, output value
against the target, the designation counters, the talents, the plans and a guide.

Every browser session builds its own model, so two students on one server do not step
each other's simulation.
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz
from rainforest.viz.controls import CONTROLS, SettingsCard
from rainforest.viz.model import ViewModel
from rainforest.viz.panels import PANELS
from rainforest.viz.whatif import WhatIfPanel

TITLE = "rainforest: Shanghai's future-industry ecosystem"

INTRO_HTML = (
    "Move a plan's budget slider on the left: the <b>What if?</b> panel shows at once what "
    "it does by 2030 (compiled runs, at city scale by default). Press <b>Reset</b> to build "
    "the animated ecosystem with the same settings, then <b>Step</b> (one quarter) or "
    "<b>▶</b> (play to 2030); click an organisation on the network to inspect it. The "
    "guide at the bottom explains what you see."
)

# SolaraViz shows a tab per page of components (this page has one) and a card for the
# model parameters it holds (this page holds its own, in the Settings card): both hidden.
# A setting's slider takes the sidebar's width under its label, with room for its value.
PAGE_CSS = """
.rf-page .v-tabs { display: none; }
.v-navigation-drawer .v-card:has(> .v-card__text > .v-sheet:empty) { display: none; }
.rf-settings .v-input__slider .v-input__slot { flex-wrap: wrap; }
.rf-settings .v-input__slider .v-input__slot > .v-label { flex: 0 0 100%; margin-bottom: 28px; }
"""


def model_params() -> dict:
    """SolaraViz's one parameter: the session's controls, which Reset reads (viz.controls)."""
    return {"controls": CONTROLS}


def whatif_panel(model: ViewModel) -> solara.Element:
    return WhatIfPanel(controls=CONTROLS)


@solara.component
def Page() -> None:
    """The whole page; one model and one set of settings per browser session."""
    model = solara.use_memo(lambda: ViewModel(controls=CONTROLS), [])
    solara.Style(PAGE_CSS)
    with solara.Sidebar():
        SettingsCard(CONTROLS)
    with solara.Column(classes=["rf-page"]):
        solara.HTML(tag="p", unsafe_innerHTML=INTRO_HTML, style="padding: 8px 12px 0px 12px")
        SolaraViz(
            model,
            None,
            components=[whatif_panel, *PANELS],
            model_params=model_params(),
            name=TITLE,
            play_interval=150,
        )
