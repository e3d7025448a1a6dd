"""The leaf formulas of sim/rules.py, one by one, through their compiled form.

Each test asserts what a formula means (limits, bounds, monotonicity, zero money buys
zero effect, symmetry) on hand-picked inputs, not a copy of its code. Where docs/ODD.md
states the formula as an equation, ``odd_formula`` takes that equation's text from the
ODD, turns it into Python and compares it with the compiled rule on a few points: a
change to either the code or the document that makes them disagree fails here.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from numba.core.dispatcher import Dispatcher
from rainforest.scenarios.schema import Behaviour
from rainforest.sim import rules
from rainforest.sim.kinds import (
    CENTER,
    CONSORTIUM,
    HIGH_LEVEL,
    LEADING_TIER,
    PARTNERSHIP,
    REGULAR,
    SME_TIER,
    STARTUP_TIER,
)

ODD = (Path(__file__).resolve().parents[2] / "docs" / "ODD.md").read_text(encoding="utf-8")
B = Behaviour()  # the schema's defaults, for the ODD's statements "with the defaults"

_OPERATORS = {"×": "*", "·": "*", "−": "-", "^": "**", "ln(": "log("}


def odd_formula(text: str, names: dict[str, str]):
    """A Python function of the ODD's equation ``text`` (which must appear in the ODD).

    ``names`` maps the ODD's spelling of each quantity (``"own knowledge"``,
    ``"behaviour.depreciation"``) to a Python name, passed as a keyword when calling.
    """
    assert text in ODD, f"docs/ODD.md no longer states: {text}"
    expr = text
    for spelt in sorted(names, key=len, reverse=True):
        expr = re.sub(rf"(?<![\w.]){re.escape(spelt)}(?![\w])", names[spelt], expr)
    for symbol, python in _OPERATORS.items():
        expr = expr.replace(symbol, python)
    expr = re.sub(r"(\d) \(", r"\1 * (", expr)  # the ODD's "0.25 (TRL − 1)"
    code = compile(expr, "<docs/ODD.md>", "eval")

    def evaluate(**values: float) -> float:
        return eval(code, {"min": min, "max": max, "log": math.log, "exp": math.exp}, values)

    return evaluate


def test_every_rule_has_a_test_here():
    source = Path(__file__).read_text(encoding="utf-8")
    names = [
        name
        for name, obj in vars(rules).items()
        if isinstance(obj, Dispatcher) and obj.py_func.__module__ == rules.__name__
    ]
    assert len(names) >= 20
    untested = [name for name in names if f"rules.{name}(" not in source]
    assert not untested, f"rules without a direct test: {untested}"


# ---------------------------------------------------------------- talents


def test_outflow_probability_by_situation():
    args = (0.02, 0.03, 0.3)  # talent, high-level, unemployed outflow
    # between jobs: the unemployed rate, whatever the level or retention
    assert rules.outflow_probability(HIGH_LEVEL, True, 0.9, *args) == 0.3
    assert rules.outflow_probability(REGULAR, True, 0.0, *args) == 0.3
    # regular talents: retention does not reach them
    assert rules.outflow_probability(REGULAR, False, 0.9, *args) == 0.02
    # high-level: retention cuts the outflow proportionally, all of it at cut 1
    assert rules.outflow_probability(HIGH_LEVEL, False, 0.0, *args) == 0.03
    assert rules.outflow_probability(HIGH_LEVEL, False, 0.5, *args) == pytest.approx(0.015)
    assert rules.outflow_probability(HIGH_LEVEL, False, 1.0, *args) == 0.0


def test_dose_response_zero_money_zero_effect_and_saturates():
    assert rules.dose_response(0.0, 2.0) == 0.0
    assert rules.dose_response(-1.0, 2.0) == 0.0  # no negative effect from a refund
    assert rules.dose_response(2.0, 2.0) == 0.5  # half the largest effect at ``half``
    xs = [0.1, 1.0, 2.0, 10.0, 100.0, 1e6]
    ys = [rules.dose_response(x, 2.0) for x in xs]
    assert all(0.0 < y < 1.0 for y in ys)
    assert ys == sorted(ys)
    assert ys[-1] == pytest.approx(1.0, abs=1e-5)
    # each further RMB buys less (concave)
    steps = [rules.dose_response(x + 1.0, 2.0) - rules.dose_response(x, 2.0) for x in range(5)]
    assert all(a > b for a, b in zip(steps, steps[1:], strict=False))
    odd = odd_formula("x / (x + half)", {"x": "x", "half": "half"})
    for x in (0.5, 3.0):
        assert rules.dose_response(x, 2.0) == pytest.approx(odd(x=x, half=2.0))


def test_build_up_is_linear_then_full():
    assert rules.build_up(-1, 4) == 0.0  # not designated yet
    levels = [rules.build_up(q, 4) for q in range(8)]
    assert levels == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert rules.build_up(0, 1) == 1.0  # no build-up: works at once
    odd = odd_formula(
        "min(1, (quarters since designation + 1) / behaviour.build_up_quarters)",
        {"quarters since designation": "q", "behaviour.build_up_quarters": "n"},
    )
    for q, n in [(0, 4), (2, 4), (5, 3), (1, 7)]:
        assert rules.build_up(q, n) == pytest.approx(odd(q=q, n=n))


def test_lagged_pulse_counts_once_with_the_stated_mean_lag():
    lag = 2.0
    stock = rules.lagged(0.0, 1.0, lag)  # a pulse of 1 in the first quarter
    stocks = [stock]
    for _ in range(400):
        stock = rules.lagged(stock, 0.0, lag)
        stocks.append(stock)
    assert sum(stocks) == pytest.approx(1.0)  # in sum exactly once
    mean_lag = sum(t * s for t, s in enumerate(stocks))
    assert mean_lag == pytest.approx(lag)
    assert all(s >= 0.0 for s in stocks)
    assert rules.lagged(0.7, 3.0, 0.0) == 3.0  # no lag: at once
    assert rules.lagged(5.0, 5.0, 4.0) == 5.0  # steady spending is a fixed point
    odd = odd_formula(
        "stock + (spending − stock) / (1 + behaviour.research_lag_quarters)",
        {"stock": "s", "spending": "x", "behaviour.research_lag_quarters": "lag"},
    )
    for s, x, lag in [(0.0, 1.0, 2.0), (3.0, 1.0, 0.5), (1.0, 4.0, 7.0)]:
        assert rules.lagged(s, x, lag) == pytest.approx(odd(s=s, x=x, lag=lag))


def test_employer_attractiveness():
    assert rules.employer_attractiveness(0.0, 0.0, 0.0, 0.0) == 0.0
    # losses do not make an employer less attractive than no sales
    assert rules.employer_attractiveness(1.0, -5.0, 0.0, 0.0) == rules.employer_attractiveness(
        1.0, 0.0, 0.0, 0.0
    )
    base = rules.employer_attractiveness(2.0, 0.01, 0.0, 0.0)
    assert rules.employer_attractiveness(3.0, 0.01, 0.0, 0.0) > base
    assert rules.employer_attractiveness(2.0, 0.02, 0.0, 0.0) > base
    assert rules.employer_attractiveness(2.0, 0.01, 1.0, 0.0) == pytest.approx(base + 0.5)
    assert rules.employer_attractiveness(2.0, 0.01, 0.0, 1.0) == pytest.approx(base + 0.5)
    odd = odd_formula(
        "ln(1 + own knowledge) + ln(1 + 100 × max(revenue per real firm in the last market "
        "step, 0))",
        {"own knowledge": "k", "revenue per real firm in the last market step": "r"},
    )
    for k, r in [(0.5, 0.003), (4.0, 0.2), (1.0, -1.0)]:
        assert rules.employer_attractiveness(k, r, 0.0, 0.0) == pytest.approx(odd(k=k, r=r))


def test_founding_probability():
    assert rules.founding_probability(0.79, 0.004, 0.8, 5.0, 5.0) == 0.0  # below the skill
    assert rules.founding_probability(0.8, 0.004, 0.8, 0.0, 0.0) == 0.004
    assert rules.founding_probability(0.9, 0.004, 0.8, 1.0, 0.5) == pytest.approx(0.012)
    assert rules.founding_probability(1.0, 0.5, 0.8, 10.0, 10.0) == 1.0  # a probability
    odd = odd_formula(
        "min(1, founding_rate × (1 + b) × (1 + park_founding_boost × L))",
        {"founding_rate": "rate", "b": "b", "park_founding_boost": "park", "L": "level"},
    )
    for rate, b, park, level in [(0.004, 0.3, 0.5, 1.0), (0.1, 2.0, 0.5, 0.25)]:
        got = rules.founding_probability(0.9, rate, 0.8, b, park * level)
        assert got == pytest.approx(odd(rate=rate, b=b, park=park, level=level))


# ---------------------------------------------------------------- knowledge


def test_knowledge_gain_cobb_douglas():
    assert rules.knowledge_gain(0.0, 1.0, 0.03, 0.5, 0.5) == 0.0  # no R&D, no knowledge
    assert rules.knowledge_gain(0.01, 0.0, 0.03, 0.5, 0.5) == 0.0  # no skill, no knowledge
    assert rules.knowledge_gain(-0.01, 1.0, 0.03, 0.5, 0.5) == 0.0
    # RMB 1 million and unit skill give the scale itself
    assert rules.knowledge_gain(0.001, 1.0, 0.03, 0.5, 0.5) == pytest.approx(0.03)
    # elasticities: doubling R&D multiplies the gain by 2^alpha, skill by 2^beta
    g = rules.knowledge_gain(0.004, 3.0, 0.03, 0.4, 0.7)
    assert rules.knowledge_gain(0.008, 3.0, 0.03, 0.4, 0.7) == pytest.approx(g * 2**0.4)
    assert rules.knowledge_gain(0.004, 6.0, 0.03, 0.4, 0.7) == pytest.approx(g * 2**0.7)
    odd = odd_formula("s · (1000 · R)^α · S^β", {"s": "s", "R": "R", "S": "S", "α": "a", "β": "b"})
    for r, s in [(0.002, 1.5), (0.05, 10.0)]:
        got = rules.knowledge_gain(r, s, 0.03, 0.5, 0.6)
        assert got == pytest.approx(odd(s=0.03, R=r, S=s, a=0.5, b=0.6))


def test_agent_knowledge_gain_gives_a_seat_to_one_real_firm():
    args = (2.0, 0.03, 0.5, 0.5)  # skill per firm, scale, elasticities

    def g(r):
        return rules.knowledge_gain(r, *args)

    # without a seat: the gain at the agent's R&D per real firm
    assert rules.agent_knowledge_gain(0.04, 0.0, 4.0, *args) == pytest.approx(g(0.01))
    # one real firm: the seat's R&D simply adds to its own
    assert rules.agent_knowledge_gain(0.01, 0.02, 1.0, *args) == pytest.approx(g(0.03))
    # what the seat adds to the agent's total is the same at every weight
    added = [
        w * (rules.agent_knowledge_gain(0.01 * w, 0.02, w, *args) - g(0.01)) for w in (1, 3, 10)
    ]
    assert added == pytest.approx([g(0.03) - g(0.01)] * 3)
    odd = odd_formula("g(R) + (g(R + seat) − g(R)) / weight", {"seat": "seat", "weight": "w"})
    got = rules.agent_knowledge_gain(0.05, 0.02, 5.0, *args)
    assert got == pytest.approx(odd(g=g, R=0.01, seat=0.02, w=5.0))


def test_rd_spending():
    assert rules.rd_spending(0.1, 0.0, 0.0, 0.0, 1.0) == 0.0
    assert rules.rd_spending(0.1, 2.0, 1.0, 0.0, 1.0) == pytest.approx(0.3)
    # at additionality 1 a grant adds exactly its amount; below 1 less; above 1 more
    assert rules.rd_spending(0.1, 2.0, 1.0, 0.5, 1.0) == pytest.approx(0.8)
    assert rules.rd_spending(0.1, 2.0, 1.0, 0.5, 0.4) == pytest.approx(0.5)
    assert rules.rd_spending(0.1, 2.0, 1.0, 0.5, 1.6) == pytest.approx(1.1)
    odd = odd_formula(
        "behaviour.rd_intensity × (revenue + legacy_revenue) + behaviour.rd_additionality × G",
        {
            "behaviour.rd_intensity": "i",
            "revenue": "rev",
            "legacy_revenue": "leg",
            "behaviour.rd_additionality": "add",
            "G": "G",
        },
    )
    got = rules.rd_spending(0.07, 1.3, 0.4, 0.2, 1.2)
    assert got == pytest.approx(odd(i=0.07, rev=1.3, leg=0.4, add=1.2, G=0.2))


def test_absorptive_capacity():
    assert rules.absorptive_capacity(0.0, 1.0) == 0.0  # knows nothing, takes in nothing
    assert rules.absorptive_capacity(1.0, 1.0) == 0.5
    caps = [rules.absorptive_capacity(k, 1.0) for k in (0.5, 2.0, 10.0, 1e6)]
    assert caps == sorted(caps) and all(c < 1.0 for c in caps)


def test_spillover_coefficient_by_kind():
    plain = rules.spillover_coefficient(PARTNERSHIP, 0.8, 0.0, 0.03, 2.0, 3.0, 0.5, 1.0, 1.0)
    assert plain == pytest.approx(0.03 * 0.8)
    cons = rules.spillover_coefficient(CONSORTIUM, 0.8, 0.0, 0.03, 2.0, 3.0, 0.5, 1.0, 1.0)
    assert cons == pytest.approx(2.0 * plain)
    # a center's tie carries its extra flow as far as the center works
    for level in (0.0, 0.5, 1.0):
        c = rules.spillover_coefficient(CENTER, 0.8, 0.0, 0.03, 2.0, 3.0, 0.5, 1.0, level)
        assert c == pytest.approx(plain * (1.0 + 2.0 * level))
    # a shared working pilot area raises the flow; tie share scales it
    pilot = rules.spillover_coefficient(PARTNERSHIP, 0.8, 1.0, 0.03, 2.0, 3.0, 0.5, 1.0, 1.0)
    assert pilot == pytest.approx(1.5 * plain)
    quarter = rules.spillover_coefficient(PARTNERSHIP, 0.8, 0.0, 0.03, 2.0, 3.0, 0.5, 0.25, 1.0)
    assert quarter == pytest.approx(0.25 * plain)
    odd = odd_formula(
        "behaviour.spillover_rate × strength × (1 + plans.leading.spillover_bonus × L_pilot) "
        "× (edge_ties / weight) × m_kind",
        {
            "behaviour.spillover_rate": "rate",
            "strength": "s",
            "plans.leading.spillover_bonus": "bonus",
            "L_pilot": "lp",
            "edge_ties": "ties",
            "weight": "w",
            "m_kind": "m",
        },
    )
    m_center = odd_formula(
        "1 + (behaviour.center_spillover − 1) × L_center",
        {"behaviour.center_spillover": "cs", "L_center": "lc"},
    )
    got = rules.spillover_coefficient(CENTER, 0.6, 0.5, 0.03, 2.0, 3.0, 0.5, 1.0 / 4.0, 0.75)
    want = odd(rate=0.03, s=0.6, bonus=0.5, lp=0.5, ties=1.0, w=4.0, m=m_center(cs=3.0, lc=0.75))
    assert got == pytest.approx(want)


def test_add_spillover_takes_only_the_neighbours_lead_and_accumulates():
    k_self = np.array([1.0, 2.0, 0.0])
    k_other = np.array([3.0, 1.0, 0.0])
    out = np.array([0.1, 0.1, 0.1])
    rules.add_spillover(k_self, k_other, 0.5, 0.4, out)
    assert out == pytest.approx([0.1 + 0.5 * 0.4 * 2.0, 0.1, 0.1])  # never downhill
    # the leader learns nothing from the follower
    out = np.zeros(3)
    rules.add_spillover(k_other, k_self, 0.5, 0.4, out)
    assert out == pytest.approx([0.0, 0.2, 0.0])
    odd = "spill_f += c · a · max(0, k_n,f − k_f)"
    assert odd in ODD


def test_update_knowledge_decays_without_inputs_and_never_goes_negative():
    k = np.array([1.0, 0.0, 4.0])
    out = np.empty(3)
    rules.update_knowledge(k, np.zeros(3), np.zeros(3), 0.02, out)
    assert out == pytest.approx([0.98, 0.0, 3.92])
    rules.update_knowledge(k, np.array([0.5, 0.0, 0.0]), np.array([0.0, 0.3, 0.0]), 0.0, out)
    assert out == pytest.approx([1.5, 0.3, 4.0])
    odd = odd_formula(
        "(k_f + gain_f + spill_f) × (1 − behaviour.depreciation)",
        {"k_f": "k", "gain_f": "g", "spill_f": "s", "behaviour.depreciation": "d"},
    )
    rules.update_knowledge(k, np.array([0.2, 0.1, 0.0]), np.array([0.0, 0.3, 1.0]), 0.1, out)
    for f, (g, s) in enumerate([(0.2, 0.0), (0.1, 0.3), (0.0, 1.0)]):
        assert out[f] == pytest.approx(odd(k=k[f], g=g, s=s, d=0.1))
    assert (out >= 0.0).all()


def test_institute_total_and_weighted_knowledge():
    k = np.array([1.0, 2.0, 3.0, 6.0])
    cluster = np.array([0, 1, 0, 1])
    assert rules.institute_own_knowledge(k, 0, cluster) == pytest.approx(2.0)  # mean of 1, 3
    assert rules.institute_own_knowledge(k, 1, cluster) == pytest.approx(4.0)
    assert rules.total_knowledge(k) == 12.0
    assert rules.total_knowledge(np.zeros(4)) == 0.0
    assert rules.weighted_knowledge(k, np.array([0.25] * 4)) == pytest.approx(3.0)
    assert rules.weighted_knowledge(k, np.array([0.0, 0.0, 0.0, 1.0])) == 6.0


# ---------------------------------------------------------------- partnering


def test_complementarity_peaks_at_half_overlap():
    a = np.array([1.0, 0.0, 0.0])
    assert rules.complementarity(a, a) == 0.0  # identical: nothing to learn
    assert rules.complementarity(a, np.array([0.0, 1.0, 0.0])) == 0.0  # nothing in common
    assert rules.complementarity(np.zeros(3), np.zeros(3)) == 0.0
    half = np.array([1.0, 1.0, 0.0])  # overlap 1 of 2
    assert rules.complementarity(a, half) == pytest.approx(1.0)
    b = np.array([0.3, 2.0, 0.7])
    c = np.array([1.1, 0.4, 0.9])
    assert rules.complementarity(b, c) == pytest.approx(rules.complementarity(c, b))
    assert rules.complementarity(b, c) == pytest.approx(rules.complementarity(3 * b, 3 * c))
    assert 0.0 <= rules.complementarity(b, c) <= 1.0


def test_partner_attraction():
    me = np.array([1.0, 0.0, 0.0])
    assert rules.partner_attraction(me, np.zeros(3), 1.0) == 0.0  # a partner who knows nothing
    weak = np.array([0.5, 0.5, 0.0])
    strong = 10.0 * weak
    assert rules.partner_attraction(me, weak, 1.0) < rules.partner_attraction(me, strong, 1.0)
    assert rules.partner_attraction(me, strong, 1.0) <= rules.complementarity(me, strong)


def test_edge_decay_by_kind_and_the_odds_dissolution_time():
    assert rules.edge_decay(1.0, PARTNERSHIP, 0.1, 0.02) == pytest.approx(0.9)
    assert rules.edge_decay(1.0, CONSORTIUM, 0.1, 0.02) == pytest.approx(0.98)
    assert rules.edge_decay(0.7, CENTER, 0.1, 0.02) == 0.7  # center ties do not decay
    # ODD 7.5: with the defaults a partnership made in a quarter (decayed to 0.9 in the same
    # step) dissolves 15 quarters later unless renewed
    s = rules.edge_decay(1.0, PARTNERSHIP, B.partnership_decay, B.consortium_decay)
    quarters = 0
    while s >= B.min_edge_strength:
        s = rules.edge_decay(s, PARTNERSHIP, B.partnership_decay, B.consortium_decay)
        quarters += 1
    assert quarters == 15
    assert "dissolves 15 quarters later unless renewed again" in ODD


# ---------------------------------------------------------------- maturation


def test_trl_advance_probability():
    assert rules.trl_advance_probability(9, 100.0, 2.0, 0.2, 5.0) == 0.0  # the top
    assert rules.trl_advance_probability(3, 0.0, 2.0, 0.2, 5.0) == 0.0  # no knowledge
    ps = [rules.trl_advance_probability(t, 4.0, 2.0, 0.2, 0.0) for t in range(1, 9)]
    assert ps == sorted(ps, reverse=True)  # harder at higher levels
    qs = [rules.trl_advance_probability(4, k, 2.0, 0.2, 0.0) for k in (0.5, 2.0, 8.0)]
    assert qs == sorted(qs)
    assert rules.trl_advance_probability(1, 1e9, 2.0, 0.9, 100.0) == 0.95  # capped
    odd = odd_formula(
        "min(0.95, h / (1 + 0.25 (TRL − 1)) × E / (E + H) × (1 + B))",
        {"h": "h", "TRL": "trl", "E": "E", "H": "H", "B": "B"},
    )
    for trl, e, b in [(1, 2.0, 0.0), (4, 3.0, 1.5), (6, 0.7, 2.0), (8, 50.0, 0.5)]:
        got = rules.trl_advance_probability(trl, e, 2.0, 0.2, b)
        assert got == pytest.approx(odd(h=0.2, trl=trl, E=e, H=2.0, B=b))


def test_maturation_boost_applies_each_plan_where_it_works():
    boost = (1.5, 1.5, 0.5)  # test site, demonstration, center
    assert rules.maturation_boost(4, 0.0, False, 0.0, *boost) == 0.0
    assert rules.maturation_boost(6, 1.0, False, 0.0, *boost) == 1.5  # test sites: 6 -> 7
    assert rules.maturation_boost(5, 1.0, False, 0.0, *boost) == 0.0
    assert rules.maturation_boost(6, 0.5, False, 0.0, *boost) == 0.75  # by pilot level
    for trl in (5, 6, 7):
        assert rules.maturation_boost(trl, 0.0, True, 0.0, *boost) == 1.5
    for trl in (4, 8):
        assert rules.maturation_boost(trl, 0.0, True, 0.0, *boost) == 0.0
    assert rules.maturation_boost(2, 0.0, False, 0.25, *boost) == pytest.approx(0.125)
    assert rules.maturation_boost(6, 1.0, True, 1.0, *boost) == pytest.approx(3.5)


# ---------------------------------------------------------------- market


def test_bass_step_stays_a_share_and_saturates():
    assert rules.bass_step(0.0, 0.01, 0.3) == pytest.approx(0.0025)  # innovators start it
    assert rules.bass_step(1.0, 0.01, 0.3) == 1.0  # saturated
    a = 0.0
    path = []
    for _ in range(400):
        a = rules.bass_step(a, 0.01, 0.3)
        path.append(a)
    assert path == sorted(path) and 0.0 < path[0] and path[-1] <= 1.0
    assert path[-1] == pytest.approx(1.0)
    # imitation: more adopters, more new adopters while adoption is low
    assert rules.bass_step(0.2, 0.01, 0.3) - 0.2 > rules.bass_step(0.1, 0.01, 0.3) - 0.1
    odd = odd_formula(
        "a_f + 0.25 × (p_f + q × a_f) × (1 − a_f)", {"a_f": "a", "p_f": "p", "q": "q"}
    )
    for a, p, q in [(0.05, 0.01, 0.3), (0.6, 0.03, 0.5)]:
        assert rules.bass_step(a, p, q) == pytest.approx(odd(a=a, p=p, q=q))


def test_product_quality_market_weight_and_outside_option():
    assert rules.product_quality(0.0, 7) == 0.0
    assert rules.product_quality(0.0, 9) - rules.product_quality(0.0, 8) == pytest.approx(0.3)
    assert rules.product_quality(3.0, 7) > rules.product_quality(1.0, 7)
    odd_q = odd_formula(
        "ln(1 + own knowledge) + 0.3 (TRL − 7)", {"own knowledge": "k", "TRL": "trl"}
    )
    for k, trl in [(0.5, 7), (4.0, 9), (2.0, 8)]:
        assert rules.product_quality(k, trl) == pytest.approx(odd_q(k=k, trl=trl))
    # a seller's weight: proportional to the real firms it stands for
    assert rules.market_weight(1.0, 0.0, 1.5) == 1.0
    assert rules.market_weight(3.0, 0.7, 1.5) == pytest.approx(
        3.0 * rules.market_weight(1.0, 0.7, 1.5)
    )
    assert rules.market_weight(1.0, 1.0, 1.5) > rules.market_weight(1.0, 0.5, 1.5)
    # the outside option improves by ``progress`` quality units a year
    assert rules.outside_weight(40000.0, 0.05, 1.5, 0.2, 0) == pytest.approx(2000.0)
    year = rules.outside_weight(1.0, 1.0, 1.5, 0.2, 4) / rules.outside_weight(1.0, 1.0, 1.5, 0.2, 0)
    assert year == pytest.approx(rules.market_weight(1.0, 0.2, 1.5))
    assert rules.outside_weight(1.0, 1.0, 1.5, 0.0, 40) == 1.0  # no progress outside
    odd_o = odd_formula(
        "market.outside_competition × FIELD_SHARE[f] × exp(market.logit_beta × "
        "market.outside_progress × t / 4)",
        {
            "market.outside_competition": "c",
            "FIELD_SHARE[f]": "share",
            "market.logit_beta": "beta",
            "market.outside_progress": "prog",
            "t": "t",
        },
    )
    got = rules.outside_weight(40000.0, 0.07, 1.5, 0.2, 13)
    assert got == pytest.approx(odd_o(c=40000.0, share=0.07, beta=1.5, prog=0.2, t=13))


def test_market_potential_grows_at_its_yearly_rate():
    assert rules.market_potential(100.0, 0.0, 37) == 100.0  # the city's form: no growth
    year = rules.market_potential(100.0, 0.05, 8) / rules.market_potential(100.0, 0.05, 4)
    assert year == pytest.approx(math.exp(0.05))
    odd = odd_formula("potential_f × exp(m × t / 4)", {"potential_f": "p", "m": "m", "t": "t"})
    assert rules.market_potential(80.0, 0.07, 13) == pytest.approx(odd(p=80.0, m=0.07, t=13))


def test_the_frontier_grows_and_followers_close_part_of_their_gap():
    assert rules.advance_frontier(3.0, 0.0) == 3.0
    frontier = 3.0
    for _ in range(4):
        frontier = rules.advance_frontier(frontier, 0.05)
    assert frontier == pytest.approx(3.0 * math.exp(0.05))
    # a quarter closes a quarter of the yearly rate's share of the gap, never overshoots,
    # and a follower ahead of the frontier does not fall back
    assert rules.catch_up(1.0, 3.0, 0.2) == pytest.approx(1.0 + 0.05 * 2.0)
    assert rules.catch_up(1.0, 3.0, 4.0) == pytest.approx(3.0)
    assert rules.catch_up(4.0, 3.0, 0.2) == 4.0
    odd = odd_formula(
        "K_r,f + 0.25 × λ_r × max(0, F_f − K_r,f)", {"K_r,f": "k", "λ_r": "lam", "F_f": "F"}
    )
    assert rules.catch_up(1.3, 2.9, 0.15) == pytest.approx(odd(k=1.3, lam=0.15, F=2.9))


@pytest.mark.parametrize(("rate", "growth"), [(0.1, 0.05), (0.3, 0.01), (0.05, 0.15)])
def test_followers_settle_at_the_steady_ratio_from_any_start(rate, growth):
    """Against a growing frontier a follower's gap is stationary: from far behind or from
    level with the frontier it ends at the same ratio, the one ``steady_catch_up_ratio``
    gives (and a start at that ratio stays there)."""
    steady = rules.steady_catch_up_ratio(rate, growth)
    assert 0.0 < steady < 1.0
    ends = []
    for start in (0.01, 1.0, steady):
        frontier, k = 1.0, start
        for _ in range(4 * 300):
            frontier = rules.advance_frontier(frontier, growth)
            k = rules.catch_up(k, frontier, rate)
        ends.append(k / frontier)
    assert ends == pytest.approx([steady] * 3, rel=1e-6)
    # faster catch-up or a slower frontier: nearer to it
    assert rules.steady_catch_up_ratio(2 * rate, growth) > steady
    assert rules.steady_catch_up_ratio(rate, growth / 2) > steady
    assert rules.steady_catch_up_ratio(rate, 0.0) == pytest.approx(1.0)
    assert rules.steady_catch_up_ratio(0.0, growth) == 0.0  # left behind for good
    assert rules.steady_catch_up_ratio(0.0, 0.0) == 1.0  # the limit of a still frontier


def test_frontier_absorption_scales_with_capacity_and_ties():
    alone = rules.frontier_absorption(1.0, 3.0, 0.1, 0.5, 0.0, 1.0)
    assert alone == pytest.approx(0.25 * 0.1 * 0.5 * 2.0)
    # a consortium or center seat multiplies it by 1 + bonus for the real firms seated
    assert rules.frontier_absorption(1.0, 3.0, 0.1, 0.5, 1.0, 1.0) == pytest.approx(2 * alone)
    assert rules.frontier_absorption(1.0, 3.0, 0.1, 0.5, 0.25, 1.0) == pytest.approx(1.25 * alone)
    assert rules.frontier_absorption(1.0, 3.0, 0.1, 0.5, 3.0, 1.0) == pytest.approx(2 * alone)
    # nothing to absorb at or beyond the frontier, nor without capacity
    assert rules.frontier_absorption(3.0, 3.0, 0.1, 0.5, 1.0, 1.0) == 0.0
    assert rules.frontier_absorption(4.0, 3.0, 0.1, 0.5, 1.0, 1.0) == 0.0
    assert rules.frontier_absorption(1.0, 3.0, 0.1, 0.0, 1.0, 1.0) == 0.0


def test_competitor_weight_is_a_seller_at_trl_7():
    # a region of N sellers at knowledge K weighs as N Shanghai sellers of that knowledge
    q = rules.product_quality(2.0, 7)
    assert rules.competitor_weight(300.0, 0.1, 2.0, 1.5) == pytest.approx(
        0.1 * rules.market_weight(300.0, q, 1.5)
    )
    assert rules.competitor_weight(300.0, 0.1, 3.0, 1.5) > rules.competitor_weight(
        300.0, 0.1, 2.0, 1.5
    )
    odd = odd_formula(
        "N_r × (a_f / a_0) × FIELD_SHARE[f] × exp(market.logit_beta × ln(1 + K_r,f))",
        {"N_r": "n", "a_f": "af", "a_0": "a0", "FIELD_SHARE[f]": "s",
         "market.logit_beta": "b", "K_r,f": "k"},
    )  # fmt: skip
    # the step passes the sellers of the moment, N_r x a_f / a_0
    assert rules.competitor_weight(120.0 * 0.3 / 0.1, 0.07, 2.2, 1.5) == pytest.approx(
        odd(n=120.0, af=0.3, a0=0.1, s=0.07, b=1.5, k=2.2)
    )


def test_private_finance_probability_screens_on_knowledge():
    assert rules.private_finance_probability(0.0, 0.08, 1.0) == 0.0
    assert rules.private_finance_probability(1.0, 0.08, 1.0) == pytest.approx(0.04)
    assert rules.private_finance_probability(1e9, 0.08, 1.0) == pytest.approx(0.08)
    odd = odd_formula(
        "behaviour.private_finance_rate × K / (K + behaviour.absorptive_half)",
        {"behaviour.private_finance_rate": "r", "K": "K", "behaviour.absorptive_half": "h"},
    )
    assert rules.private_finance_probability(2.5, 0.08, 1.0) == pytest.approx(
        odd(r=0.08, K=2.5, h=1.0)
    )


def test_capital_change_is_the_cash_flow():
    assert rules.capital_change(0.0, 0.0, 0.35, 0.0, 0.0, 0.0) == 0.0
    # a firm with no sales pays its costs
    assert rules.capital_change(0.0, 0.0, 0.35, 0.1, 0.02, 0.0015) == pytest.approx(-0.1215)
    # only the margin on sales is cash
    assert rules.capital_change(0.0, 1.0, 0.35, 0.0, 0.0, 0.0) == pytest.approx(0.35)
    odd = odd_formula(
        "capital + legacy_revenue + behaviour.gross_margin × revenue − (RD + RD_seat) − wages "
        "− fixed",
        {
            "capital": "cap",
            "legacy_revenue": "leg",
            "behaviour.gross_margin": "gm",
            "revenue": "rev",
            "RD": "rd",
            "RD_seat": "seat",
            "wages": "wages",
            "fixed": "fixed",
        },
    )
    delta = rules.capital_change(0.01, 0.2, 0.35, 0.03 + 0.01, 0.005, 0.0015)
    after = odd(cap=1.0, leg=0.01, gm=0.35, rev=0.2, rd=0.03, seat=0.01, wages=0.005, fixed=0.0015)
    assert 1.0 + delta == pytest.approx(after)


def test_finance_key_puts_start_ups_first():
    assert rules.finance_key(2.0, 0.1, SME_TIER, 5.0) == pytest.approx(0.2)
    assert rules.finance_key(2.0, 0.1, STARTUP_TIER, 5.0) == pytest.approx(1.0)
    assert rules.finance_key(2.0, 0.1, LEADING_TIER, 5.0) == pytest.approx(0.2)
    assert rules.finance_key(2.0, 0.0, STARTUP_TIER, 5.0) == 0.0  # an unsupported field


def test_exit_due_after_the_stated_quarters():
    assert not rules.exit_due(0, 2)
    assert not rules.exit_due(1, 2)
    assert rules.exit_due(2, 2)
    assert rules.exit_due(3, 2)


def test_exit_hazard_falls_with_age_from_young_to_old():
    young = rules.exit_hazard(0, 0.2, 0.04, 3.0)
    assert young == pytest.approx(1 - (1 - 0.2) ** 0.25)  # annual 0.2 as a quarterly chance
    ages = [rules.exit_hazard(a, 0.2, 0.04, 3.0) for a in range(0, 200, 4)]
    assert (np.diff(ages) < 0).all()  # liability of newness
    assert ages[-1] == pytest.approx(1 - (1 - 0.04) ** 0.25, rel=1e-4)
    assert rules.exit_hazard(12, 0.1, 0.1, 3.0) == pytest.approx(1 - 0.9**0.25)
    # five years of it at the defaults: a survival a referee can compare with the data
    b = Behaviour()
    survive = math.prod(
        1 - rules.exit_hazard(a, b.exit_hazard_young, b.exit_hazard_old, b.newness_years)
        for a in range(20)
    )
    assert 0.5 < survive < 0.75


def test_capacity_investment_closes_the_gap_within_the_cash_it_has():
    # potential 1 a quarter with 25 % headroom, capacity 0.5: a gap of 0.75 a quarter,
    # 3 a year, at 0.6 RMB per RMB of annual capacity costs 1.8
    assert rules.capacity_investment(0.5, 1.0, 0.25, 100.0, 0.5, 0.6) == pytest.approx(1.8)
    assert rules.capacity_investment(0.5, 1.0, 0.25, 2.0, 0.5, 0.6) == pytest.approx(1.0)
    assert rules.capacity_investment(0.5, 1.0, 0.25, -1.0, 0.5, 0.6) == 0.0  # no cash
    assert rules.capacity_investment(2.0, 1.0, 0.25, 100.0, 0.5, 0.6) == 0.0  # enough
    assert rules.capacity_investment(0.0, 0.0, 0.25, 100.0, 0.5, 0.6) == 0.0


def test_demand_shocks_are_persistent_and_smaller_for_larger_firms():
    assert rules.next_shock(0.5, 0.9, 0.1, 0.0) == pytest.approx(0.45)
    assert rules.next_shock(0.0, 0.9, 0.1, 1.5) == pytest.approx(0.15)
    assert rules.shock_sd(0.1, 0.01, 0.0125, 0.2) == 0.1  # below a first line: full spread
    assert rules.shock_sd(0.1, 0.0125, 0.0125, 0.2) == 0.1
    big = rules.shock_sd(0.1, 0.0125 * 1000, 0.0125, 0.2)
    assert big == pytest.approx(0.1 * 1000**-0.2)  # Stanley et al.: sd ~ size^-0.2
    assert rules.shock_sd(0.1, 1.0, 0.0125, 0.0) == 0.1


def test_experience_quality_rises_with_the_log_of_cumulative_sales():
    assert rules.experience_quality(0.0, 0.1, 0.1) == 0.0
    one = rules.experience_quality(0.1, 0.1, 0.1)
    assert one == pytest.approx(0.1 * math.log(2))
    gains = [rules.experience_quality(x, 0.1, 0.1) for x in (0.0, 1.0, 2.0, 3.0)]
    steps = np.diff(gains)
    assert (steps > 0).all() and (np.diff(steps) < 0).all()  # rising, each bn adds less
    assert rules.experience_quality(5.0, 0.0, 0.1) == 0.0


def test_pilot_ready_needs_firms_sellers_and_knowledge():
    assert rules.pilot_ready(150.0, 12.0, 150.0 * 0.6, 100.0, 10.0, 0.5)
    assert not rules.pilot_ready(90.0, 12.0, 90.0 * 0.6, 100.0, 10.0, 0.5)  # too few firms
    assert not rules.pilot_ready(150.0, 9.0, 150.0 * 0.6, 100.0, 10.0, 0.5)  # few sellers
    assert not rules.pilot_ready(150.0, 12.0, 150.0 * 0.4, 100.0, 10.0, 0.5)  # knowledge
    assert not rules.pilot_ready(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)  # an empty area never
    assert rules.pilot_ready(1.0, 0.0, 0.0, 0.0, 0.0, 0.0)  # gates at 0: any firm will do


def test_institute_ready_needs_knowledge_and_partner_firms():
    assert rules.institute_ready(6.0, 20.0, 6.0, 20.0)
    assert not rules.institute_ready(5.9, 30.0, 6.0, 20.0)
    assert not rules.institute_ready(9.0, 19.0, 6.0, 20.0)
    assert rules.institute_ready(0.0, 0.0, 0.0, 0.0)


def test_a_grants_additional_share_falls_with_its_generosity():
    assert rules.grant_additional_share(0.0, 1.0, 0.5) == 1.0  # no grant, nothing wasted
    small = rules.grant_additional_share(0.1, 1.0, 0.5)
    large = rules.grant_additional_share(1.0, 1.0, 0.5)
    assert small == pytest.approx(1 - 0.5 * 0.1 / 1.1)
    assert large == pytest.approx(0.75) and large < small
    assert rules.grant_additional_share(1.0, 0.0, 0.5) == pytest.approx(0.5)  # all of its R&D
    assert rules.grant_additional_share(1.0, 1.0, 0.0) == 1.0  # no deadweight
    # the additional R&D a grant buys still rises with the grant
    bought = [g * rules.grant_additional_share(g, 1.0, 0.5) for g in (0.1, 0.5, 1.0, 5.0)]
    assert (np.diff(bought) > 0).all()


def test_co_investment_per_public_rmb_falls_as_public_money_rises():
    assert rules.co_investment_ratio(0.0, 4.0, 0.01) == 4.0
    assert rules.co_investment_ratio(0.01, 4.0, 0.01) == pytest.approx(2.0)  # halved
    ratios = [rules.co_investment_ratio(x, 4.0, 0.01) for x in (0.0, 0.005, 0.02, 0.1)]
    assert (np.diff(ratios) < 0).all()
    # the private money raised, public x ratio, still rises with the public money
    raised = [x * rules.co_investment_ratio(x, 4.0, 0.01) for x in (0.005, 0.02, 0.1)]
    assert (np.diff(raised) > 0).all()


# ---------------------------------------------------------------- government


def test_horse_race_weight_keeps_the_weights_a_distribution():
    assert rules.horse_race_weight(0.3, 0.0, 0.0, 0.3) == 0.3  # no traction anywhere
    old = np.array([0.5, 0.3, 0.2])
    traction = np.array([0.0, 1.0, 3.0])
    new = [
        rules.horse_race_weight(w, t, traction.sum(), 0.3)
        for w, t in zip(old, traction, strict=True)
    ]
    assert sum(new) == pytest.approx(1.0)
    assert new[0] < old[0] and new[2] > old[2]  # support moves toward traction
    assert [
        rules.horse_race_weight(w, t, 4.0, 0.0) for w, t in zip(old, traction, strict=True)
    ] == list(old)
    full = [rules.horse_race_weight(w, t, 4.0, 1.0) for w, t in zip(old, traction, strict=True)]
    assert full == pytest.approx(traction / 4.0)
    odd = odd_formula(
        "(1 − r) · w_f + r · traction_f / Σ_g traction_g",
        {"r": "r", "w_f": "w", "traction_f": "t", "Σ_g traction_g": "total"},
    )
    assert rules.horse_race_weight(0.2, 1.5, 6.0, 0.3) == pytest.approx(
        odd(r=0.3, w=0.2, t=1.5, total=6.0)
    )
