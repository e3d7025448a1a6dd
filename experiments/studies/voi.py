"""Value of information: what it is worth to learn each uncertain parameter before
choosing how to split the plan's money (``rainforest voi``).

The decision is one allocation among candidates: the scenario's own budgets ("today")
and, for each plan, that plan's budget +20 % in every plan year with the other plans'
scaled so each year's total is unchanged (``shift_<plan>``; ``rule="add"`` instead
adds the 20 % without taking it from the others: ``plus20_<plan>``), plus any read from
a TOML file. Every candidate runs on the same posterior draws and the same seeds
(common random numbers, through the one door: ``resolve_request(..., posterior=True)``).

With U(a, theta) a candidate's outcome (its 2030 output in RMB bn, or whether it reaches
500 bn) under the parameters theta:

- EVPI = E[max_a U(a, theta)] - max_a E[U(a, theta)], over the draws (each draw's
  outcome averaged over its replicates): what the choice would gain if every parameter
  were known before choosing. With one replicate a draw's seed noise counts as
  "information" too, so few replicates overstate EVPI a little.
- EVPPI of a parameter (or a group) by the regression estimator of Strong, Oakley &
  Brennan (2014, Medical Decision Making 34: 311-326): each candidate's gain over the
  first candidate is regressed on the parameter (a penalised cubic regression spline:
  scikit-learn's ``SplineTransformer`` and ``RidgeCV``, its penalty chosen by
  generalised cross-validation; additive over a group's members), and EVPPI is the EVPI
  formula applied to the fitted values. The estimator itself is not clipped (a test
  checks that it keeps 0 <= EVPPI <= EVPI on random problems); in a study, an estimate
  above the EVPI, which only few draws produce, is reported at the EVPI and flagged.

With an emulator over the posterior (``rainforest emulate whatif --posterior``: the 2030
outcomes as functions of the six budget multipliers and the posterior's parameters),
``emulated_outcomes`` replaces the runs: each candidate is its six multipliers (its
budget over the plan years against the scenario's), each draw its set's values, and U is
the emulator's expected outcome, seed noise averaged out, so EVPI no longer counts seed
noise as information and every accepted set can be a draw at no cost in runs.

Which observation would inform a parameter comes from the ensemble's identifiability
report (``studies.identifiability``): whether today's observations inform it at all and
which observations move with it.
"""

from __future__ import annotations

import io
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.schema import PLAN_NAMES, PLAN_START_YEAR, Scenario

MEASURES: dict[str, str] = {
    "output": "RMB bn of 2030 output",
    "reach": "probability of 2030 output >= 500 bn",
}
RULES = ("shift", "add")
SHIFT = 0.2  # the default candidates' change of one plan's budget
TARGET_BN = 500.0
YEAR = 2030
INDICATOR = "output_value_bn"
MAX_KNOTS = 5
ALPHAS = np.logspace(-6, 4, 21)
GROUPS = ("market", "behaviour", "plans")  # dotted-path prefixes, valued together


@dataclass(frozen=True)
class Candidate:
    """One allocation: each named plan's budget times its factor in every plan year;
    with ``keep_total`` the plans not named are scaled together so that each year's
    total is unchanged."""

    name: str
    factors: Mapping[str, float] = field(default_factory=dict)
    keep_total: bool = False
    budgets_bn: Mapping[str, float] = field(default_factory=dict)  # RMB bn a year, 2023 on

    def overrides(self, scenario: Scenario) -> dict[str, Any]:
        """The budget overrides this candidate applies to ``scenario``: its factors, or
        its budgets a year (as ``rainforest optimize`` allocates) in every plan year,
        the years before the plans kept as they are."""
        if self.budgets_bn:
            return budget_overrides(scenario, self.budgets_bn, self.name)
        return allocation_overrides(scenario, self.factors, self.keep_total, self.name)


def budget_overrides(
    scenario: Scenario, budgets_bn: Mapping[str, float], name: str = ""
) -> dict[str, Any]:
    """Overrides giving each named plan ``budgets_bn[plan]`` RMB bn in every plan year
    (2023 on) of its table; earlier years keep their pre-plan support."""
    table = budgets(scenario)
    out = {}
    for plan, value in budgets_bn.items():
        if plan not in PLAN_NAMES:
            raise ScenarioError(f"candidate {name!r}: unknown plan {plan!r} (plans: {PLAN_NAMES})")
        if not float(value) >= 0.0:
            raise ScenarioError(f"candidate {name!r}: {plan}: budget must be >= 0, got {value!r}")
        years = sorted(set(table[plan]) | {PLAN_START_YEAR})
        out[f"plans.{plan}.budget_bn"] = {
            y: (float(value) if y >= PLAN_START_YEAR else table[plan][y]) for y in years
        }
    return out


def candidate_from_optimization(folder: str | Path, name: str = "optimised") -> Candidate:
    """The best allocation a ``rainforest optimize`` folder found, as a candidate (its
    budgets a year for every plan)."""
    import json

    path = Path(folder) / "analysis.json"
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"--optimized {folder}: no readable analysis.json ({exc})") from None
    if not isinstance(report, dict) or report.get("kind") != "optimization":
        raise ScenarioError(f"--optimized {folder}: not a rainforest optimize folder")
    best = report.get("best")
    trials = {t.get("trial"): t for t in report.get("trials", []) if isinstance(t, dict)}
    if best not in trials or not isinstance(trials[best].get("budgets_bn"), dict):
        raise ScenarioError(f"--optimized {folder}: analysis.json names no best allocation")
    return Candidate(name, budgets_bn=dict(trials[best]["budgets_bn"]))


def budgets(scenario: Scenario) -> dict[str, dict[int, float]]:
    """Each plan's budget table (RMB bn by year)."""
    return {
        p: {int(y): float(v) for y, v in getattr(scenario.plans, p).budget_bn.items()}
        for p in PLAN_NAMES
    }


def allocation_overrides(
    scenario: Scenario, factors: Mapping[str, float], keep_total: bool, name: str = ""
) -> dict[str, Any]:
    """Overrides multiplying each named plan's budget by its factor in every plan year
    (2023 on); with ``keep_total`` the others share the change so each year's total
    stays what it was. A total that cannot be kept is a ScenarioError."""
    for plan, f in factors.items():
        if plan not in PLAN_NAMES:
            raise ScenarioError(f"candidate {name!r}: unknown plan {plan!r} (plans: {PLAN_NAMES})")
        if not float(f) >= 0.0:
            raise ScenarioError(f"candidate {name!r}: {plan}: factor must be >= 0, got {f!r}")
    if not factors:
        return {}
    table = budgets(scenario)
    rest = [p for p in PLAN_NAMES if p not in factors]
    new = {p: dict(t) for p, t in table.items()}
    years = sorted({y for t in table.values() for y in t if y >= PLAN_START_YEAR})
    for y in years:
        for p, f in factors.items():
            if y in table[p]:
                new[p][y] = table[p][y] * float(f)
        if keep_total:
            total = sum(t.get(y, 0.0) for t in table.values())
            named = sum(new[p].get(y, 0.0) for p in factors)
            others = sum(table[p].get(y, 0.0) for p in rest)
            if others <= 0.0 or total - named < 0.0:
                raise ScenarioError(
                    f"candidate {name!r}: the total of {y} cannot be kept (the plans not "
                    "named hold too little)"
                )
            k = (total - named) / others
            for p in rest:
                if y in table[p]:
                    new[p][y] = table[p][y] * k
    return {f"plans.{p}.budget_bn": new[p] for p in (list(factors) + (rest if keep_total else []))}


def default_candidates(
    rule: str = "shift", plans: Sequence[str] | None = None, shift: float = SHIFT
) -> list[Candidate]:
    """Today's allocation, then each plan's +``shift``: taken from the others ("shift")
    or added ("add")."""
    if rule not in RULES:
        raise ScenarioError(f"rule: one of {', '.join(RULES)}, got {rule!r}")
    chosen = list(PLAN_NAMES if plans is None else plans)
    for p in chosen:
        if p not in PLAN_NAMES:
            raise ScenarioError(f"plans: unknown plan {p!r} (plans: {', '.join(PLAN_NAMES)})")
    pct = round(100 * shift)
    prefix = "shift" if rule == "shift" else f"plus{pct}"
    out = [Candidate("today")]
    out += [Candidate(f"{prefix}_{p}", {p: 1.0 + shift}, rule == "shift") for p in chosen]
    return out


def read_candidates(path: str | Path) -> list[Candidate]:
    """Candidates from a TOML file: ``[[candidates]]`` tables with ``name``, ``factors``
    (plan -> factor on its budget in every plan year) and ``keep_total`` (default
    false)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"--candidates {path}: not a readable TOML file ({exc})") from None
    entries = data.get("candidates")
    if not isinstance(entries, list) or not entries:
        raise ScenarioError(f"--candidates {path}: needs [[candidates]] tables")
    out = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ScenarioError(f"--candidates {path}: candidate {i + 1}: needs a name")
        unknown = set(entry) - {"name", "factors", "keep_total", "budgets_bn"}
        if unknown:
            raise ScenarioError(
                f"--candidates {path}: {entry['name']}: unknown keys {sorted(unknown)}"
            )
        factors = entry.get("factors", {})
        if not isinstance(factors, dict):
            raise ScenarioError(f"--candidates {path}: {entry['name']}: factors: a table")
        given = entry.get("budgets_bn", {})
        if not isinstance(given, dict) or (given and factors):
            raise ScenarioError(
                f"--candidates {path}: {entry['name']}: budgets_bn: a table, and not with factors"
            )
        out.append(Candidate(entry["name"], dict(factors),
                             bool(entry.get("keep_total", False)), dict(given)))  # fmt: skip
    return out


# --- the estimators ------------------------------------------------------------------


def evpi(utilities: np.ndarray) -> float:
    """E[max_a U] - max_a E[U] over the rows of ``utilities`` (samples x actions)."""
    u = np.asarray(utilities, dtype=float)
    return float(np.mean(np.max(u, axis=1)) - np.max(np.mean(u, axis=0)))


def _smoother(x: np.ndarray):
    """A penalised cubic regression spline on ``x``'s columns (additive over columns)."""
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import SplineTransformer

    unique = min(len(np.unique(x[:, j])) for j in range(x.shape[1]))
    knots = int(np.clip(unique, 2, MAX_KNOTS))
    return make_pipeline(
        SplineTransformer(n_knots=knots, degree=3, knots="uniform", extrapolation="linear"),
        RidgeCV(alphas=ALPHAS),
    )


def fitted_gains(x: np.ndarray, utilities: np.ndarray) -> np.ndarray:
    """E[U_a - U_0 | x] for every action a, fitted at each sample (column 0 is zero)."""
    x = np.asarray(x, dtype=float)
    x = x.reshape(len(x), -1)
    u = np.asarray(utilities, dtype=float)
    out = np.zeros_like(u)
    live = [j for j in range(x.shape[1]) if np.ptp(x[:, j]) > 0.0]
    if not live:
        return out + np.mean(u - u[:, [0]], axis=0)
    x = x[:, live]
    for a in range(1, u.shape[1]):
        gain = u[:, a] - u[:, 0]
        out[:, a] = _smoother(x).fit(x, gain).predict(x)
    return out


def evppi(x: np.ndarray, utilities: np.ndarray) -> float:
    """The regression estimate of the EVPPI of the parameter(s) ``x`` (samples, or
    samples x group members).

    Not clipped: it is never negative (the mean of a maximum is at least the maximum of
    the means, and the fitted gains keep each candidate's mean, the regression having an
    unpenalised intercept), and it stays below the EVPI as long as the regression smooths
    rather than overfits, which ``test_evpi_bounds_every_evppi_which_is_never_negative``
    checks on random problems: a clip would hide the failure it tests for. (Where the
    parameter fixes the utilities exactly, the spline's approximation error alone can
    put it a few parts in 100,000 above the EVPI.)"""
    return float(evpi(fitted_gains(x, utilities)))


# --- the runs ------------------------------------------------------------------------


@dataclass(frozen=True)
class VoiRequest:
    """What a value-of-information study runs: one door request per candidate."""

    scenario: Scenario
    candidates: tuple[Candidate, ...]
    requests: tuple[Any, ...]  # RunRequest, one per candidate, on the same draws and seeds
    measure: str

    @property
    def runs(self) -> int:
        return sum(r.run_count for r in self.requests)

    @property
    def draws(self) -> int:
        return len(self.requests[0].posterior.sets)

    @property
    def replicates(self) -> int:
        return self.requests[0].replicates


def prepare(
    scenario: str | Path | Scenario = "action_plan",
    candidates: Sequence[Candidate] | None = None,
    draws: int = 30,
    replicates: int = 1,
    seed: int = 0,
    scale: str | None = None,
    measure: str = "output",
    ensemble: str | Path | None = None,
) -> VoiRequest:
    """Resolve every candidate's posterior request (bad input: one ScenarioError)."""
    from rainforest.runs.request import resolve_request
    from rainforest.scenarios.loader import load_scenario

    if measure not in MEASURES:
        raise ScenarioError(f"measure: one of {', '.join(MEASURES)}, got {measure!r}")
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    chosen = tuple(default_candidates() if candidates is None else candidates)
    if len(chosen) < 2:
        raise ScenarioError("candidates: a decision needs at least two")
    names = [c.name for c in chosen]
    if len(set(names)) != len(names):
        raise ScenarioError(f"candidates: names must differ, got {names}")
    requests = tuple(
        resolve_request(
            base,
            overrides=c.overrides(base),
            scale=scale,
            seed=seed,
            replicates=replicates,
            posterior=True,
            draws=draws,
            ensemble=ensemble,
        )  # fmt: skip
        for c in chosen
    )
    return VoiRequest(requests[0].scenario, chosen, requests, measure)


def run_outcomes(request: VoiRequest, workers: int = 1) -> np.ndarray:
    """Each run's 2030 output: draws x replicates x candidates (RMB bn)."""
    from rainforest.experiments.studies.run_pool import RunPool

    jobs = [(p.scenario, p.seed) for r in request.requests for p in r.planned_runs()]
    with RunPool(workers) as pool:
        rows = pool.outcomes(jobs, YEAR)
    values = np.array([row[INDICATOR] for row in rows], dtype=float)
    a = len(request.candidates)
    return values.reshape(a, request.draws, request.replicates).transpose(1, 2, 0)


def candidate_multipliers(request: VoiRequest) -> list[dict[str, float]]:
    """Each candidate's budget of each plan over the plan years (2023 on) as a multiple
    of the scenario's: what an emulator of the budget multipliers takes. A candidate
    that changes the years' profile of a plan (keep_total with uneven tables) is read by
    its total; a plan the scenario gives nothing cannot be multiplied (ScenarioError)."""
    base = budgets(request.requests[0].base)
    out = []
    for c, r in zip(request.candidates, request.requests, strict=True):
        new = budgets(r.scenario)
        factors = {}
        for plan in PLAN_NAMES:
            old = sum(v for y, v in base[plan].items() if y >= PLAN_START_YEAR)
            now = sum(v for y, v in new[plan].items() if y >= PLAN_START_YEAR)
            if old <= 0.0:
                if now > 0.0:
                    raise ScenarioError(
                        f"candidate {c.name!r}: {plan} has no budget in the scenario, so an "
                        "emulator of budget multipliers cannot give it one"
                    )
                factors[plan] = 0.0
            else:
                factors[plan] = now / old
        out.append(factors)
    return out


def emulated_outcomes(request: VoiRequest, emulator) -> tuple[np.ndarray, np.ndarray, int]:
    """(expected 2030 output, P(a run reaches 500 bn), points outside the emulator's
    region) of each draw and candidate, shaped draws x 1 x candidates, from an emulator
    of the budget multipliers and the posterior's parameters."""
    from rainforest.experiments.studies.whatif_emulator import PLAN_YEARS
    from scipy.stats import norm

    about = emulator.about
    column = f"{INDICATOR}_{YEAR}"
    first = request.requests[0]
    if "posterior" not in about:
        raise ScenarioError(
            "--emulator: not an emulator over the posterior (rainforest emulate whatif "
            "--posterior makes one)"
        )
    if about.get("scale") != first.scale or about.get("scenario") != first.base.name:
        raise ScenarioError(
            f"--emulator: trained on {about.get('scenario')} at {about.get('scale')} scale; "
            f"this study is {first.base.name} at {first.scale} scale"
        )
    if column not in emulator.outputs:
        raise ScenarioError(f"--emulator: it does not emulate {column}")
    if about.get("multiplies") != PLAN_YEARS:
        raise ScenarioError(
            "--emulator: its multipliers scale every year's budget; voi's candidates change "
            "the plan years (2023 on): train it again with rainforest emulate whatif "
            "--posterior"
        )
    trained_on = about["posterior"].get("file")
    if trained_on != first.posterior.file:
        raise ScenarioError(
            f"--emulator: trained on the sets of {trained_on}; this study draws from "
            f"{first.posterior.file} (--ensemble)"
        )
    multipliers = candidate_multipliers(request)
    sets = first.posterior.parameters
    missing = [n for n in emulator.inputs if n not in PLAN_NAMES and n not in sets[0]]
    if missing:
        raise ScenarioError(f"--emulator: the posterior's sets have no {missing[0]!r}")
    ignored = [p for p in sets[0] if p not in emulator.inputs and len({s[p] for s in sets}) > 1]
    if ignored:
        raise ScenarioError(f"--emulator: the draws vary {ignored[0]!r}, not one of its inputs")
    rows = [
        [m[n] if n in PLAN_NAMES else float(s[n]) for n in emulator.inputs]
        for s in sets
        for m in multipliers
    ]
    mean, sd, outside = emulator.predict_array(np.array(rows))
    j = emulator.outputs.index(column)
    shape = (len(sets), 1, len(multipliers))
    expected = mean[:, j].reshape(shape)
    reach = norm.sf(TARGET_BN, loc=mean[:, j], scale=np.maximum(sd[:, j], 1e-12)).reshape(shape)
    return expected, reach, int(outside.sum())


def parameter_matrix(request: VoiRequest) -> tuple[list[str], np.ndarray]:
    """The posterior draws' parameter values (draws x parameters), by dotted path."""
    params = request.requests[0].posterior.parameters
    paths = list(params[0])
    return paths, np.array([[float(p[k]) for k in paths] for p in params])


def utilities(outputs: np.ndarray, measure: str) -> np.ndarray:
    """The outcome measure of each run (same shape as ``outputs``)."""
    return outputs if measure == "output" else (outputs >= TARGET_BN).astype(float)


def value_of_information(
    paths: Sequence[str],
    theta: np.ndarray,
    u: np.ndarray,
    groups: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """EVPI and each parameter's (and group's) EVPPI for utilities ``u`` (draws x
    replicates x candidates) and the draws' parameters ``theta`` (draws x parameters)."""
    n, r, a = u.shape
    total = max(evpi(u.mean(axis=1)), 0.0)
    flat = u.reshape(n * r, a)
    x = np.repeat(theta, r, axis=0)
    raw = {p: evppi(x[:, j], flat) for j, p in enumerate(paths)}
    grouped_raw = {}
    for name, members in (groups or {}).items():
        idx = [paths.index(m) for m in members if m in paths]
        if idx:
            grouped_raw[name] = evppi(x[:, idx], flat)
    # An estimate above the EVPI is the regression overfitting too few draws: it is
    # reported at the EVPI and named, never silently.
    over = sorted(k for k, v in {**raw, **grouped_raw}.items() if v > total)
    return {
        "evpi": total,
        "parameters": {k: min(v, total) for k, v in raw.items()},
        "groups": {k: min(v, total) for k, v in grouped_raw.items()},
        "above_evpi": over,
    }


def prefix_groups(paths: Sequence[str]) -> dict[str, list[str]]:
    """The parameters grouped by their first dotted name (market, behaviour, plans)."""
    out: dict[str, list[str]] = {}
    for p in paths:
        head = p.split(".", 1)[0]
        if head in GROUPS:
            out.setdefault(head, []).append(p)
    return {k: v for k, v in out.items() if len(v) > 1}


def informing(ensemble: str | Path | None, form: str) -> dict[str, dict[str, Any]]:
    """Each parameter's identifiability verdict and the observations that move with it."""
    from rainforest.experiments.studies.identifiability import identifiability
    from rainforest.scenarios.ensemble import load_ensemble

    try:
        report = identifiability(load_ensemble(ensemble, form))
    except (ValueError, KeyError):
        return {}
    return {
        p: {"verdict": e["verdict"], "informed_by": list(e["informed_by"])}
        for p, e in report["parameters"].items()
    }


# --- the analysis --------------------------------------------------------------------


def analyze(
    request: VoiRequest,
    outputs: np.ndarray,
    ensemble: Any = None,
    emulated: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The study's result as plain data (``analysis.json`` less its files). With
    ``emulated`` (``reach``: P(a run reaches 500 bn) per draw and candidate, and what the
    emulator is), ``outputs`` are the emulator's expected outputs, not runs."""
    from rainforest.experiments.provenance import code_version
    from rainforest.experiments.studies.analysis_dir import provenance

    if emulated is not None:
        reach_p = np.asarray(emulated["reach"])
        u = outputs if request.measure == "output" else reach_p
    else:
        reach_p = (outputs >= TARGET_BN).astype(float)
        u = utilities(outputs, request.measure)
    paths, theta = parameter_matrix(request)
    voi = value_of_information(paths, theta, u, prefix_groups(paths))
    informs = informing(ensemble, request.scenario.market.form)
    per_draw = u.mean(axis=1)  # draws x candidates
    means = per_draw.mean(axis=0)
    best = int(np.argmax(means))
    regret = per_draw.max(axis=1, keepdims=True) - per_draw
    wins = np.bincount(np.argmax(per_draw, axis=1), minlength=len(request.candidates))
    candidates = []
    for i, c in enumerate(request.candidates):
        out = outputs[:, :, i].ravel()
        spend = _total_spend(request.requests[i].scenario)
        candidates.append({
            "candidate": c.name,
            "factors": dict(c.factors),
            "keep_total": c.keep_total,
            "budgets_bn": dict(c.budgets_bn),
            "plan_spend_bn": round(spend, 3),
            "mean_output_bn": float(out.mean()),
            "output_p05_bn": float(np.quantile(out, 0.05)),
            "output_p95_bn": float(np.quantile(out, 0.95)),
            "reach_500_probability": float(reach_p[:, :, i].mean()),
            "expected_utility": float(means[i]),
            "expected_regret": float(regret[:, i].mean()),
            "best_in_share_of_draws": float(wins[i] / len(per_draw)),
        })  # fmt: skip
    rows = []
    for p in paths:
        info = informs.get(p, {})
        rows.append({
            "parameter": p,
            "kind": "parameter",
            "evppi": voi["parameters"][p],
            "share_of_evpi": voi["parameters"][p] / voi["evpi"] if voi["evpi"] > 0 else 0.0,
            "estimate_above_evpi": p in voi["above_evpi"],
            "identified_today": info.get("verdict", ""),
            "informed_by": "; ".join(info.get("informed_by", [])),
        })  # fmt: skip
    for g, value in voi["groups"].items():
        rows.append({
            "parameter": f"{g}.*", "kind": "group", "evppi": value,
            "estimate_above_evpi": g in voi["above_evpi"],
            "share_of_evpi": value / voi["evpi"] if voi["evpi"] > 0 else 0.0,
            "identified_today": "", "informed_by": "",
        })  # fmt: skip
    rows.sort(key=lambda row: (row["kind"] != "parameter", -row["evppi"]))
    posterior = request.requests[0].posterior
    unit = MEASURES[request.measure]
    return {
        "kind": "value_of_information",
        "title": (
            f"Value of information: what it is worth to learn each parameter before choosing "
            f"among {len(request.candidates)} allocations of {request.scenario.name}'s money "
            f"({unit})"
        ),
        "measure": request.measure,
        "unit": unit,
        "year": YEAR,
        "evpi": voi["evpi"],
        "best_candidate": request.candidates[best].name,
        "candidates": candidates,
        "evppi": rows,
        "band": (
            f"over {request.draws} posterior draws x {request.replicates} replicate(s), "
            "the same draws and seeds for every candidate"
            if emulated is None
            else f"over {request.draws} posterior draws, each candidate's expected output "
            "by the emulator (seed noise averaged out; the band is parameter uncertainty only)"
        ),
        "method": (
            "EVPI = E[max_a U] - max_a E[U] over draws (replicates averaged); EVPPI by "
            "Strong, Oakley & Brennan (2014): each candidate's gain over the first regressed "
            "on the parameter (penalised cubic spline, RidgeCV); an estimate above the EVPI (the "
            "regression overfitting few draws) is reported at the EVPI and flagged "
            "(estimate_above_evpi)"
        ),
        "provenance": provenance(
            source=request.scenario.name,
            code_version=code_version(),
            root_seed=request.requests[0].seed,
            replicates=request.replicates,
            scale=request.requests[0].scale,
            posterior=posterior.to_dict(),
            market_form=request.scenario.market.form,
        ),
        "emulator": None if emulated is None else dict(emulated["about"]),
    }


def _total_spend(scenario: Scenario) -> float:
    """The six plans' budgets summed over the plan years (RMB bn)."""
    return sum(v for t in budgets(scenario).values() for y, v in t.items() if y >= PLAN_START_YEAR)


def tables(report: Mapping[str, Any]) -> dict[str, tuple[pd.DataFrame, str]]:
    """The EVPPI table and the candidates table, with their captions."""
    evppi_frame = pd.DataFrame(report["evppi"])
    cand = pd.DataFrame(report["candidates"]).drop(columns=["factors"])
    return {
        "voi.csv": (
            evppi_frame,
            f"EVPI {report['evpi']:.3g} ({report['unit']}); each parameter's EVPPI, its "
            "share of EVPI, whether today's observations inform it, and which observations "
            f"move with it; {report['band']}",
        ),
        "voi_candidates.csv": (
            cand,
            f"the candidate allocations, {report['band']}; best on expectation: "
            f"{report['best_candidate']}",
        ),
    }


def figure_png(report: Mapping[str, Any]) -> bytes:
    """'What is it worth to learn X': each parameter's EVPPI as a bar, EVPI as a line."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = [r for r in report["evppi"] if r["kind"] == "parameter"]
    rows = sorted(rows, key=lambda r: r["evppi"])
    fig = Figure(figsize=(9, 0.3 * len(rows) + 1.6))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    colours = ["#2b6cb0" if r["identified_today"] == "informed" else "#a0aec0" for r in rows]
    ax.barh(y, [r["evppi"] for r in rows], color=colours)
    ax.set_yticks(y, [r["parameter"].rsplit(".", 1)[-1] for r in rows], fontsize=8)
    ax.axvline(report["evpi"], color="#c53030", linestyle="--", label="EVPI (learn everything)")
    for yi, r in zip(y, rows, strict=True):
        if r["informed_by"]:
            ax.text(r["evppi"], yi, "  " + r["informed_by"].split(";")[0], va="center", fontsize=6)
    ax.set_xlabel(f"expected value of learning it before choosing ({report['unit']})")
    ax.set_title("What is it worth to learn X (blue: informed by today's observations)", fontsize=9)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def write_voi(report: Mapping[str, Any], out: str | Path) -> list[Path]:
    """The analysis folder: voi.png, voi.csv, voi_candidates.csv, analysis.json."""
    from rainforest.experiments.studies.analysis_dir import write_analysis

    figures = {
        "voi.png": (
            figure_png(report),
            f"What is it worth to learn each parameter before choosing the allocation: its "
            f"EVPPI in {report['unit']} (dashed: EVPI); beside each bar the observation that "
            f"moves most with it; {report['band']}",
        )
    }
    return write_analysis(out, report, figures, tables(report))
