"""The attribution's figures: the waterfall stacks the Shapley values from no plan to all
plans, and the interaction grid puts each pair's index in its cell."""

from __future__ import annotations

import numpy as np
import pytest
from rainforest.experiments.studies import analytic
from rainforest.experiments.studies.attribution import attribute_game, bootstrap_counts
from rainforest.scenarios.schema import PLAN_NAMES
from rainforest.viz.attribution import interaction_grid, interaction_matrix, waterfall


def _game(seed: int) -> np.ndarray:
    return np.array([
        analytic.pair_game(**{p: bool(m >> i & 1) for i, p in enumerate(PLAN_NAMES)}, seed=seed)[
            "value"
        ]
        for m in range(64)
    ])  # fmt: skip


@pytest.fixture(scope="module")
def report() -> dict:
    v = np.stack([_game(seed) for seed in range(5)], axis=1)  # five replicates
    value = attribute_game(v, bootstrap_counts(1, 5))
    reach = attribute_game((v >= 180.0).astype(float), bootstrap_counts(1, 5))
    return {
        "scenario": "pair game", "year": 2030, "plans": list(PLAN_NAMES), "conf_level": 0.95,
        "replicates_used": 5,
        "indicators": {
            "with_target": {"unit": "bn", "target": 180.0,
                            "measures": {"value": value, "reach_probability": reach}},
            "without_target": {"unit": "count", "target": None, "measures": {"value": value}},
        },
    }  # fmt: skip


def test_the_waterfall_climbs_from_no_plan_to_all_plans(report):
    fig = waterfall(report, "with_target")
    assert len(fig.axes) == 2  # the value, and the probability of reaching the target
    ax = fig.axes[0]
    bars = ax.patches
    assert len(bars) == 8
    m = report["indicators"]["with_target"]["measures"]["value"]
    assert bars[0].get_height() == pytest.approx(m["none"]["mean"])
    level = m["none"]["mean"]
    for bar, plan in zip(bars[1:7], PLAN_NAMES, strict=True):
        assert bar.get_y() == pytest.approx(level)
        assert bar.get_height() == pytest.approx(m["shapley"][plan]["mean"])
        level += m["shapley"][plan]["mean"]
    assert level == pytest.approx(bars[7].get_height()) == pytest.approx(m["all"]["mean"])
    targets = [line for line in ax.get_lines() if line.get_label() == "target"]
    assert len(targets) == 1 and set(targets[0].get_ydata()) == {180.0}
    # the target is named beside the axes, not in a legend box that could cover a bar
    assert ax.get_legend() is None and not fig.legends
    assert [t.get_text() for t in ax.texts] == ["target 180"]
    assert len(waterfall(report, "without_target").axes) == 1


def test_the_interaction_grid_shows_the_pairs_synergy(report):
    m = report["indicators"]["with_target"]["measures"]["value"]
    matrix = interaction_matrix(m, list(PLAN_NAMES))
    a, b = (PLAN_NAMES.index(p) for p in analytic.PAIR)
    assert matrix[a, b] == matrix[b, a] == pytest.approx(analytic.PAIR_SYNERGY)
    matrix[a, b] = matrix[b, a] = 0.0
    assert np.abs(matrix).max() < 1e-9
    fig = interaction_grid(report)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 2  # one per indicator with a value measure
    assert images[0].get_array()[a, b] == pytest.approx(analytic.PAIR_SYNERGY)
