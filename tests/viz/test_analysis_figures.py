"""Figures of discovery, optimisation and switching, drawn from hand-made analysis data."""

from __future__ import annotations

from matplotlib.collections import PathCollection
from matplotlib.patches import Rectangle
from rainforest.viz.discovery_figures import box_limits, peeling_trajectory
from rainforest.viz.optimization_figures import (
    allocation_chart,
    pareto_front,
    robustness_chart,
    search_history,
)
from rainforest.viz.switching_figures import tornado

BOX = {
    "box": 0, "chosen": 2, "coverage": 0.7, "density": 0.9, "mass": 0.2,
    "trajectory": [
        {"step": 0, "coverage": 1.0, "density": 0.3, "restricted": 0},
        {"step": 1, "coverage": 0.9, "density": 0.6, "restricted": 1},
        {"step": 2, "coverage": 0.7, "density": 0.9, "restricted": 2},
    ],
    "limits": [
        {"input": "a", "restricted": True, "min": 2.0, "max": 3.0,
         "data_min": 0.0, "data_max": 4.0},
        {"input": "b", "restricted": False, "min": 0.0, "max": 1.0,
         "data_min": 0.0, "data_max": 1.0},
        {"input": "scenario", "restricted": True, "levels": ["x"], "all_levels": ["x", "y"]},
    ],
}  # fmt: skip


def _bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_the_trajectory_rings_the_chosen_box():
    ax = peeling_trajectory(BOX, min_density=0.8).axes[0]
    ring = [c for c in ax.collections if isinstance(c, PathCollection)][-1]
    assert ring.get_offsets().tolist() == [[0.7, 0.9]]
    assert ax.get_lines()[-1].get_ydata()[0] == 0.8  # the min-density line


def test_box_limits_are_drawn_as_shares_of_the_sampled_range():
    fig = box_limits(BOX)
    bars = _bars(fig.axes[0])
    spans = sorted((round(b.get_x(), 6), round(b.get_x() + b.get_width(), 6)) for b in bars)
    assert spans == [(0.0, 1.0), (0.5, 0.75)]
    assert "scenario in {x}" in fig.get_supxlabel()


INPUTS = [
    {"input": "p", "low": 1.0, "high": 2.0, "outcome_low": 400.0, "outcome_high": 600.0,
     "crossings": [{"value": 1.5}]},
    {"input": "q", "low": 0.0, "high": 1.0, "outcome_low": 520.0, "outcome_high": 540.0,
     "crossings": []},
]  # fmt: skip


def test_the_tornado_has_two_bars_per_input_and_marks_each_crossing():
    ax = tornado(INPUTS, threshold=500.0, base_outcome=530.0).axes[0]
    assert len(_bars(ax)) == 4
    markers = [line for line in ax.get_lines() if line.get_marker() == "D"]
    assert len(markers) == 1 and markers[0].get_xdata()[0] == 500.0
    texts = [t.get_text() for t in ax.texts]
    assert "switches at 1.5" in texts and "not crossed within range" in texts


def _trial(n, total, p, front=False, reference=False):
    return {
        "trial": n, "total_bn": total, "on_front": front, "reference": reference,
        "budgets_bn": {"foundation": total / 2, "array": total / 2},
        "reach_probability": {"output_value_bn": p}, "median": {"output_value_bn": 400 + p},
    }  # fmt: skip


TRIALS = [_trial(0, 10, 0.5, reference=True), _trial(1, 5, 0.5, True), _trial(2, 12, 0.9, True)]


def test_the_optimisation_figures_draw_every_trial():
    alloc = allocation_chart([("a", TRIALS[0]), ("b", TRIALS[2])], "output_value_bn")
    assert len(_bars(alloc.axes[0])) == 4  # two plans x two rows
    history = search_history(TRIALS, "output_value_bn").axes[0]
    assert history.collections[0].get_offsets().shape == (3, 2)
    front = pareto_front(TRIALS, "output_value_bn").axes[0]
    staircase = front.get_lines()[0]
    assert list(staircase.get_xdata()) == [5, 12]
    metrics = {"p10_outcome": {0: 1.0, 1: 2.0}, "max_regret_outcome": {0: 0.5, 1: 3.0}}
    picks = {"p10_outcome": 1, "max_regret_outcome": 0}
    rob = robustness_chart(metrics, picks, reference=0).axes[0]
    assert len(rob.collections) == 4  # trials, the two picks, the scenario's own mix
    assert rob.collections[-1].get_offsets().tolist() == [[1.0, 0.5]]


def _legends_clear_of_the_axes(fig) -> None:
    """Every legend of ``fig`` lies outside every plotting area (it covers no data)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    assert legends, "no legend: the check would be vacuous"
    plots = [ax.get_window_extent(renderer) for ax in fig.axes if ax.get_label() != "<colorbar>"]
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for area in plots:
            assert not box.overlaps(area), (box, area)
        page = fig.bbox
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0


def test_no_legend_covers_the_data_it_explains():
    from rainforest.viz.sample_chart import sample_ranges, year_fans

    metrics = {"p10_outcome": {0: 300.0, 1: 320.0, 2: 280.0},
               "max_regret_outcome": {0: 40.0, 1: 10.0, 2: 60.0}}  # fmt: skip
    figures = [
        search_history(TRIALS, "output_value_bn"),
        pareto_front(TRIALS, "output_value_bn"),
        robustness_chart(
            metrics, {"p10_outcome": 1, "max_regret_outcome": 1}, "RMB bn", reference=0
        ),  # fmt: skip
        allocation_chart([("own", TRIALS[0]), ("best", TRIALS[2])], "output_value_bn"),
        peeling_trajectory(BOX, min_density=0.8),
        sample_ranges(
            ["a", "b"], [600.0, 450.0], [550.0, 400.0], [650.0, 480.0], "x", "t", target=500.0
        ),  # fmt: skip
        year_fans(
            {"a": ([2025, 2030], [300.0, 600.0], [280.0, 550.0], [320.0, 650.0])},
            "y",
            "t",
            target=500.0,
            target_year=2030,
        ),  # fmt: skip
    ]
    for fig in figures:
        _legends_clear_of_the_axes(fig)
