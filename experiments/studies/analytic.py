"""Functions with known answers, to check the analysis pipeline against them.

Each is a plain function of named inputs returning a dict of outcomes, so a sweep file
can name it as its model (``model = "rainforest.experiments.studies.analytic:ishigami"``)
and the samplers, executors, storage and analyses run on it as on the simulator; the
answers they should find are given here in closed form:

- ``ishigami``: Sobol' first-order and total indices (``ishigami_indices``);
- ``linear``: Morris mu* = |coefficient| x the input's range, sigma = 0;
- ``known_box``: an outcome above 500 exactly inside ``KNOWN_BOX`` (scenario discovery);
- ``additive_game``, ``pair_game`` and ``glove_game``: cooperative games over the six
  plans whose Shapley values and interactions are known (``*_SHAPLEY`` and the
  functions below).

The games take one on/off argument per plan, as the attribution of the model switches
plans, and a seed: they add a noise term that depends on the seed only, the same for
every coalition, so under common random numbers it cancels from every marginal
contribution, as seed noise does in the model's attribution.
"""

from __future__ import annotations

import math

import numpy as np
from rainforest.experiments.sweeps.functions import outcomes
from rainforest.scenarios.schema import PLAN_NAMES

ISHIGAMI_A = 7.0
ISHIGAMI_B = 0.1
ISHIGAMI_RANGE = (-math.pi, math.pi)  # every input, uniform


@outcomes("y")
def ishigami(x1: float, x2: float, x3: float, a: float = ISHIGAMI_A, b: float = ISHIGAMI_B):
    """sin x1 + a sin^2 x2 + b x3^4 sin x1 (Ishigami and Homma 1990)."""
    return {"y": math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)}


def ishigami_indices(
    a: float = ISHIGAMI_A, b: float = ISHIGAMI_B
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(first-order, total) Sobol' indices of x1, x2, x3 for inputs uniform on [-pi, pi]."""
    pi4 = math.pi**4
    v1 = 0.5 * (1.0 + b * pi4 / 5.0) ** 2
    v2 = a**2 / 8.0
    v13 = 8.0 * b**2 * math.pi**8 / 225.0  # x1 and x3 only act together
    total = v1 + v2 + v13
    first = (v1 / total, v2 / total, 0.0)
    return first, ((v1 + v13) / total, v2 / total, v13 / total)


LINEAR_COEFFICIENTS = {"x1": 4.0, "x2": -2.0, "x3": 0.5, "x4": 0.0}


@outcomes("y")
def linear(x1: float, x2: float, x3: float, x4: float):
    """sum of c_i x_i: every elementary effect of x_i is c_i, per unit of x_i."""
    x = {"x1": x1, "x2": x2, "x3": x3, "x4": x4}
    return {"y": sum(c * x[k] for k, c in LINEAR_COEFFICIENTS.items())}


KNOWN_BOX = {"x1": (0.2, 0.6), "x2": (0.5, 0.9)}  # x3 does not matter
BOX_INSIDE, BOX_OUTSIDE, BOX_NOISE = 600.0, 400.0, 20.0


@outcomes("value", "inside")
def known_box(x1: float, x2: float, x3: float, seed: int = 0):
    """``value`` ~ 600 inside ``KNOWN_BOX`` and ~ 400 outside (noise sd 20, from the seed),
    so ``value >= 500`` holds exactly in the box, for inputs on [0, 1]; ``inside`` is 0/1."""
    inside = all(lo <= v <= hi for v, (lo, hi) in ((x1, KNOWN_BOX["x1"]), (x2, KNOWN_BOX["x2"])))
    noise = float(np.random.default_rng(seed).normal(0.0, BOX_NOISE))
    noise = max(-4 * BOX_NOISE, min(4 * BOX_NOISE, noise))  # the box stays exact
    return {"value": (BOX_INSIDE if inside else BOX_OUTSIDE) + noise, "inside": float(inside)}


# --------------------------------------------------------------------------- games

ADDITIVE_SHAPLEY = dict(zip(PLAN_NAMES, (30.0, 20.0, 12.5, 8.0, 5.0, 2.5), strict=True))
GAME_BASE = 100.0  # the value with every plan off
GAME_NOISE = 10.0  # sd of the seed's noise, common to every coalition


def _noise(seed: int) -> float:
    return float(np.random.default_rng(seed).normal(0.0, GAME_NOISE))


@outcomes("value")
def additive_game(
    foundation: bool, leading: bool, hand_in_hand: bool, open_source: bool, array: bool,
    rainforest: bool, seed: int = 0,
):  # fmt: skip
    """Each plan adds its own worth: its Shapley value is that worth, no interactions."""
    on = dict(zip(PLAN_NAMES, (foundation, leading, hand_in_hand, open_source, array,
                               rainforest), strict=True))  # fmt: skip
    worth = sum(ADDITIVE_SHAPLEY[p] for p in PLAN_NAMES if on[p])
    return {"value": GAME_BASE + worth + _noise(seed)}


PAIR = ("leading", "open_source")  # the pair that reinforces each other
PAIR_SYNERGY = 16.0


@outcomes("value")
def pair_game(
    foundation: bool, leading: bool, hand_in_hand: bool, open_source: bool, array: bool,
    rainforest: bool, seed: int = 0,
):  # fmt: skip
    """The additive game plus a synergy that only the pair ``PAIR`` together earns.

    Shapley: each of the pair gets its worth plus half the synergy; the pair's Shapley
    interaction index and Moebius term are the synergy; every other pair's are zero.
    """
    on = dict(zip(PLAN_NAMES, (foundation, leading, hand_in_hand, open_source, array,
                               rainforest), strict=True))  # fmt: skip
    worth = sum(ADDITIVE_SHAPLEY[p] for p in PLAN_NAMES if on[p])
    synergy = PAIR_SYNERGY if on[PAIR[0]] and on[PAIR[1]] else 0.0
    return {"value": GAME_BASE + worth + synergy + _noise(seed)}


GLOVE_LEFT = ("foundation", "leading")
GLOVE_RIGHT = ("hand_in_hand",)
GLOVE_SHAPLEY = {"foundation": 1 / 6, "leading": 1 / 6, "hand_in_hand": 2 / 3, "open_source": 0.0,
                 "array": 0.0, "rainforest": 0.0}  # fmt: skip
# Shapley interaction indices of the glove game (from its Moebius terms: +1 for each
# left-right pair, -1 for the three together): complements +1/2, the two left gloves
# (substitutes) -1/2; the other three plans are dummies.
GLOVE_INTERACTIONS = {("foundation", "hand_in_hand"): 0.5, ("leading", "hand_in_hand"): 0.5,
                      ("foundation", "leading"): -0.5}  # fmt: skip


@outcomes("value")
def glove_game(
    foundation: bool, leading: bool, hand_in_hand: bool, open_source: bool, array: bool,
    rainforest: bool,
):  # fmt: skip
    """Two left gloves (foundation, leading), one right (hand-in-hand): a coalition is
    worth its matched pairs; the other three plans are dummies."""
    left = int(foundation) + int(leading)
    return {"value": float(min(left, int(hand_in_hand)))}
