"""Calibration on what is observed: an ABC posterior ensemble, never the 2030 targets.

The targets of the action plan are policy aims, not observations: a model fitted to them
answers "will the plan reach 500 bn?" with its own input. Calibration here uses only
figures observed in 2021-2025 (``observations.OBSERVATIONS``, each with its source, copied
from the project's fact sheet), and the runs it makes *end in 2025* (``CALIBRATION_HORIZON``):
no simulated year after the last observed one exists, so no later outcome can enter.

Method: approximate Bayesian computation with a uniform kernel (Pritchard et al. 1999;
the observation bands are the kernel), its waves refocused by history matching
(``history_matching``). Wave 0 draws a Latin hypercube of the prior (``FREE_PARAMETERS``:
market, behaviour and plan-effect parameters, uniform or log-uniform); each set runs once
(its own seed) and is *accepted* when every observation of its run lies inside its band.
After each wave, Gaussian-process emulators of the observations rule out the parameter
sets whose runs would surely miss a band; the next wave draws from the prior and keeps
what no emulator rules out. The prior is uniform in its quantiles, so the accepted runs
inside the last wave's not-ruled-out space are draws of the same ABC posterior as
rejection from the prior would give, for a fraction of the runs. The ensemble is those
sets, each with its seed and observations; the *median set* is the componentwise median
of the accepted sets, kept if its runs on fresh seeds pass the acceptance rule (else the
accepted set nearest it), and the library scenarios carry it. A backtest calibrates with
an earlier ``horizon`` (the observations up to that year) and checks the later years
with ``rainforest check``.

Every sample, its seed and the sampler are derived from two integers (``root_seed``,
``sampler_seed``) with ``rainforest.sim.seeds``, and results are gathered in sample
order: the same call gives the same ensemble, bit for bit, on any number of workers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from rainforest.experiments.files import write_atomic
from rainforest.experiments.studies.observations import (
    OBSERVATIONS,
    YOUNG_CLUSTER_MARGIN,
    Observation,
    observations_for,
    observe,
    with_growth_margin,
)
from rainforest.runs.execute import run_with_state
from rainforest.scenarios.ensemble import (
    ENSEMBLE_FILE,
    as_overrides,
    ensemble_form,
    load_ensemble,
)
from rainforest.scenarios.fields import MARKET_RANGES
from rainforest.scenarios.loader import LIBRARY_DIR, load_scenario
from rainforest.scenarios.overrides import apply_overrides
from rainforest.scenarios.schema import DEFAULT_MARKET_FORM, Scenario
from rainforest.sim.seeds import derive_seed

CALIBRATED_SCENARIO = "action_plan"  # the policy in force in 2023-2025
CALIBRATION_HORIZON = 2025  # calibration runs end with the last observed year
TARGET_YEAR = 2030  # the year of the plan's targets: no observation may read it


@dataclass(frozen=True)
class FreeParameter:
    """One parameter the posterior covers: its prior range and why it is free."""

    path: str
    low: float
    high: float
    log: bool
    why: str
    integer: bool = False

    def from_unit(self, u: float) -> float:
        """The value at quantile ``u`` of the prior (uniform, or log-uniform)."""
        if self.log:
            x = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            x = self.low + u * (self.high - self.low)
        if self.integer:
            return float(min(self.high, max(self.low, math.floor(x + 0.5))))
        return float(f"{x:.6g}")

    def to_unit(self, x: float) -> float:
        """The prior quantile of ``x`` (inverse of ``from_unit``)."""
        if self.log:
            return (math.log(x) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (x - self.low) / (self.high - self.low)


# Prior ranges: docs/ODD.md section 8 (and scenarios/fields.py MARKET_RANGES) where they
# give one; otherwise about a factor of two to four around the default, marked "no range".
BEHAVIOUR_AND_EFFECTS: tuple[FreeParameter, ...] = (
    FreeParameter("behaviour.trl_hazard", 0.05, 0.6, True,
                  "pace of maturation to TRL 7; no range"),
    FreeParameter("behaviour.production_scale", 0.005, 0.1, True,
                  "pace of knowledge growth; no range"),
    FreeParameter("behaviour.founding_rate", 0.002, 0.008, False,
                  "base founding probability; no range (x0.5-x2 of the default)"),
    FreeParameter("behaviour.rd_additionality", 0.4, 1.6, False,
                  "R&D added per RMB of grant; ODD 8.9 range (Dimos & Pugh 2016)"),
    FreeParameter("behaviour.research_lag_quarters", 1.0, 6.0, False,
                  "research money to knowledge lag; ODD 8.9 range"),
    FreeParameter("behaviour.build_up_quarters", 2.0, 8.0, False,
                  "build-up of designations; ODD 8.9 range", integer=True),
    FreeParameter("behaviour.consortium_spillover", 1.0, 4.0, False,
                  "spillover multiplier of consortium ties; no range (x0.5-x2)"),
    FreeParameter("behaviour.center_spillover", 1.5, 6.0, False,
                  "spillover multiplier of center ties; no range (x0.5-x2)"),
    FreeParameter("plans.leading.test_site_boost", 0.5, 3.0, False,
                  "test sites' extra TRL 6->7 hazard; no range"),
    FreeParameter("plans.leading.spillover_bonus", 0.0, 1.0, False,
                  "pilot-area co-location spillover bonus; no range"),
    FreeParameter("plans.open_source.demo_adoption_effect", 0.0, 5.0, False,
                  "Bass p per demonstration spending share; ODD 8.5 range 0-5"),
    FreeParameter("plans.open_source.demo_trl_boost", 0.5, 3.0, False,
                  "demonstrations' extra TRL 5-7 hazard; no range"),
    FreeParameter("plans.rainforest.co_investment", 0.5, 6.0, False,
                  "private RMB per public RMB; ODD 8.7 range 0.5-6 (the leading-industry "
                  "mother funds' sub-funds raised 2.7-4.8 private RMB per public RMB in "
                  "2024-26)"),
    FreeParameter("plans.rainforest.founding_boost", 1.0, 3.0, False,
                  "largest founding boost finance buys; no range (x0.5-x1.5)"),
)  # fmt: skip


# The market's free parameters depend on its form (docs/ODD.md 7.7): each form is
# calibrated on its own, and the answer reported under each.
def _market(name: str, log: bool, why: str, source: str = "ODD 8.8") -> FreeParameter:
    """Market parameter ``name`` over its stated range (scenarios/fields.py MARKET_RANGES,
    the one place the ranges are written), with where the range is given."""
    low, high = MARKET_RANGES[name]
    where = f"{source} range {low:,g}-{high:,g}" if source == "ODD 8.8" else f"{source} range"
    return FreeParameter(f"market.{name}", low, high, log, f"{why}; {where}")


BASS: tuple[FreeParameter, ...] = (
    _market("bass_p", False, "Bass innovation", "fields.toml"),
    _market("bass_q", False, "Bass imitation", "fields.toml"),
)
MARKET_PARAMETERS: dict[str, tuple[FreeParameter, ...]] = {
    "frontier": (
        _market("national_market_bn", True, "China's market and exports at the start"),
        _market("national_potential_bn", True, "saturation demand"),
        _market("market_growth", False, "growth of the market besides diffusion"),
        *BASS,
        _market("frontier_growth", True, "growth of the world frontier"),
        _market("frontier_absorption", True, "firms' catch-up with the frontier"),
        _market("competitor_catch_up", True, "regions' catch-up with the frontier"),
        _market("competitor_sellers", True, "competing selling firms"),
    ),
    "compounding_outside": (
        FreeParameter("market.outside_competition", 100.0, 80000.0, True,
                      "weight of firms outside Shanghai: Shanghai's market share; no range"),
        FreeParameter("market.outside_progress", 0.0, 0.5, False,
                      "yearly quality gain of firms outside Shanghai; no range"),
        _market("initial_market_bn", False, "market size at the start"),
        *BASS,
        _market("total_potential_bn", False, "saturation demand", "fields.toml"),
    ),
}  # fmt: skip
DEFAULT_FORM = DEFAULT_MARKET_FORM


def free_parameters(
    form: str = DEFAULT_FORM, priors: Mapping[str, tuple[float, float]] | None = None
) -> tuple[FreeParameter, ...]:
    """The parameters a calibration of market form ``form`` covers, each over its stated
    range or, where ``priors`` names it, over the range given there (a calibration
    choice: a wider prior shows whether a posterior that presses a bound is held there by
    the data or by the prior)."""
    parameters = MARKET_PARAMETERS[form] + BEHAVIOUR_AND_EFFECTS
    if not priors:
        return parameters
    known = {fp.path: fp for fp in parameters}
    unknown = sorted(set(priors) - set(known))
    if unknown:
        raise ValueError(f"not a free parameter of the {form} form: {', '.join(unknown)}")
    out = []
    for fp in parameters:
        if fp.path not in priors:
            out.append(fp)
            continue
        low, high = (float(v) for v in priors[fp.path])
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"{fp.path}: the range needs low < high, got {low:g}, {high:g}")
        if fp.log and low <= 0.0:
            raise ValueError(f"{fp.path}: a log-uniform prior needs low > 0, got {low:g}")
        why = f"{fp.why}; range {low:g}-{high:g} chosen for this calibration"
        out.append(replace(fp, low=low, high=high, why=why))
    chosen = {fp.path: fp for fp in out}
    market, potential = (
        chosen.get("market.national_market_bn"),
        chosen.get("market.national_potential_bn"),
    )
    if market is not None and potential is not None and potential.low <= market.high:
        raise ValueError(
            f"market.national_potential_bn: its low end ({potential.low:g}) must lie above "
            f"market.national_market_bn's high end ({market.high:g}): adoption is a share"
        )
    return tuple(out)


def recorded_parameters(record: Mapping[str, Any]) -> tuple[FreeParameter, ...]:
    """The free parameters of an ensemble over the priors its record lists (a calibration
    with chosen ranges drew from those, not from the stated ones); a record without a
    priors table, over the stated ones of its form."""
    if "priors" not in record:
        return free_parameters(ensemble_form(record))
    return tuple(
        FreeParameter(path, float(entry["low"]), float(entry["high"]), entry["scale"] == "log",
                      entry["why"], bool(entry["integer"]))
        for path, entry in record["priors"].items()
    )  # fmt: skip


FREE_PARAMETERS: tuple[FreeParameter, ...] = free_parameters()


def held_observations(
    form: str = DEFAULT_FORM,
    omit: Sequence[str] = (),
    horizon: int = CALIBRATION_HORIZON,
    growth_margin: float = YOUNG_CLUSTER_MARGIN,
) -> list[Observation]:
    """The observations a calibration of ``form`` ending in ``horizon`` holds runs to:
    those of the form whose years end by ``horizon``, less ``omit``, the yearly growth
    bands widened by ``growth_margin``."""
    known = {ob.name for ob in observations_for(form)}
    unknown = [name for name in omit if name not in known]
    if unknown:
        raise ValueError(f"omit: not an observation of the {form} form: {unknown}")
    held = [ob for ob in observations_for(form) if ob.name not in omit and max(ob.years) <= horizon]
    return with_growth_margin(held, growth_margin)


def ensemble_growth_margin(record: Mapping[str, Any]) -> float:
    """The growth bands' margin an ensemble was calibrated with (older files: the default)."""
    return float(record.get("method", {}).get("growth_margin", YOUNG_CLUSTER_MARGIN))


def recorded_observations(record: Mapping[str, Any]) -> list[Observation]:
    """The observations an ensemble's runs were held to, as its record lists them, with
    the growth margin it was calibrated with."""
    held = [ob for ob in OBSERVATIONS if ob.name in record["observations"]]
    return with_growth_margin(held, ensemble_growth_margin(record))


PARAMETER_PATHS: tuple[str, ...] = tuple(fp.path for fp in FREE_PARAMETERS)


def accepted(
    observed: Mapping[str, float], observations: Sequence[Observation] | None = None
) -> bool:
    """The acceptance rule: every observation held (default: the default form's) inside
    its band (a uniform ABC kernel)."""
    for ob in observations_for(DEFAULT_FORM) if observations is None else observations:
        x = observed[ob.name]
        if not (math.isfinite(x) and ob.band[0] <= x <= ob.band[1]):
            return False
    return True


def distance(
    observed: Mapping[str, float], observations: Sequence[Observation] | None = None
) -> float:
    """How far a run is outside the bands: the largest miss in units of a band's width
    (0 inside every band); used to report near misses, not to accept."""
    worst = 0.0
    for ob in observations_for(DEFAULT_FORM) if observations is None else observations:
        x = observed[ob.name]
        lo, hi = ob.band
        width = max(hi - lo, 1.0 if ob.name == "pilot_areas_2023" else 1e-9)
        if not math.isfinite(x):
            return math.inf
        worst = max(worst, (lo - x) / width, (x - hi) / width)
    return worst


def calibration_scenario(
    base: str | Scenario = CALIBRATED_SCENARIO,
    form: str = DEFAULT_FORM,
    horizon: int = CALIBRATION_HORIZON,
) -> Scenario:
    """The calibrated scenario in market form ``form``, cut at ``horizon`` (2025, or a
    backtest's earlier year): nothing after it is run."""
    if horizon > CALIBRATION_HORIZON:
        raise ValueError(f"horizon: calibration runs end by {CALIBRATION_HORIZON}, not {horizon}")
    sc = load_scenario(base) if isinstance(base, str) else base
    return apply_overrides(sc, {"horizon_year": horizon, "market.form": form})


def simulate_set(
    values: Mapping[str, float], seed: int, scale: str, base: Scenario
) -> dict[str, float]:
    """One run of ``base`` with the parameter ``values``: its observations (the pure
    function every worker calls)."""
    sc = apply_overrides(base, as_overrides(values))
    result, state = run_with_state(sc, seed, scale)
    return observe(result, state)


def _simulate_task(task: tuple[dict[str, float], int, str, Scenario]) -> dict[str, float]:
    return simulate_set(*task)


def lhs(n: int, seed: int, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """``n`` Latin hypercube points in the unit box [low, high] (seeded)."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed)]))
    d = len(low)
    u = (rng.permuted(np.tile(np.arange(n), (d, 1)), axis=1).T + rng.random((n, d))) / n
    return low + u * (high - low)


def _evaluate(
    tasks: list[tuple[dict[str, float], int, str, Scenario]],
    workers: int,
    on_done: Callable[[int], None] | None,
) -> list[dict[str, float]]:
    """Run the tasks, in task order whatever the workers' order."""
    if workers <= 1:
        out = []
        for i, t in enumerate(tasks):
            out.append(_simulate_task(t))
            if on_done is not None:
                on_done(i + 1)
        return out
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    out = []
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        for i, obs in enumerate(pool.map(_simulate_task, tasks, chunksize=4)):
            out.append(obs)
            if on_done is not None:
                on_done(i + 1)
    return out  # fmt: skip


def calibrate(
    samples: int = 1000,
    waves: int = 3,
    scale: str = "city",
    root_seed: int = 2022,
    sampler_seed: int = 0,
    workers: int = 1,
    on_progress: Callable[[int, int, int], None] | None = None,
    form: str = DEFAULT_FORM,
    omit: Sequence[str] = (),
    horizon: int = CALIBRATION_HORIZON,
    growth_margin: float = YOUNG_CLUSTER_MARGIN,
    priors: Mapping[str, tuple[float, float]] | None = None,
) -> dict[str, Any]:
    """ABC by history matching in ``waves`` waves of ``samples`` runs, of market form
    ``form``, holding runs (ending in ``horizon``) to the form's observations up to that
    year less those named in ``omit``, with the prior ranges ``priors`` gives (calibration
    choices, recorded); returns the record, with every simulated run under ``runs`` (for
    the identifiability report; ``to_toml`` writes the accepted sets only).

    Wave 0 is a Latin hypercube of the prior, seeded by ``derive_seed(sampler_seed, 0,
    0)``; wave ``w > 0`` draws uniformly from the prior, seeded by ``derive_seed(
    sampler_seed, w, 0)``, and keeps the draws the emulators of the waves before it do not
    rule out (``history_matching``). Run ``i`` (counted over all waves) has the seed
    ``derive_seed(root_seed, i, 0)``. The posterior is the accepted runs inside the last
    wave's not-ruled-out space.
    """
    import time

    from rainforest.experiments.studies import history_matching as hm

    started = time.perf_counter()
    base = calibration_scenario(form=form, horizon=horizon)
    parameters = free_parameters(form, priors)
    observations = held_observations(form, omit, horizon, growth_margin)
    bands = {ob.name: ob.band for ob in observations}
    d = len(parameters)
    rows: list[dict[str, Any]] = []
    drawn: list[np.ndarray] = []  # each run's prior quantiles as drawn (before rounding)
    emulators: list[list[hm.ObservationEmulator]] = []
    wave_records: list[dict[str, Any]] = []
    for wave in range(waves):
        if wave == 0:
            units = lhs(samples, derive_seed(sampler_seed, 0, 0), np.zeros(d), np.ones(d))
            candidates = samples
        else:
            units, candidates = hm.draw_not_ruled_out(
                emulators, samples, d, derive_seed(sampler_seed, wave, 0)
            )
        first = len(rows)
        tasks = []
        for i, u in enumerate(units):
            values = {fp.path: fp.from_unit(float(x)) for fp, x in zip(parameters, u, strict=True)}
            tasks.append((values, derive_seed(root_seed, first + i, 0), scale, base))

        def done(k: int, wave: int = wave, n: int = len(tasks)) -> None:
            if on_progress is not None:
                on_progress(wave, k, n)

        observed = _evaluate(tasks, workers, done)
        drawn += list(units)
        for i, ((values, seed, _, _), obs) in enumerate(zip(tasks, observed, strict=True)):
            rows.append({
                "sample": first + i, "wave": wave, "seed": int(seed),
                "parameters": values, "observed": obs, "accepted": accepted(obs, observations),
                "distance": distance(obs, observations),
            })  # fmt: skip
        checks = {
            f"wave {k} {em.name}": round(
                em.coverage(units, np.array([o[em.name] for o in observed], dtype=float)), 4
            )
            for k, ems in enumerate(emulators)
            for em in ems
            if len(units)
        }
        record_wave = {
            "wave": wave,
            "simulations": len(units),
            "prior_draws": int(candidates),
            "not_ruled_out_share": round(len(units) / max(candidates, 1), 6),
            "accepted": sum(r["accepted"] for r in rows[first:]),
            "earlier_emulators_cover": checks,
        }
        if wave < waves - 1 and len(units):
            fitted = hm.fit_wave(units, observed, bands, derive_seed(sampler_seed, wave, 2))
            emulators.append(fitted)
            record_wave["emulated"] = {em.name: em.kernel for em in fitted}
        wave_records.append(record_wave)
    sets = _inside_last_space(rows, drawn, emulators)
    total = len(rows)
    prior_acceptance = wave_records[0]["accepted"] / max(wave_records[0]["simulations"], 1)
    from rainforest.experiments.provenance import code_version

    record = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "method": {
            "name": "ABC by history matching: uniform kernel, waves refocused on the space "
            "Gaussian-process emulators do not rule out",
            "acceptance_rule": "every observation of the run inside its band (OBSERVATIONS.band)",
            "refocusing": f"implausibility |emulator mean - band| / emulator sd > {hm.CUTOFF} "
            "for any observation rules a set out (experiments/studies/history_matching.py)",
            "scenario": CALIBRATED_SCENARIO,
            "market_form": form,
            "omitted_observations": list(omit),
            "growth_margin": growth_margin,
            "horizon_year": horizon,
            "scale": scale,
            "samples_per_wave": samples,
            "waves": waves,
            "simulations": total,
            "accepted": len(sets),
            "acceptance_by_wave": [w["accepted"] / max(w["simulations"], 1) for w in wave_records],
            "not_ruled_out_share_by_wave": [w["not_ruled_out_share"] for w in wave_records],
            "rejection_abc_same_budget": {
                "prior_acceptance": prior_acceptance,
                "expected_sets": round(prior_acceptance * total, 1),
                "basis": "wave 0 is rejection ABC from the prior: its acceptance rate "
                "times all simulations",
            },
            "implausibility_cutoff": hm.CUTOFF,
            "root_seed": root_seed,
            "sampler_seed": sampler_seed,
            "sampler": "wave 0: Latin hypercube of prior quantiles, derive_seed(sampler_seed, "
            "0, 0); wave w: uniform prior quantiles, derive_seed(sampler_seed, w, 0), kept "
            "where not ruled out; emulators fitted with derive_seed(sampler_seed, w, 2)",
            "run_seeds": "derive_seed(root_seed, sample, 0)",
            "wall_seconds": round(time.perf_counter() - started, 1),
            "workers": workers,
            "wave_details": wave_records,
        },
        "observations": {
            ob.name: {
                "indicator": ob.indicator,
                "years": list(ob.years),
                "measure": ob.measure,
                "observed": list(ob.observed),
                "band": list(ob.band),
                "source": ob.source,
                "why": ob.why,
            }
            for ob in observations
        },  # fmt: skip
        "priors": {
            fp.path: {
                "low": fp.low,
                "high": fp.high,
                "scale": "log" if fp.log else "linear",
                "integer": fp.integer,
                "why": fp.why,
            }
            for fp in parameters
        },  # fmt: skip
        "code": {k: v for k, v in code_version().items() if v is not None},
        "sets": sets,
        "runs": rows,
        "rejected_summary": {
            "near_misses_within_0.1": sum(
                1 for r in rows if not r["accepted"] and r["distance"] <= 0.1
            ),
            "accepted_but_ruled_out_later": sum(r["accepted"] for r in rows) - len(sets),
            "by_observation": {
                ob.name: sum(
                    1 for r in rows if not (ob.band[0] <= r["observed"][ob.name] <= ob.band[1])
                )
                for ob in observations
            },
        },  # fmt: skip
    }
    if priors:
        record["method"]["chosen_priors"] = {
            path: [float(v) for v in bounds] for path, bounds in priors.items()
        }
    if sets:
        add_median(record, base, workers=1)
    return record


def _inside_last_space(
    rows: Sequence[dict[str, Any]],
    drawn: Sequence[np.ndarray],
    emulators: Sequence[Sequence[Any]],
) -> list[dict[str, Any]]:
    """The accepted runs no emulator fitted at or after their own wave rules out, judged at
    the prior quantiles they were drawn at (the coordinates the emulators were fitted on):
    uniform draws of the last wave's not-ruled-out space, so all waves' accepted runs are
    draws of one posterior."""
    from rainforest.experiments.studies import history_matching as hm

    return [
        r
        for r, u in zip(rows, drawn, strict=True)
        if r["accepted"] and hm.not_ruled_out(emulators[r["wave"] :], u[None, :])[0]
    ]


MEDIAN_CHECKS = 4  # fresh seeds the componentwise median must pass on


def median_parameters(
    sets: Sequence[Mapping[str, Any]], parameters: Sequence[FreeParameter] = FREE_PARAMETERS
) -> dict[str, float]:
    """The componentwise median of the accepted sets (integers rounded)."""
    out = {}
    for fp in parameters:
        median = float(np.median([s["parameters"][fp.path] for s in sets]))
        out[fp.path] = fp.from_unit(fp.to_unit(median))
    return out


def add_median(record: dict[str, Any], base: Scenario, workers: int = 1) -> None:
    """Put the ensemble's median set in ``record["median"]``: the componentwise median
    if its runs on ``MEDIAN_CHECKS`` fresh seeds (sample ids after the last sample) all
    pass the acceptance rule, else the accepted set nearest it."""
    sets = record["sets"]
    method = record["method"]
    parameters = recorded_parameters(record)
    observations = recorded_observations(record)
    values = median_parameters(sets, parameters)
    first = method["simulations"]
    seeds = [derive_seed(method["root_seed"], first + k, 0) for k in range(MEDIAN_CHECKS)]
    observed = [simulate_set(values, seed, method["scale"], base) for seed in seeds]
    if all(accepted(o, observations) for o in observed):
        record["median"] = {"kind": "componentwise median of the accepted sets",
                            "check_seeds": seeds, "checks_accepted": MEDIAN_CHECKS,
                            "parameters": values}  # fmt: skip
    else:
        nearest = median_set(sets, parameters)
        record["median"] = {"kind": f"accepted set {nearest['sample']}, nearest the "
                            "componentwise median (which failed its checks)",
                            "check_seeds": seeds,
                            "checks_accepted": sum(accepted(o, observations) for o in observed),
                            "parameters": dict(nearest["parameters"])}  # fmt: skip


def median_set(
    sets: Sequence[Mapping[str, Any]], parameters: Sequence[FreeParameter] = FREE_PARAMETERS
) -> Mapping[str, Any]:
    """The accepted set nearest the componentwise median, in prior-unit coordinates."""
    pts = np.array([[fp.to_unit(s["parameters"][fp.path]) for fp in parameters]
                    for s in sets])  # fmt: skip
    med = np.median(pts, axis=0)
    return sets[int(np.argmin(np.abs(pts - med).sum(axis=1)))]


# --- the ensemble file -------------------------------------------------------------


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        if isinstance(v, float) and not math.isfinite(v):
            return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f'"{k}" = {_toml_value(x)}' for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def to_toml(record: Mapping[str, Any]) -> str:
    """The ensemble as TOML: metadata tables, then one [[sets]] per accepted set."""
    lines = [
        "# Posterior ensemble written by `rainforest calibrate` (experiments/studies/",
        "# calibration.py); docs/VALIDATION.md section 2 explains it. Runs ended in 2025:",
        "# no 2030 outcome entered. The library scenarios carry the median set.",
        f"date = {_toml_value(record['date'])}",
        "",
    ]
    for table in ("method", "code", "rejected_summary", "median"):
        lines.append(f"[{table}]")
        lines += [f'"{k}" = {_toml_value(v)}' for k, v in record[table].items()]
        lines.append("")
    for table in ("observations", "priors"):
        for key, value in record[table].items():
            lines.append(f'[{table}."{key}"]')
            lines += [f'"{k}" = {_toml_value(v)}' for k, v in value.items()]
            lines.append("")
    for s in record["sets"]:
        lines.append("[[sets]]")
        for k in ("sample", "wave", "seed"):
            lines.append(f"{k} = {s[k]}")
        lines.append(f"parameters = {_toml_value(s['parameters'])}")
        lines.append(f"observed = {_toml_value(s['observed'])}")
        lines.append("")
    return "\n".join(lines)


# --- the library scenarios carry the median set -------------------------------------

LIBRARY_FILES: tuple[Path, ...] = (
    LIBRARY_DIR / "action_plan.toml",
    LIBRARY_DIR / "baseline.toml",
)
_BLOCK_MARK = "# Calibrated values: the posterior's median set"
_OLD_MARK = "# Calibrated market and behaviour values"
_LINE_MARK = "# posterior median"


def _strip(text: str) -> str:
    """A library file without its calibrated block and calibrated in-table lines."""
    for mark in (_BLOCK_MARK, _OLD_MARK):
        text = text.split(mark, 1)[0]
    kept = [ln for ln in text.rstrip("\n").split("\n") if not ln.rstrip().endswith(_LINE_MARK)]
    return "\n".join(kept).rstrip("\n")


def library_text(text: str, parameters: Mapping[str, float]) -> str:
    """``text`` (a library file) carrying ``parameters``: a key inside a table the file
    already has goes into that table (TOML defines a table once), marked; the rest goes
    to a block at the end."""
    head = _strip(text)
    lines = head.split("\n")
    block: dict[str, list[str]] = {}
    for path, value in parameters.items():
        table, key = path.rsplit(".", 1)
        row = f"{key} = {as_overrides({path: value})[path]!r}"
        header = f"[{table}]"
        if header in lines:
            at = lines.index(header) + 1
            lines.insert(at, f"{row}  {_LINE_MARK}")
        else:
            block.setdefault(table, []).append(row)
    out = "\n".join(lines)
    tail = [
        f"{_BLOCK_MARK} (scenarios/posterior.toml,",
        "# `rainforest calibrate --apply`; docs/VALIDATION.md). The leave-one-outs inherit them;",
        f"# values inside the tables above are marked `{_LINE_MARK}`.",
    ]
    for table, rows in block.items():
        tail += [f"[{table}]", *rows, ""]
    return f"{out}\n\n" + "\n".join(tail).rstrip("\n") + "\n"


def library_medians(form: str, median: Mapping[str, float]) -> dict[str, float]:
    """What the library scenarios carry when ``median`` is form ``form``'s new median set.

    The library runs the default market form, so the default form's median holds every
    parameter the forms share (behaviour, plan effects, the Bass coefficients); another
    form contributes only the market parameters that are its own, so that
    ``market.form = <other>`` runs on its calibrated market. Applying a non-default
    form's ensemble therefore never moves the default form's calibrated values.
    """
    from rainforest.scenarios.ensemble import ENSEMBLE_FILES

    medians: dict[str, Mapping[str, float]] = {}
    for other, path in ENSEMBLE_FILES.items():
        if other == form:
            medians[other] = median
        elif path.exists():
            medians[other] = load_ensemble(path)["median"]["parameters"]
    merged: dict[str, float] = {}
    for other, values in medians.items():
        if other != DEFAULT_FORM:
            merged.update(values)
    merged.update(medians.get(DEFAULT_FORM, {}))
    return merged


def apply_to_library(
    parameters: Mapping[str, float], files: Sequence[Path] = LIBRARY_FILES
) -> list[Path]:
    """Write ``parameters`` into each library file; returns the files changed.

    Everything else (plans, budgets, schedules) is kept as it is.
    """
    changed = []
    for path in files:
        text = path.read_text()
        new = library_text(text, parameters)
        if new != text:
            write_atomic(path, new)
            changed.append(path)
    return changed


def check_ensemble(
    path: Path = ENSEMBLE_FILE, root_seed: int = 7, sets: int | None = None, workers: int = 1
) -> dict[str, Any]:
    """Re-run accepted sets on seeds they were not fitted on (``derive_seed(root_seed,
    sample, 1)``): the share still accepted, and each observation's share in its band."""
    record = load_ensemble(path)
    chosen = record["sets"][:sets] if sets else record["sets"]
    form = ensemble_form(record)
    observations = recorded_observations(record)
    base = calibration_scenario(form=form, horizon=record["method"]["horizon_year"])
    scale = record["method"]["scale"]
    tasks = [
        (as_overrides(s["parameters"]), derive_seed(root_seed, s["sample"], 1), scale, base)
        for s in chosen
    ]
    observed = _evaluate(tasks, workers, None)
    return {
        "sets": len(chosen),
        "root_seed": root_seed,
        "accepted_share": float(np.mean([accepted(o, observations) for o in observed])),
        "in_band_share": {
            ob.name: float(np.mean([ob.band[0] <= o[ob.name] <= ob.band[1] for o in observed]))
            for ob in observations
        },
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m rainforest.experiments.studies.calibration --check``: the shipped
    ensemble against the observations on fresh seeds (the full form of the CI test)."""
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m rainforest.experiments.studies.calibration")
    parser.add_argument("--check", action="store_true", required=True)
    parser.add_argument("--sets", type=int, default=None, help="default: every accepted set")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    print(json.dumps(check_ensemble(sets=args.sets, workers=args.workers), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
