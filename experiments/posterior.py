"""Runs over the posterior ensemble: each replicate on a different accepted parameter set.

``rainforest run SCENARIO --posterior --draws N`` and ``rf.run(..., posterior=True)``
come here. Draw ``d`` (0 <= d < N) takes the accepted set ``order[d]`` of the ensemble
file, where ``order`` is a permutation of the sets seeded by the root seed (so the
first ten draws of a run with 20 are those of a run with 10), and its replicate ``r``
runs on seed ``derive_seed(root_seed, d, r)``. The set's values are applied over the
scenario's own (they replace the median set the library scenarios carry), then any
user overrides, then the scale. Nothing else varies: the same arguments give the same
runs, bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rainforest.experiments.run import RunResult, run_one
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.overrides import apply_overrides
from rainforest.scenarios.schema import Scenario
from rainforest.sim.seeds import derive_seed

POSTERIOR_STREAM = 0x706F7374  # "post": the permutation's own stream of the root seed


@dataclass(frozen=True)
class PosteriorDraws:
    """Which accepted sets a posterior run used, and where they came from."""

    file: str
    sets: tuple[int, ...]  # the ``sample`` id of each draw's set, in draw order
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


def load_ensemble(path: str | Path | None = None) -> dict[str, Any]:
    """The ensemble file as a dict; a missing or unreadable file is one ScenarioError."""
    import tomllib

    from rainforest.experiments.studies.calibration import POSTERIOR_FILE

    path = Path(path) if path is not None else POSTERIOR_FILE
    try:
        with path.open("rb") as fh:
            record = tomllib.load(fh)
    except FileNotFoundError:
        raise ScenarioError(
            f"--posterior: no ensemble file {path} (write one with `rainforest calibrate "
            f"--out {path}`)"
        ) from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"--posterior: {path}: not a readable ensemble file ({exc})") from None
    if not record.get("sets"):
        raise ScenarioError(f"--posterior: {path}: the ensemble holds no accepted sets")
    # the shipped file by its place in the package, so a summary is the same on any machine
    record["_path"] = "scenarios/posterior.toml" if path == POSTERIOR_FILE else str(path)
    return record


def draw_order(n_sets: int, root_seed: int) -> list[int]:
    """The seeded order in which a run with root seed ``root_seed`` draws the sets."""
    rng = np.random.default_rng(derive_seed(root_seed, POSTERIOR_STREAM, 0))
    return [int(i) for i in rng.permutation(n_sets)]


def run_posterior(
    scenario: Scenario,
    draws: int,
    replicates: int = 1,
    root_seed: int = 0,
    overrides: Mapping[str, Any] | None = None,
    scale: str | None = None,
    ensemble: str | Path | None = None,
) -> tuple[list[RunResult], PosteriorDraws]:
    """``draws`` x ``replicates`` runs of ``scenario``, draw-major, and the draws used."""
    from rainforest.experiments.studies.calibration import as_overrides

    if draws < 1:
        raise ScenarioError(f"--draws: must be >= 1, got {draws}")
    if replicates < 1:
        raise ScenarioError(f"replicates: must be >= 1, got {replicates}")
    if root_seed < 0:
        raise ScenarioError(f"seed: must be >= 0, got {root_seed}")
    record = load_ensemble(ensemble)
    sets = record["sets"]
    if draws > len(sets):
        raise ScenarioError(
            f"--draws: {draws} asked, the ensemble {record['_path']} holds {len(sets)} sets"
        )
    chosen = [sets[i] for i in draw_order(len(sets), root_seed)[:draws]]
    results = []
    for d, s in enumerate(chosen):
        sc = apply_overrides(scenario, as_overrides(s["parameters"]))
        if overrides:
            sc = apply_overrides(sc, dict(overrides))
        for r in range(replicates):
            results.append(run_one(sc, derive_seed(root_seed, d, r), scale=scale))
    info = PosteriorDraws(
        file=record["_path"],
        sets=tuple(int(s["sample"]) for s in chosen),
        replicates=replicates,
        ensemble_date=str(record.get("date", "")),
        acceptance_rule=str(record.get("method", {}).get("acceptance_rule", "")),
    )
    return results, info
