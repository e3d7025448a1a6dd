"""How much of the 2030 outcome each of the six plans delivers: exact Shapley attribution.

The game: a coalition of plans is the scenario with those plans as the scenario has
them and every other plan switched off, as the library's leave-one-outs switch one off
(``plans.<plan>.enabled = false``: no budget and no designations for it). Its worth is
an indicator's value in 2030 (its mean over replicates), or the probability that the
indicator reaches its 2030 target. All 64 coalitions run, each replicate on the same
seed in every coalition (common random numbers): a coalition's replicate ``r`` differs
from another's only by the plans switched, so each replicate is a game of its own, with
Shapley values that add up to v(all plans) - v(no plan) for that replicate, and the
attribution is their mean. The 95 % intervals come from a bootstrap over replicates
that resamples every coalition alike.

The runs are a sweep (a ``list`` sweep of 64 rows, ``common_seeds = true``) written to
``DIR/sweep.toml`` and run into ``DIR/runs/`` by the sweep machinery, so an attribution
runs on local workers or a Dask cluster, resumes where it stopped, and its runs are
Parquet like any sweep's.

Over the posterior (``--posterior``) the attribution is made for each of ``draws``
parameter sets of the calibrated ensemble (the door's ``resolve_request(...,
posterior=True)`` chooses them): draw d is a sweep of its own, ``DIR/runs/draw_ddd/``,
whose 64 coalitions run on its own seeds (root ``derive_seed(seed, d, 0)``), common to
its coalitions. Each (draw, replicate) is a game; the values are their mean, with a
bootstrap over draws (each drawn with its replicates). Two further figures keep the
sources of uncertainty apart: the 5-95 % range of the draws' mean effects (over the
posterior), and the parameter and seed standard deviations from the spread between and
within draws (seeds need two replicates a draw).
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w
from rainforest.experiments.files import output_folder, write_atomic
from rainforest.experiments.provenance import code_version
from rainforest.experiments.studies.shapley import (
    bootstrap_interval,
    efficiency_gap,
    interaction_indices,
    members,
    pair_mobius,
    resample_counts,
    shapley_values,
)
from rainforest.experiments.sweeps.executors import Executor
from rainforest.experiments.sweeps.manifest import Manifest
from rainforest.experiments.sweeps.runner import Progress, SweepSummary, run_sweep
from rainforest.experiments.sweeps.spec import Sweep, sweep_from_text, value_column
from rainforest.experiments.sweeps.storage import load_manifest, load_results
from rainforest.runs.request import DEFAULT_SEED, resolve_request
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.loader import library_names
from rainforest.scenarios.overrides import apply_overrides
from rainforest.scenarios.schema import PLAN_NAMES, Scenario
from rainforest.scenarios.targets import TARGET_YEAR
from rainforest.sim.indicators import INDICATOR_NAMES, TARGETED, spec
from rainforest.sim.seeds import derive_seed

PLANS: tuple[str, ...] = PLAN_NAMES
COALITIONS = 1 << len(PLANS)
DEFAULT_REPLICATES = 20
RESAMPLES = 2000
CONF_LEVEL = 0.95
BOOTSTRAP_SAMPLE = 2**40  # the bootstrap's derive_seed sample index: no run's
SWEEP_FILE = "sweep.toml"
RUNS = "runs"
SHAPLEY_CSV = "shapley.csv"
INTERACTIONS_CSV = "interactions.csv"
COALITIONS_CSV = "coalitions.csv"
INTERACTIONS_PNG = "interactions.png"
POSTERIOR_FILE = "posterior.json"
POSTERIOR_BAND = (5.0, 95.0)  # the range of the draws' mean effects reported


def coalition_label(mask: int, players: Sequence[str] = PLANS) -> str:
    """The plans on in coalition ``mask``, joined by '+'; 'none' for the empty one."""
    on = [players[i] for i in members(mask, len(players))]
    return "+".join(on) if on else "none"


def coalition_overrides(scenario: Scenario, mask: int) -> dict[str, bool]:
    """The overrides that make ``scenario`` coalition ``mask``: a plan in it stays as the
    scenario has it, every other plan is switched off (its leave-one-out treatment)."""
    return {
        f"plans.{plan}.enabled": bool(mask >> i & 1) and getattr(scenario.plans, plan).enabled
        for i, plan in enumerate(PLANS)
    }


def coalition_scenario(scenario: Scenario, mask: int) -> Scenario:
    """The scenario coalition ``mask`` runs."""
    return apply_overrides(scenario, coalition_overrides(scenario, mask))


@dataclass(frozen=True)
class Request:
    """A checked attribution: which scenario, indicators, replicates, seed and scale."""

    reference: str  # the scenario as the user named it: a library name or a file
    scenario: Scenario  # loaded, at ``scale``
    indicators: tuple[str, ...]
    replicates: int
    seed: int
    scale: str
    draws: tuple[Mapping[str, float], ...] = ()  # the posterior's sets, one a draw
    posterior: Mapping[str, Any] | None = None  # which sets, from which ensemble

    @property
    def runs(self) -> int:
        return COALITIONS * self.replicates * max(1, len(self.draws))

    @property
    def sweep_base(self) -> str:
        """The base as the sweep file names it: a library name, or the file's full path."""
        if self.reference in library_names():
            return self.reference
        return str(Path(self.reference).resolve())


def prepare(
    reference: str = "action_plan",
    indicators: Sequence[str] | None = None,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = DEFAULT_SEED,
    scale: str | None = None,
    posterior: bool = False,
    draws: int | None = None,
    ensemble: str | Path | None = None,
) -> Request:
    """Check an attribution's inputs; every problem is one ScenarioError naming it."""
    # the door checks the scenario, scale, seed, replicates and the posterior's draws,
    # fills in the scale and chooses the draws
    door = resolve_request(
        reference, scale=scale, seed=seed, replicates=replicates, posterior=posterior,
        draws=draws, ensemble=ensemble,
    )  # fmt: skip
    scenario = door.scenario
    if scenario.horizon_year < TARGET_YEAR or scenario.start_year > TARGET_YEAR:
        raise ScenarioError(
            f"{reference}: runs {scenario.start_year}-{scenario.horizon_year}; the attribution "
            f"is of the {TARGET_YEAR} outcome, so the scenario must run through {TARGET_YEAR}"
        )
    chosen = tuple(TARGETED if not indicators else dict.fromkeys(indicators))
    for name in chosen:
        if name not in INDICATOR_NAMES:
            raise ScenarioError(
                f"--indicators: unknown indicator {name!r} "
                f"(choose from {', '.join(INDICATOR_NAMES)})"
            )
    sets: tuple[Mapping[str, float], ...] = ()
    info = None
    if door.posterior is not None:
        sets, info = tuple(door.posterior.parameters), door.posterior.to_dict()
    return Request(
        reference, scenario, chosen, int(replicates), int(seed), scenario.scale, sets, info
    )


def draw_root_seed(request: Request, draw: int) -> int:
    """The root seed of draw ``draw``'s sweep: its own seeds, common to its coalitions."""
    return derive_seed(request.seed, draw, 0)


def draw_runs(out: Path, draw: int) -> Path:
    """Draw ``draw``'s runs folder inside an attribution folder."""
    return Path(out) / RUNS / f"draw_{draw:03d}"


def draw_sweep_file(out: Path, draw: int) -> Path:
    return Path(out) / "sweeps" / f"draw_{draw:03d}.toml"


def sweep_text(request: Request, draw: int | None = None) -> str:
    """The attribution's sweep file: 64 rows, one per coalition in mask order, common seeds;
    for a posterior draw, each row also sets the draw's parameters."""
    from rainforest.scenarios.ensemble import as_overrides

    fixed = as_overrides(request.draws[draw]) if draw is not None else {}
    rows = [{**fixed, **coalition_overrides(request.scenario, mask)} for mask in range(COALITIONS)]
    data = {
        "name": f"attribution_{request.scenario.name}",
        "description": (
            f"Shapley attribution of {request.scenario.name} to the six plans: every on/off "
            "combination, common random numbers"
        ),
        "base": request.sweep_base,
        "sampler": "list",
        "replicates": request.replicates,
        "seed": request.seed if draw is None else draw_root_seed(request, draw),
        "common_seeds": True,
        "scale": request.scale,
        "indicators": list(request.indicators),
        "years": [TARGET_YEAR],
        "rows": rows,
    }
    if draw is not None:
        data["name"] = f"attribution_{request.scenario.name}_draw_{draw:03d}"
        data["description"] += f"; posterior draw {draw} (set {request.posterior['sets'][draw]})"
    header = (
        "# Written by `rainforest attribute`: sample s is the coalition whose plans are the\n"
        "# bits of s (bit i = the i-th plan of foundation, leading, hand_in_hand,\n"
        "# open_source, array, rainforest); each replicate has one seed in every sample.\n"
    )
    return header + tomli_w.dumps(data)


def attribution_sweep(request: Request, out: Path, draw: int | None = None) -> Sweep:
    """The attribution's sweep, as ``DIR/sweep.toml`` (or a draw's file) will hold it."""
    path = Path(out) / SWEEP_FILE if draw is None else draw_sweep_file(out, draw)
    return sweep_from_text(sweep_text(request, draw), path)


def run_attribution(
    request: Request,
    out: Path,
    make_executor: Callable[[], Executor],
    chunk_size: int | None = None,
    progress: Progress | None = None,
) -> SweepSummary:
    """Run (or resume) the 64 x replicates runs into ``DIR/runs``; ``DIR/sweep.toml`` is
    written once the runs folder has been accepted."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: exists and is not a folder")
    if request.draws:
        return _run_posterior(request, out, make_executor, chunk_size, progress)
    if (out / RUNS / "draw_000").exists():
        raise ScenarioError(f"--out {out}: holds a posterior attribution; add --posterior")
    sweep = attribution_sweep(request, out)
    _check_runs_folder(sweep, out / RUNS)
    summary = run_sweep(sweep, out / RUNS, make_executor, chunk_size=chunk_size, progress=progress)
    write_atomic(out / SWEEP_FILE, sweep.text)
    return summary


def _run_posterior(request, out, make_executor, chunk_size, progress) -> SweepSummary:
    """Each draw's sweep in turn (each resumes where it stopped); one summary of them all."""
    if (out / RUNS / "manifest.json").exists():
        raise ScenarioError(f"--out {out}: holds an attribution without --posterior")
    existing = sorted((out / RUNS).glob("draw_*")) if (out / RUNS).is_dir() else []
    if len(existing) > len(request.draws):
        raise ScenarioError(
            f"--out {out}: holds {len(existing)} draws; repeat that attribution's --draws"
        )
    sweeps = [attribution_sweep(request, out, d) for d in range(len(request.draws))]
    for d, sweep in enumerate(sweeps):
        _check_runs_folder(sweep, draw_runs(out, d))
    total = SweepSummary(f"attribution_{request.scenario.name}_posterior", out / RUNS, "", 0)
    for d, sweep in enumerate(sweeps):
        s = run_sweep(sweep, draw_runs(out, d), make_executor, chunk_size=chunk_size,
                      progress=progress)  # fmt: skip
        draw_sweep_file(out, d).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(draw_sweep_file(out, d), sweep.text)
        total.executor = s.executor
        total.total_runs += s.total_runs
        total.finished_runs += s.finished_runs
        total.ran_now += s.ran_now
        total.failed_runs += s.failed_runs
        total.failures += s.failures
        total.unrun += s.unrun
        total.seconds += s.seconds
        total.compute_seconds += s.compute_seconds
        if s.aborted:
            total.aborted = s.aborted
            break
    info = {**request.posterior, "root_seed": request.seed}
    write_atomic(out / POSTERIOR_FILE, json.dumps(info, indent=2) + "\n")
    return total


def _check_runs_folder(sweep: Sweep, runs: Path) -> None:
    """Refuse the runs of another attribution, saying what made them."""
    from rainforest.experiments.sweeps.runner import sweep_identity
    from rainforest.experiments.sweeps.storage import ResultsFolder

    manifest = ResultsFolder(runs).read_manifest() if runs.is_dir() else None
    if manifest is None or manifest.identity == sweep_identity(sweep):
        return
    held = (
        f"{manifest.base}, {manifest.replicates} replicates, seed {manifest.root_seed}, "
        f"{manifest.scale} scale, indicators {', '.join(manifest.indicators)}"
    )
    raise ScenarioError(
        f"--out {runs.parent}: holds the runs of another attribution ({held}); choose "
        "another folder, or repeat that attribution's options to resume it"
    )


# --------------------------------------------------------------------------- the games


def coalition_games(
    frame: pd.DataFrame, columns: Sequence[str], coalitions: int = COALITIONS
) -> tuple[dict[str, np.ndarray], list[int], list[int]]:
    """Each column's game per replicate, (coalitions, replicates), from a sweep's runs.

    Sample s is coalition s. A replicate with a failed or missing run in any coalition
    cannot be attributed; it is left out of every game (the third item lists them).
    """
    ok = frame[frame["error"].isna()]
    replicates = sorted(int(r) for r in frame["replicate"].unique())
    complete = ok.groupby("replicate")["sample"].nunique()
    kept = [r for r in replicates if int(complete.get(r, 0)) == coalitions]
    dropped = [r for r in replicates if r not in kept]
    rows = ok[ok["replicate"].isin(kept)]
    games = {}
    for column in columns:
        table = rows.pivot(index="sample", columns="replicate", values=column)
        table = table.reindex(index=range(coalitions), columns=kept)
        games[column] = table.to_numpy(dtype=np.float64)
    return games, kept, dropped


def _interval(mean: Any, low: Any, high: Any) -> dict[str, float]:
    return {"mean": float(mean), "low": float(low), "high": float(high)}


def attribute_game(
    v: np.ndarray, counts: np.ndarray, players: Sequence[str] = PLANS, level: float = CONF_LEVEL
) -> dict[str, Any]:
    """The attribution of one game given per replicate, ``v`` (2**n, replicates).

    Shapley values, pairwise interaction indices and Moebius terms are computed for
    every replicate's game; each is reported as its mean over replicates with a
    bootstrap interval (``counts``: the resample shared by the whole analysis), and the
    largest efficiency gap over replicates is kept, to show that the values add up. Each
    plan's effect alone and its leave-one-out effect come with it: where plans interact,
    they differ, and the Shapley value lies between the contexts they stand for.
    """
    v = np.asarray(v, dtype=np.float64)
    n = len(players)
    phi = shapley_values(v)  # (n, R)
    gap = efficiency_gap(v, phi)
    interactions = interaction_indices(v)  # (n, n, R)
    mobius = pair_mobius(v)

    def summary(per_replicate: np.ndarray) -> dict[str, float]:
        return _interval(*bootstrap_interval(per_replicate, counts, level))

    total = v[-1] - v[0]
    pairs = []
    for i in range(n):
        for j in range(i + 1, n):
            pairs.append({
                "plans": [players[i], players[j]],
                "interaction": summary(interactions[i, j]),
                "mobius": summary(mobius[i, j]),
            })  # fmt: skip
    scale = max(1.0, float(np.max(np.abs(v))))
    return {
        "none": summary(v[0]),
        "all": summary(v[-1]),
        "total": summary(total),
        "shapley": {p: summary(phi[i]) for i, p in enumerate(players)},
        # the two single contexts the Shapley value averages between: the plan added to
        # no plan, and the plan removed from all (its leave-one-out effect)
        "alone": {p: summary(v[1 << i] - v[0]) for i, p in enumerate(players)},
        "leave_one_out": {
            p: summary(v[-1] - v[(len(v) - 1) & ~(1 << i)]) for i, p in enumerate(players)
        },
        "interactions": pairs,
        "efficiency_gap": float(np.max(np.abs(gap))),
        "efficiency_tolerance": efficiency_tolerance(scale),
        "coalitions": [float(x) for x in v.mean(axis=1)],
    }


def efficiency_tolerance(scale: float) -> float:
    """How far rounding can move a sum of six Shapley values from v(all) - v(none): each is
    a sum of 32 weighted differences of numbers up to ``scale``, a few ulps apiece."""
    return 64 * 8 * np.finfo(np.float64).eps * scale


def bootstrap_counts(seed: int, replicates: int, resamples: int = RESAMPLES) -> np.ndarray:
    """The bootstrap's resample of replicates, derived from the attribution's root seed."""
    rng = np.random.default_rng(derive_seed(seed, BOOTSTRAP_SAMPLE, 0))
    return resample_counts(replicates, resamples, rng)


# --------------------------------------------------------------------------- the analysis


def uncertainty_sources(v: np.ndarray, draws: int, replicates: int) -> dict[str, Any]:
    """Each plan's Shapley value over the posterior, its sources of uncertainty apart.

    ``v`` is (64, draws x replicates), draw-major. ``posterior_band``: the 5-95 % range
    of the draws' mean values (over the posterior; each mean is over the draw's seeds, so
    with few replicates it keeps some seed noise). ``seed_sd``: the pooled sd within
    draws (one run's seed noise; None with one replicate). ``parameter_sd``: the sd of
    the draws' true means, their spread less the seed noise it carries (a one-way
    random-effects estimate, floored at 0)."""
    phi = shapley_values(v).reshape(len(PLANS), draws, replicates)
    means = phi.mean(axis=2)  # (plans, draws)
    low, high = np.percentile(means, POSTERIOR_BAND, axis=1)
    out = {}
    for i, plan in enumerate(PLANS):
        between = float(np.var(means[i], ddof=1)) if draws > 1 else 0.0
        within = float(np.mean(np.var(phi[i], axis=1, ddof=1))) if replicates > 1 else None
        param_var = between - (within or 0.0) / replicates
        out[plan] = {
            "posterior_low": float(low[i]),
            "posterior_high": float(high[i]),
            "parameter_sd": math.sqrt(max(param_var, 0.0)) if draws > 1 else None,
            "seed_sd": math.sqrt(within) if within is not None else None,
        }
    return out


def _draw_counts(seed: int, draws: int, replicates: int) -> np.ndarray:
    """A bootstrap over draws: each resampled draw brings all its replicates."""
    per_draw = bootstrap_counts(seed, draws)
    return np.repeat(per_draw, replicates, axis=1)


def _games(out: Path, columns: Sequence[str]):
    """(games, manifest, draws, replicates, dropped): each column's games, (64, games),
    from the runs of ``out``; over the posterior, draw-major with every draw's replicates."""
    runs = out / RUNS
    folders = sorted(runs.glob("draw_*")) if runs.is_dir() else []
    if not folders:
        manifest = load_manifest(runs)
        frame = load_results(runs, columns=[*columns, "error"])
        if manifest.runs.count != len(frame):
            raise ScenarioError(
                f"{runs}: {len(frame)} of {manifest.runs.count} runs finished; run the "
                "attribution again to finish them"
            )
        games, kept, dropped = coalition_games(frame, columns)
        return games, manifest, 0, len(kept), dropped
    parts: dict[str, list[np.ndarray]] = {c: [] for c in columns}
    manifest = None
    for folder in folders:
        m = load_manifest(folder)
        manifest = manifest or m
        frame = load_results(folder, columns=[*columns, "error"])
        games, kept, dropped = coalition_games(frame, columns)
        if m.runs.count != len(frame) or dropped:
            raise ScenarioError(
                f"{folder}: not every run finished; run the attribution again to finish them"
            )
        for c in columns:
            parts[c].append(games[c])
    games = {c: np.concatenate(parts[c], axis=1) for c in columns}
    return games, manifest, len(folders), manifest.replicates, []


def analyze_attribution(out: Path) -> dict[str, Any]:
    """The attribution of a finished ``DIR/runs`` as plain data (``DIR/analysis.json``)."""
    out = Path(out)
    runs = out / RUNS
    year = TARGET_YEAR
    probe = sorted(runs.glob("draw_*")) if runs.is_dir() else []
    indicators = list(load_manifest(probe[0] if probe else runs).indicators)
    columns = [value_column(name, year) for name in indicators]
    games, manifest, draws, replicates, dropped = _games(out, columns)
    if replicates == 0:
        raise ScenarioError(f"{runs}: no replicate finished in every coalition")
    for name, column in zip(indicators, columns, strict=True):
        if np.isnan(games[column]).any():
            raise ScenarioError(
                f"--indicators: {name} is undefined (NaN) in some runs, so it cannot be "
                "attributed; leave it out"
            )
    posterior = draws > 0
    info = json.loads((out / POSTERIOR_FILE).read_text(encoding="utf-8")) if posterior else {}
    if posterior:
        counts = _draw_counts(int(info["root_seed"]), draws, replicates)
    else:
        counts = bootstrap_counts(manifest.root_seed, replicates)
    result: dict[str, Any] = {}
    gaps = []
    for name, column in zip(indicators, columns, strict=True):
        s = spec(name)
        entry: dict[str, Any] = {"unit": s.unit, "target": s.target, "measures": {}}
        v = games[column]
        entry["measures"]["value"] = attribute_game(v, counts)
        if s.target is not None:
            reached = (v >= s.target).astype(np.float64)
            entry["measures"]["reach_probability"] = attribute_game(reached, counts)
        if posterior:
            entry["measures"]["value"]["sources"] = uncertainty_sources(v, draws, replicates)
        for m in entry["measures"].values():
            gaps.append(m["efficiency_gap"] <= m["efficiency_tolerance"])
        result[name] = entry
    scenario = _scenario_name(manifest)
    largest_gap = max(m["efficiency_gap"] for e in result.values() for m in e["measures"].values())
    games_count = replicates * max(draws, 1)
    over = (
        f"{draws} posterior draws x {replicates} replicates x {COALITIONS} coalitions"
        if posterior
        else f"{replicates} replicates x {COALITIONS} coalitions"
    )
    report = {
        "kind": "attribution",
        "title": (
            f"Shapley attribution of {scenario}'s {year} outcomes to the six plans "
            f"({over}, {manifest.scale} scale)"
        ),
        "provenance": {
            "manifest_hash": manifest.identity,
            "code_version": dict(manifest.code) or code_version(),
            "seeds": {"root": manifest.root_seed, "replicates": manifest.replicates},
            "scale": manifest.scale,
            "source": manifest.base,
            "runs": str(runs),
        },
        "figures": [],
        "tables": [],
        "scenario": scenario,
        "year": year,
        "plans": list(PLANS),
        "coalitions": [coalition_label(m) for m in range(COALITIONS)],
        "replicates": manifest.replicates,
        "replicates_used": games_count,
        "replicates_dropped": dropped,
        "common_random_numbers": manifest.common_seeds,
        "conf_level": CONF_LEVEL,
        "resamples": RESAMPLES,
        "efficiency": {"holds": all(gaps), "largest_gap": largest_gap},
        "indicators": result,
        "uncertainty": (
            "over seeds: the 95 % interval is a bootstrap over replicates, all on one parameter set"
        ),
    }
    if posterior:
        report["posterior"] = {**info, "draws": draws, "replicates_per_draw": replicates}
        report["provenance"]["seeds"] = {
            "root": info.get("root_seed"),
            "draws": "draw d's sweep has root seed derive_seed(seed, d, 0), common to its "
            "64 coalitions",
            "replicates": replicates,
        }
        report["uncertainty"] = (
            "over the posterior and seeds together: the 95 % interval is a bootstrap over "
            "draws (each with its replicates), the uncertainty of the posterior mean; "
            "posterior_low-high is the 5-95 % range of the draws' mean values (parameter "
            "uncertainty, each draw's seeds averaged); parameter_sd and seed_sd split the "
            "spread of a single game into its two sources"
        )
    return report


def _scenario_name(manifest: Manifest) -> str:
    """The attributed scenario's name: the sweep is named ``attribution_<name>``."""
    name = manifest.name.removeprefix("attribution_")
    if "_draw_" in name:
        name = name.rsplit("_draw_", 1)[0]
    return name or str(manifest.base)


# --------------------------------------------------------------------------- tables


def shapley_frame(report: Mapping[str, Any]) -> pd.DataFrame:
    """One row per (indicator, measure, plan): the Shapley value and its interval, its
    share of the total, its effect alone and its leave-one-out effect; v(none) and v(all)
    are rows 'none' and 'all' around them (the waterfall in a table)."""
    rows = []
    for name, entry in report["indicators"].items():
        for measure, m in entry["measures"].items():
            unit = "probability" if measure == "reach_probability" else entry["unit"]
            base = {"indicator": name, "measure": measure, "unit": unit}
            rows.append({**base, "term": "none", **m["none"]})
            for plan, value in m["shapley"].items():
                share = value["mean"] / m["total"]["mean"] if m["total"]["mean"] else math.nan
                rows.append({
                    **base, "term": plan, **value, "share_of_total": share,
                    "alone": m["alone"][plan]["mean"],
                    "leave_one_out": m["leave_one_out"][plan]["mean"],
                    **m.get("sources", {}).get(plan, {}),
                })  # fmt: skip
            rows.append({**base, "term": "all", **m["all"]})
    return pd.DataFrame(rows)


def interactions_frame(report: Mapping[str, Any]) -> pd.DataFrame:
    """One row per (indicator, measure, pair): Shapley interaction index and Moebius term."""
    rows = []
    for name, entry in report["indicators"].items():
        for measure, m in entry["measures"].items():
            for pair in m["interactions"]:
                rows.append({
                    "indicator": name, "measure": measure,
                    "plan_a": pair["plans"][0], "plan_b": pair["plans"][1],
                    **{f"interaction_{k}": v for k, v in pair["interaction"].items()},
                    **{f"mobius_{k}": v for k, v in pair["mobius"].items()},
                })  # fmt: skip
    return pd.DataFrame(rows)


def coalitions_frame(report: Mapping[str, Any]) -> pd.DataFrame:
    """One row per coalition: the plans on, and each indicator's mean and reach probability."""
    frame = pd.DataFrame({"coalition": range(COALITIONS), "plans_on": report["coalitions"]})
    for i, plan in enumerate(PLANS):
        frame[plan] = [bool(m >> i & 1) for m in range(COALITIONS)]
    for name, entry in report["indicators"].items():
        for measure, m in entry["measures"].items():
            column = name if measure == "value" else f"{name}_reach_probability"
            frame[column] = m["coalitions"]
    return frame


def write_attribution(report: dict[str, Any], out: Path) -> list[Path]:
    """The tables (CSV), the waterfall of every indicator and the interactions (PNG), and
    ``analysis.json`` listing them, each written atomically into ``out``."""
    from rainforest.viz.attribution import interaction_grid, waterfall

    out = output_folder(out)
    written: list[Path] = []
    tables = [
        (SHAPLEY_CSV, shapley_frame, "Shapley value of each plan with its 95 % bootstrap "
         "interval, between v(no plan) and v(all plans)"),
        (INTERACTIONS_CSV, interactions_frame, "pairwise Shapley interaction indices and "
         "Moebius terms: positive, the plans reinforce each other; negative, they substitute"),
        (COALITIONS_CSV, coalitions_frame, "mean 2030 value and reach probability of every "
         "one of the 64 coalitions"),
    ]  # fmt: skip
    report["tables"], report["figures"] = [], []
    for file, make, caption in tables:
        written.append(write_atomic(out / file, make(report).to_csv(index=False)))
        report["tables"].append({"file": file, "caption": caption})
    for name, entry in report["indicators"].items():
        file = f"waterfall_{name}.png"
        written.append(write_atomic(out / file, _png(waterfall(report, name))))
        report["figures"].append({
            "file": file,
            "caption": f"{name} in {report['year']}: from no plan to all six, each plan's "
            "Shapley value with its 95 % interval" + (
                "; right, the probability of reaching the target" if entry["target"] else ""
            ),
        })  # fmt: skip
    written.append(write_atomic(out / INTERACTIONS_PNG, _png(interaction_grid(report))))
    report["figures"].append({
        "file": INTERACTIONS_PNG,
        "caption": "Shapley interaction index of every pair of plans, per indicator "
        "(2030 value): red, the pair reinforces; blue, it substitutes",
    })  # fmt: skip
    data = json.dumps(report, indent=2, allow_nan=False) + "\n"
    written.append(write_atomic(out / "analysis.json", data))
    return written


def _png(fig) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()
