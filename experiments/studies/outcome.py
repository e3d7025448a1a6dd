"""What a policy analysis asks of a run: one indicator, in one year, against a threshold.

Discovery, optimisation and switching values all ask "does this run reach X by 2030?";
one definition of the question (and of its mistakes: an unknown indicator, one with no
target and no threshold given, a year outside the runs) keeps their answers comparable
with the scorecard's ``reach_probability``, which counts a run as reaching a target when
its value is >= the target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.schema import Scenario
from rainforest.scenarios.targets import TARGET_YEAR
from rainforest.sim.indicators import INDICATOR_NAMES, spec


@dataclass(frozen=True)
class Outcome:
    """``indicator`` in the last quarter of ``year``, reached when it is >= ``threshold``.

    ``year`` is None for the outcome of a function sweep, which has no years.
    """

    indicator: str
    threshold: float
    year: int | None = TARGET_YEAR

    @property
    def unit(self) -> str:
        return spec(self.indicator).unit if self.indicator in INDICATOR_NAMES else ""

    @property
    def label(self) -> str:
        at = "" if self.year is None else f" in {self.year}"
        return f"{self.indicator} >= {self.threshold:g}{at}"

    def reached(self, values: np.ndarray) -> np.ndarray:
        """Which values reach the threshold (as the scorecard counts: >=)."""
        return np.asarray(values, dtype=np.float64) >= self.threshold

    def check_years(self, scenario: Scenario, where: str = "--year") -> None:
        """A year the scenario's runs do not cover is bad input, named as ``where``."""
        if not scenario.start_year <= self.year <= scenario.horizon_year:
            raise ScenarioError(
                f"{where} {self.year}: outside scenario {scenario.name!r}'s years "
                f"{scenario.start_year}-{scenario.horizon_year}"
            )


def outcome(
    indicator: str,
    threshold: float | None = None,
    year: int = TARGET_YEAR,
    where: str = "--target",
) -> Outcome:
    """The outcome named on a command line; the threshold defaults to the plan's target."""
    if indicator not in INDICATOR_NAMES:
        raise ScenarioError(
            f"{where} {indicator!r}: unknown indicator (choose from {', '.join(INDICATOR_NAMES)})"
        )
    if threshold is None:
        threshold = spec(indicator).target
        if threshold is None:
            raise ScenarioError(
                f"{where} {indicator!r}: the plan sets no target for it; give --threshold"
            )
    if not np.isfinite(threshold):
        raise ScenarioError(f"--threshold: must be a finite number, got {threshold!r}")
    return Outcome(indicator, float(threshold), int(year))
