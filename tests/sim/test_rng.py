"""The counter-based generator: draws are pure functions of their keys."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rainforest.sim import rng

keys = st.tuples(
    st.integers(0, 2**62), st.integers(0, 10_000), st.integers(0, 10**7), st.integers(0, 2**62),
    st.integers(0, 100),
)  # fmt: skip


@settings(deadline=None)  # the first call may compile
@given(keys)
def test_a_draw_depends_only_on_its_key(key):
    first = rng.uniform(*key)
    assert 0.0 <= first < 1.0
    for other in [(key[0] ^ 1, *key[1:]), (key[0], key[1] + 1, *key[2:])]:
        rng.uniform(*other)  # drawing other keys in between changes nothing
    assert rng.uniform(*key) == first


def test_stream_ids_are_stable_across_processes():
    # FNV-1a, not Python's salted hash(): these values are part of every recorded run
    assert rng.stream_id("talent.outflow") == rng.stream_id("talent.outflow")
    assert rng.stream_id("a") == 0xAF63DC4C8601EC8C & 0x7FFFFFFFFFFFFFFF
    assert rng.stream_id("") == 0xCBF29CE484222325 & 0x7FFFFFFFFFFFFFFF
    assert rng.TALENT_OUTFLOW != rng.TALENT_MOVE


def test_draws_look_uniform_and_independent_across_entities():
    u = np.array([rng.uniform(7, 3, e, rng.TALENT_MOVE, 0) for e in range(20_000)])
    assert abs(u.mean() - 0.5) < 0.01
    counts, _ = np.histogram(u, bins=20, range=(0, 1))
    chi2 = ((counts - 1000) ** 2 / 1000).sum()
    assert chi2 < 45  # 19 degrees of freedom, p ~ 0.001
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.03


def test_streams_and_counters_are_distinct():
    a = [rng.uniform(1, 0, e, rng.TALENT_MOVE, 0) for e in range(100)]
    b = [rng.uniform(1, 0, e, rng.TALENT_FOUND, 0) for e in range(100)]
    c = [rng.uniform(1, 0, e, rng.TALENT_MOVE, 1) for e in range(100)]
    assert a != b and a != c


def test_index_and_normal():
    idx = [rng.index(3, 1, e, rng.PARTNER_CANDIDATE, 0, 7) for e in range(5000)]
    assert set(idx) == set(range(7))
    z = np.array([rng.normal(3, 1, e, rng.POP_ENTERPRISE, 0) for e in range(20_000)])
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1.0) < 0.03


def test_stochastic_round_is_unbiased():
    n = [rng.stochastic_round(2.3, 5, t, 0, rng.INFLOW_COUNT) for t in range(20_000)]
    assert set(n) == {2, 3}
    assert abs(np.mean(n) - 2.3) < 0.02


@settings(deadline=None)  # the first call may compile
@given(keys)
def test_a_hoisted_stream_key_gives_the_same_draws(key):
    seed, tick, entity, purpose, counter = key
    prefix = np.uint64(rng.stream_key(seed, tick, purpose))
    assert rng.keyed_uniform(prefix, entity, counter) == rng.uniform(*key)
    assert rng.keyed_index(prefix, entity, counter, 13) == rng.index(*key, 13)


def test_draws_taken_together_equal_draws_taken_one_by_one():
    key = rng.stream_key(11, 5, rng.TALENT_MOVE)
    ids = np.array([0, 3, 2**40, 17, 17, 999_999], np.int64)
    together = rng.keyed_uniforms(key, ids, 5, 2)
    assert together.tolist() == [rng.keyed_uniform(key, e, 2) for e in ids[:5]]
