"""One run's result: the indicators by quarter, with the scenario and seed that made them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rainforest.scenarios.schema import Scenario
from rainforest.scenarios.targets import TARGET_YEAR
from rainforest.sim.indicators import INDICATOR_NAMES

if TYPE_CHECKING:  # pandas is imported by the frames themselves, when a run makes one
    import pandas as pd


@dataclass(frozen=True)
class RunResult:
    """Indicators by tick for one run, with what made them."""

    scenario: Scenario
    seed: int
    scale: str  # the scenario's scale, or "custom" for an explicit population
    indicators: pd.DataFrame  # one row per tick: tick, year, quarter, then every indicator

    @property
    def report_year(self) -> int:
        """The target year, or the horizon if the scenario ends before it."""
        return min(TARGET_YEAR, self.scenario.horizon_year)

    def at_year_end(self, year: int | None = None) -> dict[str, float]:
        """Every indicator in the last quarter of ``year`` (default: the report year)."""
        year = self.report_year if year is None else year
        rows = self.indicators[self.indicators["year"] == year]
        if rows.empty:
            raise ValueError(f"year {year} is outside this run")
        row = rows.iloc[-1]
        return {name: float(row[name]) for name in INDICATOR_NAMES}


def replicates_frame(results: Sequence[RunResult]) -> pd.DataFrame:
    """All runs' per-tick indicators in one long table, keyed by replicate and seed."""
    import pandas as pd

    frames = []
    for r, result in enumerate(results):
        frame = result.indicators.copy()
        frame.insert(0, "seed", result.seed)
        frame.insert(0, "replicate", r)
        frame.insert(0, "scenario", result.scenario.name)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
