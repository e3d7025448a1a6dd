"""Stopping a sweep and naming an output folder, as a user meets them on the command line:
SIGTERM stops a sweep as Ctrl-C does (its workers too, the resume hint printed); an empty
--out is refused by every command that has one; a run's files do not go into a sweep's
results folder."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rainforest.experiments.cli import build_parser, main

BASE = 'extends = "action_plan"\nname = "small"\nhorizon_year = 2024\nscale = "city"\n'
SWEEP = """
base = "small.toml"
sampler = "lhs"
samples = 6
replicates = 2
seed = 5
indicators = ["output_value_bn"]

[parameters]
"plans.rainforest.budget_bn" = { min = 0.0, max = 6.0 }
"""
QUICK_SWEEP = """name = "quick"
base = "baseline"
sampler = "list"
scale = "classroom"
years = [2023]
rows = [{ "plans.array.retention" = 0.1 }, { "plans.array.retention" = 0.2 }]
"""


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "rainforest.experiments.cli", *args]


def _chunks(out: Path) -> list[Path]:
    return sorted((out / "chunks").glob("part-*.parquet"))


def test_sigterm_stops_a_sweep_as_ctrl_c_does(tmp_path, group_ended):
    (tmp_path / "small.toml").write_text(BASE)
    sweep_file = tmp_path / "kill.toml"
    sweep_file.write_text(SWEEP)
    out = tmp_path / "out"
    command = _cli("sweep", str(sweep_file), "--out", str(out), "--workers", "2",
                   "--chunk-size", "1")  # fmt: skip
    err = tmp_path / "stderr.txt"
    with err.open("w") as stderr:
        proc = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 180
        while not _chunks(out) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGTERM)  # as `kill PID` or a job scheduler's stop does
        proc.wait(timeout=60)
        ended = group_ended(proc.pid, 20)  # its worker processes leave with it
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    text = err.read_text()
    assert proc.returncode == 128 + signal.SIGTERM, text
    assert "Traceback" not in text
    hint = f"resume with: rainforest sweep {sweep_file} --out {out}"
    assert [line for line in text.splitlines() if "interrupted" in line] == [
        f"sweep interrupted: the finished chunks in {out} are kept; {hint}"
    ]
    assert ended, "a worker process outlived the sweep"
    finished = len(_chunks(out))
    assert 1 <= finished < 12, "the stop should land mid-way"
    assert not list(out.rglob("*.tmp"))

    resumed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{finished}/12 runs already finished" in resumed.stderr
    assert "12/12 runs finished" in resumed.stdout


def _commands_with_out() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {
        name: command
        for name, command in sub.choices.items()
        if any("--out" in a.option_strings for a in command._actions)
    }


def test_every_command_with_out_is_covered():
    assert set(_commands_with_out()) == {
        "run", "sweep", "analyze", "report", "calibrate", "check", "attribute", "discover",
        "optimize", "switching", "voi",
    }  # fmt: skip


@pytest.mark.parametrize("command", sorted(_commands_with_out()))
@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_out_is_refused(command, empty, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main([command, "--out", empty])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and "--out" in errors[0] and "empty" in errors[0]
    assert "Traceback" not in err
    assert not list(tmp_path.iterdir())  # nothing written into the current folder


def test_a_run_into_a_sweeps_results_folder_is_refused(tmp_path):
    sweep_file = tmp_path / "quick.toml"
    sweep_file.write_text(QUICK_SWEEP)
    out = tmp_path / "results"
    made = subprocess.run(
        _cli("sweep", str(sweep_file), "--out", str(out), "--workers", "1"),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    done = subprocess.run(
        _cli("run", "action_plan", "--scale", "classroom", "--out", str(out)),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"rainforest: error: --out {out}: holds a sweep's results (manifest.json); give a "
        "folder of its own for the run"
    ]
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
