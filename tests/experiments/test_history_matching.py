"""History matching on an analytic model: what it rules out and what it must keep.

The model has two observations with known noise-free means; the sets whose mean lies in
both bands are the ones an ABC posterior needs, so the not-ruled-out space must keep
(almost) all of them, rule out what is far from the bands, and its emulators' intervals
must hold runs they did not see.
"""

from __future__ import annotations

import numpy as np
from rainforest.experiments.studies.history_matching import (
    CUTOFF,
    draw_not_ruled_out,
    fit_wave,
    implausibility,
    not_ruled_out,
)

BANDS = {"y1": (1.0, 1.5), "y2": (0.2, 0.5), "exact": (3.0, 3.0)}
NOISE = 0.05


def _means(u: np.ndarray) -> np.ndarray:
    return np.column_stack([4.0 * u[:, 0] + u[:, 1] ** 2, np.sin(3.0 * u[:, 2])])


def _runs(u: np.ndarray, seed: int) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    y = _means(u) + rng.normal(0.0, NOISE, (len(u), 2))
    return [{"y1": a, "y2": b, "exact": 3.0} for a, b in y]


def _wave(n: int = 300, seed: int = 1):
    u = np.random.default_rng(seed).random((n, 3))
    return fit_wave(u, _runs(u, seed + 100), BANDS, seed)


def test_emulators_are_fitted_for_observations_that_reject_and_only_those() -> None:
    names = [em.name for em in _wave()]
    assert names == ["y1", "y2"]  # the exact count rejects nothing and is left to the rule


def test_the_space_not_ruled_out_keeps_the_sets_that_meet_the_bands() -> None:
    emulators = _wave()
    u = np.random.default_rng(7).random((20000, 3))
    f = _means(u)
    inside = (f[:, 0] >= 1.0) & (f[:, 0] <= 1.5) & (f[:, 1] >= 0.2) & (f[:, 1] <= 0.5)
    kept = not_ruled_out([emulators], u)
    assert inside.sum() > 200
    assert kept[inside].mean() >= 0.99
    far = (np.abs(f[:, 0] - 1.25) > 1.0) | (np.abs(f[:, 1] - 0.35) > 0.6)
    assert kept[far].mean() <= 0.02
    assert 0.02 < kept.mean() < 0.5  # it refocuses, and not onto the acceptance region alone


def test_emulator_intervals_hold_runs_they_did_not_see() -> None:
    emulators = _wave()
    u = np.random.default_rng(11).random((2000, 3))
    runs = _runs(u, 12)
    for em in emulators:
        observed = np.array([r[em.name] for r in runs])
        assert em.coverage(u, observed) >= 0.98, em.name


def test_draws_are_uniform_inside_the_space_and_reproducible() -> None:
    waves = [_wave()]
    a, drawn = draw_not_ruled_out(waves, 500, 3, seed=5)
    b, drawn_b = draw_not_ruled_out(waves, 500, 3, seed=5)
    assert np.array_equal(a, b) and drawn == drawn_b
    assert a.shape == (500, 3) and drawn > 500
    assert (implausibility(waves[0], a) <= CUTOFF).all()
    # uniform inside: y2's band cuts u2 to about [0.068, 0.17] and [0.88, 0.98]; the two
    # pieces' shares follow their lengths, and y1 leaves u1 unconstrained
    share_low = np.mean(a[:, 2] < 0.5)
    assert 0.35 < share_low < 0.65
    assert 0.35 < np.mean(a[:, 1] < 0.5) < 0.65


def test_a_later_wave_narrows_the_space() -> None:
    first = _wave(seed=1)
    u, _ = draw_not_ruled_out([first], 300, 3, seed=2)
    second = fit_wave(u, _runs(u, 3), BANDS, 3)
    probe = np.random.default_rng(13).random((20000, 3))
    one = not_ruled_out([first], probe)
    two = not_ruled_out([first, second], probe)
    assert two.sum() <= one.sum()
    assert not (two & ~one).any()
