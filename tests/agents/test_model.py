"""The Mesa engine: reproducibility, invariants every tick, and the plan's designations."""

from __future__ import annotations

import numpy as np
import pytest
from rainforest.agents import EcosystemModel, Enterprise, Talent
from rainforest.scenarios import load_scenario
from rainforest.scenarios.loader import with_overrides
from rainforest.sim.indicators import INDEX


def _run(scenario, seed):
    model = EcosystemModel(scenario, seed=seed)
    model.run()
    return model, np.array(model.history)


def test_same_seed_same_bits_other_seed_differs(short_action_plan):
    _, a = _run(short_action_plan, 5)
    _, b = _run(short_action_plan, 5)
    _, c = _run(short_action_plan, 6)
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()


def test_a_renamed_copy_of_baseline_gives_baseline_exactly():
    base = with_overrides(load_scenario("baseline"), {"horizon_year": 2025})
    copy = with_overrides(base, {"name": "my_baseline", "description": "a copy"})
    _, a = _run(base, 11)
    _, b = _run(copy, 11)
    assert a.tobytes() == b.tobytes()


def check_invariants(model: EcosystemModel) -> None:
    p = model.params
    assert np.isfinite(model.latest).all(), "indicator not finite"
    present = [t for t in model.talents if t.present]
    assert model.initial_talents + model.total_inflow - model.total_outflow == len(present)
    assert len(present) == len(model.agents_by_type[Talent])
    assert (model.government.ledger <= p.budget * (1 + 1e-12) + 1e-12).all(), "overspent"
    assert (model.government.ledger >= 0).all()
    employed: dict[int, int] = {}
    for t in present:
        if t.cell is not None:
            assert t in t.cell.agents
            employed[t.employer] = employed.get(t.employer, 0) + 1
    for e in model.enterprises:
        assert np.isfinite(e.knowledge).all() and (e.knowledge >= 0).all()
        assert np.isfinite(e.capital)
        assert 1 <= e.trl <= 9
        if not e.alive:
            assert e.revenue == 0.0
            assert employed.get(e.org_id, 0) == 0, "an exited firm holds talents"
            assert e.org_id not in model.graph
    for inst in model.institutes:
        assert np.isfinite(inst.knowledge).all() and (inst.knowledge >= 0).all()
    for a, b, data in model.graph.edges(data=True):
        assert model.org(a).alive and model.org(b).alive
        assert data["strength"] > 0


@pytest.fixture(scope="module")
def action_plan_run(action_plan):
    """The whole action plan at classroom scale, checked after every tick."""
    model = EcosystemModel(action_plan, seed=2)
    for _ in range(model.params.n_ticks):
        model.step()
        check_invariants(model)
    return model


def test_invariants_hold_every_tick(action_plan_run):
    exited = [e for e in action_plan_run.enterprises if not e.alive]
    founded = [e for e in action_plan_run.enterprises if e.origin == 1]
    assert exited and founded, "the run exercises exits and start-ups"
    assert action_plan_run.total_outflow > 0 and action_plan_run.total_inflow > 0


def test_action_plan_reaches_its_designation_targets(action_plan_run):
    final = action_plan_run.latest
    assert final[INDEX["future_technical_colleges"]] >= 5
    assert final[INDEX["innovation_centers"]] >= 15
    assert final[INDEX["pilot_areas"]] >= 15
    assert 100 <= final[INDEX["output_value_bn"]] <= 2000


def test_the_network_space_follows_the_graph(action_plan_run):
    model = action_plan_run
    for a, b in list(model.graph.edges)[:200]:
        assert model.space[b] in model.space[a].connections.values()
    firm = next(e for e in model.enterprises if e.alive)
    assert isinstance(firm, Enterprise) and firm.cell.coordinate == firm.org_id


def test_datacollector_records_every_tick(action_plan_run):
    frame = action_plan_run.datacollector.get_model_vars_dataframe()
    assert len(frame) == action_plan_run.params.n_ticks
    assert frame["output_value_bn"].iloc[-1] == action_plan_run.latest[INDEX["output_value_bn"]]
