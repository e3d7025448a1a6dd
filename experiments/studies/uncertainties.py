"""Levers and uncertainties of a sweep file, as the policy analyses read them.

EMA Workbench's distinction (docs: DESIGN §4): *levers* are what the government
chooses (the plans' budgets, schedules and switches), *uncertainties* what nobody
chooses (market, behaviour and effect parameters). A sweep file such as
``discovery.toml`` or ``uncertainty.toml`` holds both kinds; switching values take the
uncertainties' ranges from one, and the optimiser takes its futures (the samples of a
sweep of uncertainties) from one, so the ranges are written once, in a sweep file.
"""

from __future__ import annotations

from rainforest.experiments.sweeps.samplers import sample_table
from rainforest.experiments.sweeps.spec import SCENARIO_PARAMETER, Parameter, Sweep
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.overrides import PER_YEAR_TABLES

LEVER_FIELDS = PER_YEAR_TABLES | {"enabled"}


def is_lever(path: str) -> bool:
    """A plan's budget, designation schedule or switch (``plans.<plan>.budget_bn`` ...)."""
    parts = path.split(".")
    return len(parts) >= 3 and parts[0] == "plans" and parts[2] in LEVER_FIELDS


def uncertainty_ranges(sweep: Sweep) -> dict[str, Parameter]:
    """The sweep's uncertainties that are numeric ranges, by path, in the file's order."""
    return {
        p.path: p
        for p in sweep.parameters
        if p.path != SCENARIO_PARAMETER
        and not is_lever(p.path)
        and p.levels is None
        and p.kind == "float"
    }


def futures(sweep: Sweep) -> list[dict]:
    """The sweep's samples as futures: one dict of uncertainty values each.

    A future fixes what nobody chooses; a sweep that varies a lever or the base scenario
    would set what the optimiser is choosing, and is refused naming the parameter.
    """
    for path in sweep.columns:
        if path == SCENARIO_PARAMETER or is_lever(path):
            raise ScenarioError(
                f"{sweep.source}: parameters.{path}: futures vary uncertainties only, not "
                "the plans' budgets, schedules or the scenario the optimiser chooses"
            )
    table = sample_table(sweep)
    return [{k: v for k, v in row.items() if v is not None} for row in table.values]
