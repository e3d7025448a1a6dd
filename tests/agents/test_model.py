"""The Mesa face shows the one model: after every step its agents, graph and space equal
the state, and stepping it to the horizon gives the compiled run's indicators."""

from __future__ import annotations

import numpy as np
import pytest
from rainforest.agents import EcosystemModel, Enterprise, Institute, Talent
from rainforest.runs.execute import run_one
from rainforest.scenarios import load_scenario
from rainforest.scenarios.loader import with_overrides
from rainforest.sim import rules
from rainforest.sim.indicators import INDEX, INDICATOR_NAMES
from rainforest.sim.params import EDGE_KINDS
from rainforest.sim.state import N_EDGE_SLOTS, N_ENT, N_TAL


def check_face_equals_state(model: EcosystemModel) -> None:
    S = model.state
    n_inst = model.n_institutes
    n_ent = int(S.counts[N_ENT])
    assert len(model.enterprises) == n_ent
    for firm in model.enterprises:
        i = firm.index
        assert firm.org_id == n_inst + i
        assert (firm.field, firm.tier, firm.weight, firm.district, firm.trl, firm.origin) == (
            S.ent_field[i], S.ent_tier[i], S.ent_weight[i], S.ent_district[i], S.ent_trl[i],
            S.ent_origin[i],
        )  # fmt: skip
        assert (firm.capital, firm.revenue, firm.rd_spend, firm.alive) == (
            S.ent_capital[i], S.ent_revenue[i], S.ent_rd[i], S.ent_alive[i],
        )  # fmt: skip
        assert np.array_equal(firm.knowledge, S.ent_knowledge[i])
        if firm.alive:
            assert firm.cell is not None and firm.cell.coordinate == firm.org_id
            assert firm in model.agents_by_type[Enterprise]
        else:
            assert firm.cell is None and firm.org_id not in model.graph
            assert firm not in model.agents_by_type[Enterprise]
    for inst in model.institutes:
        j = inst.org_id
        assert (inst.college, inst.center, inst.cluster) == (
            S.inst_college[j], S.inst_center[j], S.inst_cluster[j],
        )  # fmt: skip
        assert np.array_equal(inst.knowledge, S.inst_knowledge[j])

    # every present talent's agent reads its slot and sits in its employer's cell
    n_slots = int(S.counts[N_TAL])
    present = np.flatnonzero(S.tal_present[:n_slots])
    assert len(model.agents_by_type[Talent]) == len(present)
    for k in present.tolist():
        talent = model.talents[int(S.tal_id[k])]
        assert talent.present
        assert (talent.field, talent.skill, talent.level, talent.employer, talent.tenure) == (
            S.tal_field[k], S.tal_skill[k], S.tal_level[k], S.tal_employer[k], S.tal_tenure[k],
        )  # fmt: skip
        if talent.employer < 0:
            assert talent.cell is None
        else:
            assert talent.cell.coordinate == talent.employer and talent in talent.cell.agents

    # the graph's ties are the edge store's live ones, and the space has the same links
    n = int(S.counts[N_EDGE_SLOTS])
    live = S.edge_kind[:n] >= 0
    store = sorted(
        zip(
            S.edge_a[:n][live].tolist(), S.edge_b[:n][live].tolist(),
            [EDGE_KINDS[k] for k in S.edge_kind[:n][live].tolist()],
            S.edge_strength[:n][live].tolist(), strict=True,
        )
    )  # fmt: skip
    assert model.edge_list() == store
    for a, b in model.graph.edges:
        assert model.space[b] in model.space[a].connections.values()


@pytest.fixture(scope="module")
def stepped(action_plan):
    """The action plan at classroom scale, the face checked against the state every step."""
    model = EcosystemModel(action_plan, seed=2)
    check_face_equals_state(model)
    for _ in range(model.params.n_ticks):
        model.step()
        check_face_equals_state(model)
    return model


def test_the_face_equals_the_state_after_every_step(stepped):
    exited = [e for e in stepped.enterprises if not e.alive]
    founded = [e for e in stepped.enterprises if e.origin == 1]
    left = [t for t in stepped.talents if not t.present]
    assert exited and founded and left, "the run exercises exits, start-ups and departures"


def test_stepping_to_the_horizon_gives_the_compiled_run(stepped, action_plan):
    frame = run_one(action_plan, 2).indicators
    expected = frame[list(INDICATOR_NAMES)].to_numpy(dtype=np.float64)
    assert np.array_equal(np.array(stepped.history), expected)


def test_datacollector_records_every_quarter(stepped):
    frame = stepped.datacollector.get_model_vars_dataframe()
    assert len(frame) == stepped.params.n_ticks
    assert frame["output_value_bn"].iloc[-1] == stepped.latest[INDEX["output_value_bn"]]


def test_agentsets_select_what_the_state_says(stepped):
    sellers = stepped.agents_by_type[Enterprise].select(lambda e: e.trl >= 7)
    S = stepped.state
    n = int(S.counts[N_ENT])
    assert len(sellers) == int((S.ent_alive[:n] & (S.ent_trl[:n] >= 7)).sum())
    centers = stepped.agents_by_type[Institute].select(lambda i: i.center)
    assert len(centers) == stepped.latest[INDEX["innovation_centers"]]


def test_the_government_reports_the_ledger_and_consortia(stepped):
    gov = stepped.government
    spent = gov.spent_total()
    assert spent["hand_in_hand"] > 0 and spent["array"] > 0
    assert len(gov.pilot_areas) == stepped.latest[INDEX["pilot_areas"]]
    active = [c for c in gov.consortia if c.active]
    assert len(active) == stepped.latest[INDEX["consortia"]]
    for consortium in active:
        assert stepped.enterprises[consortium.leader - stepped.n_institutes].consortium >= 0


def test_a_talent_offers_its_leave_chance_by_the_models_rule(stepped):
    p = stepped.params
    talent = next(t for t in stepped.present_talents() if t.level == 1 and t.employer >= 0)
    cut = float(stepped.state.retention_cut[0])
    assert 0.0 < cut < p.retention  # bought by the Array plan's money, with diminishing returns
    expected = rules.outflow_probability(
        1, False, cut, p.talent_outflow, p.high_level_outflow, p.unemployed_outflow
    )
    assert talent.leave_probability() == expected
    assert 0.0 <= talent.founding_probability() <= 1.0


def test_attributes_written_by_hand_reach_the_next_step():
    scenario = with_overrides(load_scenario("action_plan"), {"horizon_year": 2022})
    model = EcosystemModel(scenario, seed=1)
    firm = model.enterprises[0]
    knowledge = np.array(firm.knowledge)
    knowledge[firm.field] += 5.0
    firm.knowledge = knowledge
    assert firm.own_knowledge() == knowledge[firm.field]
    with pytest.raises(ValueError, match="trl"):
        firm.trl = 10
    with pytest.raises(ValueError):
        firm.knowledge[0] = 1.0  # read-only: writes go through the setter
    untouched = EcosystemModel(scenario, seed=1)
    model.step()
    untouched.step()
    assert not np.array_equal(model.latest, untouched.latest)


def test_the_run_ends_at_the_horizon():
    scenario = with_overrides(load_scenario("baseline"), {"horizon_year": 2021})
    model = EcosystemModel(scenario, seed=0)
    model.run()
    assert model.tick == model.params.n_ticks == 4
    with pytest.raises(RuntimeError, match="ends after 4 quarters"):
        model.step()
