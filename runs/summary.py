"""The 2030 scorecard as data: each indicator against its target, over runs.

One set of statistics (median, 5-95 % band, the share of runs that reach the target)
for the CLI's ``--json`` and ``summary.json``, ``rf.run``'s scorecard and the view's
what-if, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from rainforest.runs.result import RunResult
from rainforest.sim.indicators import INDICATORS


def band(values: Sequence[float], target: float | None) -> dict[str, float | None]:
    """Median, 5 % and 95 % quantiles of ``values``, and the share at or above ``target``
    (None for an indicator without one)."""
    v = np.asarray(values, dtype=np.float64)
    return {
        "median": float(np.median(v)),
        "p05": float(np.quantile(v, 0.05)),
        "p95": float(np.quantile(v, 0.95)),
        "reach_probability": None if target is None else float(np.mean(v >= target)),
    }


def summary_dict(results: Sequence[RunResult], root_seed: int) -> dict:
    """Median, 5-95 % band and reach probability of every indicator in the report year."""
    if not results:
        raise ValueError("no results to summarise")
    first = results[0]
    finals = [r.at_year_end() for r in results]
    indicators = {
        spec.name: {
            "target": spec.target,
            "unit": spec.unit,
            **band([f[spec.name] for f in finals], spec.target),
        }
        for spec in INDICATORS
    }
    return {
        "scenario": first.scenario.name,
        "seed": int(root_seed),
        "replicates": len(results),
        "scale": first.scale,
        "market_form": first.scenario.market.form,
        "year": first.report_year,
        "seeds": [r.seed for r in results],
        "indicators": indicators,
    }


SCORECARD_COLUMNS: tuple[str, ...] = (
    "indicator", "target", "unit", "median", "p05", "p95", "reach_probability",
)  # fmt: skip


def ordered_indicators(summary: dict) -> list[tuple[str, dict]]:
    """Targeted indicators first, then the others, each group in the indicators' order."""
    items = list(summary["indicators"].items())
    return [i for i in items if i[1]["target"] is not None] + [
        i for i in items if i[1]["target"] is None
    ]


def scorecard_frame(summary: dict) -> pd.DataFrame:
    """The scorecard as a DataFrame, one row per indicator in the printed order."""
    rows = [
        {"indicator": name, **{c: entry[c] for c in SCORECARD_COLUMNS[1:]}}
        for name, entry in ordered_indicators(summary)
    ]
    return pd.DataFrame(rows, columns=list(SCORECARD_COLUMNS))
