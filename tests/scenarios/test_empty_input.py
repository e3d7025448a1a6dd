"""Empty scenario and sweep files (zero bytes, or nothing but comments) are refused:
one line naming the file, exit status 2, no traceback, nothing written."""

from __future__ import annotations

import subprocess
import sys

import pytest
from rainforest.experiments.cli import main

EMPTY = {
    "zero_bytes": "",
    "blank_lines": "\n  \n\t\n",
    "comments_only": '# a scenario, one day\n\n# name = "draft"\n',
}
SCENARIO_MESSAGE = "empty scenario file: give at least `name` or `extends`"
SWEEP_MESSAGE = "empty sweep file: give at least `base` and `sampler`"


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", sorted(EMPTY))
def test_an_empty_scenario_file_is_refused(case, command, tmp_path, capsys):
    path = tmp_path / f"{case}.toml"
    path.write_text(EMPTY[case])
    out = tmp_path / "out"
    argv = ["scenarios", "validate", str(path)] if command == "validate" else [
        "run", str(path), "--out", str(out)
    ]  # fmt: skip
    assert main(argv) == 2
    captured = capsys.readouterr()
    line = _one_line(captured.err)
    assert str(path) in line and SCENARIO_MESSAGE in line
    assert captured.out == "" and not out.exists()


def test_an_empty_parent_scenario_is_named(tmp_path, capsys):
    (tmp_path / "parent.toml").write_text("# to do\n")
    child = tmp_path / "child.toml"
    child.write_text('extends = "parent.toml"\nname = "child"\n')
    assert main(["scenarios", "validate", str(child)]) == 2
    line = _one_line(capsys.readouterr().err)
    assert str(tmp_path / "parent.toml") in line and SCENARIO_MESSAGE in line


@pytest.mark.parametrize("case", sorted(EMPTY))
def test_an_empty_sweep_file_is_refused_and_nothing_is_written(case, tmp_path, capsys):
    path = tmp_path / f"{case}.toml"
    path.write_text(EMPTY[case])
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    line = _one_line(capsys.readouterr().err)
    assert str(path) in line and SWEEP_MESSAGE in line
    assert not out.exists()


def test_a_sweep_on_an_empty_base_scenario_names_it(tmp_path, capsys):
    (tmp_path / "base.toml").write_text("")
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(
        'base = "base.toml"\nsampler = "list"\nrows = [{ "plans.array.budget_bn" = 1.0 }]\n'
    )
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "out")]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "base.toml" in line and SCENARIO_MESSAGE in line


@pytest.mark.parametrize("argv", [["run"], ["scenarios", "validate"], ["sweep"]])
def test_the_console_script_prints_one_line_and_exits_2(argv, tmp_path):
    path = tmp_path / "empty.toml"
    path.write_text("# nothing yet\n")
    extra = ["--out", str(tmp_path / "out")] if argv == ["sweep"] else []
    proc = subprocess.run(
        [sys.executable, "-m", "rainforest.experiments.cli", *argv, str(path), *extra],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    line = _one_line(proc.stderr)
    assert str(path) in line and "empty" in line
    assert proc.stdout == ""
