"""The interactive view: ``rainforest viz``, or ``solara run viz/app.py``.

A Mesa SolaraViz page. The sidebar holds Mesa's controls (Reset, Play, Step) and this
model's parameters: the scenario, the population scale, the seed and one budget slider
per plan. The main area holds the panels of ``viz.panels``: the innovation network, output
value against the target, the designation counters, the talents, the plans and a guide.

Every browser session builds its own model, so two students on one server do not step
each other's simulation.
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz
from rainforest.scenarios.loader import library_names
from rainforest.viz.model import DEFAULT_SCENARIO, MAX_MULTIPLIER, PLAN_TITLES, SCALES, ViewModel
from rainforest.viz.panels import PANELS

TITLE = "rainforest: Shanghai's future-industry ecosystem"

INTRO_HTML = (
    "Move a plan's budget slider on the left, press <b>Reset</b> to build the ecosystem "
    "with it, then <b>Step</b> (one quarter) or <b>▶</b> (play to 2030). Sliders take "
    "effect on Reset; the guide at the bottom explains what you see."
)


def model_params() -> dict[str, dict]:
    """The controls, in Mesa's format; each key is a keyword of ``ViewModel``."""
    params: dict[str, dict] = {
        "scenario_name": {  # Mesa 3.5 reserves the keyword ``scenario``
            "type": "Select",
            "value": DEFAULT_SCENARIO,
            "values": library_names(),
            "label": "Scenario",
        },
        "scale": {
            "type": "Select",
            "value": "classroom",
            "values": list(SCALES),
            "label": "Population scale",
        },
        "seed": {"type": "SliderInt", "value": 0, "min": 0, "max": 99, "step": 1, "label": "Seed"},
    }
    for plan, title in PLAN_TITLES.items():
        params[plan] = {
            "type": "SliderFloat",
            "value": 1.0,
            "min": 0.0,
            "max": MAX_MULTIPLIER,
            "step": 0.1,
            "label": f"{title} plan budget ×",
        }
    return params


@solara.component
def Page() -> None:
    """The whole page; one model per browser session."""
    model = solara.use_memo(ViewModel, [])
    solara.HTML(tag="p", unsafe_innerHTML=INTRO_HTML, style="padding: 8px 12px 0px 12px")
    SolaraViz(
        model,
        None,
        components=list(PANELS),
        model_params=model_params(),
        name=TITLE,
        play_interval=150,
    )
