"""Exact Shapley values, Shapley interaction indices and Moebius terms of a small game.

A game over ``n`` players is the array of its coalitions' worths, ``v[mask]``, where bit
``i`` of ``mask`` says whether player ``i`` is in the coalition (``v[0]`` is the empty
coalition, ``v[2**n - 1]`` the grand one). With six plans that is 64 numbers, so every
quantity here is an exact enumeration, not an estimate: no permutation sampling, and
nothing that needs a library. Extra trailing axes (replicates, indicators) are carried
through, so one call handles every replicate at once.

- Shapley value: phi_i = sum over S not holding i of |S|! (n-|S|-1)! / n! [v(S+i) - v(S)];
  the values add up to v(all) - v(none) (efficiency).
- Shapley interaction index (Grabisch 1997) of a pair: the same average, with weights
  |S|! (n-|S|-2)! / (n-1)!, of the pair's joint marginal effect
  v(S+ij) - v(S+i) - v(S+j) + v(S): positive when the two reinforce each other,
  negative when each substitutes for the other.
- Moebius terms (Harsanyi dividends): m(T) = sum over S in T of (-1)^(|T|-|S|) v(S), the
  worth that only the coalition T as a whole adds; a pair's term is its synergy on top
  of each alone.

The bootstrap resamples replicates, the same resample for every coalition: every
quantity here is linear in ``v``, so the quantity of a resample's mean game is the
resample's mean of the per-replicate quantities.
"""

from __future__ import annotations

from math import factorial

import numpy as np


def player_count(v: np.ndarray) -> int:
    """The number of players of a game given as 2**n coalition worths."""
    size = np.shape(v)[0]
    n = int(size).bit_length() - 1
    if size < 2 or 1 << n != size:
        raise ValueError(f"a game over n players has 2**n coalitions, not {size}")
    return n


def coalition_sizes(n: int) -> np.ndarray:
    """How many players each coalition ``mask`` in 0 .. 2**n - 1 holds."""
    masks = np.arange(1 << n)
    return np.array([int(m).bit_count() for m in masks], dtype=np.int64)


def members(mask: int, n: int) -> tuple[int, ...]:
    """The players in coalition ``mask``."""
    return tuple(i for i in range(n) if mask >> i & 1)


def shapley_values(v: np.ndarray) -> np.ndarray:
    """Each player's Shapley value: shape (n, *trailing) for ``v`` of shape (2**n, *trailing)."""
    v = np.asarray(v, dtype=np.float64)
    n = player_count(v)
    sizes = coalition_sizes(n)
    weight = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
    masks = np.arange(1 << n)
    out = np.empty((n, *v.shape[1:]))
    for i in range(n):
        without = masks[(masks >> i) & 1 == 0]
        gains = v[without | (1 << i)] - v[without]
        out[i] = np.tensordot(weight[sizes[without]], gains, axes=(0, 0))
    return out


def interaction_indices(v: np.ndarray) -> np.ndarray:
    """The Shapley interaction index of every pair: shape (n, n, *trailing), symmetric,
    zero on the diagonal (a player does not interact with itself)."""
    v = np.asarray(v, dtype=np.float64)
    n = player_count(v)
    sizes = coalition_sizes(n)
    weight = np.array(
        [factorial(s) * factorial(n - s - 2) / factorial(n - 1) for s in range(max(n - 1, 1))]
    )
    masks = np.arange(1 << n)
    out = np.zeros((n, n, *v.shape[1:]))
    for i in range(n):
        for j in range(i + 1, n):
            pair = (1 << i) | (1 << j)
            rest = masks[masks & pair == 0]
            joint = v[rest | pair] - v[rest | (1 << i)] - v[rest | (1 << j)] + v[rest]
            out[i, j] = out[j, i] = np.tensordot(weight[sizes[rest]], joint, axes=(0, 0))
    return out


def mobius_terms(v: np.ndarray) -> np.ndarray:
    """Every coalition's Moebius term (Harsanyi dividend), same shape as ``v``."""
    m = np.array(v, dtype=np.float64, copy=True)
    n = player_count(m)
    masks = np.arange(1 << n)
    for i in range(n):
        holding = masks[(masks >> i) & 1 == 1]
        m[holding] -= m[holding ^ (1 << i)]
    return m


def pair_mobius(v: np.ndarray) -> np.ndarray:
    """The Moebius term of every pair, shape (n, n, *trailing), zero on the diagonal."""
    m = mobius_terms(v)
    n = player_count(m)
    out = np.zeros((n, n, *m.shape[1:]))
    for i in range(n):
        for j in range(i + 1, n):
            out[i, j] = out[j, i] = m[(1 << i) | (1 << j)]
    return out


def efficiency_gap(v: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """sum of Shapley values - (v(all) - v(none)), per trailing index: zero up to rounding."""
    v = np.asarray(v, dtype=np.float64)
    return np.sum(phi, axis=0) - (v[-1] - v[0])


def resample_counts(replicates: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(resamples, replicates): how often each replicate is drawn into each bootstrap sample."""
    draws = rng.integers(0, replicates, size=(resamples, replicates))
    counts = np.zeros((resamples, replicates))
    np.add.at(counts, (np.arange(resamples)[:, None], draws), 1.0)
    return counts


def bootstrap_interval(
    per_replicate: np.ndarray, counts: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, low, high) over replicates (axis 0), with a percentile bootstrap interval.

    ``counts`` (from ``resample_counts``) is shared by every quantity of one analysis,
    so all of them are resampled alike.
    """
    x = np.asarray(per_replicate, dtype=np.float64)
    replicates = x.shape[0]
    means = np.tensordot(counts, x, axes=(1, 0)) / replicates
    tail = 50.0 * (1.0 - level)
    low, high = np.percentile(means, [tail, 100.0 - tail], axis=0)
    return x.mean(axis=0), low, high
