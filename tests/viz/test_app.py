"""The page, rendered with Solara's own test API (no browser, no server).

The page is rendered inside ``solara.AppLayout``, as Solara's server does, so that the
sidebar (Mesa's controls and the model's parameters) is part of the widget tree.
"""

from __future__ import annotations

import statistics
import time

import ipyvuetify as v
import ipywidgets
import pytest
import solara
from rainforest.viz.app import Page

STEP_RENDER_LIMIT_S = 1.0


@pytest.fixture()
def page():
    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    try:
        yield rc
    finally:
        rc.close()


def text_of(rc, css_class: str) -> str:
    """The text of the one ``solara.Text`` carrying ``css_class``."""
    return rc.find(v.Html, class_=css_class).widget.children[0]


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def step_counter(rc) -> int:
    """The quarters stepped, as Mesa's "Time: " line in the sidebar shows them."""
    texts = [w.children[0] for w in rc.find(v.Html, tag="span").widgets if w.children]
    line = next(t for t in texts if isinstance(t, str) and t.startswith("Time: "))
    return int(float(line.removeprefix("Time: ")))


def test_the_page_renders_its_panels_and_controls(page):
    rc = page
    labels = {w.label for w in rc.find(v.Slider).widgets}
    for plan in ("Foundation", "Leading", "Hand-in-hand", "Open source", "Array", "Rainforest"):
        assert f"{plan} plan budget ×" in labels
    assert "Seed" in labels
    selects = {w.label: w for w in rc.find(v.Select).widgets}
    assert "action_plan" in selects["Scenario"].items
    assert selects["Population scale"].items == ["classroom", "district"]
    for label in ("Reset", "▶", "Step"):
        rc.find(v.Btn, children=[label]).assert_single()
    assert step_counter(rc) == 0
    images = rc.find(ipywidgets.Image).widgets
    assert len(images) == 3  # network, output, talents
    assert all(img.value[:8] == b"\x89PNG\r\n\x1a\n" for img in images)
    assert text_of(rc, "rf-count-innovation_centers") == "0 / 15"
    # the run starts in the settling year 2021; the panel shows the plan's own budget
    assert text_of(rc, "rf-budget-array") == " (× 1.0: RMB 1.50 bn a year). "
    assert text_of(rc, "rf-output-value").endswith("(2030 target: 500)")
    guide = rc.find(solara.widgets.HTML).widgets
    assert any("What the network shows" in (w.unsafe_innerHTML or "") for w in guide)


def test_step_advances_the_model(page):
    rc = page
    network = rc.find(ipywidgets.Image).widgets[0].value
    for _ in range(9):  # through the settling years into the plan's first quarter
        click(rc, "Step")
    assert step_counter(rc) == 9
    assert text_of(rc, "rf-count-innovation_centers") != "0 / 15"
    assert text_of(rc, "rf-budget-array") == " (× 1.0: RMB 1.50 bn a year). "
    assert int(text_of(rc, "rf-talent-talents").replace(",", "")) > 0
    assert rc.find(ipywidgets.Image).widgets[0].value != network


def test_reset_with_a_changed_slider_builds_a_model_with_the_new_budget(page):
    rc = page
    click(rc, "Step")
    rc.find(v.Slider, label="Array plan budget ×").widget.v_model = 2.0
    rc.find(v.Slider, label="Foundation plan budget ×").widget.v_model = 0.0
    # The slider alone does not change the running model ...
    assert text_of(rc, "rf-budget-array") == " (× 1.0: RMB 1.50 bn a year). "
    click(rc, "Reset")
    # ... Reset builds a new one with twice the Array plan's and none of Foundation's money.
    assert step_counter(rc) == 0
    assert text_of(rc, "rf-budget-array") == " (× 2.0: RMB 3.00 bn a year). "
    assert text_of(rc, "rf-budget-foundation") == " (× 0.0: RMB 0.00 bn a year). "
    assert text_of(rc, "rf-budget-leading") == " (× 1.0: RMB 2.50 bn a year). "
    click(rc, "Step")
    # No Foundation money: no innovation center can be designated.
    assert text_of(rc, "rf-count-innovation_centers") == "0 / 15"


def test_reset_with_another_scenario(page):
    rc = page
    rc.find(v.Select, label="Scenario").widget.v_model = "no_array"
    click(rc, "Reset")
    assert text_of(rc, "rf-budget-array") == " (switched off in this scenario). "


def test_one_step_renders_in_under_a_second(page):
    rc = page
    click(rc, "Step")  # the first step also warms up matplotlib and the compiled rules
    times = []
    for _ in range(3):
        start = time.perf_counter()
        click(rc, "Step")
        times.append(time.perf_counter() - start)
    assert step_counter(rc) == 4
    assert statistics.median(times) < STEP_RENDER_LIMIT_S, times
