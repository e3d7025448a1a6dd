"""The panels of the interactive view, as Solara components.

The page (``viz.app``) calls each entry of ``PANELS`` with the current model whenever the
model steps or is reset. Each entry hands the model and its tick to a component, which redraws its
pictures only when the model or the tick changed: a slider moved without Reset, or the
theme toggled, costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import solara
from rainforest.sim.indicators import INDEX, spec
from rainforest.viz.cards import CARD_STYLE, png_image
from rainforest.viz.drawing import figure_png, output_figure, talent_figure
from rainforest.viz.model import PLAN_HELP, PLAN_TITLES, ViewModel
from rainforest.viz.network import InspectorPanel, NetworkPanel

# (indicator, what students read); all but consortia have a 2030 target in the plan.
COUNTERS: tuple[tuple[str, str], ...] = (
    ("future_technical_colleges", "Future technical colleges"),
    ("innovation_centers", "Innovation centers"),
    ("pilot_areas", "Pilot areas"),
    ("consortia", "Hand-in-hand consortia (active)"),
    ("leading_enterprises", "Leading enterprises"),
    ("ecosystem_leading_enterprises", "Ecosystem-leading enterprises"),
    ("high_tech_enterprises", "High-tech enterprises"),
)

TALENT_FIGURES: tuple[tuple[str, str], ...] = (
    ("talents", "Talents in Shanghai"),
    ("high_level_talents", "High-level talents"),
    ("talent_inflow", "Arrived this quarter"),
    ("talent_outflow", "Left this quarter"),
    ("startups_founded", "Start-ups founded"),
    ("startups_surviving", "Start-ups still alive"),
)


def _value(model: ViewModel, name: str) -> float:
    return float(model.latest[INDEX[name]])


@solara.component
def OutputPanel(model: ViewModel, tick: int) -> None:
    """Output value by cluster against the RMB 500 bn target."""
    png = solara.use_memo(lambda: figure_png(output_figure(model)), [model, tick])
    with solara.Card(classes=["rf-output"], style=CARD_STYLE):
        target = spec("output_value_bn").target
        solara.Text(
            f"Output value: {model.quarter_label()}: RMB "
            f"{_value(model, 'output_value_bn'):,.0f} bn a year (2030 target: {target:,.0f})",
            style={"font-weight": "bold"},
            classes=["rf-output-value"],
        )
        png_image(png)
        solara.Text(
            "Annualised revenue of Shanghai's firms in the sixteen future fields, stacked "
            "by cluster. The dashed line is the plan's 2030 target.",
            style={"font-size": "12px"},
        )


@solara.component
def CountersPanel(model: ViewModel, tick: int) -> None:
    """The plan's designations and firm counts against their 2030 targets."""
    with solara.Card(classes=["rf-counters"], style=CARD_STYLE):
        solara.Text(
            f"Against the 2030 targets: {model.quarter_label()}", style={"font-weight": "bold"}
        )
        for name, label in COUNTERS:
            value = _value(model, name)
            target = spec(name).target
            with solara.Row(justify="space-between", style={"margin-top": "6px"}):
                solara.Text(label)
                if target is None:
                    solara.Text(f"{value:,.0f} (no target set)", classes=[f"rf-count-{name}"])
                else:
                    solara.Text(f"{value:,.0f} / {target:,.0f}", classes=[f"rf-count-{name}"])
            if target is not None:
                reached = value >= target
                solara.ProgressLinear(
                    value=min(100.0, 100.0 * value / target),
                    color="success" if reached else "primary",
                )
        if not model.running:
            solara.Success(f"The run is over ({model.quarter_label()}).", dense=True)


@solara.component
def TalentPanel(model: ViewModel, tick: int) -> None:
    """Talents: how many, how many high-level, who comes and goes, who founds firms."""
    png = solara.use_memo(lambda: figure_png(talent_figure(model)), [model, tick])
    with solara.Card(classes=["rf-talents"], style=CARD_STYLE):
        solara.Text(f"Talents: {model.quarter_label()}", style={"font-weight": "bold"})
        with solara.GridFixed(columns=2, row_gap="2px", column_gap="24px"):
            for name, label in TALENT_FIGURES:
                with solara.Row(justify="space-between"):
                    solara.Text(label)
                    solara.Text(f"{_value(model, name):,.0f}", classes=[f"rf-talent-{name}"])
        png_image(png)
        solara.Text(
            "City-level counts: each simulated talent or firm stands for several real ones.",
            style={"font-size": "12px"},
        )


@solara.component
def PlansPanel(model: ViewModel) -> None:
    """What each plan does, and the money it has in this run."""
    with solara.Card(classes=["rf-plans"], style=CARD_STYLE):
        solara.Text(
            f"The six plans in this run ({model.run_scenario.name}, {model.run_scenario.scale})",
            style={"font-weight": "bold"},
        )
        for plan, title in PLAN_TITLES.items():
            if model.plan_enabled(plan):
                money = (
                    f"× {model.multipliers[plan]:.1f}: RMB {model.plan_budget(plan):.2f} bn a year"
                )
            else:
                money = "switched off in this scenario"
            with solara.Div(style={"margin-top": "8px", "font-size": "13px"}):
                solara.Text(title, style={"font-weight": "bold"})
                solara.Text(f" ({money}). ", classes=[f"rf-budget-{plan}"])
                solara.Text(PLAN_HELP[plan])


# Static text written here, not user input, so it is safe as inner HTML. (Solara's
# Markdown component would load KaTeX from the CDN, which solara-assets does not ship.)
GUIDE_HTML = """
<p><b>How to use it.</b> Pick a scenario and move the plans' budget sliders (× the
scenario's budget: 0 takes a plan's money away, 3 triples it). The <b>What if?</b> panel
answers in seconds (a bar shows while it computes): it runs the model from 2021 to 2030 a
few times (at city scale unless you pick another) and draws output against the target,
with the 2030 scorecard and each indicator's change (Δ, ▲ ▼), for your settings beside
the scenario unchanged, another scenario, or settings you saved. Press
<b>Reset</b> to build the animated ecosystem with your settings; <b>Step</b> simulates one
quarter, <b>▶</b> plays quarter after quarter until the end of 2030. Click a firm or an
institute on the network to inspect it: what it is, its ties (drawn bold) and its talents,
with each one's chance of leaving this quarter. The built-in scenarios start in 2021: two
settling years with only the support that existed before the plan, so the plan's effects
begin in 2023. The seed changes the random draws, not the rules: compare two seeds to see
how much is luck.</p>
<p><b>What the network shows.</b> Organisations (firms and institutes) are nodes; talents
work in them and move along ties. A grey line is a partnership two organisations formed
because each expected to learn from the other; unless renewed it weakens and is dropped.
A pink line is a funded Hand-in-hand consortium (leader, partner firms, an institute). A
black line joins an innovation center to its member firms. Knowledge spills over ties;
firms with more knowledge mature their technology (TRL) faster; at TRL 7 they sell, and
their dots grow with their revenue. Firms that run out of money close and disappear;
start-ups founded by talents appear in their field's slice.</p>
<p><b>The charts.</b> Output value is the future fields' revenue, against the plan's
RMB 500 bn target for 2030. The counters compare the designations and firm counts with
the plan's 2030 targets.</p>
"""


# From docs/VALIDATION.md section 4 ("Under each market form"); static text, safe as HTML.
EXPECTATIONS_HTML = """
<p><b>What the model expects, and why.</b> Under the default market
(<code>market.form = frontier</code>: China's market and exports, five competitor regions
and a world frontier everyone catches up with), calibrated on every observation of
2021-25, the model puts the plan's 2030 output at about <b>RMB 610 bn</b> (median over
128 posterior draws, 5-95 %: 463-841), over the RMB 500 bn target in 90 % of draws;
without the plan (<code>baseline</code>) about RMB 546 bn, so the plan adds about RMB
66 bn (+12 %). Shanghai's share of China's market drifts from 0.11 to 0.08 by 2030 as
competitors catch up; the plans slow that loss, and a national market growing about
6.5 % a year carries output up every year.</p>
<p><b>Caveats.</b> The answer turns on the market's form. Under the earlier form
(<code>market.form = compounding_outside</code>, an outside option that improves for
ever) the plan's 2030 output is about <b>RMB 180 bn</b> (81-522), about a third of the
target: output peaks around 2026, then falls as competitors' progress compounds. Both
forms meet the 2021-25 observations each can meet, and neither is ruled out by them; the
intervals include neither the choice of form nor the calibration's choices. The What if?
panel runs the scenario's own parameters on a few seeds, not the posterior ensemble
(<code>rainforest run action_plan --posterior</code>): read its direction and size of
change, not its level.</p>
<p><b>Designated when ready.</b> The schedule of future technical colleges, innovation
centers (Foundation plan) and pilot areas (Leading plan) is the government's intention:
one is designated only when a candidate meets its readiness gates (an institute's
knowledge and partner firms; a district's firms, sellers and knowledge in the cluster) and
the plan's money covers it, so counts can fall short of the schedule (Foundation × 0
takes away every center and nearly every college). Output, leading, ecosystem-leading and high-tech
enterprises are results of the firms' choices.</p>
"""


@solara.component
def ExpectationsPanel() -> None:
    """What the model expects by 2030 under each market form, and when designations are made."""
    with solara.Card(classes=["rf-expectations"], style=CARD_STYLE):
        solara.HTML(tag="div", unsafe_innerHTML=EXPECTATIONS_HTML, style="font-size: 13px")


@solara.component
def GuidePanel() -> None:
    """How to use the page and how to read the network."""
    with solara.Card(classes=["rf-guide"], style=CARD_STYLE):
        solara.HTML(tag="div", unsafe_innerHTML=GUIDE_HTML, style="font-size: 13px")


def network_panel(model: ViewModel) -> solara.Element:
    return NetworkPanel(model=model, tick=model.tick)


def inspector_panel(model: ViewModel) -> solara.Element:
    return InspectorPanel(model=model, tick=model.tick)


def output_panel(model: ViewModel) -> solara.Element:
    return OutputPanel(model=model, tick=model.tick)


def counters_panel(model: ViewModel) -> solara.Element:
    return CountersPanel(model=model, tick=model.tick)


def talent_panel(model: ViewModel) -> solara.Element:
    return TalentPanel(model=model, tick=model.tick)


def plans_panel(model: ViewModel) -> solara.Element:
    return PlansPanel(model=model)


def guide_panel(model: ViewModel) -> solara.Element:
    return GuidePanel()


def expectations_panel(model: ViewModel) -> solara.Element:
    return ExpectationsPanel()


PANELS: tuple[Callable[[ViewModel], solara.Element], ...] = (
    network_panel,
    inspector_panel,
    output_panel,
    counters_panel,
    talent_panel,
    plans_panel,
    expectations_panel,
    guide_panel,
)
