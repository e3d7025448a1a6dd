"""Counter-based random numbers: a draw is a pure function of its key.

Key = (run seed, tick, entity id, purpose, counter). The bits come from the splitmix64
finaliser applied in a chain over the key's parts, so there is no generator state to
carry, share or split. Consequences the model relies on:

* a decision draws the same number whatever order agents are visited in;
* adding an entity changes no other entity's draws (each draw is keyed by its own id);
* a sweep's results do not depend on worker count, chunking or resumption.

``purpose`` is a stable 63-bit hash of a stream name (FNV-1a, never Python's ``hash()``,
which is salted per process). The functions are ``@njit`` and callable from Python too.
The drawing functions declare their one signature (every key part an int64): called with
a literal counter such as ``0`` or ``1``, Numba would otherwise compile a version for each
literal, about a dozen in all. They are compiled for it when a run starts
(``sim.engine.prepare``), not when this module is imported.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


def _one_signature(signature: str):
    """``njit`` for a function compiled for ``signature`` alone, when a run starts."""

    def compiled(fn):
        dispatcher = njit(cache=True, error_model="numpy")(fn)
        dispatcher.one_signature = signature
        return dispatcher

    return compiled


def stream_id(name: str) -> int:
    """A stable 63-bit id for a named stream of draws (FNV-1a over UTF-8)."""
    h = 0xCBF29CE484222325
    for byte in name.encode("utf-8"):
        h ^= byte
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h & 0x7FFFFFFFFFFFFFFF


@njit(cache=True, inline="always", error_model="numpy")
def _mix(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@_one_signature("uint64(int64, int64, int64, int64, int64)")
def bits(seed, tick, entity, purpose, counter):
    """64 random bits for the key; every argument a non-negative integer."""
    h = _mix(np.uint64(seed) + _GOLDEN)
    h = _mix(h ^ (np.uint64(purpose) + _GOLDEN))
    h = _mix(h ^ (np.uint64(tick) + _GOLDEN))
    h = _mix(h ^ (np.uint64(entity) + _GOLDEN))
    h = _mix(h ^ (np.uint64(counter) + _GOLDEN))
    return h


@_one_signature("uint64(int64, int64, int64)")
def stream_key(seed, tick, purpose):
    """The (seed, purpose, tick) prefix of a key; hoisting it out of loops saves 3 of 5 mixes."""
    h = _mix(np.uint64(seed) + _GOLDEN)
    h = _mix(h ^ (np.uint64(purpose) + _GOLDEN))
    return _mix(h ^ (np.uint64(tick) + _GOLDEN))


@njit(cache=True, inline="always", error_model="numpy")
def keyed_uniform(key, entity, counter):
    """``uniform(seed, tick, entity, purpose, counter)``, given its ``stream_key`` prefix."""
    h = _mix(np.uint64(key) ^ (np.uint64(entity) + _GOLDEN))
    h = _mix(h ^ (np.uint64(counter) + _GOLDEN))
    return float(h >> _S11) * _INV53


@njit(cache=True, inline="always", error_model="numpy")
def keyed_uniforms(key, entities, n, counter):
    """``keyed_uniform(key, entities[k], counter)`` for k < n, as an array. A loop that only
    draws is computed several draws at a time with vector instructions, about five times
    faster than drawing one at a time inside a loop that branches on each draw."""
    out = np.empty(n)
    for k in range(n):
        out[k] = keyed_uniform(key, entities[k], counter)
    return out


@njit(cache=True, inline="always", error_model="numpy")
def keyed_index(key, entity, counter, n):
    i = int(keyed_uniform(key, entity, counter) * n)
    return i if i < n else n - 1


@njit(cache=True, inline="always", error_model="numpy")
def keyed_normal(key, entity, counter):
    """``normal(seed, tick, entity, purpose, counter)``, given its ``stream_key`` prefix."""
    u1 = keyed_uniform(key, entity, 2 * counter)
    u2 = keyed_uniform(key, entity, 2 * counter + 1)
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


@_one_signature("float64(int64, int64, int64, int64, int64)")
def uniform(seed, tick, entity, purpose, counter):
    """A float in [0, 1) with 53 random bits."""
    return float(bits(seed, tick, entity, purpose, counter) >> _S11) * _INV53


@_one_signature("int64(int64, int64, int64, int64, int64, int64)")
def index(seed, tick, entity, purpose, counter, n):
    """An integer in [0, n) (n >= 1)."""
    i = int(uniform(seed, tick, entity, purpose, counter) * n)
    return i if i < n else n - 1


@_one_signature("float64(int64, int64, int64, int64, int64)")
def normal(seed, tick, entity, purpose, counter):
    """A standard normal deviate (Box-Muller over draws ``2*counter`` and ``2*counter+1``)."""
    u1 = uniform(seed, tick, entity, purpose, 2 * counter)
    u2 = uniform(seed, tick, entity, purpose, 2 * counter + 1)
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


@_one_signature("int64(float64, int64, int64, int64, int64)")
def stochastic_round(x, seed, tick, entity, purpose):
    """floor(x), plus one with probability frac(x): an unbiased integer for a rate."""
    base = math.floor(x)
    if uniform(seed, tick, entity, purpose, 0) < x - base:
        base += 1.0
    return int(base)


# The model's named streams of draws, and within each the draws an entity takes, by their
# counter (a normal deviate with counter c takes the uniforms 2c and 2c + 1).
ONE_DRAW = 0  # the counter of a stream's only draw per entity and tick

POP_INSTITUTE = stream_id("population.institute")
INST_DISTRICT, INST_LEVEL = 0, 1  # the level is a normal deviate
INST_KNOWLEDGE = 10  # + field

POP_ENTERPRISE = stream_id("population.enterprise")
(ENT_FIELD, ENT_TIER, ENT_DISTRICT, ENT_TRL, ENT_KNOWLEDGE, ENT_CAPITAL, ENT_COVER,
 ENT_AGE) = range(8)  # fmt: skip
ENT_OTHER_FIELDS = 20  # + field: knowledge outside its field (knowledge, capital: normal)

POP_TALENT = stream_id("population.talent")
TAL_EMPLOYER, TAL_FIELD, TAL_LEVEL, TAL_SKILL = range(4)

POP_EDGE = stream_id("population.edge")
# a tie to a leading firm: whether, to which, its strength; then the same to an institute
EDGE_TO_LEADER, EDGE_LEADER, EDGE_LEADER_STRENGTH = 0, 1, 2
EDGE_TO_INSTITUTE, EDGE_INSTITUTE, EDGE_INSTITUTE_STRENGTH = 3, 4, 5

TALENT_OUTFLOW = stream_id("talent.outflow")
TALENT_MOVE = stream_id("talent.move")
TALENT_FOUND = stream_id("talent.found")
TALENT_CANDIDATE = stream_id("talent.candidate")
CANDIDATE_PARTNER, CANDIDATE_IN_CLUSTER = 0, 1  # its employer's partner; a cluster's firm

INFLOW_COUNT = stream_id("inflow.count")
BASE_INFLOW, COLLEGE_INFLOW = 0, 1  # the entity of a count: the base, college j + 1
INFLOW_TALENT = stream_id("inflow.talent")
NEWCOMER_FIELD, NEWCOMER_EMPLOYER, NEWCOMER_SKILL, NEWCOMER_LEVEL = range(4)

PARTNER_SEARCH = stream_id("partner.search")
PARTNER_CANDIDATE = stream_id("partner.candidate")
# a partner of the searcher, that partner's partner, a firm of its pilot area and of its
# cluster, an institute of its cluster
VIA_PARTNER, PARTNERS_PARTNER, IN_PILOT_AREA, IN_CLUSTER, CLUSTER_INSTITUTE = range(5)

TRL_ADVANCE = stream_id("trl.advance")
PRIVATE_FINANCE = stream_id("finance.private")
FIRM_SHOCK = stream_id("firm.shock")  # a normal deviate: the quarter's demand shock
STATIONARY_SHOCK = 1  # counter of the first quarter's draw from the stationary spread
FIRM_EXIT = stream_id("firm.exit")

ENTRY_COUNT = stream_id("government.entry_count")  # the year's entrants (entity 0)
LEADER_ENTRY = stream_id("government.leader_entry")
ENTRANT_FIELD, ENTRANT_DISTRICT = 0, 1
ENTRANT_KNOWLEDGE = 1  # a normal deviate: uniforms 2 and 3, apart from the district's 1
