"""The innovation network panel, and the inspector of the organisation clicked on it.

The network is one picture (matplotlib, drawn on the server). A click on it reports where
it fell as fractions of the picture; the nearest organisation drawn there, if any is
close, is selected: the network rings it and draws its ties bold, and the inspector shows
what it is, who it is tied to and who works there, read from the Mesa face's agents.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import pandas as pd
import solara
from rainforest.agents.organisations import INSTITUTE_KINDS, ORIGINS, Enterprise
from rainforest.agents.talent import LEVELS
from rainforest.scenarios.fields import CLUSTERS, FIELDS
from rainforest.sim.params import EDGE_KINDS, TIERS
from rainforest.viz.cards import CARD_STYLE
from rainforest.viz.controls import CONTROLS
from rainforest.viz.drawing import figure_png, network_figure, network_point
from rainforest.viz.layout import nearest_organisation
from rainforest.viz.model import ViewModel

NETWORK_CAPTION = (
    "Each disc is one of the five clusters, sliced by field; institutes sit in the middle. "
    "Click a firm or an institute to inspect it. The guide below explains the ties."
)


@solara.component_vue("network_image.vue")
def NetworkImage(src: str, event_click: Callable[[dict], None]) -> None:
    """The network picture; a click reports where it fell, as fractions of the image."""


def _selected(model: ViewModel) -> int | None:
    org = CONTROLS.selected.value
    n_orgs = model.n_institutes + len(model.enterprises)
    return org if org is not None and 0 <= org < n_orgs else None


@solara.component
def NetworkPanel(model: ViewModel, tick: int) -> None:
    """The innovation network, drawn where the layout put each organisation; a click on an
    organisation selects it for the inspector and draws its ties bold."""
    selected = _selected(model)

    def draw():
        fig = network_figure(model, selected=selected)
        return figure_png(fig), fig

    png, fig = solara.use_memo(draw, [model, tick, selected])

    def on_click(where: dict) -> None:
        x, y = network_point(fig, float(where["x"]), float(where["y"]))
        CONTROLS.selected.set(nearest_organisation(model, model.layout.positions(model), x, y))

    firms = sum(1 for e in model.enterprises if e.alive)
    with solara.Card(classes=["rf-network"], style=CARD_STYLE):
        solara.Text(
            f"The innovation network: {model.quarter_label()}: {firms} firms, "
            f"{len(model.institutes)} institutes, {model.graph.number_of_edges()} ties",
            style={"font-weight": "bold"},
        )
        NetworkImage(
            src="data:image/png;base64," + base64.b64encode(png).decode(), event_click=on_click
        )
        solara.Text(NETWORK_CAPTION, style={"font-size": "12px"})


TIER_WORDS = {"leading": "leading firm", "sme": "small or medium firm", "startup": "start-up"}
PARTNERS_SHOWN = 20


def org_title(org) -> str:
    """An organisation in words, as the inspector's title names it: ``Firm 812: a
    start-up in synthetic biology (health cluster)``."""
    if isinstance(org, Enterprise):
        tier = TIER_WORDS.get(TIERS[org.tier], TIERS[org.tier])
        field = FIELDS[org.field].replace("_", " ")
        return f"Firm {org.org_id}: a {tier} in {field} ({CLUSTERS[org.cluster]} cluster)"
    return (
        f"Institute {org.org_id}: a {INSTITUTE_KINDS[org.kind]} in the "
        f"{CLUSTERS[org.cluster]} cluster"
    )


def org_name(model: ViewModel, org_id: int) -> str:
    """An organisation's short name: ``Institute 3``, ``Firm 45``."""
    return f"{'Institute' if org_id < model.n_institutes else 'Firm'} {org_id}"


def _facts(org) -> list[tuple[str, str]]:
    """What a student reads about an organisation, in the order they ask."""
    model = org.model
    if isinstance(org, Enterprise):
        facts = [
            ("kind", f"firm ({TIERS[org.tier]}, {ORIGINS[org.origin]}), standing for {org.weight}"),
            ("field", f"{FIELDS[org.field]} ({CLUSTERS[org.cluster]})"),
            ("alive", "yes" if org.alive else "no: it exited"),
            ("TRL", f"{org.trl}" + (" (can sell)" if org.can_sell() else "")),
            ("knowledge in its field", f"{org.own_knowledge():.2f}"),
            ("revenue", f"RMB {4 * org.revenue:.2f} bn a year"),
            ("capital", f"RMB {org.capital:.2f} bn"),
            ("district", f"{org.district}" + (" (in a pilot area)" if org.in_pilot_area() else "")),
            ("consortium", "none" if org.consortium < 0 else f"#{org.consortium}"),
            ("demonstration", "running" if org.demo_active() else "none"),
            ("innovation center member", "yes" if org.center_member() else "no"),
        ]
    else:
        designations = [d for d, on in (("future technical college", org.college),
                                        ("innovation center", org.center)) if on]  # fmt: skip
        facts = [
            ("kind", f"{INSTITUTE_KINDS[org.kind]}, standing for {org.weight}"),
            ("cluster", CLUSTERS[org.cluster]),
            ("designations", ", ".join(designations) or "none"),
            ("knowledge in its cluster", f"{org.own_knowledge():.2f}"),
            ("research money", f"RMB {org.research_funding:.3f} bn this quarter"),
            ("district", f"{org.district}"),
        ]
    ties = org.ties()
    kinds = ", ".join(
        f"{sum(t['kind'] == k for t in ties)} {name}" for k, name in enumerate(EDGE_KINDS)
    )
    facts.append(("ties", f"{len(ties)} ({kinds})"))
    facts.append(
        ("talents", f"{len(org.talents)} simulated ({len(org.talents) * model.talent_weight} real)")
    )
    return facts


@solara.component
def InspectorPanel(model: ViewModel, tick: int) -> None:
    """The organisation clicked on the network: what it is, its ties, its talents."""
    selected = _selected(model)
    with solara.Card(classes=["rf-inspector"], style=CARD_STYLE):
        if selected is None:
            solara.Text("Inspector", style={"font-weight": "bold", "display": "block"})
            solara.Text(
                "Click a firm or an institute on the network to see what it is, who it is "
                "tied to and who works there.",
                style={"font-size": "13px", "display": "block"},
            )
            return
        org = model.org(selected)
        solara.Text(
            f"Inspector: {org_title(org)}, in {model.quarter_label()}",
            style={"font-weight": "bold"},
            classes=["rf-inspector-title"],
        )
        with solara.Div(style={"font-size": "13px"}):
            for name, value in _facts(org):
                with solara.Row(justify="space-between"):
                    solara.Text(name)
                    solara.Text(value, classes=[f"rf-inspect-{name.replace(' ', '-')}"])
            partners = org.partners
            if partners:
                more = len(partners) - PARTNERS_SHOWN
                solara.Text(
                    "Tied to (click one to inspect it)"
                    + (f", the first {PARTNERS_SHOWN} of {len(partners)}:" if more > 0 else ":")
                )
                with solara.Row(gap="2px", style={"flex-wrap": "wrap"}):
                    for partner in partners[:PARTNERS_SHOWN]:
                        solara.Button(
                            org_name(model, partner), text=True, small=True,
                            on_click=lambda p=partner: CONTROLS.selected.set(p),
                            classes=["rf-inspect-partner"],
                        )  # fmt: skip
        talents = org.talents
        if talents:
            solara.Text(
                f"Its talents ({len(talents)})", style={"font-weight": "bold", "margin-top": "8px"}
            )
            rows = [
                {"id": t.talent_id, "field": FIELDS[t.field], "skill": round(t.skill, 2),
                 "level": LEVELS[t.level], "quarters here": t.tenure,
                 "leave chance": f"{100 * t.leave_probability():.1f} %"}
                for t in talents[:50]
            ]  # fmt: skip
            solara.DataFrame(pd.DataFrame(rows), items_per_page=10)
