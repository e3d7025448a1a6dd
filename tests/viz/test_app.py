"""The page, rendered with Solara's own test API (no browser, no server).

The page is rendered inside ``solara.AppLayout``, as Solara's server does, so that the
sidebar (Mesa's Reset, ▶ and Step and the settings) is part of the widget tree. The what-if
computes in a thread: ``settled`` waits for its answer.
"""

from __future__ import annotations

import re
import statistics
import time

import ipyvuetify as v
import ipywidgets
import pytest
import solara
from rainforest.viz.app import Page
from rainforest.viz.controls import CONTROLS, UNCHANGED

STEP_RENDER_LIMIT_S = 1.0
WHATIF_LIMIT_S = 120.0


def reset_controls(whatif_scale: str = "classroom") -> None:
    """The session's settings as a new browser session has them (the what-if at classroom
    scale, so that each test's page renders quickly)."""
    CONTROLS.scenario_name.set("action_plan")
    CONTROLS.scale.set("classroom")
    CONTROLS.seed.set(0)
    for multiplier in CONTROLS.multipliers.values():
        multiplier.set(1.0)
    CONTROLS.whatif_scale.set(whatif_scale)
    CONTROLS.whatif_replicates.set(2)
    CONTROLS.compare_with.set(UNCHANGED)
    CONTROLS.saved.set(None)


def busy(rc) -> bool:
    """Whether the server shows the what-if's busy sign (``viz/whatif_busy.vue``)."""
    pending = [rc.find(v.Card, class_="ma-2 rf-whatif").widget]
    while pending:
        widget = pending.pop()
        if "busy" in getattr(widget, "trait_names", lambda: [])():
            return bool(widget.busy)
        pending.extend(getattr(widget, "children", None) or [])
    raise LookupError("no busy sign in the what-if")


def _quiet(rc, check) -> bool:
    """``check(rc)`` with no render under way or owed, before and after: the what-if's
    thread renders too, and a change made while it renders is rendered by it, after the
    change returned. (Holding the render lock here would lose that render.)"""

    def idle() -> bool:
        return not rc.thread_lock.locked() and not getattr(rc, "_rerender_needed", False)

    return idle() and check(rc) and idle()


def _answered(rc) -> bool:
    return not busy(rc) and bool(rc.find(v.Html, class_="rf-whatif-headline").widgets)


def settled(rc):
    """The page once the what-if has answered the settings as they are now."""
    deadline = time.monotonic() + WHATIF_LIMIT_S
    while not _quiet(rc, _answered):
        assert time.monotonic() < deadline, "the what-if did not answer"
        time.sleep(0.05)
    return rc


def shows_busy_at_once(rc) -> bool:
    """Whether the busy sign shows within the browser test's 200 ms of a change."""
    deadline = time.monotonic() + 0.2
    while not _quiet(rc, busy):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture()
def page():
    reset_controls()
    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    try:
        yield settled(rc)
    finally:
        rc.close()


def text_of(rc, css_class: str) -> str:
    """The text of the one ``solara.Text`` carrying ``css_class``."""
    return rc.find(v.Html, class_=css_class).widget.children[0]


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def step_counter(rc) -> int:
    """The quarters stepped, as the sidebar's date line shows them ("... (quarter 9 of 40)")."""
    line = text_of(rc, "rf-run-date")
    return int(line.split("(quarter ")[1].split(" of ")[0])


def test_the_page_renders_its_panels_and_controls(page):
    rc = page
    labels = {w.label for w in rc.find(v.Slider).widgets}
    for plan in ("Foundation", "Leading", "Hand-in-hand", "Open source", "Array", "Rainforest"):
        assert f"{plan} plan budget ×" in labels
    assert rc.find(v.Slider, label="Array plan budget ×").widget.thumb_label == "always"
    assert rc.find(v.TextField, label="Seed").widget.v_model == "0"
    selects = {w.label: w for w in rc.find(v.Select).widgets}
    assert "action_plan" in selects["Scenario"].items
    assert selects["Population scale"].items == ["classroom", "district"]
    for label in ("Reset", "▶", "Step"):
        rc.find(v.Btn, children=[label]).assert_single()
    assert step_counter(rc) == 0
    assert text_of(rc, "rf-run-date") == "Animated run: start of 2021 (quarter 0 of 40)"
    # Mesa's tuning controls are left out; its buttons come first in the sidebar
    assert not any("Interval" in (w.label or "") for w in rc.find(v.Slider).widgets)
    assert not rc.find(v.Checkbox, label="Use Threads").widgets
    assert not rc.find(v.Html, class_="rf-out-of-sync").widgets
    images = rc.find(ipywidgets.Image).widgets
    assert len(images) == 3  # what-if, output, talents (the network is a clickable picture)
    assert network_src(rc).startswith("data:image/png;base64,")
    assert all(img.value[:8] == b"\x89PNG\r\n\x1a\n" for img in images)
    assert text_of(rc, "rf-count-innovation_centers") == "0 / 15"
    # the run starts in the settling year 2021; the panel shows the plan's own budget
    assert text_of(rc, "rf-budget-array") == " (× 1.0: RMB 1.50 bn a year). "
    assert text_of(rc, "rf-output-value").endswith("(2030 target: 500)")
    guide = rc.find(solara.widgets.HTML).widgets
    assert any("What the network shows" in (w.unsafe_innerHTML or "") for w in guide)
    expects = next(
        w.unsafe_innerHTML for w in guide if "What the model expects, and why" in w.unsafe_innerHTML
    )
    assert "RMB 610 bn" in expects and "RMB 180 bn" in expects  # VALIDATION.md section 4
    assert "Designated when ready" in expects and "pilot areas" in expects


def test_step_advances_the_model(page):
    rc = page
    network = network_src(rc)
    for _ in range(9):  # through the settling years into the plan's first quarter
        click(rc, "Step")
    assert step_counter(rc) == 9
    assert text_of(rc, "rf-run-date").startswith("Animated run: 2023 Q1 ")
    assert text_of(rc, "rf-count-innovation_centers") != "0 / 15"
    assert text_of(rc, "rf-budget-array") == " (× 1.0: RMB 1.50 bn a year). "
    assert int(text_of(rc, "rf-talent-talents").replace(",", "")) > 0
    assert network_src(rc) != network


def test_reset_with_a_changed_slider_builds_a_model_with_the_new_budget(page):
    rc = page
    click(rc, "Step")
    rc.find(v.Slider, label="Array plan budget ×").widget.v_model = 2.0
    rc.find(v.Slider, label="Foundation plan budget ×").widget.v_model = 0.0
    # The slider alone does not change the animated model, which is marked out of date ...
    assert text_of(rc, "rf-budget-array") == " (× 1.0: RMB 1.50 bn a year). "
    mark = rc.find(v.Alert, class_="rf-out-of-sync").widget.children[0]
    assert "Array plan budget × 1.0 → 2.0" in mark and "Foundation plan budget ×" in mark
    click(rc, "Reset")
    assert not rc.find(v.Alert, class_="rf-out-of-sync").widgets
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


def network_image(rc):
    """The clickable network picture (a Vue template widget with a ``src``)."""
    pending = [rc.find(v.Card, class_="ma-2 rf-network").widget]
    while pending:
        widget = pending.pop()
        if "src" in getattr(widget, "trait_names", lambda: [])():
            return widget
        pending.extend(getattr(widget, "children", None) or [])
    raise LookupError("no network picture on the page")


def network_src(rc) -> str:
    return network_image(rc).src


def whatif_line(rc, indicator: str = "output_value_bn") -> str:
    """``these settings | the comparison`` in the scorecard, once the what-if answered."""
    settled(rc)
    return f"{text_of(rc, f'rf-whatif-ours-{indicator}')} | " + text_of(
        rc, f"rf-whatif-theirs-{indicator}"
    )


def test_a_slider_shows_a_busy_sign_then_the_change_in_numbers(page):
    rc = page
    assert text_of(rc, "rf-whatif-delta-innovation_centers") == "= no change"
    rc.find(v.Slider, label="Foundation plan budget ×").widget.v_model = 0.0
    assert shows_busy_at_once(rc)  # before any run finishes
    settled(rc)
    # centers and colleges go with their money (how many the plan makes on a seed depends
    # on which institutes are ready by then)
    assert re.fullmatch(r"▼ -\d+ \(-100 %\)", text_of(rc, "rf-whatif-delta-innovation_centers"))
    colleges = re.fullmatch(
        r"▼ -\d+ \(-(\d+) %\)", text_of(rc, "rf-whatif-delta-future_technical_colleges")
    )
    assert colleges and int(colleges.group(1)) >= 75
    assert "against action_plan unchanged" in text_of(rc, "rf-whatif-headline")


def test_a_slider_shows_the_emulators_answer_at_once_then_the_real_runs(page):
    rc = page
    rc.find(v.Slider, label="Foundation plan budget ×").widget.v_model = 0.0

    def instant(rc) -> bool:
        return bool(rc.find(v.Html, class_="rf-whatif-instant-headline").widgets)

    deadline = time.monotonic() + 1.0  # the real runs take longer: SETTLE_S, then runs
    while not _quiet(rc, instant):
        assert time.monotonic() < deadline, "no instant answer within a second"
        time.sleep(0.01)
    assert busy(rc)
    assert "the emulator's answer, real runs computing" in text_of(rc, "rf-whatif-instant-headline")
    assert text_of(rc, "rf-instant-delta-innovation_centers").startswith("▼ -")
    assert re.search(r"answered in \d+ ms", text_of(rc, "rf-whatif-instant-time"))
    settled(rc)
    assert not instant(rc)  # the real runs' answer replaced it
    assert "The emulator had answered" in text_of(rc, "rf-whatif-time")


def test_no_instant_answer_against_another_scenario(page):
    rc = page
    rc.find(v.Select, label="Compare with").widget.v_model = "baseline"
    settled(rc)
    rc.find(v.Slider, label="Array plan budget ×").widget.v_model = 2.0
    time.sleep(0.1)
    assert not rc.find(v.Html, class_="rf-whatif-instant-headline").widgets
    settled(rc)


def test_scorecard_changes_give_the_difference_an_arrow():
    from rainforest.viz.whatif import scorecard_changes

    def row(median: float, p: float) -> dict:
        return {"indicator": "x", "label": "X", "target": 10.0, "median": median,
                "reach_probability": p}  # fmt: skip

    up, down, same, from_zero = scorecard_changes(
        [row(15, 1.0), row(5, 0.0), row(10, 0.5), row(3, 0.0)],
        [row(10, 0.5), row(10, 1.0), row(10, 0.5), row(0, 0.0)],
    )
    assert (up["arrow"], up["delta_text"], up["chance_delta_points"]) == ("▲", "▲ +5 (+50 %)", 50)
    assert (down["arrow"], down["delta_text"]) == ("▼", "▼ -5 (-50 %)")
    assert (same["arrow"], same["delta_text"]) == ("=", "= no change")
    assert from_zero["delta_text"] == "▲ +3"


def test_a_slider_changes_the_whatif_without_reset(page):
    rc = page
    before = whatif_line(rc)
    ours, theirs = before.split(" | ")
    assert ours == theirs  # the settings are the scenario's own
    rc.find(v.Slider, label="Rainforest plan budget ×").widget.v_model = 0.0
    after = whatif_line(rc)
    assert after != before
    assert after.split(" | ")[1] == theirs  # the comparison stays the unchanged scenario
    assert step_counter(rc) == 0  # nothing was reset or stepped


def test_the_whatif_equals_rainforest_run_with_the_same_seeds(page):
    from rainforest.runs.execute import run_one
    from rainforest.scenarios import load_scenario
    from rainforest.scenarios.loader import with_overrides
    from rainforest.sim.seeds import derive_seed

    rc = page
    CONTROLS.seed.set(7)
    CONTROLS.multipliers["array"].set(2.0)
    base = load_scenario("action_plan")
    scenario = with_overrides(
        base,
        {
            "scale": "classroom",
            "plans.array.budget_bn": {y: 2.0 * b for y, b in base.plans.array.budget_bn.items()},
        },
    )
    finals = [
        run_one(scenario, derive_seed(7, 0, r)).at_year_end()["output_value_bn"] for r in range(2)
    ]
    median = statistics.median(finals)
    assert whatif_line(rc).split(" | ")[0].startswith(f"{median:,.0f} (")


def whatif_png(rc) -> bytes:
    """The what-if's chart (the one picture kept short, beside its scorecard)."""
    (img,) = [w for w in rc.find(ipywidgets.Image).widgets if w.layout.max_height]
    return bytes(img.value)


def test_a_second_scenario_is_compared_on_one_chart(page):
    rc = page
    png = whatif_png(rc)
    rc.find(v.Select, label="Compare with").widget.v_model = "baseline"
    ours, theirs = whatif_line(rc).split(" | ")
    heads = [w.children[0] for w in rc.find(v.Html, class_="rf-whatif-head").widgets]
    assert heads[1:] == ["these settings", "baseline unchanged", "Δ"]
    assert ours != theirs  # the action plan against the baseline
    assert whatif_png(rc) != png
    # saved settings: save, move a slider, and the comparison is what was saved
    click(rc, "Save these settings")
    rc.find(v.Select, label="Compare with").widget.v_model = "the saved settings"
    ours, theirs = whatif_line(rc).split(" | ")
    assert ours == theirs
    rc.find(v.Slider, label="Leading plan budget ×").widget.v_model = 0.0
    ours, theirs = whatif_line(rc).split(" | ")
    assert ours != theirs


def test_the_whatif_runs_at_city_scale():
    reset_controls(whatif_scale="city")
    CONTROLS.whatif_replicates.set(1)
    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    try:
        assert "at city scale" in text_of(rc, "rf-whatif-title")
        assert shows_busy_at_once(rc)  # before the city runs finish
        ours, _ = whatif_line(rc).split(" | ")
        assert float(ours.split(" (")[0].replace(",", "")) > 0
    finally:
        rc.close()


def click_fractions(model, org_id: int) -> tuple[float, float]:
    """Where an organisation is drawn in the network picture, as fractions from its top left."""
    from rainforest.viz.drawing import figure_png, network_figure, network_fraction

    fig = network_figure(model)
    figure_png(fig)  # drawing fixes the axes' box
    return network_fraction(fig, *model.layout.positions(model)[org_id])


def test_clicking_an_organisation_opens_its_inspector(page):
    from rainforest.viz.model import ViewModel

    rc = page
    for _ in range(6):
        click(rc, "Step")
    assert "Click a firm" in str([w.children for w in rc.find(v.Html, tag="span").widgets])
    model = ViewModel(controls=CONTROLS)  # the same settings: the same run as the page's
    for _ in range(6):
        model.step()
    firm = next(e for e in model.enterprises if e.tier == 0)
    widget = network_image(rc)
    before = widget.src
    fx, fy = click_fractions(model, firm.org_id)
    widget.vue_event_click({"x": fx, "y": fy})
    title = text_of(rc, "rf-inspector-title")
    assert title.startswith(f"Inspector: Firm {firm.org_id}: a leading firm in ")
    assert "Enterprise(" not in title and "=" not in title  # words, not a repr
    assert text_of(rc, "rf-inspect-TRL").split()[0].isdigit()
    assert "partnership" in text_of(rc, "rf-inspect-ties")
    assert network_src(rc) != before  # its ring and ties are drawn
    partner = model.org(firm.org_id).partners[0]  # a neighbour is one click away
    name = f"{'Institute' if partner < model.n_institutes else 'Firm'} {partner}"
    click(rc, name)
    assert text_of(rc, "rf-inspector-title").startswith(f"Inspector: {name}: a ")
    network_image(rc).vue_event_click({"x": fx, "y": fy})  # back to the firm
    talents = int(text_of(rc, "rf-inspect-talents").split()[0])
    assert talents == len(model.org(firm.org_id).talents) > 0
    # a click where nothing is drawn clears the selection
    network_image(rc).vue_event_click({"x": 0.99, "y": 0.01})
    assert "Click a firm" in str([w.children for w in rc.find(v.Html, tag="span").widgets])


def test_play_advances_the_dated_run_and_pause_stops_it(page):
    rc = page
    click(rc, "▶")
    deadline = time.monotonic() + 60
    while step_counter(rc) < 2:
        assert time.monotonic() < deadline, "▶ did not step the model"
        time.sleep(0.1)
    click(rc, "❚❚")
    time.sleep(0.5)  # a quarter under way ends
    paused = text_of(rc, "rf-run-date")
    time.sleep(1.0)
    assert text_of(rc, "rf-run-date") == paused
    assert paused.startswith("Animated run: 202") and " Q" in paused
