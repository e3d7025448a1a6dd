"""`rainforest calibrate`: a posterior ensemble from observations of 2021-2025.

ABC by history matching over the market, behaviour and plan-effect parameters
(experiments/studies/calibration.py, history_matching.py); runs end in 2025 (or an
earlier backtest year, --horizon), so no 2030 outcome can enter.
Writes the accepted sets, their seeds, the acceptance rule and the code version as TOML,
and beside the file its identifiability report (experiments/studies/identifiability.py);
``--report ENSEMBLE`` writes the report of an existing ensemble file and runs nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rainforest.experiments.cli.args import (
    _nonneg_int,
    _pos_int,
    add_command,
    add_dry_run_option,
    out_path,
)
from rainforest.scenarios.schema import DEFAULT_SCALE, MARKET_FORMS, SCALE_NAMES


def register(sub) -> None:
    cal = add_command(
        sub, "calibrate", "a posterior ensemble from observations of 2021-2025 (ABC)",
        "Calibrate the model's uncertain parameters (market, behaviour, plan effects) to "
        "what was observed in 2021-2025, by approximate Bayesian computation with history "
        "matching: the first wave runs --samples parameter sets drawn by Latin hypercube "
        "from the prior, each later wave --samples sets the Gaussian-process emulators of "
        "the waves before it do not rule out, to 2025 only, so no 2030 outcome can enter; "
        "the sets whose runs match every observation are kept. The accepted sets "
        "are the posterior ensemble rainforest run --posterior draws from. That is "
        "samples x waves runs, often an hour or more at city scale: the command says how "
        "many and about how long before it starts (--dry-run stops there).",
        [
            "rainforest calibrate --dry-run",
            "rainforest calibrate --samples 1000 --waves 3 --workers 4 --out posterior.toml",
            "rainforest calibrate --horizon 2024 --out backtest_2024.toml   # then: "
            "rainforest check docs/observations_2025.toml --posterior --ensemble "
            "backtest_2024.toml",
            "rainforest calibrate --report scenarios/posterior.toml --out reports/",
        ],
    )  # fmt: skip
    cal.add_argument("--samples", type=_pos_int, default=1000, help="runs per wave (default 1000)")
    cal.add_argument("--waves", type=_pos_int, default=3, help="waves (default 3)")
    cal.add_argument("--scale", choices=SCALE_NAMES, default=DEFAULT_SCALE, help="population scale")
    cal.add_argument("--seed", type=_nonneg_int, default=2022, help="root seed of the runs")
    cal.add_argument("--sampler-seed", type=_nonneg_int, default=0, help="Latin hypercube seed")
    cal.add_argument("--workers", type=_pos_int, default=1, help="worker processes (default 1)")
    cal.add_argument(
        "--form", choices=MARKET_FORMS, default=MARKET_FORMS[0],
        help=f"the market form calibrated (default {MARKET_FORMS[0]}); each form has its own "
        "ensemble file (scenarios/posterior.toml, scenarios/posterior_<form>.toml)",
    )  # fmt: skip
    cal.add_argument(
        "--omit", action="append", default=[], metavar="OBSERVATION",
        help="leave an observation out of the acceptance rule (repeatable; recorded in the "
        "ensemble as a calibration choice), e.g. --omit growth_2025",
    )  # fmt: skip
    cal.add_argument(
        "--growth-margin", type=float, default=None, metavar="M",
        help="widen the yearly growth bands' tops by M instead of the default 0.10 (a "
        "calibration choice, recorded): a wider band's ensemble answers every narrower one "
        "in the calibration_choices study",
    )  # fmt: skip
    cal.add_argument(
        "--prior", action="append", default=[], metavar="PARAMETER=LOW,HIGH",
        help="draw a free parameter from LOW-HIGH instead of its stated range (repeatable; "
        "recorded in the ensemble as a calibration choice), e.g. --prior "
        "market.bass_q=0.01,0.5: a wider prior shows whether a posterior that presses a "
        "bound is held there by the data or by the prior",
    )  # fmt: skip
    cal.add_argument(
        "--horizon", type=int, default=2025, choices=range(2022, 2026), metavar="YEAR",
        help="the last year run and observed (default 2025): a backtest calibrates on the "
        "years up to YEAR and checks the later ones with rainforest check",
    )  # fmt: skip
    cal.add_argument(
        "--out", type=out_path, default=None,
        help="TOML file, its identifiability report written beside it (default: stdout, no "
        "report); with --report, the report's folder (default: the current folder)",
    )  # fmt: skip
    cal.add_argument(
        "--report", type=out_path, default=None, metavar="ENSEMBLE",
        help="run nothing: write the identifiability report of this ensemble file "
        "(STEM.identifiability.json and .png: each parameter's contraction, KS distance "
        "from its prior, verdict, share at a prior bound, correlations, informing "
        "observations) and print its table",
    )  # fmt: skip
    cal.add_argument(
        "--apply", action="store_true",
        help="write the median set into scenarios/library/action_plan.toml and baseline.toml "
        "(with the other forms' medians from their shipped ensembles)",
    )  # fmt: skip
    add_dry_run_option(cal)
    cal.set_defaults(handler=cmd_calibrate)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from rainforest.experiments.studies.calibration import calibrate, held_observations, to_toml
    from rainforest.scenarios.errors import ScenarioError

    if args.report is not None:
        return write_identifiability(args.report, args.out or Path("."))
    from rainforest.experiments.studies.observations import YOUNG_CLUSTER_MARGIN

    margin = YOUNG_CLUSTER_MARGIN if args.growth_margin is None else args.growth_margin
    if not 0.0 <= margin <= 1.0:
        raise ScenarioError(f"--growth-margin: between 0 and 1, got {args.growth_margin}")
    try:
        held_observations(args.form, tuple(args.omit), args.horizon, margin)
    except ValueError as exc:
        raise ScenarioError(f"--omit: {exc}") from None
    priors = chosen_priors(args.prior, args.form)

    from rainforest.experiments.cli.plan import RunPlan, announce
    from rainforest.experiments.studies.calibration import calibration_scenario

    runs_to = calibration_scenario(form=args.form, horizon=args.horizon)
    plan = RunPlan(
        f"calibration: {args.waves} waves x {args.samples} samples",
        args.waves * args.samples, args.scale,
        runs_to.years, args.workers,
    )  # fmt: skip
    if announce(plan, args.dry_run):
        return 0

    def progress(wave: int, done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            print(f"wave {wave + 1}: {done}/{total} runs", file=sys.stderr, flush=True)

    record = calibrate(
        samples=args.samples,
        waves=args.waves,
        scale=args.scale,
        root_seed=args.seed,
        sampler_seed=args.sampler_seed,
        workers=args.workers,
        on_progress=progress,
        form=args.form,
        omit=tuple(args.omit),
        horizon=args.horizon,
        growth_margin=margin,
        priors=priors,
    )
    method = record["method"]
    print(
        f"{method['accepted']} of {method['simulations']} runs accepted "
        f"({method['wall_seconds']:.0f} s)",
        file=sys.stderr,
    )
    if not record["sets"]:
        print("calibrate: no run was accepted; nothing written", file=sys.stderr)
        return 1
    text = to_toml(record)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        from rainforest.experiments.files import write_atomic

        write_atomic(args.out, text)
        print(f"wrote {args.out}", file=sys.stderr)
        from rainforest.experiments.studies.identifiability import (
            identifiability,
            report_paths,
            write_report,
        )

        if len(record["sets"]) < 2:
            print("calibrate: one accepted set; no identifiability report", file=sys.stderr)
        else:
            report = identifiability(record, runs=record["runs"])
            report["ensemble"] = str(args.out)
            for path in write_report(report, *report_paths(args.out)):
                print(f"wrote {path}", file=sys.stderr)
    if args.apply:
        from rainforest.experiments.studies.calibration import apply_to_library, library_medians

        for path in apply_to_library(library_medians(args.form, record["median"]["parameters"])):
            print(f"updated {path}", file=sys.stderr)
    return 0


def chosen_priors(given: list[str], form: str) -> dict[str, tuple[float, float]]:
    """``--prior PARAMETER=LOW,HIGH`` options as ranges, checked against the form's free
    parameters; a malformed one is a ScenarioError naming it."""
    from rainforest.experiments.studies.calibration import free_parameters
    from rainforest.scenarios.errors import ScenarioError

    priors: dict[str, tuple[float, float]] = {}
    for text in given:
        path, _, bounds = text.partition("=")
        try:
            low, high = (float(v) for v in bounds.split(","))
        except ValueError:
            raise ScenarioError(f"--prior {text}: expected PARAMETER=LOW,HIGH") from None
        priors[path.strip()] = (low, high)
    try:
        free_parameters(form, priors)
    except ValueError as exc:
        raise ScenarioError(f"--prior: {exc}") from None
    return priors


def write_identifiability(ensemble: Path, folder: Path) -> int:
    """``--report``: the identifiability report of an existing ensemble file, its table
    printed and its JSON and figure written into ``folder``."""
    from rainforest.experiments.studies.identifiability import (
        markdown_table,
        report_of_file,
        report_paths,
        write_report,
    )
    from rainforest.scenarios.errors import ScenarioError

    try:
        report = report_of_file(ensemble)
    except (KeyError, ValueError, TypeError) as exc:
        raise ScenarioError(f"--report: {ensemble}: not a usable ensemble ({exc})") from None
    print(markdown_table(report))
    print(
        f"{len(report['summary']['informed'])} of {len(report['parameters'])} parameters "
        f"informed (KS distance above its 5 % critical value {report['ks_critical']:.3f}); "
        f"{report['informed_by_basis']}",
        file=sys.stderr,
    )
    for path in write_report(report, *report_paths(ensemble, folder)):
        print(f"wrote {path}", file=sys.stderr)
    return 0
