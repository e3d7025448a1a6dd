"""Commands that explain themselves: help with a description, an example and defaults;
``--version``; a plan before many runs (``--dry-run``: only the plan); the shipped
sweeps listed; a quiet end on a closed pipe; a scorecard that fits 80 columns; and
``rf.sweep``'s clear error when its workers cannot start."""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap

import pytest
from rainforest.experiments.cli import build_parser, main
from rainforest.experiments.cli.args import has_default
from rainforest.experiments.sweeps.spec import library_sweeps, shipped_sweeps

CLI = [sys.executable, "-P", "-m", "rainforest.experiments.cli"]
MANY_RUNS = ("attribute", "optimize", "discover", "switching", "sweep", "calibrate")


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_every_command_has_a_description_an_example_and_its_defaults(name):
    parser = _subcommands()[name]
    text = parser.format_help()
    assert parser.description and len(parser.description.split()) >= 25, name
    assert "examples:" in text and f"  rainforest {name}" in text, name
    formatter = parser._get_formatter()
    for action in parser._actions:
        shown = action.option_strings or action.nargs in ("?", "*")
        if shown and has_default(action):
            assert "default" in formatter._expand_help(action), (name, action.dest)
        if action.option_strings and not isinstance(action, argparse._HelpAction):
            assert action.help, (name, action.dest)  # every option says what it is


@pytest.mark.parametrize("name", MANY_RUNS)
def test_commands_that_launch_many_runs_have_a_dry_run(name):
    options = {o for a in _subcommands()[name]._actions for o in a.option_strings}
    assert "--dry-run" in options


def test_version_names_the_package_and_the_model(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("rainforest ") and "(model " in out


def test_sweep_list_names_every_shipped_sweep_with_its_description(capsys):
    assert main(["sweep", "--list"]) == 0
    out = capsys.readouterr().out
    shipped = shipped_sweeps()
    assert f"{len(shipped)} shipped sweeps" in out and len(shipped) == len(library_sweeps())
    for name, description in shipped.items():
        assert description, name
        assert any(line.split()[:1] == [name] and description in line for line in out.split("\n"))


def test_an_unknown_sweep_name_lists_the_shipped_ones(capsys, tmp_path):
    assert main(["sweep", "six_plans_lsh", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "no shipped sweep of that name" in err and "six_plans_lhs" in err
    assert "sweep --list" in err and "Traceback" not in err


def test_dry_run_prints_the_plan_and_runs_nothing(capsys, tmp_path):
    out = tmp_path / "results"
    assert main(["sweep", "six_plans_lhs", "--out", str(out), "--dry-run", "--workers", "2"]) == 0
    printed = capsys.readouterr().out
    assert "320 runs (classroom scale, 10 simulated years each)" in printed
    assert "with 2 workers" in printed and "dry run: nothing was run" in printed
    assert not out.exists()
    assert main(["attribute", "--scale", "classroom", "--replicates", "3", "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert "64 coalitions x 3 replicates: 192 runs" in printed and "about" in printed


def test_calibrate_dry_run_counts_samples_times_waves(capsys):
    assert main(["calibrate", "--samples", "10", "--waves", "2", "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert "2 waves x 10 samples: 20 runs" in printed and "dry run" in printed


def test_a_closed_pipe_ends_the_command_quietly(tmp_path):
    """As ``rainforest ... | head -c 10``: the reader is gone before the command writes."""
    short = tmp_path / "short.toml"
    short.write_text('extends = "action_plan"\nname = "short"\nhorizon_year = 2022\n')
    for command in (
        ["sweep", "--list"],
        ["run", str(short), "--scale", "classroom", "--json"],
    ):
        child = subprocess.Popen([*CLI, *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        child.stdout.close()  # no reader: the first write finds the pipe closed
        err = child.stderr.read().decode()
        child.wait(timeout=300)
        assert "Traceback" not in err and "BrokenPipeError" not in err, err
        assert child.returncode == 1, (command, err)


def test_the_scorecard_fits_80_columns_one_line_per_indicator():
    from rainforest.experiments.scorecard import render_scorecard
    from rainforest.sim.indicators import INDICATORS
    from rich.console import Console

    indicators = {
        s.name: {
            "target": s.target, "unit": s.unit, "median": 212_345.6, "p05": 1_234_567.0,
            "p95": 98_765_432.1, "reach_probability": None if s.target is None else 1.0,
        }
        for s in INDICATORS
    }  # fmt: skip
    summary = {
        "scenario": "action_plan", "year": 2030, "scale": "district", "replicates": 100,
        "seed": 12345, "indicators": indicators,
    }  # fmt: skip
    console = Console(width=80, record=True, force_terminal=False)
    render_scorecard(summary, console)
    lines = console.export_text().rstrip("\n").split("\n")
    assert max(len(line) for line in lines) <= 80
    rows = [line for line in lines if line.split()[:1] and line.split()[0] in indicators]
    assert len(rows) == len(INDICATORS)  # no row wrapped onto a second line
    assert "…" not in "".join(rows)  # nor cut short


def test_rf_sweep_without_the_main_guard_raises_a_clear_error(tmp_path):
    script = tmp_path / "unguarded.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import rainforest as rf

            frame = rf.sweep("ishigami", {str(tmp_path / "results")!r}, workers=2)
            print("returned", len(frame))
            """
        )
    )
    done = subprocess.run(
        [sys.executable, "-P", str(script)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode != 0 and "returned" not in done.stdout
    assert "SweepWorkersError" in done.stderr
    assert 'if __name__ == "__main__":' in done.stderr
