"""The one door: a run request resolved, with every default filled in, and run.

``rainforest run``, ``rf.run``, the studies, the EMA adapter and the view's what-if all
turn "this scenario, these overrides, this scale, seed, replicates (and posterior
draws)" into numbers here, so the same request gives the same numbers whichever of them
asks. The defaults are stated once, below, and nowhere else:

- scale: the scenario file's own if it names one, else city (``scenarios.schema``'s
  ``DEFAULT_SCALE``, the scale the parameters are calibrated at);
- root seed 0, one replicate; with ``posterior``, 10 draws of the shipped ensemble.

Overrides change only the values they name: the scale a scenario file set survives them.
Replicate ``r`` of a plain request runs on ``replicate_seeds(seed, R)[r]``; draw ``d``'s
replicate ``r`` of a posterior request on ``derive_seed(seed, d, r)``, with the accepted
set ``draw_order(n_sets, seed)[d]`` applied over the scenario before the user's overrides.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rainforest.runs.execute import check_scale
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.loader import load_scenario
from rainforest.scenarios.overrides import apply_overrides
from rainforest.scenarios.schema import DEFAULT_MARKET_FORM, Scenario
from rainforest.sim.seeds import derive_seed, replicate_seeds

if TYPE_CHECKING:
    import pandas as pd
    from rainforest.runs.result import RunResult

DEFAULT_SCENARIO = "action_plan"
DEFAULT_SEED = 0
DEFAULT_REPLICATES = 1
DEFAULT_DRAWS = 10
MAX_SEED = 2**63 - 1
MAX_RUNS = 1_000_000  # one request's runs; a sweep is the tool for more
POSTERIOR_STREAM = 0x706F7374  # "post": the draw order's own stream of the root seed


@dataclass(frozen=True)
class PosteriorDraws:
    """Which accepted sets of the ensemble a posterior request uses, in draw order."""

    file: str
    sets: tuple[int, ...]  # each draw's set, by its ``sample`` id
    parameters: tuple[Mapping[str, float], ...] = field(repr=False)
    replicates: int  # per draw
    ensemble_date: str
    acceptance_rule: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "draws": len(self.sets),
            "replicates_per_draw": self.replicates,
            "sets": list(self.sets),
            "ensemble_date": self.ensemble_date,
            "acceptance_rule": self.acceptance_rule,
            "seeds": "derive_seed(seed, draw, replicate)",
        }


@dataclass(frozen=True)
class PlannedRun:
    """One run of a request: its scenario (everything applied) and its seed."""

    scenario: Scenario
    seed: int


@dataclass(frozen=True)
class RunRequest:
    """A run request with every default filled in: exactly what will run."""

    scenario: Scenario  # the user's overrides and the scale applied
    base: Scenario = field(repr=False)  # as loaded, before any override
    seed: int
    replicates: int
    overrides: Mapping[str, Any]  # the user's, as given
    posterior: PosteriorDraws | None = None

    @property
    def scale(self) -> str:
        return self.scenario.scale_label

    @property
    def run_count(self) -> int:
        draws = 1 if self.posterior is None else len(self.posterior.sets)
        return draws * self.replicates

    def planned_runs(self) -> list[PlannedRun]:
        """Every run, draw-major: the scenario it runs and its seed."""
        if self.posterior is None:
            seeds = replicate_seeds(self.seed, self.replicates)
            return [PlannedRun(self.scenario, s) for s in seeds]
        from rainforest.runs.execute import at_scale
        from rainforest.scenarios.ensemble import as_overrides

        planned = []
        for d, values in enumerate(self.posterior.parameters):
            # the set replaces the scenario's calibrated values; the user's overrides win
            sc = apply_overrides(self.base, as_overrides(values))
            if self.overrides:
                sc = apply_overrides(sc, dict(self.overrides))
            sc = at_scale(sc, self.scenario.scale)
            for r in range(self.replicates):
                planned.append(PlannedRun(sc, derive_seed(self.seed, d, r)))
        return planned

    def to_dict(self) -> dict[str, Any]:
        """The request as plain data: what ``rainforest scenarios show`` prints above the
        scenario."""
        out: dict[str, Any] = {
            "scenario": self.scenario.name,
            "scale": self.scale,
            "seed": self.seed,
            "replicates": self.replicates,
            "runs": self.run_count,
            "overrides": {k: _plain(v) for k, v in self.overrides.items()},
        }
        if self.posterior is not None:
            out["posterior"] = self.posterior.to_dict()
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _whole(name: str, value: Any, low: int, high: int) -> int:
    """A whole-number argument checked at the door: one ScenarioError naming it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(f"{name}: must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise ScenarioError(f"{name}: must be within {low} and {high}, got {value}")
    return int(value)


def draw_order(n_sets: int, root_seed: int) -> list[int]:
    """The seeded order in which a request with root seed ``root_seed`` draws the sets:
    the first ten draws of a request for twenty are those of a request for ten."""
    import numpy as np

    rng = np.random.default_rng(derive_seed(root_seed, POSTERIOR_STREAM, 0))
    return [int(i) for i in rng.permutation(n_sets)]


def choose_draws(
    draws: int,
    replicates: int,
    root_seed: int,
    ensemble: str | Path | None = None,
    form: str = DEFAULT_MARKET_FORM,
) -> PosteriorDraws:
    """The first ``draws`` sets of the ensemble (by default the shipped one of market
    form ``form``) in the root seed's draw order."""
    from rainforest.scenarios.ensemble import load_ensemble

    record = load_ensemble(ensemble, form)
    sets = record["sets"]
    if draws > len(sets):
        raise ScenarioError(
            f"draws: {draws} asked, the ensemble {record['_path']} holds {len(sets)} sets"
        )
    chosen = [sets[i] for i in draw_order(len(sets), root_seed)[:draws]]
    return PosteriorDraws(
        file=record["_path"],
        sets=tuple(int(s["sample"]) for s in chosen),
        parameters=tuple(dict(s["parameters"]) for s in chosen),
        replicates=replicates,
        ensemble_date=str(record.get("date", "")),
        acceptance_rule=str(record.get("method", {}).get("acceptance_rule", "")),
    )


def resolve_request(
    scenario: str | os.PathLike[str] | Scenario = DEFAULT_SCENARIO,
    *,
    overrides: Mapping[str, Any] | None = None,
    scale: str | None = None,
    seed: int = DEFAULT_SEED,
    replicates: int = DEFAULT_REPLICATES,
    posterior: bool = False,
    draws: int | None = None,
    ensemble: str | Path | None = None,
) -> RunRequest:
    """Check a run request and fill in every default; bad input is one ScenarioError
    naming the argument or the scenario field.

    ``scenario`` is a built-in name, a scenario file or a Scenario; ``overrides`` sets
    values by dotted path (``scenarios.overrides``); ``scale``, when given, wins over the
    scenario's and the overrides'. ``draws`` and ``ensemble`` need ``posterior``.
    """
    if not isinstance(scenario, Scenario | str | os.PathLike):
        raise ScenarioError(f"scenario: a name, a file or a Scenario, got {scenario!r}")
    if overrides is not None and not isinstance(overrides, Mapping):
        raise ScenarioError(f"overrides: a mapping of dotted paths to values, got {overrides!r}")
    if scale is not None:
        check_scale(scale)
    seed = _whole("seed", seed, 0, MAX_SEED)
    replicates = _whole("replicates", replicates, 1, MAX_RUNS)
    if not posterior and (draws is not None or ensemble is not None):
        raise ScenarioError("draws and ensemble need posterior (--posterior)")
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    user = dict(overrides or {})
    resolved = apply_overrides(base, user) if user else base
    if scale is not None and scale != resolved.scale:
        resolved = apply_overrides(resolved, {"scale": scale})
    chosen = None
    if posterior:
        n = _whole("draws", DEFAULT_DRAWS if draws is None else draws, 1, MAX_RUNS)
        if n * replicates > MAX_RUNS:
            raise ScenarioError(
                f"draws x replicates: at most {MAX_RUNS:,} runs, got {n * replicates:,}"
            )
        chosen = choose_draws(n, replicates, seed, ensemble, resolved.market.form)
    return RunRequest(resolved, base, seed, replicates, user, chosen)


@dataclass(frozen=True)
class RunSet:
    """A request's runs, and what a notebook or the CLI asks of them.

    ``summary`` is the dict ``rainforest run --json`` prints; ``scorecard()`` is it as a
    table; ``frame`` holds every run's indicators, quarter by quarter.
    """

    request: RunRequest
    results: tuple[RunResult, ...] = field(repr=False)

    @property
    def scenario(self) -> Scenario:
        """The scenario run (for a posterior request, the first draw's)."""
        return self.results[0].scenario

    @property
    def seed(self) -> int:
        """The root seed the runs' seeds derive from."""
        return self.request.seed

    @property
    def seeds(self) -> list[int]:
        """Each run's own seed (``run_one(run.scenario, seed)`` reproduces it)."""
        return [r.seed for r in self.results]

    @cached_property
    def summary(self) -> dict[str, Any]:
        """Median, 5-95 % band and reach probability of every indicator in the report
        year, as plain data; a posterior request's carries the draws under "posterior"."""
        from rainforest.runs.summary import summary_dict

        summary = summary_dict(self.results, self.request.seed)
        if self.request.posterior is not None:
            summary["posterior"] = self.request.posterior.to_dict()
        return summary

    def scorecard(self) -> pd.DataFrame:
        """One row per indicator (targeted ones first): indicator, target, unit, median,
        p05, p95 and reach_probability in the report year."""
        from rainforest.runs.summary import scorecard_frame

        return scorecard_frame(self.summary)

    @cached_property
    def frame(self) -> pd.DataFrame:
        """Every run's indicators, one row per quarter: scenario, replicate, seed, tick,
        year, quarter, then one column per indicator (as indicators.parquet)."""
        from rainforest.runs.result import replicates_frame

        return replicates_frame(self.results)


def run_request(request: RunRequest, on_tick: Callable[[int], None] | None = None) -> RunSet:
    """Run every planned run of ``request``, in order."""
    from rainforest.runs.execute import run_one

    results = tuple(run_one(p.scenario, p.seed, on_tick=on_tick) for p in request.planned_runs())
    return RunSet(request, results)
