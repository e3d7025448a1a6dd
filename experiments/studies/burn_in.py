"""The burn-in: the TRLs the model's own dynamics leave the initial firms, for the
synthetic population to start from (docs/ODD.md 5.5).

The synthetic population draws each firm's TRL a few levels below its field's starting
TRL (``SYNTHETIC_TRL_OFFSETS``). Run forward, those firms mature and most of them reach
the selling TRL within a few years, whatever the market does: a run's sellers would then
multiply in its first years, and its early growth would measure the start-up of the
model rather than the ecosystem. The burn-in runs the synthetic population for
``BURN_IN_YEARS`` under the pre-plan support of ``baseline`` in a market held at its
starting size (no diffusion, no growth, a still frontier), so that maturation, founding
and exit have turned the firms over, and records the TRL offsets of the firms then alive,
by tier, weighted by the real firms they stand for, and the share of SMEs among the firms
that are not leading (most synthetic start-ups run out of seed money; the firms that
last are SMEs). ``build_population`` draws the initial TRLs and tiers from those
(``sim/settled.py``, written by ``--write``), so a run starts from the structure its own
firm dynamics settle to, not from the synthetic guess.

The burn-in takes ``baseline``'s plans with the schema's default market and behaviour
(the stated assumptions, before calibration), so that the table does not depend on the
calibration that is fitted on runs starting from it.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from rainforest.runs.execute import at_scale, compiled_inputs, run_inputs
from rainforest.scenarios import load_scenario
from rainforest.scenarios.fields import FIELD_START_TRL
from rainforest.scenarios.overrides import apply_overrides
from rainforest.scenarios.schema import DEFAULT_START_YEAR, PLAN_NAMES, Plans, Scenario
from rainforest.sim.kinds import LEADING_TIER, SME_TIER, TIERS
from rainforest.sim.population import (
    SYNTHETIC_SME_SHARE,
    SYNTHETIC_TRL_OFFSETS,
    TRL_OFFSETS,
    build_population,
    population_sizes,
)
from rainforest.sim.state import N_ENT

BURN_IN_YEARS = 10
BURN_IN_SEEDS = (101, 102, 103)  # run seeds of the burn-in (pooled)
SETTLED_PATH = Path(__file__).resolve().parents[2] / "sim" / "settled.py"


def frozen_market(params):
    """The parameters with the market held at its starting size: no Bass diffusion, no
    growth of China's market, a still world frontier, and competitors that stay where
    they start (no catch-up). The state is built with the unfrozen parameters
    (``run_inputs``'s ``start``), so the competitors start where a real run's do (their
    steady ratio to the frontier, docs/ODD.md 5.4), not at the frontier."""
    return params._replace(
        bass_p=0.0,
        bass_q=0.0,
        potential_growth=0.0,
        frontier_growth=0.0,
        region_catch_up=np.zeros_like(params.region_catch_up),
    )


def burn_in_scenario(years: int = BURN_IN_YEARS, scale: str = "city") -> Scenario:
    """``baseline``'s plans over ``years`` years (their budgets, schedules and switches;
    every other plan parameter, like the market and behaviour, at the schema's default)."""
    library = load_scenario("baseline").plans
    kept = ("enabled", "budget_bn", "colleges", "centers", "pilot_areas")
    plans = Plans(
        **{
            name: type(getattr(library, name))(
                **{k: getattr(getattr(library, name), k) for k in kept
                   if k in type(getattr(library, name)).model_fields}
            )
            for name in PLAN_NAMES
        }
    )  # fmt: skip
    return at_scale(
        Scenario(name="burn_in", plans=plans, horizon_year=DEFAULT_START_YEAR + years - 1),
        scale,
    )


def burned_in_structure(
    years: int = BURN_IN_YEARS,
    seeds: tuple[int, ...] = BURN_IN_SEEDS,
    scale: str = "city",
    overrides: Mapping[str, Any] | None = None,
) -> tuple[np.ndarray, float]:
    """(tier, offset) shares of real firms alive after the burn-in, and the share of SMEs
    among the alive firms that are not leading, pooled over seeds. ``overrides`` change
    the burn-in's assumptions (to see how much the settled structure depends on them)."""
    scenario = burn_in_scenario(years, scale)
    if overrides:
        scenario = apply_overrides(scenario, overrides)
    counts = np.zeros((len(TIERS), TRL_OFFSETS[1]))
    start_trl = np.asarray(FIELD_START_TRL)
    for seed in seeds:
        params, _ = compiled_inputs(scenario, seed)
        population = build_population(
            seed, population_sizes(scenario), scenario.scale_label, SYNTHETIC_TRL_OFFSETS,
            SYNTHETIC_SME_SHARE,
        )  # fmt: skip
        _, S = run_inputs(frozen_market(params), population, seed, start=params)
        n = S.counts[N_ENT]
        alive = S.ent_alive[:n]
        offset = start_trl[S.ent_field[:n]] - S.ent_trl[:n]
        column = np.clip(offset, TRL_OFFSETS[0], TRL_OFFSETS[0] + TRL_OFFSETS[1] - 1)
        np.add.at(
            counts,
            (S.ent_tier[:n][alive], column[alive] - TRL_OFFSETS[0]),
            S.ent_weight[:n][alive],
        )
    by_tier = counts.sum(axis=1)
    sme_share = by_tier[SME_TIER] / (by_tier.sum() - by_tier[LEADING_TIER])
    return counts / by_tier[:, None], float(sme_share)


def settled_source(table: np.ndarray, sme_share: float) -> str:
    """The source of sim/settled.py for a table of offset shares and a share of SMEs."""
    rows = "\n".join(
        "        [" + ", ".join(f"{v:.4f}" for v in row) + f"],  # {TIERS[t]}"
        for t, row in enumerate(table)
    )
    first, n = TRL_OFFSETS
    seeds = ", ".join(map(str, BURN_IN_SEEDS))
    return f'''"""The initial firms' TRLs as the model's own dynamics leave them.

GENERATED by ``python -m rainforest.experiments.studies.burn_in --write``: edit the study,
not this file (tests/experiments/test_burn_in.py fails when the two differ).

Shares of real firms by tier (rows: leading, SME, start-up) and TRL offset below the
field's starting TRL (columns: {first} .. {first + n - 1}; the first column holds every TRL
that far above the start or more), after a {BURN_IN_YEARS}-year burn-in of the synthetic
population at city scale under ``baseline``'s pre-plan support (the schema's default
market and behaviour) in a market held at its starting size, seeds {seeds} pooled
(docs/ODD.md 5.5).
"""

import numpy as np

SETTLED_TRL_OFFSETS = np.array(
    [
{rows}
    ]
)
# SMEs among the firms that are not leading (the rest are start-ups)
SETTLED_SME_SHARE = {sme_share:.4f}
'''


def main(argv: list[str] | None = None) -> int:
    """``python -m rainforest.experiments.studies.burn_in [--write]``: print the settled
    TRL offsets by tier and share of SMEs, and with ``--write`` rewrite sim/settled.py."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite sim/settled.py")
    args = parser.parse_args(argv)
    source = settled_source(*burned_in_structure())
    if args.write:
        tmp = SETTLED_PATH.with_suffix(".tmp")
        tmp.write_text(source)
        tmp.replace(SETTLED_PATH)
        print(f"wrote {SETTLED_PATH}")
    else:
        print(source)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
