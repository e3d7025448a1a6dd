"""`rainforest emulate train|validate|predict`: a Gaussian-process emulator of a sweep.

``train`` fits the emulator on a stored sweep folder and saves it; ``validate`` checks
its 90 % intervals on runs it did not see (a second sweep, or a held-out share of the
training sweep's samples) and exits 1 when an outcome's share inside is outside 85-95 %;
``predict`` answers one point at once, with a warning outside the training region.
The model is in experiments/studies/emulator.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rainforest.experiments.cli.args import _nonneg_int, _pos_int, add_command, out_path

DEFAULT_HOLDOUT = 0.2
EXIT_MISSED = 1


def register(sub) -> None:
    from rainforest.experiments.cli import Parser

    emulate = add_command(
        sub, "emulate", "a Gaussian-process emulator of a sweep's outcomes: train, validate",
        "Train a Gaussian-process emulator (scikit-learn) of a stored sweep's 2030 "
        "outcomes as functions of its varied parameters (budgets, market assumptions, "
        "posterior parameters), check it on runs it did not see, and ask it what-ifs that "
        "answer in milliseconds with a 90 % interval for a new run. The emulator records "
        "its training region and flags every point outside it.",
        [
            "rainforest emulate train results/six_plans_lhs --out emulators/six_plans",
            "rainforest emulate validate results/six_plans_lhs --holdout 0.2 --out val/",
            "rainforest emulate validate emulators/six_plans --against results/other --out val/",
        ],
    )  # fmt: skip
    verbs = emulate.add_subparsers(dest="verb", required=True, parser_class=Parser)

    train = add_command(
        verbs, "train", "fit the emulator on a sweep folder and save it",
        "Fit one Gaussian process per outcome (the sweep's indicators in 2030, or its "
        "report year; a function sweep's outcomes) over the sweep's numeric parameters "
        "that vary, scaled to the unit box, with an anisotropic Matern kernel and a white "
        "kernel; replicates are averaged and their spread is the seed noise. Saves "
        "emulator.json and emulator.npz (inputs, outputs, training region, kernels, the "
        "sweep's manifest hash) in --out.",
        ["rainforest emulate train results/six_plans_lhs --out emulators/six_plans"],
    )  # fmt: skip
    train.add_argument("dir", type=Path, help="a sweep's results folder")
    train.add_argument("--out", type=out_path, required=True, help="folder for the emulator")
    _add_fit_options(train)
    train.set_defaults(handler=cmd_train)

    validate = add_command(
        verbs, "validate", "the emulator's 90 %% intervals against held-out runs",
        "Compare the emulator with real runs it did not see: either SOURCE is a sweep "
        "folder, and the emulator is trained on its samples less a held-out share "
        "(--holdout; replicates of a sample stay together) and checked on that share, or "
        "SOURCE is an emulator folder and --against names a second sweep folder. Prints, "
        "per outcome, the share of runs inside the 90 % predictive interval (target "
        "85-95 %) and the standardised errors' mean and sd (0 and 1 when right); --out "
        "writes an analysis folder with the table and a predicted-against-actual figure. "
        "Exit 0 when every outcome's share is within 85-95 %, 1 when not, 2 on bad input.",
        [
            "rainforest emulate validate results/six_plans_lhs --holdout 0.2 --out val/",
            "rainforest emulate validate emulators/six_plans --against results/other",
        ],
    )  # fmt: skip
    validate.add_argument("source", type=Path, help="a sweep folder, or an emulator folder")
    validate.add_argument(
        "--against", type=Path, default=None,
        help="with an emulator folder: the sweep folder of held-out runs",
    )  # fmt: skip
    validate.add_argument(
        "--holdout", type=float, default=DEFAULT_HOLDOUT,
        help="with a sweep folder: the share of its samples held out",
    )  # fmt: skip
    validate.add_argument(
        "--out", type=out_path, default=None,
        help="folder for analysis.json, emulator_validation.csv, emulator_points.csv and "
        "emulator_validation.png",
    )  # fmt: skip
    _add_fit_options(validate)
    validate.set_defaults(handler=cmd_validate)

    predict = add_command(
        verbs, "predict", "the emulator's answer at one point, with its 90 %% interval",
        "Print every outcome's emulated mean and 90 % interval for a new run at one point "
        "(each input set with --set NAME=VALUE; inputs not set take the training region's "
        "centre), and a warning when the point is outside the training region.",
        ["rainforest emulate predict emulators/six_plans --set plans.array.budget_bn=2.5"],
    )  # fmt: skip
    predict.add_argument("emulator", type=Path, help="an emulator folder (emulate train)")
    predict.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", dest="values",
        help="an input's value (repeatable)",
    )  # fmt: skip
    predict.add_argument(
        "--effects", action="store_true",
        help="also each plan's effect at the point: the expected difference from taking "
        "its budget (its multiplier or plans.PLAN.budget_bn input) to zero, with the 90 %% "
        "interval of that expectation from the emulator's joint predictive",
    )  # fmt: skip
    predict.set_defaults(handler=cmd_predict)

    whatif = add_command(
        verbs, "whatif", "the view's instant what-if: an emulator of the six sliders",
        "Run SCENARIO at --scale at a Latin hypercube of the six plans' budget multipliers "
        "(0-3, the view's sliders; --replicates runs a point on their own seeds), fit the "
        "emulator of every 2030 target and of the output value at each year's end, check it on "
        "--check-points further runs it never saw (the share inside its 90 % intervals, "
        "target 85-95 %), and save it with the check in --out. The view reads "
        "viz/emulators/SCENARIO_SCALE/ and shows its answer while the real runs compute. "
        "Runs (--points + 60) x --replicates + --check-points runs (the 60: ten a plan with "
        "that plan off; a city run takes about a second).",
        [
            "rainforest emulate whatif action_plan --scale city --workers 2 "
            "--out viz/emulators/action_plan_city",
        ],
    )  # fmt: skip
    whatif.add_argument("scenario", help="a library scenario's name")
    whatif.add_argument("--scale", default="city", help="the runs' scale (default: city)")
    whatif.add_argument(
        "--points", type=_pos_int, default=None,
        help="training points (default: 120; with --posterior 500)",
    )  # fmt: skip
    whatif.add_argument(
        "--replicates", type=_pos_int, default=2,
        help="runs at each training point, on their own seeds: their spread is the seed "
        "noise (default: 2; with --posterior one run a point)",
    )  # fmt: skip
    whatif.add_argument(
        "--check-points", type=_pos_int, default=None, dest="check_points",
        help="runs the emulator is checked on, never trained on (default: 60; with "
        "--posterior 100)",
    )  # fmt: skip
    whatif.add_argument(
        "--posterior", action="store_true",
        help="emulate over the posterior too: each point runs under one accepted set of "
        "the ensemble, the set's parameters are inputs beside the multipliers (0-2); what "
        "rainforest voi --emulator needs",
    )  # fmt: skip
    whatif.add_argument(
        "--ensemble", type=Path, default=None,
        help="with --posterior: the ensemble file (default: the shipped one)",
    )  # fmt: skip
    whatif.add_argument("--seed", type=_nonneg_int, default=2030, help="design and run seed")
    whatif.add_argument("--workers", type=_pos_int, default=1, help="worker processes")
    whatif.add_argument("--out", type=out_path, required=True, help="folder for the emulator")
    whatif.set_defaults(handler=cmd_whatif)


def _add_fit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--outputs", default=None,
        help="comma-separated outcome columns (default: every targeted indicator in the "
        "report year that varies)",
    )  # fmt: skip
    parser.add_argument(
        "--seed", type=_nonneg_int, default=0,
        help="seed of the held-out split and of the hyperparameter subset",
    )  # fmt: skip


def _outputs(args: argparse.Namespace) -> list[str] | None:
    return [o.strip() for o in args.outputs.split(",") if o.strip()] if args.outputs else None


def cmd_train(args: argparse.Namespace) -> int:
    from rainforest.experiments.studies import emulator as em

    emu = em.train_on_sweep(args.dir, _outputs(args), seed=args.seed)
    em.save(emu, args.out)
    ms = em.prediction_seconds(emu) * 1000
    print(
        f"trained on {emu.about['runs']} runs ({emu.about['points']} points) in "
        f"{emu.about['fit_seconds']:.1f} s: {len(emu.outputs)} outcomes over "
        f"{len(emu.inputs)} inputs; one prediction of every outcome {ms:.2f} ms"
    )
    for name, box in emu.region().items():
        print(f"  {name}: {box['min']:.4g} to {box['max']:.4g}")
    for note in emu.about.get("left_out", []):
        print(f"  left out: {note}")
    print(f"wrote {args.out}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from rainforest.experiments.studies import emulator as em
    from rainforest.experiments.studies.analysis_dir import provenance, write_analysis
    from rainforest.scenarios.errors import ScenarioError

    start = time.perf_counter()
    if em.is_emulator_folder(args.source):
        if args.against is None:
            raise ScenarioError("--against: an emulator folder is validated on a sweep folder")
        emu = em.Emulator.load(args.source)
        _, test = em.load_sweep(args.against)
        held = f"the runs of {args.against}"
    else:
        if args.against is not None:
            raise ScenarioError("--against: only with an emulator folder as SOURCE")
        _, runs = em.load_sweep(args.source)
        train, test = em.split_by_sample(runs, args.holdout, args.seed)
        emu = em.train_on_sweep(args.source, _outputs(args), frame=train, seed=args.seed)
        held = f"{args.holdout:.0%} of the samples of {args.source}, held out"
    missing = [c for c in [*emu.inputs, *emu.outputs] if c not in test.columns]
    if missing:
        raise ScenarioError(f"--against: the held-out runs have no column {missing[0]!r}")
    result = em.validate(emu, test[emu.inputs], test[emu.outputs])
    print(f"emulator of {emu.about.get('source')} against {held} ({len(test)} runs)")
    print(em.text_table(result["outcomes"]))
    if result["outside_region"]:
        print(
            f"warning: {result['outside_region']} held-out runs lie outside the training "
            "region (the emulator extrapolates there)",
            file=sys.stderr,
        )
    if args.out is not None:
        rows = result["outcomes"]
        import pandas as pd
        from rainforest.experiments.studies.predictive_check import png

        analysis = {
            "kind": "emulator_validation",
            "title": "Emulator against held-out runs",
            "held_out": held,
            "held_out_runs": result["held_out_runs"],
            "outside_region": result["outside_region"],
            "coverage_target": result["coverage_target"],
            "passed": result["passed"],
            "outcomes": rows,
            "emulator": emu.describe(),
            "provenance": provenance(
                source=str(emu.about.get("source")),
                code_version=emu.about.get("code_version") or {},
                scale=emu.about.get("scale"),
                manifest_hash=emu.about.get("manifest_hash"),
            ),
        }
        figure = em.figure(result["points"], rows)
        write_analysis(
            args.out, analysis,
            figures={"emulator_validation.png": (png(figure), "Emulator (90 % interval) "
                                                 "against held-out runs")},
            tables={
                "emulator_validation.csv": (pd.DataFrame(rows), "Share inside the 90 % "
                                            "intervals and standardised errors, per outcome"),
                "emulator_points.csv": (result["points"], "Each held-out run: actual, "
                                        "predicted, 90 % interval"),
            },
        )  # fmt: skip
        print(f"wrote {args.out}")
    verdict = "within" if result["passed"] else "OUTSIDE"
    print(f"coverage {verdict} the 85-95 % target ({time.perf_counter() - start:.1f} s)")
    return 0 if result["passed"] else EXIT_MISSED


def cmd_predict(args: argparse.Namespace) -> int:
    from rainforest.experiments.studies import emulator as em
    from rainforest.scenarios.errors import ScenarioError

    emu = em.Emulator.load(args.emulator)
    values = dict(zip(emu.inputs, (emu.low + emu.high) / 2, strict=True))
    for item in args.values:
        name, sep, text = item.partition("=")
        if not sep or name not in values:
            raise ScenarioError(f"--set: {item!r}; the inputs are {emu.inputs}")
        try:
            values[name] = float(text)
        except ValueError:
            raise ScenarioError(f"--set: {item!r} is not NAME=NUMBER") from None
    answer = emu.predict_point(values)
    for name, (mean, low, high) in answer["outcomes"].items():
        print(f"{name}: {mean:.4g} (90 % interval {low:.4g} to {high:.4g})")
    if args.effects:
        from rainforest.experiments.studies.emulator import plan_inputs

        plans = plan_inputs(emu)
        if not plans:
            raise ScenarioError("--effects: the emulator has no plan budget among its inputs")
        for plan, column in plans.items():
            without = {**values, column: 0.0}
            for name, (mean, low, high) in emu.predict_difference(values, without).items():
                print(f"effect of {plan} on {name}: {mean:+.4g} (90 % interval {low:+.4g} "
                      f"to {high:+.4g})")  # fmt: skip
    if answer["outside"]:
        print(
            f"warning: outside the training region in {', '.join(answer['outside'])}: "
            "the emulator extrapolates",
            file=sys.stderr,
        )
    return 0


def cmd_whatif(args: argparse.Namespace) -> int:
    import pandas as pd
    from rainforest.experiments.files import write_atomic
    from rainforest.experiments.provenance import code_version
    from rainforest.experiments.studies import emulator as em
    from rainforest.experiments.studies import whatif_emulator as wf
    from rainforest.runs.execute import check_scale
    from rainforest.scenarios.errors import ScenarioError
    from rainforest.scenarios.loader import load_scenario
    from rainforest.scenarios.schema import PLAN_NAMES

    load_scenario(args.scenario)  # an unknown name is bad input before any run
    check_scale(args.scale)
    if args.ensemble is not None and not args.posterior:
        raise ScenarioError("--ensemble: only with --posterior")
    if args.posterior:
        points, checks = args.points or 500, args.check_points or 100
        print(
            f"{points + len(PLAN_NAMES) * wf.EDGE_POINTS + checks} runs of {args.scenario} at "
            f"{args.scale} scale over the "
            f"posterior on {args.workers} worker(s)"
        )
        emu, train, check, result = wf.build_posterior(
            args.scenario, args.scale, points, checks, args.seed, args.workers,
            None if args.ensemble is None else str(args.ensemble), code_version(),
        )  # fmt: skip
    else:
        points, checks = args.points or 120, args.check_points or 60
        total = (points + len(PLAN_NAMES) * wf.EDGE_POINTS) * args.replicates + checks
        print(f"{total} runs of {args.scenario} at {args.scale} scale on {args.workers} worker(s)")
        emu, train, check, result = wf.build(
            args.scenario, args.scale, points, args.replicates, checks, args.seed,
            args.workers, code_version(),
        )  # fmt: skip
    em.save(emu, args.out)
    frame: pd.DataFrame = wf.check_points_frame(check, emu)
    write_atomic(args.out / "check_runs.csv", frame.to_csv(index=False))
    write_atomic(args.out / "train_runs.csv", train.to_csv(index=False))
    print(em.text_table(result["outcomes"]))
    ms = em.prediction_seconds(emu) * 1000
    print(
        f"{wf.coverage_line(result['outcomes'])}; one prediction of every outcome {ms:.2f} ms; "
        f"runs {emu.about['run_seconds']:.0f} s, fit {emu.about['fit_seconds']:.1f} s"
    )
    print(f"wrote {args.out}")
    return 0 if result["passed"] else EXIT_MISSED
