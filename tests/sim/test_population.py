"""The synthetic population: reproducible, scaled, city-level in aggregate."""

from __future__ import annotations

import numpy as np
import pytest
from rainforest.scenarios import ScenarioError
from rainforest.sim.population import (
    CITY_ENTERPRISES,
    CITY_TALENTS,
    LEADING_FIRMS,
    SCALES,
    build_population,
)


def _same(a, b) -> bool:
    return all(
        np.array_equal(getattr(a, f), getattr(b, f))
        for f in a.__dataclass_fields__
        if isinstance(getattr(a, f), np.ndarray)
    )


def test_same_seed_same_population_and_other_seed_differs():
    a = build_population(3, SCALES["classroom"])
    b = build_population(3, SCALES["classroom"])
    c = build_population(4, SCALES["classroom"])
    assert _same(a, b)
    assert not np.array_equal(a.ent_knowledge, c.ent_knowledge)


@pytest.mark.parametrize("scale", ["classroom", "district"])
def test_weights_make_every_scale_city_sized(scale):
    pop = build_population(1, SCALES[scale], scale)
    assert pop.n_enterprises == SCALES[scale][0]
    assert (pop.ent_tier == 0).sum() == LEADING_FIRMS
    assert (pop.ent_weight[pop.ent_tier == 0] == 1).all()
    firms = pop.ent_weight.sum()
    assert abs(firms - CITY_ENTERPRISES) / CITY_ENTERPRISES < 0.05
    assert abs(pop.n_talents * pop.talent_weight - CITY_TALENTS) / CITY_TALENTS < 0.05


def test_population_is_well_formed():
    pop = build_population(2, SCALES["classroom"])
    n_org = pop.n_institutes + pop.n_enterprises
    assert ((pop.tal_employer >= 0) & (pop.tal_employer < n_org)).all()
    assert ((pop.ent_trl >= 1) & (pop.ent_trl <= 9)).all()
    assert (pop.ent_knowledge >= 0).all() and np.isfinite(pop.ent_knowledge).all()
    assert ((pop.tal_skill >= 0) & (pop.tal_skill <= 1)).all()
    assert (pop.edge_src < pop.edge_dst).all()
    pairs = set(zip(pop.edge_src.tolist(), pop.edge_dst.tolist(), strict=True))
    assert len(pairs) == len(pop.edge_src)
    # talents concentrate in leading firms and institutes, as the size table says
    per_org = np.bincount(pop.tal_employer, minlength=n_org)
    leading = pop.n_institutes + np.flatnonzero(pop.ent_tier == 0)
    assert per_org[leading].sum() > 0


def test_zero_sizes_are_refused():
    with pytest.raises(ScenarioError, match="population"):
        build_population(1, (0, 10, 100))
