"""An in-model evaluation: a randomised R&D grant trial among eligible SMEs, measured as an
evaluator would measure a real programme.

The run goes to the end of the year before the trial with everything as the scenario
says. Then every eligible firm (alive, SME tier; leading firms and start-ups are not
eligible) is drawn into treatment or control: the firms are ordered by a keyed uniform
of ``sim/rng.py`` (key: run seed, the trial's first quarter, the firm's organisation id,
stream ``evaluation.grant_trial``) and the first half are treated, so the assignment is
a pure function of the run's seed, as every draw of the model is. Each treated firm
receives one R&D grant of ``grant_per_firm_bn`` per real firm at the start of the
trial's first quarter, paid as the plans pay R&D grants (sim/plans/leading.py: added to
``ent_capital`` and ``ent_grant_rd``, so the market step spends it on R&D with the
scenario's additionality). The trial's money is outside the plans' budgets (an
evaluation, not a plan) and the rest of the run is as before.

The evaluator sees sales (the model's firms sell only products that reached TRL 7, so
all their sales are from new products) and knowledge per real firm, in the year before
the trial and in each of ``follow_years`` years after, and estimates difference in
differences: the mean change of treated firms minus that of controls, with the standard
error of a difference of two independent means. Firms that exit stay in the sample with
no sales (intention to treat) and their knowledge as at exit. Treated and control firms
share markets, so the estimate includes what treated firms take from controls (the
evaluator's bias from spillovers); ``paired_effect`` gives the effect on the treated
against the same run without the trial, which has none.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from rainforest.experiments.studies.firm_dynamics import QUARTERS, FirmPanel, firm_panel
from rainforest.runs.execute import at_scale
from rainforest.scenarios.errors import ScenarioError
from rainforest.scenarios.overrides import apply_overrides
from rainforest.scenarios.schema import Scenario
from rainforest.sim import rng
from rainforest.sim.kinds import SME_TIER
from rainforest.sim.state import N_ENT, N_INST

GRANT_TRIAL = rng.stream_id("evaluation.grant_trial")
# One grant of the order of an Innofund grant to an SME project (an assumption: the
# programme's free grants were of up to about 1 million RMB a project).
GRANT_PER_FIRM_BN = 0.001
TRIAL_YEAR = 2025  # grants paid in its first quarter; the year before is the baseline
FOLLOW_YEARS = 3  # the evaluation's years after the grant (2025-27)


@dataclass(frozen=True)
class Estimate:
    """A difference in differences and its standard error."""

    effect: float
    se: float

    @property
    def t(self) -> float:
        return self.effect / self.se if self.se > 0.0 else float("inf")


@dataclass(frozen=True)
class TrialResult:
    """What the evaluation reports (money in RMB bn per real firm unless said)."""

    eligible: int  # eligible firms (agents), treated and control together
    treated: int
    grant_per_firm_bn: float
    baseline_sales: float  # controls' mean sales per real firm in the baseline year
    sales: Estimate  # DiD of mean yearly sales per real firm over the follow-up years
    knowledge: Estimate  # DiD of knowledge in own field per real firm, last year vs baseline
    survival: Estimate  # treated minus control share alive at the end of the follow-up
    output_additionality: float  # extra sales over the follow-up per RMB of grant
    relative_sales_effect: float  # sales DiD over the controls' baseline sales
    paired_sales_effect: float  # treated firms' mean yearly sales, with minus without trial
    paired_output_additionality: float
    paired_knowledge_effect: float  # treated firms' final knowledge, with minus without


def _diff(y: np.ndarray, treated: np.ndarray) -> Estimate:
    """Treated mean minus control mean of ``y``, with the two-sample standard error."""
    a, b = y[treated], y[~treated]
    se = math.sqrt(float(np.var(a, ddof=1)) / len(a) + float(np.var(b, ddof=1)) / len(b))
    return Estimate(float(a.mean() - b.mean()), se)


def assign(seed: int, tick: int, firms: np.ndarray, n_inst: int) -> np.ndarray:
    """Treatment (True) for the half of ``firms`` (enterprise ids) with the smallest keyed
    uniforms of stream ``evaluation.grant_trial``; floor(n / 2) are treated."""
    u = np.array(
        [rng.uniform(seed, tick, n_inst + int(i), GRANT_TRIAL, rng.ONE_DRAW) for i in firms]
    )
    order = np.argsort(u, kind="stable")
    treated = np.zeros(len(firms), dtype=bool)
    treated[order[: len(firms) // 2]] = True
    return treated


class _Trial:
    """The hook that draws and pays the trial before its first quarter."""

    def __init__(self, seed: int, tick: int, grant_per_firm_bn: float):
        self.seed, self.tick, self.grant = seed, tick, grant_per_firm_bn
        self.firms = np.zeros(0, np.int64)
        self.treated = np.zeros(0, bool)

    def __call__(self, state: Any, t: int) -> None:
        if t != self.tick:
            return
        n = int(state.counts[N_ENT])
        alive = np.asarray(state.ent_alive[:n], dtype=bool)
        tier = np.asarray(state.ent_tier[:n])
        self.firms = np.flatnonzero(alive & (tier == SME_TIER))
        self.treated = assign(self.seed, t, self.firms, int(state.counts[N_INST]))
        for i in self.firms[self.treated]:
            amount = self.grant * float(state.ent_weight[i])
            state.ent_capital[i] += amount
            state.ent_grant_rd[i] += amount


def trial_scenario(scenario: Scenario, trial_year: int, follow_years: int) -> Scenario:
    """``scenario`` ending with the trial's last follow-up year."""
    if not scenario.start_year < trial_year:
        raise ScenarioError(
            f"trial_year: must be after the start year {scenario.start_year}, got {trial_year}"
        )
    if follow_years < 1:
        raise ScenarioError(f"follow_years: must be >= 1, got {follow_years}")
    return apply_overrides(scenario, {"horizon_year": trial_year + follow_years - 1})


@dataclass(frozen=True)
class TrialRuns:
    """A trial's two runs of the same scenario and seed, with and without the grants,
    and who was eligible and treated."""

    with_trial: FirmPanel
    without: FirmPanel
    firms: np.ndarray  # eligible enterprise ids
    treated: np.ndarray  # (eligible,) treatment
    base: int  # the baseline year's column in the panels
    grant_per_firm_bn: float


def run_trial(
    scenario: Scenario,
    seed: int,
    scale: str | None = None,
    trial_year: int = TRIAL_YEAR,
    follow_years: int = FOLLOW_YEARS,
    grant_per_firm_bn: float = GRANT_PER_FIRM_BN,
) -> TrialRuns:
    """The trial in one run of ``scenario`` with ``seed``, and the same run without it."""
    if not grant_per_firm_bn > 0.0:
        raise ScenarioError(f"grant_per_firm_bn: must be > 0, got {grant_per_firm_bn}")
    scenario = trial_scenario(at_scale(scenario, scale), trial_year, follow_years)
    tick = (trial_year - scenario.start_year) * QUARTERS
    trial = _Trial(seed, tick, grant_per_firm_bn)
    with_trial = firm_panel(scenario, seed, before_tick=trial)
    if trial.treated.sum() < 2 or (~trial.treated).sum() < 2:
        raise ScenarioError(f"grant trial: {len(trial.firms)} eligible firms, too few")
    return TrialRuns(
        with_trial=with_trial,
        without=firm_panel(scenario, seed),
        firms=trial.firms,
        treated=trial.treated,
        base=trial_year - 1 - scenario.start_year,
        grant_per_firm_bn=grant_per_firm_bn,
    )


def grant_trial(
    scenario: Scenario,
    seed: int,
    scale: str | None = None,
    trial_year: int = TRIAL_YEAR,
    follow_years: int = FOLLOW_YEARS,
    grant_per_firm_bn: float = GRANT_PER_FIRM_BN,
) -> TrialResult:
    """The trial in one run of ``scenario`` with ``seed``, and its evaluation."""
    return evaluate(run_trial(scenario, seed, scale, trial_year, follow_years, grant_per_firm_bn))


def evaluate(runs: TrialRuns) -> TrialResult:
    """The evaluator's estimates from the treated run, and the paired effects against the
    run without the trial."""
    panel, without, firms, treated = runs.with_trial, runs.without, runs.firms, runs.treated
    base, grant = runs.base, runs.grant_per_firm_bn
    post = slice(base + 1, None)
    follow = len(panel.years) - base - 1
    sales = panel.per_firm[firms]
    change = sales[:, post].mean(axis=1) - sales[:, base]
    knowledge = panel.knowledge[firms]
    k_change = knowledge[:, -1] - knowledge[:, base]
    alive = panel.alive[firms, -1].astype(np.float64)
    did = _diff(change, treated)
    ids = firms[treated]
    paired = float(
        np.mean(panel.per_firm[ids, post].mean(axis=1) - without.per_firm[ids, post].mean(axis=1))
    )
    baseline = float(sales[~treated, base].mean())
    return TrialResult(
        eligible=len(firms),
        treated=int(treated.sum()),
        grant_per_firm_bn=grant,
        baseline_sales=baseline,
        sales=did,
        knowledge=_diff(k_change, treated),
        survival=_diff(alive, treated),
        output_additionality=did.effect * follow / grant,
        relative_sales_effect=did.effect / baseline if baseline > 0.0 else float("nan"),
        paired_sales_effect=paired,
        paired_output_additionality=paired * follow / grant,
        paired_knowledge_effect=float(
            np.mean(panel.knowledge[ids, -1] - without.knowledge[ids, -1])
        ),
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m rainforest.experiments.studies.grant_trial [SCENARIO] [--seed N]
    [--scale S]``: the trial's evaluation in one run, as JSON."""
    import argparse
    import json

    from rainforest.scenarios import load_scenario

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("scenario", nargs="?", default="action_plan")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", default="city")
    parser.add_argument("--trial-year", type=int, default=TRIAL_YEAR)
    parser.add_argument("--follow-years", type=int, default=FOLLOW_YEARS)
    parser.add_argument("--grant-bn", type=float, default=GRANT_PER_FIRM_BN)
    args = parser.parse_args(argv)
    result = grant_trial(
        load_scenario(args.scenario),
        args.seed,
        args.scale,
        args.trial_year,
        args.follow_years,
        args.grant_bn,
    )
    print(json.dumps(asdict(result), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
