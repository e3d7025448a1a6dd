"""The network layout: computed once per model, stable while the model runs."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from rainforest.viz.drawing import figure_png, network_figure
from rainforest.viz.layout import DISC_RADIUS, INSTITUTE_RADIUS, NetworkLayout, cluster_anchor
from rainforest.viz.model import ViewModel


@pytest.fixture(scope="module")
def model():
    return ViewModel()


def _distance_to_anchor(xy: np.ndarray, cluster: int) -> float:
    cx, cy = cluster_anchor(cluster)
    return math.hypot(xy[0] - cx, xy[1] - cy)


def test_organisations_sit_in_their_clusters_disc(model):
    xy = model.layout.positions(model)
    assert xy.shape == (model.n_institutes + len(model.enterprises), 2)
    for inst in model.institutes:
        assert _distance_to_anchor(xy[inst.org_id], inst.cluster) <= INSTITUTE_RADIUS + 1e-9
    for firm in model.enterprises:
        d = _distance_to_anchor(xy[firm.org_id], firm.cluster)
        assert INSTITUTE_RADIUS < d <= DISC_RADIUS + 1e-9
    # no two organisations on the same spot
    assert len(np.unique(np.round(xy, 9), axis=0)) == len(xy)


def test_stepping_moves_nobody_and_places_newcomers(monkeypatch):
    built = []
    original = NetworkLayout.__init__

    def counting_init(self, m):
        built.append(m)
        original(self, m)

    monkeypatch.setattr(NetworkLayout, "__init__", counting_init)

    def no_spring(*args, **kwargs):
        raise AssertionError("a force-directed layout was computed while drawing")

    monkeypatch.setattr(nx, "spring_layout", no_spring)
    m = ViewModel(seed=1)
    before = m.layout.positions(m).copy()
    n_before = len(m.enterprises)
    for _ in range(4):
        m.step()
        figure_png(network_figure(m))
    after = m.layout.positions(m)
    assert len(built) == 1, "the layout is computed once per model, not per frame"
    assert len(m.enterprises) > n_before, "start-ups or entrants were founded"
    assert np.array_equal(after[: len(before)], before)
    for firm in m.enterprises[n_before:]:
        d = _distance_to_anchor(after[firm.org_id], firm.cluster)
        assert d <= DISC_RADIUS + 1e-9
