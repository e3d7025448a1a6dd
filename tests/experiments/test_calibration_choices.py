"""How the answer moves with a calibration choice, on sets with known observations.

Sets that grew fast reach 500 bn and slow ones do not, so narrowing the growth bands'
top must lower P(>= 500 bn), flip the conclusion, and put the switching value where the
kept sets' reach crosses one half.
"""

from __future__ import annotations

import numpy as np
import pytest
from rainforest.experiments.studies.calibration_choices import (
    choices,
    growth_margin_bands,
    meets,
    report,
)
from rainforest.experiments.studies.observations import OBSERVATIONS, YOUNG_CLUSTER_MARGIN


def _sets(growth: np.ndarray) -> list[dict]:
    middle = {ob.name: 0.5 * (ob.observed[0] + ob.observed[1]) for ob in OBSERVATIONS}
    return [
        {"sample": i, "observed": {**middle, "growth_2023": g, "growth_2024": g,
                                   "growth_2025": g}}
        for i, g in enumerate(growth)
    ]  # fmt: skip


def test_every_choice_is_narrower_than_the_shipped_bands() -> None:
    shipped = {ob.name: ob.band for ob in OBSERVATIONS}
    for name, changed in choices().items():
        for obs, (lo, hi) in changed.items():
            assert shipped[obs][0] <= lo <= hi <= shipped[obs][1], (name, obs)
    assert growth_margin_bands(YOUNG_CLUSTER_MARGIN) == {
        ob.name: ob.band for ob in OBSERVATIONS if ob.name.startswith("growth_20")
    }


def test_narrower_growth_bands_keep_the_slow_sets_and_flip_the_answer() -> None:
    growth = np.linspace(0.07, 0.22, 61)  # inside every shipped growth band
    sets = _sets(growth)
    plan = np.where(growth > 0.10, 600.0, 300.0)  # fast growers reach 500 bn
    base = plan - 50.0
    out = report(sets, plan, base)
    rows = {r["choice"]: r for r in out["choices"]}
    shipped = rows["shipped"]
    assert shipped["sets"] == 61
    assert shipped["reach_500_probability"] == pytest.approx(np.mean(growth > 0.10))
    assert shipped["median_gain_over_baseline_bn"] == pytest.approx(50.0)
    observed_only = rows["growth top margin 0.000"]
    # as observed, 2024's top (0.125) binds: sets growing 0.07-0.125 are kept, fewer than
    # half of them above 0.10
    kept = growth[growth <= 0.125]
    assert observed_only["sets"] == len(kept)
    assert observed_only["reach_500_probability"] == pytest.approx(np.mean(kept > 0.10))
    assert observed_only["reach_500_probability"] < 0.5 <= shipped["reach_500_probability"]
    assert observed_only["flips_conclusion"] is True and shipped["flips_conclusion"] is False
    assert all(meets(s["observed"], {}) for s in sets)
    # the switching value: P = (0.025 + m) / (0.055 + m) crosses one half at m = 0.005
    crossing = out["growth_margin_switching_value"]["crossing_margin"]
    assert crossing == pytest.approx(0.005, abs=0.003)
    curve = out["growth_margin_switching_value"]["curve_margin_sets_probability"]
    probabilities = [p for _, _, p in curve if p is not None]
    assert probabilities == sorted(probabilities)  # wider tops keep more fast growers


def test_an_ensemble_with_wider_growth_bands_answers_every_margin_up_to_its_own() -> None:
    from rainforest.experiments.studies.calibration import held_observations

    wide = 0.25
    bands = {ob.name: ob.band for ob in held_observations(growth_margin=wide)}
    shipped_bands = {ob.name: ob.band for ob in held_observations()}
    assert bands["growth_2024"][1] == pytest.approx(shipped_bands["growth_2024"][1] + 0.15)
    assert bands["founding_rate_2023_2025"] == shipped_bands["founding_rate_2023_2025"]

    top = min(b[1] for name, b in bands.items() if name.startswith("growth_20"))
    growth = np.linspace(0.07, top, 120)
    sets = _sets(growth)
    plan = np.where(growth > 0.2, 600.0, 300.0)
    out = report(sets, plan, plan - 40.0, ensemble_margin=wide)
    rows = {r["choice"]: r for r in out["choices"]}
    shipped_top = min(b[1] for n, b in shipped_bands.items() if n.startswith("growth_20"))
    assert rows["shipped"]["sets"] == int(np.sum(growth <= shipped_top))
    assert rows["growth top margin 0.250"]["sets"] == len(growth)
    assert "growth top margin 0.150" in rows
    # the non-growth choices are taken at the shipped margin, within it
    share = rows["national share 2021 as observed (0.13-0.20)"]
    assert share["sets"] <= rows["shipped"]["sets"]
    curve = out["growth_margin_switching_value"]["curve_margin_sets_probability"]
    assert curve[-1][0] == pytest.approx(wide) and curve[-1][1] == len(growth)


def test_a_band_the_set_was_not_held_to_does_not_apply() -> None:
    # a backtest's sets observed nothing of 2025
    assert meets({"growth_2023": 0.1}, {"growth_2023": (0.05, 0.2), "growth_2025": (0.0, 0.01)})
    assert not meets({"growth_2023": 0.3}, {"growth_2023": (0.05, 0.2)})
