"""What the 2030 answer rests on: how it moves with each calibration choice.

The shipped posterior follows from choices nobody observed: how far the bands widen the
published ranges (the future clusters may outgrow the related industries by
``YOUNG_CLUSTER_MARGIN``; the national share's range is widened for the proxies'
difference from the sixteen fields). This study runs the action plan and the baseline
to 2030 once on each of ``draws`` accepted sets of an ensemble, through the door
(``resolve_request(..., posterior=True)``: the sets in the root seed's draw order, draw
d on seed ``derive_seed(seed, d, 0)``, common between the two scenarios), then, for each
alternative choice, keeps the sets whose recorded observations meet the alternative
bands and reports P(2030 output >= 500 bn), with its 95 % Wilson interval, the median
output and the plan's median gain over the baseline.

Only choices narrower than the ensemble's own are answered from its sets: a narrower
band accepts a subset of the runs the ensemble's bands accepted, and those runs were drawn
uniformly from a space that holds the narrower posterior too (history matching rules out
a set only if its runs surely miss the ensemble's, wider bands). So an ensemble
calibrated with wider growth bands (``rainforest calibrate --growth-margin 0.25``)
answers every margin up to its own, the shipped 0.10 among them; the other choices are
then taken at the shipped margin. Another prior or an observation left out needs a new
calibration (``rainforest calibrate --omit ...``).

The *switching value* of the growth margin is the margin at which P(>= 500 bn) crosses
one half, the point where "the plan more likely than not reaches its target" turns
over; a choice *flips the conclusion* when its P lies on the other side of one half
from the shipped choice's.

``python -m rainforest.experiments.studies.calibration_choices --workers 2 [--out F]``
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rainforest.experiments.studies.observations import (
    OBSERVATIONS,
    YEARLY_GROWTH,
    YEARLY_GROWTH_FLOOR,
    YOUNG_CLUSTER_MARGIN,
)
from rainforest.experiments.studies.outlook import TARGET_BN, run_many, wilson
from rainforest.scenarios.schema import DEFAULT_MARKET_FORM

MARGIN_STEP = 0.025  # the growth bands' top margins compared: 0, 0.025, ... the ensemble's
CONCLUSION = 0.5  # P(>= 500 bn) on either side of this is "likely" or "unlikely"
ROOT_SEED = 11  # the door's root seed for the runs: not the calibration's


def _bands() -> dict[str, tuple[float, float]]:
    return {ob.name: ob.band for ob in OBSERVATIONS}


def growth_margin_bands(margin: float) -> dict[str, tuple[float, float]]:
    """The yearly growth bands with their tops widened by ``margin`` (not the shipped
    ``YOUNG_CLUSTER_MARGIN``)."""
    return {
        f"growth_{year}": (YEARLY_GROWTH_FLOOR, observed[1] + margin)
        for year, (observed, _) in YEARLY_GROWTH.items()
    }


def margins(ensemble_margin: float) -> list[float]:
    """The growth margins compared: every MARGIN_STEP up to the ensemble's, the shipped
    YOUNG_CLUSTER_MARGIN among them when the ensemble's is at least that."""
    steps = int(round(ensemble_margin / MARGIN_STEP))
    grid = {round(k * MARGIN_STEP, 4) for k in range(steps + 1)}
    grid.add(round(ensemble_margin, 4))
    if ensemble_margin >= YOUNG_CLUSTER_MARGIN:
        grid.add(YOUNG_CLUSTER_MARGIN)
    return sorted(m for m in grid if m <= ensemble_margin + 1e-12)


def choices(
    ensemble_margin: float = YOUNG_CLUSTER_MARGIN,
) -> dict[str, dict[str, tuple[float, float]]]:
    """Each alternative choice: the bands it changes, all within the ensemble's. The
    first is the shipped choice (growth margin YOUNG_CLUSTER_MARGIN, every other band as
    shipped); the choices that change other bands keep the shipped growth margin."""
    observed = {ob.name: ob.observed for ob in OBSERVATIONS}
    shipped = growth_margin_bands(min(YOUNG_CLUSTER_MARGIN, ensemble_margin))
    out: dict[str, dict[str, tuple[float, float]]] = {"shipped": shipped}
    for m in margins(ensemble_margin):
        if m != YOUNG_CLUSTER_MARGIN:
            out[f"growth top margin {m:.3f}"] = growth_margin_bands(m)
    out["national share 2021 as observed (0.13-0.20)"] = {
        **shipped, "national_share_2021": observed["national_share_2021"]
    }  # fmt: skip
    out["share change as observed (-0.01 to +0.04)"] = {
        **shipped, "national_share_change_2021_2025": observed["national_share_change_2021_2025"]
    }  # fmt: skip
    out["founding and exit rates as observed (5-15 %)"] = {
        **shipped,
        "founding_rate_2023_2025": observed["founding_rate_2023_2025"],
        "exit_rate_2023_2025": observed["exit_rate_2023_2025"],
    }
    out["every band as observed"] = {
        **growth_margin_bands(0.0),
        **{k: observed[k] for k in ("national_share_2021", "national_share_change_2021_2025",
                                    "founding_rate_2023_2025", "exit_rate_2023_2025")},
    }  # fmt: skip
    return out


def meets(observed: Mapping[str, float], changed: Mapping[str, tuple[float, float]]) -> bool:
    """Whether a set's recorded observations meet the changed bands (the rest it met); a
    band of an observation the set's calibration did not hold (a backtest's later years)
    does not apply."""
    return all(lo <= observed[name] <= hi for name, (lo, hi) in changed.items() if name in observed)


def outputs_by_set(
    ensemble: str | Path | None, form: str, scale: str, workers: int, draws: int | None = None
) -> tuple[list[dict[str, Any]], np.ndarray, np.ndarray]:
    """``draws`` accepted sets of the ensemble (default: all) in the door's draw order,
    each with its 2030 output under the action plan and the baseline: one run each, the
    door's posterior request with root seed ROOT_SEED (draw d on ``derive_seed(ROOT_SEED,
    d, 0)``, the same seed for both scenarios)."""
    from rainforest.runs.request import resolve_request
    from rainforest.scenarios.ensemble import load_ensemble

    record = load_ensemble(ensemble, form)
    by_sample = {int(s["sample"]): s for s in record["sets"]}
    n = len(by_sample) if draws is None else int(draws)
    tasks, chosen = [], None
    for name in ("action_plan", "baseline"):
        request = resolve_request(
            name, overrides={"market.form": form}, scale=scale, seed=ROOT_SEED,
            replicates=1, posterior=True, draws=n, ensemble=ensemble,
        )  # fmt: skip
        chosen = chosen or [by_sample[i] for i in request.posterior.sets]
        tasks += [(p.scenario, p.seed) for p in request.planned_runs()]
    rows = run_many(tasks, workers)
    plan = np.array([r["output_value_bn"] for r in rows[:n]])
    base = np.array([r["output_value_bn"] for r in rows[n:]])
    return chosen, plan, base


def report(
    sets: Sequence[Mapping[str, Any]],
    plan: np.ndarray,
    base: np.ndarray,
    ensemble_margin: float = YOUNG_CLUSTER_MARGIN,
) -> dict[str, Any]:
    """P(>= 500 bn), median output and gain over the baseline under each choice."""
    rows = []
    for name, changed in choices(ensemble_margin).items():
        keep = np.array([meets(s["observed"], changed) for s in sets], dtype=bool)
        k = int(keep.sum())
        reach = int(np.sum(plan[keep] >= TARGET_BN))
        rows.append({
            "choice": name,
            "changed_bands": {n: list(b) for n, b in changed.items()},
            "sets": k,
            "reach_500_probability": reach / k if k else None,
            "reach_500_ci95": list(wilson(reach, k)),
            "median_output_2030_bn": float(np.median(plan[keep])) if k else None,
            "median_gain_over_baseline_bn": float(np.median(plan[keep] - base[keep]))
            if k else None,
        })  # fmt: skip
    shipped = rows[0]["reach_500_probability"]
    for r in rows:
        p = r["reach_500_probability"]
        r["flips_conclusion"] = None if p is None else (p >= CONCLUSION) != (shipped >= CONCLUSION)
    return {
        "conclusion_threshold": CONCLUSION,
        "shipped_reach_500_probability": shipped,
        "choices": rows,
        "ensemble_growth_margin": ensemble_margin,
        "growth_margin_switching_value": switching_margin(sets, plan, ensemble_margin),
    }


def switching_margin(
    sets: Sequence[Mapping[str, Any]],
    plan: np.ndarray,
    ensemble_margin: float = YOUNG_CLUSTER_MARGIN,
) -> dict[str, Any]:
    """P(>= 500 bn) against the growth bands' top margin (a fine grid up to the
    ensemble's) and the margin where it crosses one half, if it does."""
    grid = np.round(np.linspace(0.0, ensemble_margin, 41), 4)
    curve = []
    for m in grid:
        changed = growth_margin_bands(float(m))
        keep = np.array([meets(s["observed"], changed) for s in sets], dtype=bool)
        k = int(keep.sum())
        curve.append([float(m), k, float(np.mean(plan[keep] >= TARGET_BN)) if k else None])
    crossing = None
    for (m0, _, p0), (m1, _, p1) in zip(curve, curve[1:], strict=False):
        if p0 is not None and p1 is not None and (p0 - CONCLUSION) * (p1 - CONCLUSION) <= 0:
            if p1 != p0:
                crossing = m0 + (CONCLUSION - p0) * (m1 - m0) / (p1 - p0)
            else:
                crossing = m0
            break
    return {"curve_margin_sets_probability": curve, "crossing_margin": crossing}


def main(argv: list[str] | None = None) -> int:
    import argparse

    from rainforest.experiments.files import write_atomic

    parser = argparse.ArgumentParser(
        prog="python -m rainforest.experiments.studies.calibration_choices"
    )
    parser.add_argument("--ensemble", default=None, help="default: the form's shipped file")
    parser.add_argument("--form", default=DEFAULT_MARKET_FORM)
    parser.add_argument("--scale", default="city")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--draws", type=int, default=None, help="default: every set")
    parser.add_argument("--out", default=None, help="write the JSON here too")
    args = parser.parse_args(argv)
    from rainforest.experiments.studies.calibration import ensemble_growth_margin
    from rainforest.scenarios.ensemble import load_ensemble

    margin = ensemble_growth_margin(load_ensemble(args.ensemble, args.form))
    sets, plan, base = outputs_by_set(
        args.ensemble, args.form, args.scale, args.workers, args.draws
    )
    text = json.dumps(report(sets, plan, base, margin), indent=1)
    if args.out:
        write_atomic(Path(args.out), text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
